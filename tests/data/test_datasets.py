"""Every dataset of the shared folder loads completely, with the counts and quirks its README describes.

Each dataset is read once per module (``loaded``); all ten take about 12 s.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chromecut.datasets import DATASETS, DATASETS_ENV_VAR, Page, iter_pages
from chromecut.segment.encoding import normalise_encoding_name

pytestmark = pytest.mark.data


#: Share of pages a "most pages" check asks for.
MOST = 0.95
#: Share of CJK ideographs among the non-space characters of a Chinese gold text.
MIN_CJK_SHARE = 0.5
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLEANEVAL_MARKER = re.compile(r"<[phl]>", re.IGNORECASE)


@dataclass(frozen=True)
class Loaded:
    """One dataset's pages and the pages its loader skipped."""

    pages: list[Page]
    errors: list[tuple[str, str]]

    def by_id(self) -> dict[str, Page]:
        return {page.page_id: page for page in self.pages}


@pytest.fixture(scope="module")
def loaded() -> Callable[[str], Loaded]:
    cache: dict[str, Loaded] = {}

    def load(name: str) -> Loaded:
        if name not in cache:
            errors: list[tuple[str, str]] = []
            cache[name] = Loaded(list(iter_pages(name, errors=errors)), errors)
        return cache[name]

    return load


def test_registry_lists_ten_datasets_and_only_open_licenses_are_permissive() -> None:
    assert len(DATASETS) == 10
    assert {name for name, info in DATASETS.items() if info.permissive} == {
        "wcxb", "readability", "trafilatura", "chinese-wce",
    }
    assert all(info.name == name for name, info in DATASETS.items())


def test_unknown_dataset_and_missing_folder_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'nope'.*wcxb"):
        iter_pages("nope")
    with pytest.raises(FileNotFoundError, match=DATASETS_ENV_VAR):
        iter_pages("wcxb", root=str(tmp_path))


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_page_loads_with_unique_sorted_ids_html_and_domain(
    name: str, loaded: Callable[[str], Loaded]
) -> None:
    pages = loaded(name).pages
    ids = [page.page_id for page in pages]
    assert len(pages) == DATASETS[name].pages
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    for page in pages:
        assert page.dataset == name
        assert page.gold.kind is DATASETS[name].gold_kind
        assert isinstance(page.html, bytes) and page.html.strip()
        assert page.domain and page.domain == page.domain.strip()
        if ":" not in page.domain:  # a site name, not a "<dataset>:<page_id>" fallback
            assert page.domain == page.domain.lower() and not page.domain.startswith("www.")


@pytest.mark.parametrize("name", [n for n in DATASETS if n != "cleaneval"])
def test_no_page_is_skipped(name: str, loaded: Callable[[str], Loaded]) -> None:
    assert loaded(name).errors == []


def test_wcxb_keeps_pages_with_empty_main_content(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("wcxb").pages
    # The README's 27 counts the whole benchmark; 21 of them are in this dev split.
    assert sum(not page.gold.text for page in pages) == 21
    assert sum(bool(page.gold.with_snippets) for page in pages) >= MOST * len(pages)


def test_readability_gold_is_the_text_of_the_expected_output(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("readability").by_id()
    assert all(page.gold.text for page in pages.values())
    assert "<p>" not in (pages["nytimes-1"].gold.text or "")
    assert pages["lemonde-1"].language == "fr"
    assert pages["nytimes-1"].domain == "nytimes.com"


def test_trafilatura_has_snippets_for_every_page(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("trafilatura").pages
    assert all(page.gold.with_snippets for page in pages)
    assert all(page.gold.text is None for page in pages)
    assert Counter(page.extra["source"] for page in pages) == {"tests/eval": 884, "tests/cache": 106}


def test_dragnet_comments_and_split_lists(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("dragnet").by_id()
    # The README counts 416 separators in the bytes; 5 more sit in UTF-16 gold files (27, 39, 42, 49, 158).
    # Some are mistyped ("!@ $%^&*()", one space), and all must still split.
    assert sum(page.gold.comments is not None for page in pages.values()) == 421
    assert pages["158"].gold.comments
    assert all("COMMENTS" not in (page.gold.text or "") for page in pages.values())
    assert Counter(page.extra["split"] for page in pages.values()) == {"train": 966, "test": 415}
    # training.txt ends without a newline: its last id and test.txt's first must stay apart.
    assert pages["R773"].extra["split"] == "train"
    assert pages["R610"].extra["split"] == "test"


def test_cleaneval_skips_only_the_final_inputs_without_gold(loaded: Callable[[str], Loaded]) -> None:
    data = loaded("cleaneval")
    assert len(data.errors) == 59
    assert all(page_id.startswith("final/") for page_id, _ in data.errors)
    assert Counter(page.extra["split"] for page in data.pages) == {"dev": 58, "final": 681}


@pytest.mark.parametrize("name", ["cleaneval", "cleanportaleval"])
def test_cleaneval_format_wrapper_and_markers_are_gone(name: str, loaded: Callable[[str], Loaded]) -> None:
    pages = loaded(name).pages
    for page in pages:
        text = page.gold.text or ""
        assert not _CLEANEVAL_MARKER.search(text), page.page_id
        assert not text.startswith("URL:"), page.page_id
        assert not page.html.lstrip().startswith(b"<text"), page.page_id
        assert not page.html.rstrip().endswith(b"</text>"), page.page_id
        assert page.url and page.url.startswith("http"), page.page_id
        if page.encoding_hint is not None:
            assert normalise_encoding_name(page.encoding_hint), page.encoding_hint
    # A handful of gold files hold only their URL line: kept, with empty text.
    assert sum(bool(page.gold.text) for page in pages) >= MOST * len(pages)


def test_cleanportaleval_gold_entities_are_decoded(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("cleanportaleval").pages
    assert not any(re.search(r"&(#\d+|[a-z]+);", page.gold.text or "") for page in pages)
    assert len({page.domain for page in pages}) == 4


def test_l3s_blocks_are_labelled_and_the_html_is_the_original(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("l3s-gn1").pages
    labels = Counter(label for page in pages for _, label in page.gold.blocks)
    assert set(labels) <= set(range(6))
    assert labels[2] > labels[1] > 0
    assert sum(bool(page.gold.text) for page in pages) >= MOST * len(pages)
    assert sum(bool(page.gold.chrome_text) for page in pages) >= MOST * len(pages)
    assert all(b"x-nc-sel" not in page.html for page in pages)
    assert all(page.url for page in pages)


def test_msv_gold_decodes_and_sets_are_complete(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("msv-big9-chaos").pages
    assert sum("\ufffd" not in (page.gold.text or "") for page in pages) >= MOST * len(pages)
    sets = Counter(page.extra["set"] for page in pages)
    assert sets == {"big5-05": 90, "big5-09": 90, "big5-13": 90, "big5-17": 90, "chaos-all": 360}
    # Big9: nine news sites, found from the HTML (file names start with search keywords, not sites).
    for subset in ("big5-05", "big5-09"):
        domains = Counter(page.domain for page in pages if page.extra["set"] == subset)
        assert len(domains) == 9 and set(domains.values()) == {10}


def test_htmltotext_languages(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("htmltotext-benchmark").pages
    assert Counter(page.language for page in pages) == {"en": 15, "hr": 6, "de": 5, "zh": 2}
    assert all(page.gold.text for page in pages)


def test_chinese_wce_gold_is_chinese_with_author_and_date(loaded: Callable[[str], Loaded]) -> None:
    pages = loaded("chinese-wce").pages

    def cjk_share(text: str) -> float:
        chars = "".join(text.split())
        return len(_CJK.findall(chars)) / max(1, len(chars))

    assert all(cjk_share(page.gold.text or "") >= MIN_CJK_SHARE for page in pages)
    assert all({"author", "date"} <= set(page.extra) for page in pages)
    assert all(page.language == "zh" for page in pages)
