"""Explainability and bias-auditing workbench for mental-health AI models.

The names below load on first use (PEP 562), so ``import workbench`` and the command line's
``--help`` start without importing torch, pandas or scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "DataError": "workbench._errors",
    "ExplanationError": "workbench._errors",
    "InputError": "workbench._errors",
    "ModelLoadError": "workbench._errors",
    "ReviewError": "workbench._errors",
    "SpecError": "workbench._errors",
    "UnsafeFormatError": "workbench._errors",
    "WorkbenchError": "workbench._errors",
    "__version__": "workbench._version",
    "file_sha256": "workbench.data",
    "load_dataset": "workbench.data",
    "ModelAdapter": "workbench.models",
    "load_model": "workbench.models",
    "ModelSpec": "workbench.spec",
    "load_spec": "workbench.spec",
    "sample_model_specs": "workbench.spec",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, with the module's own attributes."""
    return sorted({*globals(), *__all__})
