"""The ``chat-audit`` verb: audit a chat model (a generative spec) on its evaluation prompts,
the outcome by group and the counterfactual prompt audit; exit 1 on a robust breach."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench._errors import AuditError
from workbench.cli._common import BOOTSTRAP_OPTION, MODEL_OPTIONS, STDOUT, write_json
from workbench.review._names import DATA_DIR_ENV, DATABASE_FILE_NAME

EXIT_PASSED = 0
EXIT_BREACHED = 1
DEFAULT_OUTCOME = "refers_to_crisis"
MSG_NOT_GENERATIVE = (
    "model spec {path} is a {kind} model; chat-audit audits chat models (kind: generative); "
    "audit a classifier with `workbench audit`"
)
MSG_NO_DATA = "model spec {path} names no evaluation data; pass --data FILE"
MSG_NO_TEXT_COLUMN = "model spec {path} names no text_column (the prompts' column)"
MSG_BAD_ROWS = "--rows must be a whole number of at least 1; got {rows}"
MSG_CANNOT_WRITE = "cannot write the chat audit JSON to {path}: {reason}"
MSG_NO_NEEDS = (
    "note: the spec's needs names no label column for {outcome!r}, so the outcome is not "
    "audited by the data's groups; the counterfactual audit labels each prompt by the outcome "
    "of its own response"
)
MSG_NO_PROTECTED = (
    "note: the spec names no protected_attributes, so the outcome is not audited by the "
    "data's groups"
)
MSG_PROGRESS = "{step}: {done}/{total} responses, {left}"
MSG_SUMMARY = "{what}: {rows} rows over {attributes}"
MSG_BREACHED = "FAIL: {count} fairness bound(s) robustly breached:"
MSG_BREACH_LINE = "  - [{what}] {message}"
MSG_PASSED = "PASS: no fairness bound is robustly breached"
MSG_RESULT = "result in {path}"
MSG_REPORT = "report in {path}"
PROGRESS_EVERY_S = 1.0


def add_chat_audit_command(verbs: argparse._SubParsersAction) -> None:
    """Add the ``chat-audit`` verb to the sub-commands."""
    parser = verbs.add_parser(
        "chat-audit",
        parents=[MODEL_OPTIONS, BOOTSTRAP_OPTION],
        help="audit a chat model's responses by group and by persona; exit 1 on a robust breach",
        description="Generate the chat model's responses to its evaluation prompts, score them "
        "(crisis referral, refusal, validation, unsafe advice, length, sentiment and the spec's "
        "own scorers) and audit one outcome: by the data's groups against the prompts that "
        "needed it, and counterfactually, with persona lines put before every prompt and "
        "identity words swapped. Prompts and responses written out are redacted. Exit 0 when "
        "no bound is robustly breached, 1 when one is, 2 on bad input, 3 when the model raised.",
    )
    parser.add_argument("--data", help="CSV or Parquet file of prompts (default: the spec's)")
    parser.add_argument(
        "--outcome",
        default=DEFAULT_OUTCOME,
        help=f"the binary scorer audited (default {DEFAULT_OUTCOME})",
    )
    parser.add_argument(
        "--personas",
        metavar="CATEGORIES",
        help="persona categories put before every prompt, comma-separated, e.g. gender,age "
        "(default: all, unless --swap is given; 'none' for none)",
    )
    parser.add_argument(
        "--swap",
        metavar="CATEGORIES",
        help="identity-word categories swapped in the prompts, comma-separated, e.g. gender",
    )
    parser.add_argument("--rows", type=int, help="audit only the first N prompts")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--json", metavar="OUT", help="where to write the result (- for stdout)")
    parser.add_argument(
        "--report",
        metavar="OUT.html",
        help="also write the self-contained HTML report: both audits with redacted prompts and "
        "responses, the generation settings and the reviewers' decisions",
    )
    parser.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help="review database the report lists decisions from: a SQLite file or a SQLAlchemy "
        f"URL (default: ${DATA_DIR_ENV}/{DATABASE_FILE_NAME} if it exists); only read",
    )
    parser.set_defaults(run=run_chat_audit_command)


def run_chat_audit_command(args: argparse.Namespace) -> int:
    """Run the chat audit a parsed command line asks for; returns the exit code."""
    from workbench.audit import AuditOptions
    from workbench.chat import (
        BUILTIN_SCORERS,
        audit_responses,
        prompt_counterfactuals,
        scorers_from_spec,
    )
    from workbench.data import read_table
    from workbench.models import load_model
    from workbench.report._write import check_writable
    from workbench.spec import load_spec

    spec = load_spec(args.model)
    if spec.kind != "generative":
        raise AuditError(MSG_NOT_GENERATIVE.format(path=spec.path, kind=spec.kind))
    file = args.data or spec.data
    if file is None:
        raise AuditError(MSG_NO_DATA.format(path=spec.path))
    if not spec.text_column:
        raise AuditError(MSG_NO_TEXT_COLUMN.format(path=spec.path))
    if args.rows is not None and args.rows < 1:
        raise AuditError(MSG_BAD_ROWS.format(rows=args.rows))
    if args.report:
        check_writable(args.report)
    data = read_table(file)
    if args.rows is not None:
        data = data.head(args.rows).reset_index(drop=True)
    scorers = [*BUILTIN_SCORERS.values(), *scorers_from_spec(spec)]
    options = AuditOptions(bootstrap=args.bootstrap, seed=args.seed)
    model = load_model(spec, trust_pickle=args.trust_pickle, device=args.device)
    label = spec.needs.get(args.outcome)
    outcome = None
    if label is None:
        print(MSG_NO_NEEDS.format(outcome=args.outcome), file=sys.stderr)
    elif not spec.protected_attributes:
        print(MSG_NO_PROTECTED, file=sys.stderr)
    else:
        outcome = audit_responses(
            model,
            data,
            outcome=args.outcome,
            label=label,
            protected=list(spec.protected_attributes),
            text_column=spec.text_column,
            scorers=scorers,
            options=options,
            progress=_progress("outcome audit"),
        )
    personas = _categories(args.personas)
    counterfactual = prompt_counterfactuals(
        model,
        data[spec.text_column].tolist(),
        personas=personas,
        swap_categories=_categories(args.swap),
        scorers=scorers,
        outcome=args.outcome,
        needs=None if label is None else data[label].to_numpy(),
        options=options,
        progress=_progress("counterfactual audit"),
    )
    if args.json:
        payload = {
            "spec": str(spec.path),
            "data": str(Path(file).resolve()),
            "outcome_audit": None if outcome is None else outcome.to_dict(),
            "counterfactual": counterfactual.to_dict(),
        }
        write_json(args.json, payload, error=AuditError, message=MSG_CANNOT_WRITE)
    if args.report:
        _write_report(args, spec, model, file, outcome, counterfactual)
    return _verdict(args, outcome, counterfactual)


def _write_report(
    args: argparse.Namespace, spec: Any, model: Any, data: Any, outcome: Any, counterfactual: Any
) -> None:
    """Write the chatbot report of both audits, with the decisions recorded in ``--db``."""
    from workbench.app.pipeline import load_reviews
    from workbench.report import build_report, write_html

    reviews, source, chain, notes = load_reviews(model, args.db)
    content = build_report(
        spec,
        data=data,
        audit_result=None if outcome is None else outcome.audit,
        chat_outcome=outcome,
        chat_counterfactual=counterfactual,
        generation=model.settings.to_dict(),
        reviews=reviews,
        review_source=source,
        review_chain=chain,
        seeds={"bootstrap": args.seed},
        notes=notes,
        title=f"Chatbot report: {spec.name}",
    )
    path = write_html(content, args.report)
    out = sys.stderr if args.json == STDOUT else sys.stdout
    print(MSG_REPORT.format(path=path), file=out)


def _categories(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    return [] if names == ["none"] else names


def _progress(step: str) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` that prints ``step``, the responses done and the time left on
    stderr, at most every second and at the end."""
    started = time.monotonic()
    last = [-PROGRESS_EVERY_S]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        print(
            MSG_PROGRESS.format(
                step=step,
                done=done,
                total=total,
                left=time_left(now - started, done=done, total=total),
            ),
            file=sys.stderr,
        )

    return progress


def time_left(elapsed: float, *, done: int, total: int) -> str:
    """The time left at the pace so far, or how long it took."""
    if done >= total:
        return f"done in {elapsed:.0f} s"
    if done == 0:
        return "starting"
    return f"about {elapsed / done * (total - done):.0f} s left"


def _verdict(args: argparse.Namespace, outcome: Any, counterfactual: Any) -> int:
    """Print what was audited and the robust breaches; returns the exit code."""
    out = sys.stderr if args.json == STDOUT else sys.stdout
    audits = [("counterfactual audit", counterfactual.audit)]
    if outcome is not None:
        audits.insert(0, ("outcome audit", outcome.audit))
    failing = []
    for what, result in audits:
        attributes = ", ".join(result.protected)
        print(MSG_SUMMARY.format(what=what, rows=result.rows, attributes=attributes), file=out)
        for note in result.warnings:
            print(f"note: {note}", file=out)
        failing += [(what, breach) for breach in result.failing_breaches]
    if args.json and args.json != STDOUT:
        print(MSG_RESULT.format(path=args.json), file=out)
    if failing:
        print(MSG_BREACHED.format(count=len(failing)), file=out)
        for what, breach in failing:
            print(MSG_BREACH_LINE.format(what=what, message=breach), file=out)
        return EXIT_BREACHED
    print(MSG_PASSED, file=out)
    return EXIT_PASSED
