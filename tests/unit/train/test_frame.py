"""Text-mode training frames from renderer dumps: drawn per page, held-out renderers only in the test split."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chromecut.features import Featurizer
from chromecut.features.frame import line_frame
from chromecut.labels import Label
from chromecut.segment.html import segment_text
from chromecut.settings import DataSettings, FeatureSettings
from chromecut.train.frame import (
    RENDERER_SEPARATOR,
    RENDERINGS_FILE,
    featurize_parts,
    load_renderings,
    site_view,
    split_frames,
    to_text_mode,
)

RENDERERS = ("chromecut", "html2text", "inscriptis", "markdownify", "bs4-lines")
SPLIT_OF = {"a": "train", "b": "train", "c": "val", "d": "test"}


def _frame() -> pd.DataFrame:
    rows = [{"doc": f"ds/{page}", "dataset": "ds", "page_id": page, "domain": f"site-{page}", "split": split,
             "line": i, "text": f"line {i}", "label": i % 2, "tag": "p"}
            for page, split in SPLIT_OF.items() for i in range(3)]
    return pd.DataFrame(rows)


def _renderings() -> pd.DataFrame:
    rows = [{"dataset": "ds", "page_id": page, "renderer": renderer, "line": i, "text": f"{renderer} {i}",
             "label": i % 2}
            for page in SPLIT_OF for renderer in RENDERERS for i in range(4)]
    return pd.DataFrame(rows)


def _renderers_of(part: pd.DataFrame) -> dict[str, set[str]]:
    pages = part["doc"].str.split(RENDERER_SEPARATOR).str[0]
    return {page: set(group) for page, group in part["renderer"].groupby(pages)}


def test_text_parts_come_from_the_dumps_with_the_held_out_renderer_in_test_only() -> None:
    settings = FeatureSettings(mode="text", learn_from_renderings=True, renderings_per_page=2,
                               held_out_renderers=("inscriptis",),
                               augment_strip_markers=0.0, augment_precleaned=0.0)
    parts = split_frames(_frame(), settings, np.random.default_rng(0), _renderings())
    for split in ("train", "val"):
        drawn = _renderers_of(parts[split])
        assert all(len(names) == 2 and "inscriptis" not in names for names in drawn.values())
    assert _renderers_of(parts["test"]) == {"ds/d": set(RENDERERS)}
    assert set(parts["train"]["doc"].str.split(RENDERER_SEPARATOR).str[0]) == {"ds/a", "ds/b"}
    assert "tag" not in parts["test"]  # markup dropped
    test_lines = parts["test"][parts["test"]["renderer"] == "html2text"]
    assert test_lines["text"].tolist() == [f"html2text {i}" for i in range(4)]


def test_the_chosen_renderers_limit_what_is_learnt_from() -> None:
    settings = FeatureSettings(mode="text", learn_from_renderings=True, renderers=("chromecut", "html2text"),
                               held_out_renderers=(),
                               renderings_per_page=5, augment_strip_markers=0.0, augment_precleaned=0.0)
    parts = split_frames(_frame(), settings, np.random.default_rng(0), _renderings())
    assert set(parts["train"]["renderer"]) == {"chromecut", "html2text"}
    assert set(parts["test"]["renderer"]) == {"chromecut", "html2text"}


def test_an_always_renderer_is_in_every_pages_draw_and_the_rest_are_drawn() -> None:
    settings = FeatureSettings(mode="text", learn_from_renderings=True, renderings_per_page=2,
                               renderers_always=("chromecut",), held_out_renderers=("inscriptis",),
                               augment_strip_markers=0.0, augment_precleaned=0.0)
    others: set[str] = set()
    for seed in range(8):
        parts = split_frames(_frame(), settings, np.random.default_rng(seed), _renderings())
        for split in ("train", "val"):
            for names in _renderers_of(parts[split]).values():
                assert len(names) == 2 and "chromecut" in names and "inscriptis" not in names
                others |= names - {"chromecut"}
    assert others == {"html2text", "markdownify", "bs4-lines"}


DUMP = ["Home", "News", "", "Storm hits the coast", "", "",
        "The storm brought strong winds to the coastal towns on Monday, officials said.", "",
        "Related", "- Another headline", "- A third headline", "", "Cookie settings", ""]


def test_a_dumps_blank_lines_are_left_out_and_its_lines_get_the_features_inference_gives_them() -> None:
    """Inference featurises a dump's non-blank lines (``line_frame``); training must see the same rows, or a
    line's neighbours, position and page size differ between the two."""
    renderings = pd.DataFrame([{"dataset": "ds", "page_id": page, "renderer": "inscriptis", "line": i,
                                "text": text, "label": -1 if not text else i % 2}
                               for page in SPLIT_OF for i, text in enumerate(DUMP)])
    settings = FeatureSettings(mode="text", learn_from_renderings=True, renderings_per_page=1,
                               held_out_renderers=(), augment_strip_markers=0.0, augment_precleaned=0.0)
    parts = split_frames(_frame(), settings, np.random.default_rng(0), renderings)
    kept = [i for i, text in enumerate(DUMP) if text.strip()]
    for part in parts.values():
        assert (part["text"].str.strip() != "").all()
        assert part.groupby("doc")["line"].apply(list).map(lambda lines: lines == kept).all()
    featurizer, features = featurize_parts(parts, settings)
    test = parts["test"]
    inference = line_frame([(test["doc"].iloc[0], segment_text("\n".join(DUMP)))], markup=False)
    expected = featurizer.transform(inference)
    pd.testing.assert_frame_equal(features["test"].reset_index(drop=True), expected.reset_index(drop=True))
    # The shipped bundles' recipe: training and validation dumps with their blank rows, the test split as ever.
    old = split_frames(_frame(), replace(settings, blank_rows_in_training=True), np.random.default_rng(0), renderings)
    for split in ("train", "val"):
        assert old[split].groupby("doc")["line"].apply(list).map(lambda lines: lines == list(range(len(DUMP)))).all()
    pd.testing.assert_frame_equal(old["test"], parts["test"])


def test_without_dumps_text_mode_uses_chromecuts_own_lines() -> None:
    parts = split_frames(_frame(), FeatureSettings(mode="text", augment_precleaned=0.0), np.random.default_rng(0))
    assert parts["test"]["text"].tolist() == ["line 0", "line 1", "line 2"]
    assert "renderer" not in parts["test"]


def test_unless_told_to_learn_from_dumps_text_mode_keeps_its_own_lines() -> None:
    settings = FeatureSettings(mode="text", augment_precleaned=0.0, augment_strip_markers=0.0)
    parts = split_frames(_frame(), settings, np.random.default_rng(0), _renderings())
    assert parts["test"]["text"].tolist() == ["line 0", "line 1", "line 2"]


def test_the_site_is_known_on_a_share_of_training_pages_and_a_pages_dumps_share_the_draw() -> None:
    docs = [f"d/{i}" for i in range(400)]
    part = pd.DataFrame({
        "doc": [f"{d}#{r}" for d in docs for r in ("a", "b")],
        "source": [d for d in docs for _ in range(2)],
        "domain": ["site"] * 800,
        "text": ["x"] * 800,
    })
    half = site_view(part, 0.5)
    known = half["domain"].notna()
    assert 0.4 < known.mean() < 0.6
    assert (known.groupby(half["source"]).nunique() == 1).all()  # both dumps of a page, or neither
    pd.testing.assert_frame_equal(half, site_view(part, 0.5))  # the same pages every time
    assert "domain" not in site_view(part, 0.0) and site_view(part, 1.0) is part


def test_stopword_dropout_blinds_the_stopword_family_on_a_share_of_training_pages_only() -> None:
    prose = "The council said that it would meet again in the spring to decide on the plan"
    rows = [{"doc": f"d/{i}", "domain": f"s{i}", "text": text}
            for i in range(200) for text in (prose, "Home | News | Sport")]
    part = pd.DataFrame(rows)
    parts = {"train": part, "val": part.copy()}
    settings = FeatureSettings(mode="text", stopword_dropout=0.3)
    featurizer, features = featurize_parts(parts, settings)
    train, val = features["train"], features["val"]
    blind = train["stopwords"].eq(0.0) & part["text"].eq(prose).to_numpy()
    share = blind.groupby(part["doc"]).any().mean()
    assert 0.2 < share < 0.4
    assert val.loc[part["text"].eq(prose), "stopwords"].gt(0).all()  # validation pages keep every list
    assert featurizer.stopword_languages  # the bundle's featurizer keeps its lists
    _, again = featurize_parts(parts, settings)
    pd.testing.assert_frame_equal(train, again["train"])  # the same pages every time
    _, none = featurize_parts(parts, FeatureSettings(mode="text"))
    assert none["train"].loc[part["text"].eq(prose), "stopwords"].gt(0).all()
    seen = ~part["doc"].isin(part.loc[blind, "doc"]).to_numpy()  # the other pages are featurised as without it
    pd.testing.assert_frame_equal(train[seen], none["train"][seen])


def test_pages_without_a_site_get_no_site_repetition_and_the_others_do() -> None:
    frame = pd.DataFrame({
        "doc": ["a", "b", "c"], "domain": ["s", "s", None], "text": ["Subscribe now"] * 3,
    })
    features = Featurizer("text").fit(frame).transform(frame)
    assert features["repeat_site"].iloc[:2].tolist() == [1.0, 1.0]
    assert np.isnan(features["repeat_site"].iloc[2])


def test_renderings_can_be_read_for_the_pages_asked_for_only(tmp_path: Path) -> None:
    table = pd.concat([_renderings(), _renderings().assign(dataset="other")], ignore_index=True)
    table.to_parquet(tmp_path / RENDERINGS_FILE)
    settings = DataSettings(processed_dir=str(tmp_path))
    whole = load_renderings(settings, tmp_path, ["ds"])
    assert whole is not None and set(whole["page_id"]) == set(SPLIT_OF) and set(whole["dataset"]) == {"ds"}
    some = load_renderings(settings, tmp_path, ["ds", "other"], {"ds": {"a"}, "other": {"b", "d"}})
    assert some is not None
    assert set(zip(some["dataset"], some["page_id"], strict=True)) == {("ds", "a"), ("other", "b"), ("other", "d")}
    assert len(some) == 3 * len(RENDERERS) * 4 and set(some["renderer"]) == set(RENDERERS)
    none = load_renderings(settings, tmp_path, ["ds"], {"ds": set()})
    assert none is not None and none.empty and list(none.columns) == list(whole.columns)
    assert load_renderings(DataSettings(processed_dir=str(tmp_path / "missing")), tmp_path, ["ds"]) is None


def test_the_stopword_languages_are_a_setting_and_an_unknown_one_is_refused() -> None:
    turkish = "Belediye meclisi bu hafta yeni bir karar aldı ve bu karar şehirde çok tartışıldı."
    part = pd.DataFrame({"doc": ["tr/1"] * 2, "domain": ["s"] * 2, "text": [turkish, "Ana sayfa"]})
    parts = {"train": part, "val": part.copy()}
    default, _ = featurize_parts(parts, FeatureSettings(mode="text"))
    with_tr, features = featurize_parts(parts, FeatureSettings(mode="text", stopword_languages=("en", "tr")))
    assert with_tr.stopword_languages == ("en", "tr") and "tr" not in default.stopword_languages
    assert features["train"]["stopwords"].iloc[0] >= 4  # "bu", "bir", "ve", "çok" ...
    with pytest.raises(ValueError, match=r"no stopword list for \['xx'\]"):
        featurize_parts(parts, FeatureSettings(mode="text", stopword_languages=("en", "xx")))


#: One page's labels: a menu run, the article, a "Related" run split by a blank (unlabelled) line, the article's
#: end, a footer run.
PRECLEAN_LABELS = (0, 0, 0, 1, 1, 0, 0, -1, 0, 0, 1, 0, 0)
PRECLEAN_RUNS = ((0, 1, 2), (5, 6, 8, 9), (11, 12))


def _precleaned(run_lines: float, pages: int = 200) -> pd.DataFrame:
    rows = [{"doc": f"ds/{page}", "line": i, "text": f"{page} {i}", "label": label}
            for page in range(pages) for i, label in enumerate(PRECLEAN_LABELS)]
    settings = FeatureSettings(mode="text", augment_strip_markers=0.0, augment_precleaned=1.0,
                               augment_keep_chrome_min=0.5, augment_keep_chrome_max=0.5,
                               augment_chrome_run_lines=run_lines)
    out = to_text_mode(pd.DataFrame(rows), settings, np.random.default_rng(0), augment=True)
    return out[out["doc"].str.endswith("#precleaned")]


def test_a_precleaned_copy_can_keep_each_run_of_chrome_whole_or_drop_it_whole() -> None:
    copies = _precleaned(run_lines=1e9)  # no cut inside a run: each run is one piece
    kept = {doc: set(group) for doc, group in copies.groupby("doc")["line"]}
    content_or_blank = {i for i, label in enumerate(PRECLEAN_LABELS) if label != Label.CHROME}
    for lines in kept.values():
        assert content_or_blank <= lines
        for run in PRECLEAN_RUNS:
            assert set(run) <= lines or not set(run) & lines
    # Each run is kept on about half of the pages.
    for run in PRECLEAN_RUNS:
        share = np.mean([run[0] in lines for lines in kept.values()])
        assert 0.35 < share < 0.65


def test_precleaned_pieces_are_shorter_than_runs_and_lines_alone_are_drawn_one_by_one() -> None:
    def whole_runs(copies: pd.DataFrame) -> float:
        kept = [set(group) for _, group in copies.groupby("doc")["line"]]
        partial = sum(bool(set(run) & lines) and not set(run) <= lines for lines in kept for run in PRECLEAN_RUNS)
        return 1 - partial / (len(kept) * len(PRECLEAN_RUNS))

    # Pieces two lines long on average cut some runs; lines drawn one by one cut most.
    assert 0.3 < whole_runs(_precleaned(run_lines=2.0)) < 0.95
    assert whole_runs(_precleaned(run_lines=0.0)) < whole_runs(_precleaned(run_lines=2.0))
