"""Decision thresholds: a parameter, a sweep, and per-group thresholds as a what-if."""

import numpy as np
import pytest

from workbench.audit import (
    BEST_OFF,
    BETWEEN,
    RATES,
    AuditError,
    AuditOptions,
    GroupThresholds,
    audit,
    threshold_sweep,
)
from workbench.audit._sweep import MSG_NO_THRESHOLDS, MSG_SWEEP_MULTICLASS
from workbench.audit._threshold import (
    MSG_BAD_THRESHOLD,
    MSG_THRESHOLD_ATTRIBUTE,
    MSG_THRESHOLD_GROUP,
)

from .audit_data import TOLERANCE, random_frame, with_options

FRAME = random_frame(31, n=2500)
PROTECTED = ["gender", "ethnicity"]


def _audit(scores=FRAME["score"], **options):
    options = {"label": "label", "protected": PROTECTED, "bootstrap": 0, **options}
    return audit(scores, FRAME, **with_options(options))


def test_threshold_moves_decisions():
    low, high = _audit(threshold=0.3), _audit(threshold=0.7)
    assert (low.by_group["selection_rate"] >= high.by_group["selection_rate"]).all()
    expected = (FRAME["score"] >= 0.7).mean()
    assert high.overall["selection_rate"].iloc[0] == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize(
    "privileged", [{"gender": None, "ethnicity": "white"}, BEST_OFF], ids=["white", "best-off"]
)
def test_sweep_rows_equal_audits_at_each_threshold(privileged):
    thresholds = [0.2, 0.45, 0.5, 0.8]
    sweep = threshold_sweep(
        FRAME["score"],
        FRAME,
        label="label",
        protected=PROTECTED,
        thresholds=thresholds,
        options=AuditOptions(privileged=privileged),
    )
    assert list(sweep.index.names) == ["threshold", "class", "attribute", "group"]
    assert sorted(set(sweep.index.get_level_values("threshold"))) == thresholds
    for threshold in thresholds:
        result = _audit(threshold=threshold, privileged=privileged)
        at = sweep.xs(threshold, level="threshold")
        for name in ("size", *RATES):
            np.testing.assert_allclose(at[name], result.by_group[name], atol=TOLERANCE)
        compared = at.loc[result.differences.index]
        for name in BETWEEN:
            np.testing.assert_allclose(compared[name], result.differences[name], atol=TOLERANCE)
        assert (compared["reference"] == result.differences["reference"]).all()


def test_sweep_selection_falls_as_the_threshold_rises():
    sweep = threshold_sweep(FRAME["score"], FRAME, label="label", protected="gender")
    rates = sweep["selection_rate"].unstack("threshold")
    assert (rates.diff(axis=1).iloc[:, 1:] <= 0).all().all()


def test_per_group_thresholds_are_a_what_if():
    what_if = GroupThresholds(attribute="ethnicity", thresholds={"black": 0.35}, default=0.5)
    result = _audit(threshold=what_if)
    black = FRAME["ethnicity"] == "black"
    decisions = np.where(black, FRAME["score"] >= 0.35, FRAME["score"] >= 0.5)
    manual = _audit(scores=decisions.astype(float))
    np.testing.assert_allclose(result.by_group["tpr"], manual.by_group["tpr"], atol=TOLERANCE)
    before = _audit()
    gap = "false_negative_rate_difference"
    key = ("1", "ethnicity", "black")
    assert abs(result.differences.loc[key, gap]) < abs(before.differences.loc[key, gap])
    assert result.to_dict()["params"]["threshold"] == {
        "attribute": "ethnicity",
        "thresholds": {"black": 0.35},
        "default": 0.5,
    }


@pytest.mark.parametrize(
    ("what_if", "message"),
    [
        (
            GroupThresholds(attribute="age", thresholds={"65+": 0.3}),
            MSG_THRESHOLD_ATTRIBUTE.format(attribute="age", protected=PROTECTED),
        ),
        (
            GroupThresholds(attribute="gender", thresholds={"man": 0.3}),
            MSG_THRESHOLD_GROUP.format(
                group="man", attribute="gender", groups=["female", "male", "nonbinary"]
            ),
        ),
    ],
    ids=["unknown attribute", "unknown group"],
)
def test_per_group_thresholds_must_name_audited_groups(what_if, message):
    with pytest.raises(AuditError) as caught:
        _audit(threshold=what_if)
    assert str(caught.value) == message


def test_group_threshold_values_are_checked():
    with pytest.raises(AuditError) as caught:
        GroupThresholds(attribute="gender", thresholds={"male": -0.1})
    assert str(caught.value) == MSG_BAD_THRESHOLD.format(value=-0.1)


def test_sweep_needs_thresholds_and_a_binary_decision():
    with pytest.raises(AuditError) as caught:
        threshold_sweep(FRAME["score"], FRAME, label="label", protected="gender", thresholds=[])
    assert str(caught.value) == MSG_NO_THRESHOLDS
    probabilities = np.random.default_rng(0).dirichlet([1, 1, 1], size=len(FRAME))
    labels = np.random.default_rng(1).integers(0, 3, size=len(FRAME))
    with pytest.raises(AuditError) as caught:
        threshold_sweep(probabilities, FRAME, label=labels, protected="gender")
    assert str(caught.value) == MSG_SWEEP_MULTICLASS
