"""Pieces shared by the views: charts created on first use, the per-group metrics table and
the per-group bars."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import ipywidgets
import plotly.graph_objects as go

from widgets import _html
from workbench.app.findings import MSG_NO_CALIBRATION, GroupCalibration, GroupMetrics
from workbench.audit import TABLE_CALIBRATION, TABLE_DIFFERENCES, TABLE_RATES
from workbench.presentation import PALETTE, metric_label

GROUP_BARS_LAYOUT = {
    "height": 320,
    "width": 900,
    "margin": {"l": 50, "r": 20, "t": 40, "b": 80},
    "template": "plotly_white",
    "yaxis": {"rangemode": "tozero"},
}

RELIABILITY_LAYOUT = {
    "height": 420,
    "width": 560,
    "margin": {"l": 60, "r": 20, "t": 40, "b": 60},
    "template": "plotly_white",
    "xaxis": {"range": [0, 1], "title": {"text": "mean score in the bin"}},
    "yaxis": {"range": [0, 1], "title": {"text": "observed rate"}},
}
CURVE_COLUMNS = ("bin_low", "bin_high", "rows", "mean_predicted", "observed_rate")


def warm_up() -> None:
    """Import plotly's widget module (it imports nbformat and jsonschema: seconds) and load its
    template and validators, so that the first chart drawn later appears quickly."""
    importlib.import_module("plotly.graph_objs._figurewidget")
    go.Figure(data=[go.Bar(x=[0], y=[0], error_y={"array": [0]})], layout=GROUP_BARS_LAYOUT)


class Chart(ipywidgets.Box):
    """A place for a plotly chart, made with its first data and redrawn whole afterwards.

    Each FigureWidget ships plotly's whole widget bundle to the page, and anywidget gives a
    model two seconds to start, so charts are made only when they first have data. That first
    drawing goes to the FigureWidget's constructor: the constructor's data and layout are the
    only state synced to a page that connects later (Voila runs the notebook before the page
    connects; changes made then, or before the page's model has started, are lost). Later
    drawings replace the traces and update the layout. Give the layout an explicit width: a
    plot drawn while hidden cannot measure its container.
    """

    def __init__(self, *, layout: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._layout = layout
        self.figure: go.FigureWidget | None = None
        self.add_class("wb-chart")

    def draw(self, traces: Sequence[Any], layout: dict[str, Any]) -> None:
        """Show ``traces`` with ``layout`` (updates to the base layout)."""
        if self.figure is None:
            self.figure = go.FigureWidget(data=list(traces), layout={**self._layout, **layout})
            self.children = (self.figure,)
            return
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.add_traces(list(traces))
            self.figure.update_layout(layout)


def metrics_table_html(metrics: GroupMetrics, attribute: str) -> str:
    """One attribute's groups as a table, each value outside its fairness bound marked."""
    breaches = len(metrics.breached)
    verdict = (
        f'<b class="wb-bad">{breaches} value(s) outside their fairness bound (&#9888;).</b>'
        if breaches
        else "Every value is within its fairness bound."
    )
    head = (
        f'<p class="wb-line">{_html.esc(attribute)}: each group against '
        f"{_html.esc(metrics.reference)}. {verdict}</p>"
    )
    body = _html.table(
        metrics.table,
        columns=(*TABLE_RATES, *TABLE_DIFFERENCES, "caveats"),
        index_name="group",
        marked=metrics.breached,
        css_class="wb-metrics",
    )
    return head + f'<div class="wb-scroll">{body}</div>'


def draw_group_bars(chart: Chart, metrics: GroupMetrics, metric: str, attribute: str) -> None:
    """Draw ``metric`` per group with its confidence interval in ``chart``."""
    table = metrics.table
    values = table[metric].astype(float)
    upper = (table[f"{metric}_high"].astype(float) - values).clip(lower=0)
    lower = (values - table[f"{metric}_low"].astype(float)).clip(lower=0)
    bars = go.Bar(
        x=[str(group) for group in table.index],
        y=values.fillna(0).tolist(),
        error_y={
            "type": "data",
            "array": upper.fillna(0).tolist(),
            "arrayminus": lower.fillna(0).tolist(),
            "visible": True,
        },
        marker={"color": PALETTE["negative"]},
    )
    title = f"{metric_label(metric)} by {attribute} (whiskers: confidence intervals)"
    chart.draw([bars], {"title": {"text": title}})


def calibration_html(calibration: GroupCalibration, attribute: str) -> str:
    """One attribute's calibration as a table, each gap outside its bound marked, and the
    reliability curves as a table (what the chart shows, for readers who cannot see it)."""
    if not calibration.measured:
        return f'<p class="wb-line">{_html.esc(MSG_NO_CALIBRATION)}</p>'
    breaches = len(calibration.breached)
    verdict = (
        f'<b class="wb-bad">{breaches} calibration gap(s) outside their bound (&#9888;).</b>'
        if breaches
        else "Every calibration gap is within its bound."
    )
    head = (
        f'<p class="wb-line">{_html.esc(attribute)}: what a score means in each group, against '
        f"{_html.esc(calibration.reference)}. {verdict}</p>"
    )
    body = _html.table(
        calibration.table,
        columns=TABLE_CALIBRATION,
        index_name="group",
        marked=calibration.breached,
        css_class="wb-calibration",
    )
    curves = _html.table(
        calibration.curves,
        columns=CURVE_COLUMNS,
        index_name="group / score bin",
        css_class="wb-reliability",
    )
    return (
        f'{head}<div class="wb-scroll">{body}</div>'
        "<details><summary>Reliability curves as a table</summary>"
        f'<div class="wb-scroll">{curves}</div></details>'
    )


def draw_reliability(chart: Chart, calibration: GroupCalibration, attribute: str) -> None:
    """Draw each group's reliability curve (observed rate against mean score per bin) and the
    diagonal of a calibrated score in ``chart``."""
    diagonal = go.Scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        name="calibrated",
        line={"color": PALETTE["muted"], "dash": "dash"},
    )
    traces = [diagonal]
    for group, curve in calibration.curves.groupby(level="group", sort=False):
        traces.append(
            go.Scatter(
                x=curve["mean_predicted"].tolist(),
                y=curve["observed_rate"].tolist(),
                mode="lines+markers",
                name=str(group),
                text=[f"{rows} rows" for rows in curve["rows"]],
            )
        )
    title = f"Reliability by {attribute}: observed rate against score"
    chart.draw(traces, {"title": {"text": title}})
