"""The ``workbench`` command: models, check, explain, audit, report, review(s) and serve."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workbench._errors import WorkbenchError
from workbench._version import __version__
from workbench.audit._cli import add_audit_command
from workbench.data import load_dataset
from workbench.explain._cli import add_explain_command
from workbench.models import load_model
from workbench.report._cli import add_report_command
from workbench.review._cli import add_review_commands
from workbench.serve import add_serve_command
from workbench.spec import load_spec, sample_model_specs

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Explainability and bias-auditing workbench for mental-health AI models. "
        "All bundled data is synthetic.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    models = verbs.add_parser("models", help="list the bundled sample models")
    models.set_defaults(run=_run_models)
    check = verbs.add_parser("check", help="load a model spec and score one input as a smoke test")
    check.add_argument("--model", required=True, help="path to a model.yaml spec")
    check.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow pickle-based weights (only for files you trust)",
    )
    check.set_defaults(run=_run_check)
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


def _run_models(args: argparse.Namespace) -> int:
    for name, path in sample_model_specs().items():
        print(f"{name}\t{path}")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    model = load_model(args.model, trust_pickle=args.trust_pickle)
    spec = load_spec(args.model)
    if spec.data is not None:
        data = load_dataset(spec).head(1)
        first = data[spec.text_column].tolist() if model.kind == "text" else data
        scores = dict(zip(model.class_names, model.predict_proba(first)[0].round(3).tolist()))
        print(f"first evaluation row scored: {scores}")
    print(
        f"{model.name}: {model.kind} model ({model.framework}), classes {list(model.class_names)}"
    )
    print(f"fingerprint sha256 {model.fingerprint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
