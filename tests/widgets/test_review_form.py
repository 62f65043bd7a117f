"""ReviewForm: a decision recorded only when a model is chosen and the form is complete."""

from __future__ import annotations

import workbench
from widgets import ReviewForm
from workbench.app.decisions import MSG_NO_DECISION, MSG_NO_MODEL, MSG_VISITOR_STORE_FAILED
from workbench.review import MSG_CONDITIONS_REQUIRED, ReviewStore


def _spec(name: str = "crisis_text"):
    return workbench.load_spec(workbench.sample_model_specs()[name])


def test_records_a_complete_decision(review_dir):
    form = ReviewForm(spec=_spec(), threaded=False)
    assert "None yet." in form.history_view.value
    form.reviewer.value = "A. Board"
    form.decision.value = "conditions"
    form.conditions.value = "Fix the labels\nRe-audit"
    form.comment.value = "Urgent messages of black patients are missed <often>."
    form.record_button.click()
    assert form.error == ""
    review = form.recorded
    assert review.conditions == ("Fix the labels", "Re-audit")
    assert f"Recorded decision #{review.id}: conditions by A. Board." in form.history_view.value
    assert "&lt;often&gt;" in form.history_view.value
    assert form.comment.value == "" and form.decision.value is None
    with ReviewStore() as store:
        assert [r.id for r in store.history()] == [review.id]


def test_the_handler_checks_the_model_and_the_form(review_dir):
    form = ReviewForm(threaded=False)
    form.reviewer.value = "A. Board"
    form.decision.value = "approve"
    form.record()  # sent over the comm although no model is chosen
    assert form.error == MSG_NO_MODEL and form.recorded is None
    form.spec = _spec()
    form.decision.value = None
    form.record()
    assert form.error == MSG_NO_DECISION
    form.decision.value = "conditions"
    form.record()
    assert form.error == MSG_CONDITIONS_REQUIRED
    with ReviewStore() as store:
        assert store.history() == []


def test_history_follows_the_model(review_dir):
    form = ReviewForm(spec=_spec(), store=review_dir / "reviews.sqlite3", threaded=False)
    form.reviewer.value, form.decision.value = "B", "reject"
    form.record()
    form.spec = _spec("emotion_text")
    assert form.recorded is None and "None yet." in form.history_view.value
    form.spec = _spec()
    assert ": reject" in form.history_view.value


def test_an_unusable_store_is_a_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    form = ReviewForm(spec=_spec(), store=blocker / "sub" / "r.sqlite3", threaded=False)
    # Visitors see a plain message; the operator's log names the folder (tests/app).
    assert form.error == MSG_VISITOR_STORE_FAILED
    assert str(blocker) not in form.status.value and "Traceback" not in form.status.value
