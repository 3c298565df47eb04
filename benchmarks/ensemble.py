"""Bundles as one model: the mean of their content probabilities, decided at one threshold, scored by the
quality gate (``chromecut quality check``) or by ``benchmarks/gate_noise.py``.

A model named ``ens:A+B@T`` is bundles ``A`` and ``B`` (folders or shipped names, of one mode) read by ``Cleaner``'s
line-frame path, each through its own featurizer and two passes, their probabilities averaged and decided at
``T`` with the decision of :mod:`chromecut.model.decision` (the last bundle's fallback, no smoothing; text dumps
wrapped at one width read by paragraph, as ``Cleaner`` reads them). More bundles may be named (``ens:A+A+B@T``:
``A`` weighs twice). Take ``T`` from ``benchmarks/seeds.py`` given the same bundles, which tunes the ensemble's
``val`` threshold on the validation sites as training tunes a bundle's:

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/seeds.py ship_text text text CANDIDATE --set ...
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/ensemble.py quality check --root ../shared/datasets \\
        --text-model "ens:text+CANDIDATE@T"
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ensemble.py gate_noise --mode text --renderers --beyond 100 \\
        text "ens:text+CANDIDATE@T"

A prototype for measuring, not a bundle: nothing here is shipped (docs/training.md, "An ensemble with the shipped
model").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from chromecut import predict
from chromecut.features import line_frame
from chromecut.model.decision import frame_kept
from chromecut.segment.reflow import text_blocks

#: The prefix of an ensemble's model name.
PREFIX = "ens:"

_load = predict.Cleaner.load.__func__  # type: ignore[attr-defined]


class Ensemble:
    """``clean`` as :meth:`chromecut.predict.Cleaner.clean` does, with the mean of the bundles' probabilities."""

    def __init__(self, name: str) -> None:
        members, _, threshold = name.removeprefix(PREFIX).rpartition("@")
        names = members.split("+")
        if len(names) < 2 or not all(names) or not threshold:
            raise ValueError(f"{name}: expected {PREFIX}A+B@THRESHOLD")
        self.members = [_load(predict.Cleaner, member, fused=False) for member in names]
        if len({member.mode for member in self.members}) != 1:
            raise ValueError(f"{name}: the bundles read different modes")
        self.threshold = float(threshold)
        self.mode = self.members[0].mode

    def clean(self, page: str | bytes, *, mode: Any = None, encoding_hint: str | None = None) -> str:
        seg = self.members[0].segment(page, encoding_hint=encoding_hint)
        blocks = text_blocks(seg) if self.mode == "text" else None
        frame = line_frame(enumerate([seg if blocks is None else blocks.scored]), markup=self.mode != "text")
        if not len(frame):
            return ""
        p = np.mean([member.bundle.predict_proba(frame, member.bundle.featurizer.transform(frame))
                     for member in self.members], axis=0)
        kept = frame_kept(frame, p, self.threshold, 0.0, int(self.members[-1].bundle.fallback_chars))
        scores = predict._Scores(frame["doc"].tolist(), frame["line"].tolist(), p.tolist(), [], kept.tolist(),
                                 [blocks])
        return "\n".join(line.text for line, row in zip(seg.lines, scores.page_rows(0, seg), strict=True)
                         if row is not None and scores.kept[row])


def load(cls: type[predict.Cleaner], model: Any = "html", *args: Any, **kwargs: Any) -> Any:
    """``Cleaner.load``, which also reads ``ens:A+B@T``."""
    if str(model).startswith(PREFIX):
        return Ensemble(str(model))
    return _load(cls, model, *args, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("quality", "gate_noise"):
        print(__doc__)
        return 2
    predict.Cleaner.load = classmethod(load)  # type: ignore[method-assign, assignment]
    if args[0] == "quality":
        from chromecut.evaluate import quality

        return quality.main(args[1:])
    import gate_noise

    gate_noise.main(args[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
