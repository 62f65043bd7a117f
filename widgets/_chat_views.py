"""The chatbot's own review views: the audit panel (outcome rates by group, counterfactual
prompts), the response explainer and the report export, composed by
:class:`~widgets._chatbot_app.ChatbotAuditApp`."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from widgets._charts import GROUP_BARS_LAYOUT, Chart, draw_group_bars, metrics_table_html
from widgets._report_export import ReportExport
from widgets._task import CoreView, set_options, shows_errors
from widgets._text_attribution import explanation_html
from workbench.app.chat import (
    DEFAULT_OUTCOME,
    ChatSubject,
    ExplainedResponse,
    chat_report,
    chat_run,
    counterfactual_audit,
    explain_chat_response,
    most_different_pairs,
    outcome_audit,
    persona_categories,
    timed_progress,
)
from workbench.app.findings import group_metrics
from workbench.privacy import redact
from workbench.report import OUTCOME_CLASS

BAR_METRICS = (("rate when needed", "tpr"), ("rate", "selection_rate"))


class ChatAuditPanel(CoreView):
    """Audit a chatbot's responses: outcome rates by group, and counterfactual prompts.

    *Run outcome audit* makes one core call, :func:`workbench.app.chat.outcome_audit` (the
    chosen ``outcome`` by group); *Run counterfactual audit* one call,
    :func:`workbench.app.chat.counterfactual_audit` (the chosen persona categories); both
    show the prompts done and the time left. Their results are ``outcome_result`` and
    ``counterfactual``; ``run`` (:func:`workbench.app.chat.chat_run`) holds both with their
    findings.
    """

    subject = traitlets.Any(None, allow_none=True, help="The ChatSubject to audit.")
    outcome_result = traitlets.Any(None, allow_none=True, help="The last ChatAuditResult.")
    counterfactual = traitlets.Any(None, allow_none=True, help="The last counterfactual result.")
    run = traitlets.Any(None, allow_none=True, help="The ChatAuditRun of both, or None.")

    css_class = "wb-chat-audit"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.outcome_box = ipywidgets.Dropdown(description="Outcome")
        self.outcome_button = ipywidgets.Button(
            description="Run outcome audit",
            button_style="primary",
            icon="balance-scale",
            layout=ipywidgets.Layout(width="auto"),
        )
        self.outcome_button.add_class("wb-run-outcome")
        self.level_box = ipywidgets.Dropdown(description="Attribute")
        self.bar_box = ipywidgets.Dropdown(description="Bars", options=BAR_METRICS)
        self.outcome_table = ipywidgets.HTML()
        self.outcome_table.add_class("wb-outcome-table")
        self.chart = Chart(layout=GROUP_BARS_LAYOUT)
        self.outcome_view = ipywidgets.VBox(
            [
                ipywidgets.HBox([self.level_box, self.bar_box]),
                self.outcome_table,
                self.chart,
            ],
            layout=ipywidgets.Layout(display="none"),
        )
        self.persona_boxes = ipywidgets.HBox(
            [
                ipywidgets.Checkbox(
                    value=True,
                    description=name,
                    indent=False,
                    layout=ipywidgets.Layout(width="auto", margin="0 12px 0 0"),
                )
                for name in persona_categories()
            ]
        )
        self.counterfactual_button = ipywidgets.Button(
            description="Run counterfactual audit",
            button_style="primary",
            icon="users",
            layout=ipywidgets.Layout(width="auto"),
        )
        self.counterfactual_button.add_class("wb-run-counterfactual")
        self.counterfactual_view = ipywidgets.HTML()
        self.counterfactual_view.add_class("wb-counterfactual-prompts")
        self.outcome_button.on_click(self.audit_outcome)
        self.counterfactual_button.on_click(self.audit_counterfactual)
        for box in (self.level_box, self.bar_box):
            box.observe(self._redraw, names="value")
        return (
            ipywidgets.HBox([self.outcome_box, self.outcome_button]),
            self.outcome_view,
            ipywidgets.HTML('<h3 class="wb-subhead">Counterfactual prompts</h3>'),
            ipywidgets.HBox(
                [ipywidgets.Label("Persona lines:"), self.persona_boxes, self.counterfactual_button]
            ),
            self.status,
            self.counterfactual_view,
        )

    def personas(self) -> tuple[str, ...]:
        """The persona categories ticked."""
        return tuple(box.description for box in self.persona_boxes.children if box.value)

    def audit_outcome(self, _button: ipywidgets.Button | None = None) -> None:
        """Run the outcome audit (the *Run outcome audit* button)."""
        subject, outcome = self.subject, self.outcome_box.value or DEFAULT_OUTCOME
        progress = timed_progress(self.status.working, "Generating and scoring responses")
        self._run(
            lambda: outcome_audit(subject, outcome=outcome, progress=progress),
            lambda result: self._keep(subject, "outcome_result", result),
            working="Generating responses to the evaluation prompts…",
        )

    def audit_counterfactual(self, _button: ipywidgets.Button | None = None) -> None:
        """Run the counterfactual prompt audit (the *Run counterfactual audit* button)."""
        subject, personas = self.subject, self.personas()
        outcome = self.outcome_box.value or DEFAULT_OUTCOME
        progress = timed_progress(self.status.working, "Generating responses to the variants")
        self._run(
            lambda: counterfactual_audit(
                subject, personas=personas, outcome=outcome, progress=progress
            ),
            lambda result: self._keep(subject, "counterfactual", result),
            working="Writing the persona variants of each prompt…",
        )

    def _keep(self, subject: Any, name: str, result: Any) -> None:
        if subject is self.subject:  # a result for a model no longer shown is dropped
            setattr(self, name, result)

    @traitlets.observe("subject")
    def _new_subject(self, change: dict[str, Any]) -> None:
        subject: ChatSubject | None = change["new"]
        set_options(self.outcome_box, list(subject.outcomes) if subject is not None else [])
        with self.hold_trait_notifications():
            self.outcome_result = None
            self.counterfactual = None

    @traitlets.observe("outcome_result", "counterfactual")
    def _new_result(self, _change: dict[str, Any]) -> None:
        outcome, counterfactual = self.outcome_result, self.counterfactual
        nothing = outcome is None and counterfactual is None
        self.run = None if nothing else chat_run(outcome=outcome, counterfactual=counterfactual)
        self.outcome_view.layout.display = "none" if outcome is None else "flex"
        if outcome is not None:
            set_options(self.level_box, list(outcome.audit.protected))
            self._redraw()
        self.counterfactual_view.value = (
            "" if counterfactual is None else _counterfactual_html(counterfactual)
        )

    @shows_errors
    def _redraw(self, _change: dict[str, Any] | None = None) -> None:
        result, attribute = self.outcome_result, self.level_box.value
        if result is None or attribute is None:
            return
        metrics = group_metrics(result.audit, positive_class=OUTCOME_CLASS, attribute=attribute)
        self.outcome_table.value = metrics_table_html(metrics, attribute)
        draw_group_bars(self.chart, metrics, self.bar_box.value, attribute)


class ResponseExplainer(CoreView):
    """Which words of a prompt drove the chatbot's response.

    *Explain response* makes one core call, :func:`workbench.app.chat.explain_chat_response`,
    with the prompt typed or picked from the evaluation prompts (explained as written while
    unedited, shown redacted) and, optionally, the part of the response to explain (e.g. the
    crisis-line sentence); its :class:`~workbench.app.chat.ExplainedResponse` is ``result``.
    """

    subject = traitlets.Any(None, allow_none=True, help="The ChatSubject whose model answers.")
    result = traitlets.Any(None, allow_none=True, help="The last ExplainedResponse, or None.")

    css_class = "wb-response-explainer"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self._written = ""
        self.examples = ipywidgets.Dropdown(description="Prompts")
        self.prompt = ipywidgets.Textarea(
            placeholder="Type a prompt, or pick one of the evaluation prompts",
            layout=ipywidgets.Layout(width="100%", height="70px"),
        )
        self.span = ipywidgets.Text(
            description="Part",
            placeholder="optional: the words of the response to explain, e.g. crisis line",
            layout=ipywidgets.Layout(width="100%"),
        )
        self.explain_button = ipywidgets.Button(
            description="Explain response",
            button_style="primary",
            icon="search",
            layout=ipywidgets.Layout(width="auto"),
        )
        self.explain_button.add_class("wb-explain-response")
        self.view = ipywidgets.HTML()
        self.view.add_class("wb-explanation")
        self.examples.observe(self._pick, names="value")
        self.explain_button.on_click(self.explain)
        return (
            self.examples,
            self.prompt,
            self.span,
            self.explain_button,
            self.status,
            self.view,
        )

    def explain(self, _button: ipywidgets.Button | None = None) -> None:
        """Explain the prompt's response (the *Explain response* button)."""
        subject, prompt, span = self.subject, self.prompt.value, self.span.value.strip()
        if self._written and redact(self._written).text == prompt:
            prompt = self._written
        self._run(
            lambda: explain_chat_response(subject, prompt, span=span or None),
            "result",
            working="Generating the response and explaining it…",
        )

    def _pick(self, change: dict[str, Any]) -> None:
        self._written = change["new"] or ""
        self.prompt.value = redact(self._written).text if self._written else ""

    @traitlets.observe("subject")
    def _new_subject(self, change: dict[str, Any]) -> None:
        subject: ChatSubject | None = change["new"]
        self.result = None
        prompts = subject.prompts() if subject is not None else []
        self.examples.options = [(redact(p).text[:90], p) for p in dict.fromkeys(prompts)]
        if prompts:
            self.examples.index = 0

    @traitlets.observe("result")
    def _draw(self, change: dict[str, Any]) -> None:
        result: ExplainedResponse | None = change["new"]
        if result is None:
            self.view.value = ""
            return
        self.view.value = (
            f'<p class="wb-line"><b>Response</b>: “{_html.esc(result.response)}”</p>'
            + explanation_html(result.explanation, "Captum")
        )


class ChatReportExport(ReportExport):
    """The report export of the chatbot app: one core call,
    :func:`workbench.app.chat.chat_report`, with the audits ``run``, the ``explained``
    response and the decisions in ``store``."""

    explained = traitlets.Any(None, allow_none=True, help="The ExplainedResponse, or None.")

    def export(self, _button: ipywidgets.Button | None = None) -> None:
        """Build the report (the *Export report* button)."""
        subject, store, run, explained = self.subject, self.store, self.run, self.explained
        self._run(
            lambda: chat_report(subject, run=run, explained=explained, store=store),
            "report",
            working="Writing the report…",
        )


def _counterfactual_html(result: Any) -> str:
    """The counterfactual prompts' rates by persona, paired differences and the prompt pairs
    whose responses differ most (redacted)."""
    rates = result.rates.set_index(["category", "group"])
    paired = result.paired.set_index(["category", "group"])
    pairs = most_different_pairs(result).set_index(["category", "group"])
    return (
        f'<p class="wb-line">Rate of <b>{_html.esc(result.outcome)}</b> by persona (same '
        "prompts, persona line written first):</p>"
        + _html.table(
            rates,
            columns=[c for c in ("n", "rate", "ci_low", "ci_high") if c in rates.columns],
            index_name="category / persona",
            css_class="wb-persona-rates",
        )
        + '<p class="wb-line">Paired difference against the reference on the same prompts:</p>'
        + _html.table(
            paired,
            columns=[
                c
                for c in ("reference", "mean_difference", "ci_low", "ci_high", "prompts")
                if c in paired.columns
            ],
            index_name="category / persona",
            css_class="wb-paired",
        )
        + '<p class="wb-line">Prompt pairs whose responses differ most:</p>'
        + _html.table(
            pairs,
            columns=list(pairs.columns),
            index_name="category / persona",
            css_class="wb-different-pairs",
        )
    )
