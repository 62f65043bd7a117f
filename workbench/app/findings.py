"""The bias audit as the review app runs it, and what it found in plain words.

:func:`run_audit` audits a :class:`~workbench.app.browse.Subject` from its stored predictions (so
changing the threshold re-audits without re-running the model) and, for text models, swaps
identity words (:func:`identity_swaps`); :func:`findings` turns the results into short
sentences for a review board; :func:`group_metrics` is the per-group table of one attribute with
its breached bounds; :func:`mitigate` post-processes the decisions and audits them before and
after.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.app.browse import Subject
from workbench.audit import (
    DEFAULT_OPTIONS,
    DETECTABLE,
    JOIN,
    MITIGATION_METRICS,
    POSTPROCESSORS,
    REGISTRY,
    TABLE_CALIBRATION,
    TABLE_DIFFERENCES,
    TABLE_RATES,
    AuditOptions,
    AuditResult,
    Breach,
    CounterfactualResult,
    counterfactual_swaps,
    excess,
    metric_words,
)
from workbench.privacy import redact

if TYPE_CHECKING:
    from workbench.audit import MitigationResult

FindingLevel = Literal["pass", "breach", "warning", "info"]
SHOWN_FINDINGS = 6
SHOWN_PAIRS = 10
SHOWN_FLIPS = 5
SHOWN_UNDERPOWERED = 4
MSG_NO_MODEL = "choose a model first"
MSG_NO_PROTECTED = "choose at least one protected attribute to audit"
MSG_UNKNOWN_ATTRIBUTE = "{attribute!r} is not a protected attribute; choose from {choices}"
MSG_UNKNOWN_LEVEL = "the audit has no attribute {attribute!r} for class {cls!r}; it has {choices}"
MSG_NO_CALIBRATION = (
    "Calibration is not measured: the predictions are 0/1 decisions, not scores."
)
MSG_NOT_BINARY = (
    "mitigation changes a yes/no decision, so it needs a binary model; {name} has {count} classes"
)
MSG_UNKNOWN_METHOD = "unknown post-processing method {method!r}; choose one of {choices}"
MSG_PASS = "Every fairness bound holds for {attributes}{intersections} ({rows} rows)."
MSG_PASS_ROBUST = (
    "No fairness bound is robustly breached for {attributes}{intersections} ({rows} rows)."
)
MSG_FAIL = (
    "{count} fairness bound(s) are breached{strength}, for {groups} group(s) of {attributes}"
    "{intersections} ({rows} rows)."
)
MSG_POSSIBLE = (
    "{count} possible breach(es), for {groups} group(s): the estimate is outside its bound, but "
    "chance may have put it there (the interval reaches into the allowed range, or the "
    "disparity is not significant at a false discovery rate of {rate}); they do not fail the "
    "audit. See the metrics table."
)
MSG_UNDERPOWERED = (
    "{count} group(s) have too few rows to detect (80% power) a gap of three times its bound in "
    "some rate, so a real disparity there can pass unseen: {examples}."
)
MSG_UNDERPOWERED_GROUP = (
    "{level} = {group} ({size} rows): too few rows to detect a {metric} gap below {gap:.2f}"
)
UNDERPOWERED = 3.0
MSG_ALSO = " Also outside their bounds for this group: {metrics}."
MSG_UNCERTAIN = (
    " The {percent}% confidence interval reaches into the allowed range, so this may be chance."
)
MSG_MORE = "{count} more group(s) breach a bound; see the metrics table."
MSG_SMALL = (
    "{count} group(s) have fewer than {minimum} rows; their numbers are shown but not checked "
    "against the bounds."
)
MSG_SKIPPED = "Not audited: {attributes} (see the notes)."
MSG_SWAPS = (
    "Swapping identity words in {messages} message(s) moved the score of '{positive}' by "
    "{gap:.3f} on average; {flips} of {swaps} swap(s) flipped the decision. Largest: "
    "'{term}' to '{replacement}', mean change {change:+.3f} over {count} message(s)."
)
MSG_NO_SWAPS = "No message mentions an identity word of the term lists; no swap was tested."
MSG_MITIGATION = (
    "{method} on {attribute} (privileged: {privileged}), {rows} held-out rows: breached bounds "
    "{before} before, {after} after; accuracy {accuracy_before:.3f} before, "
    "{accuracy_after:.3f} after."
)


@dataclass(frozen=True)
class Finding:
    """One plain-words finding; ``level`` is pass, breach, warning or info."""

    level: FindingLevel
    text: str


@dataclass(frozen=True, eq=False)
class AuditRun:
    """An audit of a subject, its counterfactual swaps (text models) and the findings.

    ``swap_pairs`` are the term pairs that moved the score most; ``flip_examples`` a few
    messages whose decision flipped, redacted. ``focus`` is the (class, attribute) to show
    first: that of the most important breach, else the first audited.
    """

    audit: AuditResult
    counterfactual: CounterfactualResult | None
    findings: tuple[Finding, ...]
    swap_pairs: pd.DataFrame
    flip_examples: pd.DataFrame
    focus: tuple[str, str]

    @property
    def classes(self) -> tuple[str, ...]:
        """The audited positive classes."""
        return self.audit.classes

    @property
    def attributes(self) -> tuple[str, ...]:
        """The audited attributes in the order given, then their intersections, smallest
        first."""
        names = dict.fromkeys(self.audit.by_group.index.get_level_values("attribute"))
        protected = [name for name in self.audit.protected if name in names]
        rest = sorted(set(names) - set(protected), key=lambda name: (name.count(JOIN), name))
        return (*protected, *rest)


@dataclass(frozen=True, eq=False)
class GroupMetrics:
    """One attribute's groups: rates with confidence limits, differences, breached cells.

    ``table`` is indexed by group; ``breached`` holds the (group, metric) pairs of breaches that
    fail the audit (robust ones, or any with gate "any"); ``reference`` is what each group is
    compared with.
    """

    table: pd.DataFrame
    breached: frozenset[tuple[str, str]]
    reference: str


@dataclass(frozen=True, eq=False)
class GroupCalibration:
    """One attribute's calibration for one class: what a score means in each group.

    ``table`` is indexed by group: rows, expected calibration error, Brier score and ROC AUC
    (with confidence limits) and their differences against ``reference``; ``curves`` is indexed
    by (group, bin): the reliability curves (rows, mean score and observed rate per score bin),
    the data of the chart and the table that stands in for it; ``breached`` holds the (group,
    metric) pairs of failing breaches; ``measured`` is False for 0/1 decisions (no scores).
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    breached: frozenset[tuple[str, str]]
    reference: str
    measured: bool


@dataclass(frozen=True, eq=False)
class Mitigation:
    """A mitigation's before/after audits, a compact per-group table and a summary sentence.

    ``table`` is indexed by group (``all`` first) with (metric, ``before``/``after``) columns.
    """

    result: MitigationResult
    table: pd.DataFrame
    summary: str


def run_audit(
    subject: Subject,
    *,
    protected: Sequence[str] | None = None,
    options: AuditOptions = DEFAULT_OPTIONS,
) -> AuditRun:
    """Audit the subject's predictions on ``protected`` (default: all its protected attributes)
    as ``options`` say; the result names the subject's model and its fingerprint.

    Text models also get counterfactual identity swaps with the shipped term lists, decided at
    the options' threshold.
    """
    from workbench.audit import audit  # SciPy and AIF360 load with the first audit

    chosen = _attributes(subject, protected)
    classes = subject.model.class_names
    result = audit(
        subject.probabilities,
        subject.data,
        label=subject.label_column,
        protected=chosen,
        classes=list(classes),
        positive_class=subject.positive_class if len(classes) == 2 else None,
        options=options,
    )
    model = subject.model
    result = dataclasses.replace(result, model_name=model.name, fingerprint=model.fingerprint)
    swaps = identity_swaps(subject, threshold=options.threshold)
    worst = _worst_by_group(result.failing_breaches)
    focus = (
        (worst[0][0].positive_class, worst[0][0].attribute)
        if worst
        else (result.classes[0], chosen[0])
    )
    return AuditRun(
        audit=result,
        counterfactual=swaps,
        findings=findings(result, swaps),
        swap_pairs=_pairs(swaps),
        flip_examples=_flips(swaps),
        focus=focus,
    )


def identity_swaps(subject: Subject, *, threshold: float = 0.5) -> CounterfactualResult | None:
    """Counterfactual identity swaps in a text model's messages (None for a tabular model)."""
    if subject.model.kind != "text":
        return None
    return counterfactual_swaps(
        subject.model,
        subject.inputs(),
        positive_class=subject.positive_class,
        threshold=threshold,
    )


def findings(
    result: AuditResult,
    counterfactual: CounterfactualResult | None = None,
    *,
    limit: int = SHOWN_FINDINGS,
) -> tuple[Finding, ...]:
    """What an audit found, in plain words, most important first.

    First whether every bound holds; then, per group with breaches (single attributes before
    intersections, largest excess first), its worst breach; small groups, skipped attributes
    and the counterfactual swaps last.
    """
    words = {
        "attributes": ", ".join(result.protected),
        "intersections": " and their intersections" if _has_intersections(result) else "",
        "rows": result.rows,
    }
    failing = result.failing_breaches
    worst = _worst_by_group(failing)
    if worst:
        strength = " robustly" if result.options.gate == "robust" else ""
        text = MSG_FAIL.format(count=len(failing), groups=len(worst), strength=strength, **words)
        found = [Finding("breach", text)]
    elif result.breaches:
        found = [Finding("pass", MSG_PASS_ROBUST.format(**words))]
    else:
        found = [Finding("pass", MSG_PASS.format(**words))]
    for breaches in worst[:limit]:
        text = breaches[0].message
        if _uncertain(breaches[0]):
            percent = round(result.options.confidence * 100)
            text += MSG_UNCERTAIN.format(percent=percent)
        others = list(dict.fromkeys(metric_words(b.metric) for b in breaches[1:]))
        if others:
            text += MSG_ALSO.format(metrics=", ".join(others))
        found.append(Finding("breach", text))
    if len(worst) > limit:
        found.append(Finding("info", MSG_MORE.format(count=len(worst) - limit)))
    possible = [breach for breach in result.breaches if breach not in failing]
    if possible:
        groups = {(b.positive_class, b.attribute, b.group) for b in possible}
        rate = f"{result.options.false_discovery_rate:.0%}"
        found.append(
            Finding(
                "info", MSG_POSSIBLE.format(count=len(possible), groups=len(groups), rate=rate)
            )
        )
    underpowered = _underpowered(result)
    if underpowered:
        shown = "; ".join(underpowered[:SHOWN_UNDERPOWERED])
        more = len(underpowered) - SHOWN_UNDERPOWERED
        examples = shown if more <= 0 else f"{shown}; and {more} more"
        found.append(
            Finding("warning", MSG_UNDERPOWERED.format(count=len(underpowered), examples=examples))
        )
    small = int(result.by_group["caveats"].str.contains("small").sum())
    if small:
        minimum = result.options.min_group_size
        found.append(Finding("warning", MSG_SMALL.format(count=small, minimum=minimum)))
    if result.skipped:
        found.append(Finding("warning", MSG_SKIPPED.format(attributes=", ".join(result.skipped))))
    if counterfactual is not None:
        found.append(swap_finding(counterfactual))
    return tuple(found)


def group_metrics(result: AuditResult, *, positive_class: str, attribute: str) -> GroupMetrics:
    """The groups of one attribute (or intersection) for one audited class."""
    key = (positive_class, attribute)
    by_group = result.by_group
    if key not in by_group.index.droplevel("group"):
        choices = list(dict.fromkeys(by_group.index.get_level_values("attribute")))
        raise AuditError(
            MSG_UNKNOWN_LEVEL.format(attribute=attribute, cls=positive_class, choices=choices)
        )
    rates = by_group.loc[key]
    differences = result.differences
    compared = (
        differences.loc[key]
        if key in differences.index.droplevel("group")
        else pd.DataFrame(columns=["reference", *TABLE_DIFFERENCES])
    )
    intervals = [f"{m}_{side}" for m in TABLE_RATES[1:] for side in ("low", "high")]
    table = rates.loc[:, [*TABLE_RATES, *intervals, "caveats"]].join(
        compared.loc[:, list(TABLE_DIFFERENCES)], how="left"
    )
    breached = frozenset(
        (b.group, b.metric)
        for b in result.failing_breaches
        if b.positive_class == positive_class and b.attribute == attribute
    )
    references = compared["reference"].unique() if len(compared) else ["the rest"]
    reference = "the rest" if references[0] == "rest" else str(references[0])
    return GroupMetrics(table=table, breached=breached, reference=reference)


def group_calibration(
    result: AuditResult, *, positive_class: str, attribute: str
) -> GroupCalibration:
    """The calibration of the groups of one attribute (or intersection) for one audited class."""
    metrics = group_metrics(result, positive_class=positive_class, attribute=attribute)
    key = (positive_class, attribute)
    rates = result.by_group.loc[key]
    own = [name for name in TABLE_CALIBRATION if name in rates.columns]
    gaps = [name for name in TABLE_CALIBRATION if name not in rates.columns]
    own_limits = [f"{name}_{side}" for name in own[1:] for side in ("low", "high")]
    gap_limits = [f"{name}_{side}" for name in gaps for side in ("low", "high")]
    table = rates.loc[:, [*own, *own_limits, "caveats"]]
    differences = result.differences
    if key in differences.index.droplevel("group"):
        table = table.join(differences.loc[key, [*gaps, *gap_limits]], how="left")
    else:
        table = table.assign(**dict.fromkeys([*gaps, *gap_limits], np.nan))
    reliability = result.reliability
    curves = (
        reliability.loc[key]
        if key in reliability.index.droplevel(["group", "bin"])
        else reliability.iloc[:0].droplevel(["class", "attribute"])
    )
    return GroupCalibration(
        table=table,
        curves=curves,
        breached=frozenset(pair for pair in metrics.breached if pair[1] in gaps),
        reference=metrics.reference,
        measured=bool(rates["ece"].notna().any()),
    )


def mitigate(
    subject: Subject,
    *,
    attribute: str,
    privileged: str | Sequence[str],
    method: str = "reject_option",
    options: AuditOptions = DEFAULT_OPTIONS,
) -> Mitigation:
    """Post-process the subject's decisions for ``attribute`` (``privileged``, one group or a
    list, against the rest) and audit held-out rows before and after, as ``options`` say."""
    from workbench.audit import postprocess  # SciPy and AIF360 load with the first one

    _attributes(subject, [attribute])
    classes = subject.model.class_names
    if len(classes) != 2:
        raise AuditError(MSG_NOT_BINARY.format(name=subject.name, count=len(classes)))
    if method not in POSTPROCESSORS:
        raise AuditError(MSG_UNKNOWN_METHOD.format(method=method, choices=list(POSTPROCESSORS)))
    positive = subject.positive_class
    result = postprocess(
        subject.probabilities[:, classes.index(positive)],
        subject.data,
        label=subject.label_column,
        attribute=attribute,
        privileged=privileged,
        method=method,
        positive_class=positive,
        options=options,
    )
    table = _mitigation_table(result)
    overall = result.table.xs(("all", "all"), level=("attribute", "group")).loc[positive]
    summary = MSG_MITIGATION.format(
        method=method.replace("_", " "),
        attribute=attribute,
        privileged=result.privileged,
        rows=len(result.rows),
        before=len(result.before.failing_breaches),
        after=len(result.after.failing_breaches),
        accuracy_before=overall.loc["accuracy", "before"],
        accuracy_after=overall.loc["accuracy", "after"],
    )
    return Mitigation(result=result, table=table, summary=summary)


def _attributes(subject: Subject | None, protected: Sequence[str] | None) -> list[str]:
    if subject is None:
        raise AuditError(MSG_NO_MODEL)
    chosen = list(subject.protected if protected is None else protected)
    if not chosen:
        raise AuditError(MSG_NO_PROTECTED)
    for name in chosen:
        if name not in subject.protected:
            raise AuditError(
                MSG_UNKNOWN_ATTRIBUTE.format(attribute=name, choices=list(subject.protected))
            )
    return chosen


def _has_intersections(result: AuditResult) -> bool:
    return any(JOIN in name for name in result.by_group.index.get_level_values("attribute"))


def _underpowered(result: AuditResult) -> list[str]:
    """Each group whose rows cannot detect (80% power) a gap of some rate below ``UNDERPOWERED``
    times its bound, with the rate and gap furthest beyond; single attributes first, then the
    largest groups."""
    bounds = result.options.bounds
    shown = []
    for (_, attribute, group), row in result.differences.iterrows():
        ratios = {}
        for metric in DETECTABLE:
            limits = bounds.limits(metric)
            gap = row[f"{metric}_detectable"]
            if limits is not None and not math.isnan(gap) and gap > UNDERPOWERED * limits[1]:
                ratios[metric] = gap / limits[1]
        if ratios:
            metric = max(ratios, key=ratios.__getitem__)
            size = int(result.by_group.loc[(row.name[0], attribute, group), "size"])
            shown.append(
                (
                    JOIN in attribute,
                    -size,
                    MSG_UNDERPOWERED_GROUP.format(
                        level=attribute,
                        group=group,
                        size=size,
                        metric=REGISTRY[metric].compared_words,
                        gap=row[f"{metric}_detectable"],
                    ),
                )
            )
    shown.sort(key=lambda item: item[:2])
    return list(dict.fromkeys(text for *_, text in shown))


def _uncertain(breach: Breach) -> bool:
    """Whether the breach's confidence interval (if any) overlaps the allowed range."""
    if math.isnan(breach.low) or math.isnan(breach.high):
        return False
    low, high = breach.bound
    return breach.low <= high and breach.high >= low


def _worst_by_group(breaches: Sequence[Breach]) -> list[list[Breach]]:
    """Breaches grouped by (class, attribute, group), each worst first; single attributes
    before intersections, certain before uncertain, then by the worst excess."""
    grouped: dict[tuple[str, str, str], list[Breach]] = {}
    for breach in breaches:
        grouped.setdefault((breach.positive_class, breach.attribute, breach.group), []).append(
            breach
        )
    ranked = [sorted(items, key=excess, reverse=True) for items in grouped.values()]
    ranked.sort(
        key=lambda items: (JOIN in items[0].attribute, _uncertain(items[0]), -excess(items[0]))
    )
    return ranked


def swap_finding(counterfactual: CounterfactualResult) -> Finding:
    """What the counterfactual identity swaps found, in one sentence."""
    swaps = counterfactual.swaps
    if swaps.empty:
        return Finding("info", MSG_NO_SWAPS)
    pairs = counterfactual.by_pair.sort_values("mean_abs_change", ascending=False, kind="stable")
    (_, term, replacement), top = next(iter(pairs.iterrows()))
    level: FindingLevel = "warning" if len(counterfactual.flips) else "info"
    return Finding(
        level,
        MSG_SWAPS.format(
            messages=counterfactual.messages_with_terms,
            positive=counterfactual.positive_class,
            gap=counterfactual.gap,
            flips=len(counterfactual.flips),
            swaps=len(swaps),
            term=term,
            replacement=replacement,
            change=top["mean_change"],
            count=int(top["messages"]),
        ),
    )


def _pairs(counterfactual: CounterfactualResult | None) -> pd.DataFrame:
    if counterfactual is None:
        return pd.DataFrame()
    pairs = counterfactual.by_pair.sort_values("mean_abs_change", ascending=False, kind="stable")
    return pairs.head(SHOWN_PAIRS)


def _flips(counterfactual: CounterfactualResult | None) -> pd.DataFrame:
    columns = ["text", "counterfactual", "score", "counterfactual_score"]
    if counterfactual is None or counterfactual.flips.empty:
        return pd.DataFrame(columns=columns)
    flips = counterfactual.flips.reindex(
        counterfactual.flips["change"].abs().sort_values(ascending=False, kind="stable").index
    ).head(SHOWN_FLIPS)
    shown = flips.loc[:, columns].reset_index(drop=True)
    for column in ("text", "counterfactual"):
        shown[column] = [redact(text).text for text in shown[column]]
    return shown


def _mitigation_table(result: MitigationResult) -> pd.DataFrame:
    table = result.table
    positive = table.index.get_level_values("class")[0]
    rows = table.xs(positive, level="class")
    attribute = rows.index.get_level_values("attribute")
    rows = rows[(attribute == result.attribute) | (attribute == "all")].droplevel("attribute")
    metrics = rows.index.get_level_values("metric")
    rows = rows[np.isin(metrics, MITIGATION_METRICS)]
    wide = rows.loc[:, ["before", "after"]].unstack("metric")
    wide = wide.swaplevel(axis=1)
    order = [m for m in MITIGATION_METRICS if m in wide.columns]
    wide = wide.reindex(columns=pd.MultiIndex.from_product([order, ["before", "after"]]))
    groups = [g for g in wide.index if g != "all"]
    return wide.reindex(["all", *groups])
