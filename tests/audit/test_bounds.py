"""Fairness bounds: defaults, configuration, and every breach listed in plain words."""

import math

import numpy as np
import pandas as pd
import pytest

from workbench.audit import AuditError, AuditOptions, FairnessBounds, audit
from workbench.audit._audit import MSG_ODDS_CANCEL
from workbench.audit._bounds import (
    MSG_BAD_LIMIT,
    MSG_BAD_RANGE,
    MSG_BOUNDS_NOT_MAPPING,
    MSG_UNKNOWN_BOUND,
)

from .audit_data import random_frame

NO_CHECKS = FairnessBounds(
    disparate_impact=None,
    statistical_parity_difference=None,
    equal_opportunity_difference=None,
    average_odds_difference=None,
    false_negative_rate_difference=None,
    error_rate_difference=None,
    false_positive_rate_difference=None,
    precision_difference=None,
    equalized_odds_difference=None,
    average_abs_odds_difference=None,
    ece_difference=None,
    roc_auc_difference=None,
)


def _planted(n_per_group: int = 400) -> pd.DataFrame:
    """Two groups with identical labels; group b's positives are missed half the time."""
    half = n_per_group // 2
    label = np.tile(np.r_[np.ones(half), np.zeros(half)], 2).astype(int)
    score = np.r_[np.full(half, 0.9), np.full(half, 0.1), np.full(half, 0.9), np.full(half, 0.1)]
    score[n_per_group : n_per_group + half // 2] = 0.2
    group = np.repeat(["a", "b"], n_per_group)
    return pd.DataFrame({"group": group, "label": label, "score": score})


def _audit(frame, **options):
    options = AuditOptions(**{"bootstrap": 0, **options})
    return audit(frame["score"], frame, label="label", protected="group", options=options)


def test_defaults_are_the_usual_rules_of_thumb():
    bounds = FairnessBounds()
    assert bounds.limits("disparate_impact") == (0.8, 1.25)
    assert bounds.limits("false_negative_rate_difference") == (-0.1, 0.1)
    assert bounds.limits("between_group_theil_index") is None
    assert bounds.limits("false_positive_rate_difference") == (-0.1, 0.1)
    assert bounds.limits("precision_difference") == (-0.1, 0.1)
    assert bounds.limits("equalized_odds_difference") == (-math.inf, 0.1)
    assert bounds.limits("average_abs_odds_difference") == (-math.inf, 0.1)


def test_a_planted_gap_breaches_with_the_numbers_in_words():
    result = _audit(_planted(), privileged={"group": "a"})
    assert not result.passed
    metrics = {b.metric for b in result.breaches}
    assert metrics == {
        "statistical_parity_difference",
        "disparate_impact",
        "equal_opportunity_difference",
        "average_odds_difference",
        "false_negative_rate_difference",
        "error_rate_difference",
        "equalized_odds_difference",
        "average_abs_odds_difference",
        # b's missed positives score 0.2 where a's score 0.9: the score is miscalibrated too.
        "ece_difference",
    }
    fnr = next(b for b in result.breaches if b.metric == "false_negative_rate_difference")
    assert (fnr.attribute, fnr.group, fnr.reference, fnr.value) == ("group", "b", "a", 0.5)
    assert str(fnr) == (
        "group = b vs a: false negative rate difference is +0.500, allowed within ±0.1; "
        "false negative rate 0.500 vs 0.000: the model misses more of the truly '1' cases in "
        "this group."
    )
    impact = next(b for b in result.breaches if b.metric == "disparate_impact")
    assert str(impact).startswith("group = b vs a: disparate impact is 0.500, allowed 0.8 to 1.25")
    assert "selection rate 0.250 vs 0.500" in str(impact)


def test_breaches_quote_the_confidence_interval():
    result = _audit(_planted(), bootstrap=100)
    fnr = next(
        b
        for b in result.breaches
        if b.metric == "false_negative_rate_difference" and b.group == "b"
    )
    assert fnr.low <= fnr.value <= fnr.high
    assert f"(95% CI +{fnr.low:.3f} to +{fnr.high:.3f})" in str(fnr)


def test_loose_or_disabled_bounds_pass():
    loose = FairnessBounds(
        disparate_impact=(0.4, 2.5),
        statistical_parity_difference=0.6,
        equal_opportunity_difference=0.6,
        average_odds_difference=0.6,
        false_negative_rate_difference=0.6,
        error_rate_difference=0.6,
        false_positive_rate_difference=0.6,
        precision_difference=0.6,
        equalized_odds_difference=0.6,
        average_abs_odds_difference=0.6,
    )
    assert _audit(_planted(), bounds=loose).passed
    assert _audit(_planted(), bounds=NO_CHECKS).passed


def test_theil_bound_is_an_upper_limit():
    bounds = FairnessBounds(between_group_theil_index=1e-6)
    result = _audit(_planted(), bounds=bounds, privileged={"group": "a"})
    theil = [b for b in result.breaches if b.metric == "between_group_theil_index"]
    assert len(theil) == 1 and "allowed at most 1e-06" in str(theil[0])


def test_groups_below_the_minimum_size_are_not_checked():
    frame = _planted()
    result = _audit(frame, min_group_size=401)
    assert result.passed
    assert (result.differences["caveats"] == "small").all()
    assert (result.by_group["caveats"] == "small").all()


def test_multiclass_breaches_name_the_class():
    frame = random_frame(9, n=2000, attributes=("gender", "ethnicity"))
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1, 1], size=len(frame))
    labels = rng.choice(["calm", "low", "angry"], size=len(frame))
    result = audit(
        probabilities,
        frame,
        label=labels,
        protected="ethnicity",
        classes=["calm", "low", "angry"],
        options=AuditOptions(
            bounds=FairnessBounds(statistical_parity_difference=0.001), bootstrap=0
        ),
    )
    assert {b.positive_class for b in result.breaches} == {"calm", "low", "angry"}
    assert all(str(b).startswith(f"class '{b.positive_class}': ") for b in result.breaches)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"disparate_impact": (1.2, 0.8)}, MSG_BAD_RANGE.format(value=(1.2, 0.8))),
        ({"disparate_impact": 0.8}, MSG_BAD_RANGE.format(value=0.8)),
        (
            {"statistical_parity_difference": -0.1},
            MSG_BAD_LIMIT.format(name="statistical_parity_difference", value=-0.1),
        ),
        (
            {"error_rate_difference": math.nan},
            MSG_BAD_LIMIT.format(name="error_rate_difference", value=math.nan),
        ),
        (
            {"equal_opportunity_difference": "0.1"},
            MSG_BAD_LIMIT.format(name="equal_opportunity_difference", value="0.1"),
        ),
    ],
    ids=["range reversed", "range not a pair", "negative", "nan", "text"],
)
def test_invalid_bounds_are_refused(changes, message):
    with pytest.raises(AuditError) as caught:
        FairnessBounds(**changes)
    assert str(caught.value) == message


def test_bounds_from_a_mapping():
    bounds = FairnessBounds.from_mapping(
        {"disparate_impact": [0.9, 1.1], "false_negative_rate_difference": None}
    )
    assert bounds.disparate_impact == (0.9, 1.1)
    assert bounds.limits("false_negative_rate_difference") is None
    assert bounds.to_dict()["disparate_impact"] == [0.9, 1.1]
    with pytest.raises(AuditError) as caught:
        FairnessBounds.from_mapping({"parity": 0.1})
    assert str(caught.value) == MSG_UNKNOWN_BOUND.format(
        name="parity", known=list(FairnessBounds().to_dict())
    )
    with pytest.raises(AuditError) as caught:
        FairnessBounds.from_mapping([0.1])
    assert str(caught.value) == MSG_BOUNDS_NOT_MAPPING.format(kind="list")


def test_average_odds_cancelling_gaps_are_noted():
    # Group b: true positive rate 0.3 higher and false positive rate 0.3 lower than group a's.
    rows = []
    for group, (tpr, fpr) in {"a": (0.6, 0.4), "b": (0.9, 0.1)}.items():
        label = np.r_[np.ones(200), np.zeros(200)].astype(int)
        score = np.r_[np.arange(200) < tpr * 200, np.arange(200) < fpr * 200].astype(float)
        rows.append(pd.DataFrame({"group": group, "label": label, "score": score}))
    result = _audit(pd.concat(rows), privileged={"group": "a"})
    assert abs(result.differences["average_odds_difference"].iloc[0]) < 1e-12
    assert MSG_ODDS_CANCEL.format(prefix="", level="group", groups="b") in result.warnings
    breached = {b.metric for b in result.robust_breaches}
    assert {"equalized_odds_difference", "average_abs_odds_difference"} <= breached
    assert "average_odds_difference" not in breached
    assert not any("average odds" in note for note in _audit(_planted()).warnings)
