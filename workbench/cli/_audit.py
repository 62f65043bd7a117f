"""The ``audit`` verb: audit a model spec on data and gate on the fairness bounds (exit 0/1/2)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from workbench._errors import AuditError
from workbench.cli._common import (
    BOOTSTRAP_OPTION,
    EXIT_BAD_INPUT,
    MODEL_OPTIONS,
    REFERENCE_OPTIONS,
    reference_choice,
    write_json,
)

GATES = ("robust", "any")

EXIT_PASSED = 0
EXIT_BREACHED = 1
AUDIT_TASK = "`workbench audit`"
MSG_NO_DATA = "model spec {path} names no evaluation data; pass --data FILE"
MSG_NO_LABEL = "model spec {path} names no label_column; pass --label COLUMN"
MSG_NO_PROTECTED = "model spec {path} names no protected_attributes; pass --protected a,b"
MSG_BAD_BOUNDS_FILE = "cannot read fairness bounds from {path}: {reason}"
MSG_CANNOT_WRITE = "cannot write the audit JSON to {path}: {reason}"
MSG_SKIPPED = "protected attribute(s) {attributes} could not be audited (see the notes above)"
MSG_PASSED = "PASS: every fairness bound holds"
MSG_PASSED_ROBUST = "PASS: no fairness bound is robustly breached"
MSG_BREACHED = "FAIL: {count} fairness bound(s) breached ({strength}):"
MSG_POSSIBLE = (
    "{count} possible breach(es): the estimate is outside its bound, but chance may have put it "
    "there (q-value above the false discovery rate, or an interval reaching into the allowed "
    "range); they are in the JSON, and `--gate any` fails on them too"
)
MSG_BREACH_LINE = "  - [{strength}, q = {q}] {message}"
MSG_REPORT = "report in {path}"
MSG_STORED_NO_REPORT = (
    "--report needs the rows (examples, calibration); audit stored predictions without it, or "
    "audit a data file with --data"
)


def add_audit_command(verbs: argparse._SubParsersAction) -> None:
    """Add the ``audit`` verb to the sub-commands."""
    parser = verbs.add_parser(
        "audit",
        parents=[MODEL_OPTIONS, BOOTSTRAP_OPTION, REFERENCE_OPTIONS],
        help="bias-audit a model on its data; exit 1 if a fairness bound is breached",
        description="Audit a model for group fairness on every protected attribute and their "
        "intersections; write the full result as JSON. Exit 0 when the gate passes, 1 when a "
        "fairness bound is breached robustly (or at all, with --gate any; printing which), 2 on "
        "bad input.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", help="CSV or Parquet file to audit on (default: the spec's)")
    source.add_argument(
        "--predictions",
        metavar="FOLDER_OR_GLOB",
        help="audit predictions stored in Parquet files instead of running the model: columns "
        "of the protected attributes, the label and score_<class> for every class; counted "
        "with dask, never loaded whole (no calibration; see the README)",
    )
    parser.add_argument("--label", help="column of true classes (default: the spec's)")
    parser.add_argument(
        "--protected", help="protected columns, comma-separated (default: the spec's)"
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="decision threshold (default 0.5)"
    )
    parser.add_argument(
        "--positive-class",
        help="audit this class against the rest (default: the spec's positive class for a "
        "binary model, every class one-vs-rest for a multiclass one)",
    )
    parser.add_argument(
        "--bounds", help='JSON file of fairness bounds, e.g. {"disparate_impact": [0.8, 1.25]}'
    )
    parser.add_argument("--min-group-size", type=int, default=30, help="default 30")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--no-intersections", action="store_true", help="audit each attribute on its own only"
    )
    parser.add_argument(
        "--no-calibration",
        action="store_true",
        help="do not measure calibration by group (ECE, Brier score, ROC AUC) from the scores",
    )
    parser.add_argument(
        "--gate",
        choices=GATES,
        default="robust",
        help="which breaches fail the audit: robust ones (the interval is outside the bound and "
        "the disparity is significant at the false discovery rate; default) or any",
    )
    parser.add_argument(
        "--false-discovery-rate",
        type=float,
        default=0.05,
        metavar="Q",
        help="Benjamini-Hochberg false discovery rate a robust breach is held to (default 0.05)",
    )
    parser.add_argument("--json", required=True, metavar="OUT", help="where to write the result")
    parser.add_argument(
        "--report",
        metavar="OUT.html",
        help="also write a self-contained HTML report: model card, data, bias table, provenance",
    )
    parser.set_defaults(run=run_audit_command)


def run_audit_command(args: argparse.Namespace) -> int:
    """Run the audit a parsed command line asks for; returns the exit code."""
    from workbench.audit import AuditOptions, FairnessBounds, audit
    from workbench.data import map_labels, read_table
    from workbench.models import load_classifier, require_classifier

    spec = require_classifier(args.model, task=AUDIT_TASK)
    file = args.data or spec.data
    if file is None and args.predictions is None:
        raise AuditError(MSG_NO_DATA.format(path=spec.path))
    label = args.label or spec.label_column
    if label is None:
        raise AuditError(MSG_NO_LABEL.format(path=spec.path))
    protected = _names(args.protected) if args.protected else list(spec.protected_attributes)
    if not protected:
        raise AuditError(MSG_NO_PROTECTED.format(path=spec.path))
    bounds = FairnessBounds.from_mapping(_read_bounds(args.bounds)) if args.bounds else None
    options = AuditOptions(
        threshold=args.threshold,
        privileged=reference_choice(args),
        bounds=bounds or FairnessBounds(),
        min_group_size=args.min_group_size,
        bootstrap=args.bootstrap,
        seed=args.seed,
        intersections=not args.no_intersections,
        calibration=not args.no_calibration,
        false_discovery_rate=args.false_discovery_rate,
        gate=args.gate,
    )
    if args.predictions is not None:
        return _audit_stored(args, spec, label=label, protected=protected, options=options)
    data = read_table(file)
    if spec.label_map and label == spec.label_column and label in data.columns:
        data = map_labels(data, spec, file=file)
    model = load_classifier(
        spec, task=AUDIT_TASK, trust_pickle=args.trust_pickle, device=args.device
    )
    result = audit(
        model,
        data,
        label=label,
        protected=protected,
        options=options,
        positive_class=args.positive_class,
        text_column=spec.text_column,
    )
    payload = {"spec": str(spec.path), "data": str(Path(file).resolve()), **result.to_dict()}
    write_json(args.json, payload, error=AuditError, message=MSG_CANNOT_WRITE)
    if args.report:
        from workbench.report import build_report, write_html

        write_html(build_report(spec, data=file, audit_result=result), args.report)
    _print_summary(args, result, of=f"{Path(file).name} with {spec.name}")
    if args.report:
        print(MSG_REPORT.format(path=args.report))
    return _gate(args, result)


def _audit_stored(
    args: argparse.Namespace, spec: Any, *, label: str, protected: list[str], options: Any
) -> int:
    """Audit the predictions stored in Parquet (``--predictions``); returns the exit code."""
    from workbench.audit import audit_stored_predictions

    if args.report:
        raise AuditError(MSG_STORED_NO_REPORT)
    result = audit_stored_predictions(
        args.predictions,
        classes=spec.classes,
        label=label,
        protected=protected,
        options=options,
        positive_class=args.positive_class or spec.positive_class,
        model_name=spec.name,
    )
    payload = {"spec": str(spec.path), "predictions": args.predictions, **result.to_dict()}
    write_json(args.json, payload, error=AuditError, message=MSG_CANNOT_WRITE)
    _print_summary(args, result, of=f"stored predictions in {args.predictions} of {spec.name}")
    return _gate(args, result)


def _print_summary(args: argparse.Namespace, result: Any, *, of: str) -> None:
    print(
        f"audited {result.rows} rows of {of}: "
        f"{len(result.by_group)} group rows over {', '.join(result.protected)}"
        f"{'' if args.no_intersections else ' and their intersections'}; result in {args.json}"
    )


def _gate(args: argparse.Namespace, result: Any) -> int:
    """Print the notes and the gate's verdict; returns the exit code."""
    for note in result.warnings:
        print(f"note: {note}")
    if result.skipped:
        print(f"workbench: error: {MSG_SKIPPED.format(attributes=list(result.skipped))}")
        return EXIT_BAD_INPUT
    failing = result.failing_breaches
    possible = len(result.breaches) - len(result.robust_breaches)
    if possible and args.gate == "robust":
        print(f"note: {MSG_POSSIBLE.format(count=possible)}")
    if failing:
        strength = "robust" if args.gate == "robust" else "robust or possible"
        print(MSG_BREACHED.format(count=len(failing), strength=strength))
        for breach in failing:
            q = "n/a" if math.isnan(breach.q_value) else f"{breach.q_value:.2g}"
            print(MSG_BREACH_LINE.format(strength=breach.strength, q=q, message=breach))
        return EXIT_BREACHED
    print(MSG_PASSED_ROBUST if possible else MSG_PASSED)
    return EXIT_PASSED


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _read_bounds(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AuditError(MSG_BAD_BOUNDS_FILE.format(path=path, reason=err)) from None
