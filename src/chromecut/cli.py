"""The ``chromecut`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chromecut.datasets import DATASETS

PROCESSED_DIR_DEFAULT = Path("data/processed")
EXIT_OK = 0
EXIT_USAGE = 2


def _dataset_list(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown dataset(s) {unknown}; known: {', '.join(DATASETS)}")
    return names


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chromecut", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="prepare the labelled line table from the datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    prep = data_commands.add_parser("prepare", help="segment and label every page; write Parquet tables")
    prep.add_argument("--root", type=Path, default=None,
                      help="dataset folder (default: $CHROMECUT_DATASETS or ../shared/datasets)")
    prep.add_argument("--out", type=Path, default=PROCESSED_DIR_DEFAULT, help="output folder")
    prep.add_argument("--datasets", type=_dataset_list, default=tuple(DATASETS),
                      help="comma-separated dataset names (default: all)")
    prep.add_argument("--max-pages", type=int, default=None, help="at most this many pages per dataset")
    prep.add_argument("--seed", type=int, default=None, help="split seed")
    prep.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    prep.add_argument("--json", action="store_true", help="print the report as JSON")
    rep = data_commands.add_parser("report", help="per-dataset counts and oracle scores of a prepared table")
    rep.add_argument("--out", type=Path, default=PROCESSED_DIR_DEFAULT, help="folder of the prepared table")
    rep.add_argument("--json", action="store_true", help="print JSON")
    ev = commands.add_parser("evaluate", help="leave-one-dataset-out evaluation, peers on the same pages")
    ev.add_argument("--mode", choices=("html", "text"), default="html")
    ev.add_argument("--datasets", type=_dataset_list, default=tuple(DATASETS), help="held-out datasets")
    ev.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    ev.add_argument("--no-peers", action="store_true", help="score chromecut only")
    ev.add_argument("-j", "--jobs", type=int, default=1, help="processes for the peers")
    ev.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    return parser


def _evaluate(args: argparse.Namespace) -> int:
    from chromecut.config import DataSettings, FeatureSettings, TrainSettings
    from chromecut.evaluate import leave_one_dataset_out

    settings = TrainSettings(data=DataSettings(processed_dir=str(args.processed)),
                             features=FeatureSettings(mode=args.mode))
    result = leave_one_dataset_out(settings, list(args.datasets), peers=not args.no_peers, n_jobs=args.jobs)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return EXIT_OK


def _print_report(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    header = f"{'dataset':<22}{'pages':>7}{'ok':>7}{'lines':>9}{'content':>9}{'chrome':>9}{'unknown':>9}{'oracle':>8}"
    print(header)
    for name, entry in summary["datasets"].items():
        f1 = entry["oracle_f1"]
        print(
            f"{name:<22}{entry['pages']:>7}{entry['pages_labelled']:>7}{entry['lines']:>9}"
            f"{entry['content_lines']:>9}{entry['chrome_lines']:>9}{entry['unknown_lines']:>9}"
            f"{'-' if f1 is None else f'{f1:.3f}':>8}"
        )
    if "prepare_seconds" in summary:
        print(f"prepare took {summary['prepare_seconds']} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chromecut`` console script."""
    args = _build_parser().parse_args(argv)
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "data":
        from chromecut import data

        if args.data_command == "prepare":
            kwargs: dict[str, Any] = {}
            if args.seed is not None:
                kwargs["seed"] = args.seed
            settings = data.PrepareSettings(
                out_dir=args.out, root=args.root, datasets=args.datasets, max_pages=args.max_pages,
                n_jobs=args.jobs, **kwargs,
            )
            _print_report(data.prepare(settings), args.json)
        else:
            report_file = args.out / data.REPORT_FILE
            if not (args.out / data.PAGES_FILE).exists():
                print(f"chromecut: no prepared table in {args.out}; run 'chromecut data prepare' first",
                      file=sys.stderr)
                return EXIT_USAGE
            summary = data.report(args.out)
            if report_file.exists():
                saved = json.loads(report_file.read_text(encoding="utf-8"))
                summary["prepare_seconds"] = saved.get("prepare_seconds")
            _print_report(summary, args.json)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
