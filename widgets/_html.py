"""HTML pieces shared by the views: escaped tables, highlighted tokens, the colour scale.

Every value that reaches the page passes through ``html.escape`` here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

POSITIVE_RGB = (214, 96, 77)  # for the explained class (diverging RdBu ends)
NEGATIVE_RGB = (67, 147, 195)  # against it
MAX_ALPHA = 0.9
TABLE_STYLE = "border-collapse: collapse; font-size: 13px; margin: 4px 0"
CELL_STYLE = (
    "padding: 2px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; white-space: nowrap"
)
HEAD_STYLE = "padding: 2px 8px; border-bottom: 2px solid #999; text-align: right"
BREACH_STYLE = "background-color: #fbd3cf; color: #7a1010; font-weight: 600"
LABELS = {
    "size": "rows",
    "selection_rate": "selection rate",
    "tpr": "TPR",
    "fpr": "FPR",
    "fnr": "FNR",
    "precision": "precision",
    "accuracy": "accuracy",
    "base_rate": "base rate",
    "statistical_parity_difference": "stat. parity diff.",
    "disparate_impact": "disparate impact",
    "equal_opportunity_difference": "equal opp. diff.",
    "average_odds_difference": "average odds diff.",
    "false_negative_rate_difference": "FNR diff.",
    "error_rate_difference": "error rate diff.",
    "between_group_theil_index": "Theil (between)",
}


def esc(value: Any) -> str:
    """``value`` as escaped text."""
    return html.escape(str(value))


def label(name: str) -> str:
    """A short human label for a metric or column name."""
    return LABELS.get(name, name.replace("_", " "))


def number(value: Any, digits: int = 3) -> str:
    """A number for a table cell; NaN and None become a dash."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return "–"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.{digits}f}"
    return esc(value)


def table(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    index_name: str = "",
    marked: Iterable[tuple[Any, str]] = (),
    css_class: str = "wb-table",
) -> str:
    """An HTML table of ``columns`` of ``frame`` with its index as the first column.

    Cells named in ``marked`` ((index value, column) pairs) are highlighted with a warning sign.
    """
    flagged = set(marked)
    head = "".join(f'<th style="{HEAD_STYLE}">{esc(label(c))}</th>' for c in columns)
    values = {column: frame[column].tolist() for column in columns}  # keeps ints as ints
    rows = []
    for position, key in enumerate(frame.index):
        cells = [f'<th style="{CELL_STYLE}; text-align: left">{esc(_key(key))}</th>']
        for column in columns:
            shown = number(values[column][position])
            if (key, column) in flagged:
                cells.append(
                    f'<td class="wb-breach" style="{CELL_STYLE}; {BREACH_STYLE}" '
                    f'title="outside its fairness bound">&#9888; {shown}</td>'
                )
            else:
                cells.append(f'<td style="{CELL_STYLE}">{shown}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="{esc(css_class)}" style="{TABLE_STYLE}"><thead><tr>'
        f'<th style="{HEAD_STYLE}; text-align: left">{esc(index_name)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def colour(value: float, scale: float) -> str:
    """The diverging colour of an attribution: red for, blue against, paler when smaller."""
    strength = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0)
    red, green, blue = POSITIVE_RGB if value >= 0 else NEGATIVE_RGB
    return f"rgba({red}, {green}, {blue}, {strength * MAX_ALPHA:.3f})"


def tokens(features: Sequence[str], attributions: Sequence[float]) -> str:
    """Tokens as spans coloured by their attribution, scaled to the largest |attribution|."""
    values = np.asarray(attributions, dtype=float)
    scale = float(np.max(np.abs(values))) if len(values) else 0.0
    spans = []
    for feature, value in zip(features, values):
        strong = scale > 0 and abs(value) / scale > 0.6
        spans.append(
            f'<span class="wb-token" data-attribution="{value:.6g}" title="{value:+.4f}" '
            f'style="background-color: {colour(value, scale)}; color: '
            f"{'#fff' if strong else '#111'}; padding: 1px 3px; margin: 1px; "
            f'border-radius: 3px; display: inline-block">{esc(feature)}</span>'
        )
    return f'<div class="wb-tokens" style="line-height: 1.9">{"".join(spans)}</div>'


def legend(target: str) -> str:
    """The colour scale's key: blue against ``target``, red for it."""
    low = colour(-1.0, 1.0)
    high = colour(1.0, 1.0)
    bar = (
        f"display: inline-block; width: 120px; height: 10px; margin: 0 6px; "
        f"background: linear-gradient(to right, {low}, rgba(255,255,255,0), {high})"
    )
    return (
        f'<div class="wb-legend" style="font-size: 12px; color: #555">against '
        f'<b>{esc(target)}</b><span style="{bar}"></span>for <b>{esc(target)}</b></div>'
    )


def items(texts: Iterable[str], *, css_class: str = "wb-list") -> str:
    """An escaped bullet list."""
    body = "".join(f"<li>{esc(text)}</li>" for text in texts)
    return f'<ul class="{esc(css_class)}" style="margin: 4px 0; padding-left: 20px">{body}</ul>'


def _key(key: Any) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
