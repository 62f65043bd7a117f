"""The one atomic writer: whole files or none, new files private to their owner, NaN refused."""

import json
import os

import pytest

from workbench import _files
from workbench._errors import OutputError
from workbench._files import (
    MSG_NOT_A_FOLDER,
    MSG_NOT_FINITE,
    NEW_FILE_MODE,
    cannot_write_reason,
    json_text,
    write_json_atomically,
    write_text_atomically,
)

EARLIER = '{"earlier": true}\n'


@pytest.fixture
def earlier(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(EARLIER, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_new_file_is_readable_by_its_owner_only(tmp_path):
    path = write_json_atomically(tmp_path / "result.json", {"score": 0.5})
    assert json.loads(path.read_text(encoding="utf-8")) == {"score": 0.5}
    assert NEW_FILE_MODE == 0o600
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [path]


def test_replaced_file_keeps_its_permissions(earlier):
    write_text_atomically(earlier, "new\n")
    assert earlier.read_text(encoding="utf-8") == "new\n"
    assert earlier.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failure_while_writing_leaves_the_earlier_file_and_no_temporary(
    earlier, monkeypatch, failure
):
    def broken(descriptor):
        raise failure

    monkeypatch.setattr(_files.os, "fsync", broken)
    with pytest.raises(type(failure)):
        write_json_atomically(earlier, {"score": 0.9})
    assert earlier.read_text(encoding="utf-8") == EARLIER
    assert list(earlier.parent.iterdir()) == [earlier]


@pytest.mark.parametrize(
    ("payload", "place", "value"),
    [
        ({"faithfulness": {"infidelity": float("nan")}}, "['faithfulness']['infidelity']", "nan"),
        ({"curve": [0.1, float("inf")]}, "['curve'][1]", "inf"),
        (float("-inf"), "the top", "-inf"),
    ],
    ids=["nan in a dict", "infinity in a list", "bare number"],
)
def test_nan_is_refused_with_where_it_is_and_nothing_written(earlier, payload, place, value):
    with pytest.raises(OutputError) as info:
        write_json_atomically(earlier, payload)
    assert str(info.value) == MSG_NOT_FINITE.format(place=place, value=value)
    assert earlier.read_text(encoding="utf-8") == EARLIER
    assert list(earlier.parent.iterdir()) == [earlier]


def test_json_text_is_indented_and_ends_in_a_newline():
    assert json_text({"a": [1, None]}) == '{\n "a": [\n  1,\n  null\n ]\n}\n'


def test_missing_folders_are_made_only_when_asked(tmp_path):
    path = tmp_path / "new" / "result.json"
    with pytest.raises(FileNotFoundError):
        write_text_atomically(path, "x")
    assert write_text_atomically(path, "x", make_folders=True).read_text(encoding="utf-8") == "x"


def test_reason_names_a_file_standing_where_a_folder_should_be(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OSError) as info:
        write_text_atomically(blocker / "result.json", "x", make_folders=True)
    assert cannot_write_reason(blocker / "result.json", info.value) == MSG_NOT_A_FOLDER.format(
        blocker=blocker
    )


def test_folder_as_target_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_text_atomically(tmp_path, "x")
    assert os.listdir(tmp_path) == []
