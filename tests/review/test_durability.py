"""Several processes writing at once lose nothing; a writer killed mid-write leaves no half row."""

import json
import multiprocessing
import sqlite3
import time

import pytest

from workbench import ReviewError
from workbench.review import MSG_LOCKED, ReviewStore

from .conftest import make_review, sha

WRITERS = 4
REVIEWS_EACH = 25
KILL_ROUNDS = 3
COMMITS_BEFORE_KILL = 15
LONG_COMMENT = "the model over-flags messages that mention sleep; " * 40
CONTEXT = multiprocessing.get_context("fork")


def _write_many(path, writer, barrier, results):
    """Child: open its own store, wait for the others, record REVIEWS_EACH reviews."""
    try:
        barrier.wait(timeout=30)
        with ReviewStore(path) as store:
            for number in range(REVIEWS_EACH):
                store.record(make_review(reviewer=f"writer {writer}", comment=str(number)))
        results.put((writer, "ok"))
    except Exception as err:  # reported to the parent, which fails the test with it
        results.put((writer, f"{type(err).__name__}: {err}"))


def _write_until_killed(path, connection):
    """Child: record reviews forever, telling the parent each id once it is committed."""
    with ReviewStore(path) as store:
        number = 0
        while True:
            conditions = [f"condition {number}", "monitor monthly"]
            stored = store.record(
                make_review(
                    decision="conditions",
                    conditions=conditions,
                    comment=f"{number}:{LONG_COMMENT}",
                    dataset_sha256=sha(f"data {number}"),
                )
            )
            connection.send(stored.id)
            number += 1


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "board.sqlite3"
    barrier = CONTEXT.Barrier(WRITERS)
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_write_many, args=(path, writer, barrier, results))
        for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert outcomes == dict.fromkeys(range(WRITERS), "ok")
    with ReviewStore(path) as store:
        rows = store.history()
        check = store.verify()
    assert (check.intact, check.count) == (True, WRITERS * REVIEWS_EACH)  # one chain, no fork
    assert len(rows) == WRITERS * REVIEWS_EACH
    written = {(r.reviewer, r.comment) for r in rows}
    assert written == {(f"writer {w}", str(n)) for w in range(WRITERS) for n in range(REVIEWS_EACH)}
    assert sorted(r.id for r in rows) == list(range(1, WRITERS * REVIEWS_EACH + 1))


def test_writer_killed_mid_write_leaves_whole_rows_only(tmp_path):
    path = tmp_path / "board.sqlite3"
    committed: list[int] = []
    for _ in range(KILL_ROUNDS):
        receiver, sender = CONTEXT.Pipe(duplex=False)
        process = CONTEXT.Process(target=_write_until_killed, args=(path, sender))
        process.start()
        sender.close()
        before = len(committed)
        deadline = time.monotonic() + 60
        while len(committed) - before < COMMITS_BEFORE_KILL and time.monotonic() < deadline:
            if receiver.poll(1):
                committed.append(receiver.recv())
        process.kill()
        process.join(timeout=30)
        receiver.close()
        assert process.exitcode == -9
        assert len(committed) - before >= COMMITS_BEFORE_KILL

    assert path.with_name(f"{path.name}-wal").exists()  # the killed writer's log, to recover
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw = connection.execute("SELECT id, comment, conditions, dataset_sha256 FROM reviews")
    for row_id, comment, conditions, dataset_sha256 in raw:
        number = int(comment.split(":", 1)[0])
        assert comment == f"{number}:{LONG_COMMENT}", row_id
        assert json.loads(conditions) == [f"condition {number}", "monitor monthly"]
        assert dataset_sha256 == sha(f"data {number}")
    connection.close()
    with ReviewStore(path) as store:
        ids = [review.id for review in store.history()]
        assert store.verify().intact
    assert set(committed) <= set(ids)
    assert ids == list(range(1, len(ids) + 1))


def test_reader_sees_committed_rows_while_others_write(tmp_path):
    path = tmp_path / "board.sqlite3"
    writers = 2
    barrier = CONTEXT.Barrier(writers)
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_write_many, args=(path, w, barrier, results))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    seen = []
    with ReviewStore(path) as store:
        while any(p.is_alive() for p in processes):
            seen.append(len(store.history()))
        seen.append(len(store.history()))
    for process in processes:
        process.join(timeout=30)
    assert seen == sorted(seen)
    assert seen[-1] == writers * REVIEWS_EACH


def test_lock_held_past_the_busy_timeout_is_said_plainly(tmp_path, monkeypatch):
    path = tmp_path / "board.sqlite3"
    ReviewStore(path).close()
    monkeypatch.setattr("workbench.review._store.BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ReviewError) as info, ReviewStore(path) as store:
            store.record(make_review())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(info.value) == MSG_LOCKED.format(path=path, seconds=0.2)
    with ReviewStore(path) as store:
        assert store.history() == []
