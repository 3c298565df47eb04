"""The memory figures' arithmetic (no process is started, no model loaded)."""

from __future__ import annotations

import pytest

from chromecut.bench.memory import MemoryFigure, memory_growth


def test_memory_growth_is_largest_stream_over_smallest() -> None:
    runs = [MemoryFigure(10, 100, 220, 1.0), MemoryFigure(1, 10, 200, 0.1)]
    assert memory_growth(runs) == pytest.approx(1.1)
    assert memory_growth([*runs[:1], MemoryFigure(1, 0, None, None, "boom")]) is None
