"""Explainability and bias-auditing workbench for mental-health AI models.

The names below load on first use (PEP 562), so ``import workbench`` and the command line's
``--help`` start without importing torch, pandas or scikit-learn.
"""

from workbench._lazy import lazy_names

_HOMES = {
    "DataError": "workbench._errors",
    "ExplanationError": "workbench._errors",
    "InputError": "workbench._errors",
    "ModelLoadError": "workbench._errors",
    "ModelRaisedError": "workbench._errors",
    "ReviewError": "workbench._errors",
    "SpecError": "workbench._errors",
    "StoreError": "workbench._errors",
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
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
