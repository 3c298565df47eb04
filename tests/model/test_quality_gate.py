"""The quality gate: the shipped bundles on the fixed test sample score at least their committed floors."""

from __future__ import annotations

import pytest

from chromecut.evaluate import quality

from model_helpers import PROJECT_ROOT

pytestmark = [
    pytest.mark.data,
    pytest.mark.slow,  # every renderer of the gate: minutes
]


def test_shipped_bundles_hold_their_floors() -> None:
    baseline = quality.read_baseline(PROJECT_ROOT / quality.BASELINE_FILE_DEFAULT)
    sample = quality.gate_sample(per_dataset=baseline.pages_per_dataset)
    assert sample.fingerprint == baseline.fingerprint, (
        "the gate's test sample changed; if on purpose: chromecut quality raise --new-sample")
    verdict = quality.compare(baseline, quality.score_modes(sample), sample.fingerprint)
    assert verdict.passed, "\n".join(verdict.failures + verdict.missing)
