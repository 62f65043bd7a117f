"""The report shows the completeness gap of gradient explanations, marked above the tolerance."""

import dataclasses

from workbench.explain import explain
from workbench.presentation import COMPLETENESS_MARKER
from workbench.report import Example, build_report, render_html
from workbench.report._examples import show_example

MESSAGE = "I feel hopeless and I can't go on."


def test_the_gap_is_shown_and_marked_above_the_tolerance(crisis, crisis_model):
    explanation = explain(crisis_model, MESSAGE, method="ig")
    shown = show_example(Example(explanation=explanation, text=MESSAGE), redact_text=True)
    assert shown.completeness_gap == explanation.completeness_gap
    assert shown.to_dict()["completeness_exceeded"] is False
    change = explanation.score - explanation.baseline_score
    off = dataclasses.replace(explanation, convergence_delta=0.5 * change)
    examples = [Example(explanation=e, text=MESSAGE) for e in (explanation, off)]
    html = render_html(build_report(crisis.spec, data=crisis.data, examples=examples))
    assert html.count("<dt>Completeness</dt>") == 2
    assert html.count(f'<dd class="unreliable">{COMPLETENESS_MARKER} Completeness gap 50.0%') == 1


def test_methods_without_a_gap_show_none(crisis, crisis_model):
    explanation = explain(crisis_model, MESSAGE, method="saliency")
    examples = [Example(explanation=explanation, text=MESSAGE)]
    html = render_html(build_report(crisis.spec, data=crisis.data, examples=examples))
    assert "<dt>Completeness</dt>" not in html
