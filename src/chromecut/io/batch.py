"""Clean or label many documents: the library behind ``chromecut clean`` and ``chromecut label``.

:func:`plan` checks a request (models, inputs, outputs) before anything is read; :func:`outcomes` reads the
inputs (:mod:`chromecut.io.readers`), labels the documents in batches, in this process or in worker processes, and
yields one :class:`Outcome` per document in input order; :class:`OutputWriter` writes them to stdout or to one
file per input. Cleaning and labelling share everything up to :func:`render`: a document is always labelled,
then written as its content lines (``clean``) or as one JSON record per line (``label``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, NamedTuple

from chromecut.datasets.sites import domain_of
from chromecut.io.inputs import (
    STDIN_NAME,
    Document,
    DocumentKind,
    InputFailure,
    InputFormat,
    Source,
    looks_like_markdown,
    sniff_kind,
    sources,
)
from chromecut.io.readers import read_source
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor
from chromecut.segment.limits import LimitError, Limits, hard_limit_seconds

if TYPE_CHECKING:  # the model stack (LightGBM, pandas) is imported when a model is loaded, not by `chromecut --help`
    from chromecut.predict import Cleaner, LabeledLine
    from chromecut.segment.html import Segmentation

Task = Literal["clean", "label"]
TASKS: tuple[Task, ...] = ("clean", "label")
#: Documents labelled in one featurisation pass (the featurizer is vectorised over a batch) ...
BATCH_DOCUMENTS_DEFAULT = 16
#: ... unless they hold more bytes than this together (bounds the memory of a batch).
BATCH_BYTES_DEFAULT = 8 << 20
#: Batches submitted per worker process before the oldest result is awaited (bounds the memory in flight).
IN_FLIGHT_PER_WORKER = 2
#: How many feature contributions ``--explain`` gives each line.
EXPLAIN_FEATURES = 3
#: OpenMP threads of each worker process: the workers are the parallelism.
WORKER_THREADS = 1
#: Output file suffixes: clean text of a single document, and JSON Lines (labels, or clean records).
TEXT_SUFFIX = ".txt"
JSONL_SUFFIX = ".jsonl"
#: Partial outputs are written under this suffix and renamed into place when their input is done.
PARTIAL_SUFFIX = ".part"
OUTPUT_ENCODING = "utf-8"
#: The shipped bundle a text document gets when it is Markdown and no model is chosen.
MARKDOWN_MODEL = "markdown"
#: :attr:`Settings.site` that names each document's site by its URL's host.
SITE_FROM_URL = "url"


class UsageError(ValueError):
    """A request that cannot run as given (``chromecut`` exits with status 2)."""


class ModelError(RuntimeError):
    """A model that cannot be loaded (``chromecut`` exits with status 2)."""


class DocumentError(ValueError):
    """A document the chosen model cannot read."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: its rendered output, or why it failed.

    Attributes
    ----------
    name:
        The document's name in messages (input path, ``-``, record id, ``file:line``).
    source:
        Position of its input among the inputs.
    output:
        Text to write (see :func:`render`); ``None`` when it failed.
    error:
        Why it failed; ``None`` when it did not.
    """

    name: str
    source: int
    output: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """How documents are labelled and rendered (what a worker process needs to know).

    Attributes
    ----------
    task:
        ``clean`` or ``label``.
    model:
        A local bundle folder or shipped bundle name used for every document; ``None`` picks the shipped bundle
        that matches each document's kind (:func:`shipped_model_for`: Markdown text gets the Markdown model).
    threshold:
        Decision threshold; each bundle's own when ``None``.
    explain:
        Whether label records carry each line's strongest feature contributions.
    limits:
        Size, line, nesting and time limits of each document (:mod:`chromecut.segment.limits`); a document over one
        fails, named, and the others go on.
    predictor:
        ``lightgbm``, or ``compiled`` to run the trees as native code (:mod:`chromecut.model.compiled`).
    reflow:
        Whether a hard-wrapped text dump is scored by its blocks (:mod:`chromecut.segment.reflow`).
    site:
        The documents' site: a name (every document a page of that site), :data:`SITE_FROM_URL` (each document's
        site the host of its URL, where it has one: a WARC record's, a JSON Lines record's), or ``None`` (none
        named). Lines repeated on other pages of a document's site in its batch then read as template
        (:meth:`chromecut.predict.Cleaner.clean_pages`).
    """

    task: Task = "clean"
    model: str | None = None
    threshold: float | None = None
    explain: bool = False
    limits: Limits = field(default_factory=Limits)
    predictor: Predictor = PREDICTOR_DEFAULT
    reflow: bool = True
    site: str | None = None

    def site_of(self, document: Document) -> str | None:
        """The site ``document`` is a page of (:attr:`site`)."""
        if self.site == SITE_FROM_URL:
            return domain_of(document.url)
        return self.site


def load_cleaner(
    model: str, threshold: float | None, limits: Limits | None = None, predictor: Predictor = PREDICTOR_DEFAULT,
    *, reflow: bool = True,
) -> Cleaner:
    """Load a model for the command line; any failure becomes a :class:`ModelError`."""
    from chromecut.predict import Cleaner

    try:
        return Cleaner.load(model, threshold, limits, predictor, reflow=reflow)
    except Exception as exc:  # BundleError, OSError, MLflow's own errors: all mean "cannot use this model"
        raise ModelError(f"cannot load model {model!r}: {exc}") from exc


def shipped_model_for(data: bytes | str, kind: DocumentKind | None = None) -> str:
    """The shipped bundle ``chromecut clean`` gives a document when no model is chosen: ``html`` for HTML,
    ``markdown`` for a text document that :func:`chromecut.io.inputs.looks_like_markdown` (the Markdown model reads
    its links and sections), ``text`` for other text. ``kind``: the document's kind when known, else sniffed
    (:func:`chromecut.io.inputs.sniff_kind`)."""
    kind = sniff_kind(data) if kind is None else kind
    if kind == "text" and looks_like_markdown(data):
        return MARKDOWN_MODEL
    return kind


class Processor:
    """Labels and renders batches of documents, loading each model it needs once.

    Parameters
    ----------
    settings:
        What to do.
    cleaner:
        The already loaded model of ``settings.model``, if any (otherwise loaded here when needed).
    settle:
        Settle the heap (:func:`chromecut.io.workers.settle_heap`) once a model is loaded: only in a process
        chromecut owns (the command line and its workers), never in a library user's or a Dask worker's.
    """

    def __init__(self, settings: Settings, cleaner: Cleaner | None = None, *, settle: bool = False) -> None:
        self.settings = settings
        self.settle = settle
        self._cleaners: dict[str, Cleaner] = {}
        if settings.model is not None:
            self._cleaners[settings.model] = cleaner or load_cleaner(settings.model, settings.threshold,
                                                                     settings.limits, settings.predictor,
                                                                     reflow=settings.reflow)
            self._settle()

    def _settle(self) -> None:
        if self.settle:
            from chromecut.io.workers import settle_heap

            settle_heap()

    def cleaner_for(self, kind: DocumentKind, data: bytes | str | None = None) -> Cleaner:
        """The model for a document of this kind (``data``: the document, for :func:`shipped_model_for`); raises
        :class:`DocumentError` when it cannot read it."""
        from chromecut.predict import readable

        name = self.settings.model or (kind if data is None else shipped_model_for(data, kind))
        cleaner = self._cleaners.get(name)
        if cleaner is None:
            cleaner = self._cleaners[name] = load_cleaner(name, self.settings.threshold, self.settings.limits,
                                                          self.settings.predictor, reflow=self.settings.reflow)
            self._settle()
        if not readable(cleaner.mode, kind):
            raise DocumentError(f"the {cleaner.mode} model cannot label {kind} input; use a text model (--model text)")
        return cleaner

    def process(self, batch: Sequence[Document | InputFailure]) -> list[Outcome]:
        """The outcomes of a batch, in order; a document that fails never fails the others. A document its model
        reads as it is (its kind is the model's mode) is cleaned or labelled (without explanations) in the Rust
        core's one call per group (:meth:`chromecut.predict.Cleaner.clean_pages`, ``label_pages``); anything else
        is segmented and labelled here."""
        results: list[Outcome | None] = [None] * len(batch)
        groups: dict[int, tuple[Cleaner, list[_Member]]] = {}
        fused: dict[int, tuple[Cleaner, list[tuple[int, Document]]]] = {}
        for position, item in enumerate(batch):
            if isinstance(item, InputFailure):
                results[position] = Outcome(item.name, item.source, error=item.reason)
                continue
            try:
                cleaner = self.cleaner_for(item.kind, item.data)
                if cleaner.fused and item.kind == cleaner.mode and not self.settings.explain:
                    fused.setdefault(id(cleaner), (cleaner, []))[1].append((position, item))
                    continue
                segmentation = cleaner.segment(item.data, mode=item.kind, encoding_hint=item.encoding_hint)
            except ModelError:
                raise
            except Exception as exc:
                results[position] = _failure(item, exc)
                continue
            groups.setdefault(id(cleaner), (cleaner, []))[1].append(_Member(position, item, segmentation))
        for cleaner, members in groups.values():
            for position, outcome in self._label(cleaner, members):
                results[position] = outcome
        for cleaner, documents in fused.values():
            outcomes = self._fused(cleaner, [document for _, document in documents])
            for (position, _), outcome in zip(documents, outcomes, strict=True):
                results[position] = outcome
        return [outcome for outcome in results if outcome is not None]

    def _fused(self, cleaner: Cleaner, documents: list[Document]) -> Iterator[Outcome]:
        """The outcomes of documents cleaned or labelled in the Rust core's one call (through line frames when
        their sites are named), in order."""
        data, hints = [d.data for d in documents], [d.encoding_hint for d in documents]
        sites = [self.settings.site_of(d) for d in documents]
        if self.settings.task == "clean":
            for document, text in zip(documents, cleaner.clean_pages(data, hints, sites), strict=True):
                yield (_failure(document, text) if isinstance(text, Exception)
                       else Outcome(document.name, document.source, output=render_clean(document, text)))
            return
        for document, lines in zip(documents, cleaner.label_pages(data, hints, sites), strict=True):
            yield (_failure(document, lines) if isinstance(lines, Exception)
                   else Outcome(document.name, document.source, output=render("label", document, lines)))

    def _label(self, cleaner: Cleaner, members: list[_Member]) -> Iterator[tuple[int, Outcome]]:
        """Label a group in one pass (one page timeout for the pass); when the pass fails (or runs out of time),
        label one by one to isolate the failing document."""
        explain = EXPLAIN_FEATURES if self.settings.explain else 0
        try:
            labeled = cleaner.label_segmentations([member.segmentation for member in members], explain=explain,
                                                  deadline=self.settings.limits.deadline(),
                                                  sites=[self.settings.site_of(m.document) for m in members])
        except Exception as exc:
            if len(members) == 1:
                yield members[0].position, _failure(members[0].document, exc)
            else:
                for member in members:
                    yield from self._label(cleaner, [member])
            return
        for member, lines in zip(members, labeled, strict=True):
            document = member.document
            try:
                output = render(self.settings.task, document, lines)
            except Exception as exc:
                yield member.position, _failure(document, exc)
            else:
                yield member.position, Outcome(document.name, document.source, output=output)


class _Member(NamedTuple):
    """A segmented document of a batch and its position there."""

    position: int
    document: Document
    segmentation: Segmentation


def _failure(document: Document, exc: Exception) -> Outcome:
    reason = str(exc) if isinstance(exc, DocumentError | LimitError) else f"{type(exc).__name__}: {exc}"
    return Outcome(document.name, document.source, error=reason)


def render(task: Task, document: Document, lines: list[LabeledLine]) -> str:
    """A labelled document as ``chromecut`` writes it.

    ``label``: one JSON record per line (see :func:`chromecut.predict.records`), ``doc`` being the record id or
    the input name. ``clean``: the content lines and a final newline (nothing for an empty result) for a plain
    file; one JSON record ``{"id", "url" (WARC), "text"}`` for a record of a JSON Lines or WARC input.
    """
    from chromecut.predict import clean_text, records

    if task == "label":
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records(lines, document.key))
    return render_clean(document, clean_text(lines))


def render_clean(document: Document, text: str) -> str:
    """What ``chromecut clean`` writes for a document whose clean text is ``text`` (see :func:`render`)."""
    if document.record_id is None:
        return text + "\n" if text else ""
    record: dict[str, object] = {"id": document.record_id}
    if document.url is not None:
        record["url"] = document.url
    record["text"] = text
    return json.dumps(record, ensure_ascii=False) + "\n"


# --- Planning ------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """A checked request: the inputs, where their outputs go, and the settings (with the loaded model)."""

    sources: list[Source]
    settings: Settings
    out_dir: Path | None = None
    jobs: int = 1
    cleaner: Cleaner | None = None
    outputs: dict[int, Path] = field(default_factory=dict)


def output_suffix(task: Task, source: Source) -> str:
    """``.txt`` for the clean text of a plain input, ``.jsonl`` for everything else."""
    return TEXT_SUFFIX if task == "clean" and not source.is_container else JSONL_SUFFIX


def plan(
    names: Sequence[str],
    settings: Settings,
    *,
    input_format: InputFormat = "auto",
    out_dir: Path | None = None,
    jobs: int = 1,
) -> Plan:
    """Check a request before any input is read; raise :class:`UsageError` or :class:`ModelError` if it cannot
    run.

    An explicit model is resolved (an MLflow URI is downloaded once, here) and loaded. With an HTML model,
    ``auto`` reads every plain input as HTML (there is nothing to choose) and ``text`` input is refused. Without
    ``out_dir``, ``clean`` takes one input, or any number of JSON Lines / WARC inputs (JSON Lines out); with it,
    no two inputs may share an output file and no output may overwrite an input.
    """
    from chromecut.predict import readable, resolve_model

    if not names:
        raise UsageError("no input given (use - for standard input)")
    if sum(name == STDIN_NAME for name in names) > 1:
        raise UsageError("standard input (-) can be read only once")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cleaner = None
    if settings.model is not None:
        local = settings.model
        try:
            local = str(resolve_model(settings.model))
        except Exception as exc:
            raise ModelError(f"cannot load model {settings.model!r}: {exc}") from exc
        cleaner = load_cleaner(local, settings.threshold, settings.limits, settings.predictor,
                               reflow=settings.reflow)
        settings = replace(settings, model=local)
    found = sources(list(names), input_format)
    if cleaner is not None and not readable(cleaner.mode, "text"):
        if input_format == "text":
            raise UsageError(f"the {cleaner.mode} model cannot label text input; use a text model (--model text)")
        # Nothing to choose between: every plain input is read the only way the model can read it.
        found = [replace(source, format="html") if source.format == "sniff" else source for source in found]
    result = Plan(found, settings, out_dir, jobs, cleaner)
    if out_dir is None:
        if settings.task == "clean" and len(found) > 1 and not all(source.is_container for source in found):
            raise UsageError("clean writes one document to stdout: give --out-dir for several html/text inputs")
        return result
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out-dir {out_dir} exists and is not a folder")
    inputs = {Path(source.name).resolve() for source in found if source.name != STDIN_NAME}
    owners: dict[Path, str] = {}
    for source in found:
        target = out_dir / (source.stem + output_suffix(settings.task, source))
        if target in owners:
            raise UsageError(f"{owners[target]} and {source.name} would both write {target}")
        if target.resolve() in inputs:
            raise UsageError(f"{source.name}: its output {target} would overwrite an input")
        owners[target] = source.name
        result.outputs[source.index] = target
    return result


# --- Running -------------------------------------------------------------------------------------------------


def document_batches(
    items: Iterable[Document | InputFailure], max_documents: int, max_bytes: int
) -> Iterator[list[Document | InputFailure]]:
    """Consecutive batches of at most ``max_documents`` items, each closed once its documents reach
    ``max_bytes`` (the local workers' and the Dask partitions' unit of work)."""
    batch: list[Document | InputFailure] = []
    size = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Document):
            size += len(item.data)
        if len(batch) >= max_documents or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


_WORKER: Processor | None = None


def _init_worker(settings: Settings) -> None:
    """Worker start: one OpenMP thread, the model loaded once (shipped bundles when first needed)."""
    from threadpoolctl import threadpool_limits

    global _WORKER
    threadpool_limits(limits=WORKER_THREADS)
    _WORKER = Processor(settings, settle=True)


def _work(batch: list[Document | InputFailure]) -> list[Outcome]:
    assert _WORKER is not None, "worker process used before its initializer ran"
    return _WORKER.process(batch)


def _stopped(item: Document | InputFailure, error: Exception) -> Outcome:
    """The outcome of a document whose worker was killed (over the hard time limit) or died."""
    return Outcome(item.name, item.source, error=item.reason if isinstance(item, InputFailure) else str(error))


def outcomes(
    plan: Plan, *, batch_documents: int = BATCH_DOCUMENTS_DEFAULT, batch_bytes: int = BATCH_BYTES_DEFAULT
) -> Iterator[Outcome]:
    """Every document's outcome, in input order; failures to read are outcomes too.

    With ``plan.jobs`` > 1 the documents are labelled by that many spawned worker processes, at most
    :data:`IN_FLIGHT_PER_WORKER` batches each in flight, under a hard time limit
    (:func:`chromecut.segment.limits.hard_limit_seconds` of the batch): a worker that overruns it, or dies, is killed
    and its batch run again one document at a time, so only the document at fault fails. A
    :class:`ModelError` (a shipped bundle that is missing) stops the run.
    """
    limits = plan.settings.limits
    items = (item for source in plan.sources for item in read_source(source, max_page_bytes=limits.max_page_bytes))
    batches = document_batches(items, batch_documents, batch_bytes)
    if plan.jobs == 1:
        processor = Processor(plan.settings, plan.cleaner, settle=True)
        for batch in batches:
            yield from processor.process(batch)
        return
    from chromecut.io.workers import WatchedPool

    def limit(batch: Sequence[Document | InputFailure]) -> float | None:
        return hard_limit_seconds(limits.page_timeout, len(batch))

    with WatchedPool(plan.jobs, _work, limit, _stopped, initializer=_init_worker, initargs=(plan.settings,),
                     in_flight_per_worker=IN_FLIGHT_PER_WORKER) as pool:
        yield from pool.map(batches)


class OutputWriter:
    """Writes outcomes: to ``stdout``, or to the plan's output file of each input.

    An output file is written under a temporary name and renamed into place once its input is done; an input
    none of whose documents succeeded writes no file. Use as a context manager.

    Parameters
    ----------
    plan:
        The checked request.
    stdout:
        Where results go without an output folder (binary; UTF-8 is written).
    """

    def __init__(self, plan: Plan, stdout: IO[bytes]) -> None:
        self.plan = plan
        self.stdout = stdout
        self._source: int | None = None
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> OutputWriter:
        if self.plan.out_dir is not None:
            self.plan.out_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish(keep=exc[0] is None)

    def write(self, outcome: Outcome) -> None:
        """Write a document's output (nothing for a failure)."""
        if outcome.source != self._source:
            self._finish(keep=True)
            self._source = outcome.source
        if outcome.output is None:
            return
        data = outcome.output.encode(OUTPUT_ENCODING, errors="replace")
        if self.plan.out_dir is None:
            self.stdout.write(data)
            self.stdout.flush()
            return
        if self._handle is None:
            self._handle = open(self._partial(outcome.source), "wb")  # noqa: SIM115  # closed in _finish
        self._handle.write(data)

    def _partial(self, source: int) -> Path:
        target = self.plan.outputs[source]
        return target.with_name(f".{target.name}{PARTIAL_SUFFIX}")

    def _finish(self, keep: bool) -> None:
        if self._handle is None or self._source is None:
            return
        self._handle.close()
        self._handle = None
        partial = self._partial(self._source)
        if keep:
            os.replace(partial, self.plan.outputs[self._source])
        else:
            partial.unlink(missing_ok=True)
