"""chromecut: learned line-level boilerplate removal.

``from chromecut import Cleaner`` is the inference API; it is imported on first use, so commands that only
prepare data do not load the model stack.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Cleaner", "__version__"]

if TYPE_CHECKING:
    from chromecut.predict import Cleaner

#: In a checkout (``pip install -e .``), the project's top-level ``conf/`` (the one source of the Hydra config).
_CHECKOUT_CONF = Path(__file__).resolve().parents[2] / "conf"


class _CheckoutConfFinder:
    """Imports ``chromecut.conf`` from the checkout's ``conf/``.

    A wheel carries ``conf/`` as the package ``chromecut.conf`` (maturin stages it, see pyproject.toml); an editable
    install leaves a staged copy in ``src/chromecut/conf`` too, which this finder keeps out of the way, so editing
    ``conf/`` takes effect without reinstalling (as setuptools' editable mapping did).
    """

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "chromecut.conf":
            return None
        return importlib.util.spec_from_file_location(
            name, _CHECKOUT_CONF / "__init__.py", submodule_search_locations=[str(_CHECKOUT_CONF)]
        )


if Path(__file__).resolve().parent.parent.name == "src" and (_CHECKOUT_CONF / "config.yaml").is_file():
    sys.meta_path.insert(0, _CheckoutConfFinder)


def __getattr__(name: str) -> Any:
    if name == "Cleaner":
        from chromecut.predict import Cleaner

        return Cleaner
    raise AttributeError(f"module 'chromecut' has no attribute {name!r}")
