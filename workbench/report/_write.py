"""Write a report atomically (through :mod:`workbench._files`): render it whole, write a temporary
file beside the target, then rename it over the target. A failure at any point leaves an earlier
report as it was and no temporary file behind."""

from __future__ import annotations

import os
from pathlib import Path

from workbench._errors import ReportError
from workbench._files import cannot_write_reason, json_text, open_temporary, write_text_atomically
from workbench.report._content import ReportContent
from workbench.report._html import render_html

MSG_CANNOT_WRITE = (
    "cannot write the report {name} in folder {folder}: {reason}; choose a writable folder"
)
MSG_IS_A_FOLDER = "cannot write the report to {path}: it is a folder; give a file name"


def write_html(content: ReportContent, path: str | Path) -> Path:
    """Write the report as one self-contained HTML file; returns the path written."""
    return _write(path, render_html(content))


def write_json(content: ReportContent, path: str | Path) -> Path:
    """Write the report's numbers as JSON (NaN as null); returns the path written."""
    return _write(path, json_text(content.to_dict()))


def check_writable(path: str | Path) -> None:
    """Raise :class:`ReportError` if no report could be written to ``path``: checked by making
    (and removing) a temporary file beside it, before the work of making the report."""
    try:
        _, handle, temporary = open_temporary(path, make_folders=True)
    except OSError as err:
        raise ReportError(_cannot_write(path, err)) from None
    os.close(handle)
    Path(temporary).unlink()


def _write(path: str | Path, text: str) -> Path:
    """Write ``text`` atomically, missing folders made; a new file is readable by its owner
    only, a replaced one keeps its permissions."""
    try:
        return write_text_atomically(path, text, make_folders=True)
    except OSError as err:
        raise ReportError(_cannot_write(path, err)) from None


def _cannot_write(path: str | Path, err: OSError) -> str:
    path = Path(path).expanduser().absolute()
    if isinstance(err, IsADirectoryError) and path.is_dir():
        return MSG_IS_A_FOLDER.format(path=path)
    return MSG_CANNOT_WRITE.format(
        name=path.name, folder=path.parent, reason=cannot_write_reason(path, err)
    )
