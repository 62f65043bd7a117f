"""The review app's report: what the board saw (model, audit, swaps, mitigation, explained
examples, decisions) as one self-contained HTML page, built by :mod:`workbench.report`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from workbench._errors import ReportError
from workbench.app.browse import Subject
from workbench.app.compare import ExplanationPair
from workbench.app.decisions import Store, opened_store
from workbench.app.findings import AuditRun, Mitigation
from workbench.explain import Explanation
from workbench.report import Example, build_report, render_html

MSG_NO_SPEC = "choose a model first; the report describes a model from its spec file"
MSG_NOTHING_YET = "run the audit or explain an example first; the report would be empty"


@dataclass(frozen=True)
class ReportFile:
    """A report ready to download: a file ``name`` and its ``html``."""

    name: str
    html: str


def review_report(
    subject: Subject | None,
    *,
    run: AuditRun | None = None,
    mitigation: Mitigation | None = None,
    pair: ExplanationPair | None = None,
    row: pd.DataFrame | None = None,
    row_explanation: Explanation | None = None,
    store: Store = None,
) -> ReportFile:
    """The report of a review: the subject's model and data, the audit ``run`` with its swaps,
    the ``mitigation``, the explained message (``pair``, both methods) or table ``row``, and
    every decision recorded on the model in ``store``. Texts are redacted."""
    if subject is None or subject.spec is None:
        raise ReportError(MSG_NO_SPEC)
    examples = []
    if pair is not None:
        examples += [
            Example(explanation=explained, text=pair.text, redactions=pair.redacted)
            for explained in (pair.first, pair.second)
        ]
    if row is not None and row_explanation is not None:
        values = row.iloc[0][list(subject.model.feature_columns)].to_dict()
        examples.append(Example(explanation=row_explanation, values=values))
    if run is None and not examples:
        raise ReportError(MSG_NOTHING_YET)
    with opened_store(store) as opened:
        reviews = opened.history(model_name=subject.spec.name)
        chain = opened.verify()
    content = build_report(
        subject.spec,
        audit_result=None if run is None else run.audit,
        counterfactual=None if run is None else run.counterfactual,
        mitigation=None if mitigation is None else mitigation.result,
        examples=examples,
        reviews=reviews,
        review_chain=chain,
    )
    stamp = content.provenance.created_at.strftime("%Y%m%dT%H%M%SZ")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"report_{subject.spec.name}_{stamp}.html")
    return ReportFile(name=name, html=render_html(content))
