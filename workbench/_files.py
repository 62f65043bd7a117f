"""Atomic file writes for every writer of the workbench: the text is made whole first, written to
a temporary file beside the target, flushed to disk, then renamed over the target. A failure at
any point leaves an earlier file as it was and no temporary file behind."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from workbench._errors import OutputError

NEW_FILE_MODE = 0o600
NEW_FOLDER_MODE = 0o700
MSG_NOT_FINITE = (
    "cannot write JSON: the number at {place} is {value}, and JSON has no NaN or infinity; give "
    "a missing number as None"
)
MSG_NOT_A_FOLDER = "{blocker} is a file, not a folder"


def json_text(payload: Any) -> str:
    """``payload`` as indented JSON ending in a newline; NaN and infinity are refused."""
    try:
        return json.dumps(payload, indent=1, allow_nan=False) + "\n"
    except ValueError:
        found = _first_not_finite(payload, ())
        if found is None:
            raise
        keys, value = found
        place = "".join(f"[{key!r}]" for key in keys) or "the top"
        raise OutputError(MSG_NOT_FINITE.format(place=place, value=value)) from None


def write_json_atomically(path: str | Path, payload: Any, *, make_folders: bool = False) -> Path:
    """Write ``payload`` as JSON (see :func:`json_text`) atomically; returns the path written."""
    return write_text_atomically(path, json_text(payload), make_folders=make_folders)


def write_text_atomically(path: str | Path, text: str, *, make_folders: bool = False) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Missing folders are made if ``make_folders``. A file already at ``path`` keeps its
    permissions; a new one is readable by its owner only (outputs may hold patient data).
    Raises :class:`OSError` (and :class:`IsADirectoryError` for a folder) when it cannot write.
    """
    path, handle, temporary = open_temporary(path, make_folders=make_folders)
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def open_temporary(path: str | Path, *, make_folders: bool) -> tuple[Path, int, str]:
    """The absolute target, and an open temporary file beside it, made readable by its owner
    only; raises :class:`OSError` when none can be made there."""
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    if make_folders:
        make_private_folders(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    return path, handle, temporary


def make_private_folders(folder: str | Path) -> Path:
    """Make ``folder`` and its missing parents, each new one open to its owner only whatever the
    umask; folders already there keep their permissions. Raises :class:`OSError` as mkdir."""
    folder = Path(folder).expanduser().absolute()
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir(mode=NEW_FOLDER_MODE, exist_ok=True)
        os.chmod(parent, NEW_FOLDER_MODE)
    if not folder.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(folder))
    return folder


def create_private_file(path: str | Path) -> Path:
    """Create ``path`` empty and readable by its owner only, unless it exists (then unchanged),
    so that a writer that opens it later (SQLite) keeps those permissions."""
    path = Path(path)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    except FileExistsError:
        return path
    os.fchmod(handle, NEW_FILE_MODE)
    os.close(handle)
    return path


def cannot_write_reason(path: str | Path, err: OSError) -> str:
    """Why ``path`` cannot be written, in words: a file in the way of its folders, or the
    system's reason."""
    blocker = next((p for p in Path(path).absolute().parents if p.is_file()), None)
    if blocker is not None:
        return MSG_NOT_A_FOLDER.format(blocker=blocker)
    return err.strerror or str(err)


def _first_not_finite(value: Any, keys: tuple[Any, ...]) -> tuple[tuple[Any, ...], float] | None:
    """The keys leading to the first NaN or infinity in ``value``, and that number."""
    if isinstance(value, float) and not math.isfinite(value):
        return keys, value
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _first_not_finite(item, (*keys, key))
        if found is not None:
            return found
    return None
