"""The MLflow pyfunc wrapper: a DataFrame of pages (``html`` or ``text`` column, optional ``id``) in, the
cleaned text and per-line labels out. ``mlflow models serve`` answers ``/invocations`` with it."""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from chromecut.model.compiled import PREDICTOR_DEFAULT, PREDICTORS
from chromecut.predict import Cleaner, InputMode, clean_text, records

PAGE_COLUMNS = ("html", "text")
#: Environment variable that picks the predictor of a served model (``lightgbm``, ``compiled``, ``native``), since
#: ``mlflow models serve`` passes no model config; a ``predictor`` key of the model config wins over it.
PREDICTOR_ENV = "CHROMECUT_PREDICTOR"
#: The parameters a request may give, with their defaults: the bundle's own threshold, wrapped dumps read by
#: paragraph (the model's signature declares them, so that MLflow passes them on).
PARAM_DEFAULTS: dict[str, Any] = {"threshold": None, "reflow": True}
#: Cleaners kept for other parameters than the defaults, the oldest dropped first.
MAX_CLEANER_VARIANTS = 8


def predict_frame(cleaner: Cleaner, pages: pd.DataFrame) -> pd.DataFrame:
    """Clean every row of ``pages``; a row that fails gets an ``error`` and no text (the others go on)."""
    column = next((c for c in PAGE_COLUMNS if c in pages.columns), None)
    if column is None:
        raise ValueError(f"input needs a column named one of {PAGE_COLUMNS}; got {list(pages.columns)}")
    mode: InputMode = "html" if column == "html" else "text"
    ids = pages["id"].astype(str).tolist() if "id" in pages.columns else [str(i) for i in range(len(pages))]
    rows = []
    for doc, page in zip(ids, pages[column].tolist(), strict=True):
        try:
            lines = cleaner.label(page if isinstance(page, (str, bytes)) else "", mode=mode)
            labels = [{k: v for k, v in r.items() if k != "doc"} for r in records(lines, doc)]
            rows.append({"id": doc, "text": clean_text(lines), "labels": json.dumps(labels, ensure_ascii=False),
                         "error": ""})
        except Exception as exc:  # one bad page never stops the batch
            rows.append({"id": doc, "text": "", "labels": "[]", "error": f"{type(exc).__name__}: {exc}"})
    return pd.DataFrame(rows, columns=["id", "text", "labels", "error"])


class ChromecutModel(PythonModel):
    """pyfunc flavour of a chromecut bundle (logged as the artifact ``bundle``)."""

    def load_context(self, context: PythonModelContext) -> None:
        config = getattr(context, "model_config", None) or {}
        predictor = config.get("predictor") or os.environ.get(PREDICTOR_ENV) or PREDICTOR_DEFAULT
        if predictor not in PREDICTORS:
            raise ValueError(f"{PREDICTOR_ENV} or the model config's predictor must be one of {PREDICTORS}, "
                             f"not {predictor!r}")
        self.cleaner = Cleaner.load(context.artifacts["bundle"], predictor=predictor)
        self._variants: dict[tuple[float | None, bool], Cleaner] = {}

    def predict(self, context: PythonModelContext, model_input: pd.DataFrame, params: dict[str, Any] | None = None
                ) -> pd.DataFrame:
        """Clean the pages of ``model_input``; ``params`` may give a ``threshold`` and ``reflow`` (false: a
        hard-wrapped text dump's lines scored one by one, as :class:`chromecut.predict.Cleaner` takes it)."""
        params = params or {}
        threshold, reflow = params.get("threshold"), params.get("reflow")
        key = (PARAM_DEFAULTS["threshold"] if threshold is None else float(threshold),
               PARAM_DEFAULTS["reflow"] if reflow is None else _flag(reflow))
        return predict_frame(self._cleaner(key), model_input)

    def _cleaner(self, key: tuple[float | None, bool]) -> Cleaner:
        """The loaded cleaner for the default parameters, else one for ``(threshold, reflow)`` (kept for the next
        request: its trees are read once)."""
        if key == (PARAM_DEFAULTS["threshold"], PARAM_DEFAULTS["reflow"]):
            return self.cleaner
        cleaner = self._variants.get(key)
        if cleaner is None:
            if len(self._variants) >= MAX_CLEANER_VARIANTS:
                del self._variants[next(iter(self._variants))]
            cleaner = self._variants[key] = Cleaner(self.cleaner.bundle, key[0], self.cleaner.limits, reflow=key[1])
        return cleaner


def _flag(value: Any) -> bool:
    """A boolean parameter as JSON or a query string gives it (``true``/``false``, any case)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"reflow must be true or false, not {value!r}")
    return text == "true"
