"""chromecut: learned line-level boilerplate removal.

``from chromecut import Cleaner`` is the inference API; it is imported on first use, so commands that only
prepare data do not load the model stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Cleaner", "__version__"]

if TYPE_CHECKING:
    from chromecut.predict import Cleaner


def __getattr__(name: str) -> Any:
    if name == "Cleaner":
        from chromecut.predict import Cleaner

        return Cleaner
    raise AttributeError(f"module 'chromecut' has no attribute {name!r}")
