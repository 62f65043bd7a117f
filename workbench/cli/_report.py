"""The ``report`` verb: a self-contained HTML report on a model (and its numbers as JSON)."""

from __future__ import annotations

import argparse

from workbench.audit._names import POSTPROCESSORS
from workbench.cli._common import (
    BOOTSTRAP_OPTION,
    MODEL_OPTIONS,
    REFERENCE_OPTIONS,
    reference_choice,
)
from workbench.review._names import DATA_DIR_ENV, DATABASE_FILE_NAME

MSG_WROTE = "wrote the report on {name} to {paths}"


def add_report_command(verbs: argparse._SubParsersAction) -> None:
    """Add the ``report`` verb to the sub-commands."""
    parser = verbs.add_parser(
        "report",
        parents=[MODEL_OPTIONS, BOOTSTRAP_OPTION, REFERENCE_OPTIONS],
        help="write a self-contained HTML report (and JSON) on a model, reviews included",
        description="Audit a model on its data, explain a few high-risk examples, swap identity "
        "words (text models), try one mitigation, list the reviewers' decisions, and write it "
        "all as one HTML file that opens offline and prints well, plus the same numbers as "
        "JSON. Example texts are redacted. Exit 0 when written, 2 on bad input.",
    )
    parser.add_argument("--out", required=True, metavar="OUT.html", help="the HTML file to write")
    parser.add_argument("--json", metavar="OUT.json", help="also write the numbers as JSON")
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="CSV or Parquet file with the spec's columns (default: its data)",
    )
    parser.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help="review database to read: a SQLite file or a SQLAlchemy URL (default: "
        f"${DATA_DIR_ENV}/{DATABASE_FILE_NAME} if it exists); it is never created or changed",
    )
    parser.add_argument(
        "--examples", type=int, default=3, help="high-risk examples to explain (default 3)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap and mitigation (default 0)"
    )
    parser.add_argument(
        "--mitigation",
        choices=[*POSTPROCESSORS, "none"],
        default="reject_option",
        help="post-processing tried on the worst breach (default reject_option, the slowest)",
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show example texts unredacted (only for data known to hold no identifiers)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="do not show progress bars on stderr"
    )
    parser.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Make and write the report a parsed command line asks for; returns the exit code."""
    from workbench.app.pipeline import make_report
    from workbench.report import write_html, write_json
    from workbench.report._write import check_writable
    from workbench.spec import load_spec, with_device

    for path in (args.out, args.json):
        if path:
            check_writable(path)
    content = make_report(
        with_device(load_spec(args.model), args.device),
        data=args.data,
        db=args.db,
        examples=args.examples,
        seed=args.seed,
        bootstrap=args.bootstrap,
        mitigation=None if args.mitigation == "none" else args.mitigation,
        privileged=reference_choice(args),
        progress=not args.no_progress,
        redact_text=not args.no_redact,
        trust_pickle=args.trust_pickle,
    )
    written = [write_html(content, args.out)]
    if args.json:
        written.append(write_json(content, args.json))
    print(MSG_WROTE.format(name=content.model.name, paths=" and ".join(map(str, written))))
    for note in content.notes:
        print(f"note: {note}")
    return 0
