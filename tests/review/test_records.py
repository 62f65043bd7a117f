"""Review records: validation with exact messages, normalisation, and hashing from a spec."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workbench import DataError, ReviewError, file_sha256, load_model
from workbench.review import (
    MAX_COMMENT_CHARS,
    MAX_CONDITION_CHARS,
    MAX_CONDITIONS,
    MAX_REVIEWER_CHARS,
    MSG_BAD_SHA256,
    MSG_CONDITION_TOO_LONG,
    MSG_CONDITIONS_ON_APPROVE,
    MSG_CONDITIONS_REQUIRED,
    MSG_EMPTY_CONDITION,
    MSG_EMPTY_MODEL_NAME,
    MSG_EMPTY_REVIEWER,
    MSG_NAIVE_TIME,
    MSG_NO_DATA_FILE,
    MSG_TOO_LONG,
    MSG_TOO_MANY_CONDITIONS,
    MSG_UNKNOWN_DECISION,
    Decision,
    Review,
)

from .conftest import make_review, sha


def test_decision_given_as_text_becomes_the_enum():
    assert make_review(decision="reject").decision is Decision.REJECT


def test_unknown_decision_is_named_with_the_choices():
    with pytest.raises(ReviewError) as info:
        make_review(decision="maybe")
    choices = ["approve", "conditions", "reject"]
    assert str(info.value) == MSG_UNKNOWN_DECISION.format(value="maybe", choices=choices)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_reviewer_name_is_refused(name):
    with pytest.raises(ReviewError) as info:
        make_review(reviewer=name)
    assert str(info.value) == MSG_EMPTY_REVIEWER


def test_empty_model_name_is_refused():
    with pytest.raises(ReviewError) as info:
        make_review(model_name=" ")
    assert str(info.value) == MSG_EMPTY_MODEL_NAME


def test_conditions_decision_needs_a_condition():
    with pytest.raises(ReviewError) as info:
        make_review(decision="conditions")
    assert str(info.value) == MSG_CONDITIONS_REQUIRED


def test_plain_approval_takes_no_conditions():
    with pytest.raises(ReviewError) as info:
        make_review(decision="approve", conditions=["monitor monthly"])
    assert str(info.value) == MSG_CONDITIONS_ON_APPROVE


def test_blank_condition_is_refused_by_number():
    with pytest.raises(ReviewError) as info:
        make_review(decision="conditions", conditions=["monitor monthly", "  "])
    assert str(info.value) == MSG_EMPTY_CONDITION.format(number=2)


def test_rejection_may_list_what_must_change():
    review = make_review(decision="reject", conditions=["re-audit by age group"])
    assert review.conditions == ("re-audit by age group",)


@pytest.mark.parametrize(
    ("field", "value"),
    [("model_sha256", "abc"), ("model_sha256", sha("x").upper()), ("dataset_sha256", "z" * 64)],
)
def test_hashes_must_be_sha256_hex(field, value):
    with pytest.raises(ReviewError) as info:
        make_review(**{field: value})
    assert str(info.value) == MSG_BAD_SHA256.format(field=field, value=value)


def test_naive_time_is_refused():
    moment = datetime(2024, 5, 2, 9, 30)
    with pytest.raises(ReviewError) as info:
        make_review(created_at=moment)
    assert str(info.value) == MSG_NAIVE_TIME.format(value=moment.isoformat())


def test_time_is_kept_in_utc_and_defaults_to_now():
    plus_two = timezone(timedelta(hours=2))
    review = make_review(created_at=datetime(2024, 5, 2, 11, 30, tzinfo=plus_two))
    assert review.created_at == datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
    assert review.created_at.tzinfo is UTC
    assert abs(make_review().created_at - datetime.now(UTC)) < timedelta(seconds=5)


def test_names_and_conditions_are_stripped_and_frozen():
    review = make_review(
        reviewer="  Ada Reviewer ", decision="conditions", conditions=[" monitor monthly "]
    )
    assert review.reviewer == "Ada Reviewer"
    assert review.conditions == ("monitor monthly",)
    with pytest.raises(AttributeError):
        review.reviewer = "someone else"


def test_as_dict_is_json_ready():
    review = make_review(decision="conditions", conditions=["monitor monthly"])
    document = json.loads(json.dumps(review.as_dict()))
    assert document["decision"] == "conditions"
    assert document["conditions"] == ["monitor monthly"]
    assert datetime.fromisoformat(document["created_at"]) == review.created_at


def test_for_spec_hashes_model_and_spec_data(callable_spec):
    review = Review.for_spec(callable_spec, decision="approve", reviewer="Ada")
    assert review.model_name == "tiny-triage"
    assert review.model_sha256 == load_model(callable_spec).fingerprint
    assert review.dataset_sha256 == file_sha256(callable_spec.parent / "messages.csv")
    assert review.spec_path == str(callable_spec.resolve())


def test_for_spec_hashes_the_data_file_given(callable_spec, tmp_path):
    other = tmp_path / "holdout.csv"
    other.write_text("text,label\nfeeling low,urgent\n", encoding="utf-8")
    review = Review.for_spec(callable_spec, decision="reject", reviewer="Ada", data=other)
    assert review.dataset_sha256 == file_sha256(other)


def test_for_spec_with_missing_data_file_is_named(callable_spec, tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DataError) as info:
        Review.for_spec(callable_spec, decision="approve", reviewer="Ada", data=missing)
    assert str(info.value) == MSG_NO_DATA_FILE.format(file=missing)


def test_limits_are_the_documented_defaults():
    limits = (MAX_REVIEWER_CHARS, MAX_COMMENT_CHARS, MAX_CONDITION_CHARS, MAX_CONDITIONS)
    assert limits == (200, 4_000, 1_000, 20)


def test_comment_over_the_limit_is_refused_naming_the_limit():
    with pytest.raises(ReviewError) as info:
        make_review(comment="x" * 12_345)
    assert str(info.value) == "The comment is 12,345 characters; the limit is 4,000."
    assert str(info.value) == MSG_TOO_LONG.format(field="comment", length=12_345, limit=4_000)
    assert make_review(comment="x" * MAX_COMMENT_CHARS).comment == "x" * MAX_COMMENT_CHARS


def test_reviewer_name_over_the_limit_is_refused():
    with pytest.raises(ReviewError) as info:
        make_review(reviewer="  " + "R" * 201 + "  ")
    assert str(info.value) == "The reviewer name is 201 characters; the limit is 200."


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (["ok", "c" * 1_001], "Condition 2 is 1,001 characters; the limit is 1,000."),
        ([f"condition {n}" for n in range(21)], "There are 21 conditions; the limit is 20."),
    ],
)
def test_conditions_over_the_limits_are_refused(conditions, message):
    with pytest.raises(ReviewError) as info:
        make_review(decision="conditions", conditions=conditions)
    assert str(info.value) == message
    assert message in (
        MSG_CONDITION_TOO_LONG.format(number=2, length=1_001, limit=1_000),
        MSG_TOO_MANY_CONDITIONS.format(count=21, limit=20),
    )
