"""ReviewForm: a decision recorded only when a model is chosen and the form is complete."""

from __future__ import annotations

import workbench
from widgets import ReviewForm
from widgets._review_form import SHOWN_EVENT, ShownSignal
from workbench.app.decisions import MSG_NO_DECISION, MSG_NO_MODEL, MSG_VISITOR_STORE_FAILED
from workbench.review import GENESIS_HASH, MSG_CONDITIONS_REQUIRED, MSG_INTACT, Review, ReviewStore


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


def test_history_says_whether_the_chain_is_intact(review_dir):
    form = ReviewForm(spec=_spec(), threaded=False)
    assert MSG_INTACT.format(count=0, head=GENESIS_HASH) in form.history_view.value
    form.reviewer.value, form.decision.value = "B", "reject"
    form.record()
    head = form.recorded.record_hash
    assert MSG_INTACT.format(count=1, head=head) in form.history_view.value


def test_a_page_showing_the_form_rereads_the_history(review_dir):
    """A preheated kernel built the form before this page opened; another visitor recorded."""
    form = ReviewForm(spec=_spec(), threaded=False)
    assert "None yet." in form.history_view.value
    with ReviewStore() as elsewhere:
        other = elsewhere.record(Review.for_spec(_spec(), decision="reject", reviewer="Other"))
    assert "None yet." in form.history_view.value  # nothing has asked yet
    form.shown._handle_custom_msg(SHOWN_EVENT, [])  # what the page sends when it draws the form
    assert f"#{other.id} " in form.history_view.value and "Other: reject" in form.history_view.value
    form.shown._handle_custom_msg({"event": "something else"}, [])
    assert "Other: reject" in form.history_view.value


def test_the_signal_is_sent_by_the_page_on_render():
    assert "model.send({ event: 'shown' })" in ShownSignal()._esm


def test_overlong_fields_are_named_as_typed_and_refused_on_record(review_dir):
    form = ReviewForm(spec=_spec(), threaded=False)
    form.reviewer.value, form.decision.value = "A. Board", "reject"
    form.comment.value = "x" * 12_345
    message = "The comment is 12,345 characters; the limit is 4,000."
    assert message in form.limit_note.value and form.record_button.disabled
    form.record()  # a click sent over the comm although the button is disabled
    assert form.error == message and form.recorded is None
    form.comment.value = "x" * 4_000
    assert form.limit_note.value == "" and not form.record_button.disabled
    form.conditions.value = "\n".join(["c"] * 21)
    assert "There are 21 conditions; the limit is 20." in form.limit_note.value
    with ReviewStore() as store:
        assert store.history() == []
