"""Type stubs of the Rust extension ``chromecut._core`` (core/src/python.rs)."""

from collections.abc import Mapping, Sequence
from typing import Any, Final, TypedDict

import numpy as np
import numpy.typing as npt

__version__: Final[str]
#: A line's tag is an index in this list (``body``, the page's root block, first).
LINE_TAGS: Final[list[str]]
MAX_ATTR_WORDS_DEFAULT: Final[int]

class SegmentedBatch(TypedDict):
    """The lines of a batch of pages as columns: one entry per line, pages delimited by ``line_offsets``."""

    #: Every line's text, one after the other; line ``i`` is ``text[text_offsets[i]:text_offsets[i + 1]]``.
    text: str
    text_offsets: npt.NDArray[np.int64]
    #: Index in :data:`LINE_TAGS`.
    tag: npt.NDArray[np.uint8]
    heading: npt.NDArray[np.uint8]
    list_item: npt.NDArray[np.bool_]
    depth: npt.NDArray[np.uint32]
    link_chars: npt.NDArray[np.uint32]
    link_count: npt.NDArray[np.uint32]
    #: Index in ``attr_words`` (the distinct word strings of the batch).
    attr_words_index: npt.NDArray[np.uint32]
    attr_words: list[str]
    landmarks: npt.NDArray[np.uint16]
    #: Page ``p``'s lines are ``line_offsets[p]:line_offsets[p + 1]`` (length: pages + 1).
    line_offsets: npt.NDArray[np.int64]
    titles: list[str | None]
    #: Each page's ``og:description`` (else ``description``) meta.
    summaries: list[str | None]
    languages: list[str | None]
    #: Python's codec name for pages given as bytes (``utf-8``, ``utf-8-sig``), ``None`` for text.
    encodings: list[str | None]
    #: ``None``, or (kind, message, step) for a failed page; kind is one of ``too_large``, ``too_many_lines``,
    #: ``too_deep``, ``timeout`` (step: where the clock ran out), ``needs_decoding`` (bytes that are not UTF-8:
    #: decode and send again as text), ``panic`` (a bug, caught).
    errors: list[tuple[str, str, str | None] | None]

def segment_html_batch(
    pages: Sequence[bytes | str],
    *,
    max_attr_words: int = 48,
    max_page_bytes: int | None = None,
    max_lines: int | None = None,
    max_depth: int | None = None,
    timeout: float | None = None,
) -> SegmentedBatch:
    """Segment a batch of HTML pages into lines (the GIL released meanwhile); ``timeout`` (seconds) is shared by
    the batch. Raises ``TypeError`` for a page that is neither bytes nor str; any other failure is the page's."""

def context_features(
    page_sizes: npt.NDArray[np.int64],
    p: npt.NDArray[np.float64],
    *,
    offsets: Sequence[int],
    half_windows: Sequence[int],
    likely: float,
    attr: npt.NDArray[np.int64] | None = None,
    depth: npt.NDArray[np.int64] | None = None,
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """The context pass's features of pages of ``page_sizes`` lines from their first-pass probabilities ``p``
    (and, for the container's mean, the lines' class/id word and depth codes): names and a float64 matrix."""

def text_blocks(lines: Sequence[str]) -> tuple[int, list[int]] | None:
    """A hard-wrapped text dump's blocks (core/src/reflow.rs): the width it was wrapped at and where each block
    starts (block ``b`` holds the lines ``starts[b]:starts[b + 1]``); ``None`` when the lines are not wrapped."""

class Forest:
    """A LightGBM model's trees evaluated natively (core/src/trees.rs): LightGBM's scores, bit for bit.

    Built from LightGBM's model text; ``ValueError`` says why text is refused (not LightGBM's, several classes,
    linear trees, a malformed tree). Predictions take a 2-D float32 or float64 array (``TypeError`` otherwise,
    ``ValueError`` for the wrong number of features) and run with the GIL released.
    """

    def __init__(self, model_text: str) -> None: ...
    @property
    def num_features(self) -> int: ...
    @property
    def num_trees(self) -> int: ...
    def predict_raw(self, features: npt.NDArray[np.float32] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Raw scores: LightGBM's ``predict(raw_score=True)``."""
    def predict_proba(self, features: npt.NDArray[np.float32] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probabilities of the positive class of a binary model: LightGBM's ``predict()``."""

class MarkupColumns(TypedDict):
    """HTML mode's markup columns of a batch (:func:`chromecut.features.native.markup_columns`), one entry per
    line; strings as codes into lists of the distinct ones."""

    #: Index in ``tags`` (-1: no tag).
    tag: npt.NDArray[np.int64]
    tags: list[str]
    #: The numeric columns as float64 (NaN for what is not a number).
    heading: npt.NDArray[np.float64]
    list_item: npt.NDArray[np.float64]
    depth: npt.NDArray[np.float64]
    link_chars: npt.NDArray[np.float64]
    link_count: npt.NDArray[np.float64]
    landmarks: npt.NDArray[np.float64]
    #: Lines with the same ``depth`` value share a code (``pd.factorize``).
    depth_code: npt.NDArray[np.int64]
    #: Index in ``attr_lists`` (each a line's class/id words).
    attr: npt.NDArray[np.int64]
    attr_lists: list[str]
    #: Index in ``titles``; ``None``: the frame has no title column.
    title: npt.NDArray[np.int64] | None
    titles: list[str]
    #: Index in ``summaries``; ``None``: the frame has no summary column.
    summary: npt.NDArray[np.int64] | None
    summaries: list[str]

class TextFeaturizer:
    """Featurisation of text or HTML mode (core/src/features), built by :func:`chromecut.features.native.build`
    from a dict of everything the features read (tables, word lists, thresholds, translated regexes, the corpus
    line-frequency table, the output names (every feature, in the output order, when the list is empty), and in
    HTML mode under ``html`` the markup vocabularies, the class/id word patterns, the kinds' rules' words and
    regexes and the scores' tokenizer's tables). Raises ``ValueError`` for a spec it cannot use (an unknown
    feature name, a bad regex)."""

    def __init__(self, spec: Mapping[str, Any]) -> None: ...
    #: The output columns, in order.
    @property
    def names(self) -> list[str]: ...
    def line_keys(self, text: str, lengths: npt.NDArray[np.int64]) -> tuple[bytes, npt.NDArray[np.int64]]:
        """Each line's repetition key (what the corpus line-frequency table counts) of lines joined by ``"\\n"``
        in ``text`` (``lengths`` code points each): one buffer of UTF-8 with surrogates kept, and each key's end
        in it."""
    def features(
        self,
        text: str,
        lengths: npt.NDArray[np.int64],
        page_sizes: npt.NDArray[np.int64],
        source: npt.NDArray[np.int64],
        *,
        domain: npt.NDArray[np.int64] | None = None,
        leave_one_out: bool = False,
        float64: bool = False,
        markup: MarkupColumns | None = None,
        vocab_folds: npt.NDArray[np.int64] | None = None,
    ) -> npt.NDArray[np.float32] | npt.NDArray[np.float64]:
        """The feature matrix (lines x :attr:`names`) of lines joined by ``"\\n"`` in ``text`` (``lengths`` code
        points each), in pages of ``page_sizes`` lines; ``source`` and ``domain`` are codes per line (-1: no
        domain); ``markup``: the markup columns, which an HTML-mode featurizer needs; ``vocab_folds``: each line's
        fold of the learnt vocabulary (the training lines read it out of fold), else its whole table. The GIL is
        released meanwhile. ``ValueError`` when the sizes do not fit together, a code is out of its list, the
        markup is missing in HTML mode, or a fold has no table."""
    def learn_vocab(
        self,
        text: str,
        lengths: npt.NDArray[np.int64],
        labels: npt.NDArray[np.int64],
        sites: npt.NDArray[np.int64],
        folds: npt.NDArray[np.int64],
        *,
        k: int,
        min_sites: int,
        smoothing: float,
    ) -> tuple[list[bytes], npt.NDArray[np.float32]]:
        """The learnt vocabulary (core/src/features/vocab.rs) of labelled lines joined by ``"\\n"`` in ``text``:
        their ``labels`` (0 chrome, 1 content, others skipped), ``sites`` (codes) and ``folds`` (``0..k``, one
        per site). Its units (UTF-8) and their chrome log-odds, ``k + 1`` per unit (the whole table's, then each
        fold's; NaN: unknown). ``ValueError`` when the featurizer has no vocabulary family or the columns
        disagree."""
    def learn_attr_vocab(
        self,
        attr: npt.NDArray[np.int64],
        attr_lists: list[str],
        labels: npt.NDArray[np.int64],
        sites: npt.NDArray[np.int64],
        folds: npt.NDArray[np.int64],
        *,
        k: int,
        min_sites: int,
        smoothing: float,
    ) -> tuple[list[bytes], npt.NDArray[np.float32]]:
        """The learnt class/id word vocabulary (HTML mode) of labelled lines whose word lists are ``attr`` (codes
        into ``attr_lists``, each list its words joined by spaces), the rest as :meth:`learn_vocab`.
        ``ValueError`` when the featurizer has no such family or the columns disagree."""

#: One member of a :class:`Pipeline`: its featurizer, the first pass's trees, the context pass's (or None) with the
#: names of its features in its order, and ``compiled`` (see :class:`Pipeline`).
PipelineMember = tuple[TextFeaturizer, Forest, Forest | None, Sequence[str], tuple[int, int, object] | None]

class Pipeline:
    """Inference in one call (core/src/pipeline.rs): segmentation (or text split into lines), the features, the
    first pass's and the context pass's trees and the decision, for a batch of pages, the GIL released.

    Built from members (one: a bundle; several: an ensemble, decided on the mean of their probabilities), each a
    featurizer, the first pass's trees and optionally the context pass's with the names of its features in its
    order (``offsets``, ``half_windows``, ``likely``: what the context features read); ``ValueError`` when there
    is no member or a booster reads features that are not written.
    """

    def __init__(
        self,
        members: Sequence[PipelineMember],
        *,
        markup: bool,
        threshold: float,
        dominant_share: float,
        smoothing: float = 0.0,
        smoothing_reference_chars: float = 1.0,
        smoothing_probability_clip: float = 0.0,
        fallback_chars: int = 0,
        fallback_threshold_share: float = 1.0,
        offsets: Sequence[int] = (),
        half_windows: Sequence[int] = (),
        likely: float = 0.5,
    ) -> None:
        """``smoothing``: the decision's switch cost (0: the threshold alone), its reference length and
        probability clip (``chromecut.model.decision``); ``fallback_chars``: a page whose lines at or above the
        threshold hold fewer characters is decided at ``fallback_threshold_share`` of it (0: no fallback).
        A member's ``compiled``: the addresses of lleaves' entry functions of its first and context pass (0: that
        pass's ``Forest``) and an object keeping their code loaded, held as long as the pipeline."""
    def clean(
        self,
        pages: Sequence[bytes | str],
        *,
        html: bool,
        max_attr_words: int = 48,
        max_page_bytes: int | None = None,
        max_lines: int | None = None,
        max_depth: int | None = None,
        timeout: float | None = None,
        reflow: bool = True,
    ) -> list[str | tuple[str, str, str | None]]:
        """Each page's kept lines joined by newlines, or ``(kind, message, step)`` as in
        :class:`SegmentedBatch`'s ``errors``; ``timeout`` is each page's clock and the batch's scoring clock. Text
        that is hard-wrapped is scored by its blocks (:func:`text_blocks`) unless ``reflow`` is false."""
    def label(
        self,
        pages: Sequence[bytes | str],
        *,
        html: bool,
        max_attr_words: int = 48,
        max_page_bytes: int | None = None,
        max_lines: int | None = None,
        max_depth: int | None = None,
        timeout: float | None = None,
        reflow: bool = True,
    ) -> list[PageLabels | tuple[str, str, str | None]]:
        """Each page's lines with their probabilities and decisions, or ``(kind, message, step)`` (as ``clean``)."""

class PageLabels(TypedDict):
    """A page's lines (blank ones too), each line's probability of content (0.0 for a blank line) and decision."""

    lines: list[str]
    p: npt.NDArray[np.float64]
    kept: npt.NDArray[np.bool_]
