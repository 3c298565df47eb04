"""What each research-only dataset adds: the pools, the folds each is scored on, the gains and their table."""

from __future__ import annotations

from typing import Any

import pytest

from chromecut.evaluate import contributions, markdown
from chromecut.settings import TrainSettings

#: A stand-in fold model's page F1: the base pool scores 0.8 everywhere, each added dataset adds its own bonus.
BASE_F1 = 0.8
BONUS = {"dragnet": 0.05, "cleaneval": -0.02}


def _fake_lodo(calls: list[tuple[list[str], list[str]]]) -> Any:
    def lodo(settings: TrainSettings, datasets: list[str], *, peers: bool, root: Any, fold_max_pages: Any,
             train_datasets: list[str], held_out_max_pages: Any) -> dict[str, Any]:
        assert not peers
        calls.append((list(datasets), list(train_datasets)))
        bonus = sum(BONUS.get(d, 0.0) for d in train_datasets)
        return {"datasets": {d: {"pages": 10, "chromecut": {"page_f1": BASE_F1 + bonus}} for d in datasets}}
    return lodo


def test_each_candidate_is_added_to_the_base_pool_and_never_scored_on_its_own_dataset() -> None:
    calls: list[tuple[list[str], list[str]]] = []
    report = contributions.dataset_contributions(
        TrainSettings(), held_out=["wcxb", "readability", "dragnet", "cleaneval"], candidates=["dragnet", "cleaneval"],
        base=["wcxb", "readability"], lodo=_fake_lodo(calls))
    assert calls == [
        (["wcxb", "readability", "dragnet", "cleaneval"], ["wcxb", "readability"]),
        (["wcxb", "readability", "cleaneval"], ["wcxb", "readability", "dragnet"]),
        (["wcxb", "readability", "dragnet"], ["wcxb", "readability", "cleaneval"]),
    ]
    assert "dragnet" not in report["datasets"]["dragnet"]["page_f1"]
    assert report["datasets"]["cleaneval"]["page_f1"]["dragnet"] == pytest.approx(BASE_F1 + BONUS["dragnet"])
    assert report["gains"] == pytest.approx(BONUS)


def test_the_default_pools_are_the_licences_of_the_registry() -> None:
    assert set(contributions.permissive_datasets()) == {"wcxb", "readability", "trafilatura", "chinese-wce"}
    assert set(contributions.research_datasets()).isdisjoint(contributions.permissive_datasets())
    assert len(contributions.research_datasets()) + len(contributions.permissive_datasets()) == 10


def test_the_table_shows_each_pool_and_the_signed_mean_gain() -> None:
    calls: list[tuple[list[str], list[str]]] = []
    report = contributions.dataset_contributions(
        TrainSettings(), held_out=["wcxb", "dragnet"], candidates=["dragnet", "cleaneval"], base=["wcxb"],
        lodo=_fake_lodo(calls))
    table = markdown.render_contributions(report)
    assert "| held-out dataset | pages | permissive | + dragnet | + cleaneval |" in table
    assert "| dragnet | 10 | **0.800** | – | 0.780 |" in table
    assert "| mean gain over the permissive pool |  |  | +0.050 | -0.020 |" in table
