"""Inference in one call of the Rust core: a bundle (or an ensemble of bundles) as a ``chromecut._core.Pipeline``
(core/src/pipeline.rs).

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
(:mod:`chromecut.features.context`) and the decision's (:data:`chromecut.model.decision.DOMINANT_SHARE`). An
ensemble's members each featurise the lines and run their passes in the same call, and the decision reads their
mean probability, as :meth:`chromecut.model.ensemble.Ensemble.predict_proba` computes it.
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
from chromecut.model.ensemble import Ensemble, Model

if TYPE_CHECKING:
    from chromecut.model.bundle import Bundle


def pipeline_member(bundle: Bundle) -> _core.PipelineMember:
    """``bundle`` as a member of the core's pipeline: its featurizer, both passes' trees (compiled code's entry
    functions when it was loaded with the ``compiled`` predictor) and the context pass's feature names."""
    classifier = bundle.classifier
    first, context_pass = classifier.passes_
    compiled = None
    if classifier.compiled_ is not None:
        first_code, context_code = classifier.compiled_
        if isinstance(first_code, CompiledForest):
            context_entry = context_code.entry_address if isinstance(context_code, CompiledForest) else 0
            compiled = (first_code.entry_address, context_entry, classifier.compiled_)
    return (
        native.rust_featurizer(bundle.featurizer),
        first.forest,
        None if context_pass is None else context_pass.forest,
        [] if context_pass is None else context_pass.feature_names,
        compiled,
    )


def fused_pipeline(model: Model, threshold: float, fallback_chars: int | None = None) -> _core.Pipeline:
    """The core's pipeline of ``model`` (a bundle, or an ensemble: its members' mean probability decided),
    deciding at ``threshold`` with the model's smoothing and the fallback ``fallback_chars`` (the model's when
    None)."""
    members = model.members if isinstance(model, Ensemble) else [model]
    return _core.Pipeline(
        [pipeline_member(member) for member in members],
        markup=model.mode == "html",
        threshold=float(threshold),
        dominant_share=DOMINANT_SHARE,
        smoothing=float(model.smoothing),
        smoothing_reference_chars=SMOOTHING_REFERENCE_CHARS,
        smoothing_probability_clip=SMOOTHING_PROBABILITY_CLIP,
        fallback_chars=int(model.fallback_chars if fallback_chars is None else fallback_chars),
        fallback_threshold_share=FALLBACK_THRESHOLD_SHARE,
        offsets=list(context.NEIGHBOUR_OFFSETS),
        half_windows=list(context.CONTEXT_HALF_WINDOWS),
        likely=context.CONTEXT_LIKELY_CONTENT,
    )
