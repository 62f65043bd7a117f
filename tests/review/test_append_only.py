"""History cannot be rewritten: raw UPDATE, DELETE, REPLACE and out-of-chain INSERTs fail."""

import sqlite3

import pytest

from workbench.review import APPEND_AT_HEAD_MESSAGE, APPEND_ONLY_MESSAGE

from .conftest import make_review

COLUMNS = (
    "id, created_at, model_name, model_sha256, dataset_sha256, spec_path, decision, reviewer, "
    "comment, conditions, previous_hash, record_hash"
)
FORGED = COLUMNS.replace("decision", "'approve'").replace("conditions,", "'[]',")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reviews SET decision = 'approve' WHERE id = 1",
        "UPDATE reviews SET reviewer = 'someone else'",
        "DELETE FROM reviews WHERE id = 1",
        "DELETE FROM reviews",
    ],
)
def test_raw_sql_cannot_change_history(store, statement):
    store.record(make_review(decision="reject", comment="fails the age audit"))
    connection = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match=APPEND_ONLY_MESSAGE):
        connection.execute(statement)
    connection.rollback()
    connection.close()
    (kept,) = store.history()
    assert (kept.decision.value, kept.reviewer, kept.comment) == (
        "reject",
        "Ada Reviewer",
        "fails the age audit",
    )


def test_ids_are_never_reused(store):
    stored = [store.record(make_review()) for _ in range(3)]
    connection = sqlite3.connect(store.path)
    (sequence,) = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'reviews'")
    connection.close()
    assert [r.id for r in stored] == [1, 2, 3]
    assert sequence == (3,)


@pytest.mark.parametrize(
    "statement",
    [
        f"INSERT OR REPLACE INTO reviews ({COLUMNS}) SELECT {FORGED} FROM reviews WHERE id = 1",
        f"REPLACE INTO reviews ({COLUMNS}) SELECT {FORGED} FROM reviews WHERE id = 1",
        # a new id that reuses the first record's previous_hash: REPLACE would delete record 1
        f"INSERT OR REPLACE INTO reviews ({COLUMNS}) "
        f"SELECT {FORGED.replace('id,', '3,')} FROM reviews WHERE id = 1",
        f"INSERT INTO reviews ({COLUMNS}) SELECT {FORGED} FROM reviews WHERE id = 1 "
        "ON CONFLICT (id) DO UPDATE SET decision = 'approve'",
        # the next id, but not linked to the last record
        f"INSERT INTO reviews ({COLUMNS}) SELECT {FORGED.replace('id,', '3,')} "
        "FROM reviews WHERE id = 1",
        f"INSERT INTO reviews ({COLUMNS.replace('id, ', '')}) "
        f"SELECT {FORGED.replace('id, ', '')} FROM reviews WHERE id = 1",
    ],
)
def test_replacing_or_forking_by_insert_is_refused(store, statement):
    store.record(make_review(decision="conditions", conditions=["re-audit"]))
    store.record(make_review(decision="reject", reviewer="Bo"))
    before = store.history()
    connection = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match=APPEND_AT_HEAD_MESSAGE):
        connection.execute(statement)
    connection.rollback()
    connection.close()
    assert store.history() == before
    assert store.verify().intact


def test_delete_trigger_alone_does_not_stop_insert_or_replace(store):
    """Why the INSERT trigger exists: REPLACE's delete fires no DELETE trigger in SQLite unless
    the writer turns recursive triggers on, which a forger would not."""
    store.record(make_review(decision="conditions", conditions=["re-audit"]))
    connection = sqlite3.connect(store.path)
    connection.execute("DROP TRIGGER reviews_append_at_head")
    connection.execute(f"INSERT OR REPLACE INTO reviews ({COLUMNS}) SELECT {FORGED} FROM reviews")
    connection.commit()
    connection.close()
    assert store.history()[0].decision.value == "approve"
    assert not store.verify().intact
