"""Evaluation data named by a model spec, read into a pandas DataFrame and checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from workbench._errors import DataError
from workbench.spec import ModelSpec, load_spec

MSG_NO_DATA = (
    "model spec {path} names no evaluation data; add 'data' (a CSV or Parquet file) to the spec "
    "or pass a data file"
)
MSG_UNMAPPED_LABELS = (
    "data file {file}: label column {column!r} has values {values} that the spec's label_map "
    "does not name (it maps {mapped}); add them to label_map"
)
MSG_MISSING_COLUMNS = (
    "data file {file} lacks the column(s) {missing} that the spec {role}; it has {present}"
)


def load_dataset(spec: str | Path | ModelSpec, *, data: str | Path | None = None) -> pd.DataFrame:
    """The spec's evaluation data (or ``data``, a CSV or Parquet file with the same columns),
    its labels turned into class names by the spec's ``label_map``."""
    spec = load_spec(spec)
    file = Path(data) if data is not None else spec.data
    if file is None:
        raise DataError(MSG_NO_DATA.format(path=spec.path))
    frame = read_table(file)
    if spec.label_map and spec.label_column in frame.columns:
        frame = map_labels(frame, spec, file=file)
    check_columns(frame, spec, file=file)
    return frame


def map_labels(frame: pd.DataFrame, spec: ModelSpec, *, file: Path | str) -> pd.DataFrame:
    """``frame`` with its label column's values replaced by the class names ``label_map`` gives."""
    labels = frame[spec.label_column]
    as_text = labels.map(_label_text, na_action="ignore")
    unmapped = sorted(set(as_text.dropna()) - set(spec.label_map))
    if unmapped:
        raise DataError(
            MSG_UNMAPPED_LABELS.format(
                file=file,
                column=spec.label_column,
                values=unmapped[:5],
                mapped=sorted(spec.label_map),
            )
        )
    return frame.assign(**{spec.label_column: as_text.map(spec.label_map)})


def _label_text(value: object) -> str:
    """A label as text, a whole float (1.0, as pandas reads an integer column with gaps) as 1."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(file: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, with errors that name the file and the problem."""
    file = Path(file)
    if not file.is_file():
        raise DataError(f"data file not found: {file}")
    suffix = file.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(file)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(file)
        else:
            raise DataError(
                f"data file {file} must be .csv or .parquet; got {suffix or 'no suffix'}"
            )
    except ImportError as err:
        raise DataError(f"reading {file} needs an extra package: {err}") from None
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
        OSError,
        ValueError,
    ) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"cannot read data file {file}: {err}") from None
    if frame.empty:
        raise DataError(f"data file {file} has no rows")
    return frame


def check_columns(frame: pd.DataFrame, spec: ModelSpec, *, file: Path | str = "data") -> None:
    """Raise a :class:`DataError` naming any column the spec needs that ``frame`` lacks."""
    roles = [
        ("names as label_column", [spec.label_column] if spec.label_column else []),
        (
            "names as text_column",
            [spec.text_column] if spec.kind != "tabular" and spec.text_column else [],
        ),
        ("names in needs", list(spec.needs.values())),
        ("names as feature_columns", list(spec.feature_columns) if spec.kind == "tabular" else []),
        ("names as protected_attributes", list(spec.protected_attributes)),
    ]
    for role, columns in roles:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DataError(
                MSG_MISSING_COLUMNS.format(
                    file=file, missing=missing, role=role, present=list(frame.columns)
                )
            )
    if spec.label_column:
        labels = set(frame[spec.label_column].dropna().astype(str))
        unknown = sorted(labels - set(spec.classes))
        if unknown:
            raise DataError(
                f"data file {file}: label column {spec.label_column!r} has values {unknown[:5]} "
                f"that are not among the spec's classes {list(spec.classes)}"
            )


def file_sha256(file: str | Path) -> str:
    """SHA-256 of a file's bytes (used to tie reviews and reports to a dataset)."""
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
