"""Property tests: for any input, one label per line, ``clean`` a subsequence, segmentation never raises.

A short run of the properties that ``benchmarks/fuzz.py`` runs at volume (same strategies and checks). Set
``CHROMECUT_PROPERTY_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings

from fuzz_targets import (
    any_bytes,
    any_text,
    check_features,
    check_fused_equals_lines,
    check_html_labels,
    check_limits_raise_only_limit_errors,
    check_readers,
    check_segmentation,
    check_text_labels,
    check_wrapped_labels,
    mutated_container,
    mutated_page,
    tag_soup,
    wrapped_dump,
)

#: Examples per property in CI (each example loads nothing: the shipped models are loaded once).
EXAMPLES = int(os.environ.get("CHROMECUT_PROPERTY_EXAMPLES", "80"))
CI = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
              database=None)


@CI
@given(any_text)
@example("\ud800 a lone surrogate")  # found by the fuzzer: pandas' Arrow strings refused it
@example("\r\n\r\n\x00\u2028\x85")
def test_label_gives_one_record_per_line_of_any_text(text: str) -> None:
    check_text_labels(text)


@CI
@given(wrapped_dump())
def test_a_wrapped_dump_is_labelled_line_for_line_each_paragraph_alike(text: str) -> None:
    check_wrapped_labels(text)


@CI
@given(tag_soup)
def test_label_gives_one_record_per_segmented_line_of_any_tag_soup(page: str) -> None:
    check_html_labels(page)


@CI
@given(mutated_page())
def test_mutated_pages_are_labelled_line_for_line(page: bytes) -> None:
    check_html_labels(page)


@CI
@given(any_bytes | mutated_page())
def test_segmentation_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    check_segmentation(data)


@CI
@given(tag_soup.map(lambda s: s.encode("utf-8", "surrogatepass")) | mutated_page())
def test_tight_limits_refuse_with_a_limit_error_or_label_every_line(data: bytes) -> None:
    check_limits_raise_only_limit_errors(data)


@CI
@given(tag_soup | mutated_page())
def test_features_are_never_infinite(page: str | bytes) -> None:
    check_features(page)


@CI
@given(mutated_container() | any_bytes)
def test_readers_turn_any_bytes_into_documents_and_failures(data: bytes) -> None:
    check_readers(data)



@CI
@given(any_text | tag_soup | mutated_page())
@example("\ud800 a lone surrogate")
@example("caf\u00e9 <p>cr\u00e8me</p>".encode("cp1252"))
def test_the_core_cleans_any_page_as_the_line_frame_path_does(page: str | bytes) -> None:
    check_fused_equals_lines(page)
