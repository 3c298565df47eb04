"""Text mode on dumps beyond the data step's renderers, on test pages after the quality gate's sample:

- **another extractor's output**: each peer's main text (``chromecut.evaluate.peers``: trafilatura as the
  leave-one-dataset-out tables run it (comments left out), resiliparse's main content, readability-lxml, boilerpy3,
  jusText), scored as the peer leaves it and after chromecut cleans it again in text mode (the Markdown model for
  a dump written in Markdown, as ``chromecut clean`` picks; the text model for any other, even one that sniffs as
  HTML). What a pipeline that runs chromecut after another tool gets;
- **one-line dumps**: the whole page's text on one line, as trafilatura's ``html2txt`` writes it and as
  ``get_text(" ", strip=True)`` does (here BeautifulSoup's lines joined by spaces). A line that holds at least half
  of its page's characters is kept whatever its probability (``chromecut.model.decision.DOMINANT_SHARE``), so such a
  dump is returned whole; the ``split`` column scores a prototype that is not built in: the line cut after each
  sentence end (and at ``|``, ``·``, ``»`` separators), the pieces cleaned as lines of a dump, the kept pieces joined.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/more_dumps.py --beyond 100 --out outputs/more-dumps.json

Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from chromecut.datasets.renderers import RenderError, render
from chromecut.evaluate import quality
from chromecut.evaluate.peer_scores import score_page
from chromecut.evaluate.peers import PEERS, extract_decoded, warm_up
from chromecut.io.batch import shipped_model_for
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text

#: Where the prototype cuts a one-line dump: after a sentence end (closing quotes and brackets kept with it), and
#: at a separator between spaces.
PIECE_BREAK = re.compile(r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+|\s+[|·•»›]\s+")


def pieces(line: str) -> list[str]:
    """The prototype's pieces of a one-line dump (see the module's docstring)."""
    return [piece.strip() for piece in PIECE_BREAK.split(line) if piece.strip()]


def one_line_dumps() -> dict[str, Callable[[str], str]]:
    """Name -> ``html -> the page's text on one line``."""
    return {
        "trafilatura-html2txt": lambda html: render("trafilatura-html2txt", html),
        "bs4-space-joined": lambda html: " ".join(render("bs4-lines", html).split()),
    }


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--beyond", type=int, default=100, metavar="N",
                        help="the next N test pages of each dataset after the gate's sample")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = quality.sample_beyond(args.beyond, baseline.pages_per_dataset)
    pages = [page for chosen in sample.pages.values() for page in chosen]
    cleaners = {model: Cleaner.load(model) for model in ("text", "markdown")}
    warm_up(PEERS)
    extracted: dict[str, dict[str, list[float]]] = {peer: {"as_is": [], "cleaned": []} for peer in PEERS}
    one_line: dict[str, dict[str, list[float]]] = {name: {"as_is": [], "split": []} for name in one_line_dumps()}
    for page in pages:
        html = decode_text(page.html, page.encoding_hint)
        for peer in PEERS:
            text, error = extract_decoded(peer, html, page.language)
            before = score_page(text, page)
            if error is not None or before is None or not text.strip():
                continue
            model = "markdown" if shipped_model_for(text) == "markdown" else "text"
            after = score_page(cleaners[model].clean(text), page)
            extracted[peer]["as_is"].append(before.f1)
            extracted[peer]["cleaned"].append(after.f1 if after is not None else 0.0)
        for name, make in one_line_dumps().items():
            try:
                line = make(html)
            except RenderError:
                continue
            whole = score_page(cleaners["text"].clean(line), page)
            if whole is None or not line.strip():
                continue
            split = score_page(cleaners["text"].clean("\n".join(pieces(line))), page)
            one_line[name]["as_is"].append(whole.f1)
            one_line[name]["split"].append(split.f1 if split is not None else 0.0)
    print(f"{len(pages)} test pages after the gate's sample; mean page F1")
    print(f"{'extractor':<22} {'pages':>6} {'as it leaves it':>16} {'cleaned again':>14}")
    for peer, values in extracted.items():
        print(f"{peer:<22} {len(values['as_is']):>6} {_mean(values['as_is'])!s:>16} {_mean(values['cleaned'])!s:>14}")
    print(f"{'one-line dump':<22} {'pages':>6} {'as it comes':>16} {'split':>14}")
    for name, values in one_line.items():
        print(f"{name:<22} {len(values['as_is']):>6} {_mean(values['as_is'])!s:>16} {_mean(values['split'])!s:>14}")
    if args.out:
        report = {"beyond": args.beyond, "pages": len(pages),
                  "extracted": {peer: {"pages": len(v["as_is"]), "page_f1": _mean(v["as_is"]),
                                       "page_f1_cleaned": _mean(v["cleaned"])} for peer, v in extracted.items()},
                  "one_line": {name: {"pages": len(v["as_is"]), "page_f1": _mean(v["as_is"]),
                                      "page_f1_split": _mean(v["split"])} for name, v in one_line.items()}}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
