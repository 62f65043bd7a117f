"""Evaluation data named by a spec: read, checked, and refused with clear reasons."""

import pandas as pd
import pytest

from workbench import DataError, file_sha256, load_dataset

KEYS = {"name": "demo", "kind": "text", "framework": "callable", "entry": "builtins:len",
        "classes": ["routine", "urgent"], "positive_class": "urgent", "label_column": "label",
        "text_column": "text", "protected_attributes": ["gender"]}


def spec_with_data(spec_writer, content, name="data.csv", **extra):
    path = spec_writer(**KEYS, **extra)
    (path.parent / name).write_text(content)
    text = path.read_text() + f"data: {name}\n"
    path.write_text(text)
    return path


def test_loads_the_evaluation_data(spec_writer):
    path = spec_with_data(spec_writer, "text,label,gender\nhi,routine,f\nbye,urgent,m\n")
    frame = load_dataset(path)
    assert list(frame.columns) == ["text", "label", "gender"]
    assert len(frame) == 2
    assert len(file_sha256(path.parent / "data.csv")) == 64


def test_missing_protected_column_is_named(spec_writer):
    path = spec_with_data(spec_writer, "text,label\nhi,routine\n")
    with pytest.raises(DataError, match=r"lacks the column\(s\) \['gender'\] that the spec names "
                                        r"as protected_attributes; it has \['text', 'label'\]"):
        load_dataset(path)


def test_unknown_labels_are_named(spec_writer):
    path = spec_with_data(spec_writer, "text,label,gender\nhi,crisis,f\n")
    with pytest.raises(DataError, match=r"has values \['crisis'\] that are not among"):
        load_dataset(path)


def test_other_data_file_and_bad_files(spec_writer, tmp_path):
    path = spec_with_data(spec_writer, "text,label,gender\nhi,routine,f\n")
    other = tmp_path / "other.csv"
    other.write_text("text,label,gender\na,urgent,m\nb,urgent,f\nc,routine,m\n")
    assert len(load_dataset(path, data=other)) == 3
    with pytest.raises(DataError, match="data file not found"):
        load_dataset(path, data=tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="cannot read data file"):
        load_dataset(path, data=empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,label,gender\n")
    with pytest.raises(DataError, match="has no rows"):
        load_dataset(path, data=header_only)
    excel = tmp_path / "data.xlsx"
    excel.write_text("x")
    with pytest.raises(DataError, match=r"must be .csv or .parquet"):
        load_dataset(path, data=excel)


def test_spec_without_data(spec_writer):
    keys = {k: v for k, v in KEYS.items() if k not in ("label_column", "text_column")}
    with pytest.raises(DataError, match="names no evaluation data"):
        load_dataset(spec_writer(**keys))


def test_parquet_round_trip(spec_writer, tmp_path):
    pytest.importorskip("pyarrow")
    path = spec_with_data(spec_writer, "text,label,gender\nhi,routine,f\n")
    target = tmp_path / "data.parquet"
    pd.DataFrame({"text": ["x"], "label": ["urgent"], "gender": ["m"]}).to_parquet(target)
    assert load_dataset(path, data=target)["label"].tolist() == ["urgent"]
