"""The quality gate: the shipped bundles' page F1 on a fixed test sample of every dataset, against committed floors.

The sample is the first :data:`PAGES_PER_DATASET_DEFAULT` pages (by page id) of each dataset's test sites (the
same site split as training, so the shipped models never trained on them) whose gold can be scored. Its
fingerprint (hashes of every page's HTML and gold) is stored with the floors, so a changed sample cannot pass
unnoticed. HTML mode cleans each page's HTML; text mode cleans the page's block text (``html_to_text``, what
an extraction tool leaves), and, as ``text:<renderer>``, each installed renderer's whole-page dump
(:mod:`chromecut.datasets.renderers`; a page a renderer cannot dump is left out of its mean). The Markdown model
(``Cleaner.load("markdown")``) is scored, as ``markdown:<renderer>``, on each installed Markdown renderer's dumps. A
score may fall below its floor by at most the noise band.

``chromecut quality check`` scores and compares; ``chromecut quality raise`` lifts every floor to the score
measured now where that is higher (floors never go down through it); ``--lower`` also lets a floor go down,
and ``--new-sample`` accepts a changed sample: both are explicit decisions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chromecut.datasets import DATASETS, Page, datasets_root, iter_pages
from chromecut.datasets.prepare import split_of
from chromecut.evaluate.peer_scores import score_page
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import html_to_text

#: Test pages per dataset in the gate's sample.
PAGES_PER_DATASET_DEFAULT = 25
#: How far below its floor a score may fall (float differences across platforms and library versions).
NOISE_BAND_DEFAULT = 0.01
#: The gated models: HTML pages; block text and every renderer's dumps; Markdown renderers' dumps.
MODES = ("html", "text", "markdown")
BASELINE_FILE_DEFAULT = Path("reports/quality-floors.json")
SCHEMA = "chromecut-quality-baseline/1"
TEST_SPLIT = "test"
FLOAT_DIGITS = 4


@dataclass(frozen=True)
class GateSample:
    """The gate's pages per dataset and their fingerprint."""

    pages: dict[str, list[Page]]
    fingerprint: str


@dataclass(frozen=True)
class Baseline:
    """The committed floors: ``floors[mode][dataset]``, page F1."""

    fingerprint: str
    pages_per_dataset: int
    noise_band: float
    floors: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "fingerprint": self.fingerprint, "pages_per_dataset": self.pages_per_dataset,
                "noise_band": self.noise_band,
                "floors": {mode: dict(sorted(values.items())) for mode, values in sorted(self.floors.items())}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a quality baseline ({SCHEMA}): schema {data.get('schema')!r}")
        return cls(str(data["fingerprint"]), int(data["pages_per_dataset"]), float(data["noise_band"]),
                   {mode: {k: float(v) for k, v in values.items()} for mode, values in data["floors"].items()})


def read_baseline(path: Path) -> Baseline:
    return Baseline.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_baseline(path: Path, baseline: Baseline) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline.to_json(), indent=2) + "\n", encoding="utf-8")


def _scorable(page: Page) -> bool:
    return score_page("", page) is not None


def _page_digest(page: Page) -> str:
    gold = page.gold
    parts = [page.dataset, page.page_id, hashlib.sha256(page.html).hexdigest(), gold.kind.value, gold.text or "",
             *gold.with_snippets, "\x00", *gold.without_snippets]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(pages: dict[str, list[Page]]) -> str:
    """A hash of every sampled page's dataset, id, HTML and gold, in order."""
    digest = hashlib.sha256()
    for dataset in sorted(pages):
        for page in pages[dataset]:
            digest.update(_page_digest(page).encode())
    return digest.hexdigest()


def gate_sample(root: Path | None = None, per_dataset: int = PAGES_PER_DATASET_DEFAULT,
                datasets: Iterable[str] = DATASETS) -> GateSample:
    """The first ``per_dataset`` scorable pages (by page id) of each dataset's test sites."""
    pages: dict[str, list[Page]] = {}
    for name in datasets:
        tested = [page for page in iter_pages(name, datasets_root(root))
                  if split_of(page.domain) == TEST_SPLIT and _scorable(page)]
        pages[name] = sorted(tested, key=lambda page: page.page_id)[:per_dataset]
    return GateSample(pages, fingerprint(pages))


def sample_beyond(beyond: int, per_dataset: int, root: Path | None = None) -> GateSample:
    """The next ``beyond`` test pages of each dataset after the gate's sample of ``per_dataset`` pages, in the same
    order and none of the gate's (a dataset with none left is left out): pages a candidate was not chosen on."""
    chosen = {name: pages[per_dataset:] for name, pages in gate_sample(root, per_dataset + beyond).pages.items()}
    pages = {name: found for name, found in chosen.items() if found}
    return GateSample(pages, fingerprint(pages))


#: The text-mode floors of a renderer's dumps are kept under this prefix (``text:html2text``) ...
RENDERER_MODE_PREFIX = "text:"
#: ... and the Markdown model's under this one (``markdown:html2text``).
MARKDOWN_MODE_PREFIX = "markdown:"


#: Renderers outside the default selection that the gate scores as well: a hard-wrapped dump (html2text at its
#: default width), which no model learns from but text mode must read by paragraph.
GATE_OPTIONAL_RENDERERS = ("html2text-wrapped",)


def _gated(names: tuple[str, ...]) -> tuple[str, ...]:
    """The installed default renderers, then the installed ones of :data:`GATE_OPTIONAL_RENDERERS`."""
    from chromecut.datasets.renderers import is_available

    return names + tuple(name for name in GATE_OPTIONAL_RENDERERS if is_available(name))


def gate_renderers() -> tuple[str, ...]:
    """The renderers the gate scores text mode on: the installed default ones but chromecut's own segmentation,
    which the ``text`` floors already hold, and :data:`GATE_OPTIONAL_RENDERERS`."""
    from chromecut.datasets.renderers import available_renderers

    return _gated(tuple(name for name in available_renderers() if name != "chromecut"))


def gate_markdown_renderers() -> tuple[str, ...]:
    """The installed renderers whose dumps are Markdown (:data:`GATE_OPTIONAL_RENDERERS` among them): the Markdown
    model's cells."""
    from chromecut.datasets.renderers import RENDERERS, available_renderers

    return tuple(name for name in _gated(available_renderers()) if RENDERERS[name].markdown)


def gate_cells(modes: Sequence[str], renderers: Sequence[str], markdown_renderers: Sequence[str]) -> list[str]:
    """The cells of ``modes``: ``html``; ``text`` and ``text:<renderer>`` per renderer; ``markdown:<renderer>``
    per Markdown renderer."""
    cells: list[str] = []
    for mode in modes:
        if mode == "html":
            cells.append(mode)
        elif mode == "text":
            cells.extend([mode, *(RENDERER_MODE_PREFIX + name for name in renderers)])
        elif mode == "markdown":
            cells.extend(MARKDOWN_MODE_PREFIX + name for name in markdown_renderers)
        else:
            raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    return cells


def mode_input(mode: str, page: Page, decoded: str) -> str | bytes | None:
    """What a mode's cleaner gets of a page (``decoded``: its HTML as text): its HTML, its block text, or a
    renderer's dump (``None`` when the renderer cannot dump it)."""
    if mode == "html":
        return page.html
    if mode == "text":
        return html_to_text(decoded)
    from chromecut.datasets.renderers import RenderError, render

    try:
        return render(mode.split(":", 1)[1], decoded)
    except RenderError:
        return None


def page_f1s(sample: GateSample, models: dict[str, str] | None = None, renderers: Sequence[str] | None = None,
             modes: Sequence[str] = MODES, markdown_renderers: Sequence[str] | None = None,
             ) -> dict[str, dict[str, list[float]]]:
    """Page F1 of every page per cell (:func:`gate_cells` of ``modes``) and dataset of the ``models`` (default:
    the shipped bundles) on the sample (0 for a page scored empty): text mode also on each renderer's dumps
    (default: :func:`gate_renderers`), the Markdown model on each Markdown renderer's (default:
    :func:`gate_markdown_renderers`), leaving out the pages a renderer cannot dump."""
    from chromecut.predict import Cleaner

    scores: dict[str, dict[str, list[float]]] = {}
    cells = gate_cells(modes, gate_renderers() if renderers is None else renderers,
                       gate_markdown_renderers() if markdown_renderers is None else markdown_renderers)
    decoded = {(page.dataset, page.page_id): decode_text(page.html, page.encoding_hint)
               for pages in sample.pages.values() for page in pages}
    # A renderer's dumps that two cells clean (text:html2text and markdown:html2text) are rendered once.
    uses = Counter(cell.partition(":")[2] for cell in cells if ":" in cell)
    dumps: dict[tuple[str, str, str], str | bytes | None] = {}
    for mode in cells:
        model, _, renderer = mode.partition(":")  # renderer "" for HTML mode, which cleans the page itself
        cleaner = Cleaner.load((models or {}).get(model, model))
        per_dataset: dict[str, list[float]] = {}
        for dataset, pages in sample.pages.items():
            values = []
            for page in pages:
                key = (renderer, page.dataset, page.page_id)
                if key in dumps:
                    given = dumps[key]
                else:
                    given = mode_input(mode, page, decoded[page.dataset, page.page_id])
                    if uses[renderer] > 1:
                        dumps[key] = given
                if given is None:
                    continue
                text = cleaner.clean(given, encoding_hint=page.encoding_hint) if mode == "html" \
                    else cleaner.clean(given)
                prf = score_page(text, page)
                values.append(prf.f1 if prf is not None else 0.0)
            if values:
                per_dataset[dataset] = values
        scores[mode] = per_dataset
    return scores


def score_modes(sample: GateSample, models: dict[str, str] | None = None, renderers: Sequence[str] | None = None,
                markdown_renderers: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    """Mean page F1 per cell and dataset (:func:`page_f1s`), what the floors hold."""
    return {mode: {dataset: round(sum(values) / len(values), FLOAT_DIGITS) for dataset, values in per.items()}
            for mode, per in page_f1s(sample, models, renderers, markdown_renderers=markdown_renderers).items()}


@dataclass(frozen=True)
class Verdict:
    """What the gate found: each score below its floor minus the band, and missing floors."""

    failures: list[str]
    missing: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.missing


def compare(baseline: Baseline, scores: dict[str, dict[str, float]], sample_fingerprint: str) -> Verdict:
    """Every score against its floor; a changed sample fails outright."""
    failures: list[str] = []
    if sample_fingerprint != baseline.fingerprint:
        failures.append(f"the test sample changed (fingerprint {sample_fingerprint[:12]} != baseline "
                        f"{baseline.fingerprint[:12]}): re-baseline with chromecut quality raise --new-sample")
    missing: list[str] = []
    for mode, per_dataset in sorted(scores.items()):
        for dataset, score in sorted(per_dataset.items()):
            floor = baseline.floors.get(mode, {}).get(dataset)
            if floor is None:
                missing.append(f"{mode}/{dataset}: no floor (score {score:.4f})")
            elif score < floor - baseline.noise_band:
                failures.append(f"{mode}/{dataset}: page F1 {score:.4f} < floor {floor:.4f} - "
                                f"{baseline.noise_band}")
    return Verdict(failures, missing)


def raised(baseline: Baseline | None, scores: dict[str, dict[str, float]], sample_fingerprint: str,
           *, lower: bool = False, new_sample: bool = False, pages_per_dataset: int = PAGES_PER_DATASET_DEFAULT,
           noise_band: float = NOISE_BAND_DEFAULT) -> Baseline:
    """The baseline with each floor lifted to the score measured now when that is higher (or set to it when
    ``lower``). A new baseline (none yet) takes the scores as they are.

    Raises
    ------
    ValueError
        If the sample changed and ``new_sample`` is not given.
    """
    if baseline is None:
        return Baseline(sample_fingerprint, pages_per_dataset, noise_band, {m: dict(s) for m, s in scores.items()})
    if sample_fingerprint != baseline.fingerprint and not new_sample:
        raise ValueError("the test sample changed since the baseline: pass --new-sample to accept it")
    floors = {mode: dict(values) for mode, values in baseline.floors.items()}
    for mode, per_dataset in scores.items():
        for dataset, score in per_dataset.items():
            old = floors.setdefault(mode, {}).get(dataset)
            if old is None or score > old or lower or new_sample:
                floors[mode][dataset] = score
    return Baseline(sample_fingerprint, baseline.pages_per_dataset, baseline.noise_band, floors)


_MODE_WIDTH = 27


def _report(scores: dict[str, dict[str, float]], baseline: Baseline | None) -> str:
    lines = [f"{'mode':<{_MODE_WIDTH}} dataset                      page F1   floor"]
    for mode, per_dataset in sorted(scores.items()):
        for dataset, score in sorted(per_dataset.items()):
            floor = baseline.floors.get(mode, {}).get(dataset) if baseline else None
            lines.append(f"{mode:<{_MODE_WIDTH}} {dataset:<28} {score:7.4f} {'' if floor is None else f'{floor:7.4f}'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``chromecut quality check|raise [--baseline PATH] [--lower] [--new-sample] [--html-model M]
    [--text-model M]``; 0 pass, 1 fail."""
    parser = argparse.ArgumentParser(prog="chromecut quality", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("action", choices=("check", "raise"))
    parser.add_argument("--baseline", type=Path, default=BASELINE_FILE_DEFAULT, help="the committed floors")
    parser.add_argument("--root", type=Path, default=None, help="dataset folder (default: $CHROMECUT_DATASETS)")
    parser.add_argument("--lower", action="store_true", help="raise: let floors go down to today's scores")
    parser.add_argument("--new-sample", action="store_true", help="raise: accept a changed test sample")
    for mode in MODES:
        parser.add_argument(f"--{mode}-model", metavar="M", default=mode,
                            help=f"check: the {mode} model gated (a bundle folder or an MLflow URI; default the "
                                 "shipped one); floors are raised from the shipped bundles only")
    args = parser.parse_args(argv)
    models = {mode: str(getattr(args, f"{mode}_model")) for mode in MODES}
    if args.action == "raise" and any(model != mode for mode, model in models.items()):
        parser.error("raise scores the shipped bundles: ship a candidate first (make train), then raise")
    baseline = read_baseline(args.baseline) if args.baseline.exists() else None
    per_dataset = baseline.pages_per_dataset if baseline else PAGES_PER_DATASET_DEFAULT
    started = time.perf_counter()
    sample = gate_sample(args.root, per_dataset)
    scores = score_modes(sample, models)
    print(_report(scores, baseline))
    print(f"{sum(map(len, sample.pages.values()))} pages, {time.perf_counter() - started:.1f} s")
    if args.action == "raise":
        try:
            updated = raised(baseline, scores, sample.fingerprint, lower=args.lower, new_sample=args.new_sample)
        except ValueError as exc:
            parser.error(str(exc))
        write_baseline(args.baseline, updated)
        print(f"wrote {args.baseline}")
        from chromecut.evaluate.tables import refresh_after_report

        refresh_after_report(args.baseline)
        return 0
    if baseline is None:
        parser.error(f"no baseline at {args.baseline}: create it with chromecut quality raise")
    verdict = compare(baseline, scores, sample.fingerprint)
    for problem in verdict.failures + verdict.missing:
        print(f"FAIL {problem}")
    return 0 if verdict.passed else 1
