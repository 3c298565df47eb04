"""Cut a stream of pages into lists, reading it lazily.

:meth:`chromecut.predict.Cleaner.clean_many` (a batch per featurisation pass, or per worker task), dataset
preparation (:mod:`chromecut.datasets.prepare`) and the peers' scoring (:mod:`chromecut.evaluate.peer_scores`), a
chunk per worker task, take their pages as iterators; :func:`chunked` hands them on a list at a time. The command
line cuts its documents by bytes as well as by count (:func:`chromecut.io.batch.document_batches`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter), reading the stream lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
