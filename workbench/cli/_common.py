"""Pieces every verb shares: the options several verbs define alike (as ``argparse`` parent
parsers), the exit codes for bad input, for a model that raised and for the workbench's own
failure, and the one JSON writer of the command line."""

from __future__ import annotations

import argparse
from typing import Any

from workbench._errors import AuditError, WorkbenchError
from workbench._files import cannot_write_reason, json_text, write_text_atomically
from workbench.review._names import DATA_DIR_ENV, DATABASE_FILE_NAME, DEFAULT_DATA_DIR

EXIT_BAD_INPUT = 2
EXIT_MODEL_RAISED = 3
EXIT_INTERNAL_ERROR = 4
MODEL_HELP = "path to a model.yaml spec"
TRUST_PICKLE_HELP = "allow pickle-based weights (only for files you trust)"
DEVICE_HELP = (
    "where a torch or transformers model runs: auto (a GPU when torch sees one), cpu, cuda, "
    "cuda:N or mps (default: the spec's device, else auto)"
)
BOOTSTRAP_HELP = "bootstrap replicates, 0 for none (default 200)"
STDOUT = "-"
MSG_BAD_PRIVILEGED = (
    "--privileged takes attribute=group pairs, repeated or separated by commas, e.g. "
    "gender=male; got {value!r}"
)


def _parent(*parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A parser of shared options, for verbs to list in ``parents=[...]``."""
    return argparse.ArgumentParser(add_help=False, parents=list(parents))


# --model for verbs that read a spec; with --trust-pickle for those that load the model.
SPEC_OPTION = _parent()
SPEC_OPTION.add_argument("--model", required=True, help=MODEL_HELP)
MODEL_OPTIONS = _parent(SPEC_OPTION)
MODEL_OPTIONS.add_argument("--trust-pickle", action="store_true", help=TRUST_PICKLE_HELP)
MODEL_OPTIONS.add_argument("--device", help=DEVICE_HELP)
BOOTSTRAP_OPTION = _parent()
BOOTSTRAP_OPTION.add_argument("--bootstrap", type=int, default=200, help=BOOTSTRAP_HELP)
# What the audit compares each group with: the rest (default), privileged groups, the best-off.
REFERENCE_OPTIONS = _parent()
_REFERENCE = REFERENCE_OPTIONS.add_mutually_exclusive_group()
_REFERENCE.add_argument(
    "--privileged",
    action="append",
    metavar="ATTRIBUTE=GROUP",
    help="the privileged group of every audited attribute, repeated or separated by commas, "
    "e.g. --privileged gender=male --privileged ethnicity=white,age_band=41-65; "
    "intersections use the combination (default: each group against all others)",
)
_REFERENCE.add_argument(
    "--best-off",
    action="store_true",
    help="compare each group with the best-off group of its attribute or intersection: the "
    "lowest false negative rate among groups of the minimum group size or more",
)
REVIEW_DATABASE_OPTION = _parent()
REVIEW_DATABASE_OPTION.add_argument(
    "--db",
    metavar="URL_OR_PATH",
    help="review database: a SQLite file or folder, or a SQLAlchemy URL such as "
    f"postgresql+psycopg://host/db (default: ${DATA_DIR_ENV}/{DATABASE_FILE_NAME}, "
    f"else {DEFAULT_DATA_DIR}/{DATABASE_FILE_NAME})",
)


def reference_choice(args: argparse.Namespace) -> Any:
    """``AuditOptions.privileged`` from ``--privileged``/``--best-off``: a mapping, the
    best-off choice, or None (the rest)."""
    from workbench.audit import BEST_OFF

    if args.best_off:
        return BEST_OFF
    if not args.privileged:
        return None
    pairs = {}
    for text in args.privileged:
        for item in text.split(","):
            attribute, equals, group = item.strip().partition("=")
            if not equals or not attribute.strip() or not group.strip():
                raise AuditError(MSG_BAD_PRIVILEGED.format(value=text))
            pairs[attribute.strip()] = group.strip()
    return pairs


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
