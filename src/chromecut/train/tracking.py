"""MLflow tracking of a training run: config, inputs, metrics, figures, worst errors, the model and its alias.

Only training imports this module: inference needs neither MLflow nor Hydra (the pyfunc wrapper lives in
:mod:`chromecut.serving.model`, which MLflow imports when it loads a logged model).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.settings import TRACKING_URI_DEFAULT, TrainSettings

if TYPE_CHECKING:
    from chromecut.train.threshold import ThresholdChoice

#: MLflow's own variable naming the tracking store.
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"

#: Figures: how many features the importance plot shows.
TOP_FEATURES = 30
#: Env var naming the parent run of a sweep (set by the Hydra app for multirun jobs).
PARENT_RUN_ENV = "CHROMECUT_PARENT_RUN_ID"


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists become strings."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
    return out


def tracking_uri(settings: TrainSettings, root: Path) -> str:
    """The tracking URI: the settings', else ``$MLFLOW_TRACKING_URI``, else the project's sqlite store; a
    relative sqlite path is anchored at the project root, so every run of every Hydra output folder lands in
    one store."""
    uri = settings.tracking.tracking_uri or os.environ.get(TRACKING_URI_ENV) or TRACKING_URI_DEFAULT
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + str((root / uri[len(prefix):]).resolve())
    return uri


def registered_name(settings: TrainSettings) -> str:
    """The name given (``tracking.registered_model_name``), else ``chromecut-html`` or ``chromecut-text``."""
    if settings.tracking.registered_model_name:
        return settings.tracking.registered_model_name
    return f"{settings.tracking.registered_model_prefix}-{settings.features.mode}"


class Tracker:
    """A context manager around one MLflow run; a no-op when tracking is disabled.

    An exception inside the block ends the run as FAILED (KeyboardInterrupt as KILLED) and nothing is
    registered or promoted: a model version the run registered before the exception is deleted again (with
    its registered model when it was the only version), unless the champion alias had already moved to it.
    """

    def __init__(self, settings: TrainSettings, root: Path) -> None:
        self.settings = settings
        self.root = root
        self.run_id: str | None = None
        #: (registered model, version) this run registered, until the champion alias moves to it.
        self.unpromoted: tuple[str, str] | None = None

    def __enter__(self) -> Tracker:
        if not self.settings.tracking.enabled:
            return self
        import mlflow

        mlflow.set_tracking_uri(tracking_uri(self.settings, self.root))
        mlflow.set_experiment(self.settings.tracking.experiment)
        parent = os.environ.get(PARENT_RUN_ENV)
        run = mlflow.start_run(run_name=self.settings.tracking.run_name, parent_run_id=parent, nested=bool(parent))
        self.run_id = run.info.run_id
        mlflow.log_params(flatten(asdict(self.settings)))
        mlflow.set_tag("mode", self.settings.features.mode)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.run_id is None:
            return
        import mlflow

        if kind is None:
            mlflow.end_run("FINISHED")
            return
        try:
            self._unregister()
        finally:
            mlflow.end_run("KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED")

    def _unregister(self) -> None:
        """Delete the version a failed run registered (and its registered model if it has no other)."""
        if self.unpromoted is None:
            return
        from mlflow import MlflowClient

        name, version = self.unpromoted
        client = MlflowClient()
        client.delete_model_version(name, version)
        if not client.search_model_versions(f"name='{name}'"):
            client.delete_registered_model(name)
        self.unpromoted = None

    # ------------------------------------------------------------------------------------------------------

    def log_metrics(self, metrics: dict[str, float]) -> None:
        """Metrics; MLflow metric names may not hold every character, so per-dataset keys are kept simple."""
        if self.run_id is None:
            return
        import mlflow

        mlflow.log_metrics({k.replace(".", "/"): float(v) for k, v in metrics.items() if np.isfinite(v)})

    def log_inputs(self, parts: dict[str, pd.DataFrame], source: Path) -> None:
        """One MLflow dataset input per split that has pages: its pages (dataset, page id, domain), digest
        included."""
        if self.run_id is None:
            return
        import mlflow
        from mlflow.data.pandas_dataset import from_pandas

        for split, part in parts.items():
            if not len(part):  # no test pages (your own pages, all given to training and validation)
                continue
            page_list = part[["doc", "dataset", "domain"]].drop_duplicates("doc").reset_index(drop=True)
            dataset = from_pandas(page_list, source=str(source), name=f"chromecut-{split}")
            mlflow.log_input(dataset, context={"train": "training", "val": "validation"}.get(split, split))

    def log_figures(self, figures: Callable[[], dict[str, Any]]) -> None:
        """Matplotlib figures as artifacts under ``figures/``, drawn (``figures()``) only when the run is tracked
        and closed once logged."""
        if self.run_id is None:
            return
        import matplotlib.pyplot as plt
        import mlflow

        for name, figure in figures().items():
            mlflow.log_figure(figure, f"figures/{name}.png")
            plt.close(figure)

    def log_table(self, table: pd.DataFrame, name: str) -> None:
        """A table artifact (shown in the MLflow UI's artifact view and the evaluation tab)."""
        if self.run_id is None:
            return
        import mlflow

        mlflow.log_table(table, artifact_file=f"tables/{name}.json")

    def log_threshold_tables(self, choice: ThresholdChoice) -> None:
        """The ``lodo`` policy's page-F1-against-threshold curves (a table and a CSV, one column per held-out
        dataset plus their mean) and its reliability table; nothing for the other policies."""
        if self.run_id is None or choice.curves.empty:
            return
        import mlflow

        curves = choice.curves.reset_index()
        self.log_table(curves, "lodo_threshold_curve")
        self.log_table(choice.reliability, "lodo_reliability")
        if not choice.calibrated_reliability.empty:
            self.log_table(choice.calibrated_reliability, "lodo_reliability_calibrated")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "lodo_threshold_curve.csv"
            curves.round(5).to_csv(path, index=False)
            mlflow.log_artifact(str(path), "tables")

    def log_model(self, bundle_dir: Path, input_example: pd.DataFrame, test_score: float,
                  score_champion: Any) -> str | None:
        """Log the bundle as a pyfunc with signature and input example, register it, and move the champion
        alias to it only if it beats the current champion on this run's test split.

        ``score_champion(bundle_dir) -> float`` rescores the current champion on the same test pages.
        Returns the new model version, if registered.
        """
        if self.run_id is None or not self.settings.tracking.log_model:
            return None
        from importlib.util import find_spec

        import mlflow
        from mlflow import MlflowClient
        from mlflow.models import ModelSignature, infer_signature
        from mlflow.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema

        from chromecut.predict import Cleaner
        from chromecut.serving.model import PARAM_DEFAULTS, predict_frame

        output = predict_frame(Cleaner.load(bundle_dir), input_example)
        # Every input column is optional: a page comes as ``html`` or ``text``, with or without an ``id``.
        inputs = Schema([ColSpec(DataType.string, name, required=False) for name in ("id", "html", "text")])
        # A request's parameters (chromecut.serving.model.PARAM_DEFAULTS): MLflow passes on only what is declared.
        params = ParamSchema([ParamSpec("threshold", DataType.double, PARAM_DEFAULTS["threshold"]),
                              ParamSpec("reflow", DataType.boolean, PARAM_DEFAULTS["reflow"])])
        signature = ModelSignature(inputs=inputs, outputs=infer_signature(input_example, output).outputs,
                                   params=params)
        name = registered_name(self.settings) if self.settings.tracking.register else None
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str((find_spec("chromecut.serving.pyfunc_model") or _missing()).origin),
            artifacts={"bundle": str(bundle_dir)},
            signature=signature,
            input_example=input_example,
            registered_model_name=name,
            pip_requirements=pip_requirements(),
        )
        if name is None:
            return None
        version = str(info.registered_model_version)
        self.unpromoted = (name, version)
        client = MlflowClient()
        alias = self.settings.tracking.champion_alias
        champion_score = None
        try:
            current = client.get_model_version_by_alias(name, alias)
        except Exception:  # no champion yet
            current = None
        if current is not None:
            with tempfile.TemporaryDirectory() as tmp:
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{name}/{current.version}", dst_path=tmp
                )
                champion_score = score_champion(Path(local))
        mlflow.log_metric("champion_test_page_f1", champion_score if champion_score is not None else float("nan"))
        client.set_model_version_tag(name, version, "test_page_f1", f"{test_score:.5f}")
        if champion_score is None or test_score > champion_score:
            client.set_registered_model_alias(name, alias, version)
            self.unpromoted = None
            mlflow.set_tag("champion", "true")
        else:
            mlflow.set_tag("champion", "false")
        return version


def _missing() -> Any:
    raise ImportError("chromecut.serving.pyfunc_model is missing from the installation")


def pip_requirements() -> list[str]:
    """The packages a logged chromecut model needs, pinned to the installed versions."""
    from importlib.metadata import version

    return [f"chromecut=={version('chromecut')}", f"lightgbm=={version('lightgbm')}",
            f"selectolax=={version('selectolax')}", f"pandas=={version('pandas')}"]


def feature_importance_figure(names: list[str], gains: npt.NDArray[np.float64]) -> Any:
    """Horizontal bar chart of the top features by total gain."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(gains)[::-1][:TOP_FEATURES][::-1]
    fig, ax = plt.subplots(figsize=(7, 8))
    ax.barh([names[i] for i in order], gains[order])
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance")
    fig.tight_layout()
    return fig


def pr_curve_figure(curves: dict[str, tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]]) -> Any:
    """Precision-recall curves of the content class, one per split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    fig, ax = plt.subplots(figsize=(6, 5))
    for split, (y, p) in curves.items():
        if len(np.unique(y)) > 1:
            precision, recall, _ = precision_recall_curve(y, p)
            ax.plot(recall, precision, label=split)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Content lines: precision-recall")
    ax.legend()
    fig.tight_layout()
    return fig


def confusion_figure(y: npt.NDArray[np.int8], pred: npt.NDArray[np.int8]) -> Any:
    """Confusion matrix (chrome / content) of the test lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(4.5, 4))
    if len(y):
        ConfusionMatrixDisplay.from_predictions(y, pred, labels=[0, 1], display_labels=["chrome", "content"], ax=ax,
                                                colorbar=False)
    else:  # a run without test pages (your own pages, all given to training and validation)
        ax.text(0.5, 0.5, "no test lines", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("Test lines")
    fig.tight_layout()
    return fig


def per_dataset_figure(scores: pd.DataFrame) -> Any:
    """Mean page-level F1 per dataset on the test split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    means = scores.groupby("dataset")["f1"].mean().sort_values()
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(means) + 1.5))
    ax.barh(means.index.astype(str), means.to_numpy())
    ax.set_xlim(0, 1)
    ax.set_xlabel("page-level F1 (test)")
    fig.tight_layout()
    return fig


def threshold_figures(choice: ThresholdChoice) -> dict[str, Any]:
    """The ``lodo`` policy's figures (none for the other policies): the threshold curves and the reliability
    plot."""
    if choice.curves.empty:
        return {}
    figures = {"lodo_threshold_curve": threshold_curve_figure(choice.curves, choice.threshold, choice.val_threshold),
               "lodo_reliability": reliability_figure(choice.reliability)}
    if not choice.calibrated_reliability.empty:
        figures["lodo_reliability_calibrated"] = reliability_figure(choice.calibrated_reliability, calibrated=True)
    return figures


def threshold_curve_figure(curves: pd.DataFrame, chosen: float, val_threshold: float) -> Any:
    """Mean page F1 of each held-out dataset against the threshold, their mean in bold, the chosen threshold
    and the validation policy's marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chromecut.train.threshold import MEAN_COLUMN

    fig, ax = plt.subplots(figsize=(7, 5))
    thresholds = curves.index.to_numpy(dtype=np.float64)
    for dataset in curves.columns.drop(MEAN_COLUMN):
        ax.plot(thresholds, curves[dataset].to_numpy(), linewidth=1, label=str(dataset))
    ax.plot(thresholds, curves[MEAN_COLUMN].to_numpy(), color="black", linewidth=2.5, label="mean of datasets")
    ax.axvline(chosen, color="black", linestyle="--", label=f"chosen {chosen:.2f}")
    ax.axvline(val_threshold, color="grey", linestyle=":", label=f"val policy {val_threshold:.2f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("threshold")
    ax.set_ylabel("mean page F1 (held-out dataset)")
    ax.set_title("Leave-one-dataset-out: page F1 against threshold")
    ax.legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    return fig


def reliability_figure(table: pd.DataFrame, calibrated: bool = False) -> Any:
    """Reliability of the held-out predictions: fraction of content lines against the bin's mean probability,
    per held-out dataset and pooled, beside the line count of every bin (``calibrated``: after the run's
    calibration)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chromecut.train.threshold import POOLED

    fig, (ax, counts) = plt.subplots(1, 2, figsize=(11, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="calibrated")
    datasets = [d for d in table["dataset"].unique() if d != POOLED] + [POOLED]
    width = 0.9 / len(datasets)
    for i, dataset in enumerate(datasets):
        rows = table[table["dataset"] == dataset]
        pooled = dataset == POOLED
        ax.plot(rows["p_mean"], rows["content_fraction"], marker="o", color="black" if pooled else None,
                linewidth=2.5 if pooled else 1, label=str(dataset))
        lower = rows["lower"].to_numpy(dtype=np.float64)
        bin_width = (rows["upper"] - rows["lower"]).to_numpy(dtype=np.float64)
        counts.bar(lower + bin_width * (0.05 + i * width), rows["lines"], width=bin_width * width, align="edge",
                   color="black" if pooled else None, label=str(dataset))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean p_content of the bin")
    ax.set_ylabel("fraction of content lines")
    ax.set_title("Held-out datasets: reliability" + (", calibrated" if calibrated else ""))
    ax.legend(fontsize="small")
    counts.set_yscale("log")
    counts.set_xlim(0, 1)
    counts.set_xlabel("p_content bin")
    counts.set_ylabel("lines")
    counts.set_title("Lines per bin")
    fig.tight_layout()
    return fig
