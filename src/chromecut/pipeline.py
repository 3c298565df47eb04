"""The DVC pipeline's stages (``dvc.yaml``): ``chromecut pipeline prepare|train|evaluate|bench``.

Every stage reads one composed config, ``params.yaml``: DVC composes it from ``conf/`` with Hydra before each
``dvc exp run`` (``-S model.num_leaves=63``, ``-S experiment=smoke``), and the committed copy makes a plain
``dvc repro`` work too. Each stage turns it into typed settings and calls the library; its metrics and plots
land under :data:`REPORT_DIR`, its models under :data:`MODELS_DIR`.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from chromecut.settings import CONFIG_NAME, PipelineSettings, TrainSettings, pipeline_settings_from_dict

PARAMS_FILE_DEFAULT = Path("params.yaml")
#: Where the stages write their metrics (JSON) and plots (CSV), relative to the project root.
REPORT_DIR = Path("reports/dvc")
#: Where the train stage writes the html and text bundles.
MODELS_DIR = Path("models")
MODES = ("html", "text")
PREPARE_METRICS = "prepare.json"
BENCH_METRICS = "bench.json"
BENCH_REPORT = "bench-report.json"
#: Per-dataset figures of the prepared table that the prepare stage reports as metrics.
PREPARE_FIGURES = ("pages_labelled", "oracle_f1")
#: DVC sets this during ``dvc exp run``; the MLflow run is named after the experiment so both UIs match.
DVC_EXPERIMENT_ENV = "DVC_EXP_NAME"


#: The Hydra config folder that DVC composes (DVC's default; its primary config is ``CONFIG_NAME``).
CONFIG_DIR = "conf"


def compose_params(config_dir: Path, overrides: Sequence[str] = ()) -> str:
    """``params.yaml`` as DVC's Hydra composition writes it: ``conf/`` composed with ``overrides``, every
    interpolation resolved (the environment is read now: unset ``MLFLOW_TRACKING_URI`` for the committed copy)."""
    from omegaconf import OmegaConf

    from chromecut.train.schema import compose_config

    cfg = compose_config(str(config_dir.resolve()), CONFIG_NAME, overrides)
    OmegaConf.resolve(cfg)
    return OmegaConf.to_yaml(cfg)


def load_params(path: Path) -> PipelineSettings:
    """The typed settings of a composed ``params.yaml`` (unknown keys are an error)."""
    import yaml

    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no composed parameters (dvc exp run writes them from conf/)") from None
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a mapping of settings, got {type(values).__name__}")
    return pipeline_settings_from_dict(values)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_prepare(settings: PipelineSettings, root: Path) -> dict[str, Any]:
    """Label every dataset into ``data.processed_dir``; report pages, lines and oracle F1 per dataset."""
    from chromecut.datasets.prepare import prepare
    from chromecut.train.frame import prepare_settings

    summary = prepare(prepare_settings(settings.train.data, root))
    metrics = {name: {key: entry[key] for key in PREPARE_FIGURES} for name, entry in summary["datasets"].items()}
    _write_json(root / REPORT_DIR / PREPARE_METRICS, metrics)
    return metrics


def mode_settings(settings: TrainSettings, mode: str) -> TrainSettings:
    """The training settings of one mode's bundle: its folder under :data:`MODELS_DIR`, its reports, never
    shipped into the package, its MLflow run named after the DVC experiment (when there is one)."""
    experiment = os.environ.get(DVC_EXPERIMENT_ENV)
    run_name = f"dvc-{experiment}-{mode}" if experiment else settings.tracking.run_name or f"dvc-{mode}"
    return replace(
        settings,
        features=replace(settings.features, mode=mode),
        output_dir=str(MODELS_DIR / mode),
        report_dir=str(REPORT_DIR / f"train-{mode}"),
        ship_to=None,
        tracking=replace(settings.tracking, run_name=run_name),
    )


def run_train(settings: PipelineSettings, mode: str, root: Path) -> dict[str, float]:
    """Train, track and save one mode's bundle (its metrics and PR curve under the report folder)."""
    from chromecut.train.core import train

    return train(mode_settings(settings.train, mode), root)


def lodo_metrics(report: dict[str, Any]) -> dict[str, Any]:
    """A leave-one-dataset-out report's scores per held-out dataset and system, each system's mean over the
    held-out datasets, and on how many of them chromecut scores best."""
    rows = lodo_table(report)
    systems = [column for column in rows.columns if column != "dataset"]
    scored = rows.set_index("dataset")[systems]
    best = scored.idxmax(axis=1) if len(scored) else pd.Series(dtype=str)
    return {
        "metric": "page_f1" if report["mode"] == "html" else "line_f1",
        "held_out": len(rows),
        "chromecut_best_on": int((best == "chromecut").sum()),
        "mean": {system: round(float(scored[system].mean()), 5) for system in systems
                 if scored[system].notna().any()},
        "by_dataset": {str(dataset): {system: round(float(value), 5) for system, value in row.items()
                                      if pd.notna(value)} for dataset, row in scored.iterrows()},
    }


def lodo_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per held-out dataset, one column per system: page F1 (html) or line F1 (text)."""
    metric = "page_f1" if report["mode"] == "html" else "line_f1"
    rows = []
    for dataset, entry in report["datasets"].items():
        row: dict[str, Any] = {"dataset": dataset}
        for system, figures in entry.items():
            if isinstance(figures, dict) and metric in figures:
                row[system] = figures[metric]
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", *dict.fromkeys(k for r in rows for k in r if k != "dataset")])


def run_evaluate(settings: PipelineSettings, mode: str, root: Path) -> dict[str, Any]:
    """Leave-one-dataset-out in one mode, peers on the same pages: ``lodo-<mode>.json`` (metrics),
    ``lodo-<mode>.csv`` (per-dataset scores, plotted) and ``lodo-<mode>-report.json`` (every figure)."""
    from chromecut.evaluate.lodo import leave_one_dataset_out

    evaluation = settings.evaluate
    train_settings = replace(settings.train, features=replace(settings.train.features, mode=mode))
    report = leave_one_dataset_out(train_settings, list(evaluation.datasets) or None, peers=evaluation.peers,
                                   n_jobs=evaluation.jobs, root=root, fold_max_pages=evaluation.fold_max_pages)
    metrics = lodo_metrics(report)
    _write_json(root / REPORT_DIR / f"lodo-{mode}-report.json", report)
    _write_json(root / REPORT_DIR / f"lodo-{mode}.json", metrics)
    lodo_table(report).round(5).to_csv(root / REPORT_DIR / f"lodo-{mode}.csv", index=False)
    return metrics


def bench_arguments(settings: PipelineSettings, root: Path, report: Path) -> list[str]:
    """``chromecut bench speed`` arguments timing the pipeline's own bundles with the bench settings."""
    bench = settings.bench
    arguments = ["speed", "--pages", str(bench.pages), "--json", str(report),
                 "--html-model", str(root / MODELS_DIR / "html"), "--text-model", str(root / MODELS_DIR / "text"),
                 "--rss-repeats", ",".join(map(str, bench.rss_repeats)), "--rounds", str(bench.rounds)]
    if bench.datasets:
        arguments += ["--datasets", ",".join(bench.datasets)]
    if bench.contenders:
        arguments += ["--contenders", ",".join(bench.contenders)]
    if settings.train.data.root:
        arguments += ["--root", settings.train.data.root]
    return arguments


def run_bench(settings: PipelineSettings, root: Path) -> dict[str, Any]:
    """The speed benchmark of the pipeline's bundles beside the peers: the full report, and per contender its
    pages/s, lines/s, F1 and speed ratio to chromecut's html mode as metrics."""
    from chromecut.bench import cli as bench

    report_path = root / REPORT_DIR / BENCH_REPORT
    status = bench.main(bench_arguments(settings, root, report_path))
    if status:
        raise RuntimeError(f"the speed benchmark failed with status {status}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    metrics = {
        figures["name"]: {key: figures[key] for key in ("pages_per_second", "f1", "speed_ratio")}
        for figures in report["contenders"]
    }
    _write_json(root / REPORT_DIR / BENCH_METRICS, metrics)
    return metrics


STAGES = ("prepare", "train", "evaluate", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chromecut pipeline", description="Run a stage of the DVC pipeline (dvc.yaml) from params.yaml, or "
        "compose params.yaml from conf/ as dvc exp run does (compose [OVERRIDE...]).")
    parser.add_argument("stage", choices=(*STAGES, "compose"))
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (compose only)")
    parser.add_argument("--mode", choices=MODES, default=None, help="the bundle's mode (train and evaluate)")
    parser.add_argument("--params", type=Path, default=PARAMS_FILE_DEFAULT, help="the composed parameters")
    parser.add_argument("--root", type=Path, default=None,
                        help="project root (default: $CHROMECUT_ROOT, else the current folder)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``chromecut pipeline STAGE [--mode M] [--params params.yaml]``; returns the exit status."""
    from chromecut.train.core import project_root

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.stage in ("train", "evaluate") and args.mode is None:
        parser.error(f"{args.stage} needs --mode html|text")
    if args.overrides and args.stage != "compose":
        parser.error(f"{args.stage} takes no overrides: they are composed into params.yaml")
    root = (args.root or project_root()).resolve()
    params = args.params if args.params.is_absolute() else root / args.params
    if args.stage == "compose":
        params.write_text(compose_params(root / CONFIG_DIR, args.overrides), encoding="utf-8")
        print(f"wrote {params}")
        return 0
    settings = load_params(params)
    if args.stage == "prepare":
        result: Any = run_prepare(settings, root)
    elif args.stage == "train":
        result = run_train(settings, args.mode, root)
    elif args.stage == "evaluate":
        result = run_evaluate(settings, args.mode, root)
    else:
        result = run_bench(settings, root)
    print(json.dumps(result, indent=2, default=str)[:_PRINT_CHARS])
    return 0


#: Characters of a stage's result echoed on stdout (the full figures are in the report files).
_PRINT_CHARS = 4000
