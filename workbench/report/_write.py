"""Write a report atomically: render it whole, write a temporary file beside the target, then
rename it over the target. A failure at any point leaves an earlier report as it was and no
temporary file behind."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from workbench._errors import ReportError
from workbench.report._content import ReportContent
from workbench.report._html import render_html

MSG_CANNOT_WRITE = (
    "cannot write the report {name} in folder {folder}: {reason}; choose a writable folder"
)
MSG_NOT_A_FOLDER = "{blocker} is a file, not a folder"
MSG_IS_A_FOLDER = "cannot write the report to {path}: it is a folder; give a file name"
NEW_FILE_MODE = 0o644


def write_html(content: ReportContent, path: str | Path) -> Path:
    """Write the report as one self-contained HTML file; returns the path written."""
    return write_atomically(path, render_html(content))


def write_json(content: ReportContent, path: str | Path) -> Path:
    """Write the report's numbers as JSON (NaN as null); returns the path written."""
    return write_atomically(path, json.dumps(content.to_dict(), indent=1, allow_nan=False) + "\n")


def write_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Missing folders are created. A file already at ``path`` keeps its permissions; a new one
    gets ``rw-r--r--``.
    """
    path, handle, temporary = _temporary(path)
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as err:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ReportError(_cannot_write(path, err)) from None
        raise
    return path


def check_writable(path: str | Path) -> None:
    """Raise :class:`ReportError` if no report could be written to ``path``: checked by making
    (and removing) a temporary file beside it, before the work of making the report."""
    _, handle, temporary = _temporary(path)
    os.close(handle)
    Path(temporary).unlink()


def _temporary(path: str | Path) -> tuple[Path, int, str]:
    """The absolute target, and an open temporary file beside it (folders made as needed)."""
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        raise ReportError(MSG_IS_A_FOLDER.format(path=path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as err:
        raise ReportError(_cannot_write(path, err)) from None
    return path, handle, temporary


def _cannot_write(path: Path, err: OSError) -> str:
    blocker = next((p for p in path.parents if p.is_file()), None)
    reason = (
        MSG_NOT_A_FOLDER.format(blocker=blocker)
        if blocker is not None
        else err.strerror or str(err)
    )
    return MSG_CANNOT_WRITE.format(name=path.name, folder=path.parent, reason=reason)
