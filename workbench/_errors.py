"""Exception types raised by the workbench; every message says what is wrong and what to do."""


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class SpecError(WorkbenchError, ValueError):
    """A model spec file is missing, unreadable or invalid."""


class UnsafeFormatError(WorkbenchError):
    """A weights file would execute code when loaded and the caller did not trust it."""


class ModelLoadError(WorkbenchError):
    """Weights, tokenizer or code named by a spec cannot be loaded."""


class ModelRaisedError(WorkbenchError):
    """The model's own code (its forward, predict_proba, tokenizer or constructor) raised."""


class InputError(WorkbenchError, ValueError):
    """Inputs given to a model do not fit what the model expects."""


class DataError(WorkbenchError, ValueError):
    """An evaluation data file is missing, unreadable or lacks required columns."""


class AuditError(WorkbenchError, ValueError):
    """A bias audit cannot run on the given predictions, labels or groups."""


class ExplanationError(WorkbenchError, ValueError):
    """An explanation cannot be computed as asked (method, target, input or parameters)."""


class ReviewError(WorkbenchError, ValueError):
    """A review record is invalid, or the review database cannot be opened or written."""


class ReviewStoreError(ReviewError):
    """The review database cannot be opened, read or written (the message names where and what
    the operator can do; the served app shows visitors a plain message instead)."""


class ReportError(WorkbenchError, ValueError):
    """A report cannot be assembled from the given parts, or cannot be written where asked."""


class OutputError(WorkbenchError, ValueError):
    """A result cannot be written out as asked, e.g. JSON holding NaN."""


class StoreError(WorkbenchError, ValueError):
    """The explanation store cannot be opened or written, or a precompute job is asked wrongly."""
