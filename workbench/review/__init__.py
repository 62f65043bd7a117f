"""Reviewer records: append-only decisions on model versions, kept in SQLite or PostgreSQL."""

from workbench._lazy import lazy_names

_HOMES = {
    "APPEND_ONLY_MESSAGE": "workbench.review._store",
    "DATABASE_FILE_NAME": "workbench.review._store",
    "DATA_DIR_ENV": "workbench.review._store",
    "MSG_BAD_SHA256": "workbench.review._records",
    "MSG_BAD_URL": "workbench.review._store",
    "MSG_CONDITIONS_ON_APPROVE": "workbench.review._records",
    "MSG_CONDITIONS_REQUIRED": "workbench.review._records",
    "MSG_CORRUPT": "workbench.review._store",
    "MSG_DATABASE": "workbench.review._store",
    "MSG_EMPTY_CONDITION": "workbench.review._records",
    "MSG_EMPTY_MODEL_NAME": "workbench.review._records",
    "MSG_EMPTY_REVIEWER": "workbench.review._records",
    "MSG_EMPTY_SPEC_PATH": "workbench.review._records",
    "MSG_FILE_IN_WAY": "workbench.review._store",
    "MSG_IN_MEMORY": "workbench.review._store",
    "MSG_LOCKED": "workbench.review._store",
    "MSG_MODEL_CHANGED": "workbench.review._store",
    "MSG_NAIVE_TIME": "workbench.review._records",
    "MSG_NO_DATA_FILE": "workbench.review._records",
    "MSG_NO_DRIVER": "workbench.review._store",
    "MSG_NO_FOLDER": "workbench.review._store",
    "MSG_READ_ONLY": "workbench.review._store",
    "MSG_UNKNOWN_DECISION": "workbench.review._records",
    "Decision": "workbench.review._records",
    "Review": "workbench.review._records",
    "ReviewStore": "workbench.review._store",
    "StoredReview": "workbench.review._records",
    "check_current": "workbench.review._store",
    "default_database": "workbench.review._store",
    "model_changed_message": "workbench.review._store",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
