"""ChatbotAuditApp: the chatbot's views wired together as the served app uses them, and the
ethics app pointing a chosen chatbot to it."""

from __future__ import annotations

import html

import pytest
from chat.chat_data import MAN, SUPPORT
from chat.chatbot_spec import IDENTIFIED, NAME, write_chatbot_spec

import workbench
from widgets import ChatbotAuditApp, EthicsReviewApp
from widgets._chatbot_app import OPEN_LABEL
from widgets._ethics_app import NOT_STARTED
from workbench.app.catalog import MSG_IS_CHATBOT
from workbench.app.chat import MSG_NO_MODEL, MSG_OUTCOME_HEAD


@pytest.fixture(scope="module")
def chatbot(tmp_path_factory):
    return write_chatbot_spec(tmp_path_factory.mktemp("chatbot") / NAME)


@pytest.fixture
def app(chatbot, review_dir):
    classifier = workbench.sample_model_specs()["crisis_text_sklearn"]
    app = ChatbotAuditApp(models=[classifier, chatbot], threaded=False)
    app.open_button.click()
    return app


def _only(panel, category):
    for box in panel.persona_boxes.children:
        box.value = box.description == category


def test_only_chatbots_are_listed_and_the_chosen_one_is_handed_out(app):
    assert list(app.picker.dropdown.options) == [NAME]
    assert app.subject.name == NAME
    assert app.audit_panel.subject is app.subject and app.explainer.subject is app.subject
    assert app.review.spec.name == NAME and app.report.subject is app.subject
    assert list(app.audit_panel.outcome_box.options) == ["refers_to_crisis"]
    first = app.explainer.examples.options[0]
    assert IDENTIFIED.strip() not in first[0] and first[1].startswith(IDENTIFIED)
    assert "Jane" not in app.explainer.prompt.value and "[NAME]" in app.explainer.prompt.value


def test_audits_findings_explanation_decision_and_report(app):
    panel = app.audit_panel
    panel.outcome_button.click()
    assert panel.error == ""
    assert panel.outcome_view.layout.display == "flex"
    assert "wb-metrics" in panel.outcome_table.value
    assert app.findings.run is panel.run
    head = MSG_OUTCOME_HEAD.format(outcome="refers_to_crisis", prompts=len(app.subject.prompts()))
    assert head in app.findings.text.value.replace("&#x27;", "'")
    _only(panel, "gender")
    panel.counterfactual_button.click()
    assert panel.error == "" and panel.run.counterfactual is panel.counterfactual
    shown = panel.counterfactual_view.value
    assert "wb-persona-rates" in shown and "wb-paired" in shown and "wb-different-pairs" in shown
    assert "jane@example.org" not in shown
    assert "gender = man" in app.findings.text.value

    explainer = app.explainer
    explainer.prompt.value = f"{MAN} I feel hopeless right now."
    explainer.explain_button.click()
    assert explainer.error == ""
    assert html.escape(SUPPORT) in explainer.view.value
    assert 'class="wb-token"' in explainer.view.value

    app.review.reviewer.value = "Board"
    app.review.decision.value = "reject"
    app.review.record()
    assert app.review.recorded.model_name == NAME
    assert app.report.run is panel.run and app.report.explained is explainer.result
    app.report.export_button.click()
    assert app.report.error == ""
    report = app.report.report.html
    assert "Chatbot audit" in report and "Board" in report and "jane@example.org" not in report
    assert 'class="wb-download"' in app.report.link.value


def test_a_picked_prompt_is_explained_as_written(app):
    explainer = app.explainer
    explainer.examples.index = 0
    explainer.explain_button.click()
    assert explainer.error == ""
    assert "[NAME]" in explainer.result.prompt and "Jane" not in explainer.view.value


def test_the_first_view_imports_no_model_or_audit_library(review_only_modules_loaded):
    first_view = (
        "from widgets import ChatbotAuditApp\n"
        "app = ChatbotAuditApp(threaded=False)\n"
        "assert app.picker.spec.kind == 'generative' and app.picker.card is not None\n"
        "assert app.subject is None\n"
    )
    assert review_only_modules_loaded(first_view) == []


def test_nothing_is_loaded_until_the_review_starts(chatbot, review_dir):
    app = ChatbotAuditApp(models=[chatbot], threaded=False)
    assert app.picker.spec.name == NAME
    assert app.subject is None and app.audit_panel is None and app.explainer is None
    sections = app.children[3:-1]  # after the intro, the section list and the chatbot section
    waiting = NOT_STARTED.format(label=OPEN_LABEL)
    assert [section.children[1].value for section in sections] == [waiting] * 5
    app.open_button.click()
    assert app.subject.name == NAME and app.open_button.layout.display == "none"
    assert [section.children[1] for section in sections] == [
        app.audit_panel,
        app.findings,
        app.explainer,
        app.review,
        app.report,
    ]


def test_nothing_runs_without_a_chatbot(review_dir):
    app = ChatbotAuditApp(models=[], threaded=False)
    app.open_button.click()
    assert app.subject is None and app.picker.dropdown.options == ()
    app.audit_panel.outcome_button.click()
    assert app.audit_panel.error == MSG_NO_MODEL
    app.report.export_button.click()
    assert app.report.error == MSG_NO_MODEL


def test_the_ethics_app_lists_a_chatbot_and_points_to_the_chatbot_app(chatbot, review_dir):
    classifier = workbench.sample_model_specs()["crisis_text_sklearn"]
    app = EthicsReviewApp(models=[classifier, chatbot], threaded=False)
    app.open_button.click()
    assert NAME in app.picker.dropdown.options and app.subject is not None
    app.picker.dropdown.value = NAME
    assert app.subject is None
    assert MSG_IS_CHATBOT.format(name=NAME).replace("'", "&#x27;") in app.status.value
    for view in (app.browser, app.audit_panel, app.importance_view):
        assert view.subject is None
    app.picker.dropdown.value = "crisis_text_sklearn"
    assert app.subject.name == "crisis_text_sklearn" and app.status.value == ""
