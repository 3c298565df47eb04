"""The quality gate's rules: floors with a noise band, a sample fingerprint, floors raised only upwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chromecut.datasets import Gold, GoldKind, Page
from chromecut.evaluate import quality
from chromecut.model.bundle import Bundle

from synthetic import PROSE, synthetic_page

BASE = quality.Baseline("f" * 64, 25, 0.01, {"html": {"a": 0.90, "b": 0.80}, "text": {"a": 0.70}})


def _page(page_id: str, html: bytes = b"<p>x</p>", gold: str = "x") -> Page:
    return Page("a", page_id, "example.org", html, Gold(GoldKind.TEXT, text=gold))


def test_scores_within_the_band_pass_and_below_fail() -> None:
    ok = quality.compare(BASE, {"html": {"a": 0.895, "b": 0.85}, "text": {"a": 0.70}}, BASE.fingerprint)
    assert ok.passed
    bad = quality.compare(BASE, {"html": {"a": 0.885, "b": 0.85}, "text": {"a": 0.70}}, BASE.fingerprint)
    assert not bad.passed and bad.failures == ["html/a: page F1 0.8850 < floor 0.9000 - 0.01"]


def test_a_changed_sample_or_a_dataset_without_floor_fails() -> None:
    assert "sample changed" in quality.compare(BASE, {"html": {"a": 0.95}}, "0" * 64).failures[0]
    assert quality.compare(BASE, {"html": {"c": 0.5}}, BASE.fingerprint).missing == ["html/c: no floor (score 0.5000)"]


def test_raise_only_lifts_floors_unless_told_to_lower() -> None:
    scores = {"html": {"a": 0.95, "b": 0.70}, "text": {"a": 0.70, "c": 0.4}}
    up = quality.raised(BASE, scores, BASE.fingerprint)
    assert up.floors == {"html": {"a": 0.95, "b": 0.80}, "text": {"a": 0.70, "c": 0.4}}
    down = quality.raised(BASE, scores, BASE.fingerprint, lower=True)
    assert down.floors["html"]["b"] == 0.70
    with pytest.raises(ValueError, match="--new-sample"):
        quality.raised(BASE, scores, "0" * 64)
    renewed = quality.raised(BASE, scores, "0" * 64, new_sample=True)
    assert renewed.fingerprint == "0" * 64 and renewed.floors["html"]["b"] == 0.70


def test_fingerprint_changes_with_any_page_html_or_gold() -> None:
    pages = {"a": [_page("1"), _page("2")]}
    same = quality.fingerprint({"a": [_page("1"), _page("2")]})
    assert quality.fingerprint(pages) == same
    assert quality.fingerprint({"a": [_page("1"), _page("2", html=b"<p>y</p>")]}) != same
    assert quality.fingerprint({"a": [_page("1"), _page("2", gold="y")]}) != same
    assert quality.fingerprint({"a": [_page("1")]}) != same


def test_baseline_round_trips_and_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    quality.write_baseline(path, BASE)
    assert quality.read_baseline(path) == BASE
    path.write_text('{"schema": "other"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a quality baseline"):
        quality.read_baseline(path)


def test_text_mode_is_scored_on_each_renderers_dumps_and_a_page_a_renderer_cannot_dump_is_left_out(
        tiny_bundle: Bundle, tiny_text_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chromecut.datasets import renderers

    text = str(tiny_text_bundle.save(tmp_path / "text"))
    models = {"html": str(tiny_bundle.save(tmp_path / "html")), "text": text, "markdown": text}
    pages = [_page(str(i), synthetic_page(i).encode(), " ".join(PROSE)) for i in range(3)]
    original = renderers.render

    def failing_on_page_one(name: str, html: str, **kwargs: Any) -> str:
        if "Story 1." in html and name == "html-text":
            raise renderers.RenderError("html-text: broken")
        return original(name, html, **kwargs)

    monkeypatch.setattr(renderers, "render", failing_on_page_one)
    sample = quality.GateSample({"a": pages}, quality.fingerprint({"a": pages}))
    scores = quality.score_modes(sample, models, renderers=("html-text", "inscriptis"),
                                 markdown_renderers=("html2text",))
    assert set(scores) == {"html", "text", "text:html-text", "text:inscriptis", "markdown:html2text"}
    assert all(0.0 < scores[mode]["a"] <= 1.0 for mode in scores)
    one_page_less = quality.score_modes(quality.GateSample({"a": pages[:1] + pages[2:]}, ""), models,
                                        renderers=("html-text",), markdown_renderers=())
    assert scores["text:html-text"]["a"] == one_page_less["text:html-text"]["a"]


def test_check_gates_candidate_bundles_and_raise_refuses_them(
        tiny_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tiny_bundle.save(tmp_path / "html"))
    seen: list[dict[str, str] | None] = []

    def score(sample: quality.GateSample, models: dict[str, str] | None = None) -> dict[str, dict[str, float]]:
        seen.append(models)
        return {"html": {"a": 0.95, "b": 0.85}, "text": {"a": 0.75}}

    monkeypatch.setattr(quality, "gate_sample", lambda root, per_dataset: quality.GateSample({}, BASE.fingerprint))
    monkeypatch.setattr(quality, "score_modes", score)
    baseline = tmp_path / "floors.json"
    quality.write_baseline(baseline, BASE)
    assert quality.main(["check", "--baseline", str(baseline), "--html-model", folder]) == 0
    assert seen == [{"html": folder, "text": "text", "markdown": "markdown"}]
    with pytest.raises(SystemExit):
        quality.main(["raise", "--baseline", str(baseline), "--html-model", folder])
    assert "shipped bundles" in capsys.readouterr().err


def test_the_cells_of_each_mode() -> None:
    assert quality.gate_cells(("html", "text", "markdown"), ("inscriptis",), ("html2text", "markdownify")) == [
        "html", "text", "text:inscriptis", "markdown:html2text", "markdown:markdownify"]
    assert quality.gate_cells(("markdown",), ("inscriptis",), ()) == []
    with pytest.raises(ValueError, match="unknown mode 'pdf'"):
        quality.gate_cells(("pdf",), (), ())


def test_the_markdown_cells_are_the_installed_markdown_renderers() -> None:
    from chromecut.datasets.renderers import RENDERERS

    cells = quality.gate_markdown_renderers()
    assert set(cells) <= {name for name, renderer in RENDERERS.items() if renderer.markdown}
    assert not set(cells) & {"inscriptis", "chromecut", "html-text"}


def test_a_renderers_dumps_that_two_cells_clean_are_rendered_once(
        tiny_text_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chromecut.datasets import renderers

    text = str(tiny_text_bundle.save(tmp_path / "text"))
    pages = [_page(str(i), synthetic_page(i).encode(), " ".join(PROSE)) for i in range(2)]
    original, calls = renderers.render, []

    def counted(name: str, html: str, **kwargs: Any) -> str:
        calls.append(name)
        return original(name, html, **kwargs)

    monkeypatch.setattr(renderers, "render", counted)
    sample = quality.GateSample({"a": pages}, quality.fingerprint({"a": pages}))
    scores = quality.score_modes(sample, {"html": text, "text": text, "markdown": text},
                                 renderers=("html2text",), markdown_renderers=("html2text",))
    assert scores["text:html2text"] == scores["markdown:html2text"]  # the same model on the same dumps
    assert calls == ["html2text"] * len(pages)


def test_the_pages_beyond_the_sample_follow_it_and_leave_out_datasets_with_none_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ordered = {"a": [_page(f"p{i}") for i in range(5)], "b": [_page("q0"), _page("q1")]}

    def sample(root: Path | None, per_dataset: int) -> quality.GateSample:
        pages = {name: found[:per_dataset] for name, found in ordered.items()}
        return quality.GateSample(pages, quality.fingerprint(pages))

    monkeypatch.setattr(quality, "gate_sample", sample)
    beyond = quality.sample_beyond(2, per_dataset=2)
    assert {name: [page.page_id for page in found] for name, found in beyond.pages.items()} == {"a": ["p2", "p3"]}
    assert beyond.fingerprint == quality.fingerprint({"a": ordered["a"][2:4]})
