"""Worker processes with a hard time limit: a batch that overruns its limit, or whose worker dies, is isolated.

:class:`WatchedPool` runs ``work(batch) -> results`` for a stream of batches in spawned worker processes and
yields the results in input order, with a bounded number of batches in flight. A cooperative clock cannot stop a
step stuck in C code (an HTML parser, a regex); this pool can: when a batch is not done within
``limit(batch)`` seconds of being awaited, or its worker dies (a crash, the OOM killer), every worker is
killed, the pool is restarted, and the batch is run again one item at a time; the item that overruns or kills
its worker again gets ``fail(item, error)`` as its result (``error`` a
:class:`chromecut.segment.limits.PageTimeout` or a :class:`WorkerDied`), the others are processed normally.

Chromecut runs worker processes in two places, and both use this pool: the command line's ``--jobs``
(:func:`chromecut.io.batch.outcomes`) and :meth:`chromecut.predict.Cleaner.clean_many` with ``n_jobs > 1``;
both call :func:`settle_heap` once a model is loaded in a process chromecut owns. Nothing here knows about
documents or models, so :mod:`chromecut.predict` uses it without depending on the rest of :mod:`chromecut.io`.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Generic, TypeVar

from chromecut.segment.limits import PageTimeout

T = TypeVar("T")
R = TypeVar("R")
#: Worker processes are spawned: forking after LightGBM's OpenMP runtime started can hang.
START_METHOD = "spawn"
#: Batches in flight per worker before the oldest is awaited (bounds the memory in flight).
IN_FLIGHT_PER_WORKER_DEFAULT = 2
#: Seconds to wait for killed workers to exit.
KILL_WAIT_SECONDS = 10.0


def settle_heap() -> None:
    """Collect what start-up left behind, then exempt everything alive from later garbage collections
    (``gc.freeze``): a loaded model and its libraries stay for the whole run, and the collector no longer
    walks them on every full collection while documents come and go. For processes chromecut owns (the
    command line, its worker processes), never called on a library user's process."""
    gc.collect()
    gc.freeze()


class WorkerDied(RuntimeError):
    """The worker process that held an item died (a crash, the out-of-memory killer)."""


class WatchedPool(Generic[T, R]):
    """Spawned workers that run ``work`` over batches, each batch within a hard time limit.

    Parameters
    ----------
    jobs:
        Worker processes.
    work:
        ``work(batch) -> one result per item``, run in a worker (a module-level function).
    limit:
        Seconds a batch may take once awaited (``None``: no limit).
    fail:
        The result of an item that overran its limit or killed its worker, from the item and the error
        (:class:`chromecut.segment.limits.PageTimeout` or :class:`WorkerDied`).
    initializer, initargs:
        Run once in each worker when it starts (a restarted pool runs it again).
    in_flight_per_worker:
        Batches submitted per worker before the oldest result is awaited.
    """

    def __init__(
        self,
        jobs: int,
        work: Callable[[list[T]], list[R]],
        limit: Callable[[Sequence[T]], float | None],
        fail: Callable[[T, Exception], R],
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        in_flight_per_worker: int = IN_FLIGHT_PER_WORKER_DEFAULT,
    ) -> None:
        self.jobs = jobs
        self.work = work
        self.limit = limit
        self.fail = fail
        self.initializer = initializer
        self.initargs = initargs
        self.in_flight_per_worker = in_flight_per_worker
        #: How many times the workers were killed and restarted.
        self.restarts = 0
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=get_context(START_METHOD), initializer=self.initializer,
                                   initargs=self.initargs)

    def _restart(self) -> None:
        """Kill every worker (a stuck one cannot be stopped any other way) and start a fresh pool."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())  # no public API for this
        for process in processes:
            process.kill()
        for process in processes:
            process.join(KILL_WAIT_SECONDS)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()
        self.restarts += 1

    def close(self) -> None:
        """Stop the workers (waiting for running batches)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WatchedPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:  # an interrupted caller does not wait for the workers
            self._restart()
            self._pool.shutdown(wait=False, cancel_futures=True)

    def map(self, batches: Iterable[list[T]]) -> Iterator[R]:
        """Every item's result, batch after batch, in input order."""
        pending: deque[tuple[list[T], Future[list[R]]]] = deque()
        for batch in batches:
            pending.append((batch, self._submit(batch)))
            if len(pending) >= self.jobs * self.in_flight_per_worker:
                yield from self._await_oldest(pending)
        while pending:
            yield from self._await_oldest(pending)

    def _await_oldest(self, pending: deque[tuple[list[T], Future[list[R]]]]) -> list[R]:
        batch, future = pending.popleft()
        problem = self._wait(future, batch)
        if problem is None:
            return future.result()
        # Every worker was killed: the batches still pending are submitted again after this one is isolated.
        others = [queued for queued, _ in pending]
        pending.clear()
        results: list[R] = []
        for item in batch:
            if len(batch) == 1:
                results.append(self.fail(item, problem))
                continue
            single = self._submit([item])
            single_problem = self._wait(single, [item])
            results.extend(single.result() if single_problem is None else [self.fail(item, single_problem)])
        for queued in others:
            pending.append((queued, self._submit(queued)))
        return results

    def _submit(self, batch: list[T]) -> Future[list[R]]:
        """Queue a batch; a pool found broken (a worker that died is reaped by the executor's own thread, so a
        pool can break between two waits) is restarted first. A pool caught while that thread tears it down
        refuses the batch with an ``OSError`` instead (the replacement worker it spawns finds the pool's pipe
        closed): broken too."""
        try:
            return self._pool.submit(self.work, batch)
        except (BrokenProcessPool, OSError):
            self._restart()
            return self._pool.submit(self.work, batch)

    def _wait(self, future: Future[list[R]], batch: Sequence[T]) -> Exception | None:
        """``None`` when the batch finished; otherwise why not (the pool has been restarted)."""
        seconds = self.limit(batch)
        try:
            future.result(timeout=seconds)
        except FutureTimeout:
            self._restart()
            return PageTimeout(f"worker stopped after {seconds:g} s (hard limit of --page-timeout)")
        except BrokenProcessPool:
            self._restart()
            return WorkerDied("worker process died (crash or out of memory)")
        except BaseException:  # the work's own exception: the caller's result() raises it
            return None
        return None
