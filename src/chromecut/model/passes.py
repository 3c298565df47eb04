"""One pass of the two-pass classifier as its LightGBM model text, the LightGBM ``Booster`` made only when needed.

Inference reads a pass's trees through chromecut's Rust core (:mod:`chromecut.model.fused`,
:mod:`chromecut.model.native`) or lleaves (:mod:`chromecut.model.compiled`), both from the model text; LightGBM
itself (and scikit-learn, which it imports: about a second) is needed only to predict with the ``lightgbm``
predictor, for explanations (feature contributions) and for training. A :class:`PassModel` therefore keeps the
text, checked by the Rust core's parser, and builds the ``Booster`` from it on first use; a pass fitted in this
process keeps its ``Booster`` and writes the text when first asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chromecut import _core

if TYPE_CHECKING:
    import lightgbm as lgb

#: The header line of LightGBM's model text that names the features, space-separated.
FEATURE_NAMES_KEY = "feature_names="
#: Where the trees start: the header (and so the feature names) ends before it.
FIRST_TREE_KEY = "Tree="


class ModelTextError(ValueError):
    """Model text that is not a LightGBM model the Rust core can evaluate (the core's reason)."""


def feature_names_of(text: str) -> list[str]:
    """The feature names in a LightGBM model text's header (``feature_names=...``), in order."""
    for line in text.splitlines():
        if line.startswith(FEATURE_NAMES_KEY):
            return line[len(FEATURE_NAMES_KEY):].split()
        if line.startswith(FIRST_TREE_KEY):
            break
    raise ModelTextError("the model text names no features (no feature_names line before the trees)")


class PassModel:
    """A pass's model: its text (:attr:`text`), the Rust core's parse of it (:attr:`forest`), its feature names,
    and LightGBM's ``Booster`` (:attr:`booster`, made from the text when first asked for)."""

    def __init__(self, text: str | None = None, booster: lgb.Booster | None = None) -> None:
        if text is None and booster is None:
            raise ValueError("a PassModel needs its model text or its booster")
        self._text = text
        self._booster = booster
        self._forest: _core.Forest | None = None
        self._names: list[str] | None = None

    @classmethod
    def from_text(cls, text: str) -> PassModel:
        """A saved pass, checked now: text the Rust core cannot evaluate raises :class:`ModelTextError`."""
        model = cls(text=text)
        try:
            model._forest = _core.Forest(text)
        except ValueError as exc:
            raise ModelTextError(str(exc)) from None
        names = feature_names_of(text)
        if len(names) != model._forest.num_features:
            raise ModelTextError(f"the header names {len(names)} features, the trees read {model._forest.num_features}")
        model._names = names
        return model

    @classmethod
    def from_booster(cls, booster: lgb.Booster) -> PassModel:
        """A pass fitted in this process."""
        return cls(booster=booster)

    @property
    def text(self) -> str:
        """LightGBM's model text (``Booster.model_to_string()``, a bundle's ``model.txt``)."""
        if self._text is None:
            assert self._booster is not None
            self._text = self._booster.model_to_string()
        return self._text

    @property
    def forest(self) -> _core.Forest:
        """The trees as the Rust core evaluates them (parsed once)."""
        if self._forest is None:
            self._forest = _core.Forest(self.text)
        return self._forest

    @property
    def feature_names(self) -> list[str]:
        """The features the trees read, in order."""
        if self._names is None:
            if self._booster is not None:
                self._names = [str(n) for n in self._booster.feature_name()]
            else:
                self._names = feature_names_of(self.text)
        return list(self._names)

    @property
    def num_features(self) -> int:
        return len(self.feature_names)

    @property
    def booster(self) -> lgb.Booster:
        """LightGBM's ``Booster`` of the pass (imports LightGBM the first time a saved pass is asked for it)."""
        if self._booster is None:
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self.text)
        return self._booster

    @property
    def has_booster(self) -> bool:
        """Whether LightGBM's ``Booster`` is built (always for a pass fitted in this process)."""
        return self._booster is not None

    def __getstate__(self) -> dict[str, object]:
        # The Rust parse is not picklable and cheap to redo; the booster pickles as its text anyway.
        return {"_text": self.text, "_booster": self._booster, "_forest": None, "_names": self._names}
