"""The ``workbench`` command: models, check, explain, audit, report, review(s) and serve.

Building the parser imports nothing heavy; each verb imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workbench._errors import WorkbenchError
from workbench._version import __version__
from workbench.cli._audit import add_audit_command
from workbench.cli._common import EXIT_BAD_INPUT
from workbench.cli._explain import add_explain_command
from workbench.cli._models import add_model_commands
from workbench.cli._report import add_report_command
from workbench.cli._review import add_review_commands
from workbench.cli._serve import add_serve_command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Explainability and bias-auditing workbench for mental-health AI models. "
        "All bundled data is synthetic.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    add_model_commands(verbs)
    add_review_commands(verbs)
    add_audit_command(verbs)
    add_explain_command(verbs)
    add_report_command(verbs)
    add_serve_command(verbs)
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
        print(f"workbench: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
