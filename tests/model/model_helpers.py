"""Helpers of the end-to-end tests: settings of a tiny tracked training run."""

from __future__ import annotations

from pathlib import Path

from chromecut.config import DataSettings, ModelSettings, TrackingSettings, TrainSettings

PAGE = ("<html><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav><h1>Budget approved</h1>"
        "<p>The council approved the new budget after a long debate that lasted well into the night, "
        "officials said on Monday.</p><footer>© 2024 Example</footer></body></html>")


def tiny_settings(prepared: Path, store: Path, rounds: int, threshold: float | None = None) -> TrainSettings:
    """A few dozen real pages, one thread, tracked into ``store/mlflow.db``, bundle in ``store/bundle``."""
    fixed = {} if threshold is None else {"tune_threshold": False, "threshold": threshold}
    return TrainSettings(
        data=DataSettings(processed_dir=str(prepared)),
        model=ModelSettings(num_boost_round=rounds, early_stopping_rounds=10, num_threads=1, min_data_in_leaf=5,
                            **fixed),  # type: ignore[arg-type]
        tracking=TrackingSettings(tracking_uri=f"sqlite:///{store / 'mlflow.db'}", experiment="e2e"),
        output_dir=str(store / "bundle"),
    )
