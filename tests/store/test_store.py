"""The explanation store: keys, round trips, permissions, one transaction per chunk, and a
writer killed mid-chunk."""

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from workbench import StoreError
from workbench.explain import Explanation, Faithfulness
from workbench.store import (
    STORE_ENV,
    ExplanationStore,
    StoredEntry,
    StoreKey,
    default_store_folder,
    input_hash,
)
from workbench.store._names import STORE_FILE_NAME
from workbench.store._store import MSG_NO_FOLDER, MSG_NOT_A_STORE

VERSIONS = {"mh-workbench": "1", "torch": "2", "captum": "3", "lime": "4"}


def explanation(score=0.8, faithful=False):
    faithfulness = Faithfulness(
        bins=(10.0, 50.0),
        comprehensiveness_by_bin=(0.2, 0.4),
        sufficiency_by_bin=(0.1, 0.0),
        steps=(0, 1, 2),
        deletion_curve=(0.8, 0.5, 0.2),
        insertion_curve=(0.2, 0.6, 0.8),
    )
    return Explanation(
        method="ig",
        kind="text",
        features=("i", "feel", "hopeless"),
        attributions=[0.1, -0.2, 0.6],
        target=1,
        target_name="urgent",
        score=score,
        params={"n_steps": 50, "unit": "word"},
        convergence_delta=0.001,
        baseline_score=0.3,
        notes=("a note",),
        faithfulness=faithfulness if faithful else None,
    )


def key(text="I feel hopeless", **changes):
    fields = {
        "fingerprint": "f" * 64,
        "item": text,
        "method": "ig",
        "params": {"unit": "word", "n_steps": 50},
        "target": None,
        "versions": VERSIONS,
    }
    return StoreKey.of(**{**fields, **changes})


@pytest.mark.parametrize("faithful", [False, True])
def test_an_explanation_comes_back_equal(tmp_path, faithful):
    store = ExplanationStore(tmp_path)
    stored = explanation(faithful=faithful)
    store.put_many([(key(), StoredEntry(stored))])
    found = ExplanationStore(tmp_path).get(key()).explanation
    assert found.to_dict() == stored.to_dict()
    assert np.array_equal(found.attributions, stored.attributions)


def test_every_part_of_the_key_tells_entries_apart():
    variants = [
        key(),
        key(text="I feel hopeless!"),
        key(fingerprint="e" * 64),
        key(method="lime"),
        key(params={"unit": "word", "n_steps": 51}),
        key(target=1),
        key(versions={**VERSIONS, "captum": "3.1"}),
    ]
    assert len({variant.digest for variant in variants}) == len(variants)


def test_parameters_and_rows_are_canonical_json():
    assert key(params={"n_steps": 50, "unit": "word"}) == key()
    assert input_hash({"b": 1, "a": 2}) == input_hash({"a": 2, "b": 1})
    assert key().target == "predicted" and json.loads(key().versions) == VERSIONS


def test_an_error_is_stored_and_a_later_result_replaces_it(tmp_path):
    store = ExplanationStore(tmp_path)
    store.put_many([(key(), StoredEntry(None, error="ModelRaisedError: boom"))])
    assert store.get(key()) == StoredEntry(None, error="ModelRaisedError: boom")
    store.put_many([(key(), StoredEntry(explanation()))])
    assert store.get(key()).error is None and len(store) == 1


def test_many_keys_are_looked_up_at_once(tmp_path):
    store = ExplanationStore(tmp_path)
    keys = [key(text=f"message {i}") for i in range(1200)]
    store.put_many([(k, StoredEntry(explanation(score=i / 1200))) for i, k in enumerate(keys)])
    found = store.get_many([*keys[::2], key(text="never stored")])
    assert len(found) == 600 and found[keys[4].digest].explanation.score == 4 / 1200


def test_the_file_is_private_and_in_wal_mode(tmp_path):
    folder = tmp_path / "new" / "store"
    store = ExplanationStore(folder)
    store.put_many([(key(), StoredEntry(explanation()))])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / STORE_FILE_NAME).stat().st_mode) == 0o600
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_the_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "from_env"))
    assert default_store_folder() == tmp_path / "from_env"
    assert ExplanationStore().path == tmp_path / "from_env" / STORE_FILE_NAME


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError) as raised:
        ExplanationStore(tmp_path / "file" / "store")
    assert str(raised.value) == MSG_NO_FOLDER.format(
        folder=tmp_path / "file" / "store", reason="Not a directory"
    )


def test_a_file_that_is_no_database_is_named(tmp_path):
    (tmp_path / STORE_FILE_NAME).write_text("not a database " * 100)
    with pytest.raises(StoreError) as raised:
        ExplanationStore(tmp_path)
    assert str(raised.value) == MSG_NOT_A_STORE.format(
        path=tmp_path / STORE_FILE_NAME,
        detail="file is not a database",
        env=STORE_ENV,
    )


def test_a_writer_killed_mid_chunk_leaves_the_earlier_chunks_whole(tmp_path):
    """The child writes one chunk, then dies by SIGKILL inside the second chunk's transaction."""
    store = ExplanationStore(tmp_path)
    script = textwrap.dedent(
        f"""
        import os, signal
        from sqlalchemy import event
        from tests.store.test_store import explanation, key
        from workbench.store import ExplanationStore, StoredEntry

        store = ExplanationStore({str(tmp_path)!r})
        store.put_many([(key(text=f"first {{i}}"), StoredEntry(explanation())) for i in range(5)])

        def die(*_args):
            os.kill(os.getpid(), signal.SIGKILL)

        event.listen(store.engine, "after_execute", die)
        store.put_many([(key(text=f"second {{i}}"), StoredEntry(explanation())) for i in range(5)])
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    child = subprocess.run([sys.executable, "-c", script], cwd=root, check=False)
    assert child.returncode == -signal.SIGKILL
    first = store.get_many(key(text=f"first {i}") for i in range(5))
    second = store.get_many(key(text=f"second {i}") for i in range(5))
    assert len(first) == 5 and second == {} and len(store) == 5
