"""kaoping (考评): measure and appraise the performance of a prosecution service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kaoping.api import Warehouse
    from kaoping.engine.periods import Period
    from kaoping.engine.values import IndicatorValue

__all__ = ["IndicatorValue", "Period", "Warehouse", "__version__"]

# Imported on first use, so that `import kaoping` (and the CLI's start-up) stays cheap.
_LAZY = {
    "Warehouse": "kaoping.api",
    "IndicatorValue": "kaoping.engine.values",
    "Period": "kaoping.engine.periods",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kaoping' has no attribute {name!r}")
