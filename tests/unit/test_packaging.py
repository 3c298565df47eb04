"""``pip install chromecut`` is for cleaning pages: the inference path loads none of the training stack.

Checked in a fresh interpreter, since this test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from synthetic import synthetic_page

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: What ``chromecut[train]`` adds and cleaning must never import.
TRAINING_STACK = ("mlflow", "hydra", "omegaconf", "optuna", "matplotlib")
#: Installed with chromecut but not needed to clean: the Rust core reads the bundles' model text (LightGBM, and
#: the scikit-learn it imports, load for explanations and ``predictor="lightgbm"`` only).
LIGHTGBM_STACK = ("lightgbm", "sklearn")

_CLEAN_BOTH_MODES = """
import json, sys
import chromecut
from chromecut import Cleaner
html, text = json.loads(sys.stdin.read())
assert Cleaner.load("html").clean(html)
assert Cleaner.load("html").clean(html.replace("e", "\u00e9").encode("cp1252", "replace"))  # not UTF-8
assert Cleaner.load("text").clean(text)
assert Cleaner.load("markdown").clean("# Title\\n\\n* [Home](/)\\n\\n" + text)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded_by_cleaning() -> set[str]:
    page = synthetic_page(3)
    text = "Home | News | Sport\n" + "\n".join(
        "The council approved the budget after a long debate that lasted well into the night." for _ in range(5))
    run = subprocess.run([sys.executable, "-c", _CLEAN_BOTH_MODES], input=json.dumps([page, text]),
                         capture_output=True, text=True, check=True)
    return set(json.loads(run.stdout))


def test_cleaning_a_page_in_both_modes_imports_none_of_the_training_stack() -> None:
    loaded = _loaded_by_cleaning()
    assert "chromecut" in loaded and "numpy" in loaded
    assert not loaded & set(TRAINING_STACK), f"cleaning imported {sorted(loaded & set(TRAINING_STACK))}"
    assert not loaded & set(LIGHTGBM_STACK), f"cleaning imported {sorted(loaded & set(LIGHTGBM_STACK))}"


def test_the_training_stack_is_an_extra_not_a_dependency() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = " ".join(project["dependencies"]).lower()
    for name in ("mlflow", "hydra-core", "optuna", "matplotlib", "scikit-learn"):
        assert name not in base
        assert any(name in requirement for requirement in project["optional-dependencies"]["train"]) or name == \
            "optuna"  # optuna comes with hydra-optuna-sweeper
    assert any("hydra-optuna-sweeper" in r for r in project["optional-dependencies"]["train"])
