"""Feature attributions as bar charts: one table row, and many rows overall or per group."""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
import plotly.graph_objects as go
import traitlets

from widgets import _html
from widgets._charts import Chart
from widgets._choices import MethodTargetView
from widgets._task import CoreView
from workbench.app.compare import IMPORTANCE_ROWS, Importance, importance, quick_explain
from workbench.explain import METHODS, Explanation, applicable_methods
from workbench.presentation import PALETTE, completeness

SHOWN_FEATURES = 15
BAR_LAYOUT = {
    "height": 340,
    "width": 900,
    "margin": {"l": 170, "r": 20, "t": 40, "b": 40},
    "template": "plotly_white",
    "yaxis": {"autorange": "reversed", "automargin": True},
    "xaxis": {"zeroline": True, "zerolinecolor": "#888"},
    "legend": {"orientation": "h", "y": -0.15},
}


class FeatureAttributionView(MethodTargetView):
    """Explain one table ``row`` of a tabular ``model`` and show the attributions as bars.

    One core call, :func:`workbench.app.compare.quick_explain`, per click of *Explain*; the
    :class:`~workbench.explain.Explanation` is ``explanation``. ``background`` rows set the
    baseline (their mean); ``method`` '' is the model's default, ``target`` '' the predicted
    class. Bars are red where a feature pushes towards the class, blue where it pushes away.
    """

    model = traitlets.Any(None, allow_none=True, help="The tabular ModelAdapter to explain.")
    row = traitlets.Any(None, allow_none=True, help="A one-row DataFrame to explain.")
    background = traitlets.Any(None, allow_none=True, help="Rows whose mean is the baseline.")
    method = traitlets.Unicode("", help="Method name; '' for the model's default.")
    target = traitlets.Unicode("", help="Class to explain; '' for the predicted class.")
    explanation = traitlets.Any(None, allow_none=True, help="The last Explanation, or None.")

    css_class = "wb-feature-attribution"
    result_trait = "explanation"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        choices = self._choice_row()
        self.values = ipywidgets.HTML()
        self.scores = ipywidgets.HTML()
        self.chart = Chart(layout=BAR_LAYOUT)
        return (
            choices,
            self.values,
            self.status,
            self.chart,
            self.scores,
        )

    def explain(self, _button: ipywidgets.Button | None = None) -> None:
        """Explain ``row`` (the *Explain* button)."""
        model, row, background = self.model, self.row, self.background
        method, target = self.method or None, self.target or None
        self._run(
            lambda: quick_explain(model, row, method=method, target=target, background=background),
            "explanation",
            working="Explaining…",
        )


    @traitlets.observe("row")
    def _show_row(self, change: dict[str, Any]) -> None:
        row = change["new"]
        self.explanation = None
        if row is None or self.model is None:
            self.values.value = ""
            return
        shown = row.iloc[0]
        pairs = ", ".join(
            f"{_html.esc(name)}=<b>{_html.esc(shown[name])}</b>"
            for name in self.model.feature_columns
            if name in shown.index
        )
        self.values.value = f'<p class="wb-line wb-values">{pairs}</p>'

    @traitlets.observe("explanation")
    def _draw(self, change: dict[str, Any]) -> None:
        explanation: Explanation | None = change["new"]
        self.chart.layout.display = "none" if explanation is None else "flex"
        if explanation is None:
            self.scores.value = ""
            return
        values = explanation.attributions
        bars = go.Bar(
            orientation="h",
            x=values.tolist(),
            y=list(explanation.features),
            marker={
                "color": [
                    PALETTE["positive"] if v >= 0 else PALETTE["negative"] for v in values
                ]
            },
        )
        title = (
            f"{METHODS[explanation.method].label}: why '{explanation.target_name}' "
            f"(probability {explanation.score:.3f})"
        )
        self.chart.draw([bars], {"title": {"text": title}})
        faith = explanation.faithfulness
        lines = list(explanation.notes)
        if faith is not None:
            infidelity = "" if faith.infidelity is None else f", infidelity {faith.infidelity:.3g}"
            lines.insert(
                0,
                f"Faithfulness: comprehensiveness {faith.comprehensiveness:.3f} (higher is more "
                f"faithful), sufficiency {faith.sufficiency:.3f} (lower is more faithful)"
                f"{infidelity}.",
            )
        gap = completeness(explanation.completeness_gap)
        if gap is not None:
            lines.insert(1 if faith is not None else 0, gap)
        self.scores.value = _html.items(lines)

    def _methods(self) -> list[str]:
        if self.model is None or self.model.kind != "tabular":
            return []
        return list(applicable_methods(self.model))


class GlobalAttributionView(CoreView):
    """Mean |attribution| of each feature (or token) over many rows, overall or per group.

    One core call, :func:`workbench.app.compare.importance`, per click of *Compute*; the
    :class:`~workbench.app.compare.Importance` is ``result``. ``attribute`` '' means all rows
    together; a protected attribute gives one bar per group. ``rows`` rows are sampled.
    """

    subject = traitlets.Any(None, allow_none=True, help="The workbench Subject to explain.")
    method = traitlets.Unicode("", help="Method name; '' for the model's default.")
    attribute = traitlets.Unicode("", help="Protected attribute to split by; '' for none.")
    rows = traitlets.Int(IMPORTANCE_ROWS, help="How many rows to explain.")
    result = traitlets.Any(None, allow_none=True, help="The last Importance, or None.")

    css_class = "wb-global-attribution"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.method_box = ipywidgets.Dropdown(description="Method", options=[("default", "")])
        self.attribute_box = ipywidgets.Dropdown(description="Split by", options=[("all rows", "")])
        self.rows_box = ipywidgets.IntSlider(
            description="Rows",
            min=50,
            max=1000,
            step=50,
            value=IMPORTANCE_ROWS,
            continuous_update=False,
        )
        self.compute_button = ipywidgets.Button(description="Compute", icon="bar-chart")
        self.chart = Chart(layout={**BAR_LAYOUT, "height": 420, "width": 1000})
        traitlets.link((self.rows_box, "value"), (self, "rows"))
        self.method_box.observe(lambda c: setattr(self, "method", c["new"]), names="value")
        self.attribute_box.observe(lambda c: setattr(self, "attribute", c["new"]), names="value")
        self.compute_button.on_click(self.compute)
        return (
            ipywidgets.HBox(
                [self.method_box, self.attribute_box, self.rows_box, self.compute_button]
            ),
            self.status,
            self.chart,
        )

    def compute(self, _button: ipywidgets.Button | None = None) -> None:
        """Explain ``rows`` sampled rows and aggregate them (the *Compute* button)."""
        subject, rows = self.subject, self.rows
        method, attribute = self.method or None, self.attribute or None
        self._run(
            lambda: importance(subject, method=method, attribute=attribute, rows=rows),
            "result",
            working=f"Explaining {rows} rows…",
        )

    @traitlets.validate("method")
    def _valid_method(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and (self.subject is None or value not in applicable_methods(self.subject.model)):
            raise traitlets.TraitError(f"method {value!r} does not apply to this model")
        return value

    @traitlets.validate("attribute")
    def _valid_attribute(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and (self.subject is None or value not in self.subject.protected):
            raise traitlets.TraitError(f"{value!r} is not a protected attribute")
        return value

    @traitlets.observe("subject")
    def _new_subject(self, change: dict[str, Any]) -> None:
        subject = change["new"]
        with self.hold_trait_notifications():
            self.method = self.attribute = ""
            self.result = None
        methods = applicable_methods(subject.model) if subject is not None else ()
        self.method_box.options = [("default", "")] + [(METHODS[m].label, m) for m in methods]
        protected = subject.protected if subject is not None else ()
        self.attribute_box.options = [("all rows", "")] + [(a, a) for a in protected]

    @traitlets.observe("method")
    def _show_method(self, change: dict[str, Any]) -> None:
        self.method_box.value = change["new"]

    @traitlets.observe("attribute")
    def _show_attribute(self, change: dict[str, Any]) -> None:
        self.attribute_box.value = change["new"]

    @traitlets.observe("result")
    def _draw(self, change: dict[str, Any]) -> None:
        result: Importance | None = change["new"]
        self.chart.layout.display = "none" if result is None else "flex"
        if result is None:
            return
        table = result.table.head(SHOWN_FEATURES)
        if result.attribute is None:
            traces = [
                go.Bar(
                    orientation="h",
                    x=table["mean_abs_attribution"].tolist(),
                    y=table["feature"].astype(str).tolist(),
                    name="all rows",
                    marker={"color": PALETTE["positive"]},
                )
            ]
        else:
            features = [str(f) for f in table.index]
            traces = [
                go.Bar(
                    orientation="h",
                    x=np.where(table[group].isna(), None, table[group]).tolist(),
                    y=features,
                    name=str(group),
                )
                for group in table.columns
                if group != "difference"
            ]
        split = f" by {result.attribute}" if result.attribute else ""
        title = (
            f"Mean |attribution| for '{result.target_name}' over {result.rows} rows{split} "
            f"({METHODS[result.method].label})"
        )
        self.chart.draw(traces, {"title": {"text": title}, "barmode": "group"})
