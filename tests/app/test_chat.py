"""The chatbot review's steps (workbench.app.chat) on a callable chatbot with a known bias."""

from __future__ import annotations

import json

import pytest
from chat.chat_data import MAN, biased_respond, chat_model, evaluation_data
from chat.chatbot_spec import write_chatbot_spec

from workbench._errors import AuditError, DataError, ExplanationError, ReportError
from workbench.app.catalog import (
    MSG_IS_CHATBOT,
    MSG_VISITOR_LOAD_FAILED,
    chatbot_note,
    entry_for_spec,
    is_generative,
    of_kinds,
    open_entry,
)
from workbench.app.chat import (
    MSG_NO_MODEL,
    MSG_NO_NEED,
    MSG_NO_PERSONAS,
    MSG_NO_PROMPT,
    MSG_NOT_GENERATIVE,
    MSG_NOTHING_YET,
    MSG_OUTCOME_HEAD,
    MSG_UNKNOWN_PERSONAS,
    ChatSubject,
    chat_report,
    chat_run,
    counterfactual_audit,
    explain_chat_response,
    most_different_pairs,
    open_chat_subject,
    open_listed_chat_subject,
    outcome_audit,
    persona_categories,
    progress_text,
    timed_progress,
)
from workbench.app.decisions import record_decision
from workbench.audit import AuditOptions
from workbench.spec import load_spec, sample_model_specs

FAST = AuditOptions(bootstrap=50, seed=0)


@pytest.fixture(scope="module")
def chatbot_spec(tmp_path_factory):
    return load_spec(write_chatbot_spec(tmp_path_factory.mktemp("chatbot")))


@pytest.fixture(scope="module")
def subject(chatbot_spec):
    return open_chat_subject(chatbot_spec)


def test_opening_a_chatbot_reads_its_prompts_and_needs(subject, chatbot_spec):
    assert subject.name == "support_stub" and subject.spec is chatbot_spec
    assert subject.protected == ("gender",) and subject.outcomes == ("refers_to_crisis",)
    assert len(subject.prompts()) == len(evaluation_data())
    assert subject.model.settings.seed == 3
    assert is_generative(chatbot_spec)


def test_a_classifier_is_not_opened_as_a_chatbot():
    spec = load_spec(sample_model_specs()["crisis_text_sklearn"])
    assert not is_generative(spec) and not is_generative(None)
    with pytest.raises(DataError) as caught:
        open_chat_subject(spec)
    assert str(caught.value) == MSG_NOT_GENERATIVE.format(name=spec.name, kind="text")
    assert chatbot_note(spec) == MSG_IS_CHATBOT.format(name=spec.name)


def test_a_listed_chatbot_that_fails_is_told_plainly(chatbot_spec, tmp_path, caplog):
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in ("model.yaml", "prompts.csv", "chat.py"):
        (folder / name).write_bytes((chatbot_spec.folder / name).read_bytes())
    opened = open_entry(entry_for_spec(folder / "model.yaml"))
    (folder / "prompts.csv").unlink()
    with pytest.raises(DataError) as caught:
        open_listed_chat_subject(opened)
    assert str(caught.value) == MSG_VISITOR_LOAD_FAILED
    assert "prompts.csv" in caplog.text


def test_the_catalog_keeps_the_kinds_asked_for(chatbot_spec):
    entries = [entry_for_spec(p) for p in sample_model_specs().values()]
    entries.append(entry_for_spec(chatbot_spec.path))
    chatbots = of_kinds(entries, ("generative",))
    assert chatbot_spec.path in [entry.spec for entry in chatbots]
    assert all(load_spec(entry.spec).kind == "generative" for entry in chatbots)
    assert len(of_kinds(entries, ("text", "tabular", "generative"))) == len(entries)


def test_progress_says_how_much_is_done_and_the_time_left():
    assert progress_text("Generating", done=0, total=40, elapsed_s=0.0) == "Generating: 40 prompts…"
    assert progress_text("Generating", done=10, total=40, elapsed_s=5.0) == (
        "Generating: 10 of 40 prompts, about 15 s left"
    )
    assert progress_text("Generating", done=10, total=1000, elapsed_s=2.0) == (
        "Generating: 10 of 1,000 prompts, about 3 min 18 s left"
    )
    assert progress_text("Generating", done=40, total=40, elapsed_s=9.0).endswith("almost done")
    shown, now = [], [100.0]
    progress = timed_progress(shown.append, "Step", clock=lambda: now[0])
    progress(0, 10)
    now[0] += 0.1
    progress(5, 10)  # too soon after the last: not shown
    now[0] += 3.0
    progress(6, 10)
    progress(10, 10)  # the end is always shown
    assert shown == ["Step: 10 prompts…", "Step: 6 of 10 prompts, about 3 s left", shown[-1]]
    assert shown[-1] == "Step: 10 of 10 prompts, almost done"


def test_the_outcome_audit_finds_that_men_are_referred_less(subject):
    seen = []
    result = outcome_audit(subject, options=FAST, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, len(subject.prompts())) and seen[-1] == (seen[0][1], seen[0][1])
    assert result.outcome == "refers_to_crisis" and result.settings.seed == 3
    run = chat_run(outcome=result)
    assert run.findings[0].text == MSG_OUTCOME_HEAD.format(
        outcome="refers_to_crisis", prompts=len(subject.prompts())
    )
    assert run.findings[1].level == "breach"
    assert any("gender = man" in f.text for f in run.findings if f.level == "breach")


def test_the_counterfactual_audit_finds_the_persona_that_matters(subject):
    seen = []
    result = counterfactual_audit(
        subject, personas=["gender"], options=FAST, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1][0] == seen[-1][1] == len(result.variants)
    run = chat_run(counterfactual=result)
    paired = run.findings[-1]
    assert paired.level == "warning" and "gender = man" in paired.text
    pairs = most_different_pairs(result)
    assert len(pairs) == 5 and (pairs["group"] == "man").all()
    assert not pairs["prompt"].str.contains("jane@example.org").any()


def test_bad_requests_are_refused_plainly(subject):
    with pytest.raises(AuditError) as caught:
        outcome_audit(None)
    assert str(caught.value) == MSG_NO_MODEL
    with pytest.raises(AuditError) as caught:
        outcome_audit(subject, outcome="validates_feelings")
    assert str(caught.value) == MSG_NO_NEED.format(
        outcome="validates_feelings", needed="refers_to_crisis"
    )
    with pytest.raises(AuditError) as caught:
        counterfactual_audit(subject, personas=[])
    assert str(caught.value) == MSG_NO_PERSONAS
    with pytest.raises(AuditError) as caught:
        counterfactual_audit(subject, personas=["gender", "shoe size"])
    assert str(caught.value) == MSG_UNKNOWN_PERSONAS.format(
        unknown=["shoe size"], choices=list(persona_categories())
    )
    with pytest.raises(ExplanationError) as caught:
        explain_chat_response(subject, "  ")
    assert str(caught.value) == MSG_NO_PROMPT


def test_a_response_is_explained_with_identifiers_redacted(subject):
    prompt = f"{MAN} My name is Jane Doe. I feel hopeless right now."
    explained = explain_chat_response(subject, prompt)
    assert explained.response == biased_respond(prompt)
    assert "Jane" not in explained.prompt and "[NAME]" in explained.prompt
    assert explained.redacted == ("NAME",)
    assert "Jane" not in " ".join(explained.explanation.features)
    assert len(explained.explanation.features) == len(explained.explanation.attributions)


def test_the_report_holds_both_audits_redacted_with_the_generation_settings(subject, tmp_path):
    store = tmp_path / "reviews.sqlite3"
    record_decision(store, subject.spec, decision="reject", reviewer="Board", comment="men")
    run = chat_run(
        outcome=outcome_audit(subject, options=FAST),
        counterfactual=counterfactual_audit(subject, personas=["gender"], options=FAST),
    )
    report = chat_report(subject, run=run, store=store)
    html = report.html
    assert report.name.startswith("report_support_stub_") and report.name.endswith(".html")
    for part in (
        "Chatbot audit",
        "Outcome rates by group",
        "Paired differences on the same prompts",
        "Prompt pairs whose responses differ most",
        'max_new_tokens = <span class="mono">40</span>',
        'seed = <span class="mono">3</span>',
        "Board",
    ):
        assert part in html, part
    assert "Jane" not in html and "jane@example.org" not in html and "Walker" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_the_report_json_has_the_chat_section(subject):
    from workbench.report import build_report

    outcome = outcome_audit(subject, options=FAST)
    content = build_report(
        subject.spec,
        audit_result=outcome.audit,
        chat_outcome=outcome,
        generation=subject.model.settings.to_dict(),
    )
    data = json.loads(json.dumps(content.to_dict()))
    assert data["provenance"]["generation"]["seed"] == 3
    assert data["provenance"]["seeds"]["generation"] == 3
    rates = data["chat"]["outcome_rates"]
    assert {row["group"] for row in rates} == {"man", "woman"}
    assert all(0 <= row["rate_when_needed"] <= 1 for row in rates)
    assert data["chat"]["rates"] is None and data["chat"]["pairs"] is None


def test_the_report_needs_a_chatbot_and_something_to_report(subject, tmp_path):
    with pytest.raises(ReportError) as caught:
        chat_report(None)
    assert str(caught.value) == MSG_NO_MODEL
    bare = ChatSubject(
        model=chat_model(biased_respond),
        data=evaluation_data(),
        text_column="prompt",
        protected=("gender",),
    )
    with pytest.raises(ReportError) as caught:
        chat_report(bare, run=chat_run())
    assert str(caught.value) == MSG_NO_MODEL
    with pytest.raises(ReportError) as caught:
        chat_report(subject, store=tmp_path / "r.sqlite3")
    assert str(caught.value) == MSG_NOTHING_YET
