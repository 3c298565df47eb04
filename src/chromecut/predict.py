"""Cleaner: load a bundle, label a page's lines, keep the content. Backs the CLI, the MLflow pyfunc and Dask.

Every input line gets exactly one label. In text mode the lines are the input split on ``\\n`` (one trailing
``\\r`` removed), blank lines included: a blank line is never content. In HTML mode the lines are the
segmented block lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from chromecut.features import line_frame
from chromecut.model import Bundle
from chromecut.segment import Segmentation, segment_html, segment_text

SHIPPED_BUNDLES = ("html", "text")
InputMode = Literal["html", "text"]


@dataclass(frozen=True, slots=True)
class LabeledLine:
    """One line of a page with its probability of being content and the decision."""

    index: int
    text: str
    p_content: float
    content: bool


def shipped_bundle_path(name: str) -> Path:
    """Folder of a bundle shipped inside the package (``html`` or ``text``)."""
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


class Cleaner:
    """Label and clean pages with a trained bundle.

    Parameters
    ----------
    bundle:
        The trained bundle.
    threshold:
        Decision threshold on the content probability; the bundle's tuned threshold when ``None``.
    """

    def __init__(self, bundle: Bundle, threshold: float | None = None) -> None:
        self.bundle = bundle
        self.threshold = bundle.threshold if threshold is None else threshold

    @classmethod
    def load(cls, model: str | os.PathLike[str] = "html", threshold: float | None = None) -> Cleaner:
        """Load ``html`` / ``text`` (the shipped bundles), a bundle folder, or an MLflow model URI."""
        return cls(Bundle.load(resolve_model(model)), threshold)

    @property
    def mode(self) -> str:
        """The input mode of the bundle (``html`` or ``text``)."""
        return self.bundle.mode

    def segment(self, page: str | bytes) -> Segmentation:
        """Lines of a page the way this cleaner's mode reads it."""
        return segment_html(page) if self.mode == "html" else segment_text(page)

    def label_segmentation(self, seg: Segmentation) -> list[LabeledLine]:
        """Labels for already segmented lines (one per line, blank lines chrome)."""
        return self.label_segmentations([seg])[0]

    def label_segmentations(self, segs: list[Segmentation]) -> list[list[LabeledLine]]:
        """Label many segmented pages in one featurisation pass (faster than one page at a time)."""
        frame = line_frame(enumerate(segs))
        probabilities = np.zeros(0)
        if len(frame):
            if self.mode == "text":
                frame = frame[["doc", "line", "text"]]
            probabilities = self.bundle.predict_proba(frame)
        by_doc: dict[int, dict[int, float]] = {}
        for doc, line, p in zip(frame["doc"].tolist(), frame["line"].tolist(), probabilities.tolist(), strict=True):
            by_doc.setdefault(doc, {})[line] = p
        out = []
        for doc, seg in enumerate(segs):
            scores = by_doc.get(doc, {})
            labeled = []
            for line in seg.lines:
                p = scores.get(line.index)
                if p is None:  # a blank line: never content, whatever the threshold
                    labeled.append(LabeledLine(line.index, line.text, 0.0, False))
                else:
                    labeled.append(LabeledLine(line.index, line.text, p, p >= self.threshold))
            out.append(labeled)
        return out

    def label(self, page: str | bytes) -> list[LabeledLine]:
        """One :class:`LabeledLine` per line of the page, in order."""
        return self.label_segmentation(self.segment(page))

    def clean(self, page: str | bytes) -> str:
        """The content lines of the page, in order, joined by newlines."""
        return "\n".join(line.text for line in self.label(page) if line.content)

    def clean_many(self, pages: Iterable[str | bytes], batch_size: int = 64) -> Iterator[str]:
        """Clean a stream of pages in batches (bounded memory: one batch in flight)."""
        batch: list[Segmentation] = []
        for page in pages:
            batch.append(self.segment(page))
            if len(batch) == batch_size:
                yield from _texts(self.label_segmentations(batch))
                batch = []
        if batch:
            yield from _texts(self.label_segmentations(batch))


def _texts(labeled_pages: list[list[LabeledLine]]) -> Iterator[str]:
    for lines in labeled_pages:
        yield "\n".join(line.text for line in lines if line.content)


def records(lines: list[LabeledLine], doc: Any) -> list[dict[str, Any]]:
    """``chromecut label`` JSON records of a page's lines."""
    return [
        {"doc": doc, "line": line.index, "text": line.text, "p_content": round(line.p_content, 4),
         "content": line.content}
        for line in lines
    ]
