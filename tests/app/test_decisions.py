"""Recording a review board's decision from a form (workbench.app.decisions)."""

from __future__ import annotations

import pytest

import workbench
from workbench._errors import ReviewError
from workbench.app.decisions import (
    MSG_NO_DECISION,
    MSG_NO_MODEL,
    MSG_VISITOR_STORE_FAILED,
    check_lengths,
    decision_history,
    record_decision,
)
from workbench.review import (
    GENESIS_HASH,
    MSG_CONDITIONS_REQUIRED,
    MSG_EMPTY_REVIEWER,
    MSG_INTACT,
    Review,
    ReviewStore,
)


@pytest.fixture
def spec():
    return workbench.load_spec(workbench.sample_model_specs()["crisis_text"])


def test_records_and_lists_the_decision(tmp_path, spec):
    database = tmp_path / "reviews.sqlite3"
    stored = record_decision(
        database,
        spec,
        decision="conditions",
        reviewer="  R. Viewer ",
        comment=" FNR gap for black patients ",
        conditions="Retrain on corrected labels\n\n  Re-audit before use \n",
    )
    assert stored.reviewer == "R. Viewer"
    assert stored.comment == "FNR gap for black patients"
    assert stored.conditions == ("Retrain on corrected labels", "Re-audit before use")
    with ReviewStore(database) as store:
        history = decision_history(store, spec)
    assert [r.id for r in history.reviews] == [stored.id]
    assert history.stale == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decision": "", "reviewer": "A"}, MSG_NO_DECISION),
        ({"decision": "reject", "reviewer": " "}, MSG_EMPTY_REVIEWER),
        (
            {"decision": "conditions", "reviewer": "A", "conditions": "\n \n"},
            MSG_CONDITIONS_REQUIRED,
        ),
    ],
)
def test_incomplete_forms_are_refused(tmp_path, spec, fields, message):
    with pytest.raises(workbench.ReviewError) as caught:
        record_decision(tmp_path / "r.sqlite3", spec, **fields)
    assert str(caught.value) == message
    with ReviewStore(tmp_path / "r.sqlite3") as store:
        assert store.history() == []


def test_no_model_is_refused(tmp_path):
    with pytest.raises(workbench.ReviewError) as caught:
        record_decision(tmp_path, None, decision="approve", reviewer="A")
    assert str(caught.value) == MSG_NO_MODEL


def test_history_is_read_from_the_store_at_each_call(tmp_path, spec):
    """What the app shows after another visitor (another kernel, another connection) records."""
    database = tmp_path / "reviews.sqlite3"
    before = decision_history(database, spec)
    assert before.reviews == () and before.chain.message == MSG_INTACT.format(
        count=0, head=GENESIS_HASH
    )
    with ReviewStore(database) as elsewhere:
        recorded = elsewhere.record(Review.for_spec(spec, decision="reject", reviewer="Bo"))
    after = decision_history(database, spec)
    assert after.reviews == (recorded,)
    assert after.chain.message == MSG_INTACT.format(count=1, head=recorded.record_hash)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reviewer": "R" * 201}, "The reviewer name is 201 characters; the limit is 200."),
        ({"comment": "c" * 12_345}, "The comment is 12,345 characters; the limit is 4,000."),
        (
            {"conditions": "ok\n" + "x" * 1_001},
            "Condition 2 is 1,001 characters; the limit is 1,000.",
        ),
        ({"conditions": "c\n" * 21}, "There are 21 conditions; the limit is 20."),
    ],
)
def test_form_fields_over_their_limits_are_refused(tmp_path, spec, fields, message):
    form = {"reviewer": "A", "comment": "", "conditions": "", **fields}
    with pytest.raises(workbench.ReviewError) as caught:
        check_lengths(**form)
    assert str(caught.value) == message
    with pytest.raises(workbench.ReviewError) as caught:
        record_decision(tmp_path / "r.sqlite3", spec, decision="conditions", **form)
    assert str(caught.value) == message
    with ReviewStore(tmp_path / "r.sqlite3") as store:
        assert store.history() == []


def test_an_unusable_store_shows_a_plain_message_and_logs_the_place(tmp_path, spec, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    database = blocker / "reviews.sqlite3"
    with caplog.at_level("ERROR", logger="workbench.serve"):
        with pytest.raises(ReviewError) as info:
            record_decision(database, spec, decision="approve", reviewer="R. Viewer")
        with pytest.raises(ReviewError) as listed:
            decision_history(database, spec)
    assert str(info.value) == str(listed.value) == MSG_VISITOR_STORE_FAILED
    operator = [record.getMessage() for record in caplog.records]
    assert len(operator) == 2
    assert all(str(blocker) in message and "--db" in message for message in operator)
