"""The speed report: the text table and the JSON layout, on fake figures."""

from __future__ import annotations

import json
import math

import pytest

from chromecut.bench.report import JSON_SCHEMA, Report, render, report_json


def test_report_renders(speed_report: Report) -> None:
    text = render(speed_report)
    assert "pages/s" in text and "F1 (1 pages)" in text
    assert "slow" in text and "2.00" in text  # the baseline is twice as fast as "slow"
    assert "broken could not run: RuntimeError: cannot start" in text
    assert "growth" in text and "1.010" in text
    assert "by internal time" in text and "cprofile profile of" in text


def test_report_json_has_every_key(speed_report: Report) -> None:
    data = json.loads(json.dumps(report_json(speed_report)))
    assert data["schema"] == JSON_SCHEMA
    assert {"timestamp", "cpu_count", "python", "platform", "versions", "sample", "settings", "baseline",
            "contenders", "memory", "profile"} <= set(data)
    assert {"trafilatura", "resiliparse", "readability", "boilerpy3", "justext", "chromecut"} <= set(data["versions"])
    assert data["sample"]["pages"] == 2 and data["sample"]["datasets"] == {"set": 2} and data["sample"]["f1_pages"] == 1
    assert set(data["settings"]) == {"warmup", "batch_size", "workers", "chunk_pages", "rounds"}
    first, slow, broken = data["contenders"]
    assert {"name", "kind", "pages", "input_bytes", "lines", "seconds", "failures", "f1", "f1_pages", "error",
            "round_seconds", "pages_per_second", "mb_per_second", "lines_per_second", "speed_ratio"} <= set(first)
    assert slow["speed_ratio"] == 2.0 and slow["pages_per_second"] == 2.5
    assert broken["pages_per_second"] is None and broken["speed_ratio"] is None
    assert data["memory"]["growth"] == pytest.approx(1.01) and len(data["memory"]["runs"]) == 2
    assert {"total_seconds", "by_cumulative", "by_internal"} <= set(data["profile"])
    assert not math.isnan(data["profile"]["total_seconds"])
