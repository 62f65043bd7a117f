"""Validity of the breach strength by simulation: how often noise alone gives a robust breach,
and how often a real false-negative-rate gap is found robust.

Run with ``python -m bench.bench_validity``; writes ``bench/results/validity.json``. Every
audit uses crisis_text's protected columns (its 1,500 rows: gender, ethnicity, age band and
their intersections, so the same groups and the same number of tests) and the default options
(bounds, 200 bootstrap replicates, false discovery rate 5%). Labels are drawn with crisis_text's
share of urgent messages and decisions with its overall false negative and false positive
rates, the same for every group ("no group effect"); the injected case raises the false
negative rate of hispanic patients (299 rows) by a gap.

The calibration case draws a score per message and its label from that score (a calibrated
score, the same for every group), then, in the injected case, shifts the scores of hispanic
patients on the logit scale after their labels are drawn: their ranking is unchanged, but the
score overstates their risk. It counts audits with a robust calibration breach (expected
calibration error or ROC AUC difference) anywhere, and with a robust expected calibration error
breach for the injected group.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from workbench.audit import CALIBRATION_BETWEEN, AuditOptions, AuditResult, audit

RESULTS = Path(__file__).with_name("results") / "validity.json"
DATA = Path(__file__).resolve().parents[1] / "sample_models" / "crisis_text" / "data.csv"
PROTECTED = ["gender", "ethnicity", "age_band"]
# crisis_text's share of urgent messages, and its model's error rates at threshold 0.5.
PREVALENCE = 0.383
FALSE_NEGATIVE_RATE = 0.17
FALSE_POSITIVE_RATE = 0.069
INJECTED = ("ethnicity", "hispanic")
GAPS = (0.10, 0.20, 0.30)
MAX_NULL_RATE = 0.05
MIN_POWER = 0.8
# Calibrated scores: logits drawn from a normal distribution whose mean gives about crisis_text's
# share of urgent messages; the injected shifts of one group's logits.
SCORE_LOGIT = (-0.7, 2.0)
SHIFTS = (1.0, 1.5)


def crisis_groups() -> pd.DataFrame:
    """crisis_text's protected columns, one row per message."""
    return pd.read_csv(DATA, usecols=PROTECTED)


def simulated(groups: pd.DataFrame, rng: np.random.Generator, *, gap: float = 0.0) -> pd.DataFrame:
    """The groups with a drawn 0/1 ``label`` and a 0/1 ``score`` (the decision) that misses
    positives at the same rate in every group, but ``gap`` more often in the injected group."""
    n = len(groups)
    label = rng.random(n) < PREVALENCE
    attribute, group = INJECTED
    miss = FALSE_NEGATIVE_RATE + gap * (groups[attribute] == group).to_numpy()
    decision = np.where(label, rng.random(n) >= miss, rng.random(n) < FALSE_POSITIVE_RATE)
    return groups.assign(label=label.astype(int), score=decision.astype(float))


def audited(frame: pd.DataFrame, *, bootstrap: int, seed: int) -> AuditResult:
    """The default audit of a simulated frame (its own bootstrap seed)."""
    options = AuditOptions(bootstrap=bootstrap, seed=seed)
    return audit(frame["score"], frame, label="label", protected=PROTECTED, options=options)


def simulated_scores(
    groups: pd.DataFrame, rng: np.random.Generator, *, shift: float = 0.0
) -> pd.DataFrame:
    """The groups with a calibrated ``score`` and a ``label`` drawn from it; the injected
    group's scores shifted by ``shift`` on the logit scale after its labels are drawn."""
    n = len(groups)
    score = expit(rng.normal(*SCORE_LOGIT, n))
    label = rng.random(n) < score
    attribute, group = INJECTED
    moved = (groups[attribute] == group).to_numpy()
    score = np.where(moved, expit(logit(score) + shift), score)
    return groups.assign(label=label.astype(int), score=score)


def calibration_breaches(result: AuditResult) -> list:
    """The robust breaches of a calibration bound."""
    return [b for b in result.robust_breaches if b.metric in CALIBRATION_BETWEEN]


def found_miscalibration(result: AuditResult) -> bool:
    """Whether the audit found the injected group's expected calibration error gap robust."""
    attribute, group = INJECTED
    return any(
        (b.attribute, b.group, b.metric) == (attribute, group, "ece_difference")
        for b in calibration_breaches(result)
    )


def calibration_rates(audits: int, *, shift: float, bootstrap: int, seed: int) -> dict:
    """Share of ``audits`` of calibrated scores (one group's shifted by ``shift``) with a robust
    calibration breach, and with one for the injected group."""
    groups = crisis_groups()
    rng = np.random.default_rng(seed)
    any_robust = injected = possible = 0
    for k in range(audits):
        frame = simulated_scores(groups, rng, shift=shift)
        result = audited(frame, bootstrap=bootstrap, seed=seed + k)
        any_robust += bool(calibration_breaches(result))
        injected += found_miscalibration(result)
        possible += sum(b.metric in CALIBRATION_BETWEEN and not b.robust for b in result.breaches)
    return {
        "logit_shift": shift,
        "audits": audits,
        "any_robust_calibration_rate": any_robust / audits,
        "injected_found_rate": injected / audits,
        "mean_possible_calibration_breaches": possible / audits,
    }


def found_injected(result: AuditResult) -> bool:
    """Whether the audit found a robust breach for the injected group itself."""
    attribute, group = INJECTED
    return any(b.attribute == attribute and b.group == group for b in result.robust_breaches)


def rates(audits: int, *, gap: float, bootstrap: int, seed: int) -> dict:
    """Share of ``audits`` with any robust breach, with one for the injected group, and the
    mean numbers of robust and possible breaches."""
    groups = crisis_groups()
    rng = np.random.default_rng(seed)
    any_robust = injected = robust = possible = 0
    for k in range(audits):
        result = audited(simulated(groups, rng, gap=gap), bootstrap=bootstrap, seed=seed + k)
        any_robust += bool(result.robust_breaches)
        injected += found_injected(result)
        robust += len(result.robust_breaches)
        possible += len(result.breaches) - len(result.robust_breaches)
    return {
        "gap": gap,
        "audits": audits,
        "any_robust_rate": any_robust / audits,
        "injected_found_rate": injected / audits,
        "mean_robust_breaches": robust / audits,
        "mean_possible_breaches": possible / audits,
    }


def main() -> None:
    """Run the simulations and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=200)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument(
        "--calibration-audits", type=int, default=100, help="audits per calibration case"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    null = rates(args.audits, gap=0.0, bootstrap=args.bootstrap, seed=0)
    injected = [
        rates(args.audits, gap=gap, bootstrap=args.bootstrap, seed=1000 * (i + 1))
        for i, gap in enumerate(GAPS)
    ]
    calibration = [
        calibration_rates(
            args.calibration_audits, shift=shift, bootstrap=args.bootstrap, seed=50_000 + i
        )
        for i, shift in enumerate((0.0, *SHIFTS))
    ]
    results = {
        "machine": platform.platform(),
        "rows": len(crisis_groups()),
        "bootstrap": args.bootstrap,
        "seconds": round(time.perf_counter() - started, 1),
        "no_group_effect": null,
        "injected_false_negative_rate_gap": injected,
        "calibration": calibration,
        "targets": {"max_null_rate": MAX_NULL_RATE, "min_power": MIN_POWER},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
