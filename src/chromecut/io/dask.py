"""Clean and label on a Dask cluster: ``chromecut clean|label --engine dask``, and :func:`clean_bag` /
:func:`clean_dataframe` for a Dask user's own collections.

:func:`clean_bag` and :func:`clean_dataframe` are public API, documented for users in the README: import them
from here (``from chromecut.io.dask import clean_bag, clean_dataframe``; before the package was split into
subpackages this module was ``chromecut.dask``). The rest of the module is the engine behind the command line.

The work is cut into *partitions*: every JSON Lines or WARC input is one (a Common Crawl shard is a natural
unit), and consecutive plain files (one page each) are grouped :data:`FILES_PER_PARTITION_DEFAULT` at a time.
A worker reads its partition's inputs itself (the paths must be visible to every worker: a shared file
system), labels them with :class:`chromecut.io.batch.Processor` (the code behind the local CLI) and streams the
results into the partition's output files, each renamed into place when its input is done, exactly as the
local CLI writes them. Without an output folder the partition's output comes back to the client, which writes
it to stdout in input order. Failed documents come back by name and are reported like the local CLI's.

An explicit model is resolved once on the client (an MLflow URI downloaded there) and its bundle files are
shipped to the cluster once; each worker process writes them to a folder of its own and loads the bundle once
(checksums checked as always), whatever the number of tasks. The shipped bundles are loaded from each worker's
own chromecut installation.

This module needs neither Hydra nor MLflow; Dask is imported when a function here is called.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chromecut.io import batch
from chromecut.io.inputs import STDIN_NAME, Document, DocumentKind, InputFailure, Source, sniff_kind
from chromecut.io.readers import read_source
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    from distributed import Client, Future

#: Consecutive plain (one-page) inputs handled by one task: enough pages to amortise a task's overhead.
FILES_PER_PARTITION_DEFAULT = 32
#: Partitions submitted per worker thread before the oldest result is awaited (bounds the client's memory
#: and the scheduler's queue for inputs of millions of files, while keeping every worker busy).
IN_FLIGHT_PER_THREAD = 4
#: Threads of each worker process of the LocalCluster started when no scheduler is given: the parallelism of
#: cleaning is processes (featurisation holds the GIL), and LightGBM predicts with one thread.
THREADS_PER_WORKER = 1
#: The dashboard of a LocalCluster listens on a free port (a fixed one clashes with other clusters).
DASHBOARD_ADDRESS = ":0"
#: Columns of :func:`clean_dataframe`'s result (the MLflow pyfunc's, less the per-line labels).
RESULT_COLUMNS = ("id", "text", "error")
#: The page columns :func:`clean_dataframe` reads, in order of preference.
PAGE_COLUMNS: tuple[DocumentKind, ...] = ("html", "text")


class EngineError(ValueError):
    """A request the Dask engine cannot run (standard input, for one: workers cannot read it)."""


# --- The model on the workers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShippedModel:
    """A bundle's files, sent to the workers once.

    Attributes
    ----------
    digest:
        SHA-256 over the files' names and contents (which bundle this is, for the workers' cache).
    files:
        ``(file name, content)`` of every file of the bundle folder.
    """

    digest: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_folder(cls, folder: str | os.PathLike[str]) -> ShippedModel:
        """Read a bundle folder (its checksums are checked when a worker loads it)."""
        digest = hashlib.sha256()
        files = []
        for path in sorted(Path(folder).iterdir()):
            if path.is_file():
                content = path.read_bytes()
                digest.update(path.name.encode() + b"\0" + content + b"\0")
                files.append((path.name, content))
        if not files:
            raise FileNotFoundError(f"{folder}: no bundle files")
        return cls(digest.hexdigest(), tuple(files))

    def materialise(self) -> Path:
        """Write the files to a new folder of this process; return the folder."""
        folder = Path(tempfile.mkdtemp(prefix="chromecut-bundle-"))
        for name, content in self.files:
            (folder / name).write_bytes(content)
        return folder


_PROCESSORS: dict[tuple[batch.Settings, str | None], batch.Processor] = {}
_PROCESSORS_LOCK = threading.Lock()


def worker_processor(settings: batch.Settings, model: ShippedModel | None) -> batch.Processor:
    """This process's :class:`chromecut.io.batch.Processor` for ``settings``, created (its model loaded) once.

    ``model`` is the bundle every document gets; ``None`` leaves ``settings.model`` as it is (a shipped bundle
    name, or ``None``: the shipped bundle of each document's kind).
    """
    key = (settings, None if model is None else model.digest)
    with _PROCESSORS_LOCK:
        processor = _PROCESSORS.get(key)
        if processor is None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=batch.WORKER_THREADS)
            if model is not None:
                settings = replace(settings, model=str(model.materialise()))
            processor = _PROCESSORS[key] = batch.Processor(settings)
    return processor


def ship(model: str | None) -> ShippedModel | None:
    """The files of a local bundle folder to send to the workers; ``None`` for a shipped bundle name or
    ``None`` (the workers load those from their own installation)."""
    from chromecut.predict import SHIPPED_BUNDLES

    if model is None or model in SHIPPED_BUNDLES:
        return None
    return ShippedModel.from_folder(model)


# --- Files: the CLI engine --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partition:
    """Inputs one task handles, with the output file of each (none: the output comes back to the client)."""

    sources: tuple[Source, ...]
    outputs: tuple[Path | None, ...]


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """What a task did.

    Attributes
    ----------
    partition:
        The task's inputs.
    documents:
        Documents processed (failures included).
    failures:
        ``(document name, reason)`` of every failed document, in input order.
    output:
        The rendered output (UTF-8) when there is no output folder; ``None`` otherwise.
    """

    partition: Partition
    documents: int
    failures: tuple[tuple[str, str], ...]
    output: bytes | None = None


def partitions(plan: batch.Plan, files_per_partition: int = FILES_PER_PARTITION_DEFAULT) -> list[Partition]:
    """The plan's inputs cut into tasks: each container alone, consecutive plain inputs in groups."""
    if files_per_partition < 1:
        raise ValueError("files_per_partition must be at least 1")
    found: list[Partition] = []
    group: list[Source] = []

    def close() -> None:
        if group:
            found.append(Partition(tuple(group), tuple(plan.outputs.get(s.index) for s in group)))
            group.clear()

    for source in plan.sources:
        if source.name == STDIN_NAME:
            raise EngineError("the dask engine reads files: standard input (-) cannot be shared with workers")
        if source.is_container:
            close()
            found.append(Partition((source,), (plan.outputs.get(source.index),)))
            continue
        group.append(source)
        if len(group) >= files_per_partition:
            close()
    close()
    return found


def run_partition(
    partition: Partition,
    settings: batch.Settings,
    model: ShippedModel | None,
    *,
    batch_documents: int = batch.BATCH_DOCUMENTS_DEFAULT,
    batch_bytes: int = batch.BATCH_BYTES_DEFAULT,
) -> PartitionResult:
    """Process a partition on a worker: read, label in batches, write each input's output as the local CLI
    does (:class:`chromecut.io.batch.OutputWriter`), and return the failures (and the output, without files)."""
    processor = worker_processor(settings, model)
    to_files = all(output is not None for output in partition.outputs)
    out_dir = partition.outputs[0].parent if to_files and partition.outputs[0] is not None else None
    plan = batch.Plan(list(partition.sources), processor.settings, out_dir=out_dir)
    if to_files:
        plan.outputs = {s.index: out for s, out in zip(partition.sources, partition.outputs, strict=True)
                        if out is not None}
    buffer = io.BytesIO()
    failures: list[tuple[str, str]] = []
    documents = 0
    items = (item for source in partition.sources for item in read_source(source))
    with batch.OutputWriter(plan, buffer) as writer:
        for chunk in batch.document_batches(items, batch_documents, batch_bytes):
            for outcome in processor.process(chunk):
                documents += 1
                writer.write(outcome)
                if outcome.error is not None:
                    failures.append((outcome.name, outcome.error))
    return PartitionResult(partition, documents, tuple(failures), None if to_files else buffer.getvalue())


def _failed_partition(partition: Partition, exc: BaseException) -> PartitionResult:
    """A task that failed as a whole (a worker died, ...): every one of its inputs is a failure, and no output
    of any of them stands (a partial rename by an earlier attempt is removed)."""
    for output in partition.outputs:
        if output is not None:
            output.unlink(missing_ok=True)
    reason = f"task failed on the cluster: {type(exc).__name__}: {exc}"
    return PartitionResult(partition, len(partition.sources), tuple((s.name, reason) for s in partition.sources))


def run_plan(
    plan: batch.Plan,
    client: Client,
    *,
    files_per_partition: int = FILES_PER_PARTITION_DEFAULT,
    batch_documents: int = batch.BATCH_DOCUMENTS_DEFAULT,
    batch_bytes: int = batch.BATCH_BYTES_DEFAULT,
) -> Iterator[PartitionResult]:
    """Run a checked plan (:func:`chromecut.io.batch.plan`) on a cluster; yield each partition's result in input
    order, a bounded number of partitions in flight.

    A :class:`chromecut.io.batch.ModelError` on a worker (a shipped bundle it cannot load) stops the run; any other
    failure of a whole task fails that task's inputs only.
    """
    work = partitions(plan, files_per_partition)
    model = ship(plan.settings.model)
    shipped = client.scatter(model, broadcast=True) if model is not None else None
    threads = max(sum(client.nthreads().values()), 1)
    pending: deque[tuple[Partition, Future[PartitionResult]]] = deque()

    def collect() -> PartitionResult:
        partition, future = pending.popleft()
        try:
            result: PartitionResult = future.result()
        except batch.ModelError:
            raise
        except Exception as exc:
            return _failed_partition(partition, exc)
        finally:
            future.release()
        return result

    try:
        for partition in work:
            future = client.submit(run_partition, partition, plan.settings, shipped, pure=False,
                                   batch_documents=batch_documents, batch_bytes=batch_bytes)
            pending.append((partition, future))
            if len(pending) >= threads * IN_FLIGHT_PER_THREAD:
                yield collect()
        while pending:
            yield collect()
    finally:
        for _, future in pending:
            future.cancel()


@contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of a new :class:`distributed.LocalCluster` of ``workers``
    single-threaded worker processes (one per core when ``None``), closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler)
        except OSError as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    n_workers = workers or os.cpu_count() or 1
    with (LocalCluster(n_workers=n_workers, threads_per_worker=THREADS_PER_WORKER, processes=True,
                       dashboard_address=DASHBOARD_ADDRESS) as cluster,
          Client(cluster) as client):
        yield client


# --- Collections: bags and data frames (the public API: clean_bag, clean_dataframe) ---------------------------


#: An element of a bag to clean: a page (bytes or text), or a record ``{"id", "html" | "text"}``.
Page = str | bytes | Mapping[str, Any]


def as_document(element: Page, name: str, kind: DocumentKind | None = None) -> Document | InputFailure:
    """A bag element as a document. A page is read as ``kind`` (sniffed like the CLI's plain inputs when
    ``None``) and named ``name``; a record is named and identified by its ``id``."""
    if isinstance(element, str | bytes):
        return Document(name, element, kind or sniff_kind(element), record_id=name)
    if not isinstance(element, Mapping):
        return InputFailure(name, f"expected a page or a record, got {type(element).__name__}")
    record_id = element.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        return InputFailure(name, "a record needs an 'id' (a string or an integer)")
    present = [column for column in PAGE_COLUMNS if column in element]
    if len(present) != 1:
        return InputFailure(str(record_id), f"record {record_id!r} needs exactly one of 'html' and 'text'")
    page = element[present[0]]
    if not isinstance(page, str | bytes):
        return InputFailure(str(record_id), f"'{present[0]}' must be a string, got {type(page).__name__}")
    return Document(str(record_id), page, present[0], record_id=record_id)


def clean_records(
    elements: Sequence[Page],
    settings: batch.Settings,
    model: ShippedModel | None,
    *,
    names: Sequence[str],
    ids: Sequence[Any],
    kind: DocumentKind | None = None,
    batch_documents: int = batch.BATCH_DOCUMENTS_DEFAULT,
) -> list[dict[str, Any]]:
    """Clean pages on a worker: one ``{"id", "text", "error"}`` per element, in order; a page that fails gets
    its ``error`` and an empty text, and never stops the others."""
    processor = worker_processor(settings, model)
    out: list[dict[str, Any]] = []
    documents = [as_document(element, name, kind) for element, name in zip(elements, names, strict=True)]
    for start in range(0, len(documents), batch_documents):
        chunk = documents[start : start + batch_documents]
        for outcome, record_id in zip(processor.process(chunk), ids[start : start + batch_documents], strict=True):
            text = ""
            if outcome.output is not None:  # the CLI's JSON record of the document: the same text, by construction
                text = json.loads(outcome.output)["text"]
            out.append({"id": record_id, "text": text, "error": outcome.error})
    return out


def _record_id(element: Page, default: str) -> Any:
    if isinstance(element, Mapping) and isinstance(element.get("id"), str | int):
        return element["id"]
    return default


def clean_bag(
    pages: dask.bag.Bag,
    model: str | os.PathLike[str] = "html",
    *,
    threshold: float | None = None,
    kind: DocumentKind | None = None,
    batch_documents: int = batch.BATCH_DOCUMENTS_DEFAULT,
    predictor: Predictor = PREDICTOR_DEFAULT,
    reflow: bool = True,
) -> dask.bag.Bag:
    """Clean a bag of pages lazily: one ``{"id", "text", "error"}`` per element, in order.

    Parameters
    ----------
    pages:
        Pages (``str`` or ``bytes``) or records ``{"id", "html" | "text"}`` (JSON Lines records:
        ``dask.bag.read_text("shards/*.jsonl").map(json.loads)``). A page without a record gets the id
        ``"<partition>:<position>"``.
    model:
        ``html`` / ``text`` (the shipped bundles), a bundle folder or an MLflow model URI, resolved here, on the
        client, and sent to the workers once (each loads it once).
    threshold:
        Decision threshold; the bundle's own when ``None``.
    kind:
        How a page (not a record) is read: ``html``, ``text``, or sniffed like the CLI's inputs when ``None``.
    batch_documents:
        Pages featurised together.
    predictor:
        ``lightgbm``, or ``compiled``: each worker runs the trees as native code (:mod:`chromecut.model.compiled`,
        compiled once per machine and cached there).
    reflow:
        A hard-wrapped text page is scored by its paragraphs (:mod:`chromecut.segment.reflow`); ``False`` scores
        its lines one by one.

    ``text`` is what ``chromecut clean`` writes for the page (its content lines joined by ``\\n``); a page that
    fails has an empty ``text`` and its ``error``, as ``chromecut clean`` would report it.

    Examples
    --------
    >>> import json, dask.bag as db  # doctest: +SKIP
    >>> from chromecut.io.dask import clean_bag  # doctest: +SKIP
    >>> pages = db.read_text("shards/*.jsonl").map(json.loads)  # doctest: +SKIP
    >>> clean_bag(pages, model="html").map(json.dumps).to_textfiles("cleaned/*.jsonl")  # doctest: +SKIP
    """
    import dask.bag
    from dask import delayed

    settings, shipped = _prepare_model(model, threshold, predictor, reflow)

    def clean_partition(elements: Iterable[Page], index: Iterable[int], model_files: Any) -> list[dict[str, Any]]:
        (partition,) = list(index)
        items = list(elements)
        names = [f"{partition}:{position}" for position in range(len(items))]
        ids = [_record_id(item, name) for item, name in zip(items, names, strict=True)]
        return clean_records(items, settings, _shipped(model_files), names=names, ids=ids, kind=kind,
                             batch_documents=batch_documents)

    indices = dask.bag.from_sequence(range(pages.npartitions), npartitions=pages.npartitions)
    cleaned: dask.bag.Bag = pages.map_partitions(clean_partition, indices,
                                                 delayed(shipped, pure=True) if shipped else None)
    return cleaned


def _shipped(value: Any) -> ShippedModel | None:
    """The model a task was given (Dask has computed the delayed value by then)."""
    return value if isinstance(value, ShippedModel) else None


def _prepare_model(
    model: str | os.PathLike[str], threshold: float | None, predictor: Predictor = PREDICTOR_DEFAULT,
    reflow: bool = True,
) -> tuple[batch.Settings, ShippedModel | None]:
    """Resolve a model on the client and check it loads; the settings and files the workers need."""
    from chromecut.predict import SHIPPED_BUNDLES, resolve_model

    name = str(model)
    local = name if name in SHIPPED_BUNDLES else str(resolve_model(model))
    batch.load_cleaner(local, threshold)  # fail here, not on every worker (which compile for their own CPU)
    settings = batch.Settings(task="clean", model=local, threshold=threshold, predictor=predictor, reflow=reflow)
    return settings, ship(local)


def clean_dataframe(
    frame: dask.dataframe.DataFrame,
    model: str | os.PathLike[str] = "html",
    *,
    column: DocumentKind | None = None,
    id_column: str | None = "id",
    threshold: float | None = None,
    batch_documents: int = batch.BATCH_DOCUMENTS_DEFAULT,
    predictor: Predictor = PREDICTOR_DEFAULT,
    reflow: bool = True,
) -> dask.dataframe.DataFrame:
    """Clean the pages of a Dask DataFrame lazily: a frame with the same index and the columns ``id``, ``text``
    and ``error`` (``None`` when the page was cleaned), like the MLflow pyfunc's output without the labels.

    Parameters
    ----------
    frame:
        One page per row in an ``html`` or ``text`` column (read as that kind).
    model, threshold, batch_documents, predictor, reflow:
        As in :func:`clean_bag`.
    column:
        The page column; ``html`` if there is one, else ``text``, when ``None``.
    id_column:
        The column of page ids (the row's index label when the frame has no such column).
    """
    import pandas as pd
    from dask import delayed

    page_column = column or next((c for c in PAGE_COLUMNS if c in frame.columns), None)
    if page_column is None or page_column not in frame.columns:
        raise ValueError(f"the frame needs a page column, one of {PAGE_COLUMNS}; got {list(frame.columns)}")
    if page_column not in PAGE_COLUMNS:
        raise ValueError(f"column must be one of {PAGE_COLUMNS}, not {page_column!r}")
    settings, shipped = _prepare_model(model, threshold, predictor, reflow)
    kind: DocumentKind = "html" if page_column == "html" else "text"
    meta = pd.DataFrame({"id": pd.Series(dtype=object), "text": pd.Series(dtype=object),
                         "error": pd.Series(dtype=object)})

    def clean_part(part: pd.DataFrame, shipped_model: Any) -> pd.DataFrame:
        ids = part[id_column].tolist() if id_column and id_column in part.columns else part.index.tolist()
        names = [str(i) for i in ids]
        pages = [page if isinstance(page, str | bytes) else "" for page in part[page_column].tolist()]
        rows = clean_records(pages, settings, _shipped(shipped_model), names=names, ids=ids,
                             kind=kind, batch_documents=batch_documents)
        return pd.DataFrame(rows, index=part.index, columns=list(RESULT_COLUMNS))

    cleaned: dask.dataframe.DataFrame = frame.map_partitions(
        clean_part, delayed(shipped, pure=True) if shipped else None, meta=meta)
    return cleaned
