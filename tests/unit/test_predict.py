"""Cleaner: exactly one label per input line, blank lines never content, batches equal single pages."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chromecut.model.bundle import Bundle
from chromecut.model.calibration import Calibration
from chromecut.predict import Cleaner, clean_text, records
from chromecut.segment.limits import LimitError, Limits

from synthetic import PROSE, site_page, synthetic_page, wrapped_dump


def test_html_pages_get_one_label_per_segmented_line_and_keep_the_prose(tiny_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_bundle)
    page = synthetic_page(3)
    lines = cleaner.label(page)
    assert [line.index for line in lines] == list(range(len(cleaner.segment(page).lines)))
    clean = cleaner.clean(page)
    assert "The council approved the new budget" in clean
    assert "Share on Facebook" not in clean and "- Home" not in clean.split("\n")


def test_text_lines_are_numbered_as_split_and_blank_lines_are_never_content(tiny_text_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_text_bundle, threshold=0.0)  # threshold 0: every non-blank line is kept
    text = "Home\r\n\nStory 5\n  \n" + PROSE[0] + "\n\n- Another headline number 5\n"
    lines = cleaner.label(text)
    assert [line.index for line in lines] == list(range(len(text.split("\n"))))
    assert [line.text for line in lines][:2] == ["Home", ""]
    assert [line.content for line in lines] == [bool(t.strip()) for t in text.split("\n")]


def test_text_mode_decisions_ignore_blank_lines_between_blocks(tiny_text_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_text_bundle)
    blocks = ["Home", "News", "Story 8", *PROSE, "Related", "- Another headline number 8"]
    assert cleaner.clean("\n".join(blocks)) == cleaner.clean("\n\n".join(blocks) + "\n")


def test_a_threshold_override_changes_the_decision_not_the_probability(tiny_bundle: Bundle) -> None:
    page = synthetic_page(4)
    keep_all = Cleaner(tiny_bundle, threshold=0.0).label(page)
    keep_none = Cleaner(tiny_bundle, threshold=1.01).label(page)
    assert all(line.content for line in keep_all) and not any(line.content for line in keep_none)
    assert [a.p_content for a in keep_all] == [b.p_content for b in keep_none]


def test_clean_many_equals_clean_one_by_one(tiny_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_bundle)
    pages = [synthetic_page(i) for i in range(5)]
    assert list(cleaner.clean_many(pages, batch_size=2)) == [cleaner.clean(p) for p in pages]


def test_label_records_have_the_cli_shape(tiny_bundle: Bundle) -> None:
    record = records(Cleaner(tiny_bundle).label(synthetic_page(1)), "doc-1")[0]
    assert set(record) == {"doc", "line", "text", "p_content", "content"}
    assert record["doc"] == "doc-1" and record["line"] == 0


def test_explanations_are_the_strongest_contributions_and_empty_for_blank_lines(tiny_text_bundle: Bundle) -> None:
    lines = Cleaner(tiny_text_bundle).label("Home\n\n" + PROSE[0], explain=3)
    assert lines[1].explain == () and all(line.explain is not None and len(line.explain) == 3
                                          for line in (lines[0], lines[2]))
    assert [r["explain"] for r in records(lines, "d")][1] == []
    assert Cleaner(tiny_text_bundle).label("Home")[0].explain is None


def test_an_html_bundle_refuses_text_and_a_text_bundle_reads_html(tiny_bundle: Bundle,
                                                                  tiny_text_bundle: Bundle) -> None:
    with pytest.raises(ValueError, match="cannot label text"):
        Cleaner(tiny_bundle).label("Home\nStory", mode="text")
    page = synthetic_page(2)
    assert Cleaner(tiny_text_bundle).segment(page, mode="html").texts == Cleaner(tiny_bundle).segment(page).texts


#: A calibration far from the identity (p_content below the classifier's probability above 0.12).
CALIBRATION = Calibration(slope=0.5, intercept=-1.0)


@pytest.mark.parametrize("fused", [True, False])
def test_a_calibrated_bundle_reports_calibrated_p_content_and_decides_as_before(tiny_bundle: Bundle,
                                                                               fused: bool) -> None:
    calibrated = replace(tiny_bundle, calibration=CALIBRATION)
    page = synthetic_page(5)
    raw = Cleaner(tiny_bundle, fused=fused).label(page)
    labels = Cleaner(calibrated, fused=fused).label(page)
    assert [line.content for line in labels] == [line.content for line in raw]
    expected = CALIBRATION(np.array([line.p_content for line in raw]))
    assert [line.p_content for line in labels] == pytest.approx(expected.tolist(), abs=1e-12)
    assert any(abs(a.p_content - b.p_content) > 0.01 for a, b in zip(labels, raw, strict=True))
    assert Cleaner(calibrated).threshold == pytest.approx(CALIBRATION.value(tiny_bundle.threshold))
    assert Cleaner(calibrated, fused=fused).clean(page) == Cleaner(tiny_bundle, fused=fused).clean(page)


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.6])
def test_a_given_threshold_is_on_the_scale_of_p_content(tiny_bundle: Bundle, threshold: float) -> None:
    calibrated = Cleaner(replace(tiny_bundle, calibration=CALIBRATION), threshold=threshold)
    page = synthetic_page(6)
    labels = calibrated.label(page)
    same = Cleaner(tiny_bundle, threshold=CALIBRATION.inverse(threshold)).label(page)
    assert [line.content for line in labels] == [line.content for line in same]
    assert calibrated.threshold == threshold
    assert calibrated.decision_threshold == pytest.approx(CALIBRATION.inverse(threshold))
    # Every line above the threshold is kept (a line below it only when it is most of its page).
    assert all(line.content for line in labels if line.p_content >= threshold + 1e-9)


def test_worker_processes_clean_with_the_calibrated_threshold(tiny_bundle: Bundle) -> None:
    # The workers load the bundle from a saved copy: its calibration and the given threshold travel with it.
    cleaner = Cleaner(replace(tiny_bundle, calibration=CALIBRATION), threshold=0.3)
    pages = [synthetic_page(i) for i in range(6)]
    assert list(cleaner.clean_many(iter(pages), batch_size=2, n_jobs=2)) == [cleaner.clean(p) for p in pages]


def test_clean_many_with_worker_processes_equals_one_process(tiny_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_bundle)
    pages = (synthetic_page(i) for i in range(9))  # a generator: the stream is never a list
    assert list(cleaner.clean_many(pages, batch_size=2, n_jobs=2)) == [cleaner.clean(synthetic_page(i))
                                                                      for i in range(9)]


@pytest.mark.parametrize("threshold", [0.0, None])
def test_batched_labels_and_clean_texts_line_up_with_blank_lines_on_page_borders(tiny_text_bundle: Bundle,
                                                                                 threshold: float | None) -> None:
    # Page 0 ends with blank lines numbered as page 1's first non-blank lines: rows must not slip across pages.
    cleaner = Cleaner(tiny_text_bundle, threshold=threshold)
    pages = ["Home\n" + PROSE[0] + "\n\n\n", "\n\n\n" + PROSE[1] + "\nRelated", "", "\n\n", PROSE[2]]
    segs = [cleaner.segment(page) for page in pages]
    batched = cleaner.label_segmentations(segs)
    assert batched == [cleaner.label(page) for page in pages]
    assert [[line.index for line in lines] for lines in batched] == [list(range(len(p.split("\n")))) for p in pages]
    assert cleaner.clean_segmentations(segs) == [clean_text(lines) for lines in batched]
    assert list(cleaner.clean_many(pages, batch_size=5)) == [cleaner.clean(page) for page in pages]
    if threshold == 0.0:
        assert [line.text for line in batched[1] if line.content] == [PROSE[1], "Related"]


def test_a_page_is_labelled_in_a_batch_as_alone_where_its_end_meets_the_next_page() -> None:
    # Page ends built to run on into the next page: a lone list marker, a separator opening the next page, a date,
    # a URL and a copyright mark split over the break (each page's text is scanned alone: core/README.md).
    cleaner = Cleaner.load("text")
    pages: list[str | bytes] = [f"Home | News\n{PROSE[0]}\n-", f"| Sport\n{PROSE[1]}\nPosted 2024-03-\n(c)",
                                f"12 posted www.\n 2024 example.com\n{PROSE[2]}\n2) the end"]
    assert cleaner.label_pages(pages) == [cleaner.label(page) for page in pages]


def test_clean_many_on_threads_equals_one_thread_with_failures_in_place(tiny_bundle: Bundle) -> None:
    cleaner = Cleaner(tiny_bundle, limits=Limits(max_lines=30))
    pages: list[str | bytes] = [synthetic_page(i) for i in range(9)]
    pages[4:4] = ["<p>x</p>" * 31, "caf\u00e9 <p>not UTF-8</p>".encode("latin-1")]
    one = list(cleaner.clean_many(pages, batch_size=2, return_exceptions=True))
    threads = list(cleaner.clean_many(pages, batch_size=2, n_jobs=3, return_exceptions=True, backend="threads"))
    assert [r if isinstance(r, str) else repr(r) for r in threads] == [r if isinstance(r, str) else repr(r)
                                                                       for r in one]
    assert isinstance(threads[4], LimitError) and isinstance(threads[5], str)
    with pytest.raises(ValueError, match="backend"):
        list(cleaner.clean_many(pages, backend="fibres"))  # type: ignore[call-overload]


#: A Markdown dump as html2text or markdownify leave it: a link menu, the article, a related list, a link footer.
MARKDOWN_DUMP = "\n".join([
    "* [Home](/)", "* [News](/news)", "", "# Council approves the city budget after a long night", "",
    *(f"{sentence}\n" for sentence in PROSE[:3]),
    "## Related", "", "* [Mayor opens the new bridge over the river](/news/bridge)", "",
    "[Privacy](/privacy) | [Terms](/terms) | [Contact](/contact)",
])


def test_the_shipped_markdown_model_is_a_text_model_that_reads_markdown_links() -> None:
    cleaner = Cleaner.load("markdown")
    assert cleaner.mode == "text" and cleaner.bundle.featurizer.markdown_features
    labels = cleaner.label(MARKDOWN_DUMP)
    assert [line.text for line in labels] == MARKDOWN_DUMP.split("\n")  # every line, one label each
    content = {line.text: line.content for line in labels}
    assert all(content[sentence] for sentence in PROSE[:3])
    assert not content["* [Home](/)"] and not content["[Privacy](/privacy) | [Terms](/terms) | [Contact](/contact)"]
    assert not content["## Related"]
    assert cleaner.clean(MARKDOWN_DUMP) == clean_text(labels)


def test_a_wrapped_dump_gets_one_label_per_own_line_each_paragraph_one_decision(tiny_text_bundle: Bundle) -> None:
    text = wrapped_dump()
    own = text.split("\n")
    fused, frames = Cleaner(tiny_text_bundle), Cleaner(tiny_text_bundle, fused=False)
    lines = fused.label(text)
    assert [line.index for line in lines] == list(range(len(own))) and [line.text for line in lines] == own
    assert [(line.p_content, line.content) for line in lines] == \
        [(line.p_content, line.content) for line in frames.label(text)]
    paragraph = lines[4:4 + own[4:].index("")]  # the first paragraph's wrapped lines
    assert len(paragraph) > 1 and len({(line.p_content, line.content) for line in paragraph}) == 1
    assert fused.clean(text) == frames.clean(text) == clean_text(lines)
    keeping = Cleaner(tiny_text_bundle, threshold=paragraph[0].p_content)  # a threshold that keeps the paragraph
    assert "\n".join(line.text for line in paragraph) in keeping.clean(text), "kept whole, as its own lines"


def test_without_reflow_the_lines_of_a_wrapped_dump_are_scored_one_by_one(tiny_text_bundle: Bundle) -> None:
    text = wrapped_dump()
    one_by_one = Cleaner(tiny_text_bundle, reflow=False).label(text)
    assert len(one_by_one) == len(text.split("\n"))
    reflowed = Cleaner(tiny_text_bundle).label(text)
    assert [line.p_content for line in one_by_one] != [line.p_content for line in reflowed]
    assert Cleaner(tiny_text_bundle, reflow=False, fused=False).label(text) == one_by_one


def test_a_dump_that_is_not_wrapped_is_labelled_the_same_with_or_without_reflow(tiny_text_bundle: Bundle) -> None:
    text = "\n".join(["Home", "News", "Story 8", *PROSE, "Related", "- Another headline number 8"])
    assert Cleaner(tiny_text_bundle).label(text) == Cleaner(tiny_text_bundle, reflow=False).label(text)


SITE_TEMPLATE = ("Home", "World", "Sign in to your account", "- Ten things you missed this week")


def test_naming_the_pages_site_reads_its_repeated_lines_as_template() -> None:
    cleaner = Cleaner.load("text")
    pages = [site_page(i) for i in range(8)]
    unnamed = cleaner.label_pages(pages)
    named = cleaner.label_pages(pages, sites=["example.com"] * len(pages))
    template: dict[bool, list[float]] = {False: [], True: []}
    for before, after, page in zip(unnamed, named, pages, strict=True):
        assert isinstance(before, list) and isinstance(after, list)
        assert [line.text for line in after] == page.split("\n")  # one label per input line
        for was, now in zip(before, after, strict=True):
            if now.text in SITE_TEMPLATE:
                template[False].append(was.p_content)
                template[True].append(now.p_content)
                assert not now.content
            if len(now.text) > 100:  # the page's own prose stays content
                assert now.content and was.content
    assert np.mean(template[True]) < np.mean(template[False]) - 0.01
    assert cleaner.clean_pages(pages, sites=["example.com"] * len(pages)) == [
        "\n".join(line.text for line in labels if line.content) for labels in named]  # type: ignore[union-attr]


def test_a_page_without_a_site_is_cleaned_as_if_none_were_named(tiny_text_bundle: Bundle) -> None:
    pages = [site_page(i) for i in range(4)]
    cleaner = Cleaner(tiny_text_bundle)
    alone = cleaner.label_pages(pages)
    mixed = cleaner.label_pages(pages, sites=[None, "a.example", None, "a.example"])
    assert mixed[0] == alone[0] and mixed[2] == alone[2]
    assert cleaner.label_pages(pages, sites=[None] * 4) == alone
    with pytest.raises(ValueError, match="3 sites for 4 pages"):
        cleaner.clean_pages(pages, sites=[None, None, "a.example"])
