"""Inference in one call of the Rust core: a bundle as a ``chromecut._core.Pipeline`` (core/src/pipeline.rs).

:meth:`chromecut.predict.Cleaner.clean_many` (and ``clean``) hand a batch of pages to the core, which segments
them (or splits text into lines), featurises the non-blank lines, runs the first pass's trees, the context
pass's features and trees, takes the decision and joins each page's kept lines, without a Python object per line:
what the line-frame path computes (:func:`chromecut.features.line_frame`, the featurizer, the two passes,
:func:`chromecut.model.decision.kept_lines`), the same clean text (``tests/unit/model/test_fused.py`` holds the two
to each other on pages of every dataset). The trees are LightGBM's model text evaluated by the core
(:mod:`chromecut.model.native`: LightGBM's probabilities, bit for bit; the passes' own parse,
:attr:`chromecut.model.passes.PassModel.forest`), whatever predictor the bundle was loaded
with but ``compiled``: then the pipeline calls the compiled code of both passes (lleaves' entry functions,
:attr:`chromecut.model.compiled.CompiledForest.entry_address`; the same probabilities as the line-frame path
with that predictor). Everything the pipeline reads comes from here: the featurizer
(:func:`chromecut.features.native.rust_featurizer`), the boosters' model text, the context pass's constants
(:mod:`chromecut.features.context`) and the decision's (:data:`chromecut.model.decision.DOMINANT_SHARE`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chromecut import _core
from chromecut.features import context, native
from chromecut.model.compiled import CompiledForest
from chromecut.model.decision import (
    DOMINANT_SHARE,
    FALLBACK_THRESHOLD_SHARE,
    SMOOTHING_PROBABILITY_CLIP,
    SMOOTHING_REFERENCE_CHARS,
)

if TYPE_CHECKING:
    from chromecut.model.bundle import Bundle


def fused_pipeline(bundle: Bundle, threshold: float, fallback_chars: int | None = None) -> _core.Pipeline:
    """The core's pipeline of ``bundle``, deciding at ``threshold`` with the bundle's smoothing and the fallback
    ``fallback_chars`` (the bundle's when None)."""
    classifier = bundle.classifier
    first, context_pass = classifier.passes_
    compiled = None
    if classifier.compiled_ is not None:
        first_code, context_code = classifier.compiled_
        if isinstance(first_code, CompiledForest):
            context_entry = context_code.entry_address if isinstance(context_code, CompiledForest) else 0
            compiled = (first_code.entry_address, context_entry, classifier.compiled_)
    return _core.Pipeline(
        native.rust_featurizer(bundle.featurizer),
        first.forest,
        markup=bundle.mode == "html",
        threshold=float(threshold),
        dominant_share=DOMINANT_SHARE,
        smoothing=float(bundle.smoothing),
        smoothing_reference_chars=SMOOTHING_REFERENCE_CHARS,
        smoothing_probability_clip=SMOOTHING_PROBABILITY_CLIP,
        fallback_chars=int(bundle.fallback_chars if fallback_chars is None else fallback_chars),
        fallback_threshold_share=FALLBACK_THRESHOLD_SHARE,
        context=None if context_pass is None else context_pass.forest,
        context_names=[] if context_pass is None else context_pass.feature_names,
        offsets=list(context.NEIGHBOUR_OFFSETS),
        half_windows=list(context.CONTEXT_HALF_WINDOWS),
        likely=context.CONTEXT_LIKELY_CONTENT,
        compiled=compiled,
    )
