"""Typed settings of a training run. Hydra composes ``conf/``; :func:`settings_from_dict` turns the composed,
resolved config into these dataclasses, so library code never sees a DictConfig."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from chromecut.features.frame import KEYWORD_MAX_CHARS_DEFAULT, REPEAT_MIN_PAGES_DEFAULT, REPEAT_TABLE_SIZE_DEFAULT

#: Training pages per dataset in each leave-one-dataset-out fold (the large datasets are subsampled so ten folds
#: fit in an hour on two cores; the held-out dataset is always scored on all its labelled pages).
FOLD_MAX_PAGES_DEFAULT = 300
#: Pages in the speed benchmark's sample.
BENCH_PAGES_DEFAULT = 300


@dataclass(frozen=True)
class DataSettings:
    """Which prepared table to train on, and which of its pages and lines."""

    root: str | None = None
    processed_dir: str = "data/processed"
    datasets: tuple[str, ...] = ()
    permissive_only: bool = True
    include_research: bool = False
    exclude_datasets: tuple[str, ...] = ()
    max_pages_per_dataset: int | None = None
    min_gold_coverage: float = 0.5
    prepare_jobs: int = 2


@dataclass(frozen=True)
class FeatureSettings:
    """Featurizer mode and parameters, and text-mode augmentation."""

    mode: str = "html"
    keyword_max_chars: int = KEYWORD_MAX_CHARS_DEFAULT
    repeat_min_pages: int = REPEAT_MIN_PAGES_DEFAULT
    repeat_table_size: int = REPEAT_TABLE_SIZE_DEFAULT
    augment_strip_markers: float = 0.5
    augment_precleaned: float = 0.5
    augment_keep_chrome_min: float = 0.1
    augment_keep_chrome_max: float = 0.6


@dataclass(frozen=True)
class ModelSettings:
    """LightGBM parameters, early stopping and the decision threshold; ``kind`` ``lgbm_dask`` fits the boosters
    with ``lightgbm.dask`` on the cluster at ``dask_scheduler``, or on a local cluster of ``dask_workers``
    processes of ``num_threads`` threads each."""

    kind: str = "lgbm"
    learning_rate: float = 0.05
    num_leaves: int = 63
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    num_boost_round: int = 1500
    early_stopping_rounds: int = 50
    num_threads: int = 2
    line_weight: str = "sqrt_tokens"
    tune_threshold: bool = True
    threshold: float = 0.5
    context_pass: bool = True
    context_folds: int = 3
    dask_workers: int = 2
    dask_scheduler: str | None = None


@dataclass(frozen=True)
class TrackingSettings:
    """Where MLflow records runs, and what gets registered."""

    enabled: bool = True
    tracking_uri: str = "sqlite:///mlflow.db"
    experiment: str = "chromecut"
    run_name: str | None = None
    register: bool = True
    registered_model_prefix: str = "chromecut"
    champion_alias: str = "champion"
    log_model: bool = True
    worst_errors: int = 50


@dataclass(frozen=True)
class TrainSettings:
    """Everything a training run needs."""

    data: DataSettings = field(default_factory=DataSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    seed: int = 20261123
    output_dir: str = "outputs/bundle"
    ship_to: str | None = None
    #: When set, the run also writes its metrics, test-line precision/recall curve and per-page scores here
    #: (the DVC pipeline's metrics and plots).
    report_dir: str | None = None


@dataclass(frozen=True)
class EvaluateSettings:
    """The leave-one-dataset-out evaluation: which datasets are held out, how much each fold trains on."""

    datasets: tuple[str, ...] = ()  # empty: every dataset
    fold_max_pages: int | None = FOLD_MAX_PAGES_DEFAULT
    peers: bool = True
    jobs: int = 1


@dataclass(frozen=True)
class BenchSettings:
    """The speed benchmark of the pipeline's bundles beside the peers."""

    pages: int = BENCH_PAGES_DEFAULT
    datasets: tuple[str, ...] = ()  # empty: the benchmark's default sample
    contenders: tuple[str, ...] = ()  # empty: every contender
    rss_repeats: tuple[int, ...] = ()  # empty: no memory measurement


@dataclass(frozen=True)
class PipelineSettings:
    """The DVC pipeline's settings: one composed config (``params.yaml``) for every stage."""

    train: TrainSettings = field(default_factory=TrainSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    bench: BenchSettings = field(default_factory=BenchSettings)


T = TypeVar("T")


def _build(cls: type[T], values: dict[str, Any] | None, where: str) -> T:
    values = dict(values or {})
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown} in {where}; known: {sorted(known)}")
    for name, value in list(values.items()):
        if isinstance(value, list):
            values[name] = tuple(value)
    return cls(**values)


_GROUPS = ("data", "features", "model", "tracking", "evaluate", "bench", "hydra")


def settings_from_dict(cfg: dict[str, Any]) -> TrainSettings:
    """Build :class:`TrainSettings` from a plain (resolved) config mapping; unknown keys are an error."""
    top = {k: v for k, v in cfg.items() if k not in _GROUPS}
    unknown = sorted(set(top) - {f.name for f in fields(TrainSettings)})
    if unknown:
        raise ValueError(f"unknown top-level setting(s) {unknown}")
    return TrainSettings(
        data=_build(DataSettings, cfg.get("data"), "data"),
        features=_build(FeatureSettings, cfg.get("features"), "features"),
        model=_build(ModelSettings, cfg.get("model"), "model"),
        tracking=_build(TrackingSettings, cfg.get("tracking"), "tracking"),
        **top,
    )


def pipeline_settings_from_dict(cfg: dict[str, Any]) -> PipelineSettings:
    """Build :class:`PipelineSettings` from the composed ``params.yaml`` mapping; unknown keys are an error."""
    return PipelineSettings(
        train=settings_from_dict(cfg),
        evaluate=_build(EvaluateSettings, cfg.get("evaluate"), "evaluate"),
        bench=_build(BenchSettings, cfg.get("bench"), "bench"),
    )


def resolve_path(path: str | Path, root: Path) -> Path:
    """A settings path made absolute against the project root."""
    p = Path(path)
    return p if p.is_absolute() else root / p
