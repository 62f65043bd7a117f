"""Bad places for the database: corrupt files are named and left alone, unwritable places said.

Read-only folders are made real even as root: the store is opened in a forked child that has
dropped to the unprivileged ``nobody`` user (uid 65534), so the kernel enforces the folder's
mode bits. A path running through a regular file fails for every user, root included.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from workbench import ReviewError
from workbench.review import (
    DATABASE_FILE_NAME,
    MSG_BAD_URL,
    MSG_CORRUPT,
    MSG_FILE_IN_WAY,
    MSG_IN_MEMORY,
    MSG_NO_FOLDER,
    MSG_READ_ONLY,
    ReviewStore,
)

from .conftest import make_review

NOBODY = 65534
CONTEXT = multiprocessing.get_context("fork")


def _open_and_record(path, connection):
    """Open a store at ``path`` and record one review; send back what happened."""
    try:
        if os.geteuid() == 0:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        with ReviewStore(path) as store:
            store.record(make_review())
        connection.send("recorded")
    except ReviewError as err:
        connection.send(str(err))


def as_unprivileged(path: Path) -> str:
    """What opening and writing a store at ``path`` does for a user without root's powers."""
    receiver, sender = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(target=_open_and_record, args=(path, sender))
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0
    return receiver.recv()


@pytest.fixture
def shared_folder():
    """A folder others may enter (pytest's tmp folders are private to their owner)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-review-"))
    folder.chmod(0o755)
    yield folder
    for inner in folder.rglob("*"):
        if inner.is_dir():
            inner.chmod(0o755)
    shutil.rmtree(folder)


def test_text_file_in_place_of_the_database_is_named_and_untouched(tmp_path):
    path = tmp_path / DATABASE_FILE_NAME
    notes = b"meeting notes, not a database\n" * 200
    path.write_bytes(notes)
    with pytest.raises(ReviewError) as info:
        ReviewStore(path)
    assert str(info.value) == MSG_CORRUPT.format(path=path, detail="file is not a database")
    assert "move it aside" in str(info.value)
    assert path.read_bytes() == notes
    assert sorted(tmp_path.iterdir()) == [path]


def test_damaged_pages_are_named_and_the_file_untouched(tmp_path):
    path = tmp_path / DATABASE_FILE_NAME
    with ReviewStore(path) as store:
        store.record(make_review())
    damaged = bytearray(path.read_bytes())
    damaged[100:] = b"\xab" * (len(damaged) - 100)
    path.write_bytes(bytes(damaged))
    with pytest.raises(ReviewError) as info:
        ReviewStore(path)
    detail = "database disk image is malformed"
    assert str(info.value) == MSG_CORRUPT.format(path=path, detail=detail)
    assert path.read_bytes() == bytes(damaged)


def test_path_through_a_regular_file_is_refused(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    folder = blocker / "reviews"
    with pytest.raises(ReviewError) as info:
        ReviewStore(folder / DATABASE_FILE_NAME)
    reason = MSG_FILE_IN_WAY.format(file=blocker)
    assert str(info.value) == MSG_NO_FOLDER.format(folder=folder, reason=reason)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_read_only_folder_cannot_hold_a_new_database(shared_folder):
    folder = shared_folder / "read-only"
    folder.mkdir(mode=0o555)
    folder.chmod(0o555)
    path = folder / DATABASE_FILE_NAME
    message = as_unprivileged(path)
    assert message == MSG_READ_ONLY.format(path=path, detail="Permission denied")
    assert not path.exists()


def test_read_only_database_file_is_refused_on_write(shared_folder):
    path = shared_folder / DATABASE_FILE_NAME
    with ReviewStore(path) as store:
        store.record(make_review())
    path.chmod(0o444)
    shared_folder.chmod(0o777)
    message = as_unprivileged(path)
    assert message == MSG_READ_ONLY.format(path=path, detail="attempt to write a readonly database")
    with ReviewStore(path) as store:
        assert len(store.history()) == 1


def test_folder_that_cannot_be_created_is_named(shared_folder):
    parent = shared_folder / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    folder = parent / "board"
    message = as_unprivileged(folder / DATABASE_FILE_NAME)
    assert message == MSG_NO_FOLDER.format(folder=folder, reason="Permission denied")


def test_in_memory_sqlite_is_refused():
    with pytest.raises(ReviewError) as info:
        ReviewStore("sqlite://")
    assert str(info.value) == MSG_BAD_URL.format(url="sqlite://", detail=MSG_IN_MEMORY)
