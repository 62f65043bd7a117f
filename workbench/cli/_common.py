"""Pieces every verb shares: the options several verbs define alike (as ``argparse`` parent
parsers), the exit code for bad input, and the one JSON writer of the command line."""

from __future__ import annotations

import argparse
from typing import Any

from workbench._errors import WorkbenchError
from workbench._files import cannot_write_reason, json_text, write_text_atomically
from workbench.review._names import DATA_DIR_ENV, DATABASE_FILE_NAME, DEFAULT_DATA_DIR

EXIT_BAD_INPUT = 2
MODEL_HELP = "path to a model.yaml spec"
TRUST_PICKLE_HELP = "allow pickle-based weights (only for files you trust)"
BOOTSTRAP_HELP = "bootstrap replicates, 0 for none (default 200)"
STDOUT = "-"


def _parent(*parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A parser of shared options, for verbs to list in ``parents=[...]``."""
    return argparse.ArgumentParser(add_help=False, parents=list(parents))


# --model for verbs that read a spec; with --trust-pickle for those that load the model.
SPEC_OPTION = _parent()
SPEC_OPTION.add_argument("--model", required=True, help=MODEL_HELP)
MODEL_OPTIONS = _parent(SPEC_OPTION)
MODEL_OPTIONS.add_argument("--trust-pickle", action="store_true", help=TRUST_PICKLE_HELP)
BOOTSTRAP_OPTION = _parent()
BOOTSTRAP_OPTION.add_argument("--bootstrap", type=int, default=200, help=BOOTSTRAP_HELP)
REVIEW_DATABASE_OPTION = _parent()
REVIEW_DATABASE_OPTION.add_argument(
    "--db",
    metavar="URL_OR_PATH",
    help="review database: a SQLite file or folder, or a SQLAlchemy URL such as "
    f"postgresql+psycopg://host/db (default: ${DATA_DIR_ENV}/{DATABASE_FILE_NAME}, "
    f"else {DEFAULT_DATA_DIR}/{DATABASE_FILE_NAME})",
)


def write_json(
    destination: str, payload: Any, *, error: type[WorkbenchError], message: str
) -> None:
    """Write ``payload`` as JSON to the file ``destination`` atomically, or to stdout for ``-``;
    NaN is refused. When the file cannot be written, raise ``error`` with ``message`` formatted
    with the ``path`` and the ``reason``."""
    text = json_text(payload)
    if destination == STDOUT:
        print(text, end="")
        return
    try:
        write_text_atomically(destination, text)
    except OSError as err:
        reason = cannot_write_reason(destination, err)
        raise error(message.format(path=destination, reason=reason)) from None
