"""The ``chromecut`` command: a thin layer over the library.

``clean`` and ``label`` clean or label documents with a trained bundle (:mod:`chromecut.io.batch`); ``data`` prepares
and reports the labelled line table; ``evaluate`` runs the leave-one-dataset-out evaluation.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chromecut.bench import cli as bench_cli
from chromecut.datasets import DATASETS
from chromecut.io import batch
from chromecut.io.inputs import INPUT_FORMATS
from chromecut.model.compiled import CACHE_ENV, PREDICTOR_DEFAULT, PREDICTORS
from chromecut.segment.limits import (
    MAX_DEPTH_DEFAULT,
    MAX_LINES_DEFAULT,
    MAX_PAGE_BYTES_DEFAULT,
    PAGE_TIMEOUT_DEFAULT,
    Limits,
)

if TYPE_CHECKING:
    from chromecut.settings import TrainSettings

PROCESSED_DIR_DEFAULT = Path("data/processed")
EXIT_OK = 0
#: Some documents failed (each named on stderr); the others were processed and written.
EXIT_FAILED = 1
EXIT_USAGE = 2
PROG = "chromecut"
#: Where ``clean`` and ``label`` run: this machine (``-j`` processes) or a Dask cluster (:mod:`chromecut.io.dask`).
ENGINES = ("local", "dask")

DESCRIPTION = "Learned line-level boilerplate removal: tell a web page's content lines from its chrome."
_INFERENCE_HELP = {
    "clean": "write the content lines (the clean text) of documents",
    "label": "write one JSON record per line of documents: its probability of being content and the decision",
}
_INPUTS_EPILOG = """\
inputs:
  HTML pages, text files, JSON Lines or WARC/WET archives; gzip is read transparently (recognised by its
  magic bytes). With --input-format auto, names ending .jsonl[.gz] are JSON Lines of records
  {"id": str|int, "html"|"text": str, optionally "url": str}; names ending .warc[.gz] or .wet[.gz] are WARC
  archives (HTML responses cleaned as HTML with their HTTP charset, conversion records as text, other records
  skipped); anything else, stdin included, is one document sniffed as HTML or text. Give --input-format
  jsonl or warc to read stdin as a container. A broken JSON line is a failed document named <file>:<line>; a damaged
  archive fails after the records read before the damage.

models:
  --model takes html, text or markdown (the shipped bundles), a bundle folder, or an MLflow model URI
  (models:/chromecut-html@champion). By default each document gets the shipped bundle of its kind: html
  for HTML, markdown for a text document written in Markdown (links [text](url), # headings, **strong**:
  html2text's, markdownify's and many scrapers' dumps), text for other text; each is loaded once, when a
  document of its kind occurs. A text model also labels HTML (its segmented lines); an html model reads
  every sniffed document as HTML and refuses text input.
"""
_OUTPUTS_EPILOG = {
    "clean": """\
outputs:
  Without --out-dir: the clean text of one html/text input (its content lines in order, newline-terminated,
  nothing when empty) on stdout. Several inputs need --out-dir, unless all are JSON Lines / WARC: their
  documents are written as JSON Lines {"id", "url" (WARC only), "text"}.
  With --out-dir DIR: DIR/<stem>.txt for an html/text input, DIR/<stem>.jsonl for a JSON Lines / WARC input.
""",
    "label": """\
outputs:
  JSON Lines, one record per line of each document, in order: {"doc", "line", "text", "p_content",
  "content"}. Text lines are the input split on \\n (a trailing \\r removed), blank lines included (never
  content); HTML lines are the segmented block lines. "doc" is the input path, - or the record id. Any
  number of inputs may go to stdout.
  With --out-dir DIR: DIR/<stem>.jsonl for each input.
""",
}
_FILES_EPILOG = """\
  <stem> is the input's file name without .gz and one extension (a.html.gz -> a; stdin -> stdin). An output
  is renamed into place when its input is done; an input none of whose documents succeeded writes no file.
  Two inputs with the same output, or an output that would overwrite an input, are refused.

limits:
  A document over a limit fails whole (named on stderr, exit status 1); it is never truncated, so every
  document written has exactly one label per line. 0 disables a limit. --max-page-bytes counts decompressed
  bytes and stops reading there (a gzip bomb is never inflated whole); --max-depth is estimated from the tags
  before parsing (the parser's time grows with the square of the depth); --page-timeout is checked between
  the steps of each document and, with --jobs >= 2, also enforced by killing a worker that overruns
  2 x timeout x documents in its batch + 30 s (the document at fault fails, the others are redone).

exit status:
  0 every document processed; 1 some documents failed (each reported on stderr as "chromecut: <doc>:
  <reason>", nothing written for it; the others processed and written); 2 usage errors (bad options, a
  model that cannot be loaded, --out-dir conflicts).
"""


def _names(value: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in value.split(",") if n.strip())


def _renderer_list(value: str) -> tuple[str, ...]:
    from chromecut.datasets.renderers import parse_renderers

    try:
        return parse_renderers(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _threshold(value: str) -> float:
    try:
        threshold = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(threshold):
        raise argparse.ArgumentTypeError(f"not a finite number: {value!r}")
    return threshold


def _integer(value: str, minimum: int, rule: str) -> int:
    """An argparse integer of at least ``minimum`` (``rule`` says so when it is not)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < minimum:
        raise argparse.ArgumentTypeError(f"{rule}: {value!r}")
    return number


def _positive_int(value: str) -> int:
    return _integer(value, 1, "must be at least 1")


def _limit_int(value: str) -> int | None:
    return _integer(value, 0, "must be 0 (no limit) or more") or None


def _limit_seconds(value: str) -> float | None:
    seconds = _threshold(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {value!r}")
    return seconds or None


def _add_inference_command(commands: Any, task: str) -> None:
    summary = _INFERENCE_HELP[task]
    command = commands.add_parser(task, help=summary, description=summary[0].upper() + summary[1:] + ".",
                                  epilog=_INPUTS_EPILOG + "\n" + _OUTPUTS_EPILOG[task] + _FILES_EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("inputs", nargs="+", metavar="INPUT", help="input files, or - for standard input")
    command.add_argument("--model", default=None, metavar="M",
                         help="html, text, markdown (a text model for Markdown dumps), a bundle folder or an MLflow "
                              "model URI (default: the shipped bundle that matches each document's kind: html, text, "
                              "or markdown for a text document written in Markdown)")
    command.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                         help="how to read the inputs (default: auto)")
    command.add_argument("--threshold", type=_threshold, default=None, metavar="T",
                         help="decision threshold on the content probability, which then decides alone (default: "
                              "the model's own, lowered on a page it would leave nearly empty)")
    command.add_argument("--no-reflow", dest="reflow", action="store_false",
                         help="score every line of a text dump as it is, even when the dump is hard-wrapped (by "
                              "default the paragraphs of a wrapped dump, as html2text, lynx -dump or fmt write them, "
                              "are scored whole and each of their lines labelled as its paragraph)")
    command.add_argument("--site", default=None, metavar="SITE",
                         help="the inputs are pages of one site, named SITE (any name), or 'url': each document "
                              "is a page of its URL's host (WARC records, JSON Lines records with a url); a line "
                              "repeated on the site's other pages of a batch then reads as template (best with text "
                              "dumps; through line frames)")
    command.add_argument("--predictor", choices=PREDICTORS, default=PREDICTOR_DEFAULT,
                         help="lightgbm: LightGBM's tree walker; compiled: the trees as native code for this CPU "
                              "(same labels, several times faster than lightgbm; compiled once per model and "
                              f"cached in ${CACHE_ENV} or ~/.cache/chromecut; needs chromecut[compiled]); "
                              "native: the model text evaluated by chromecut's Rust core (same labels, no compile "
                              "step, faster than compiled on processors with AVX2) (default: lightgbm; cleaning "
                              "evaluates the trees in the Rust core unless compiled is asked for, so lightgbm and "
                              "native differ only for label --explain)")
    command.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                         help="worker processes (default: 1, in this process; with --engine dask: the workers of "
                              "the local Dask cluster, default one per core)")
    command.add_argument("--engine", choices=ENGINES, default="local",
                         help="local: this machine; dask: a Dask cluster (a LocalCluster unless --scheduler), one "
                              "task per JSON Lines / WARC input or per group of plain files, each worker reading "
                              "its inputs and writing their outputs itself (default: local)")
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="address of the Dask scheduler (tcp://host:8786) for --engine dask; the inputs and "
                              "--out-dir must be paths every worker sees")
    command.add_argument("--out-dir", type=Path, default=None, metavar="DIR",
                         help="write one output file per input into this folder")
    command.add_argument("--max-page-bytes", type=_limit_int, default=MAX_PAGE_BYTES_DEFAULT, metavar="N",
                         help=f"fail a document larger than N bytes (default: {MAX_PAGE_BYTES_DEFAULT}; 0: no limit)")
    command.add_argument("--max-lines", type=_limit_int, default=MAX_LINES_DEFAULT, metavar="N",
                         help=f"fail a document with more than N lines (default: {MAX_LINES_DEFAULT}; 0: no limit)")
    command.add_argument("--max-depth", type=_limit_int, default=MAX_DEPTH_DEFAULT, metavar="N",
                         help=f"fail an HTML document nested deeper than N elements (default: {MAX_DEPTH_DEFAULT}; "
                              "0: no limit)")
    command.add_argument("--page-timeout", type=_limit_seconds, default=PAGE_TIMEOUT_DEFAULT, metavar="SECONDS",
                         help=f"fail a document that takes longer (default: {PAGE_TIMEOUT_DEFAULT:g}; 0: no limit)")
    if task == "label":
        command.add_argument("--explain", action="store_true",
                             help=f'add "explain": the {batch.EXPLAIN_FEATURES} strongest feature contributions '
                                  "of each line, [[feature, contribution], ...] ([] for blank lines)")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    for task in batch.TASKS:
        _add_inference_command(commands, task)

    data = commands.add_parser("data", help="prepare the labelled line table from the datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    prep = data_commands.add_parser("prepare", help="segment and label every page; write Parquet tables")
    prep.add_argument("--root", type=Path, default=None,
                      help="dataset folder (default: $CHROMECUT_DATASETS or ../shared/datasets)")
    prep.add_argument("--out", type=Path, default=PROCESSED_DIR_DEFAULT, help="output folder")
    prep.add_argument("--datasets", type=_names, default=tuple(DATASETS),
                      help="comma-separated dataset names (default: every public one)")
    prep.add_argument("--own", type=Path, action="append", default=[], metavar="DIR",
                      help="a folder of your own labelled pages (pages.jsonl; docs/data.md), prepared beside "
                           "--datasets (repeatable; to prepare only yours, --datasets NAME)")
    prep.add_argument("--max-pages", type=int, default=None, help="at most this many pages per dataset")
    prep.add_argument("--seed", type=int, default=None, help="split seed")
    prep.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    prep.add_argument("--renderers", type=_renderer_list, default=None,
                      help="comma-separated renderers whose labelled whole-page text dumps are written to "
                           "renderings.parquet (default: every installed default one; 'all' adds "
                           "trafilatura-html2txt's one-line dumps and html2text-wrapped's, labelled line by line; "
                           "'none': no dumps)")
    prep.add_argument("--render-timeout", type=float, default=None,
                      help="seconds one renderer may spend on one page (0: no limit; default: "
                           "chromecut.datasets.renderers.RENDER_TIMEOUT_SECONDS_DEFAULT)")
    prep.add_argument("--split-glued", action="store_true",
                      help="split the glued renderers' dumps of training pages at glue points before labelling")
    prep.add_argument("--json", action="store_true", help="print the report as JSON")
    rep = data_commands.add_parser("report", help="per-dataset counts and oracle scores of a prepared table")
    rep.add_argument("--out", type=Path, default=PROCESSED_DIR_DEFAULT, help="folder of the prepared table")
    rep.add_argument("--json", action="store_true", help="print JSON")
    for sub in (prep, rep):
        sub.add_argument("--save", type=Path, default=None,
                         help="also write the report's JSON here (reports/data.json: the docs' dataset table)")
    defs = data_commands.add_parser("definitions",
                                    help="per dataset and line kind, the share its gold labels content")
    defs.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="folder of the prepared table")
    defs.add_argument("--json", action="store_true", help="print JSON (default: the Markdown table)")
    defs.add_argument("--save", type=Path, default=None,
                      help="also write the report's JSON here (reports/definitions.json: the definitions table)")
    ev = commands.add_parser("evaluate", help="leave-one-dataset-out evaluation, peers on the same pages")
    ev.add_argument("--mode", choices=("html", "text"), default="html")
    ev.add_argument("--datasets", type=_names, default=tuple(DATASETS),
                    help="held-out datasets (default: every public one; data.own_datasets adds yours to the "
                         "folds' training, name them here to hold them out)")
    ev.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    ev.add_argument("--no-peers", action="store_true", help="score chromecut only")
    ev.add_argument("-j", "--jobs", type=int, default=1, help="processes for the peers")
    ev.add_argument("--out", type=Path, default=None,
                    help="write the JSON report here (rewritten after each fold, so a stopped run keeps its folds)")
    ev.add_argument("--resume", action="store_true",
                    help="keep the folds already in --out (a report of the same mode and settings) and run the rest")
    ev.add_argument("--predictions", type=Path, default=None, metavar="DIR",
                    help="also write each fold's held-out lines (text, gold label, p_content, threshold) to "
                         "DIR/<dataset>.parquet, for error analysis and other decision rules")
    ev.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                    help="settings of the fold models as chromecut-train takes them (data.dataset_balance=0.5, "
                         "'data.chrome_kinds=[comment]', experiment=ship_html); --mode and --processed win")
    ev.add_argument("--contributions", action="store_true",
                    help="instead: train each fold on the permissive datasets, alone and with each research-only "
                         "dataset, and report what each adds (reports/contributions-html.json)")
    bench_cli.add_bench_parser(commands)  # each benchmark's options load only when it is parsed
    # Also handed on by main(): the DVC pipeline's stages, each reading the composed params.yaml.
    commands.add_parser("pipeline", help="a stage of the DVC pipeline (prepare, train, evaluate, bench)",
                        add_help=False)
    commands.add_parser("quality", help="the quality gate: shipped bundles' page F1 against committed floors",
                        add_help=False)
    return parser


def _evaluate(args: argparse.Namespace) -> int:
    from chromecut.evaluate.lodo import leave_one_dataset_out
    from chromecut.settings import DataSettings, FeatureSettings, TrainSettings

    settings = TrainSettings(data=DataSettings(processed_dir=str(args.processed)),
                             features=FeatureSettings(mode=args.mode))
    if args.overrides:
        from hydra.errors import HydraException

        from chromecut.train.app import compose_settings

        try:
            composed = compose_settings(list(args.overrides))
        except (HydraException, ValueError) as exc:  # a mistyped override, an unknown setting
            print(f"chromecut evaluate: settings {' '.join(args.overrides)}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        settings = replace(composed, data=replace(composed.data, processed_dir=str(args.processed)),
                           features=replace(composed.features, mode=args.mode))
    from chromecut.train.core import project_root
    from chromecut.train.frame import register_own_datasets

    try:
        register_own_datasets(settings.data, project_root())
    except ValueError as exc:
        print(f"chromecut evaluate: data.own_datasets: {exc}", file=sys.stderr)
        return EXIT_USAGE
    unknown = [name for name in args.datasets if name not in DATASETS]
    if unknown:
        print(f"chromecut evaluate: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)} (a "
              "folder of your own pages: data.own_datasets=[DIR])", file=sys.stderr)
        return EXIT_USAGE
    done = None
    learnt_with = _fold_settings(settings)
    if args.resume:
        try:
            done = _resumed_folds(args, learnt_with)
        except ValueError as exc:
            print(f"chromecut evaluate: --resume: {exc}", file=sys.stderr)
            return EXIT_USAGE

    def save(report: dict[str, Any]) -> None:
        """Name the settings of the report's folds (the tables say them); write it to ``--out`` when given."""
        if args.overrides:
            report["overrides"] = list(args.overrides)
        report["settings"] = learnt_with
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            partial = args.out.with_name(args.out.name + ".part")
            partial.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            partial.replace(args.out)

    if args.contributions:
        from chromecut.evaluate.contributions import dataset_contributions

        result = dataset_contributions(settings, list(args.datasets))
    else:
        result = leave_one_dataset_out(settings, list(args.datasets), peers=not args.no_peers, n_jobs=args.jobs,
                                       done=done, on_fold=save if args.out else None,
                                       predictions_dir=args.predictions)
    save(result)
    if args.out:
        from chromecut.evaluate.tables import refresh_after_report

        refresh_after_report(args.out)
    print(json.dumps(result, indent=2))
    return EXIT_OK


#: Settings that say where the data lives or how many workers run, not what the folds learn: left out of a
#: report's ``settings``, so a resumed run may change them.
_RUN_ONLY_SETTINGS = {"data": ("root", "processed_dir", "prepare_jobs"),
                      "model": ("num_threads", "dask_workers", "dask_scheduler")}


def _fold_settings(settings: TrainSettings) -> dict[str, Any]:
    """What a report's folds learn with, resolved (an experiment file that changes later changes these, not the
    overrides' words): the data, feature and model settings and the seed, as JSON values."""
    groups = {"data": asdict(settings.data), "features": asdict(settings.features), "model": asdict(settings.model)}
    values: dict[str, Any] = json.loads(json.dumps({**groups, "seed": settings.seed}))
    for group, keys in _RUN_ONLY_SETTINGS.items():
        for key in keys:
            values[group].pop(key, None)
    return values


def _settings_changed(earlier: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """``group.key: earlier -> now`` for each setting that differs."""
    changed = []
    for group in sorted(set(earlier) | set(now)):
        old, new = earlier.get(group), now.get(group)
        if isinstance(old, dict) and isinstance(new, dict):
            changed += [f"{group}.{key}: {old.get(key)!r} -> {new.get(key)!r}"
                        for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
        elif old != new:
            changed.append(f"{group}: {old!r} -> {new!r}")
    return changed


def _resumed_folds(args: argparse.Namespace, learnt_with: dict[str, Any]) -> dict[str, Any] | None:
    """The folds of the earlier report at ``--out`` that a resumed run keeps (None when there is none yet);
    ValueError when there is no ``--out`` or its report was made in another mode or with other settings (the
    same overrides now meaning other settings, too)."""
    if args.out is None:
        raise ValueError("needs --out, the report to resume")
    if args.contributions:
        raise ValueError("resumes a leave-one-dataset-out report, not --contributions")
    if not args.out.exists():
        return None
    try:
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{args.out}: not a readable report ({exc})") from exc
    if earlier.get("mode") != args.mode or list(earlier.get("overrides", [])) != list(args.overrides):
        raise ValueError(f"{args.out} was made with --mode {earlier.get('mode')} and settings "
                         f"{earlier.get('overrides', [])}, not --mode {args.mode} and {list(args.overrides)}")
    if not isinstance(earlier.get("settings"), dict):
        raise ValueError(f"{args.out} does not name the settings its folds learnt with (an older report): "
                         "run without --resume, or write to another --out")
    changed = _settings_changed(earlier["settings"], learnt_with)
    if changed:
        raise ValueError(f"{args.out}'s folds learnt with other settings: {'; '.join(changed)}")
    folds: dict[str, Any] = earlier.get("datasets", {})
    return folds


def _infer(args: argparse.Namespace) -> int:
    """``clean`` / ``label``: plan, run, write; failures reported as they come."""
    limits = Limits(max_page_bytes=args.max_page_bytes, max_lines=args.max_lines, max_depth=args.max_depth,
                    page_timeout=args.page_timeout)
    settings = batch.Settings(task=args.command, model=args.model, threshold=args.threshold,
                              explain=getattr(args, "explain", False), limits=limits, predictor=args.predictor,
                              reflow=args.reflow, site=args.site)
    try:
        if args.engine == "local" and args.scheduler is not None:
            raise batch.UsageError("--scheduler needs --engine dask")
        if args.scheduler is not None and args.jobs is not None:
            raise batch.UsageError("-j sets the workers of a local Dask cluster; the --scheduler cluster has its own")
        plan = batch.plan(args.inputs, settings, input_format=args.input_format, out_dir=args.out_dir,
                          jobs=args.jobs if args.jobs is not None and args.engine == "local" else 1)
    except (batch.UsageError, batch.ModelError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.engine == "dask":
        return _infer_dask(args, plan)
    containers = any(source.is_container for source in plan.sources)
    bar: Any = None
    if sys.stderr.isatty() and (len(plan.sources) > 1 or containers):
        from tqdm import tqdm

        bar = tqdm(total=None if containers else len(plan.sources), unit="doc", file=sys.stderr,
                   dynamic_ncols=True)

    def report(message: str) -> None:
        if bar is not None:
            bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    failures = 0
    sys.stdout.flush()
    try:
        with batch.OutputWriter(plan, sys.stdout.buffer) as writer:
            for outcome in batch.outcomes(plan):
                writer.write(outcome)
                if outcome.error is not None:
                    failures += 1
                    report(f"{PROG}: {outcome.name}: {outcome.error}")
                if bar is not None:
                    bar.update()
    except batch.ModelError as exc:
        report(f"{PROG} {args.command}: error: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
    return EXIT_FAILED if failures else EXIT_OK


def _infer_dask(args: argparse.Namespace, plan: batch.Plan) -> int:
    """``clean`` / ``label --engine dask``: the plan's partitions on a Dask cluster; outputs written by the
    workers (or gathered to stdout in input order), failures reported like the local engine's."""
    from chromecut.io import dask as engine

    try:
        engine.partitions(plan)
    except engine.EngineError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failures = 0
    sys.stdout.flush()
    try:
        with engine.open_client(args.scheduler, args.jobs) as client:
            for result in engine.run_plan(plan, client):
                if result.output:
                    sys.stdout.buffer.write(result.output)
                    sys.stdout.buffer.flush()
                for name, reason in result.failures:
                    failures += 1
                    print(f"{PROG}: {name}: {reason}", file=sys.stderr, flush=True)
    except (batch.ModelError, engine.EngineError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    return EXIT_FAILED if failures else EXIT_OK


def _print_report(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    header = (f"{'dataset':<22}{'pages':>7}{'ok':>7}{'failed':>7}{'lines':>9}{'content':>9}{'chrome':>9}"
              f"{'unknown':>9}{'oracle':>8}")
    print(header)
    for name, entry in summary["datasets"].items():
        f1 = entry["oracle_f1"]
        print(
            f"{name:<22}{entry['pages']:>7}{entry['pages_labelled']:>7}{entry['pages_failed']:>7}{entry['lines']:>9}"
            f"{entry['content_lines']:>9}{entry['chrome_lines']:>9}{entry['unknown_lines']:>9}"
            f"{'-' if f1 is None else f'{f1:.3f}':>8}"
        )
    failed = sum(entry["pages_failed"] for entry in summary["datasets"].values())
    if failed:
        print(f"{failed} pages failed (not loaded, or not labelled); --json lists each one with its reason")
    if summary.get("renderers"):
        print(f"\n{'renderer':<24}{'pages':>7}{'ok':>7}{'failed':>7}{'lines':>9}{'content':>9}{'oracle':>8}")
        for name, entry in summary["renderers"].items():
            f1 = "-" if entry["oracle_f1"] is None else f"{entry['oracle_f1']:.3f}"
            share = "-" if entry["content_share"] is None else f"{entry['content_share']:.3f}"
            print(f"{name:<24}{entry['pages']:>7}{entry['pages_labelled']:>7}{entry['render_failures']:>7}"
                  f"{entry['lines']:>9}{share:>9}{f1:>8}")
    if "prepare_seconds" in summary:
        print(f"prepare took {summary['prepare_seconds']} s")


def _save_report(summary: dict[str, Any], path: Path | None) -> None:
    """Write a data report where ``--save`` says, and refresh the tables that are rendered from it."""
    if path is None:
        return
    from chromecut.evaluate.tables import refresh_after_report

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    refresh_after_report(path)


def _definitions(args: argparse.Namespace) -> int:
    """``data definitions``: measure what each dataset's gold calls content, by line kind."""
    from chromecut.datasets.prepare import PAGES_FILE
    from chromecut.evaluate.definitions import definitions_report
    from chromecut.evaluate.markdown import render_definitions

    if not (args.processed / PAGES_FILE).exists():
        print(f"chromecut: no prepared table in {args.processed}; run 'chromecut data prepare' first", file=sys.stderr)
        return EXIT_USAGE
    summary = definitions_report(args.processed)
    print(json.dumps(summary, indent=2) if args.json else render_definitions(summary), end="\n" if args.json else "")
    _save_report(summary, args.save)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chromecut`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["pipeline"]:
        from chromecut import pipeline

        return pipeline.main(arguments[1:])
    if arguments[:1] == ["quality"]:
        from chromecut.evaluate import quality

        return quality.main(arguments[1:])
    args = _build_parser().parse_args(arguments)
    if args.command in batch.TASKS:
        return _infer(args)
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "bench":
        return bench_cli.run(args)

    if args.command == "data" and args.data_command == "definitions":
        return _definitions(args)
    if args.command == "data":
        from chromecut.datasets import prepare as data

        if args.data_command == "prepare":
            kwargs: dict[str, Any] = {}
            if args.seed is not None:
                kwargs["seed"] = args.seed
            if args.render_timeout is not None:
                kwargs["render_timeout"] = args.render_timeout or None
            settings = data.PrepareSettings(
                out_dir=args.out, root=args.root, datasets=args.datasets, max_pages=args.max_pages,
                n_jobs=args.jobs, renderers=args.renderers, split_glued=args.split_glued, own=tuple(args.own),
                **kwargs,
            )
            try:
                data.prepared_datasets(settings)  # the --own folders registered, every name known
            except ValueError as exc:
                print(f"chromecut: {exc}", file=sys.stderr)
                return EXIT_USAGE
            summary = data.prepare(settings)
            _print_report(summary, args.json)
            _save_report(summary, args.save)
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
            _save_report(summary, args.save)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
