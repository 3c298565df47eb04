"""Chunking a stream: lists of the given size, the last one shorter, the stream read lazily."""

from __future__ import annotations

from collections.abc import Iterator

from chromecut.io.streams import chunked

#: Items per chunk in these tests.
CHUNK_SIZE = 3


def test_chunks_keep_order_and_the_last_one_is_shorter() -> None:
    assert list(chunked(range(7), CHUNK_SIZE)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], CHUNK_SIZE)) == []


def test_an_endless_stream_is_read_one_chunk_at_a_time() -> None:
    def endless() -> Iterator[int]:
        number = 0
        while True:
            yield number
            number += 1

    chunks = chunked(endless(), CHUNK_SIZE)
    assert next(chunks) == [0, 1, 2] and next(chunks) == [3, 4, 5]
