"""The review store: recording, history and latest queries, locations, and model changes."""

import sqlite3
from dataclasses import fields
from datetime import UTC, datetime

import pytest

from workbench import load_model
from workbench.review import (
    DATA_DIR_ENV,
    DATABASE_FILE_NAME,
    GENESIS_HASH,
    MSG_MODEL_CHANGED,
    Review,
    ReviewStore,
    StoredReview,
    check_current,
    default_database,
    model_changed_message,
    record_hash,
)

from .conftest import make_review, sha


def test_record_returns_the_review_with_its_id(store):
    review = make_review(decision="conditions", conditions=["monitor monthly", "re-audit"])
    stored = store.record(review)
    assert isinstance(stored, StoredReview)
    assert stored.id == 1
    assert stored.as_dict() == {
        "id": 1,
        **review.as_dict(),
        "previous_hash": GENESIS_HASH,
        "record_hash": record_hash(stored.as_dict() | {"created_at": review.created_at}),
    }
    assert store.history() == [stored]


def test_history_round_trips_every_field_oldest_first(store):
    first = make_review(
        created_at=datetime(2024, 5, 2, 9, 30, 15, 123456, tzinfo=UTC),
        dataset_sha256=sha("data"),
    )
    second = make_review(decision="reject", comment="misses older adults", reviewer="Bo")
    store.record(first)
    store.record(second)
    history = store.history()
    assert [r.id for r in history] == [1, 2]
    as_reviews = [Review(**{f.name: getattr(r, f.name) for f in fields(Review)}) for r in history]
    assert as_reviews == [first, second]
    assert history[0].created_at.tzinfo == UTC


def test_history_and_latest_filter_by_model_version(store):
    store.record(make_review(reviewer="Ada"))
    store.record(make_review(model_sha256=sha("v2"), reviewer="Bo"))
    store.record(make_review(decision="reject", reviewer="Cy"))
    assert [r.reviewer for r in store.history(sha("v1"))] == ["Ada", "Cy"]
    assert [r.reviewer for r in store.history(model_name="triage")] == ["Ada", "Bo", "Cy"]
    assert store.latest(sha("v1")).reviewer == "Cy"
    assert store.latest(sha("v1")).decision == "reject"
    assert store.latest(sha("never reviewed")) is None


def test_changed_decision_is_a_new_row(store):
    store.record(make_review(decision="reject"))
    store.record(make_review(decision="approve"))
    assert [r.decision.value for r in store.history(sha("v1"))] == ["reject", "approve"]


def test_store_has_no_way_to_change_or_remove_reviews():
    public = {name for name in dir(ReviewStore) if not name.startswith("_")}
    assert public == {"close", "history", "latest", "record", "verify"}


def test_missing_folders_are_created(tmp_path):
    path = tmp_path / "not" / "yet" / "there" / "board.sqlite3"
    with ReviewStore(path) as store:
        store.record(make_review())
    assert path.is_file()


def test_folder_argument_holds_the_default_file_name(tmp_path):
    with ReviewStore(tmp_path) as store:
        store.record(make_review())
    assert store.path == tmp_path / DATABASE_FILE_NAME


def test_sqlite_url_names_a_file(tmp_path):
    path = tmp_path / "via-url.sqlite3"
    with ReviewStore(f"sqlite:///{path}") as store:
        store.record(make_review())
    assert store.path == path
    with ReviewStore(path) as reopened:
        assert reopened.history()[0].reviewer == "Ada Reviewer"


def test_default_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "board"))
    assert default_database() == tmp_path / "board" / DATABASE_FILE_NAME
    with ReviewStore() as store:
        store.record(make_review())
    assert (tmp_path / "board" / DATABASE_FILE_NAME).is_file()


def test_default_location_without_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_database() == tmp_path / ".local/share/mh-workbench" / DATABASE_FILE_NAME


def test_sqlite_runs_in_wal_mode_with_append_only_triggers(store):
    connection = sqlite3.connect(store.path)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert sorted(name for (name,) in triggers) == [
        "reviews_append_at_head",
        "reviews_no_delete",
        "reviews_no_update",
    ]
    connection.close()


def test_check_current_lists_reviews_of_other_versions(store, callable_spec):
    model = load_model(callable_spec)
    store.record(make_review(model_name=model.name, model_sha256=sha("old weights")))
    store.record(make_review(model_name=model.name, model_sha256=model.fingerprint))
    store.record(make_review(model_name="another model", model_sha256=sha("other")))
    stale = check_current(store, model)
    assert [r.model_sha256 for r in stale] == [sha("old weights")]
    assert check_current(store, callable_spec) == stale


def test_check_current_is_empty_when_all_reviews_cover_this_version(store, callable_spec):
    model = load_model(callable_spec)
    store.record(make_review(model_name=model.name, model_sha256=model.fingerprint))
    assert check_current(store, model) == []


def test_model_changed_message_is_plain(store):
    stale = [store.record(make_review(model_sha256=sha("old"))) for _ in range(2)]
    message = model_changed_message(stale, current_sha256=sha("new"))
    assert message == MSG_MODEL_CHANGED.format(
        count=2, name="triage", hashes=sha("old")[:12], current=sha("new")[:12]
    )
    assert "do not apply to the current version" in message


@pytest.mark.parametrize("decision", ["approve", "conditions", "reject"])
def test_every_decision_is_stored(store, decision):
    conditions = ["monitor monthly"] if decision == "conditions" else []
    store.record(make_review(decision=decision, conditions=conditions))
    assert store.latest(sha("v1")).decision.value == decision



def test_database_and_its_wal_files_are_owner_only_under_the_usual_umask(tmp_path, usual_umask):
    path = tmp_path / "reviews" / "reviews.sqlite3"
    with ReviewStore(path) as store:
        store.record(make_review())
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert [file.stat().st_mode & 0o777 for file in files] == [0o600, 0o600, 0o600]
    assert path.parent.stat().st_mode & 0o777 == 0o700
