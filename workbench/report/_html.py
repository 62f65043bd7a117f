"""The report as one self-contained HTML page, rendered with Jinja2 from a ReportContent.

Everything the page needs is in the page: styles in a ``<style>`` element (with a print
stylesheet), token highlights as inline ``background`` colours, the model card rendered from
Markdown without raw HTML. Nothing is loaded from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from workbench.audit import (
    CALIBRATION,
    CALIBRATION_BETWEEN,
    JOIN,
    MITIGATION_METRICS,
    REGISTRY,
    TABLE_DIFFERENCES,
    TABLE_RATES,
    AuditResult,
    Breach,
    CounterfactualResult,
    excess,
)
from workbench.presentation import (
    MISSING,
    SERIES,
    completeness,
    css_variables,
    direction,
    interval,
    metric_label,
    number,
    shade,
    signed,
    text_colour,
)
from workbench.report._chat import OUTCOME_RATES, ChatSection
from workbench.report._content import SHORT_SHA, ReportContent
from workbench.report._examples import ShownExample, Token
from workbench.report._markdown import markdown_to_html

if TYPE_CHECKING:
    from workbench.audit import MitigationResult

TEMPLATE = "report.html.j2"
SHOWN_INTERSECTION_BREACHES = 20
SHOWN_PAIRS = 10
SHOWN_FLIPS = 5
SHOWN_TOP_TOKENS = 5
LEGEND_STEPS = 9
# The reliability chart: a square plot of this many pixels, inside these margins.
PLOT = 260
PLOT_MARGIN = {"left": 44, "top": 12, "right": 12, "bottom": 40}
PLOT_TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Cell:
    """One number of a table as shown: the value, its interval, and whether it breaches."""

    value: str
    interval: str = ""
    breached: bool = False


def render_html(content: ReportContent) -> str:
    """The report as a self-contained HTML document."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        report=content,
        card=Markup(markdown_to_html(content.model_card)) if content.model_card else None,
        audit=_audit_view(content.audit),
        examples=[_example_view(example) for example in content.examples],
        legend=_legend(),
        counterfactual=_counterfactual_view(content.counterfactual),
        mitigation=_mitigation_view(content.mitigation),
        chat=_chat_view(content.chat),
        short_sha=SHORT_SHA,
        palette=css_variables(),
    )


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("workbench.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = number
    environment.filters["signed"] = signed
    return environment


def _legend() -> list[tuple[str, str, str]]:
    steps = [2 * i / (LEGEND_STEPS - 1) - 1 for i in range(LEGEND_STEPS)]
    colours = [shade(step, 1.0) for step in steps]
    return [(c, text_colour(c), signed(step, 2)) for c, step in zip(colours, steps)]


def _audit_view(result: AuditResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    confidence = round(result.options.confidence * 100)
    single, joined = _split_breaches(result.failing_breaches)
    possible = [b for b in result.breaches if b not in result.failing_breaches]
    possible_single, possible_joined = _split_breaches(possible)
    bounds = result.options.bounds.to_dict()
    classes = []
    for positive in result.classes:
        overall = result.overall.loc[positive]
        attributes = [
            _attribute_view(result, positive, attribute)
            for attribute in dict.fromkeys(
                result.by_group.loc[positive].index.get_level_values("attribute")
            )
            if JOIN not in attribute
        ]
        classes.append(
            {
                "name": positive,
                "overall": [_cell(overall, metric) for metric in TABLE_RATES],
                "attributes": attributes,
            }
        )
    return {
        "result": result,
        "confidence": confidence,
        "rate_headers": [metric_label(metric) for metric in TABLE_RATES],
        "difference_headers": [
            (metric_label(metric), _bound_words(bounds.get(metric), metric))
            for metric in TABLE_DIFFERENCES
        ],
        "calibration_headers": [
            *((metric_label(metric), "") for metric in CALIBRATION),
            *(
                (metric_label(metric), _bound_words(bounds.get(metric), metric))
                for metric in CALIBRATION_BETWEEN
            ),
        ],
        "classes": classes,
        "single_breaches": [breach.message for breach in single],
        "intersection_breaches": [
            breach.message for breach in joined[:SHOWN_INTERSECTION_BREACHES]
        ],
        "more_intersection_breaches": max(0, len(joined) - SHOWN_INTERSECTION_BREACHES),
        "failing": len(result.failing_breaches),
        "strength": "robustly" if result.options.gate == "robust" else "",
        "false_discovery_rate": f"{result.options.false_discovery_rate:.0%}",
        "possible_single_breaches": [breach.message for breach in possible_single],
        "possible_intersection_breaches": len(possible_joined),
        "intersections": [
            name
            for name in dict.fromkeys(result.by_group.index.get_level_values("attribute"))
            if JOIN in name
        ],
    }


def _attribute_view(result: AuditResult, positive: str, attribute: str) -> dict[str, Any]:
    rates = result.by_group.loc[(positive, attribute)]
    key = (positive, attribute)
    has_differences = key in result.differences.index.droplevel("group")
    differences = result.differences.loc[key] if has_differences else None
    breached = {
        (breach.group, breach.metric)
        for breach in result.failing_breaches
        if breach.positive_class == positive and breach.attribute == attribute
    }
    rows = []
    for group, row in rates.iterrows():
        compared = None
        if differences is not None and group in differences.index:
            compared = differences.loc[group]
        cells = [
            Cell(MISSING)
            if compared is None
            else replace(
                _cell(compared, metric), breached=(group, metric) in breached
            )
            for metric in TABLE_DIFFERENCES
        ]
        rows.append(
            {
                "group": group,
                "rates": [_cell(row, metric) for metric in TABLE_RATES],
                "differences": cells,
                "breached": any(cell.breached for cell in cells),
                "caveats": row["caveats"],
                "reference": "" if compared is None else _reference(compared["reference"]),
            }
        )
    references = sorted({row["reference"] for row in rows if row["reference"]})
    return {
        "name": attribute,
        "rows": rows,
        "reference": ", ".join(references) or "the rest",
        "breaches": sum(row["breached"] for row in rows),
        "calibration": _calibration_view(result, positive, attribute, breached),
    }


def _calibration_view(
    result: AuditResult, positive: str, attribute: str, breached: set[tuple[str, str]]
) -> dict[str, Any] | None:
    """One attribute's calibration: a table per group, the reliability chart's geometry and
    the table of its points; None without scores."""
    key = (positive, attribute)
    rates = result.by_group.loc[key]
    if rates["ece"].isna().all():
        return None
    differences = result.differences
    compared = differences.loc[key] if key in differences.index.droplevel("group") else None
    rows = []
    for group, row in rates.iterrows():
        versus = None if compared is None or group not in compared.index else compared.loc[group]
        gaps = [
            Cell(MISSING)
            if versus is None
            else replace(_cell(versus, metric), breached=(group, metric) in breached)
            for metric in CALIBRATION_BETWEEN
        ]
        rows.append(
            {
                "group": group,
                "cells": [_cell(row, "size"), *(_cell(row, m) for m in CALIBRATION), *gaps],
                "breached": any(cell.breached for cell in gaps),
            }
        )
    curves = result.reliability.loc[key]
    points = [
        {
            "group": group,
            "bin": f"{number(curve['bin_low'], 1)}–{number(curve['bin_high'], 1)}",
            "rows": number(int(curve["rows"])),
            "mean_predicted": number(curve["mean_predicted"]),
            "observed_rate": number(curve["observed_rate"]),
        }
        for (group, _), curve in curves.iterrows()
    ]
    return {"rows": rows, "chart": _reliability_chart(curves), "points": points}


def _reliability_chart(curves: pd.DataFrame) -> dict[str, Any]:
    """Pixel geometry of a reliability chart: one polyline per group (observed rate against
    mean score per bin, each point's area growing with its rows), the diagonal of a calibrated
    score, ticks and a legend."""
    left, top = PLOT_MARGIN["left"], PLOT_MARGIN["top"]
    most = max(float(curves["rows"].max()), 1.0) if len(curves) else 1.0

    def x(value: float) -> float:
        return round(left + value * PLOT, 1)

    def y(value: float) -> float:
        return round(top + (1.0 - value) * PLOT, 1)

    series = []
    for position, (group, curve) in enumerate(curves.groupby(level="group", sort=False)):
        dots = [
            {
                "x": x(point["mean_predicted"]),
                "y": y(point["observed_rate"]),
                "r": round(1.5 + 3.0 * (float(point["rows"]) / most) ** 0.5, 1),
                "title": (
                    f"{group}: mean score {number(point['mean_predicted'])}, observed rate "
                    f"{number(point['observed_rate'])}, {int(point['rows'])} rows"
                ),
            }
            for _, point in curve.iterrows()
        ]
        series.append(
            {
                "name": str(group),
                "colour": SERIES[position % len(SERIES)],
                "points": " ".join(f"{dot['x']},{dot['y']}" for dot in dots),
                "dots": dots,
            }
        )
    return {
        "width": left + PLOT + PLOT_MARGIN["right"],
        "height": top + PLOT + PLOT_MARGIN["bottom"],
        "left": left,
        "top": top,
        "right": left + PLOT,
        "bottom": top + PLOT,
        "ticks": [{"label": f"{t:g}", "x": x(t), "y": y(t)} for t in PLOT_TICKS],
        "series": series,
    }


def _cell(row: pd.Series, metric: str) -> Cell:
    value = row[metric]
    if metric == "size":
        return Cell(number(int(value)))
    signed_value = REGISTRY[metric].signed
    show = signed if signed_value else number
    low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
    return Cell(show(value), interval(low, high, signed_values=signed_value))


def _bound_words(bound: Any, metric: str) -> str:
    if bound is None:
        return "no bound"
    if REGISTRY[metric].kind == "ratio":
        return f"allowed {bound[0]:g} to {bound[1]:g}"
    return f"allowed ±{bound:g}"


def _reference(name: str) -> str:
    return "the rest" if name == "rest" else str(name)


def _split_breaches(breaches: Iterable[Breach]) -> tuple[list[Breach], list[Breach]]:
    single = [breach for breach in breaches if JOIN not in breach.attribute]
    joined = [breach for breach in breaches if JOIN in breach.attribute]
    joined.sort(key=excess, reverse=True)
    return single, joined


def _example_view(example: ShownExample) -> dict[str, Any]:
    target = example.target_name
    scale = max((abs(token.attribution) for token in example.tokens), default=0.0)
    return {
        "example": example,
        "tokens": [_token_view(token, scale, target) for token in example.tokens],
        "top": [_token_view(token, scale, target) for token in example.top(SHOWN_TOP_TOKENS)],
        "scale": number(scale),
        "completeness": completeness(example.completeness_gap),
        "unreliable": example.completeness_exceeded,
    }


def _token_view(token: Token, scale: float, target: str) -> dict[str, Any]:
    background = shade(token.attribution, scale)
    shown = token.text if token.value is None else f"{token.text} = {token.value}"
    towards = direction(token.attribution, target)
    return {
        "text": token.text,
        "value": token.value,
        "tag": token.tag,
        "attribution": signed(token.attribution, 4),
        "short": signed(token.attribution, 2),
        "direction": towards,
        "said": f"{shown}: {signed(token.attribution, 2)}, {towards}",
        "background": background,
        "colour": text_colour(background),
    }


def _counterfactual_view(result: CounterfactualResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    pairs = result.by_pair.sort_values("mean_abs_change", ascending=False, kind="stable")
    flips = result.flips
    order = flips["change"].abs().sort_values(ascending=False, kind="stable").index
    return {
        "result": result,
        "gap": number(result.gap),
        "categories": _records(result.by_category),
        "pairs": _records(pairs.head(SHOWN_PAIRS)),
        "more_pairs": max(0, len(pairs) - SHOWN_PAIRS),
        "flips": flips.loc[order].head(SHOWN_FLIPS).to_dict(orient="records"),
        "flip_count": len(flips),
        "swap_count": len(result.swaps),
    }


def _mitigation_view(result: MitigationResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    table = result.table
    positive = table.index.get_level_values("class")[0]
    rows = table.xs(positive, level="class")
    attribute = rows.index.get_level_values("attribute")
    rows = rows[(attribute == result.attribute) | (attribute == "all")].droplevel("attribute")
    groups = list(dict.fromkeys(rows.index.get_level_values("group")))
    groups = ["all", *(group for group in groups if group != "all")]
    shown = []
    for group in groups:
        cells = []
        for metric in MITIGATION_METRICS:
            if (group, metric) not in rows.index:
                cells.append(Cell(MISSING))
                continue
            before, after = rows.loc[(group, metric), ["before", "after"]]
            show = signed if REGISTRY[metric].signed else number
            cells.append(Cell(f"{show(before)} \u2192 {show(after)}"))
        shown.append({"group": "all rows" if group == "all" else group, "cells": cells})
    return {
        "result": result,
        "positive": positive,
        "headers": [metric_label(metric) for metric in MITIGATION_METRICS],
        "rows": shown,
        "breaches_before": len(result.before.failing_breaches),
        "breaches_after": len(result.after.failing_breaches),
    }


def _chat_view(section: ChatSection | None) -> dict[str, Any] | None:
    """The chatbot audit's tables as shown: numbers formatted, intervals under them."""
    if section is None:
        return None
    view: dict[str, Any] = {
        "section": section,
        "settings": [(name, str(value)) for name, value in section.settings.items()],
        "outcome_rates": [],
        "rates": [],
        "paired": [],
        "pair_headers": [],
        "pairs": [],
    }
    if section.outcome_rates is not None:
        view["outcome_rates"] = [
            {
                "attribute": row["attribute"],
                "group": row["group"],
                "prompts": number(int(row["prompts"])),
                "cells": [
                    Cell(number(row[name]), interval(row[f"{name}_low"], row[f"{name}_high"]))
                    for _, name in OUTCOME_RATES
                ],
            }
            for _, row in section.outcome_rates.iterrows()
        ]
    if section.rates is not None:
        view["rates"] = [
            {
                "category": row["category"],
                "group": row["group"],
                "n": number(int(row["n"])),
                "rate": Cell(number(row["rate"]), interval(row["ci_low"], row["ci_high"])),
            }
            for _, row in section.rates.iterrows()
        ]
    if section.paired is not None:
        view["paired"] = [
            {
                "category": row["category"],
                "group": row["group"],
                "reference": row["reference"],
                "prompts": number(int(row["prompts"])),
                "difference": Cell(
                    signed(row["mean_difference"]),
                    interval(row["ci_low"], row["ci_high"], signed_values=True),
                    breached=_excludes_zero(row["ci_low"], row["ci_high"]),
                ),
            }
            for _, row in section.paired.iterrows()
        ]
    view["beyond_chance"] = sum(row["difference"].breached for row in view["paired"])
    if section.pairs is not None:
        view["pair_headers"] = [str(column).replace("_", " ") for column in section.pairs.columns]
        view["pairs"] = [
            [number(value) for value in row] for row in section.pairs.itertuples(index=False)
        ]
    return view


def _excludes_zero(low: Any, high: Any) -> bool:
    """Whether an interval lies wholly above or below zero."""
    return bool(pd.notna(low) and pd.notna(high) and (low > 0 or high < 0))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.reset_index().to_dict(orient="records")
