"""Where the explanation store lives: light, so the command line's ``--help`` shows it without
importing SQLAlchemy, and the app asks whether a store exists before it opens one."""

import os
from pathlib import Path

from workbench.review._names import DATA_DIR_ENV, DEFAULT_DATA_DIR

STORE_ENV = "WORKBENCH_STORE"
STORE_FILE_NAME = "explanations.sqlite3"
SCHEDULER_ENV = "WORKBENCH_SCHEDULER"


def default_store_folder() -> Path:
    """``$WORKBENCH_STORE``, else the workbench data folder (``$WORKBENCH_DATA_DIR`` or its
    default)."""
    chosen = os.environ.get(STORE_ENV) or os.environ.get(DATA_DIR_ENV) or str(DEFAULT_DATA_DIR)
    return Path(chosen).expanduser()


def store_exists(folder: str | Path | None = None) -> bool:
    """Whether the store file in ``folder`` (default: :func:`default_store_folder`) exists."""
    path = Path(folder).expanduser() if folder else default_store_folder()
    return (path / STORE_FILE_NAME).is_file()
