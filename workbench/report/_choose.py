"""Which rows a report explains: the highest-risk errors for the group the audit worries most
about.

The group is the one of the single-attribute breach furthest outside its bound among those that
fail the audit (or, when none does, the group with the lowest accuracy). Within it, missed cases
of the audited class come first (the costly error in triage), then false alarms, then other
errors, each the most confidently wrong first; correct rows fill in only when there are too few
errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.audit import JOIN, AuditResult, excess, group_name

WHY_BREACH = "the group furthest outside a fairness bound ({metric} {value})"
WHY_ACCURACY = "the group with the lowest accuracy ({accuracy:.3f})"
REASONS = {
    "missed": "Missed '{positive}': truly '{label}', predicted '{prediction}'",
    "false_alarm": "False '{positive}': truly '{label}', predicted '{prediction}'",
    "error": "Wrong: truly '{label}', predicted '{prediction}'",
    "correct": "Correct but uncertain: truly '{label}', predicted '{prediction}'",
}
_ORDER = tuple(REASONS)


@dataclass(frozen=True)
class Choice:
    """The rows to explain, the class to explain them for, and why each was chosen."""

    rows: tuple[int, ...]
    positive: str
    reasons: tuple[str, ...]


def choose_examples(
    frame: pd.DataFrame,
    probabilities: np.ndarray,
    *,
    classes: tuple[str, ...],
    label: str,
    positive: str,
    audit_result: AuditResult | None,
    count: int,
) -> Choice:
    """Up to ``count`` rows of ``frame`` to explain, riskiest first (see the module notes)."""
    focus = _focus(audit_result, positive)
    positive = focus[0] if focus else positive
    truth = frame[label].map(group_name).to_numpy()
    predicted = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
    true_index = np.array([classes.index(name) if name in classes else -1 for name in truth])
    p_true = np.where(
        true_index >= 0, probabilities[np.arange(len(frame)), np.maximum(true_index, 0)], 0.0
    )
    kinds = np.where(
        (truth == positive) & (predicted != positive),
        "missed",
        np.where(
            (predicted == positive) & (truth != positive),
            "false_alarm",
            np.where(truth != predicted, "error", "correct"),
        ),
    )
    rank = np.array([_ORDER.index(kind) for kind in kinds])
    where = ""
    rows = np.arange(len(frame))
    if focus:
        _, attribute, group, why = focus
        inside = (frame[attribute].map(group_name) == group).to_numpy()
        rows = rows[inside]
        where = f" in {attribute} = {group}, {why}"
    order = rows[np.lexsort((p_true[rows], rank[rows]))][:count]
    reasons = tuple(
        REASONS[kinds[row]].format(positive=positive, label=truth[row], prediction=predicted[row])
        + where
        + "."
        for row in order
    )
    return Choice(rows=tuple(int(row) for row in order), positive=positive, reasons=reasons)


def _focus(audit_result: AuditResult | None, positive: str) -> tuple[str, str, str, str] | None:
    """(class, attribute, group, why) of the group to draw examples from, if there was an audit."""
    if audit_result is None:
        return None
    single = [b for b in audit_result.failing_breaches if JOIN not in b.attribute]
    if single:
        worst = max(single, key=excess)
        label = worst.metric.replace("_", " ")
        value = (
            f"{worst.value:.3f}" if worst.metric == "disparate_impact" else f"{worst.value:+.3f}"
        )
        why = WHY_BREACH.format(metric=label, value=value)
        return worst.positive_class, worst.attribute, worst.group, why
    audited = positive if positive in audit_result.classes else audit_result.classes[0]
    rates = audit_result.by_group.loc[audited]
    rates = rates[~rates["caveats"].str.contains("small")]
    rates = rates[[JOIN not in name for name in rates.index.get_level_values("attribute")]]
    if rates.empty:
        return None
    attribute, group = rates["accuracy"].astype(float).idxmin()
    accuracy = float(rates.loc[(attribute, group), "accuracy"])
    return audited, attribute, group, WHY_ACCURACY.format(accuracy=accuracy)
