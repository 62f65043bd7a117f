"""Audits of stored predictions in Parquet, counted with dask.dataframe, equal the in-memory
audit of the same rows; bad folders, columns and scores get clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from workbench._errors import AuditError
from workbench.audit import AuditOptions, GroupThresholds, audit, audit_stored_predictions
from workbench.audit._audit import MSG_COUNTS_NO_CALIBRATION
from workbench.audit._inputs import MSG_LABELS_DROPPED
from workbench.audit._stored import (
    MSG_GROUP_THRESHOLDS,
    MSG_MISSING_COLUMNS,
    MSG_STORED_BAD_SCORES,
)
from workbench.cli import main

PROTECTED = ["gender", "ethnicity", "age_band"]


def stored(model, data: pd.DataFrame) -> pd.DataFrame:
    """The rows as stored predictions: protected columns, label and score_<class>."""
    probabilities = model.predict_proba(data["text"].tolist())
    frame = data[[*PROTECTED, "label"]].reset_index(drop=True)
    for j, name in enumerate(model.class_names):
        frame[f"score_{name}"] = probabilities[:, j]
    return frame


def same_breaches(first, second) -> None:
    """The breaches are equal, field by field (NaN intervals equal too)."""
    assert first and len(first) == len(second)
    frames = [pd.DataFrame([dataclasses.asdict(b) for b in found]) for found in (first, second)]
    pd.testing.assert_frame_equal(*frames)


def write_parts(frame: pd.DataFrame, folder, parts: int = 3):
    folder.mkdir()
    for number, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[rows].to_parquet(folder / f"part-{number}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def crisis(sample):
    model, data = sample("crisis_text")
    return model, data, stored(model, data)


@pytest.mark.parametrize(
    "options",
    [
        AuditOptions(bootstrap=50, seed=3, calibration=False),
        AuditOptions(bootstrap=0, threshold=0.3, privileged="best_off", calibration=False),
        AuditOptions(bootstrap=20, privileged={"gender": "male", "ethnicity": "white",
                                               "age_band": "18-25"}, calibration=False),
    ],
)
def test_parquet_audit_equals_the_in_memory_audit(crisis, tmp_path, options):
    model, data, frame = crisis
    folder = write_parts(frame, tmp_path / "predictions")
    kwargs = {"label": "label", "protected": PROTECTED, "options": options}
    in_memory = audit(model, data, text_column="text", **kwargs)
    counted = audit_stored_predictions(
        folder, classes=model.class_names, positive_class=model.positive_class,
        model_name=model.name, **kwargs
    )
    assert counted.rows == in_memory.rows == len(data)
    for table in ("overall", "by_group", "differences", "by_attribute"):
        pd.testing.assert_frame_equal(getattr(counted, table), getattr(in_memory, table))
    same_breaches(counted.breaches, in_memory.breaches)
    assert counted.warnings == in_memory.warnings


def test_a_glob_reads_the_same_files_and_calibration_is_noted(crisis, tmp_path):
    model, data, frame = crisis
    folder = write_parts(frame, tmp_path / "predictions")
    options = AuditOptions(bootstrap=0)
    kwargs = {"label": "label", "protected": PROTECTED, "options": options}
    counted = audit_stored_predictions(
        str(folder / "part-*.parquet"), classes=model.class_names, **kwargs
    )
    in_memory = audit(model, data, text_column="text", **kwargs)
    assert MSG_COUNTS_NO_CALIBRATION in counted.warnings
    rates = ["size", "selection_rate", "tpr", "fpr", "precision"]
    pd.testing.assert_frame_equal(counted.by_group[rates], in_memory.by_group[rates])
    assert counted.by_group["ece"].isna().all()


def test_multiclass_and_missing_labels_match(sample, tmp_path):
    model, data = sample("emotion_text")
    data = data.copy()
    data.loc[data.index[:7], "label"] = None
    frame = stored(model, data)
    folder = write_parts(frame, tmp_path / "emotion")
    options = AuditOptions(bootstrap=10, calibration=False)
    kwargs = {"label": "label", "protected": PROTECTED, "options": options}
    in_memory = audit(model, data, text_column="text", **kwargs)
    counted = audit_stored_predictions(folder, classes=model.class_names, **kwargs)
    assert MSG_LABELS_DROPPED.format(count=7) in counted.warnings
    assert counted.multiclass and counted.rows == len(data) - 7
    pd.testing.assert_frame_equal(counted.by_group, in_memory.by_group)
    pd.testing.assert_frame_equal(counted.differences, in_memory.differences)
    same_breaches(counted.breaches, in_memory.breaches)


def test_missing_columns_are_named(crisis, tmp_path):
    model, _, frame = crisis
    folder = write_parts(frame.drop(columns=["score_urgent"]), tmp_path / "p", parts=1)
    with pytest.raises(AuditError) as caught:
        audit_stored_predictions(
            folder, classes=model.class_names, label="label", protected=PROTECTED
        )
    expected = MSG_MISSING_COLUMNS.format(
        missing=["score_urgent"],
        label="label",
        protected=PROTECTED,
        scores="score_routine, score_urgent",
        columns=[*PROTECTED, "label", "score_routine"],
    )
    assert str(caught.value) == expected


def test_scores_outside_zero_to_one_are_refused(crisis, tmp_path):
    model, _, frame = crisis
    frame = frame.copy()
    frame.loc[:2, "score_urgent"] = 3.0
    folder = write_parts(frame, tmp_path / "p", parts=2)
    with pytest.raises(AuditError) as caught:
        audit_stored_predictions(
            folder, classes=model.class_names, label="label", protected=PROTECTED
        )
    columns = ["score_routine", "score_urgent"]
    assert str(caught.value) == MSG_STORED_BAD_SCORES.format(count=3, columns=columns)


def test_group_thresholds_need_the_rows(crisis, tmp_path):
    model, _, frame = crisis
    options = AuditOptions(threshold=GroupThresholds("gender", {"female": 0.4}))
    with pytest.raises(AuditError) as caught:
        audit_stored_predictions(
            tmp_path, classes=model.class_names, label="label", protected=PROTECTED,
            options=options,
        )
    assert str(caught.value) == MSG_GROUP_THRESHOLDS


def test_an_empty_folder_is_a_clear_error(crisis, tmp_path):
    model, _, _ = crisis
    with pytest.raises(AuditError, match="cannot read stored predictions from"):
        audit_stored_predictions(
            tmp_path, classes=model.class_names, label="label", protected=PROTECTED
        )


def test_cli_audits_stored_predictions(crisis, tmp_path, capsys):
    import json

    from workbench.spec import sample_model_specs

    model, data, frame = crisis
    folder = write_parts(frame, tmp_path / "predictions")
    spec = sample_model_specs()["crisis_text"]
    out = tmp_path / "audit.json"
    code = main(
        ["audit", "--model", str(spec), "--predictions", str(folder), "--bootstrap", "0",
         "--no-calibration", "--json", str(out)]
    )
    expected = audit(
        model, data, label="label", protected=PROTECTED, text_column="text",
        options=AuditOptions(bootstrap=0, calibration=False),
    )
    assert code == (1 if expected.robust_breaches else 0)
    payload = json.loads(out.read_text())
    assert payload["predictions"] == str(folder) and payload["params"]["rows"] == len(data)
    assert len(payload["breaches"]) == len(expected.breaches)
