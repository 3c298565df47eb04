"""The watched worker pool: a batch stuck in C code or whose worker dies is isolated, and only its item fails."""

from __future__ import annotations

import os
import time

from chromecut.io.workers import WatchedPool

STUCK_SECONDS = 3600


def _work(batch: list[str]) -> list[str]:
    out = []
    for item in batch:
        if item == "stuck":
            time.sleep(STUCK_SECONDS)  # a C call: no cooperative check can interrupt it
        if item == "crash":
            os._exit(3)
        out.append(item.upper())
    return out


def _fail(item: str, error: Exception) -> str:
    return f"failed {item}: {type(error).__name__}: {error}"


def test_a_stuck_or_crashing_document_is_killed_and_only_it_fails() -> None:
    batches = [["a", "b"], ["c", "stuck", "d"], ["e"], ["crash", "f"], ["g"]]
    started = time.monotonic()
    with WatchedPool(2, _work, lambda batch: 4.0 + len(batch), _fail) as pool:
        results = list(pool.map(batches))
    assert results[:3] == ["A", "B", "C"]
    assert results[3].startswith("failed stuck: PageTimeout: worker stopped after") and "--page-timeout" in results[3]
    assert results[4:6] == ["D", "E"]
    assert results[6] == "failed crash: WorkerDied: worker process died (crash or out of memory)"
    assert results[7:] == ["F", "G"]
    assert pool.restarts >= 3 and time.monotonic() - started < STUCK_SECONDS / 10
