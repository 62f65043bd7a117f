"""Where the explanation store lives: light, so the command line's ``--help`` shows it without
importing SQLAlchemy."""

STORE_ENV = "WORKBENCH_STORE"
STORE_FILE_NAME = "explanations.sqlite3"
SCHEDULER_ENV = "WORKBENCH_SCHEDULER"
