"""Calibration by group: ECE, Brier score, ROC AUC and reliability curves per group, held to
scikit-learn, and a score that means something else for one group found as a robust breach."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from workbench.audit import CALIBRATION_BETWEEN, AuditOptions, FairnessBounds, audit
from workbench.audit._audit import (
    MSG_AUC_REFERENCE,
    MSG_AUC_UNDEFINED,
    MSG_CALIBRATION_UNBOOTSTRAPPED,
    MSG_NO_SCORES,
)
from workbench.audit._calibration import N_BINS, level_calibration, score_bins

from .audit_data import random_frame

PROTECTED = ["gender", "ethnicity"]


def _ece(label, score):
    """ECE from scikit-learn's reliability curve (uniform bins) and the rows per bin."""
    observed, predicted = calibration_curve(label, score, n_bins=N_BINS, strategy="uniform")
    rows = np.bincount(score_bins(score), minlength=N_BINS)
    return float((rows[rows > 0] * np.abs(observed - predicted)).sum() / len(score))


def _sklearn(label, score):
    return {
        "ece": _ece(label, score),
        "brier_score": brier_score_loss(label, score),
        "roc_auc": roc_auc_score(label, score),
    }


def _calibrated(seed, n=3000, *, shift=0.0, group=("ethnicity", "asian")):
    """Protected columns and a score whose labels are drawn from it (calibrated by
    construction); ``shift`` moves one group's scores by that much on the logit scale after
    its labels are drawn, so its ranking stays the same but the score overstates its risk."""
    frame = random_frame(seed, n=n).drop(columns=["label", "score"])
    rng = np.random.default_rng(seed + 100)
    score = expit(rng.normal(-0.6, 1.4, n))
    frame["label"] = (rng.random(n) < score).astype(int)
    shifted = (frame[group[0]] == group[1]).to_numpy()
    frame["score"] = np.where(shifted, expit(logit(score) + shift), score)
    return frame


def _audit(frame, **options):
    return audit(
        frame["score"],
        frame,
        label="label",
        protected=PROTECTED,
        options=AuditOptions(**{"bootstrap": 100, **options}),
    )


@pytest.mark.parametrize("privileged", [None, {"gender": "female", "ethnicity": "white"}])
def test_every_group_and_gap_equals_scikit_learn(privileged):
    # Scores rounded to two places give many ties, which ROC AUC counts as half.
    frame = random_frame(7, n=2000).assign(score=lambda f: f["score"].round(2))
    result = _audit(frame, privileged=privileged)
    for (positive, attribute, group), row in result.by_group.iterrows():
        if "&" in attribute:
            continue
        inside = (frame[attribute].astype(str) == group).to_numpy()
        mine = _sklearn(frame["label"][inside], frame["score"][inside])
        for name, value in mine.items():
            assert row[name] == pytest.approx(value, abs=1e-12), (attribute, group, name)
        if (positive, attribute, group) not in result.differences.index:
            continue
        versus = result.differences.loc[(positive, attribute, group)]
        if versus["reference"] == "rest":
            compared = ~inside
        else:
            compared = (frame[attribute].astype(str) == versus["reference"]).to_numpy()
        theirs = _sklearn(frame["label"][compared], frame["score"][compared])
        for name in mine:
            gap = versus[f"{name}_difference"]
            assert gap == pytest.approx(mine[name] - theirs[name], abs=1e-12), (group, name)
    overall = result.overall.iloc[0]
    for name, value in _sklearn(frame["label"], frame["score"]).items():
        assert overall[name] == pytest.approx(value, abs=1e-12)


def test_the_reliability_curve_is_scikit_learns():
    frame = random_frame(8, n=1500)
    result = _audit(frame, bootstrap=0)
    for (_, attribute, group), curve in result.reliability.groupby(
        level=["class", "attribute", "group"]
    ):
        if "&" in attribute:
            continue
        inside = (frame[attribute].astype(str) == group).to_numpy()
        observed, predicted = calibration_curve(
            frame["label"][inside], frame["score"][inside], n_bins=N_BINS, strategy="uniform"
        )
        np.testing.assert_allclose(curve["observed_rate"], observed, atol=1e-12)
        np.testing.assert_allclose(curve["mean_predicted"], predicted, atol=1e-12)
        assert curve["rows"].sum() == inside.sum()
        bins = curve.index.get_level_values("bin")
        np.testing.assert_allclose(curve["bin_low"], bins / N_BINS)
        assert (curve["bin_low"] <= curve["mean_predicted"] + 1e-12).all()
        assert (curve["mean_predicted"] <= curve["bin_high"] + 1e-12).all()


def test_a_score_that_overstates_one_groups_risk_is_a_robust_breach():
    frame = _calibrated(1, shift=1.5)
    result = _audit(frame)
    breaches = [b for b in result.breaches if b.metric in CALIBRATION_BETWEEN]
    found = {(b.attribute, b.group, b.metric, b.strength) for b in breaches}
    assert ("ethnicity", "asian", "ece_difference", "robust") in found
    ece = next(b for b in breaches if (b.attribute, b.group) == ("ethnicity", "asian"))
    assert ece.low > 0.1 and ece.q_value < 0.001
    assert "the same score means something else" in ece.message
    # The same ranking: the group's ROC AUC is that of its unshifted scores, and no group's
    # ranking differs robustly.
    unshifted = _calibrated(1)
    inside = (frame["ethnicity"] == "asian").to_numpy()
    auc = roc_auc_score(unshifted["label"][inside], unshifted["score"][inside])
    assert result.by_group.loc[("1", "ethnicity", "asian"), "roc_auc"] == pytest.approx(auc)
    assert not [b for b in breaches if b.metric == "roc_auc_difference" and b.robust]
    # Only the shifted group and intersections within it are robustly miscalibrated.
    robust = {(b.attribute, b.group) for b in breaches if b.robust}
    assert robust and all("asian" in group for _, group in robust)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_a_calibrated_score_is_not_flagged(seed):
    result = _audit(_calibrated(seed))
    assert not [b for b in result.robust_breaches if b.metric in CALIBRATION_BETWEEN]
    single = result.by_group[["&" not in a for a in result.by_group.index.get_level_values(1)]]
    assert (single["ece"] < 0.1).all()


def test_p_values_of_the_calibration_gaps_are_tested_with_the_others():
    result = _audit(_calibrated(5), bootstrap=0)
    differences = result.differences
    for name in ("ece_difference", "roc_auc_difference"):
        p = differences[f"{name}_p"]
        tested = differences["caveats"] != "small"
        assert p[tested].between(0, 1).all() and p[~tested].isna().all()
    # The Brier score difference has no default bound, so it is not tested...
    assert differences["brier_score_difference_p"].isna().all()
    # ...until it is given one.
    bounded = _audit(
        _calibrated(5, shift=1.5),
        bootstrap=0,
        bounds=FairnessBounds(brier_score_difference=0.01),
    )
    assert bounded.differences["brier_score_difference_p"].notna().any()
    assert any(b.metric == "brier_score_difference" for b in bounded.breaches)


def test_a_group_of_one_class_has_no_auc_and_says_so():
    frame = _calibrated(6, n=1200)
    nonbinary = (frame["gender"] == "nonbinary").to_numpy()
    frame.loc[nonbinary, "label"] = 0
    result = _audit(frame)
    row = result.by_group.loc[("1", "gender", "nonbinary")]
    assert np.isnan(row["roc_auc"]) and np.isnan(row["roc_auc_low"])
    assert not np.isnan(row["ece"]) and not np.isnan(row["brier_score"])
    assert np.isnan(result.differences.loc[("1", "gender", "nonbinary"), "roc_auc_difference"])
    note = MSG_AUC_UNDEFINED.format(prefix="", level="gender", groups="nonbinary", positive="1")
    assert note in result.warnings
    # Compared with that group, every other group's AUC gap is undefined, and said to be.
    versus = _audit(frame, privileged={"gender": "nonbinary", "ethnicity": None})
    gaps = versus.differences.xs("gender", level="attribute")["roc_auc_difference"]
    assert gaps.isna().all()
    note = MSG_AUC_REFERENCE.format(
        prefix="", level="gender", groups="female, male", reference="nonbinary", positive="1"
    )
    assert note in versus.warnings


def test_calibration_goes_to_json():
    result = _audit(_calibrated(1, shift=1.5), bootstrap=20)
    data = result.to_dict()
    curve = pd.DataFrame(data["reliability"])
    assert set(curve.columns) == {
        "class",
        "attribute",
        "group",
        "bin",
        "bin_low",
        "bin_high",
        "rows",
        "mean_predicted",
        "observed_rate",
    }
    assert len(curve) == len(result.reliability)
    assert {"ece", "brier_score", "roc_auc", "ece_low"} <= set(data["by_group"][0])
    breach = next(b for b in data["breaches"] if b["metric"] == "ece_difference")
    assert breach["strength"] == "robust" and 0 <= breach["q_value"] < 0.05
    assert data["params"]["bounds"]["ece_difference"] == 0.1


def test_bootstrap_in_chunks_equals_one_draw(monkeypatch):
    frame = _calibrated(9, n=600)
    group = (frame["gender"] == "male").to_numpy().astype(int)
    arguments = {
        "n_groups": 2,
        "reference": None,
        "replicates": 30,
        "confidence": 0.9,
        "min_group_size": 30,
    }
    values = frame["score"].to_numpy(), frame["label"].to_numpy()
    whole = level_calibration(*values, group, **arguments, rng=np.random.default_rng(0))
    # Seven replicates at a time: the same rows drawn, so the same intervals.
    monkeypatch.setattr("workbench.audit._calibration._CHUNK", 600 * 7)
    chunked = level_calibration(*values, group, **arguments, rng=np.random.default_rng(0))
    for table in ("by_group", "between"):
        mine, theirs = getattr(whole, table), getattr(chunked, table)
        for name, value in mine.items():
            np.testing.assert_allclose(theirs[name], value, atol=1e-12, err_msg=name)
    assert np.isfinite(whole.between["ece_difference_low"]).all()


def test_beyond_the_bootstrap_budget_calibration_has_no_intervals_and_says_so(monkeypatch):
    frame = _calibrated(1, n=1500, shift=1.5)
    monkeypatch.setattr("workbench.audit._audit.CALIBRATION_BOOTSTRAP_BUDGET", 1500 * 99)
    result = _audit(frame, bootstrap=100)
    note = MSG_CALIBRATION_UNBOOTSTRAPPED.format(rows=1500, replicates=100, budget=1500 * 99)
    assert note in result.warnings
    assert result.by_group["ece_low"].isna().all() and result.by_group["fnr_low"].notna().any()
    # Without intervals the q-value alone decides, as with bootstrap=0.
    ece = next(b for b in result.breaches if (b.group, b.metric) == ("asian", "ece_difference"))
    assert ece.robust and np.isnan(ece.low)


def test_calibration_can_be_left_out():
    result = _audit(_calibrated(1, n=1500, shift=1.5), calibration=False)
    assert result.by_group["ece"].isna().all() and result.reliability.empty
    assert not [b for b in result.breaches if b.metric in CALIBRATION_BETWEEN]
    assert MSG_NO_SCORES not in result.warnings
    assert result.to_dict()["params"]["calibration"] is False
