"""Typed settings of a run, and the one source of their defaults.

Hydra composes ``conf/`` over :class:`ChromecutConfig` (registered as the structured config ``chromecut_schema``
by the ``hydra_plugins.chromecut_config`` module, which Hydra's plugin scan imports in ``chromecut-train``,
``chromecut pipeline compose`` and ``dvc exp run`` alike), so the YAML files hold only what differs from these
defaults, and a misspelt or mistyped override fails at composition. :func:`settings_from_dict` turns the
composed, resolved config into these dataclasses, so library code never sees a DictConfig. This module
imports nothing of Hydra.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from chromecut.features import (
    KEYWORD_MAX_CHARS_DEFAULT,
    REPEAT_MIN_PAGES_DEFAULT,
    REPEAT_TABLE_SIZE_DEFAULT,
    STOPWORD_LANGUAGES_DEFAULT,
)

#: Training pages per dataset in each leave-one-dataset-out fold (the large datasets are subsampled so ten folds
#: fit in an hour on two cores; the held-out dataset is always scored on all its labelled pages).
FOLD_MAX_PAGES_DEFAULT = 300
#: Pages in the speed benchmark's sample.
BENCH_PAGES_DEFAULT = 300
#: Timed passes of each contender in the speed benchmark (taken in turns; the fastest counts).
BENCH_ROUNDS_DEFAULT = 3
#: Where a run saves its bundle when ``output_dir`` is not set (relative to the project root).
OUTPUT_DIR_PATTERN = "outputs/bundles/{mode}"
#: The MLflow store when neither ``tracking.tracking_uri`` nor ``$MLFLOW_TRACKING_URI`` names one; a relative
#: sqlite path is anchored at the project root, so Hydra's output folders never scatter databases.
TRACKING_URI_DEFAULT = "sqlite:///mlflow.db"
#: The primary config file of ``conf/`` (``config.yaml``), as chromecut-train, DVC and ``chromecut evaluate``
#: compose it.
CONFIG_NAME = "config"


@dataclass(frozen=True)
class DataSettings:
    """Which prepared table to train on, and which of its pages and lines."""

    #: Where the datasets are (None: ``$CHROMECUT_DATASETS``, else ``../shared/datasets``).
    root: str | None = None
    processed_dir: str = "data/processed"
    #: Datasets the model learns from (empty: every dataset).
    datasets: tuple[str, ...] = ()
    #: Folders of your own labelled pages (:mod:`chromecut.datasets.own`; relative to the project root), datasets
    #: of the run beside the public ones, named by their ``dataset.json`` or folder. They are prepared into the
    #: table with ``chromecut data prepare --own DIR``.
    own_datasets: tuple[str, ...] = ()
    #: The shipped models learn only from CC-BY / Apache / MIT data ...
    permissive_only: bool = True
    #: ... unless this adds the research-only and unlicensed datasets.
    include_research: bool = False
    exclude_datasets: tuple[str, ...] = ()
    max_pages_per_dataset: int | None = None
    min_gold_coverage: float = 0.5
    prepare_jobs: int = 2
    #: Renderers whose whole-page text dumps ``prepare`` labels for text mode (None: every available default
    #: renderer, :func:`chromecut.datasets.renderers.available_renderers`; empty: none).
    renderers: tuple[str, ...] | None = None
    #: ``prepare`` splits the glued renderers' dumps of training pages at their glue points before labelling
    #: them, so that text mode learns from the pieces of a line that ran menu, headline and article together
    #: (:func:`chromecut.datasets.renderings.split_at_glue`); validation and test keep the dumps as they are.
    split_glued: bool = False
    #: The project's definition of content (:mod:`chromecut.train.definition`): kinds of line that are chrome
    #: whatever a dataset's gold says (``comment``, ``caption``: the article body with its headline, no comments
    #: and no captions). Empty: every gold label as it is.
    chrome_kinds: tuple[str, ...] = ()
    #: How a training line of such a kind whose gold disagrees is treated: ``dataset`` gives weight 0 to the
    #: kind's lines in the datasets whose gold calls most of that kind's tokens content (at least
    #: ``definition_min_share``); ``line`` gives weight 0 to each such line the gold calls content.
    definition_rule: str = "dataset"
    definition_min_share: float = 0.5
    #: How alike the datasets weigh in training and validation: a dataset of ``n`` pages gets
    #: ``(mean n / n) ** dataset_balance`` (0: every line as it is; 1: every dataset the same;
    #: :func:`chromecut.train.definition.dataset_balance_weights`).
    dataset_balance: float = 0.0
    #: How alike the pages weigh in training and validation: a page of ``n`` lines gets
    #: ``(mean n / n) ** page_balance`` (:func:`chromecut.train.definition.page_balance_weights`).
    page_balance: float = 0.0


@dataclass(frozen=True)
class FeatureSettings:
    """Featurizer mode and parameters, and text-mode augmentation."""

    mode: str = "html"
    keyword_max_chars: int = KEYWORD_MAX_CHARS_DEFAULT
    #: The languages (ISO 639-1 codes of the ``stopwordsiso`` lists) whose stopwords the stopword family counts:
    #: add the languages of your pages when you retrain for them (docs/training.md).
    stopword_languages: tuple[str, ...] = STOPWORD_LANGUAGES_DEFAULT
    repeat_min_pages: int = REPEAT_MIN_PAGES_DEFAULT
    repeat_table_size: int = REPEAT_TABLE_SIZE_DEFAULT
    augment_strip_markers: float = 0.5
    augment_precleaned: float = 0.5
    augment_keep_chrome_min: float = 0.1
    augment_keep_chrome_max: float = 0.6
    #: How a pre-cleaned copy keeps its share of the chrome: 0 keeps lines drawn one by one; above 0, pieces of
    #: each run of chrome, this many lines long on average, each kept or dropped whole
    #: (:func:`chromecut.train.frame.to_text_mode`).
    augment_chrome_run_lines: float = 0.0
    #: Text mode's section-aware features (:mod:`chromecut.features.sections`; off by default, see
    #: :data:`chromecut.features.featurizer.SECTION_FEATURES_DEFAULT`).
    section_features: bool = False
    #: HTML mode's kind and article-boundary features (:mod:`chromecut.features.kinds`). On by default: on the
    #: test sites (featurised without their site) they raised the HTML model's page F1 from 0.853 to 0.861. A
    #: bundle saved without the parameter predates them (:data:`chromecut.features.featurizer.KIND_FEATURES_DEFAULT`).
    kind_features: bool = True
    #: Text mode's Markdown link features (:data:`chromecut.features.featurizer.MARKDOWN_FEATURES_DEFAULT`).
    markdown_features: bool = False
    #: The prose test counts CJK characters as words (:data:`chromecut.features.featurizer.CJK_PROSE_WORDS_DEFAULT`).
    cjk_prose_words: bool = False
    #: The keyword families' one-word phrases also match their plurals
    #: (:data:`chromecut.features.featurizer.KEYWORD_PLURALS_DEFAULT`).
    keyword_plurals: bool = False
    #: HTML mode's summary family (:data:`chromecut.features.featurizer.SUMMARY_FEATURES_DEFAULT`): the page's
    #: own ``og:description`` / ``description`` against each line.
    summary_features: bool = False
    #: Share of training pages featurised as if their language had no stopword list (the stopword family all
    #: zero, as on a page in a language outside ``stopword_languages``), so the trees
    #: also learn to tell prose from chrome without it (:func:`chromecut.train.frame.featurize_parts`). The pages
    #: are chosen by a hash of the page key; validation and test pages keep every list.
    stopword_dropout: float = 0.0
    #: Either mode's page-word family (:data:`chromecut.features.featurizer.PAGE_WORD_FEATURES_DEFAULT`): the
    #: words many of the page's long lines share stand in for a stopword list of its language.
    page_word_features: bool = False
    #: Either mode's learnt vocabulary (:mod:`chromecut.features.vocab`): the chrome log-odds of a line's words,
    #: learnt from the training sites' labels (the training lines out of fold by site). Off by default.
    vocab_features: bool = False
    #: HTML mode's learnt class/id word vocabulary (:mod:`chromecut.features.vocab`): the chrome log-odds of a
    #: line's class and id words, learnt the same way. Off by default; text mode has no class/id words.
    attr_vocab_features: bool = False
    #: Text mode learns from whole-page dumps of renderers (``renderings.parquet``, written by ``chromecut data
    #: prepare``) instead of chromecut's own lines (a page's dumps share its ``source``, so they count as one page
    #: in the line frequencies). Off by default; the shipped text model learns so (``experiment=ship_text``, with
    #: ``renderers_always`` and ``data.dataset_balance``: docs/training.md).
    learn_from_renderings: bool = False
    #: The renderers whose dumps it learns from; empty: every renderer in the table.
    renderers: tuple[str, ...] = ()
    #: Share of training pages whose site the features see (the ``repeat_site`` family: lines repeated on other
    #: pages of the site in the batch). Inference cleans pages without naming their site, so validation and test
    #: pages are featurised without it (:func:`chromecut.train.frame.featurize_parts`). Measured on the HTML
    #: model's test sites, featurised without their site: training with it on every page 0.861 page F1, on half
    #: of them 0.857, on none 0.847.
    site_known_share: float = 1.0
    #: Renderers no model of the run learns from or tunes on: the test split shows how text mode does on a dump
    #: format it never saw.
    held_out_renderers: tuple[str, ...] = ("inscriptis",)
    #: Dumps of each training and validation page, drawn from the training renderers (the test split keeps
    #: every renderer's dump of each page).
    renderings_per_page: int = 2
    #: Training renderers whose dump every training and validation page gets (counted in
    #: ``renderings_per_page``; the others' are drawn). ``("chromecut",)`` keeps chromecut's own lines in the mix.
    renderers_always: tuple[str, ...] = ()
    #: Learn from the dumps with their blank lines as rows of the training and validation pages, as the shipped
    #: text and Markdown bundles were trained (their recipes set it, so ``make train`` rebuilds them; the
    #: quality gate's floors are theirs). Inference reads only a dump's non-blank lines, so off (the default) a
    #: line's neighbours, position and page size are the same in training as when it is cleaned; the test split
    #: is always read as inference reads it (docs/training.md, *Blank lines of the dumps*).
    blank_rows_in_training: bool = False


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
    #: The validation metric early stopping watches: ``binary_logloss`` or ``average_precision``.
    early_stopping_metric: str = "binary_logloss"
    num_threads: int = 2
    #: ``sqrt_tokens`` or ``none``.
    line_weight: str = "sqrt_tokens"
    #: How the decision threshold is chosen: ``lodo`` for pages of sites the model never saw (best mean page F1
    #: over the training datasets, each held out in turn from fold models: :mod:`chromecut.train.threshold`),
    #: ``val`` (best weighted line F1 on the validation sites), ``val_pages`` (best mean page F1 on the validation
    #: sites' pages), ``oof`` (best weighted line F1 on the validation sites and the training sites' out-of-fold
    #: probabilities together, folds by site: a threshold that moves less from one fit to the next) or ``fixed``
    #: (``threshold``). ``val`` is the default: ``lodo`` and ``val_pages`` scored better on the test sites but
    #: each failed quality-gate floors (docs/training.md).
    threshold_policy: str = "val"
    threshold: float = 0.5
    #: The decision's smoothing (:mod:`chromecut.model.decision`): the switch cost of the two-state path that drops
    #: short runs of lines just above the threshold among chrome; 0 decides by the threshold alone. Chosen on the
    #: leave-one-dataset-out folds' held-out pages (docs/training.md); the bundle keeps it.
    smoothing: float = 0.0
    #: The decision's fallback (:mod:`chromecut.model.decision`): a page whose lines at or above the threshold
    #: hold fewer characters than this is decided at half the threshold; 0 never. Chosen on the
    #: leave-one-dataset-out folds' held-out pages (docs/training.md); the bundle keeps it.
    fallback_chars: int = 300
    #: What ``p_content`` means (:mod:`chromecut.model.calibration`): ``none`` (the classifier's probability) or
    #: ``lodo`` (Platt scaling fitted on the out-of-dataset probabilities of the ``lodo`` fold models, each
    #: training dataset held out in turn; strictly increasing, so no decision changes). ``none`` by default: on
    #: the shipped settings the map of three datasets made the fourth's calibration worse (docs/training.md).
    calibration: str = "none"
    #: Bundles trained before (folders, MLflow model URIs, or ``html`` / ``text`` / ``markdown`` for the shipped
    #: ones) that the run's bundle joins as an ensemble (:mod:`chromecut.train.ensemble`): the mean of their
    #: probabilities is what the run measures, tunes its ``val`` threshold on and ships. Empty: the run's bundle
    #: alone.
    ensemble_with: tuple[str, ...] = ()
    #: ``lodo``: training pages per dataset in each fold model (None: all of the train split's).
    lodo_max_pages: int | None = None
    #: ``lodo`` and ``val_pages``: thresholds tried, evenly spaced from 0 to 1 inclusive.
    threshold_grid_points: int = 101
    #: A second pass that also sees the first pass's probabilities of the line's neighbours.
    context_pass: bool = True
    #: Out-of-fold first-pass probabilities for training the context pass (folds by site).
    context_folds: int = 3
    #: ``lgbm_dask``: a LocalCluster of this many worker processes (``num_threads`` threads each) ...
    dask_workers: int = 2
    #: ... unless the address of a running scheduler is given.
    dask_scheduler: str | None = None


@dataclass(frozen=True)
class TrackingSettings:
    """Where MLflow records runs, and what gets registered."""

    enabled: bool = True
    #: None: ``$MLFLOW_TRACKING_URI``, else :data:`TRACKING_URI_DEFAULT`.
    tracking_uri: str | None = None
    experiment: str = "chromecut"
    run_name: str | None = None
    register: bool = True
    registered_model_prefix: str = "chromecut"
    #: The registered model's name; None: ``<registered_model_prefix>-<mode>`` (``chromecut-html``). The shipped
    #: Markdown model is a text model registered as ``chromecut-markdown`` (``experiment=ship_markdown``).
    registered_model_name: str | None = None
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
    #: Where the bundle is saved (None: :data:`OUTPUT_DIR_PATTERN` of the mode); every relative path of a run
    #: is resolved against the project root (``$CHROMECUT_ROOT``, else the current folder).
    output_dir: str | None = None
    #: A second copy of the bundle (the shipped models: into the package).
    ship_to: str | None = None
    #: When set, the run also writes its metrics, test-line precision/recall curve and per-page scores here
    #: (the DVC pipeline's metrics and plots).
    report_dir: str | None = None

    @property
    def bundle_dir(self) -> str:
        """Where the run saves its bundle."""
        return self.output_dir or OUTPUT_DIR_PATTERN.format(mode=self.features.mode)


@dataclass(frozen=True)
class EvaluateSettings:
    """The leave-one-dataset-out evaluation: which datasets are held out, how much each fold trains on."""

    #: Held-out datasets (empty: all ten).
    datasets: tuple[str, ...] = ()
    fold_max_pages: int | None = FOLD_MAX_PAGES_DEFAULT
    #: The peers scored on the same held-out pages.
    peers: bool = True
    #: Processes for the peers.
    jobs: int = 1


@dataclass(frozen=True)
class BenchSettings:
    """The speed benchmark of the pipeline's bundles beside the peers."""

    pages: int = BENCH_PAGES_DEFAULT
    #: Empty: the benchmark's default mix.
    datasets: tuple[str, ...] = ()
    #: Empty: chromecut's and every peer's.
    contenders: tuple[str, ...] = ()
    #: Stream lengths (in samples) whose peak RSS is measured; empty: none.
    rss_repeats: tuple[int, ...] = ()
    #: Timed passes of each contender, taken in turns; the fastest counts.
    rounds: int = BENCH_ROUNDS_DEFAULT


@dataclass(frozen=True)
class PipelineSettings:
    """The DVC pipeline's settings: one composed config (``params.yaml``) for every stage."""

    train: TrainSettings = field(default_factory=TrainSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    bench: BenchSettings = field(default_factory=BenchSettings)


@dataclass
class ChromecutConfig:
    """The schema Hydra composes ``conf/`` over: every group and top-level key with its type and default.

    Not frozen, since Hydra merges the YAML files into it; library code gets :class:`TrainSettings` and
    :class:`PipelineSettings` from :func:`settings_from_dict` / :func:`pipeline_settings_from_dict`.
    """

    data: DataSettings = field(default_factory=DataSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    bench: BenchSettings = field(default_factory=BenchSettings)
    seed: int = TrainSettings.seed
    output_dir: str | None = None
    ship_to: str | None = None
    report_dir: str | None = None


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
