"""Hydra's plugin scan imports this module (in ``dvc exp run`` as in any Hydra app): it registers chromecut's
structured config schema (:mod:`chromecut.train.schema`)."""

from chromecut.train.schema import register

register()
