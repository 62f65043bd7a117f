"""Bad input: a clear message for what stops the audit, a note for what does not."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from workbench.audit import AuditError, AuditOptions, audit
from workbench.audit._audit import (
    MSG_GROUP_PROBLEMS,
    MSG_NOT_OPTIONS,
    MSG_REFERENCE_ABSENT,
    MSG_REFERENCE_PROBLEMS,
    MSG_SMALL,
)
from workbench.audit._groups import MSG_NO_VALUE
from workbench.audit._inputs import (
    MSG_BAD_SCORES,
    MSG_CLASS_COUNT,
    MSG_LABELS_DROPPED,
    MSG_LABELS_NOT_BINARY,
    MSG_LABELS_NOT_CLASSES,
    MSG_LENGTH,
    MSG_NAME_POSITIVE,
    MSG_NO_LABEL_COLUMN,
    MSG_NO_LABELS,
    MSG_NOT_FRAME,
    MSG_NOT_NUMERIC,
    MSG_POSITIVE_ABSENT,
    MSG_SHAPE,
    MSG_UNKNOWN_POSITIVE,
)
from workbench.audit._options import (
    MSG_BAD_BOOTSTRAP,
    MSG_BAD_BOUNDS,
    MSG_BAD_CONFIDENCE,
    MSG_BAD_MIN_SIZE,
)
from workbench.audit._prepare import (
    MSG_MISSING_PROTECTED,
    MSG_NO_PROTECTED,
    MSG_NO_PROTECTED_COLUMNS,
    MSG_ONE_GROUP,
    MSG_PRIVILEGED_ATTRIBUTE,
    MSG_PRIVILEGED_GROUP,
    MSG_PRIVILEGED_NOT_MAPPING,
    MSG_PROTECTED_NOT_TEXT,
)
from workbench.audit._threshold import MSG_BAD_THRESHOLD

from .audit_data import random_frame, text_model, with_options

FRAME = random_frame(21, n=600, attributes=("gender", "ethnicity"))
COLUMNS = list(FRAME.columns)


def _run(frame=FRAME, scores=None, **options):
    options = {"label": "label", "protected": ["gender", "ethnicity"], "bootstrap": 0, **options}
    return audit(frame["score"] if scores is None else scores, frame, **with_options(options))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"label": "outcome"},
            MSG_NO_LABEL_COLUMN.format(label="outcome", columns=COLUMNS),
        ),
        (
            {"protected": ["religion"]},
            MSG_NO_PROTECTED_COLUMNS.format(protected=["religion"], columns=COLUMNS),
        ),
        ({"protected": []}, MSG_NO_PROTECTED),
        (
            {"label": np.arange(600) % 3},
            MSG_LABELS_NOT_BINARY.format(count=3, values=["0", "1", "2"]),
        ),
        (
            {"label": np.where(FRAME["label"] == 1, "urgent", "routine")},
            MSG_NAME_POSITIVE.format(values=["routine", "urgent"]),
        ),
        (
            {"positive_class": "urgent"},
            MSG_POSITIVE_ABSENT.format(positive="urgent", values=["0", "1"]),
        ),
        ({"scores": FRAME["score"] * 3}, None),
        ({"scores": FRAME["score"][:-1]}, MSG_LENGTH.format(what="predictions", got=599, rows=600)),
        ({"label": [1, 0]}, MSG_LENGTH.format(what="label", got=2, rows=600)),
        ({"threshold": 1.5}, MSG_BAD_THRESHOLD.format(value=1.5)),
        ({"threshold": "high"}, MSG_BAD_THRESHOLD.format(value="high")),
        ({"min_group_size": 0}, MSG_BAD_MIN_SIZE.format(value=0)),
        ({"bootstrap": -1}, MSG_BAD_BOOTSTRAP.format(value=-1)),
        ({"bootstrap": 2.5}, MSG_BAD_BOOTSTRAP.format(value=2.5)),
        ({"confidence": 95}, MSG_BAD_CONFIDENCE.format(value=95)),
        (
            {"privileged": {"age": "65+"}},
            MSG_PRIVILEGED_ATTRIBUTE.format(attribute="age", protected=["gender", "ethnicity"]),
        ),
        (
            {"privileged": {"gender": "man"}},
            MSG_PRIVILEGED_GROUP.format(
                group="man", attribute="gender", groups=["female", "male", "nonbinary"]
            ),
        ),
    ],
    ids=[
        "missing label column",
        "no protected column present",
        "no protected attribute named",
        "labels not binary",
        "positive class not named",
        "positive class absent",
        "scores not probabilities",
        "too few scores",
        "too few labels",
        "threshold above 1",
        "threshold not a number",
        "min group size 0",
        "negative bootstrap",
        "fractional bootstrap",
        "confidence as percent",
        "privileged attribute unknown",
        "privileged group unknown",
    ],
)
def test_problems_that_stop_the_audit_say_what_is_wrong(options, message):
    with pytest.raises(AuditError) as caught:
        _run(**options)
    if message is None:
        assert str(caught.value).startswith(MSG_BAD_SCORES.split("{")[0])
    else:
        assert str(caught.value) == message


def test_data_must_be_a_data_frame():
    with pytest.raises(AuditError) as caught:
        audit([0.5, 0.2], [[1], [2]], label=[1, 0], protected="gender")
    assert str(caught.value) == MSG_NOT_FRAME.format(kind="list")


def test_labels_outside_the_model_classes():
    frame = pd.DataFrame({"text": ["a", "b"], "label": ["urgent", "later"], "gender": ["f", "m"]})
    with pytest.raises(AuditError) as caught:
        audit(text_model(lambda t: 0.5), frame, label="label", protected="gender")
    assert str(caught.value) == MSG_LABELS_NOT_CLASSES.format(
        values=["later"], classes=["routine", "urgent"]
    )


def test_a_missing_protected_column_is_skipped_and_said_so():
    result = _run(protected=["gender", "religion", "ethnicity"])
    assert result.skipped == ("religion",)
    assert MSG_MISSING_PROTECTED.format(attribute="religion", columns=COLUMNS) in result.warnings
    assert set(result.by_attribute.index.get_level_values("attribute")) == {
        "gender",
        "ethnicity",
        "gender & ethnicity",
    }


def test_no_value_in_a_protected_column_is_its_own_group():
    frame = FRAME.copy()
    frame.loc[:24, "gender"] = np.nan
    result = _run(frame)
    assert result.by_group.loc[("1", "gender", "missing"), "size"] == 25
    assert MSG_NO_VALUE.format(attribute="gender", count=25, group="missing") in result.warnings
    assert ("1", "gender & ethnicity", "missing & white") in result.by_group.index


def test_a_single_group_is_reported_but_not_compared():
    frame = FRAME.assign(site="north")
    result = _run(frame, protected=["site", "gender"])
    assert result.by_group.loc[("1", "site", "north"), "size"] == 600
    assert "site" not in result.differences.index.get_level_values("attribute")
    assert MSG_ONE_GROUP.format(attribute="site", group="north") in result.warnings
    assert set(result.by_attribute.index.get_level_values("attribute")) == {"site", "gender"}


def test_undefined_metrics_are_nan_with_the_reason_and_no_warning():
    frame = FRAME.copy()
    nonbinary = frame["gender"] == "nonbinary"
    frame.loc[nonbinary, "label"] = 0
    frame.loc[nonbinary, "score"] = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = _run(frame, protected="gender")
    row = result.by_group.loc[("1", "gender", "nonbinary")]
    assert np.isnan(row["tpr"]) and np.isnan(row["fnr"]) and np.isnan(row["precision"])
    assert row["selection_rate"] == 0 and row["fpr"] == 0
    assert row["caveats"] == "no_positives, no_predicted_positives"
    versus = result.differences.loc[("1", "gender", "nonbinary")]
    assert np.isnan(versus["equal_opportunity_difference"])
    assert versus["disparate_impact"] == 0
    words = {"prefix": "", "level": "gender", "positive": "1", "reference": "the rest"}
    assert MSG_GROUP_PROBLEMS["no_positives"].format(groups="nonbinary", **words) in (
        result.warnings
    )
    assert MSG_GROUP_PROBLEMS["no_predicted_positives"].format(groups="nonbinary", **words) in (
        result.warnings
    )


def test_a_reference_without_positives_makes_comparisons_undefined():
    frame = FRAME.copy()
    male = frame["gender"] == "male"
    frame.loc[male, "label"] = 0
    frame.loc[male, "score"] = 0.0
    result = _run(frame, protected="gender", privileged={"gender": "male"})
    assert result.differences["disparate_impact"].isna().all()
    words = {"prefix": "", "level": "gender", "positive": "1", "reference": "male"}
    expected = MSG_REFERENCE_PROBLEMS["no_predicted_positives"].format(
        groups="female, nonbinary", **words
    )
    assert expected in result.warnings


def test_rows_without_a_label_are_left_out_and_said_so():
    frame = FRAME.astype({"label": float})
    frame.loc[:9, "label"] = np.nan
    result = _run(frame)
    assert result.rows == 590
    assert MSG_LABELS_DROPPED.format(count=10) in result.warnings


@pytest.mark.parametrize(
    "coding",
    [
        {"female": 0, "male": 1, "nonbinary": 2},
        {"female": "F", "male": "M", "nonbinary": "X"},
        {"female": 0.0, "male": 1.0, "nonbinary": 2.0},
    ],
    ids=["integers", "strings", "floats"],
)
def test_group_coding_does_not_change_the_numbers(coding):
    plain = _run(protected="gender")
    frame = FRAME.assign(gender=FRAME["gender"].map(coding))
    coded = _run(frame, protected="gender")
    np.testing.assert_array_equal(
        plain.by_group["tpr"].to_numpy(), coded.by_group["tpr"].to_numpy()
    )
    names = [str(coding[g]).removesuffix(".0") for g in ("female", "male", "nonbinary")]
    assert list(coded.by_group.index.get_level_values("group")) == names


def test_an_empty_privileged_combination_falls_back_to_the_rest():
    frame = FRAME[~((FRAME["gender"] == "male") & (FRAME["ethnicity"] == "white"))]
    result = _run(frame, privileged={"gender": "male", "ethnicity": "white"})
    level = result.differences.xs("gender & ethnicity", level="attribute")
    assert (level["reference"] == "rest").all()
    assert result.differences.loc[("1", "gender", "female"), "reference"] == "male"
    assert MSG_REFERENCE_ABSENT.format(level="gender & ethnicity", group="male & white") in (
        result.warnings
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: audit(["high"] * 600, FRAME, label="label", protected="gender"),
            MSG_NOT_NUMERIC.format(kind="list"),
        ),
        (
            lambda: audit(np.zeros((600, 1)), FRAME, label="label", protected="gender"),
            MSG_SHAPE.format(shape=(600, 1)),
        ),
        (
            lambda: audit(
                np.full((600, 3), 1 / 3), FRAME, label="label", protected="gender", classes=["a"]
            ),
            MSG_CLASS_COUNT.format(count=1, columns=3),
        ),
        (
            lambda: audit(
                np.full((600, 2), 0.5),
                FRAME,
                label="label",
                protected="gender",
                positive_class="2",
            ),
            MSG_UNKNOWN_POSITIVE.format(positive="2", classes=["0", "1"]),
        ),
        (
            lambda: audit(FRAME["score"], FRAME, label=[None] * 600, protected="gender"),
            MSG_NO_LABELS,
        ),
        (
            lambda: audit(FRAME["score"], FRAME, label="label", protected=["gender", 3]),
            MSG_PROTECTED_NOT_TEXT.format(value=3),
        ),
        (
            lambda: audit(
                FRAME["score"],
                FRAME,
                label="label",
                protected="gender",
                options=AuditOptions(privileged=["male"]),
            ),
            MSG_PRIVILEGED_NOT_MAPPING.format(kind="list"),
        ),
        (
            lambda: audit(
                FRAME["score"],
                FRAME,
                label="label",
                protected="gender",
                options=AuditOptions(bounds={}),
            ),
            MSG_BAD_BOUNDS.format(kind="dict"),
        ),
        (
            lambda: audit(
                FRAME["score"], FRAME, label="label", protected="gender", options={"bootstrap": 0}
            ),
            MSG_NOT_OPTIONS.format(kind="dict"),
        ),
    ],
    ids=[
        "scores not numbers",
        "one column of scores",
        "class names count",
        "unknown positive class",
        "no labels at all",
        "protected not a name",
        "privileged not a mapping",
        "bounds not FairnessBounds",
        "options not AuditOptions",
    ],
)
def test_more_problems_that_stop_the_audit(call, message):
    with pytest.raises(AuditError) as caught:
        call()
    assert str(caught.value) == message


def test_small_groups_are_listed_once_with_their_sizes():
    result = _run(protected="gender", min_group_size=100)
    size = int((FRAME["gender"] == "nonbinary").sum())
    assert (
        MSG_SMALL.format(
            level="gender", count=1, total=3, minimum=100, groups=f"nonbinary ({size})"
        )
        in result.warnings
    )


def test_options_are_checked_when_made_and_when_derived():
    options = AuditOptions(threshold=0.3, bootstrap=0)
    assert dataclasses.replace(options, threshold=0.7).bootstrap == 0
    with pytest.raises(AuditError) as caught:
        dataclasses.replace(options, threshold=1.5)
    assert str(caught.value) == MSG_BAD_THRESHOLD.format(value=1.5)
