"""The hash chain: its canonical form, and what verification says after each kind of tampering.

Someone who can write the SQLite file can drop the triggers; the chain is what notices.
"""

import hashlib
import json
import sqlite3
from datetime import UTC, datetime

import pytest

from workbench import ReviewError
from workbench.review import (
    GENESIS_HASH,
    MSG_BROKEN,
    MSG_CONTENT_CHANGED,
    MSG_HEAD_GONE,
    MSG_INTACT,
    MSG_LINK_BROKEN,
    MSG_MISSING,
    MSG_NO_CHAIN,
    MSG_REORDERED,
    ReviewStore,
    canonical_content,
    check_chain,
    record_hash,
)

from .conftest import make_review, sha

CANONICAL = (
    '{"comment":"calibrated on the synthetic set","conditions":["re-audit in 3 months"],'
    '"created_at":"2024-05-02T09:30:15.123456Z","dataset_sha256":null,"decision":"conditions",'
    f'"id":1,"model_name":"triage","model_sha256":"{sha("v1")}","previous_hash":"{GENESIS_HASH}",'
    '"reviewer":"Zoë Reviewer","spec_path":"/models/triage/model.yaml"}'
)


@pytest.fixture
def three(store):
    """A store holding three chained reviews (conditions, reject, approve)."""
    store.record(make_review(decision="conditions", conditions=["re-audit"]))
    store.record(make_review(decision="reject", reviewer="Bo"))
    store.record(make_review(reviewer="Cy"))
    return store


def _raw(store: ReviewStore) -> sqlite3.Connection:
    """A plain connection to the store's file, as anyone who can write it has."""
    return sqlite3.connect(store.path, isolation_level=None)


def test_canonical_form_is_sorted_compact_utf8_json():
    review = make_review(
        decision="conditions",
        conditions=["re-audit in 3 months"],
        reviewer="Zoë Reviewer",
        created_at=datetime(2024, 5, 2, 9, 30, 15, 123456, tzinfo=UTC),
    )
    values = {**review.as_dict(), "id": 1, "previous_hash": GENESIS_HASH}
    values["created_at"] = review.created_at
    assert canonical_content(values) == CANONICAL.encode("utf-8")
    assert record_hash(values) == hashlib.sha256(CANONICAL.encode("utf-8")).hexdigest()


def test_each_record_links_to_the_one_before(three):
    first, second, third = three.history()
    assert first.previous_hash == GENESIS_HASH
    assert (second.previous_hash, third.previous_hash) == (first.record_hash, second.record_hash)
    for stored in (first, second, third):
        assert stored.record_hash == record_hash(
            stored.as_dict() | {"created_at": stored.created_at}
        )
        document = json.loads(canonical_content(stored.as_dict()))
        assert document["id"] == stored.id


def test_intact_history_names_its_head(three):
    check = three.verify()
    head = three.history()[-1].record_hash
    assert (check.intact, check.count, check.head, check.bad_id) == (True, 3, head, None)
    assert check.message == MSG_INTACT.format(count=3, head=head)
    assert three.verify(pinned_head=three.history()[0].record_hash).intact


def test_empty_history_is_intact_at_the_genesis_hash(store):
    assert store.verify().message == MSG_INTACT.format(count=0, head=GENESIS_HASH)


def test_update_after_dropping_the_trigger_is_found(three):
    connection = _raw(three)
    connection.execute("DROP TRIGGER reviews_no_update")
    connection.execute("UPDATE reviews SET decision = 'approve', conditions = '[]' WHERE id = 1")
    connection.close()
    check = three.verify()
    assert (check.intact, check.bad_id) == (False, 1)
    assert check.message == MSG_BROKEN.format(id=1, reason=MSG_CONTENT_CHANGED)


def test_rehashed_forgery_breaks_the_next_link(three):
    first, second, _ = three.history()
    forged = first.as_dict() | {"decision": "approve", "conditions": [], "comment": "fine"}
    forged["record_hash"] = record_hash(forged | {"created_at": first.created_at})
    connection = _raw(three)
    connection.execute("DROP TRIGGER reviews_no_update")
    connection.execute(
        "UPDATE reviews SET decision = 'approve', conditions = '[]', comment = 'fine', "
        "record_hash = ? WHERE id = 1",
        (forged["record_hash"],),
    )
    connection.close()
    reason = MSG_LINK_BROKEN.format(
        previous=1, found=first.record_hash[:12], expected=forged["record_hash"][:12]
    )
    assert three.verify().message == MSG_BROKEN.format(id=2, reason=reason)


def test_deleted_record_is_named_missing(three):
    connection = _raw(three)
    connection.execute("DROP TRIGGER reviews_no_delete")
    connection.execute("DELETE FROM reviews WHERE id = 2")
    connection.close()
    reason = MSG_MISSING.format(first=2, last=2)
    assert three.verify().message == MSG_BROKEN.format(id=2, reason=reason)


def test_swapped_records_are_named_reordered(three):
    connection = _raw(three)
    connection.executescript(
        "DROP TRIGGER reviews_no_update; DROP TRIGGER reviews_no_delete; "
        "UPDATE reviews SET id = -2 WHERE id = 2; UPDATE reviews SET id = 2 WHERE id = 3; "
        "UPDATE reviews SET id = 3 WHERE id = -2;"
    )
    connection.close()
    reason = MSG_REORDERED.format(actual=3, previous=1)
    assert three.verify().message == MSG_BROKEN.format(id=2, reason=reason)


def test_dropped_and_rebuilt_table_is_found(three):
    """The table dropped and made again by the store (triggers back) with a forged first record."""
    head = three.verify().head
    connection = _raw(three)
    connection.execute("DROP TABLE reviews")
    connection.close()
    with ReviewStore(three.path) as rebuilt:
        rebuilt.record(make_review(decision="approve", reviewer="Mallory"))
        assert rebuilt.verify().intact  # a new, self-consistent history...
        check = rebuilt.verify(pinned_head=head)  # ...without the head a report pinned
    assert check.message == MSG_BROKEN.format(id=2, reason=MSG_HEAD_GONE.format(head=head[:12]))


def test_removed_last_records_lose_the_pinned_head(three):
    head = three.verify().head
    connection = _raw(three)
    connection.execute("DROP TRIGGER reviews_no_delete")
    connection.execute("DELETE FROM reviews WHERE id = 3")
    connection.close()
    assert three.verify().intact  # a shorter chain is still a chain
    check = three.verify(pinned_head=head)
    assert check.message == MSG_BROKEN.format(id=3, reason=MSG_HEAD_GONE.format(head=head[:12]))


def test_check_chain_reports_the_first_bad_record_only():
    rows = [{"id": 1, "previous_hash": "f" * 64, "record_hash": "a" * 64}]
    check = check_chain(rows)
    reason = MSG_LINK_BROKEN.format(previous=0, found="f" * 12, expected=GENESIS_HASH[:12])
    assert (check.bad_id, check.reason, check.head) == (1, reason, "a" * 64)


def test_store_without_hash_chain_is_refused_and_its_contents_kept(tmp_path):
    path = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at DATETIME, "
        "model_name TEXT, model_sha256 VARCHAR(64), dataset_sha256 VARCHAR(64), spec_path TEXT, "
        "decision VARCHAR(16), reviewer TEXT, comment TEXT, conditions JSON)"
    )
    connection.execute("INSERT INTO reviews (decision, reviewer) VALUES ('approve', 'Ada')")
    connection.commit()
    connection.close()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    with pytest.raises(ReviewError) as info:
        ReviewStore(path)
    assert str(info.value) == MSG_NO_CHAIN.format(location=path, env="WORKBENCH_DATA_DIR")
    assert "\n".join(sqlite3.connect(path).iterdump()) == dump
