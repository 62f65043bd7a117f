"""History cannot be rewritten: raw UPDATE and DELETE on the reviews table fail."""

import sqlite3

import pytest

from workbench.review import APPEND_ONLY_MESSAGE

from .conftest import make_review


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
