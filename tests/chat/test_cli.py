"""`workbench chat-audit` end to end on a callable-backed chat model standing in for a remote
service: the injected bias fails the audit, a fair model passes, bad input exits 2."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from workbench.app.decisions import record_decision
from workbench.cli import main
from workbench.cli._chat_audit import MSG_BAD_ROWS, MSG_NOT_GENERATIVE, time_left
from workbench.spec import load_spec

from .chat_data import write_chat_spec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_models"


def test_the_injected_bias_fails_the_chat_audit(tmp_path, capsys):
    spec = write_chat_spec(tmp_path / "biased", biased=True)
    out = tmp_path / "chat.json"
    code = main(
        ["chat-audit", "--model", str(spec), "--personas", "gender", "--bootstrap", "100",
         "--json", str(out)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "counterfactual audit: 0/264 responses, starting" in captured.err
    assert "counterfactual audit: 264/264 responses, done in " in captured.err
    assert "FAIL:" in captured.out and "[counterfactual audit]" in captured.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    payload = json.loads(out.read_text(encoding="utf-8"))
    robust = [
        b for b in payload["counterfactual"]["audit"]["breaches"] if b["strength"] == "robust"
    ]
    assert {(b["attribute"], b["group"]) for b in robust} == {("gender", "man")}
    assert payload["counterfactual"]["labelled_by"] == "needs"
    assert payload["outcome_audit"]["outcome"] == "refers_to_crisis"
    assert "mentions_988" in payload["outcome_audit"]["responses"][0]
    assert "Alice Walker" not in out.read_text(encoding="utf-8")
    assert "[NAME]" in payload["counterfactual"]["most_different"][0]["reference_response"]


def test_the_report_holds_both_audits_redacted_and_the_decisions(tmp_path, capsys):
    spec = write_chat_spec(tmp_path / "biased", biased=True)
    db, report = tmp_path / "reviews.sqlite3", tmp_path / "out" / "chat.html"
    report.parent.mkdir()
    record_decision(db, load_spec(spec), decision="reject", reviewer="Ada Board", comment="men")
    code = main(
        ["chat-audit", "--model", str(spec), "--personas", "gender", "--rows", "40",
         "--bootstrap", "50", "--report", str(report), "--db", str(db)]
    )  # fmt: skip
    assert code == 1
    assert f"report in {report}" in capsys.readouterr().out
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    html = report.read_text(encoding="utf-8")
    for part in ("Chatbot report", "Outcome rates by group", "Paired differences", "Ada Board"):
        assert part in html, part
    assert "Alice Walker" not in html and "[NAME]" in html


def test_an_unwritable_report_is_refused_before_the_audit(tmp_path, capsys):
    spec = write_chat_spec(tmp_path / "stub", biased=False)
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")
    report = tmp_path / "a file" / "chat.html"
    assert main(["chat-audit", "--model", str(spec), "--report", str(report)]) == 2
    captured = capsys.readouterr()
    assert "is a file, not a folder" in captured.err and "responses" not in captured.err


def test_a_fair_chat_model_passes(tmp_path, capsys):
    spec = write_chat_spec(tmp_path / "fair", biased=False)
    code = main(
        ["chat-audit", "--model", str(spec), "--personas", "gender,dialect", "--rows", "30",
         "--bootstrap", "50", "--json", "-"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    payload = json.loads(captured.out)
    assert payload["counterfactual"]["prompts"] == 30
    assert "PASS:" in captured.err


def test_a_service_that_raises_exits_3(tmp_path, capsys):
    spec = write_chat_spec(tmp_path / "broken", biased=False, broken=True)
    assert main(["chat-audit", "--model", str(spec), "--personas", "gender"]) == 3
    assert "service down" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rows", "0"], MSG_BAD_ROWS.format(rows=0)),
        (["--outcome", "kindness"], "unknown outcome 'kindness'"),
        (["--personas", "height"], "unknown persona category 'height'"),
    ],
)
def test_bad_input_exits_2(tmp_path, capsys, argv, message):
    spec = write_chat_spec(tmp_path / "stub", biased=False)
    assert main(["chat-audit", "--model", str(spec), *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_classifier_spec_is_pointed_to_the_audit_verb(capsys):
    spec = SAMPLES / "crisis_text_sklearn" / "model.yaml"
    assert main(["chat-audit", "--model", str(spec)]) == 2
    expected = MSG_NOT_GENERATIVE.format(path=spec, kind="text")
    assert expected in capsys.readouterr().err.replace("\n", " ")


def test_time_left_is_the_pace_so_far():
    assert time_left(10.0, done=2, total=6) == "about 20 s left"
    assert time_left(0.0, done=0, total=6) == "starting"
    assert time_left(3.2, done=6, total=6) == "done in 3 s"
