"""The bias audit: choose attributes and a threshold, read the metrics, swaps and mitigation."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from widgets._charts import (
    GROUP_BARS_LAYOUT,
    RELIABILITY_LAYOUT,
    Chart,
    calibration_html,
    draw_group_bars,
    draw_reliability,
    metrics_table_html,
)
from widgets._task import CoreView, set_options, shows_errors
from workbench.app.findings import (
    AuditRun,
    Mitigation,
    group_calibration,
    group_metrics,
    mitigate,
    run_audit,
    swap_finding,
)
from workbench.audit import BEST_OFF, POSTPROCESSORS, AuditOptions
from workbench.presentation import metric_label

RATE_CHOICES = ("fnr", "fpr", "tpr", "selection_rate", "precision", "accuracy")
PRIVILEGED = "privileged"
REFERENCES = (
    ("the rest", None),
    ("the best-off group (lowest FNR)", BEST_OFF),
    ("privileged groups", PRIVILEGED),
)
METHOD_LABELS = {
    "reject_option": "Reject option classification",
    "equalized_odds": "Equalized odds",
    "calibrated_equalized_odds": "Calibrated equalized odds",
}


class AuditPanel(CoreView):
    """Audit a subject for group fairness, and try a mitigation.

    *Run audit* makes one core call, :func:`workbench.app.findings.run_audit`, with the chosen
    ``protected`` attributes, ``intersections``, decision ``threshold`` and what each group is
    compared with (*Compare with*: the rest, the best-off group, or a privileged group chosen
    per attribute, intersections using the combination); the result is
    ``run``. Moving the threshold re-runs the audit once one has run. The table marks each
    bound breached; the bars show a rate per group with its confidence interval; the
    calibration table and reliability curves what a score means in each group; text models
    also show the counterfactual identity swaps. *Mitigate* makes one call,
    :func:`workbench.app.findings.mitigate`; its before/after result is ``mitigation``. A request
    made while another runs is refused.
    """

    subject = traitlets.Any(None, allow_none=True, help="The workbench Subject to audit.")
    protected = traitlets.Tuple(help="Protected attributes to audit.")
    intersections = traitlets.Bool(True, help="Also audit intersections of the attributes.")
    threshold = traitlets.Float(0.5, min=0.0, max=1.0, help="Decision threshold (binary).")
    run = traitlets.Any(None, allow_none=True, help="The last AuditRun, or None.")
    mitigation = traitlets.Any(None, allow_none=True, help="The last Mitigation, or None.")

    css_class = "wb-audit-panel"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.attribute_boxes = ipywidgets.HBox()
        self.intersections_box = ipywidgets.Checkbox(value=True, description="intersections")
        self.threshold_box = ipywidgets.FloatSlider(
            value=0.5,
            min=0.05,
            max=0.95,
            step=0.05,
            description="Threshold",
            continuous_update=False,
            readout_format=".2f",
        )
        self.reference_box = ipywidgets.Dropdown(description="Compare with", options=REFERENCES)
        self.privileged_boxes = ipywidgets.HBox(layout=ipywidgets.Layout(display="none"))
        self.audit_button = ipywidgets.Button(
            description="Run audit", button_style="primary", icon="balance-scale"
        )
        self.audit_button.add_class("wb-run-audit")
        self.class_box = ipywidgets.Dropdown(description="Class")
        self.level_box = ipywidgets.Dropdown(description="Attribute")
        self.metric_box = ipywidgets.Dropdown(
            description="Bars", options=[(metric_label(m), m) for m in RATE_CHOICES]
        )
        self.table = ipywidgets.HTML()
        self.table.add_class("wb-audit-table")
        self.chart = Chart(layout=GROUP_BARS_LAYOUT)
        self.calibration = ipywidgets.HTML()
        self.calibration.add_class("wb-calibration-table")
        self.reliability_chart = Chart(layout=RELIABILITY_LAYOUT)
        self.swaps = ipywidgets.HTML()
        self.notes = ipywidgets.HTML()
        self.method_box = ipywidgets.Dropdown(
            description="Method", options=[(METHOD_LABELS[m], m) for m in POSTPROCESSORS]
        )
        self.mitigate_attribute_box = ipywidgets.Dropdown(description="Attribute")
        self.privileged_box = ipywidgets.Dropdown(description="Privileged")
        self.mitigate_button = ipywidgets.Button(description="Mitigate", icon="wrench")
        self.mitigation_view = ipywidgets.HTML()
        self._drawing = False
        self.results = ipywidgets.VBox(
            [
                ipywidgets.HBox([self.class_box, self.level_box, self.metric_box]),
                self.table,
                self.chart,
                ipywidgets.HTML('<h3 class="wb-subhead">Calibration by group</h3>'),
                self.calibration,
                self.reliability_chart,
                self.swaps,
                ipywidgets.HTML("<h3>Mitigation (post-processing), before and after</h3>"),
                ipywidgets.HBox([self.method_box, self.mitigate_attribute_box]),
                ipywidgets.HBox([self.privileged_box, self.mitigate_button]),
                self.mitigation_view,
                self.notes,
            ],
            layout=ipywidgets.Layout(display="none"),
        )
        traitlets.link((self.intersections_box, "value"), (self, "intersections"))
        traitlets.link((self.threshold_box, "value"), (self, "threshold"))
        self.audit_button.on_click(self.audit)
        self.mitigate_button.on_click(self.mitigate)
        for box in (self.class_box, self.level_box, self.metric_box):
            box.observe(self._redraw, names="value")
        self.mitigate_attribute_box.observe(self._privileged_options, names="value")
        self.reference_box.observe(self._show_privileged_boxes, names="value")
        return (
            ipywidgets.HBox(
                [
                    ipywidgets.Label("Protected attributes:"),
                    self.attribute_boxes,
                    self.intersections_box,
                ]
            ),
            ipywidgets.HBox([self.reference_box, self.privileged_boxes]),
            ipywidgets.HBox([self.threshold_box, self.audit_button]),
            self.status,
            self.results,
        )

    def audit(self, _button: ipywidgets.Button | None = None) -> None:
        """Run the audit (the *Run audit* button); refused while a call runs."""
        self._audit(queue=False)

    def _audit(self, *, queue: bool) -> None:
        subject, protected = self.subject, self.protected
        intersections, threshold = self.intersections, self.threshold
        options = AuditOptions(
            threshold=threshold, intersections=intersections, privileged=self.reference()
        )
        self._run(
            lambda: run_audit(subject, protected=protected, options=options),
            lambda run: self._set_run(subject, run),
            working="Running the audit (bootstrap confidence intervals)…",
            queue=queue,
        )

    def reference(self) -> Any:
        """What *Compare with* asks for, as ``AuditOptions.privileged``: None (the rest),
        ``BEST_OFF``, or the chosen privileged group of each audited attribute."""
        if self.reference_box.value != PRIVILEGED:
            return self.reference_box.value
        return {
            box.description: box.value
            for box in self.privileged_boxes.children
            if box.description in self.protected
        }

    def _show_privileged_boxes(self, change: dict[str, Any]) -> None:
        self.privileged_boxes.layout.display = "flex" if change["new"] == PRIVILEGED else "none"

    def mitigate(self, _button: ipywidgets.Button | None = None) -> None:
        """Post-process the decisions and audit before and after (the *Mitigate* button)."""
        subject, threshold = self.subject, self.threshold
        attribute, privileged = self.mitigate_attribute_box.value, self.privileged_box.value
        method = self.method_box.value
        self._run(
            lambda: mitigate(
                subject,
                attribute=attribute,
                privileged=privileged,
                method=method,
                options=AuditOptions(threshold=threshold),
            ),
            lambda result: self._set_mitigation(subject, result),
            working="Fitting the post-processor and auditing before and after…",
        )

    def _set_run(self, subject: Any, run: AuditRun) -> None:
        if subject is self.subject:  # a result for a model no longer shown is dropped
            self.run = run

    def _set_mitigation(self, subject: Any, result: Mitigation) -> None:
        if subject is self.subject:
            self.mitigation = result

    @traitlets.validate("protected")
    def _valid_protected(self, proposal: dict[str, Any]) -> tuple[str, ...]:
        allowed = self.subject.protected if self.subject is not None else ()
        unknown = [name for name in proposal["value"] if name not in allowed]
        if unknown:
            raise traitlets.TraitError(f"{unknown[0]!r} is not a protected attribute")
        return tuple(proposal["value"])

    @traitlets.observe("subject")
    def _new_subject(self, change: dict[str, Any]) -> None:
        subject = change["new"]
        names = subject.protected if subject is not None else ()
        boxes = [
            ipywidgets.Checkbox(
                value=True,
                description=name,
                indent=False,
                layout=ipywidgets.Layout(width="auto", margin="0 12px 0 0"),
            )
            for name in names
        ]
        for box in boxes:
            box.observe(self._pick_attributes, names="value")
        self.attribute_boxes.children = boxes
        self.privileged_boxes.children = [
            ipywidgets.Dropdown(
                description=name,
                options=list(subject.groups.get(name, ())),
                layout=ipywidgets.Layout(width="auto"),
            )
            for name in names
        ]
        with self.hold_trait_notifications():
            self.protected = tuple(names)
            self.run = None
            self.mitigation = None
        binary = subject is not None and len(subject.model.class_names) == 2
        self.threshold_box.disabled = not binary
        set_options(self.mitigate_attribute_box, list(names))

    def _pick_attributes(self, _change: dict[str, Any]) -> None:
        self.protected = tuple(b.description for b in self.attribute_boxes.children if b.value)

    def _privileged_options(self, change: dict[str, Any]) -> None:
        subject, attribute = self.subject, change["new"]
        groups = subject.groups.get(attribute, ()) if subject is not None else ()
        set_options(self.privileged_box, list(groups))

    @traitlets.observe("threshold")
    def _rerun(self, _change: dict[str, Any]) -> None:
        if self.run is not None:
            self._audit(queue=True)

    @traitlets.observe("run")
    def _new_run(self, change: dict[str, Any]) -> None:
        run: AuditRun | None = change["new"]
        self.results.layout.display = "none" if run is None else "flex"
        self.mitigation = None
        if run is None:
            return
        self._drawing = True  # one redraw below, not one per box changed here
        try:
            set_options(self.class_box, list(run.classes))
            set_options(self.level_box, list(run.attributes))
            self.class_box.value, self.level_box.value = run.focus
        finally:
            self._drawing = False
        self.class_box.layout.display = "none" if len(run.classes) == 1 else "flex"
        self.swaps.value = _swaps_html(run)
        warnings = run.audit.warnings
        self.notes.value = (
            f"<details><summary>Notes from the audit ({len(warnings)})</summary>"
            f"{_html.items(warnings)}</details>"
            if warnings
            else ""
        )
        self._redraw()

    @shows_errors
    def _redraw(self, _change: dict[str, Any] | None = None) -> None:
        run = self.run
        if self._drawing or run is None or None in (self.class_box.value, self.level_box.value):
            return
        metrics = group_metrics(
            run.audit, positive_class=self.class_box.value, attribute=self.level_box.value
        )
        self.table.value = metrics_table_html(metrics, self.level_box.value)
        draw_group_bars(self.chart, metrics, self.metric_box.value, self.level_box.value)
        calibration = group_calibration(
            run.audit, positive_class=self.class_box.value, attribute=self.level_box.value
        )
        self.calibration.value = calibration_html(calibration, self.level_box.value)
        self.reliability_chart.layout.display = "flex" if calibration.measured else "none"
        if calibration.measured:
            draw_reliability(self.reliability_chart, calibration, self.level_box.value)

    @traitlets.observe("mitigation")
    def _show_mitigation(self, change: dict[str, Any]) -> None:
        result: Mitigation | None = change["new"]
        self.mitigation_view.value = "" if result is None else _mitigation_html(result)


def _swaps_html(run: AuditRun) -> str:
    swaps = run.counterfactual
    if swaps is None:
        return ""
    parts = ['<h3 class="wb-subhead">Counterfactual identity swaps</h3>']
    parts.append(f'<p class="wb-line">{_html.esc(swap_finding(swaps).text)}</p>')
    if len(run.swap_pairs):
        parts.append(
            _html.table(
                run.swap_pairs,
                columns=("messages", "mean_change", "mean_abs_change", "flips", "flip_share"),
                index_name="category / term / replacement",
                css_class="wb-swaps",
            )
        )
    if len(run.flip_examples):
        flips = [
            f"“{row.text}” ({row.score:.2f}) → “{row.counterfactual}” "
            f"({row.counterfactual_score:.2f})"
            for row in run.flip_examples.itertuples()
        ]
        parts.append('<p class="wb-line">Decisions that flipped:</p>' + _html.items(flips))
    return "".join(parts)


def _mitigation_html(result: Mitigation) -> str:
    flat = result.table.copy()
    flat.columns = [f"{metric_label(metric)}: {stage}" for metric, stage in result.table.columns]
    body = _html.table(
        flat, columns=list(flat.columns), index_name="group", css_class="wb-mitigation"
    )
    notes = _html.items(result.result.notes) if result.result.notes else ""
    return (
        f'<p class="wb-line">{_html.esc(result.summary)}</p>'
        f'<div class="wb-scroll">{body}</div>{notes}'
    )
