"""Atomic writes: a failure while rendering or writing leaves an earlier report as it was and no
temporary file behind; unwritable places get a message naming the folder.

Read-only folders are made real even as root: the write runs in a forked child that has dropped
to the unprivileged ``nobody`` user (uid 65534), so the kernel enforces the folder's mode bits.
A path running through a regular file fails for every user, root included.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from workbench._files import NEW_FILE_MODE
from workbench.report import (
    MSG_CANNOT_WRITE,
    MSG_IS_A_FOLDER,
    MSG_NOT_A_FOLDER,
    ReportError,
    _write,
    write_html,
    write_json,
)

NOBODY = 65534
CONTEXT = multiprocessing.get_context("fork")
EARLIER = "<!DOCTYPE html><p>an earlier report</p>\n"


def _earlier_report(folder: Path) -> Path:
    path = folder / "report.html"
    path.write_text(EARLIER, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_writes_html_and_json_and_returns_the_paths(relapse, tmp_path):
    html = write_html(relapse.content, tmp_path / "new" / "report.html")
    data = write_json(relapse.content, tmp_path / "new" / "report.json")
    assert html.read_text(encoding="utf-8") == relapse.html
    assert data.read_text(encoding="utf-8").startswith("{")
    assert sorted(p.name for p in html.parent.iterdir()) == ["report.html", "report.json"]
    assert html.stat().st_mode & 0o777 == NEW_FILE_MODE


def test_failure_while_rendering_leaves_the_earlier_report(relapse, tmp_path, monkeypatch):
    path = _earlier_report(tmp_path)

    def broken(content):
        raise RuntimeError("template blew up")

    monkeypatch.setattr(_write, "render_html", broken)
    with pytest.raises(RuntimeError, match="template blew up"):
        write_html(relapse.content, path)
    assert path.read_text(encoding="utf-8") == EARLIER
    assert list(tmp_path.iterdir()) == [path]


def test_failure_while_writing_leaves_the_earlier_report_and_no_temporary(
    relapse, tmp_path, monkeypatch
):
    path = _earlier_report(tmp_path)

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_write.os, "replace", full_disk)
    with pytest.raises(ReportError) as info:
        write_html(relapse.content, path)
    assert str(info.value) == MSG_CANNOT_WRITE.format(
        name="report.html", folder=tmp_path, reason="No space left on device"
    )
    assert path.read_text(encoding="utf-8") == EARLIER
    assert list(tmp_path.iterdir()) == [path]


def test_interrupted_write_removes_the_temporary(relapse, tmp_path, monkeypatch):
    path = _earlier_report(tmp_path)

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(_write.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_json(relapse.content, path)
    assert list(tmp_path.iterdir()) == [path]


def test_report_files_and_new_folders_are_owner_only_under_the_usual_umask(
    relapse, tmp_path, usual_umask
):
    html = write_html(relapse.content, tmp_path / "reports" / "report.html")
    data = write_json(relapse.content, tmp_path / "reports" / "report.json")
    assert html.stat().st_mode & 0o777 == data.stat().st_mode & 0o777 == NEW_FILE_MODE
    assert html.parent.stat().st_mode & 0o777 == 0o700


def test_replacing_keeps_the_earlier_files_permissions(relapse, tmp_path):
    path = _earlier_report(tmp_path)
    write_html(relapse.content, path)
    assert path.read_text(encoding="utf-8") == relapse.html
    assert path.stat().st_mode & 0o777 == 0o640


def test_path_through_a_regular_file_names_the_folder(relapse, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    path = blocker / "reports" / "report.html"
    with pytest.raises(ReportError) as info:
        write_html(relapse.content, path)
    reason = MSG_NOT_A_FOLDER.format(blocker=blocker)
    assert str(info.value) == MSG_CANNOT_WRITE.format(
        name="report.html", folder=path.parent, reason=reason
    )
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_folder_as_target_is_refused(relapse, tmp_path):
    with pytest.raises(ReportError) as info:
        write_html(relapse.content, tmp_path)
    assert str(info.value) == MSG_IS_A_FOLDER.format(path=tmp_path)


def _write_as_nobody(content, path, connection):
    try:
        if os.geteuid() == 0:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        write_html(content, path)
        connection.send("written")
    except ReportError as err:
        connection.send(str(err))


@pytest.fixture
def read_only_folder():
    """A folder others may enter but nobody but root may write (tmp folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-report-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def test_read_only_folder_is_named_and_the_earlier_report_kept(relapse, read_only_folder):
    path = _earlier_report(read_only_folder)
    read_only_folder.chmod(0o555)
    receiver, sender = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(target=_write_as_nobody, args=(relapse.content, path, sender))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert receiver.recv() == MSG_CANNOT_WRITE.format(
        name="report.html", folder=read_only_folder, reason="Permission denied"
    )
    assert path.read_text(encoding="utf-8") == EARLIER
    assert list(read_only_folder.iterdir()) == [path]
