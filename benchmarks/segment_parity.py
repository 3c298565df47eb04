"""Hold the Rust core's HTML segmentation to the Python reference on the datasets' pages.

For every page of every dataset (up to ``--pages`` each), segments with both and compares the line lists field by
field (text, tag, heading, list_item, depth, link_chars, link_count, attr_words, landmarks), plus title, language
and encoding. Prints, per dataset, how many pages are identical, and for the others the kinds of difference (the
first differing field of the first differing line); ``--examples FILE`` writes the differing pages' first
differing lines as JSON lines for inspection.

    .venv/bin/python benchmarks/segment_parity.py --pages 400 --examples /tmp/parity.jsonl
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import sys
from typing import Any

from chromecut.datasets import DATASETS, iter_pages
from chromecut.segment import native
from chromecut.segment.html import MARKUP_FIELDS, Segmentation, segment_html_python

FIELDS = ("text", *MARKUP_FIELDS)


def difference(ref: Segmentation, got: Segmentation) -> tuple[str, dict[str, Any]] | None:
    """The kind of the first difference between two segmentations, with its detail; ``None`` when identical."""
    for i, (a, b) in enumerate(zip(ref.lines, got.lines, strict=False)):
        for name in FIELDS:
            if getattr(a, name) != getattr(b, name):
                return name, {"line": i, "field": name, "python": getattr(a, name), "rust": getattr(b, name),
                              "python_text": a.text[:200], "rust_text": b.text[:200]}
    if len(ref.lines) != len(got.lines):
        extra = ref.lines[len(got.lines):] or got.lines[len(ref.lines):]
        return "line_count", {"python": len(ref.lines), "rust": len(got.lines),
                              "extra": [x.text[:200] for x in extra[:3]]}
    for name in ("title", "language", "encoding"):
        if getattr(ref, name) != getattr(got, name):
            return name, {"python": getattr(ref, name), "rust": getattr(got, name)}
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400, help="pages per dataset (0: all)")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--examples", help="write the differing pages as JSON lines here")
    args = parser.parse_args(argv)
    if not native.available():
        print("chromecut._core is not built (pip install -e .)", file=sys.stderr)
        return 2
    examples: list[str] = []
    total = same = 0
    kinds_all: collections.Counter[str] = collections.Counter()
    print(f"{'dataset':24} {'pages':>6} {'identical':>9}  differences")
    for name in args.datasets:
        pages = iter_pages(name)
        if args.pages:
            pages = itertools.islice(pages, args.pages)
        n = ok = 0
        kinds: collections.Counter[str] = collections.Counter()
        for page in pages:
            n += 1
            ref: Segmentation | Exception
            try:
                ref = segment_html_python(page.html, encoding_hint=page.encoding_hint)
            except Exception as error:  # the reference never raises without limits; counted if it does
                ref = error
            (got,) = native.segment_html_pages([page.html], [page.encoding_hint])
            if isinstance(ref, Exception) or isinstance(got, Exception):
                kind, detail = "failure", {"python": repr(ref)[:200], "rust": repr(got)[:200]}
                diff: tuple[str, dict[str, Any]] | None = (kind, detail) if type(ref) is not type(got) else None
            else:
                diff = difference(ref, got)
            if diff is None:
                ok += 1
                continue
            kinds[diff[0]] += 1
            if args.examples:
                examples.append(json.dumps({"dataset": name, "page": page.page_id, "kind": diff[0], **diff[1]},
                                           ensure_ascii=False, default=str) + "\n")
        total += n
        same += ok
        kinds_all.update(kinds)
        detail = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
        print(f"{name:24} {n:6d} {ok:9d}  {detail}", flush=True)
    if args.examples:
        with open(args.examples, "w", encoding="utf-8") as out:
            out.writelines(examples)
    share = same / total if total else 0.0
    print(f"{'all':24} {total:6d} {same:9d}  ({share:.2%} identical) "
          + ", ".join(f"{k} {v}" for k, v in kinds_all.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
