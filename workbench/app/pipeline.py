"""The report on a model made by the app's own steps: open the subject, audit it (with identity
swaps for text models), explain the riskiest examples, mitigate the worst breach, read the
reviews, and assemble the report, so that the report and the app cannot disagree."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from workbench._errors import AuditError, ReportError
from workbench.app.browse import Subject, open_subject
from workbench.app.findings import Mitigation, identity_swaps, mitigate, run_audit
from workbench.app.stored import marked, served_explanations
from workbench.audit import (
    JOIN,
    POSTPROCESSORS,
    AuditOptions,
    AuditResult,
    excess,
    group_name,
)
from workbench.explain import METHODS, Explanation, default_method
from workbench.models import ModelAdapter, require_classifier
from workbench.report import Choice, Example, ReportContent, build_report, choose_examples
from workbench.review import (
    DATABASE_FILE_NAME,
    ChainCheck,
    Review,
    ReviewStore,
    check_current,
    default_database,
)
from workbench.spec import ModelSpec

MSG_NO_LABEL = (
    "model spec {path} names no label_column; a report needs the true classes of the data"
)
MSG_BAD_COUNT = "examples must be a whole number of at least 0; got {value!r}"
MSG_NO_DATABASE = (
    "review database not found: {path}; give the file that holds the reviews (nothing was "
    "created there)"
)
MSG_NO_DEFAULT_DATABASE = "No review database yet at {path}, so no reviews are listed."
MSG_NO_PROTECTED = "The spec names no protected_attributes, so no bias audit was run."
MSG_NO_MITIGATION_BREACH = (
    "No breach of a single attribute fails the audit, so no mitigation was run."
)
MSG_MULTICLASS = (
    "Mitigation was not run: post-processing changes a yes/no decision and this model has "
    "{count} classes."
)
MSG_MITIGATION_FAILED = "Mitigation ({method} on {attribute}) was not run: {reason}"
MSG_UNKNOWN_MITIGATION = "unknown mitigation {method!r}; choose one of {choices} or None"
STEPS = (
    "loading model, data and reviews",
    "auditing and swapping identity words",
    "explaining examples",
    "mitigating",
)


def make_report(
    spec: str | Path | ModelSpec,
    *,
    data: str | Path | None = None,
    db: str | Path | None = None,
    examples: int = 3,
    seed: int = 0,
    bootstrap: int = 200,
    mitigation: str | None = "reject_option",
    privileged: Any = None,
    progress: bool = True,
    redact_text: bool = True,
    trust_pickle: bool = False,
) -> ReportContent:
    """Audit the model on its data, swap identity words (text models), explain ``examples``
    high-risk rows, post-process the worst breach, load the reviews, and assemble the report.

    The steps are the app's (:func:`~workbench.app.browse.open_subject`,
    :func:`~workbench.app.findings.run_audit`, :func:`~workbench.app.findings.mitigate`).
    ``data`` replaces the spec's data file (same columns); ``db`` is the review database (a
    SQLite file, or a SQLAlchemy URL); without it the default database is read if it exists.
    ``mitigation`` is a post-processing method of :func:`workbench.audit.postprocess` (None for
    none); ``privileged`` chooses what each group is compared with, as in
    :class:`~workbench.audit.AuditOptions`. Progress goes to stderr unless ``progress`` is false.
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        raise ReportError(MSG_BAD_COUNT.format(value=examples))
    if mitigation is not None and mitigation not in POSTPROCESSORS:
        raise ReportError(
            MSG_UNKNOWN_MITIGATION.format(method=mitigation, choices=list(POSTPROCESSORS))
        )
    spec = require_classifier(spec, task="the report")
    if spec.label_column is None:
        raise ReportError(MSG_NO_LABEL.format(path=spec.path))
    options = AuditOptions(bootstrap=bootstrap, seed=seed, privileged=privileged)
    notes: list[str] = []
    with tqdm(
        total=len(STEPS), desc="report", unit="step", file=sys.stderr, disable=not progress
    ) as bar:
        bar.set_postfix_str(STEPS[0])
        subject = open_subject(spec, data=data, trust_pickle=trust_pickle)
        reviews, source, chain, review_notes = load_reviews(subject.model, db)
        notes += review_notes
        _next(bar, 1)
        audit_result = None
        if spec.protected_attributes:
            run = run_audit(subject, options=options)
            audit_result, counterfactual = run.audit, run.counterfactual
        else:
            notes.append(MSG_NO_PROTECTED)
            counterfactual = identity_swaps(subject)
        _next(bar, 2)
        chosen = choose_examples(
            subject.data,
            subject.probabilities,
            classes=subject.model.class_names,
            label=spec.label_column,
            positive=spec.positive_class,
            audit_result=audit_result,
            count=examples,
        )
        shown = explain_examples(subject, chosen, seed=seed)
        _next(bar, 3)
        mitigated, mitigation_notes = mitigate_worst(
            subject, audit_result, method=mitigation, options=options
        )
        notes += mitigation_notes
        bar.update()
    return build_report(
        spec,
        data=data,
        audit_result=audit_result,
        examples=shown,
        counterfactual=counterfactual,
        mitigation=None if mitigated is None else mitigated.result,
        reviews=reviews,
        review_source=source,
        review_chain=chain,
        redact_text=redact_text,
        notes=notes,
    )


def load_reviews(
    model: ModelAdapter, db: str | Path | None
) -> tuple[list[Review], str | None, ChainCheck | None, list[str]]:
    """Reviews of this model (every version), where they came from, the check of the
    database's hash chain, and notes.

    A database is only read, never created: a missing file named by ``db`` is an error, a
    missing default database a note. A corrupt file raises :class:`ReviewError` untouched.
    """
    if isinstance(db, str) and "://" in db:
        location: str | Path = db
    else:
        path = Path(db).expanduser() if db is not None else default_database()
        if path.is_dir():
            path = path / DATABASE_FILE_NAME
        if not path.exists():
            if db is None:
                return [], None, None, [MSG_NO_DEFAULT_DATABASE.format(path=path)]
            raise ReportError(MSG_NO_DATABASE.format(path=path))
        location = path
    with ReviewStore(location) as store:
        current = store.history(model.fingerprint)
        other = check_current(store, model)
        return [*current, *other], store.location, store.verify(), []


def explain_examples(subject: Subject, chosen: Choice, *, seed: int = 0) -> list[Example]:
    """Explain the chosen rows for the chosen class with the model's default method and its
    faithfulness, read from the explanation store first (then noted as precomputed). A message
    is explained as written, the one audited; the report redacts what it shows (see
    :mod:`workbench.report._examples`)."""
    if not chosen.rows:
        return []
    model = subject.model
    method = default_method(model)
    settings: dict[str, Any] = {"method": method, "faithfulness": True}
    if "seed" in METHODS[method].params.get(model.kind, {}):
        settings["seed"] = seed
    rows = list(chosen.rows)
    target = model.class_names.index(chosen.positive)
    frame = subject.data
    if model.kind == "text":
        messages = list(frame[subject.text_column].iloc[rows].astype(str))
        served = served_explanations(model, messages, target=target, **settings)
        texts: list[str | None] = list(messages)
    else:
        served = served_explanations(
            model, frame.iloc[rows], target=target, background=frame, **settings
        )
        texts = [None] * len(rows)
    explanations = [marked(found.explanation, precomputed=found.precomputed) for found in served]
    return [
        _example(subject, frame.iloc[row], subject.probabilities[row], *parts)
        for row, parts in zip(rows, zip(explanations, texts, chosen.reasons))
    ]


def mitigate_worst(
    subject: Subject,
    audit_result: AuditResult | None,
    *,
    method: str | None,
    options: AuditOptions,
) -> tuple[Mitigation | None, list[str]]:
    """Post-process the decisions for the single-attribute breach furthest outside its bound
    among those that fail the audit: its group against the other groups of its attribute;
    notes say why nothing was run."""
    if audit_result is None or method is None:
        return None, []
    if audit_result.multiclass:
        return None, [MSG_MULTICLASS.format(count=len(audit_result.classes))]
    single = [b for b in audit_result.failing_breaches if JOIN not in b.attribute]
    if not single:
        return None, [MSG_NO_MITIGATION_BREACH]
    worst = max(single, key=excess)
    others = sorted(set(subject.data[worst.attribute].map(group_name)) - {worst.group})
    try:
        result = mitigate(
            subject, attribute=worst.attribute, privileged=others, method=method, options=options
        )
    except AuditError as err:
        return None, [
            MSG_MITIGATION_FAILED.format(method=method, attribute=worst.attribute, reason=err)
        ]
    return result, []


def _next(bar: tqdm, step: int) -> None:
    """Count the previous step as done and name step ``step``."""
    bar.update()
    bar.set_postfix_str(STEPS[step])


def _example(
    subject: Subject,
    values: pd.Series,
    scores: np.ndarray,
    explanation: Explanation,
    text: str | None,
    reason: str,
) -> Example:
    """One explained row: the message as written (text models) or the feature values."""
    model = subject.model
    return Example(
        explanation=explanation,
        text=text,
        values={} if text is not None else values[list(model.feature_columns)].to_dict(),
        row=int(values.name),
        label=group_name(values[subject.label_column]),
        prediction=model.class_names[int(np.argmax(scores))],
        groups={name: group_name(values[name]) for name in subject.protected},
        reason=reason,
    )
