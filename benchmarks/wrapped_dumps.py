"""Text mode on hard-wrapped dumps: page F1 with the dumps' paragraphs scored whole (``reflow``, the default) and
line by line (``Cleaner(..., reflow=False)``), on test pages after the quality gate's sample.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/wrapped_dumps.py --beyond 100
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/wrapped_dumps.py --speed resiliparse   # the cost of looking

Each page is rendered by each renderer the quality gate scores, as it comes (``html2text-wrapped`` among them:
html2text at its own default width, 78; for the others, how often a dump that is not wrapped is taken for one: the
``fired`` column, and its page F1 both ways), then wrapped at each width the way ``fmt``, ``textwrap`` and ``lynx
-dump`` wrap (greedy, long words kept whole), and laid out as ``lynx -dump`` lays out a page (resiliparse's dumps
indented, bulleted and wrapped at 76). Each dump gets the
shipped model ``chromecut clean`` picks for it (:func:`chromecut.io.batch.shipped_model_for`: the Markdown model
for Markdown). The seconds spent in ``Cleaner.clean`` are summed per dump and reading, so the ``pages/s`` columns
of the dumps as they come show what looking for a wrap costs one page at a time; ``--speed RENDERER`` times
instead the shipped text model on that renderer's dumps of the gate's and the next pages as they come, in
batches (``Cleaner.clean_pages``), both readings in turns. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from chromecut.datasets.renderers import RenderError, render
from chromecut.evaluate import quality
from chromecut.evaluate.peer_scores import score_page
from chromecut.io.batch import shipped_model_for
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import segment_text
from chromecut.segment.reflow import text_blocks

#: Widths the plain dumps are wrapped at: a narrow column, ``fmt``'s and mail's 72, a terminal's 80, a wide one.
WIDTHS_DEFAULT = (60, 72, 80, 100)
#: The renderers whose dumps are wrapped (plain text, one block per line as they come).
WRAPPED_RENDERERS_DEFAULT = ("chromecut", "resiliparse", "inscriptis", "html-text", "bs4-lines")
#: ``lynx -dump``'s layout, imitated on resiliparse's dumps: its width, each paragraph indented by three spaces,
#: a list item's bullet by five and its further lines by seven.
LYNX_WIDTH = 76
LYNX_INDENT = "   "
LYNX_BULLET = "     * "
LYNX_ITEM_INDENT = "       "
#: The bullet resiliparse's dumps give list items.
RESILIPARSE_BULLET = "• "
#: ``--speed``: pages per ``clean_pages`` call, and how many times each reading cleans all the dumps.
SPEED_BATCH = 16
SPEED_REPEATS = 5


def wrap(dump: str, width: int) -> str:
    """Every line of ``dump`` longer than ``width`` broken greedily at spaces (long words whole), as ``fmt`` does."""
    out: list[str] = []
    for line in dump.split("\n"):
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(textwrap.wrap(line, width=width, break_long_words=False, break_on_hyphens=False) or [""])
    return "\n".join(out)


def lynx_like(dump: str, width: int = LYNX_WIDTH) -> str:
    """A dump laid out as ``lynx -dump`` lays out a page: paragraphs indented, list items bulleted, both wrapped."""
    out: list[str] = []
    for line in dump.split("\n"):
        text = line.strip()
        if not text:
            out.append("")
        elif text.startswith(RESILIPARSE_BULLET):
            out.extend(textwrap.wrap(text[len(RESILIPARSE_BULLET):], width, initial_indent=LYNX_BULLET,
                                     subsequent_indent=LYNX_ITEM_INDENT, break_long_words=False))
        else:
            out.extend(textwrap.wrap(text, width, initial_indent=LYNX_INDENT, subsequent_indent=LYNX_INDENT,
                                     break_long_words=False))
    return "\n".join(out)


def variants(renderers: Sequence[str], wrapped: Sequence[str], widths: Sequence[int]
             ) -> dict[str, tuple[str, Callable[[str], str]]]:
    """Name -> (the renderer it starts from, ``dump -> text``)."""
    out: dict[str, tuple[str, Callable[[str], str]]] = {name: (name, lambda dump: dump) for name in renderers}
    for name in wrapped:
        for width in widths:
            out[f"{name}@{width}"] = (name, lambda dump, width=width: wrap(dump, width))
    if "resiliparse" in renderers:
        out[f"resiliparse-lynx@{LYNX_WIDTH}"] = ("resiliparse", lynx_like)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--beyond", type=int, default=100, metavar="N",
                        help="the next N test pages of each dataset after the gate's sample")
    parser.add_argument("--widths", type=int, nargs="+", default=list(WIDTHS_DEFAULT))
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument("--speed", metavar="RENDERER", default=None,
                        help="only time the text model on this renderer's dumps, with and without reflow")
    args = parser.parse_args(argv)
    if args.speed:
        speed(args.speed, args.beyond)
        return
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = quality.sample_beyond(args.beyond, baseline.pages_per_dataset)
    pages = [page for chosen in sample.pages.values() for page in chosen]
    renderers = ("chromecut", *quality.gate_renderers())
    wrapped = [name for name in WRAPPED_RENDERERS_DEFAULT if name in renderers]
    cleaners = {(model, reflow): Cleaner.load(model, reflow=reflow)
                for model in ("text", "markdown") for reflow in (False, True)}
    for cleaner in cleaners.values():  # load each model's trees before the clock runs
        cleaner.clean("Home\nNews")
    named = variants(renderers, wrapped, args.widths)
    f1: dict[str, dict[bool, list[float]]] = {name: {False: [], True: []} for name in named}
    fired = dict.fromkeys(named, 0)
    seconds: dict[str, dict[bool, float]] = {name: {False: 0.0, True: 0.0} for name in named}
    for page in pages:
        html = decode_text(page.html, page.encoding_hint)
        dumps: dict[str, str] = {}
        for source in {source for source, _ in named.values()}:
            try:
                dumps[source] = render(source, html)
            except RenderError:
                continue
        for name, (source, make) in named.items():
            if source not in dumps:
                continue
            text = make(dumps[source])
            model = "markdown" if shipped_model_for(text) == "markdown" else "text"
            fired[name] += text_blocks(segment_text(text)) is not None
            for reflow in (False, True):
                started = time.perf_counter()
                clean = cleaners[model, reflow].clean(text)
                seconds[name][reflow] += time.perf_counter() - started
                prf = score_page(clean, page)
                f1[name][reflow].append(prf.f1 if prf is not None else 0.0)
    rows = {name: {"pages": len(values[False]), "reflow_fired": fired[name],
                   "page_f1_line_by_line": round(float(np.mean(values[False])), 4) if values[False] else None,
                   "page_f1_reflow": round(float(np.mean(values[True])), 4) if values[True] else None,
                   "pages_per_second_line_by_line": _rate(len(values[False]), seconds[name][False]),
                   "pages_per_second_reflow": _rate(len(values[True]), seconds[name][True])}
            for name, values in f1.items()}
    print(f"{len(pages)} test pages after the gate's sample")
    print(f"{'dump':<26} {'pages':>6} {'fired':>6} {'line by line':>13} {'reflow':>8} {'pages/s':>9} {'reflow':>9}")
    for name, row in rows.items():
        print(f"{name:<26} {row['pages']:>6} {row['reflow_fired']:>6} {row['page_f1_line_by_line']!s:>13} "
              f"{row['page_f1_reflow']!s:>8} {row['pages_per_second_line_by_line']!s:>9} "
              f"{row['pages_per_second_reflow']!s:>9}")
    if args.out:
        args.out.write_text(json.dumps({"beyond": args.beyond, "pages": len(pages), "dumps": rows}, indent=2) + "\n",
                            encoding="utf-8")


def speed(renderer: str, beyond: int) -> None:
    """Pages/s of the shipped text model on ``renderer``'s dumps as they come, in batches, with and without reflow
    (each reading's median over :data:`SPEED_REPEATS` passes, the two in turns)."""
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = quality.gate_sample(None, baseline.pages_per_dataset + beyond)
    dumps: list[str | bytes] = []
    for page in (page for chosen in sample.pages.values() for page in chosen):
        try:
            dumps.append(render(renderer, decode_text(page.html, page.encoding_hint)))
        except RenderError:
            continue
    cleaners = {reflow: Cleaner.load("text", reflow=reflow) for reflow in (False, True)}
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(SPEED_REPEATS):
        for reflow, cleaner in cleaners.items():
            started = time.perf_counter()
            for at in range(0, len(dumps), SPEED_BATCH):
                cleaner.clean_pages(dumps[at:at + SPEED_BATCH])
            rates[reflow].append(len(dumps) / (time.perf_counter() - started))
    print(f"{len(dumps)} {renderer} dumps, batches of {SPEED_BATCH}, median of {SPEED_REPEATS} passes")
    for reflow, values in rates.items():
        print(f"{'reflow' if reflow else 'line by line':<13} {float(np.median(values)):8.1f} pages/s  "
              + " ".join(f"{value:.0f}" for value in values))


def _rate(pages: int, seconds: float) -> float | None:
    return round(pages / seconds, 1) if seconds > 0 else None


if __name__ == "__main__":
    main()
