"""The peers scored on the same pages as chromecut: one row per page and peer, and their means per dataset.

:func:`evaluate_peers` runs every peer of :mod:`chromecut.evaluate.peers` on every page (in worker processes when
asked), times each extraction and scores its text against the page's gold with :func:`score_page`, the same
scoring the quality gate (:mod:`chromecut.evaluate.quality`) applies to chromecut's own text; :func:`summarise`
averages the rows. A peer that fails on a page is a row with an ``error``, never a stopped run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

import pandas as pd

from chromecut.datasets import GoldKind, Page
from chromecut.evaluate.metrics import PRF, shingle_prf, snippet_score
from chromecut.evaluate.peers import PEERS, check_peer, describe_error, extract_decoded, warm_up
from chromecut.io.streams import chunked
from chromecut.segment.encoding import decode_text

#: Pages per task handed to a worker process when ``n_jobs > 1``.
CHUNK_PAGES_DEFAULT = 8
#: Tasks kept in flight per worker, so a long page iterator is not read into memory all at once.
TASKS_IN_FLIGHT_PER_JOB = 2
#: Columns of :func:`evaluate_peers`'s frame.
RESULT_COLUMNS: tuple[str, ...] = ("dataset", "page_id", "peer", "precision", "recall", "f1", "seconds", "error")


@dataclass(frozen=True, slots=True)
class _Row:
    dataset: str
    page_id: str
    peer: str
    precision: float
    recall: float
    f1: float
    seconds: float
    error: str | None


def score_page(text: str, page: Page) -> PRF | None:
    """Score an extraction against the page's gold; ``None`` when full-text gold has no text."""
    gold = page.gold
    if gold.kind is GoldKind.SNIPPETS:
        return snippet_score(text, gold.with_snippets, gold.without_snippets)
    if gold.text is None:
        return None
    return shingle_prf(text, gold.text)


def _evaluate_page(page: Page, peers: Sequence[str]) -> list[_Row]:
    """Every peer on one page. A peer's failure scores its empty output and is recorded in ``error``."""
    rows: list[_Row] = []
    try:
        document: str | None = decode_text(page.html, page.encoding_hint)
        decode_error = None
    except Exception as exc:  # a page that cannot be decoded fails for every peer
        document, decode_error = None, describe_error(exc)
    for peer in peers:
        start = time.perf_counter()
        if document is None:
            text, error = "", decode_error
        else:
            text, error = extract_decoded(peer, document, page.language)
        seconds = time.perf_counter() - start
        score = score_page(text, page)
        if score is None:
            nan = float("nan")
            rows.append(_Row(page.dataset, page.page_id, peer, nan, nan, nan, seconds, error or "gold has no text"))
        else:
            rows.append(_Row(page.dataset, page.page_id, peer, score.precision, score.recall, score.f1, seconds, error))
    return rows


def _evaluate_chunk(pages: list[Page], peers: tuple[str, ...]) -> list[_Row]:
    warm_up(peers)
    return [row for page in pages for row in _evaluate_page(page, peers)]


def _parallel_rows(
    pages: Iterable[Page], peers: tuple[str, ...], n_jobs: int, chunk_pages: int
) -> Iterator[list[_Row]]:
    """Chunks of pages evaluated in ``n_jobs`` processes; results come back in page order."""
    chunks = chunked(pages, chunk_pages)
    limit = n_jobs * TASKS_IN_FLIGHT_PER_JOB
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        pending: dict[int, Future[list[_Row]]] = {}
        done: dict[int, list[_Row]] = {}
        submitted = emitted = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending[submitted] = pool.submit(_evaluate_chunk, chunk, peers)
                submitted += 1
            if not pending:
                break
            finished, _ = wait(pending.values(), return_when=FIRST_COMPLETED)
            for key in [key for key, future in pending.items() if future in finished]:
                done[key] = pending.pop(key).result()
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1


def evaluate_peers(
    pages: Iterable[Page],
    peers: Sequence[str] = PEERS,
    *,
    n_jobs: int = 1,
    chunk_pages: int = CHUNK_PAGES_DEFAULT,
) -> pd.DataFrame:
    """Every peer on every page: one row per (page, peer), in page order then ``peers`` order.

    Columns are :data:`RESULT_COLUMNS`. Full-text gold (TEXT, BLOCKS) is scored with
    :func:`chromecut.evaluate.metrics.shingle_prf` against ``gold.text``, snippet gold with
    :func:`chromecut.evaluate.metrics.snippet_score` (see :func:`score_page`). ``seconds`` is the wall time of the
    peer's extraction on text the page bytes were decoded to once (decoding is shared and not timed; the peers are
    imported before timing).
    A peer that raises is scored on empty output (so its failures count in the mean scores) and its exception
    is kept in ``error``; full-text gold without text gives NaN scores and an ``error``.

    Parameters
    ----------
    pages:
        The pages, read lazily.
    peers:
        Names from :data:`chromecut.evaluate.peers.PEERS`.
    n_jobs:
        Worker processes; above 1, chunks of ``chunk_pages`` pages go to a :class:`ProcessPoolExecutor`
        (timings then share the machine's cores with the other workers).
    chunk_pages:
        Pages per worker task.

    Raises
    ------
    ValueError
        If a peer is unknown or ``n_jobs`` / ``chunk_pages`` is below 1.
    """
    peer_names = tuple(peers)
    for peer in peer_names:
        check_peer(peer)
    if n_jobs < 1 or chunk_pages < 1:
        raise ValueError(f"n_jobs and chunk_pages must be at least 1, got {n_jobs} and {chunk_pages}")
    if n_jobs == 1:
        warm_up(peer_names)
        batches: Iterable[list[_Row]] = (_evaluate_page(page, peer_names) for page in pages)
    else:
        batches = _parallel_rows(pages, peer_names, n_jobs, chunk_pages)
    records = [
        (r.dataset, r.page_id, r.peer, r.precision, r.recall, r.f1, r.seconds, r.error)
        for batch in batches
        for r in batch
    ]
    frame = pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS))
    return frame.astype(
        {
            "dataset": "string",
            "page_id": "string",
            "peer": "string",
            "precision": "float64",
            "recall": "float64",
            "f1": "float64",
            "seconds": "float64",
            "error": "object",
        }
    )


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean precision, recall, F1 and seconds per dataset x peer, with page and failure counts.

    Columns: ``dataset, peer, pages, precision, recall, f1, seconds, failures``. Scores average over the pages
    that have one (NaN scores, from gold without text, are left out); ``failures`` counts rows with an error.
    Peers keep the order of :data:`chromecut.evaluate.peers.PEERS` within each dataset.
    """
    columns = ["dataset", "peer", "pages", "precision", "recall", "f1", "seconds", "failures"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    work = frame.assign(failed=frame["error"].notna())
    summary = (
        work.groupby(["dataset", "peer"], sort=False)
        .agg(
            pages=("page_id", "size"),
            precision=("precision", "mean"),
            recall=("recall", "mean"),
            f1=("f1", "mean"),
            seconds=("seconds", "mean"),
            failures=("failed", "sum"),
        )
        .reset_index()
    )
    order = {peer: i for i, peer in enumerate(PEERS)}
    summary["_order"] = summary["peer"].map(lambda peer: order.get(str(peer), len(order)))
    summary = summary.sort_values(["dataset", "_order", "peer"], kind="stable").drop(columns="_order")
    return summary.reset_index(drop=True)[columns]
