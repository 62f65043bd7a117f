"""What the report command (the app's steps run from a spec) notes when a part cannot run: no
protected attributes, no database yet, nothing to mitigate, a multiclass model, a failed
mitigation; and that the message explained is the one audited."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from workbench.app import pipeline
from workbench.app.browse import open_subject
from workbench.app.findings import findings, mitigate, run_audit
from workbench.app.pipeline import MSG_NO_DEFAULT_DATABASE, make_report
from workbench.audit import MISSING_GROUP, AuditError, AuditOptions, audit, excess
from workbench.privacy import redact
from workbench.report import Choice, choose_examples
from workbench.report._examples import show_example
from workbench.review import DATA_DIR_ENV, DATABASE_FILE_NAME

from .conftest import BOOTSTRAP, MITIGATION


def test_no_protected_attributes_and_no_database_yet_are_noted(relapse, tmp_path, monkeypatch):
    raw = yaml.safe_load(relapse.spec.read_text(encoding="utf-8"))
    del raw["protected_attributes"]
    spec = relapse.spec.parent / "unprotected.yaml"
    spec.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    content = make_report(spec, examples=0, mitigation=None, progress=False)
    assert content.notes == (
        MSG_NO_DEFAULT_DATABASE.format(path=tmp_path / DATABASE_FILE_NAME),
        pipeline.MSG_NO_PROTECTED,
    )
    assert content.audit is None and content.examples == () and content.mitigation is None
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def crisis_subject(crisis):
    return open_subject(crisis.spec, data=crisis.data)


def _mitigate(subject, audit_result):
    options = AuditOptions(bootstrap=0)
    return pipeline.mitigate_worst(subject, audit_result, method="equalized_odds", options=options)


def test_multiclass_models_are_not_mitigated(crisis_subject):
    frame = pd.DataFrame({"label": list("abcab") * 4, "ethnicity": ["black", "white"] * 10})
    result = audit(
        np.full((20, 3), 1 / 3),
        frame,
        label="label",
        protected="ethnicity",
        classes=["a", "b", "c"],
        options=AuditOptions(bootstrap=0),
    )
    assert _mitigate(crisis_subject, result) == (None, [pipeline.MSG_MULTICLASS.format(count=3)])


def test_nothing_to_mitigate_when_single_attributes_hold(crisis, crisis_subject):
    holding = dataclasses.replace(
        crisis.content.audit,
        breaches=tuple(b for b in crisis.content.audit.breaches if " & " in b.attribute),
    )
    assert _mitigate(crisis_subject, holding) == (None, [pipeline.MSG_NO_MITIGATION_BREACH])


def test_failed_mitigation_is_noted(crisis, crisis_subject, monkeypatch):
    def refuse(*args, **kwargs):
        raise AuditError("nobody to compare with")

    monkeypatch.setattr(pipeline, "mitigate", refuse)
    assert _mitigate(crisis_subject, crisis.content.audit) == (
        None,
        [
            pipeline.MSG_MITIGATION_FAILED.format(
                method="equalized_odds", attribute="ethnicity", reason="nobody to compare with"
            )
        ],
    )


def test_the_audited_message_is_explained_and_only_what_is_shown_is_redacted(crisis_subject):
    model, subject = crisis_subject.model, crisis_subject
    messages = subject.data[subject.text_column].astype(str)
    urgent = model.class_names.index("urgent")
    redacted = model.predict_proba([redact(text).text for text in messages])[:, urgent]
    moved = np.abs(redacted - subject.probabilities[:, urgent])
    row = int(np.argmax(moved))
    assert moved[row] > 0.01  # redacting this message would change the model's score
    chosen = Choice(rows=(row,), positive="urgent", reasons=("why",))
    (example,) = pipeline.explain_examples(subject, chosen)
    assert example.text == messages.iloc[row] and example.row == row
    assert example.explanation.score == pytest.approx(subject.probabilities[row, urgent], abs=1e-6)
    shown = show_example(example, redact_text=True)
    assert shown.score == example.explanation.score and not shown.withheld
    assert shown.redactions == ("EMAIL", "PHONE")
    tags = [token for token in shown.tokens if token.tag]
    assert [token.text for token in tags] == ["[EMAIL]", "[PHONE]"]
    payload = shown.to_dict()
    shown_words = [payload["text"], *payload["notes"]]
    shown_words += [token["feature"] for token in payload["attributions"]]
    for piece in ("jane", "doe", "example", "867", "5309"):
        assert not any(piece in words for words in shown_words)
    total = sum(token.attribution for token in shown.tokens)
    assert total == pytest.approx(float(np.sum(example.explanation.attributions)))


def test_the_report_agrees_with_the_app_steps(crisis):
    subject = open_subject(crisis.spec, data=crisis.data)
    options = AuditOptions(bootstrap=BOOTSTRAP)
    run = run_audit(subject, options=options)
    report = crisis.content
    assert report.audit.breaches == run.audit.breaches
    assert findings(report.audit, report.counterfactual) == run.findings
    assert report.mitigation is not None
    app = mitigate(
        subject,
        attribute=report.mitigation.attribute,
        privileged=report.mitigation.privileged.split(", "),
        method=MITIGATION,
        options=options,
    )
    pd.testing.assert_frame_equal(app.result.table, report.mitigation.table)
    np.testing.assert_array_equal(app.result.rows, report.mitigation.rows)


def test_report_and_app_name_a_missing_group_and_rank_its_breach_alike():
    rows = 300
    group = np.array(["a", "b", None], dtype=object)[np.arange(rows) % 3]
    label = (np.arange(rows) // 3) % 2
    missed = ((group == "b") & (np.arange(rows) % 5 == 0)) | pd.isna(group)
    scores = np.where((label == 1) & ~missed, 0.9, 0.1)
    frame = pd.DataFrame({"label": label, "group": group})
    options = AuditOptions(bootstrap=0)
    result = audit(scores, frame, label="label", protected="group", options=options)
    breached = {b.group for b in result.breaches}
    assert MISSING_GROUP in breached and len(breached) > 1
    worst = max(result.breaches, key=excess)
    assert worst.group == MISSING_GROUP
    app = findings(result)
    assert app[1].text.startswith(worst.message)
    chosen = choose_examples(
        frame,
        np.column_stack([1 - scores, scores]),
        classes=("0", "1"),
        label="label",
        positive="1",
        audit_result=result,
        count=3,
    )
    assert len(chosen.rows) == 3
    assert all(f" in group = {MISSING_GROUP}, " in reason for reason in chosen.reasons)
    assert frame["group"].iloc[list(chosen.rows)].isna().all()
