"""The Rust core's one-call inference (chromecut.model.fused, core/src/pipeline.rs) against the line-frame path
it replaces in ``clean`` / ``clean_many``: the same clean text of every page, the same failures."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from chromecut import _core
from chromecut.datasets import DATASETS, iter_pages
from chromecut.model.bundle import Bundle
from chromecut.model.compiled import CACHE_ENV
from chromecut.model.ensemble import Ensemble, Model
from chromecut.model.fused import fused_pipeline
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html
from chromecut.segment.limits import LimitError, Limits, PageTimeout

from hostile import corpus, plain_payload
from synthetic import PROSE, synthetic_page

#: Pages of each dataset in the real-page comparison.
REAL_PAGES_PER_DATASET = 4

ODD_HTML: list[str | bytes] = [
    "",
    "<html><body></body></html>",
    "<p>   </p><p>\u00a0</p>",
    "<p>only one line, which is the whole page</p>",
    "<html><head><title>Title only</title></head></html>",
    "<ul>" + "".join(f"<li><a href='/{i}'>Link {i}</a></li>" for i in range(40)) + "</ul><p>" + PROSE[0] + "</p>",
    "<div class='comments'><p>Reply</p><p>Like</p></div><article><p>" + " ".join(PROSE) + "</p></article>",
    "<table><tr><td>1</td><td>2.5 %</td></tr></table><p>Zürich, naïve café — “quotes” 北京 🚀</p>",
    synthetic_page(3).encode("utf-8"),
    b"\xef\xbb\xbf<p>behind a byte-order mark</p>",
    "<p>caf\u00e9</p>".encode("latin-1"),  # not UTF-8: decoded, then the core's second call
    "<p>lone \ud800 surrogate</p>",  # a str the core cannot read: the line-frame path
]
ODD_TEXT: list[str | bytes] = [
    "",
    "\n\n\n",
    "Home\r\nNews\r\n\r\n" + "\n".join(PROSE) + "\r\n",
    "Related\n- " + "\n- ".join(f"Another headline number {i}" for i in range(12)) + "\n" + PROSE[1],
    "one line that is the whole page",
    "   \t  \n\u3000\n" + PROSE[2],
    "Zürich\n北京 · 上海\n" + PROSE[0],
    ("Menu\n" + "\n".join(PROSE)).encode("utf-8"),
    "Menu\ncaf\u00e9 crème\n".encode("cp1252"),
]


def both(bundle: Model, **kwargs: object) -> tuple[Cleaner, Cleaner]:
    return Cleaner(bundle, fused=True, **kwargs), Cleaner(bundle, fused=False, **kwargs)  # type: ignore[arg-type]


def outcome(result: object) -> object:
    return (type(result), str(result)) if isinstance(result, Exception) else result


def assert_same(bundle: Model, pages: list[str | bytes], batch_size: int = 64, **kwargs: object) -> list[str]:
    """The clean text (``clean_many``) and the labels (``label_pages``: every line, its probability to the last
    bit, its decision) of the two paths are the same, failures included."""
    fused, lines = both(bundle, **kwargs)
    got = list(fused.clean_many(pages, batch_size=batch_size, return_exceptions=True))
    expected = list(lines.clean_many(pages, batch_size=batch_size, return_exceptions=True))
    assert [outcome(r) for r in got] == [outcome(r) for r in expected]
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        assert [outcome(r) for r in fused.label_pages(batch)] == [outcome(r) for r in lines.label_pages(batch)]
    return [r for r in got if isinstance(r, str)]


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_html_pages_clean_as_on_the_line_frame_path(tiny_bundle: Bundle, batch_size: int) -> None:
    pages = ODD_HTML + [synthetic_page(i) for i in range(8)]
    cleaned = assert_same(tiny_bundle, pages, batch_size)
    assert any(PROSE[0] in text for text in cleaned)  # not trivially empty


@pytest.mark.parametrize("batch_size", [1, 64])
def test_pages_with_a_summary_clean_as_on_the_line_frame_path(tiny_summary_bundle: Bundle, batch_size: int) -> None:
    assert "summary_anchor" in tiny_summary_bundle.featurizer.feature_names_
    pages = ODD_HTML + [synthetic_page(i, summary=i % 2 == 0) for i in range(8)]
    cleaned = assert_same(tiny_summary_bundle, pages, batch_size)
    assert any(PROSE[0] in text for text in cleaned)


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_text_pages_clean_as_on_the_line_frame_path(tiny_text_bundle: Bundle, batch_size: int) -> None:
    cleaned = assert_same(tiny_text_bundle, ODD_TEXT, batch_size)
    assert "one line that is the whole page" in cleaned  # the dominant line, kept whatever its probability


@pytest.mark.parametrize("batch_size", [1, 64])
def test_text_pages_with_the_page_word_family_clean_as_on_the_line_frame_path(tiny_page_word_bundle: Bundle,
                                                                             batch_size: int) -> None:
    assert "page_word_density" in tiny_page_word_bundle.featurizer.feature_names_
    pages = [*ODD_TEXT, "\n".join([*PROSE, *PROSE, "Home | News | Sport"])]
    assert_same(tiny_page_word_bundle, pages, batch_size)


@pytest.mark.parametrize("batch_size", [1, 64])
def test_text_pages_with_the_vocabulary_clean_as_on_the_line_frame_path(tiny_vocab_bundle: Bundle,
                                                                        batch_size: int) -> None:
    featurizer = tiny_vocab_bundle.featurizer
    assert "vocab_mean" in featurizer.feature_names_ and featurizer.vocab_.whole()
    pages = [*ODD_TEXT, "\n".join([*PROSE, "Related", "- One", "- Two", "相关新闻 2024"])]
    assert_same(tiny_vocab_bundle, pages, batch_size)


@pytest.mark.parametrize("switch_cost", [0.5, 4.0])
def test_a_smoothed_decision_cleans_as_on_the_line_frame_path(tiny_text_bundle: Bundle, tiny_bundle: Bundle,
                                                              switch_cost: float) -> None:
    text = [*ODD_TEXT, "\n".join(["Menu", *PROSE, "Photo: Agency", PROSE[0], "Related", "- One", "- Two"])]
    smoothed_text = copy.copy(tiny_text_bundle)
    smoothed_text.smoothing = switch_cost
    assert_same(smoothed_text, text, 4)
    smoothed_html = copy.copy(tiny_bundle)
    smoothed_html.smoothing = switch_cost
    assert_same(smoothed_html, ODD_HTML + [synthetic_page(i) for i in range(6)], 3)
    plain = Cleaner(tiny_text_bundle).label_pages(text)
    smoothed = Cleaner(smoothed_text).label_pages(text)
    pairs = [(a.content, b.content) for pa, pb in zip(plain, smoothed, strict=True)
             for a, b in zip(pa, pb, strict=True)]  # type: ignore[arg-type]
    assert not any(b and not a for a, b in pairs)  # smoothing only drops lines


@pytest.mark.parametrize(("switch_cost", "fallback_chars"), [(0.0, 300), (0.0, 10**6), (1.0, 10**6)])
def test_a_decision_with_a_fallback_cleans_as_on_the_line_frame_path(tiny_text_bundle: Bundle, tiny_bundle: Bundle,
                                                                     switch_cost: float, fallback_chars: int) -> None:
    # A floor of a million characters sends every page to the fallback's threshold.
    text = [*ODD_TEXT, "\n".join(["Menu", *PROSE, "Photo: Agency", PROSE[0], "Related", "- One", "- Two"])]
    for tiny, pages in ((tiny_text_bundle, text), (tiny_bundle, ODD_HTML + [synthetic_page(i) for i in range(6)])):
        bundle = copy.copy(tiny)
        bundle.smoothing, bundle.fallback_chars = switch_cost, fallback_chars
        assert_same(bundle, pages, 4)
    # A bundle threshold above every line's probability: alone it keeps the dominant lines only, the fallback more.
    highest = max(line.p_content for page in Cleaner(tiny_text_bundle).label_pages(text)
                  for line in page)  # type: ignore[union-attr]
    classifier = copy.copy(tiny_text_bundle.classifier)
    classifier.threshold_ = min(1.0, highest * 1.01)
    plain = Cleaner(replace(tiny_text_bundle, classifier=classifier, fallback_chars=0)).label_pages(text)
    lowered = replace(tiny_text_bundle, classifier=classifier, fallback_chars=10**6)
    assert_same(lowered, text, 4)
    fallen = Cleaner(lowered).label_pages(text)
    pairs = [(a.content, b.content) for pa, pb in zip(plain, fallen, strict=True)
             for a, b in zip(pa, pb, strict=True)]  # type: ignore[arg-type]
    assert not any(a and not b for a, b in pairs)  # a lower threshold only keeps more
    assert any(b and not a for a, b in pairs)  # and here it does keep more


@pytest.mark.parametrize(("batch_size", "fallback_chars"), [(1, 0), (64, 0), (4, 10**6)])
def test_an_ensemble_cleans_as_on_the_line_frame_path(tiny_text_bundle: Bundle, tiny_vocab_bundle: Bundle,
                                                      tiny_page_word_bundle: Bundle, tiny_bundle: Bundle,
                                                      tiny_summary_bundle: Bundle, batch_size: int,
                                                      fallback_chars: int) -> None:
    """Each member featurises the lines with its own families and runs its own passes; the decision reads their
    mean, to the last bit as :meth:`Ensemble.predict_proba` computes it (``label_pages``' probabilities)."""
    text = [*ODD_TEXT, "\n".join(["Menu", *PROSE, "Related", "- One", "- Two", "相关新闻 2024"])]
    threshold = 0.5
    members = [tiny_text_bundle, tiny_vocab_bundle, tiny_page_word_bundle]
    assert_same(Ensemble(members, threshold, fallback_chars), text, batch_size)
    html = ODD_HTML + [synthetic_page(i, summary=i % 2 == 0) for i in range(6)]
    cleaned = assert_same(Ensemble([tiny_bundle, tiny_summary_bundle], threshold, fallback_chars), html,
                          batch_size)
    assert any(PROSE[0] in text for text in cleaned)


def test_an_ensembles_pipeline_names_the_member_whose_boosters_read_other_features(
    tiny_bundle: Bundle, tiny_text_bundle: Bundle
) -> None:
    mixed = Bundle(tiny_text_bundle.featurizer, tiny_bundle.classifier)
    with pytest.raises(ValueError, match="member 2: the first pass reads"):
        fused_pipeline(Ensemble([tiny_text_bundle, mixed], 0.5), 0.5)


@pytest.mark.parametrize("mode", ["html", "text"])
def test_the_shipped_bundles_clean_as_on_the_line_frame_path(mode: str) -> None:
    bundle = Cleaner.load(mode).bundle
    pages = ODD_HTML + [synthetic_page(i) for i in range(4)] if mode == "html" else ODD_TEXT
    assert_same(bundle, pages)


@pytest.mark.data
@pytest.mark.parametrize("mode", ["html", "text", "text+markdown"])
def test_real_pages_of_every_dataset_clean_as_on_the_line_frame_path(mode: str) -> None:
    """Pages of all ten datasets (read from the datasets, never copied into the tests), the shipped bundles (and
    the shipped text and Markdown bundles as one ensemble: both read text)."""
    pages: list[str | bytes] = []
    for dataset in DATASETS:
        for page in islice(iter_pages(dataset), REAL_PAGES_PER_DATASET):
            pages.append(page.html if mode == "html" else "\n".join(segment_html(page.html).texts))
    ensemble_threshold = 0.5
    model: Model = (Ensemble([Cleaner.load("text").bundle, Cleaner.load("markdown").bundle], ensemble_threshold)
                    if mode == "text+markdown" else Cleaner.load(mode).bundle)
    cleaned = assert_same(model, pages, batch_size=16)
    assert sum(bool(text) for text in cleaned) > len(pages) // 2


def test_a_threshold_change_rebuilds_the_pipeline(tiny_bundle: Bundle) -> None:
    assert tiny_bundle.fallback_chars > 0  # a given threshold decides alone, without the bundle's fallback
    cleaner = Cleaner(tiny_bundle)
    page = synthetic_page(1)
    keep_all, keep_none = 0.0, 1.01
    cleaner.threshold = keep_all
    everything = cleaner.clean(page)
    cleaner.threshold = keep_none
    assert cleaner.clean(page) == ""  # no line holds half the page
    assert everything == "\n".join(segment_html(page).texts)


def test_failures_are_the_pages_own_and_named_as_on_the_line_frame_path(tiny_bundle: Bundle) -> None:
    limits = Limits(max_page_bytes=2_000, max_lines=30, max_depth=50)
    pages: list[str | bytes] = [
        synthetic_page(1),
        "<p>x</p>" * 31,  # too many lines
        "<div>" * 60 + "deep" + "</div>" * 60,  # too deep
        "<p>" + "word " * 500 + "</p>",  # too large
        synthetic_page(2).encode(),
    ]
    assert_same(tiny_bundle, pages, limits=limits)
    results = list(Cleaner(tiny_bundle, limits=limits).clean_many(pages, return_exceptions=True))
    assert [type(r) for r in results] == [str, LimitError, LimitError, LimitError, str]
    assert "more than 30 lines" in str(results[1])


def test_bytes_that_are_not_utf8_are_decoded_for_the_core_and_only_unreadable_text_takes_line_frames(
    tiny_bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages: list[str | bytes] = ["<p>caf\u00e9 cr\u00e8me</p>".encode("cp1252"), "<p>lone \ud800 surrogate</p>",
                                synthetic_page(1).encode("utf-16")]
    expected = Cleaner(tiny_bundle, fused=False).label_pages(pages, ["cp1252", None, None])
    cleaner = Cleaner(tiny_bundle)
    through_lines: list[str | bytes] = []
    lines_path = cleaner._lines_path

    def recorded(batch: Sequence[str | bytes], *args: Any) -> Any:
        through_lines.extend(batch)
        return lines_path(batch, *args)

    monkeypatch.setattr(cleaner, "_lines_path", recorded)
    assert cleaner.label_pages(pages, ["cp1252", None, None]) == expected
    assert through_lines == [pages[1]]


def test_a_spent_clock_fails_every_page_with_its_step(tiny_bundle: Bundle) -> None:
    tiny = 1e-9
    cleaner = Cleaner(tiny_bundle, limits=Limits(page_timeout=tiny))
    results = list(cleaner.clean_many([synthetic_page(1), synthetic_page(2)], return_exceptions=True))
    assert all(isinstance(r, PageTimeout) and "stopped after decoding" in str(r) for r in results)


def test_a_page_that_is_neither_bytes_nor_str_fails_alone(tiny_bundle: Bundle) -> None:
    pages: list[Any] = [synthetic_page(1), 42, synthetic_page(2)]
    results = list(Cleaner(tiny_bundle).clean_many(pages, return_exceptions=True))
    assert isinstance(results[1], Exception)
    assert results[0] == Cleaner(tiny_bundle, fused=False).clean(synthetic_page(1))
    assert isinstance(results[2], str)


def test_the_hostile_corpus_cleans_as_on_the_line_frame_path() -> None:
    bundle = Cleaner.load("html").bundle
    pages: list[str | bytes] = [plain_payload(item) for item in corpus() if item.kind not in ("jsonl", "warc")]
    assert_same(bundle, pages, batch_size=4)


def test_the_pipeline_refuses_boosters_that_read_other_features(tiny_bundle: Bundle,
                                                               tiny_text_bundle: Bundle) -> None:
    pipeline = fused_pipeline(tiny_bundle, 0.5)
    assert isinstance(pipeline, _core.Pipeline)
    mixed = Bundle(tiny_text_bundle.featurizer, tiny_bundle.classifier)
    with pytest.raises(ValueError, match="features"):
        fused_pipeline(mixed, 0.5)


def test_compiled_trees_are_called_by_the_pipeline_with_the_line_frame_paths_results(
    tiny_bundle: Bundle, tiny_summary_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("lleaves", reason="the compiled predictor needs chromecut[compiled]")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    bundle = Bundle(tiny_bundle.featurizer, copy.copy(tiny_bundle.classifier)).use_predictor("compiled")
    pages: list[str | bytes] = ODD_HTML + [synthetic_page(i) for i in range(6)]
    fused = Cleaner(bundle)
    compiled = fused.pipeline()
    assert fused.pipeline() is compiled  # built once per threshold and predictor
    assert_same(bundle, pages)
    bundle.use_predictor("lightgbm")
    assert fused.pipeline() is not compiled  # rebuilt with the Rust core's trees
    assert_same(bundle, pages)
    other = Bundle(tiny_summary_bundle.featurizer, copy.copy(tiny_summary_bundle.classifier))
    assert_same(Ensemble([bundle, other], 0.5).use_predictor("compiled"), pages)  # each member's compiled code
