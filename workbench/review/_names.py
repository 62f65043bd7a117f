"""Review decisions and where the review database lives: light, so the command line's ``--help``
shows them without importing SQLAlchemy."""

from pathlib import Path

REVIEW_DECISIONS = ("approve", "conditions", "reject")
DATA_DIR_ENV = "WORKBENCH_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.local/share/mh-workbench")
DATABASE_FILE_NAME = "reviews.sqlite3"
