"""Bootstrap confidence intervals: seeded, on every metric, and the numpy twin equals AIF360."""

import numpy as np
import pytest

from workbench.audit import BETWEEN, CALIBRATION, CALIBRATION_BETWEEN, RATES, AuditOptions, audit
from workbench.audit._bootstrap import interval, resample
from workbench.audit._groups import encode_groups
from workbench.audit._metrics import aggregate, aif360_level, level_of, level_tables

from .audit_data import GROUPS, TOLERANCE, random_frame

PROTECTED = ["gender", "ethnicity"]


def _audit(frame, **options):
    return audit(
        frame["score"], frame, label="label", protected=PROTECTED, options=AuditOptions(**options)
    )


@pytest.mark.parametrize("reference", [None, 1], ids=["vs-rest", "vs-group"])
def test_numpy_twin_equals_aif360_at_the_observed_counts(reference):
    frame = random_frame(3)
    groups = encode_groups(frame, PROTECTED)
    cells = aggregate(groups.codes, groups.sizes, frame["label"] == 1, frame["score"] >= 0.5)
    for positions in [(0,), (1,), (0, 1)]:
        level = level_of(cells, positions)
        expected = aif360_level(cells, level, reference)
        same_counts = cells.counts[None, :]
        group_rates, versus, _ = level_tables(cells, level, reference, same_counts)
        for name in RATES:
            np.testing.assert_allclose(group_rates[name][0], expected.rates[name], atol=TOLERANCE)
        for name in BETWEEN:
            np.testing.assert_allclose(versus[name][0], expected.between[name], atol=TOLERANCE)


def _outside(table, name):
    """Rows whose estimate is defined but not inside its interval (an undefined end counts)."""
    low, high, estimate = table[f"{name}_low"], table[f"{name}_high"], table[name]
    inside = (low - 1e-12 <= estimate) & (estimate <= high + 1e-12)
    return table.index[estimate.notna() & ~inside].tolist()


@pytest.mark.parametrize(("seed", "rows"), [(0, 600), (4, 4000), (9, 4000)])
def test_every_interval_holds_its_estimate(seed, rows):
    # Three attributes give intersections of a handful of rows, where intervals are ragged.
    frame = random_frame(seed, n=rows)
    result = audit(
        frame["score"],
        frame,
        label="label",
        protected=list(GROUPS),
        options=AuditOptions(bootstrap=300, seed=seed),
    )
    tables = (
        (result.overall, (*RATES, "theil_index", *CALIBRATION)),
        (result.by_group, (*RATES, *CALIBRATION)),
        (result.differences, (*BETWEEN, *CALIBRATION_BETWEEN)),
        (result.by_attribute, ("between_all_groups_theil_index",)),
    )
    for table, metrics in tables:
        for name in metrics:
            low, high = table[f"{name}_low"], table[f"{name}_high"]
            assert low.isna().equals(high.isna()) and (low.dropna() <= high.dropna()).all(), name
            assert _outside(table, name) == [], name
            if name.endswith("theil_index") or name == "ece":
                assert (low.dropna() >= 0).all(), name
    assert (result.overall["tpr_low"] < result.overall["tpr"]).all()
    assert (result.by_attribute["between_all_groups_theil_index_high"] > 0).all()


def test_same_seed_same_intervals_other_seed_others():
    frame = random_frame(5)
    first, again = _audit(frame, seed=11), _audit(frame, seed=11)
    other = _audit(frame, seed=12)
    assert first.by_group.equals(again.by_group)
    assert first.differences.equals(again.differences)
    assert not np.allclose(first.by_group["tpr_low"], other.by_group["tpr_low"])
    np.testing.assert_array_equal(first.by_group["tpr"], other.by_group["tpr"])


def test_intervals_narrow_as_groups_grow():
    small = _audit(random_frame(6, n=1000), bootstrap=200)
    large = _audit(random_frame(6, n=16000), bootstrap=200)
    width = {
        name: (
            r.differences["false_negative_rate_difference_high"]
            - r.differences["false_negative_rate_difference_low"]
        ).median()
        for name, r in (("small", small), ("large", large))
    }
    assert width["large"] < width["small"] / 2.5


def test_without_bootstrap_intervals_are_nan():
    result = _audit(random_frame(8), bootstrap=0)
    assert result.by_group["tpr_low"].isna().all()
    assert result.differences["disparate_impact_high"].isna().all()


def test_resample_keeps_the_row_count_and_is_seeded():
    counts = np.array([5.0, 0.0, 120.0, 33.0])
    draws = resample(counts, replicates=50, rng=np.random.default_rng(0))
    assert draws.shape == (50, 4)
    np.testing.assert_array_equal(draws.sum(axis=1), 158)
    assert (draws[:, 1] == 0).all()
    np.testing.assert_array_equal(
        draws, resample(counts, replicates=50, rng=np.random.default_rng(0))
    )


def test_interval_leaves_out_undefined_replicates():
    values = np.array([[np.nan, 1.0], [np.nan, 2.0], [np.nan, 3.0]])
    low, high = interval(values, confidence=0.5)
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert (low[1], high[1]) == (1.5, 2.5)
