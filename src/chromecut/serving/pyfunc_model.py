"""MLflow "models from code" entry: MLflow runs this file to build the pyfunc, so no Python object is pickled."""

import mlflow

from chromecut.serving.model import ChromecutModel

mlflow.models.set_model(ChromecutModel())
