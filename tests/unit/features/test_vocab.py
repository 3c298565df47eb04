"""The learnt vocabulary family (chromecut.features.vocab, core/src/features/vocab.rs) on small hand-written
dumps: what it learns from labels, out of fold for the training lines, in both modes, through a bundle; and HTML
mode's class/id word vocabulary, learnt the same way from the lines' ``attr_words``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chromecut.features import Featurizer
from chromecut.features.native import unfitted
from chromecut.features.vocab import (
    ATTR_VOCAB_FEATURES,
    ATTR_VOCAB_MIN_SITES,
    VOCAB_FEATURES,
    VOCAB_FOLDS,
    VOCAB_MIN_SITES,
    learn,
    learn_attr,
    site_folds,
)
from chromecut.model.bundle import ATTR_VOCAB_FILE, VOCAB_FILE, Bundle, BundleError
from chromecut.predict import Cleaner
from chromecut.settings import ModelSettings
from chromecut.train.fit import fit_bundle

#: Chrome lines and prose lines any news site might have; each site gets them with its own name in them.
CHROME = ("Related stories", "Share on Facebook", "Most read", "Sign up for our newsletter")
PROSE = ("The council voted on Tuesday to close the bridge for repairs.",
         "Residents said the detour would add an hour to their commute.")
SITES = tuple(f"site{i}.example" for i in range(12))


def training_frame(sites: tuple[str, ...] = SITES) -> pd.DataFrame:
    rows = []
    for site in sites:
        doc = f"{site}/1"
        for text in (f"{site} home", *CHROME):
            rows.append((doc, site, text, 0))
        for text in PROSE:
            rows.append((doc, site, text, 1))
    return pd.DataFrame(rows, columns=["doc", "domain", "text", "label"])


def whole_table(frame: pd.DataFrame) -> dict[str, float]:
    return Featurizer("text", vocab_features=True).fit(frame).vocab_.whole()


def test_words_of_chrome_lines_weigh_towards_chrome_and_prose_words_towards_content() -> None:
    table = whole_table(training_frame())
    assert table["share"] > 1.0 and table["related stories"] > 1.0 and table["newsletter"] > 1.0
    assert table["council"] < -1.0 and table["bridge"] < -1.0
    # "the" stands on content lines of every site and on chrome lines of none.
    assert table["the"] < 0
    # Each site's own name stands on one site only: unknown.
    assert not any(unit.startswith("site") for unit in table)


def test_a_unit_needs_enough_sites_and_a_site_counts_once() -> None:
    few = whole_table(training_frame(SITES[:VOCAB_MIN_SITES - 1]))
    assert "share" not in few and "council" not in few
    # "on" and "for" stand on chrome and content lines of each site: two holdings a site, enough sites.
    assert few == {"on": 0.0, "for": 0.0}
    # One site repeating a promo on a hundred chrome lines does not make it known.
    promo = pd.DataFrame({"doc": "a/1", "domain": "a", "text": ["Buy now"] * 100, "label": 0})
    assert "buy" not in whole_table(pd.concat([training_frame(), promo], ignore_index=True))


def test_unlabelled_lines_teach_nothing_and_learning_needs_labels() -> None:
    frame = training_frame()
    unknown = frame.assign(label=-1)
    assert whole_table(pd.concat([frame, unknown.assign(text="Zebra crossing")], ignore_index=True)) \
        == whole_table(frame)
    with pytest.raises(ValueError, match="label"):
        Featurizer("text", vocab_features=True).fit(frame.drop(columns="label"))


def test_cjk_runs_are_read_as_character_pairs() -> None:
    rows = [(f"{s}/1", s, "相关新闻", 0) for s in SITES] + [(f"{s}/1", s, "市政府周二宣布关闭大桥进行维修。", 1)
                                                        for s in SITES]
    table = whole_table(pd.DataFrame(rows, columns=["doc", "domain", "text", "label"]))
    assert table["相关"] > 1.0 and table["新闻"] > 1.0 and table["大桥"] < -1.0


def test_training_lines_read_the_table_of_the_other_folds() -> None:
    frame = training_frame()
    featurizer = Featurizer("text", vocab_features=True)
    trained = featurizer.fit_transform(frame)
    transformed = featurizer.transform(frame)
    assert [c for c in trained.columns if c.startswith("vocab_")] == list(VOCAB_FEATURES)
    assert featurizer.vocab_.folds == VOCAB_FOLDS
    # Out of fold the counts are smaller, so the training lines' log-odds are milder than the whole table's.
    share = frame["text"] == "Share on Facebook"
    assert (trained.loc[share, "vocab_mean"] < transformed.loc[share, "vocab_mean"]).all()
    assert (transformed.loc[share, "vocab_mean"] > 0).all()
    assert (transformed.loc[frame["label"] == 1, "vocab_mean"] < 0).all()
    # The folds follow the site, whatever its rows' order.
    folds = site_folds(frame)
    assert (pd.Series(folds).groupby(frame["domain"]).nunique() == 1).all()
    np.testing.assert_array_equal(site_folds(frame.iloc[::-1])[::-1], folds)


def test_the_other_families_are_unchanged_in_either_mode() -> None:
    frame = training_frame().assign(tag="p", heading=0, list_item=False, depth=3, link_chars=0, link_count=0,
                                    attr_words="", landmarks=0)
    for mode in ("text", "html"):
        off = Featurizer(mode).fit(frame).transform(frame)  # type: ignore[arg-type]
        on = Featurizer(mode, vocab_features=True).fit(frame).transform(frame)  # type: ignore[arg-type]
        assert [c for c in on.columns if c not in off.columns] == list(VOCAB_FEATURES)
        pd.testing.assert_frame_equal(off, on[off.columns])
    assert Featurizer("text").get_params()["vocab_features"] is False


def test_lines_without_known_units() -> None:
    featurizer = Featurizer("text", vocab_features=True).fit(training_frame())
    lines = pd.DataFrame({"doc": "new", "text": ["", "Xylophone quartz", "Share"]})
    feats = featurizer.transform(lines)
    assert feats.loc[0, list(VOCAB_FEATURES)].isna().all()
    assert np.isnan(feats.loc[1, "vocab_mean"]) and feats.loc[1, "vocab_known"] == 0.0
    assert feats.loc[2, "vocab_known"] == 1.0 and feats.loc[2, "vocab_first"] == feats.loc[2, "vocab_mean"] > 0


def test_learning_refuses_a_featurizer_without_the_family() -> None:
    with pytest.raises(ValueError, match="vocabulary"):
        learn(unfitted(Featurizer("text")), training_frame())


def test_a_bundle_keeps_the_whole_table(tiny_vocab_bundle: Bundle, tmp_path: Path) -> None:
    folder = tiny_vocab_bundle.save(tmp_path / "bundle")
    assert (folder / VOCAB_FILE).is_file()
    loaded = Bundle.load(folder)
    assert loaded.featurizer.vocab_.whole() == pytest.approx(tiny_vocab_bundle.featurizer.vocab_.whole())
    assert loaded.featurizer.vocab_.folds == 0
    lines = pd.DataFrame({"doc": "p", "text": ["Related stories", *PROSE, "Share on Facebook"]})
    np.testing.assert_allclose(loaded.predict_proba(lines), tiny_vocab_bundle.predict_proba(lines), rtol=1e-6)
    (folder / VOCAB_FILE).write_text('{"share": 9.0}', encoding="utf-8")
    with pytest.raises(BundleError, match="does not match its checksum"):
        Bundle.load(folder)
    (folder / VOCAB_FILE).unlink()
    with pytest.raises(BundleError, match=VOCAB_FILE):
        Bundle.load(folder)


#: Enough sites for a class/id word to be known, out of fold too.
HTML_SITES = tuple(f"site{i}.example" for i in range(2 * ATTR_VOCAB_MIN_SITES))


def html_frame(sites: tuple[str, ...] = HTML_SITES) -> pd.DataFrame:
    """The training frame as HTML lines: chrome in a sidebar widget (its id a per-site number), prose in the
    article body; every line a paragraph."""
    frame = training_frame(sites)
    chrome = frame["label"] == 0
    attr = np.where(chrome, "sidebar widget 7", "article body")
    return frame.assign(tag="p", heading=0, list_item=False, depth=3, link_chars=0, link_count=0, attr_words=attr,
                        landmarks=0)


def test_class_id_words_are_learnt_in_html_mode_and_read_out_of_fold() -> None:
    frame = html_frame()
    featurizer = Featurizer("html", attr_vocab_features=True)
    trained = featurizer.fit_transform(frame)
    table = featurizer.attr_vocab_.whole()
    assert table["sidebar"] > 1.0 and table["sidebar widget"] > 1.0 and table["0"] > 1.0
    assert table["article"] < -1.0 and table["article body"] < -1.0
    assert featurizer.attr_vocab_.folds == VOCAB_FOLDS and not hasattr(featurizer, "vocab_")
    assert [c for c in trained.columns if c.startswith("attr_vocab_")] == list(ATTR_VOCAB_FEATURES)
    transformed = featurizer.transform(frame)
    chrome = frame["label"] == 0
    assert (trained.loc[chrome, "attr_vocab_mean"] < transformed.loc[chrome, "attr_vocab_mean"]).all()
    assert (transformed.loc[chrome, "attr_vocab_mean"] > 0).all()
    assert (transformed.loc[~chrome, "attr_vocab_max"] < 0).all()
    # "sidebar", "widget", "0" and their two pairs: all five known; a line without class/id words has no units.
    assert (transformed.loc[chrome, "attr_vocab_known"] == 1.0).all()
    # Held by fewer sites than that: unknown.
    assert Featurizer("html", attr_vocab_features=True).fit(html_frame(HTML_SITES[:ATTR_VOCAB_MIN_SITES - 1])) \
        .attr_vocab_.whole() == {}
    new = html_frame(SITES[:1]).assign(doc="new", attr_words=["", "sidebar promo", "", "", "", "", ""])
    feats = featurizer.transform(new)
    assert feats.loc[0, list(ATTR_VOCAB_FEATURES)].isna().all()
    assert feats.loc[1, "attr_vocab_known"] == pytest.approx(1 / 3) and feats.loc[1, "attr_vocab_first"] > 1.0


def test_the_class_id_family_adds_only_its_columns_and_text_mode_has_none() -> None:
    frame = html_frame()
    off = Featurizer("html").fit(frame).transform(frame)
    on = Featurizer("html", attr_vocab_features=True).fit(frame).transform(frame)
    assert [c for c in on.columns if c not in off.columns] == list(ATTR_VOCAB_FEATURES)
    pd.testing.assert_frame_equal(off, on[off.columns])
    text = Featurizer("text", attr_vocab_features=True).fit(training_frame())
    assert not hasattr(text, "attr_vocab_")
    assert not any(c.startswith("attr_vocab_") for c in text.feature_names_)
    with pytest.raises(ValueError, match="class/id word vocabulary"):
        learn_attr(unfitted(Featurizer("html")), frame)
    with pytest.raises(ValueError, match="attr_words"):
        learn_attr(unfitted(Featurizer("html", attr_vocab_features=True)), training_frame())


def attr_vocab_bundle() -> Bundle:
    """An HTML bundle with both learnt vocabularies, fitted on :func:`html_frame`'s sites (70 % of them train)."""
    frame = html_frame().assign(line=lambda f: f.groupby("doc").cumcount())
    cut = {"train": int(0.7 * len(HTML_SITES)), "val": int(0.85 * len(HTML_SITES)), "test": len(HTML_SITES)}
    split = {site: next(name for name, end in cut.items() if i < end) for i, site in enumerate(HTML_SITES)}
    frame["split"] = frame["domain"].map(split)
    parts = {name: frame[frame["split"] == name].reset_index(drop=True) for name in cut}
    featurizer = Featurizer("html", vocab_features=True, attr_vocab_features=True)
    features = {"train": featurizer.fit_transform(parts["train"])}
    features.update({name: featurizer.transform(parts[name]) for name in ("val", "test")})
    settings = ModelSettings(num_boost_round=10, min_data_in_leaf=2, num_threads=1, early_stopping_rounds=5)
    bundle, _ = fit_bundle(featurizer, parts, features, settings, seed=1)
    return bundle


def test_a_bundle_keeps_the_class_id_table(tmp_path: Path) -> None:
    bundle = attr_vocab_bundle()
    folder = bundle.save(tmp_path / "bundle")
    loaded = Bundle.load(folder)
    assert loaded.featurizer.attr_vocab_.whole() == pytest.approx(bundle.featurizer.attr_vocab_.whole())
    assert loaded.featurizer.attr_vocab_.whole()["sidebar"] > 1.0 and loaded.featurizer.attr_vocab_.folds == 0
    lines = html_frame(SITES[:2])
    np.testing.assert_allclose(loaded.predict_proba(lines), bundle.predict_proba(lines), rtol=1e-6)
    # The Rust core's one-call inference reads the class/id words as the line-frame path does.
    page = ("<div class='sidebar widget'><p>Related stories</p><p>Share on Facebook</p></div>"
            f"<div class='article body'><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div>")
    fused, framed = (Cleaner(loaded, fused=on).label(page) for on in (True, False))
    assert [line.text for line in fused] == [line.text for line in framed]
    np.testing.assert_allclose([line.p_content for line in fused], [line.p_content for line in framed], rtol=1e-6)
    (folder / ATTR_VOCAB_FILE).write_text('{"sidebar": 9.0}', encoding="utf-8")
    with pytest.raises(BundleError, match="does not match its checksum"):
        Bundle.load(folder)
    (folder / ATTR_VOCAB_FILE).unlink()
    with pytest.raises(BundleError, match=ATTR_VOCAB_FILE):
        Bundle.load(folder)
