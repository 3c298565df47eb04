"""Bundles as one model: the mean of their content probabilities, decided at one threshold, scored by the
quality gate (``chromecut quality check``) or by ``benchmarks/gate_noise.py``.

A model named ``ens:A+B@T`` is bundles ``A`` and ``B`` (folders or shipped names, of one mode) as an ensemble
(:mod:`chromecut.model.ensemble`) deciding at ``T`` with the last bundle's fallback, cleaned by ``Cleaner``: each
bundle through its own featurizer and two passes, the mean of their probabilities decided. More bundles may be
named (``ens:A+A+B@T``: ``A`` weighs twice). Take ``T`` from ``benchmarks/seeds.py`` given the same bundles, which
tunes the ensemble's ``val`` threshold on the validation sites as training tunes a bundle's (a run with
``model.ensemble_with`` does it too, and writes the ensemble itself):

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/seeds.py ship_text text CANDIDATE --set ...
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/ensemble.py quality check --root ../shared/datasets \\
        --text-model "ens:text+CANDIDATE@T"
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ensemble.py gate_noise --mode text --renderers --beyond 100 \\
        text "ens:text+CANDIDATE@T"

For measuring, before any ensemble is trained: nothing here is shipped (docs/training.md, "An ensemble with the
shipped model").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from chromecut import predict
from chromecut.model.bundle import Bundle
from chromecut.model.ensemble import Ensemble

#: The prefix of an ensemble's model name.
PREFIX = "ens:"

_load = predict.Cleaner.load.__func__  # type: ignore[attr-defined]


def ensemble_cleaner(name: str) -> predict.Cleaner:
    """The cleaner of ``ens:A+B@T``."""
    members, _, threshold = name.removeprefix(PREFIX).rpartition("@")
    names = members.split("+")
    if len(names) < 2 or not all(names) or not threshold:
        raise ValueError(f"{name}: expected {PREFIX}A+B@THRESHOLD")
    bundles = [_load(predict.Cleaner, member).bundle for member in names]
    if not all(isinstance(bundle, Bundle) for bundle in bundles):
        raise ValueError(f"{name}: name the members of an ensemble, not the ensemble")
    return predict.Cleaner(Ensemble(bundles, float(threshold), bundles[-1].fallback_chars))


def load(cls: type[predict.Cleaner], model: Any = "html", *args: Any, **kwargs: Any) -> Any:
    """``Cleaner.load``, which also reads ``ens:A+B@T``."""
    if str(model).startswith(PREFIX):
        return ensemble_cleaner(str(model))
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
