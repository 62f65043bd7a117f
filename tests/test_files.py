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
    NEW_FOLDER_MODE,
    cannot_write_reason,
    create_private_file,
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


def test_new_folders_and_file_are_owner_only_under_the_usual_umask(tmp_path, usual_umask):
    tmp_path.chmod(0o755)
    target = tmp_path / "out" / "nested" / "result.json"
    path = write_text_atomically(target, "{}", make_folders=True)
    assert path.stat().st_mode & 0o777 == NEW_FILE_MODE == 0o600
    assert (tmp_path / "out").stat().st_mode & 0o777 == NEW_FOLDER_MODE == 0o700
    assert (tmp_path / "out" / "nested").stat().st_mode & 0o777 == 0o700
    assert tmp_path.stat().st_mode & 0o777 == 0o755


def test_private_file_is_created_owner_only_and_an_existing_one_left_alone(tmp_path, usual_umask):
    new = create_private_file(tmp_path / "reviews.sqlite3")
    assert new.stat().st_mode & 0o777 == 0o600 and new.read_bytes() == b""
    existing = tmp_path / "kept.sqlite3"
    existing.write_bytes(b"rows")
    existing.chmod(0o640)
    create_private_file(existing)
    assert existing.read_bytes() == b"rows" and existing.stat().st_mode & 0o777 == 0o640


def test_saved_tokenizer_and_encoder_are_owner_only(
    tmp_path, usual_umask, tiny_tokenizer, tiny_encoder
):
    tiny_tokenizer.save(tmp_path / "tokenizer.json")
    tiny_encoder.save(tmp_path / "preprocessing.json")
    for name in ("tokenizer.json", "preprocessing.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
