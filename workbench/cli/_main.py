"""The ``workbench`` command: models, check, explain, precompute, audit, chat-audit, report,
review(s) and serve.

Building the parser imports nothing heavy; each verb imports what it needs when it runs. Exit
codes: 0 done, 1 a fairness bound breached (audit), 2 bad input or spec, 3 the model's own code
raised, 4 the workbench itself failed (a bug to report; never read as a breach).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from workbench._errors import ModelRaisedError, WorkbenchError
from workbench._version import __version__
from workbench.cli._audit import add_audit_command
from workbench.cli._chat_audit import add_chat_audit_command
from workbench.cli._common import EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR, EXIT_MODEL_RAISED
from workbench.cli._explain import add_explain_command
from workbench.cli._models import add_model_commands
from workbench.cli._precompute import add_precompute_command
from workbench.cli._report import add_report_command
from workbench.cli._review import add_review_commands
from workbench.cli._serve import add_serve_command

MSG_INTERNAL_ERROR = (
    "workbench: internal error ({kind}): {error}. This is a fault in the workbench, not a "
    "finding about the model; run again with --debug for the traceback and report it."
)
DEBUG_HELP = "on an error, also print the Python traceback (of the model's code, when it raised)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Explainability and bias-auditing workbench for mental-health AI models. "
        "All bundled data is synthetic.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    add_model_commands(verbs)
    add_review_commands(verbs)
    add_audit_command(verbs)
    add_chat_audit_command(verbs)
    add_explain_command(verbs)
    add_precompute_command(verbs)
    add_report_command(verbs)
    add_serve_command(verbs)
    for verb in verbs.choices.values():
        # SUPPRESS: a verb's default must not undo `workbench --debug VERB`.
        verb.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except WorkbenchError as err:
        if args.debug:
            traceback.print_exception(err, file=sys.stderr)
        print(f"workbench: error: {err}", file=sys.stderr)
        return EXIT_MODEL_RAISED if isinstance(err, ModelRaisedError) else EXIT_BAD_INPUT
    except Exception as err:  # noqa: BLE001 - a crash must exit 4, never 1 ("breached")
        if args.debug:
            traceback.print_exception(err, file=sys.stderr)
        print(MSG_INTERNAL_ERROR.format(kind=type(err).__name__, error=err), file=sys.stderr)
        return EXIT_INTERNAL_ERROR
