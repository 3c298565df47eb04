"""Cleaner: load a bundle, label a page's lines, keep the content. Backs the CLI, the MLflow pyfunc and Dask.

Every input line gets exactly one label. In text mode the lines are the input split on ``\\n`` (one trailing
``\\r`` removed), blank lines included: a blank line is never content. In HTML mode the lines are the
segmented block lines.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt

from chromecut import _core
from chromecut.features import line_frame
from chromecut.io.streams import chunked
from chromecut.io.workers import START_METHOD, WatchedPool, settle_heap
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor
from chromecut.model.decision import frame_kept
from chromecut.model.ensemble import Ensemble, Model, load_model
from chromecut.model.fused import fused_pipeline
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import Segmentation, segment_html, segment_text
from chromecut.segment.limits import NO_DEADLINE, Deadline, LimitError, Limits, hard_limit_seconds
from chromecut.segment.native import page_error
from chromecut.segment.reflow import Blocks, text_blocks

#: The bundles shipped inside the package: HTML pages, text dumps, and Markdown dumps (a text model that reads
#: Markdown's links and sections: html2text, markdownify, what LLM-era scrapers leave).
SHIPPED_BUNDLES = ("html", "text", "markdown")
#: Pages featurised together by ``clean_many`` (one LightGBM call per batch instead of per page).
CLEAN_BATCH_DEFAULT = 64
#: Batches queued per worker process in ``clean_many``: enough to keep workers busy, few enough to bound memory.
MAX_BATCHES_PER_WORKER = 2
#: How ``clean_many`` runs ``n_jobs > 1``: spawned worker processes (each loads the bundle; a page that overruns
#: the hard time limit is killed with its worker), or threads of this process sharing the bundle (the Rust core
#: releases the GIL for a batch; a page's clock is checked between its steps, never enforced by a kill; the
#: line-frame path, ``fused=False``, always uses processes).
Backend = Literal["processes", "threads"]
BACKENDS: tuple[Backend, ...] = ("processes", "threads")
BACKEND_DEFAULT: Backend = "processes"
#: How worker processes start (spawned: see :data:`chromecut.io.workers.START_METHOD`).
WORKER_START_METHOD = START_METHOD
InputMode = Literal["html", "text"]
#: Decimals of the probabilities and contributions in ``chromecut label`` records.
RECORD_DECIMALS = 4
_T = TypeVar("_T")
#: An explanation: (feature name, contribution to the decision booster's raw score) pairs, strongest first.
Explanation = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class LabeledLine:
    """One line of a page with its probability of being content and the decision (the threshold, the bundle's
    smoothing and fallback when on, and a line that is most of its page kept:
    :func:`chromecut.model.decision.kept_lines`).

    ``explain`` holds the line's strongest feature contributions when they were asked for (empty for a blank
    line), ``None`` otherwise.
    """

    index: int
    text: str
    p_content: float
    content: bool
    explain: Explanation | None = None


def readable(model_mode: str, input_mode: str) -> bool:
    """Whether a bundle of ``model_mode`` can label a page read as ``input_mode``: a text bundle labels the
    lines of text and of HTML alike; an html bundle needs the markup statistics only HTML has."""
    return model_mode == "text" or input_mode == "html"


def shipped_bundle_path(name: str) -> Path:
    """Folder of a bundle shipped inside the package (one of :data:`SHIPPED_BUNDLES`)."""
    return Path(str(resources.files("chromecut") / "bundles" / name))


def resolve_model(model: str | os.PathLike[str]) -> Path:
    """A shipped bundle name, a bundle folder, or an MLflow model URI -> a local bundle folder."""
    text = str(model)
    if text in SHIPPED_BUNDLES:
        return shipped_bundle_path(text)
    if "://" in text or text.startswith("models:/") or text.startswith("runs:/"):
        import mlflow.artifacts

        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=text))
        candidates = [local, local / "artifacts" / "bundle", *local.glob("**/schema.json")]
        for candidate in candidates:
            folder = candidate.parent if candidate.name == "schema.json" else candidate
            if (folder / "schema.json").is_file():
                return folder
        raise FileNotFoundError(f"{text}: no chromecut bundle inside the MLflow model")
    return Path(text)


class _Scores:
    """The scored rows of a line frame (non-blank lines, pages in order, lines in order within a page), read
    back page by page, in the same order; a wrapped page's rows are its blocks' (:mod:`chromecut.segment.reflow`)."""

    __slots__ = ("blocks", "docs", "explanations", "kept", "lines", "next_row", "probabilities")

    def __init__(
        self, docs: list[Any], lines: list[int], probabilities: list[float], explanations: list[Explanation],
        kept: list[bool], blocks: list[Blocks | None],
    ) -> None:
        self.docs, self.lines, self.probabilities, self.explanations = docs, lines, probabilities, explanations
        self.kept, self.blocks = kept, blocks
        self.next_row = 0

    def page_rows(self, doc: Any, seg: Segmentation) -> list[int | None]:
        """The row of each line of page ``doc`` (its block's, when the page was scored by blocks), ``None`` for a
        blank line; call it for every page, in order."""
        blocks = self.blocks[doc]
        if blocks is None:
            return [self._row_of(doc, line.index) for line in seg.lines]
        rows = [self._row_of(doc, line.index) for line in blocks.scored.lines]
        return [rows[block] for block in blocks.owners()]

    def _row_of(self, doc: Any, line: int) -> int | None:
        row = self.next_row
        if row < len(self.lines) and self.lines[row] == line and self.docs[row] == doc:
            self.next_row = row + 1
            return row
        return None


class Cleaner:
    """Label and clean pages with a trained bundle.

    Parameters
    ----------
    bundle:
        The trained bundle, or an ensemble of bundles (:mod:`chromecut.model.ensemble`), which cannot explain its
        lines.
    threshold:
        Decision threshold on ``p_content`` (the calibrated probability when the bundle has a calibration:
        :mod:`chromecut.model.calibration`); the bundle's tuned threshold when ``None``, with the bundle's
        fallback (:attr:`fallback_chars`). A threshold given here decides alone: no fallback lowers it.
    limits:
        Size, line, nesting and time limits of each page (:class:`chromecut.segment.limits.Limits`, whose defaults are
        the ``*_DEFAULT`` constants of :mod:`chromecut.segment.limits`). A page over a limit raises
        :class:`chromecut.segment.limits.LimitError`; it is never truncated.
    fused:
        :meth:`clean` and :meth:`clean_many` run in one call of the Rust core per batch
        (:mod:`chromecut.model.fused`: the same clean text, without a line frame); ``False`` takes the line-frame
        path (segmentations, :func:`chromecut.features.line_frame`, the bundle's predictor) that :meth:`label`
        always takes.
    reflow:
        Text input that is hard-wrapped (a paragraph broken into lines of at most one width, as ``html2text``,
        ``lynx -dump`` or ``fmt`` write it) is scored by its blocks, each line labelled as its block
        (:mod:`chromecut.segment.reflow`); ``False`` scores every line as it is. Other input is read as it is.
    """

    def __init__(
        self, bundle: Model, threshold: float | None = None, limits: Limits | None = None, *, fused: bool = True,
        reflow: bool = True,
    ) -> None:
        self.bundle = bundle
        self._given_threshold = None if threshold is None else float(threshold)
        self.limits = Limits() if limits is None else limits
        self.fused = fused
        self.reflow = reflow
        self._pipeline: tuple[tuple[float, float, int, Predictor], _core.Pipeline] | None = None

    @classmethod
    def load(
        cls, model: str | os.PathLike[str] = "html", threshold: float | None = None, limits: Limits | None = None,
        predictor: Predictor = PREDICTOR_DEFAULT, *, fused: bool = True, reflow: bool = True,
    ) -> Cleaner:
        """Load ``html`` / ``text`` / ``markdown`` (the shipped bundles), a bundle or ensemble folder, or an MLflow
        model URI; ``predictor`` ``compiled`` runs the trees of the line-frame path as native code
        (:mod:`chromecut.model.compiled`: same labels, faster), ``native`` in the Rust core
        (:mod:`chromecut.model.native`: same labels, no compile step); ``fused`` and ``reflow`` as in
        :class:`Cleaner`."""
        return cls(load_model(resolve_model(model), predictor), threshold, limits, fused=fused, reflow=reflow)

    @property
    def threshold(self) -> float:
        """The decision threshold on the scale of ``p_content``."""
        if self._given_threshold is None:
            return self.bundle.p_content_threshold
        return self._given_threshold

    @threshold.setter
    def threshold(self, value: float | None) -> None:
        self._given_threshold = None if value is None else float(value)

    @property
    def decision_threshold(self) -> float:
        """:attr:`threshold` on the classifier's probabilities, which the decision compares (the bundle's own
        threshold exactly when none was given)."""
        if self._given_threshold is None:
            return self.bundle.threshold
        return self.bundle.calibration.inverse(self._given_threshold)

    @property
    def fallback_chars(self) -> int:
        """The decision's fallback (:mod:`chromecut.model.decision`): the bundle's at its own threshold, none at a
        threshold given to the cleaner (a given threshold decides alone)."""
        return int(self.bundle.fallback_chars) if self._given_threshold is None else 0

    def pipeline(self) -> _core.Pipeline:
        """The Rust core's pipeline of the bundle at :attr:`decision_threshold` (:mod:`chromecut.model.fused`),
        built on first use and again when the threshold, the bundle's decision or its predictor changes."""
        bundle = self.bundle
        key = (self.decision_threshold, bundle.smoothing, self.fallback_chars, bundle.predictor)
        if self._pipeline is None or self._pipeline[0] != key:
            self._pipeline = (key, fused_pipeline(bundle, key[0], key[2]))
        return self._pipeline[1]

    @property
    def mode(self) -> str:
        """The input mode of the bundle (``html`` or ``text``)."""
        return self.bundle.mode

    def segment(
        self,
        page: str | bytes,
        *,
        mode: InputMode | None = None,
        encoding_hint: str | None = None,
        deadline: Deadline | None = None,
    ) -> Segmentation:
        """Lines of a page, within the cleaner's :attr:`limits`.

        Parameters
        ----------
        page:
            The page, as bytes (decoded by :func:`chromecut.segment.encoding.decode_bytes`) or text.
        mode:
            How to read the page: ``html`` (block lines) or ``text`` (split on newlines); the bundle's mode
            when ``None``. A text bundle can label the lines of an HTML page; an HTML bundle needs HTML.
        encoding_hint:
            An encoding known from outside the page (an HTTP header), used when ``page`` is bytes.
        deadline:
            The page's clock; one started now from ``limits.page_timeout`` when ``None``.
        """
        read_as = mode or self.mode
        if not readable(self.mode, read_as):
            raise ValueError(f"the {self.mode} bundle cannot label {read_as} input")
        limits = self.limits
        deadline = limits.deadline() if deadline is None else deadline
        limits.check_page_size(page)
        if read_as == "html":
            return segment_html(page, encoding_hint=encoding_hint, max_lines=limits.max_lines,
                                max_depth=limits.max_depth, deadline=deadline)
        return segment_text(page, encoding_hint=encoding_hint, max_lines=limits.max_lines, deadline=deadline)

    def label_segmentation(self, seg: Segmentation, *, explain: int = 0) -> list[LabeledLine]:
        """Labels for already segmented lines (one per line, blank lines chrome)."""
        return self.label_segmentations([seg], explain=explain)[0]

    def label_segmentations(
        self, segs: Sequence[Segmentation], *, explain: int = 0, deadline: Deadline = NO_DEADLINE,
        sites: Sequence[str | None] | None = None,
    ) -> list[list[LabeledLine]]:
        """Label many segmented pages in one featurisation pass (faster than one page at a time).

        Parameters
        ----------
        segs:
            The segmented pages.
        explain:
            How many of each line's strongest feature contributions (by absolute value, from
            :meth:`chromecut.model.bundle.Bundle.contributions`) to attach as :attr:`LabeledLine.explain`; none when 0.
        deadline:
            Checked after featurisation and after prediction (:class:`chromecut.segment.limits.PageTimeout`).
        sites:
            Each page's site (its host, any name that is the same for the pages of one site) or ``None``: a line
            repeated on other pages of its site among ``segs`` is template (the ``repeat_site`` family, which the
            models learnt with each training page's site); without, the pages are featurised without their site.
        """
        scores = self._score(segs, explain, deadline, sites)
        blank_explanation: Explanation | None = () if explain > 0 else None
        out = []
        for doc, seg in enumerate(segs):
            labeled = []
            for line, row in zip(seg.lines, scores.page_rows(doc, seg), strict=True):
                if row is None:  # a blank line: never content, whatever the threshold
                    labeled.append(LabeledLine(line.index, line.text, 0.0, False, blank_explanation))
                else:
                    p = scores.probabilities[row]
                    why = scores.explanations[row] if scores.explanations else None
                    labeled.append(LabeledLine(line.index, line.text, p, scores.kept[row], why))
            out.append(labeled)
        return out

    def clean_segmentations(self, segs: Sequence[Segmentation], *, deadline: Deadline = NO_DEADLINE,
                            sites: Sequence[str | None] | None = None) -> list[str]:
        """Each page's clean text (as :func:`clean_text` of :meth:`label_segmentations`, without building a
        :class:`LabeledLine` per line; ``sites`` as there)."""
        scores = self._score(segs, 0, deadline, sites)
        out = []
        for doc, seg in enumerate(segs):
            rows = scores.page_rows(doc, seg)
            out.append("\n".join(line.text for line, row in zip(seg.lines, rows, strict=True)
                                  if row is not None and scores.kept[row]))
        return out

    def _score(self, segs: Sequence[Segmentation], explain: int, deadline: Deadline,
               sites: Sequence[str | None] | None = None) -> _Scores:
        """Content probabilities (and contributions when ``explain``) of the non-blank lines of ``segs``, or of
        their blocks when the page is a wrapped dump (:attr:`reflow`); each page's site from ``sites``."""
        blocks = [text_blocks(seg) if self.reflow else None for seg in segs]
        scored = [seg if found is None else found.scored for seg, found in zip(segs, blocks, strict=True)]
        frame = line_frame(enumerate(scored), markup=self.mode != "text")
        named = _sites(segs, sites)
        if named is not None:
            frame["domain"] = np.array(named, dtype=object)[frame["doc"].to_numpy(dtype=np.int64)]
        probabilities = np.zeros(0)
        explanations: list[Explanation] = []
        bundle = self.bundle
        if explain > 0 and isinstance(bundle, Ensemble):
            raise ValueError("an ensemble of bundles cannot explain its lines: explain with one of its members")
        if not len(frame):
            pass
        elif isinstance(bundle, Ensemble):
            probabilities = bundle.predict_proba(frame)
            deadline.check("after prediction")
        else:
            features = bundle.featurizer.transform(frame)
            deadline.check("after featurisation")
            probabilities = bundle.predict_proba(frame, features)
            if explain > 0:
                explanations = strongest_contributions(
                    bundle.contributions(frame, features), bundle.final_feature_names, explain
                )
            deadline.check("after prediction")
        kept = (frame_kept(frame, probabilities, self.decision_threshold, self.bundle.smoothing,
                           self.fallback_chars) if len(frame) else np.zeros(0, dtype=np.bool_))
        return _Scores(frame["doc"].tolist(), frame["line"].tolist(), self.bundle.calibration(probabilities).tolist(),
                       explanations, kept.tolist(), blocks)

    def label(
        self, page: str | bytes, *, mode: InputMode | None = None, encoding_hint: str | None = None, explain: int = 0
    ) -> list[LabeledLine]:
        """One :class:`LabeledLine` per line of the page, in order (arguments as in :meth:`segment` and
        :meth:`label_segmentations`); the page's :attr:`limits` cover all of it."""
        if self.fused and explain == 0 and mode in (None, self.mode):
            (result,) = self.label_pages([page], [encoding_hint])
            if isinstance(result, Exception):
                raise result
            return result
        deadline = self.limits.deadline()
        seg = self.segment(page, mode=mode, encoding_hint=encoding_hint, deadline=deadline)
        return self.label_segmentations([seg], explain=explain, deadline=deadline)[0]

    def clean(self, page: str | bytes, *, mode: InputMode | None = None, encoding_hint: str | None = None) -> str:
        """The content lines of the page, in order, joined by newlines (arguments as in :meth:`label`)."""
        if self.fused and mode in (None, self.mode):
            (result,) = self.clean_pages([page], [encoding_hint])
            if isinstance(result, Exception):
                raise result
            return result
        deadline = self.limits.deadline()
        seg = self.segment(page, mode=mode, encoding_hint=encoding_hint, deadline=deadline)
        return self.clean_segmentations([seg], deadline=deadline)[0]

    @overload
    def clean_many(
        self, pages: Iterable[str | bytes], batch_size: int = ..., n_jobs: int = ...,
        return_exceptions: Literal[False] = ..., *, backend: Backend = ...,
    ) -> Iterator[str]: ...

    @overload
    def clean_many(
        self, pages: Iterable[str | bytes], batch_size: int = ..., n_jobs: int = ..., *,
        return_exceptions: Literal[True], backend: Backend = ...,
    ) -> Iterator[str | Exception]: ...

    def clean_many(
        self, pages: Iterable[str | bytes], batch_size: int = CLEAN_BATCH_DEFAULT, n_jobs: int = 1,
        return_exceptions: bool = False, *, backend: Backend = BACKEND_DEFAULT,
    ) -> Iterator[str] | Iterator[str | Exception]:
        """Clean a stream of pages, in order, featurising them in batches.

        Memory stays bounded whatever the stream's length: one batch in flight in this process, or at most
        ``MAX_BATCHES_PER_WORKER`` batches per worker with ``n_jobs > 1``: spawned processes that load the
        bundle once each, under the hard time limit of :class:`chromecut.io.workers.WatchedPool` (``backend``
        ``processes``), or threads of this process sharing the bundle (``threads``, see :data:`Backend`).

        A page that cannot be cleaned (over one of the :attr:`limits`, a worker killed over the hard time
        limit...) raises its exception, with a note giving its position in the stream, and ends the stream;
        with ``return_exceptions=True`` (as in :func:`asyncio.gather`) the exception is yielded in the page's
        place and the stream goes on.
        """
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        for position, result in enumerate(self._clean_results(pages, batch_size, n_jobs, backend)):
            if isinstance(result, Exception) and not return_exceptions:
                result.add_note(f"page {position} of the stream")
                raise result
            yield result

    def _clean_results(
        self, pages: Iterable[str | bytes], batch_size: int, n_jobs: int, backend: Backend
    ) -> Iterator[str | Exception]:
        if n_jobs <= 1:
            for batch in chunked(pages, batch_size):
                yield from self.clean_pages(batch)
            return
        if backend == "threads" and self.fused:
            yield from self._clean_threads(pages, batch_size, n_jobs)
            return
        def limit(batch: Sequence[str | bytes]) -> float | None:
            return hard_limit_seconds(self.limits.page_timeout, len(batch))

        with tempfile.TemporaryDirectory(prefix="chromecut-") as tmp:
            folder = self.bundle.save(Path(tmp) / "bundle")
            with WatchedPool(n_jobs, _clean_batch, limit, _failed_page, initializer=_init_clean_worker,
                             initargs=(str(folder), self._given_threshold, self.limits, self.bundle.predictor,
                                       self.fused, self.reflow),
                             in_flight_per_worker=MAX_BATCHES_PER_WORKER) as pool:
                yield from pool.map(chunked(pages, batch_size))

    def _clean_threads(self, pages: Iterable[str | bytes], batch_size: int, n_jobs: int) -> Iterator[str | Exception]:
        """Batches cleaned by ``n_jobs`` threads of this process (the Rust core releases the GIL for a batch), at
        most ``MAX_BATCHES_PER_WORKER`` batches a thread in flight, results in input order."""
        self.pipeline()  # built once, before the threads share it
        pending: deque[Future[list[str | Exception]]] = deque()
        with ThreadPoolExecutor(n_jobs, thread_name_prefix="chromecut-clean") as pool:
            for batch in chunked(pages, batch_size):
                pending.append(pool.submit(self.clean_pages, batch))
                if len(pending) >= n_jobs * MAX_BATCHES_PER_WORKER:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    def clean_pages(
        self, pages: Sequence[str | bytes], encoding_hints: Sequence[str | None] | None = None,
        sites: Sequence[str | None] | None = None,
    ) -> list[str | Exception]:
        """Each page's clean text, or the exception it raised (a batch of :meth:`clean_many`; ``encoding_hints``:
        one per page, as in :meth:`segment`): in one call of the Rust core when :attr:`fused` (pages whose bytes
        are not UTF-8 decoded here, with their hints, and cleaned in a second call), else through line frames.
        ``sites``: each page's site or ``None`` (as in :meth:`label_segmentations`; the pages of a site cleaned in
        one call, through line frames): a line repeated on the site's other pages in the call is template."""
        hints, named = _hints(pages, encoding_hints), _sites(pages, sites)
        if not self.fused or named is not None:
            return self._clean_batch_lines(pages, hints, named)
        return self._fused(pages, hints, "clean", self._clean_batch_lines)

    def label_pages(
        self, pages: Sequence[str | bytes], encoding_hints: Sequence[str | None] | None = None,
        sites: Sequence[str | None] | None = None,
    ) -> list[list[LabeledLine] | Exception]:
        """Each page's :class:`LabeledLine` list (as :meth:`label` without explanations), or the exception it
        raised: in one call of the Rust core when :attr:`fused` (as :meth:`clean_pages`), else through line
        frames (``sites`` as in :meth:`clean_pages`)."""
        hints, named = _hints(pages, encoding_hints), _sites(pages, sites)
        if not self.fused or named is not None:
            return self._label_batch_lines(pages, hints, named)
        return self._fused(pages, hints, "label", self._label_batch_lines)

    def _fused(
        self, pages: Sequence[str | bytes], hints: list[str | None], task: Literal["clean", "label"],
        elsewhere_path: Callable[[Sequence[str | bytes], Sequence[str | None]], list[_T | Exception]],
    ) -> list[_T | Exception]:
        """One call of the Rust core for the pages it can read, a second for bytes that are not UTF-8 (decoded here
        with their hints, as the line-frame path decodes them); ``elsewhere_path`` (the line-frame path) for the
        others: pages that are not bytes or str (it names their error), text the core cannot read (lone
        surrogates)."""
        results: list[_T | Exception | None] = [None] * len(pages)
        sent: list[int] = []
        elsewhere: list[int] = []
        for i, page in enumerate(pages):
            if not isinstance(page, (bytes, str)):
                elsewhere.append(i)
                continue
            try:
                self.limits.check_page_size(page)
            except LimitError as exc:
                results[i] = exc
            else:
                sent.append(i)
        undecoded = self._fused_call(task, [pages[i] for i in sent], sent, results)
        decoded: list[int] = []
        texts: list[str | bytes] = []
        for i in undecoded:
            page = pages[i]
            try:
                text = decode_text(page, hints[i]) if isinstance(page, bytes) else None
            except Exception:  # the line-frame path decodes it again and names the page in its error
                text = None
            if text is None:
                elsewhere.append(i)
            else:
                decoded.append(i)
                texts.append(text)
        elsewhere.extend(self._fused_call(task, texts, decoded, results))
        if elsewhere:
            elsewhere.sort()
            again = elsewhere_path([pages[i] for i in elsewhere], [hints[i] for i in elsewhere])
            for i, result in zip(elsewhere, again, strict=True):
                results[i] = result
        done = [result for result in results if result is not None]
        assert len(done) == len(pages), "every page has its result"
        return done

    def _fused_call(self, task: Literal["clean", "label"], pages: Sequence[str | bytes], where: list[int],
                    results: list[Any]) -> list[int]:
        """The pipeline's ``task`` on ``pages``, each outcome put in ``results`` at its place in ``where``; returns
        the places of the pages the core could not read (bytes that are not UTF-8, text with lone surrogates)."""
        if not pages:
            return []
        limits = self.limits
        pipeline = self.pipeline()
        call = pipeline.clean if task == "clean" else pipeline.label
        outcomes = call(list(pages), html=self.mode == "html", max_lines=limits.max_lines, max_depth=limits.max_depth,
                        timeout=limits.page_timeout, reflow=self.reflow)
        unread = []
        for i, outcome in zip(where, outcomes, strict=True):
            if isinstance(outcome, tuple):
                if outcome[0] == "needs_decoding":
                    unread.append(i)
                else:
                    results[i] = page_error(*outcome, limits.page_timeout)
            elif isinstance(outcome, str):
                results[i] = outcome
            else:
                p_content = self.bundle.calibration(outcome["p"]).tolist()
                results[i] = [LabeledLine(index, text, p, kept) for index, (text, p, kept) in
                              enumerate(zip(outcome["lines"], p_content, outcome["kept"].tolist(), strict=True))]
        return unread

    def _label_batch_lines(
        self, pages: Sequence[str | bytes], hints: Sequence[str | None], sites: Sequence[str | None] | None = None
    ) -> list[list[LabeledLine] | Exception]:
        """Each page's labels, or the exception it raised, through line frames (:meth:`_lines_path`)."""
        return self._lines_path(pages, hints, sites, lambda segs, deadline, named: self.label_segmentations(
            segs, deadline=deadline, sites=named))

    def _clean_batch_lines(
        self, pages: Sequence[str | bytes], hints: Sequence[str | None], sites: Sequence[str | None] | None = None
    ) -> list[str | Exception]:
        """Each page's clean text, or the exception it raised, through line frames (:meth:`_lines_path`)."""
        return self._lines_path(pages, hints, sites, lambda segs, deadline, named: self.clean_segmentations(
            segs, deadline=deadline, sites=named))

    def _lines_path(
        self, pages: Sequence[str | bytes], hints: Sequence[str | None], sites: Sequence[str | None] | None,
        score: Callable[[Sequence[Segmentation], Deadline, Sequence[str | None] | None], Sequence[_T]],
    ) -> list[_T | Exception]:
        """Each page's ``score``, or the exception it raised: the pages that segment are scored together (one
        timeout for the batch; each with its site when ``sites`` names them), one by one if that fails."""
        named = _sites(pages, sites)
        segs: list[Segmentation | Exception] = []
        for page, hint in zip(pages, hints, strict=True):
            try:
                segs.append(self.segment(page, encoding_hint=hint))
            except Exception as exc:
                segs.append(exc)
        good = [seg for seg in segs if isinstance(seg, Segmentation)]
        good_sites = None if named is None else [site for seg, site in zip(segs, named, strict=True)
                                                 if isinstance(seg, Segmentation)]
        scored: Sequence[_T | Exception]
        try:
            scored = score(good, self.limits.deadline(), good_sites)
        except Exception as exc:
            if len(good) > 1:  # find the page at fault: one by one, each with its own timeout
                return [result for i, (page, hint) in enumerate(zip(pages, hints, strict=True))
                        for result in self._lines_path([page], [hint], None if named is None else [named[i]], score)]
            scored = [exc]
        results = iter(scored)
        return [seg if isinstance(seg, Exception) else next(results) for seg in segs]


def _hints(pages: Sequence[str | bytes], encoding_hints: Sequence[str | None] | None) -> list[str | None]:
    """One encoding hint per page (``None`` for each when none are given)."""
    hints: list[str | None] = [None] * len(pages) if encoding_hints is None else list(encoding_hints)
    if len(hints) != len(pages):
        raise ValueError(f"{len(hints)} encoding hints for {len(pages)} pages")
    return hints


def _sites(pages: Sequence[object], sites: Sequence[str | None] | None) -> list[str | None] | None:
    """One site (or ``None``) per page, or ``None`` when no page's site is given."""
    if sites is None:
        return None
    named = list(sites)
    if len(named) != len(pages):
        raise ValueError(f"{len(named)} sites for {len(pages)} pages")
    return named if any(site is not None for site in named) else None


def _failed_page(page: str | bytes, error: Exception) -> Exception:
    return error


_WORKER_CLEANER: list[Cleaner] = []


def _init_clean_worker(folder: str, threshold: float | None, limits: Limits, predictor: Predictor,
                       fused: bool, reflow: bool) -> None:
    _WORKER_CLEANER[:] = [Cleaner.load(folder, threshold, limits, predictor, fused=fused, reflow=reflow)]
    settle_heap()


def _clean_batch(pages: list[str | bytes]) -> list[str | Exception]:
    return _WORKER_CLEANER[0].clean_pages(pages)


def clean_text(lines: Iterable[LabeledLine]) -> str:
    """The content lines, in order, joined by newlines: what ``chromecut clean`` writes."""
    return "\n".join(line.text for line in lines if line.content)


def strongest_contributions(
    contributions: npt.NDArray[np.float64], feature_names: Sequence[str], top: int
) -> list[Explanation]:
    """Each row's ``top`` strongest feature contributions by absolute value, strongest first.

    Parameters
    ----------
    contributions:
        One row per line, one column per feature in ``feature_names`` order, then a bias column (ignored: it
        is the same for every line and explains nothing).
    feature_names:
        Names of the feature columns.
    top:
        How many pairs per row.
    """
    values = contributions[:, : len(feature_names)]
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    return [
        tuple((feature_names[column], float(row_values[column])) for column in row_order)
        for row_values, row_order in zip(values, order, strict=True)
    ]


def records(lines: list[LabeledLine], doc: Any) -> list[dict[str, Any]]:
    """``chromecut label`` JSON records of a page's lines (with ``explain`` when the lines carry one)."""
    out = []
    for line in lines:
        record: dict[str, Any] = {"doc": doc, "line": line.index, "text": line.text,
                                  "p_content": round(line.p_content, RECORD_DECIMALS), "content": line.content}
        if line.explain is not None:
            record["explain"] = [[name, round(value, RECORD_DECIMALS)] for name, value in line.explain]
        out.append(record)
    return out
