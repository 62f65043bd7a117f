"""Validity by simulation, on crisis_text's groups (bench/bench_validity.py runs 200 audits of
each case): noise alone gives no robust breach, and a real false-negative-rate gap is found.

Fewer audits here keep the test fast, so each claim is stated with its binomial reasoning.
"""

import numpy as np
import pytest

from bench.bench_validity import (
    audited,
    calibration_breaches,
    crisis_groups,
    found_injected,
    found_miscalibration,
    simulated,
    simulated_scores,
)
from workbench.audit import BETWEEN

NULL_AUDITS = 16
FOUND_AUDITS = 15
CALIBRATION_NULL_AUDITS = 12
CALIBRATION_FOUND_AUDITS = 5


@pytest.fixture(scope="module")
def groups():
    return crisis_groups()


def test_without_a_group_effect_the_tests_hold_their_level_and_nothing_is_robust(groups):
    rng = np.random.default_rng(0)
    p_values, robust = [], 0
    for k in range(NULL_AUDITS):
        result = audited(simulated(groups, rng), bootstrap=100, seed=k)
        tested = result.differences[result.differences["caveats"] != "small"]
        p_values.append(tested[[f"{name}_p" for name in BETWEEN]].to_numpy().ravel())
        robust += bool(result.robust_breaches)
    p = np.concatenate(p_values)
    p = p[np.isfinite(p)]
    assert len(p) > 10_000
    # Each test keeps its level: the share of p-values at or below a level never exceeds it.
    # These are all true nulls, so Benjamini-Hochberg's guarantee applies: at most 5% of such
    # audits get a robust breach.
    for level in (0.001, 0.01, 0.05, 0.2):
        assert (p <= level).mean() <= level, level
    # At most 2 of 16 audits with a robust breach: at a true rate of 5% that happens with
    # probability 96%, at 25% with 20%. The bench's 200 audits measure the rate itself.
    assert robust <= 2


def test_an_injected_false_negative_rate_gap_is_found_robust(groups):
    # A gap of 0.30 (0.20 beyond the 0.1 bound) for hispanic patients (299 rows): found in all
    # 15 audits, which bounds the power below by 0.05^(1/15) = 82% (one-sided 95%, exact).
    rng = np.random.default_rng(1)
    found = [
        found_injected(audited(simulated(groups, rng, gap=0.30), bootstrap=100, seed=k))
        for k in range(FOUND_AUDITS)
    ]
    assert all(found)


def test_calibrated_scores_keep_the_calibration_tests_level(groups):
    rng = np.random.default_rng(3)
    p_values = {"ece_difference": [], "roc_auc_difference": []}
    robust = 0
    for k in range(CALIBRATION_NULL_AUDITS):
        result = audited(simulated_scores(groups, rng), bootstrap=0, seed=k)
        tested = result.differences[result.differences["caveats"] != "small"]
        for name, found in p_values.items():
            found.append(tested[f"{name}_p"].to_numpy())
        robust += bool(calibration_breaches(result))
    for name, found in p_values.items():
        p = np.concatenate(found)
        p = p[np.isfinite(p)]
        assert len(p) > 700, name
        for level in (0.001, 0.01, 0.05, 0.2):
            assert (p <= level).mean() <= level, (name, level)
    # Without the bootstrap the q-value alone decides; still no audit finds a robust gap.
    assert robust == 0


def test_a_score_shifted_for_one_group_is_found_robust(groups):
    # Hispanic patients' scores (299 rows) moved by 1.5 on the logit scale, their ranking kept:
    # an expected calibration error gap near 0.19, found in every audit.
    rng = np.random.default_rng(4)
    found = [
        found_miscalibration(
            audited(simulated_scores(groups, rng, shift=1.5), bootstrap=100, seed=k)
        )
        for k in range(CALIBRATION_FOUND_AUDITS)
    ]
    assert all(found)
