"""Breach strength: exact tests of no disparity, Benjamini-Hochberg q-values, robust or possible,
the gate, and the gap a group's rows could detect."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from workbench.audit import AuditError, AuditOptions, FairnessBounds, audit
from workbench.audit._bootstrap import bias_corrected_interval
from workbench.audit._options import MSG_BAD_FDR, MSG_BAD_GATE
from workbench.audit._strength import DETECTABLE, p_values, q_values

from .audit_data import random_frame


def _planted(n_per_group: int, missed: float) -> pd.DataFrame:
    """Two groups with identical labels; a share ``missed`` of group b's positives is missed."""
    half = n_per_group // 2
    label = np.tile(np.r_[np.ones(half), np.zeros(half)], 2).astype(int)
    score = np.r_[np.full(half, 0.9), np.full(half, 0.1), np.full(half, 0.9), np.full(half, 0.1)]
    score[n_per_group : n_per_group + round(half * missed)] = 0.2
    group = np.repeat(["a", "b"], n_per_group)
    return pd.DataFrame({"group": group, "label": label, "score": score})


def _audit(frame, protected="group", **options):
    options = AuditOptions(**{"bootstrap": 0, "privileged": {"group": "a"}, **options})
    return audit(frame["score"], frame, label="label", protected=protected, options=options)


def test_fisher_p_values_double_the_smaller_exact_tail():
    group = np.array([[30.0, 5.0, 45.0, 20.0]])  # tp, fp, tn, fn
    compared = np.array([[80.0, 10.0, 90.0, 20.0]])
    found = p_values(group, compared, FairnessBounds())
    for metric, table in {
        "false_negative_rate_difference": [[20, 30], [20, 80]],
        "false_positive_rate_difference": [[5, 45], [10, 90]],
        "statistical_parity_difference": [[35, 65], [90, 110]],
    }.items():
        tails = [fisher_exact(table, alternative=side).pvalue for side in ("greater", "less")]
        assert found[metric][0] == pytest.approx(min(1.0, 2 * min(tails)), rel=1e-9), metric
    assert found["disparate_impact"][0] == found["statistical_parity_difference"][0]
    smaller = min(found["equal_opportunity_difference"][0], found[metric][0])
    assert found["equalized_odds_difference"][0] == pytest.approx(1 - (1 - smaller) ** 2)
    assert np.isnan(found["between_group_theil_index"][0])  # not bounded by default


def test_q_values_are_benjamini_hochberg():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.2])
    # sorted 0.01, 0.03, 0.04, 0.2 with m = 4: 0.04, 0.06, 0.0533, 0.2, then the running minimum
    # from the top: 0.04, 0.0533, 0.0533, 0.2
    np.testing.assert_allclose(q_values(p), [0.04, np.nan, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(q_values(np.array([np.nan]))).all()


def test_a_clear_gap_is_robust_and_the_json_says_so():
    result = _audit(_planted(400, 0.5), bootstrap=200)
    fnr = next(b for b in result.breaches if b.metric == "false_negative_rate_difference")
    assert fnr.strength == "robust" and fnr.robust and fnr.p_value < 1e-20 and fnr.q_value < 1e-20
    assert fnr.low > 0.1 and not result.passed
    assert result.failing_breaches == result.robust_breaches
    payload = json.loads(json.dumps(result.to_dict()))
    first = payload["breaches"][0]
    assert {"strength", "p_value", "q_value"} <= set(first)
    assert payload["robust_breaches"] == len(result.robust_breaches) > 0
    assert payload["params"]["false_discovery_rate"] == 0.05
    assert payload["params"]["gate"] == "robust"


def test_a_noisy_gap_is_possible_and_only_the_any_gate_fails_on_it():
    # 40 rows per group, 2 of group b's 20 positives missed: FNR 0.10 vs 0, not significant.
    frame = _planted(40, 0.15)
    result = _audit(frame, bootstrap=200)
    fnr = next(b for b in result.breaches if b.metric == "false_negative_rate_difference")
    assert fnr.strength == "possible" and fnr.q_value > 0.05
    assert result.passed and result.robust_breaches == ()
    strict = _audit(frame, bootstrap=200, gate="any")
    assert not strict.passed and strict.failing_breaches == strict.breaches


def test_a_looser_false_discovery_rate_admits_more():
    frame = _planted(60, 0.4)
    strict = _audit(frame, false_discovery_rate=0.001)
    loose = _audit(frame, false_discovery_rate=0.5)
    assert len(strict.robust_breaches) < len(loose.robust_breaches)


def test_noise_alone_gives_possible_breaches_but_no_robust_one():
    # No group effect at all: intersections of a few dozen rows still stray past the bounds.
    frame = random_frame(21, n=2000, attributes=("gender", "age_band"))
    frame["score"] = np.random.default_rng(1).random(len(frame)) * 0.6 + 0.4 * frame["label"]
    result = audit(
        frame["score"],
        frame,
        label="label",
        protected=["gender", "age_band"],
        options=AuditOptions(bootstrap=100),
    )
    assert result.breaches and result.robust_breaches == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"false_discovery_rate": 0}, MSG_BAD_FDR.format(value=0)),
        ({"false_discovery_rate": 1.5}, MSG_BAD_FDR.format(value=1.5)),
        ({"false_discovery_rate": True}, MSG_BAD_FDR.format(value=True)),
        ({"gate": "all"}, MSG_BAD_GATE.format(value="all")),
    ],
    ids=["zero", "above one", "bool", "unknown gate"],
)
def test_bad_strength_options_are_refused(changes, message):
    with pytest.raises(AuditError) as caught:
        AuditOptions(**changes)
    assert str(caught.value) == message


def test_detectable_gap_shrinks_with_rows_and_is_above_the_bound():
    small, large = _audit(_planted(60, 0.0)), _audit(_planted(2000, 0.0))
    for metric in DETECTABLE:
        column = f"{metric}_detectable"
        mine, theirs = small.differences[column].iloc[0], large.differences[column].iloc[0]
        assert 0.1 < theirs < mine, metric
    off = _audit(_planted(60, 0.0), bounds=FairnessBounds(precision_difference=None))
    assert off.differences["precision_difference_detectable"].isna().all()


def test_bias_corrected_interval_holds_an_estimate_below_every_replicate():
    rng = np.random.default_rng(0)
    replicates = 1e-4 + rng.chisquare(1, size=(300, 3)) * 1e-4
    estimate = np.array([1e-9, 2e-4, 5e-3])
    low, high = bias_corrected_interval(replicates, estimate, confidence=0.95)
    assert (low <= estimate).all() and (estimate <= high).all() and (low >= 0).all()
    assert low[0] == 0 and math.isclose(
        high[2] - low[2], np.ptp(np.quantile(replicates[:, 2], [0.025, 0.975]))
    )
