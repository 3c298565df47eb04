"""Compiled tree inference: a bundle's LightGBM boosters turned into native code for this machine's CPU.

LightGBM's own predictor walks its trees in a generic loop; ``lleaves`` (through LLVM, from the ``llvmlite``
wheel: no C compiler needed) generates one function per forest. On the shipped bundles the two passes are
3.7-4.6x faster per line (``benchmarks/floors.py``) with the same probabilities (both compare the same float32
features with the same double thresholds; tested to 1e-12). Compiling a forest takes seconds, so the object
code is cached, keyed by the SHA-256 of the model text, the compiler's versions and the host CPU, and written
atomically so that concurrent processes never read a half-written file.

The LightGBM predictor stays the default and the only one for explanations (feature contributions). This module
also names the predictors (:data:`PREDICTORS`) and builds the one asked for (:func:`tree_predictor`): ``native``
is the model text evaluated by chromecut's Rust core (:mod:`chromecut.model.native`), with no code generation.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

import numpy as np
import numpy.typing as npt

from chromecut.model.native import NativeForest

if TYPE_CHECKING:  # LightGBM (and scikit-learn, which it imports) load with a model, not with `chromecut --help`
    import lightgbm as lgb

Predictor = Literal["lightgbm", "compiled", "native"]
PREDICTORS: tuple[Predictor, ...] = ("lightgbm", "compiled", "native")
PREDICTOR_DEFAULT: Predictor = "lightgbm"
#: Environment variable naming the folder of compiled forests (default: ``~/.cache/chromecut/compiled``).
CACHE_ENV = "CHROMECUT_CACHE_DIR"
#: Threads of a compiled prediction: one, as for LightGBM (parallelism comes from worker processes).
COMPILED_THREADS = 1
#: Hex digits of the cache key kept in a file name.
KEY_DIGITS = 32
CACHE_DIR_MODE = 0o700


class TreePredictor(Protocol):
    """A booster turned into something faster that predicts the same probabilities (``compiled``, ``native``)."""

    @property
    def predictor(self) -> Predictor:
        """The predictor's name, one of :data:`PREDICTORS`."""
        ...

    def predict(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Probabilities of the positive class, as LightGBM's ``predict``."""
        ...


def tree_predictor(predictor: Predictor, model: lgb.Booster | str) -> TreePredictor:
    """The booster (or its model text) as ``compiled`` (:class:`CompiledForest`) or ``native``
    (:class:`NativeForest`) trees."""
    if predictor == "compiled":
        return CompiledForest(model)
    if predictor == "native":
        return NativeForest(model)
    raise ValueError(f"{predictor!r} is not a tree predictor: choose compiled or native")


class CompilerUnavailable(RuntimeError):
    """The compiled predictor was asked for but ``lleaves`` is not installed."""


def cache_dir() -> Path:
    """Where compiled forests are kept: ``$CHROMECUT_CACHE_DIR`` or ``~/.cache/chromecut/compiled``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chromecut" / "compiled"


def _compiler_identity() -> str:
    """Versions of the compiler and the host CPU: object code from another compiler or CPU is never reused."""
    import llvmlite.binding as llvm

    versions = [f"{name}={metadata.version(name)}" for name in ("lleaves", "llvmlite")]
    return ";".join([*versions, llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()])


def cache_key(model_text: str) -> str:
    """Cache key of a forest: its model text, the compiler and the CPU."""
    digest = hashlib.sha256(model_text.encode("utf-8"))
    digest.update(_compiler_identity().encode("utf-8"))
    return digest.hexdigest()[:KEY_DIGITS]


class CompiledForest:
    """One booster as native code; :meth:`predict` returns LightGBM's probabilities of the positive class.

    Parameters
    ----------
    model:
        The (already verified) LightGBM booster to compile, or its model text.
    cache:
        Folder of compiled forests; :func:`cache_dir` when ``None``.
    """

    predictor: Final[Literal["compiled"]] = "compiled"

    def __init__(self, model: lgb.Booster | str, cache: Path | None = None) -> None:
        try:
            import lleaves
        except ImportError as exc:
            raise CompilerUnavailable(
                "the compiled predictor needs lleaves: pip install 'chromecut[compiled]'"
            ) from exc
        folder = cache_dir() if cache is None else cache
        folder.mkdir(parents=True, exist_ok=True, mode=CACHE_DIR_MODE)
        text = model if isinstance(model, str) else model.model_to_string()
        key = cache_key(text)
        target = folder / f"forest-{key}.o"
        with tempfile.TemporaryDirectory(dir=folder, prefix=".model-") as work:
            model_file = Path(work) / "model.txt"
            model_file.write_text(text, encoding="utf-8")
            self._model = lleaves.Model(model_file=str(model_file))
            if target.is_file():
                self._model.compile(cache=str(target))
            else:
                staged = Path(work) / "forest.o"
                self._model.compile(cache=str(staged))  # compiles, writes the object file, loads it
                os.replace(staged, target)  # atomic: another process sees the whole file or none
        self.num_feature = self._model.num_feature()
        self.cache_file = target

    @property
    def entry_address(self) -> int:
        """The address of the compiled code's entry function, ``void f(const double *rows, double *out, int start,
        int end)`` (lleaves' ``forest_root``: the probabilities of rows ``start..end`` of a row-major float64
        matrix); valid while this object lives. The Rust core's pipeline calls it (:mod:`chromecut.model.fused`)."""
        import ctypes

        address = ctypes.cast(self._model._c_entry_func, ctypes.c_void_p).value
        if not address or not self._model.use_fp64:
            raise RuntimeError("the compiled forest has no float64 entry function")
        return int(address)

    def predict(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Probabilities for a float32 feature matrix (the values LightGBM's predictor would see)."""
        if features.shape[1] != self.num_feature:
            raise ValueError(f"{features.shape[1]} features given, the forest has {self.num_feature}")
        return np.asarray(self._model.predict(features.astype(np.float64), n_jobs=COMPILED_THREADS),
                          dtype=np.float64)
