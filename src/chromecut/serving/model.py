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

    def predict(self, context: PythonModelContext, model_input: pd.DataFrame, params: dict[str, Any] | None = None
                ) -> pd.DataFrame:
        """Clean the pages of ``model_input``; ``params`` may give a ``threshold`` and ``reflow`` (false: a
        hard-wrapped text dump's lines scored one by one, as :class:`chromecut.predict.Cleaner` takes it)."""
        cleaner = self.cleaner
        params = params or {}
        threshold, reflow = params.get("threshold"), params.get("reflow")
        if threshold is not None or reflow is not None:
            cleaner = Cleaner(cleaner.bundle, None if threshold is None else float(threshold),
                              reflow=True if reflow is None else _flag(reflow))
        return predict_frame(cleaner, model_input)


def _flag(value: Any) -> bool:
    """A boolean parameter as JSON or a query string gives it (``true``/``false``, any case)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"reflow must be true or false, not {value!r}")
    return text == "true"
