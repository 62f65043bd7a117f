"""Explainability and bias-auditing workbench for mental-health AI models."""

from workbench._errors import (
    DataError,
    ExplanationError,
    InputError,
    ModelLoadError,
    ReviewError,
    SpecError,
    UnsafeFormatError,
    WorkbenchError,
)
from workbench._version import __version__
from workbench.data import file_sha256, load_dataset
from workbench.models import ModelAdapter, load_model
from workbench.spec import ModelSpec, load_spec, sample_model_specs

__all__ = [
    "DataError",
    "ExplanationError",
    "InputError",
    "ModelAdapter",
    "ModelLoadError",
    "ModelSpec",
    "ReviewError",
    "SpecError",
    "UnsafeFormatError",
    "WorkbenchError",
    "__version__",
    "file_sha256",
    "load_dataset",
    "load_model",
    "load_spec",
    "sample_model_specs",
]
