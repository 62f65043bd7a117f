"""Audit speed: the full workbench audit against one hand-written AIF360 run, in the same run.

Run with ``python -m bench.bench_audit``; writes ``bench/results/audit.json`` and prints the
ratios. On 1,000,000 synthetic rows with three protected attributes, the workbench audits every
attribute and every intersection (99 groups); the baseline is one AIF360 ``ClassificationMetric``
for a single privileged/unprivileged pair, as an AIF360 user writes it. Each figure is the
median of several repeats, the two taking turns so that both see the same machine load. The
numbers both report for that pair must agree to 1e-9.
"""

from __future__ import annotations

import argparse
import logging
import platform
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import workbench
from bench._common import RESULTS_DIR, write_results
from workbench.audit import BETWEEN, AuditOptions, audit

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import aif360
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric

    logging.disable(logging.NOTSET)

RESULTS = RESULTS_DIR / "audit.json"
ROWS = 1_000_000
PROTECTED = ["gender", "ethnicity", "age_band"]
SIZES = {"gender": 3, "ethnicity": 4, "age_band": 4}
PAIR = {"attribute": "ethnicity", "unprivileged": 1, "privileged": 3}
TARGET_RATIO = 0.5
TOLERANCE = 1e-9
GROUP_METRICS = {
    "size": "num_instances",
    "base_rate": "base_rate",
    "selection_rate": "selection_rate",
    "tpr": "true_positive_rate",
    "fpr": "false_positive_rate",
    "fnr": "false_negative_rate",
    "precision": "precision",
    "accuracy": "accuracy",
}


def synthetic_rows(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Integer-coded protected columns, a 0/1 label and scores worse for ethnicity 1."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.integers(0, size, rows) for name, size in SIZES.items()})
    label = rng.random(rows) < 0.4
    penalty = 0.1 * (frame["ethnicity"].to_numpy() == PAIR["unprivileged"])
    scores = np.clip(0.15 + 0.3 * label + 0.55 * rng.random(rows) - penalty, 0, 1)
    frame["label"] = label.astype(int)
    return frame, scores


def hand_aif360(frame: pd.DataFrame, scores: np.ndarray) -> dict[str, float]:
    """One ClassificationMetric for one pair, from the rows, as an AIF360 user writes it."""
    columns = frame[[*PROTECTED, "label"]]
    truth = BinaryLabelDataset(
        df=columns, label_names=["label"], protected_attribute_names=PROTECTED
    )
    predicted = truth.copy(deepcopy=True)
    predicted.labels = (scores >= 0.5).astype(np.float64)[:, None]
    attribute = PAIR["attribute"]
    metric = ClassificationMetric(
        truth,
        predicted,
        unprivileged_groups=[{attribute: PAIR["unprivileged"]}],
        privileged_groups=[{attribute: PAIR["privileged"]}],
    )
    values = {}
    with np.errstate(all="ignore"):
        for side, privileged in (("unprivileged", False), ("privileged", True)):
            for name, method in GROUP_METRICS.items():
                values[f"{side}.{name}"] = float(getattr(metric, method)(privileged=privileged))
        for name in BETWEEN:
            if name == "precision_difference":  # AIF360's difference of predictive values
                values[name] = float(metric.difference(metric.positive_predictive_value))
            else:
                values[name] = float(getattr(metric, name)())
    return values


def workbench_audit(frame: pd.DataFrame, scores: np.ndarray, bootstrap: int):
    """The full audit: every attribute and intersection, each group against its reference
    (the pair's privileged group for its attribute, the rest of the rows for the others). Like
    the baseline, it measures decisions: calibration by group (from the scores, row by row) is
    left out."""
    privileged = {name: None for name in PROTECTED} | {PAIR["attribute"]: PAIR["privileged"]}
    options = AuditOptions(privileged=privileged, bootstrap=bootstrap, calibration=False)
    return audit(scores, frame, label="label", protected=PROTECTED, options=options)


def pair_values(result) -> dict[str, float]:
    """The numbers the hand-written run reports, read from the workbench result."""
    attribute = PAIR["attribute"]
    values = {}
    for side in ("unprivileged", "privileged"):
        row = result.by_group.loc[("1", attribute, str(PAIR[side]))]
        for name in GROUP_METRICS:
            values[f"{side}.{name}"] = float(row[name])
    versus = result.differences.loc[("1", attribute, str(PAIR["unprivileged"]))]
    for name in BETWEEN:
        values[name] = float(versus[name])
    return values


def timed(function: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call takes, and what it returned."""
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def run(rows: int, repeats: int) -> dict:
    """Time both sides in turns, check their numbers agree, and return the figures."""
    frame, scores = synthetic_rows(rows)
    text_frame = frame.astype({name: str for name in PROTECTED})
    workbench_audit(frame.head(1000), scores[:1000], 0)  # import and warm-up, not timed
    times: dict[str, list[float]] = {
        "aif360_one_pair": [],
        "workbench_full_no_bootstrap": [],
        "workbench_full_bootstrap_200": [],
        "workbench_full_no_bootstrap_text_groups": [],
    }
    for _ in range(repeats):
        seconds, expected = timed(lambda: hand_aif360(frame, scores))
        times["aif360_one_pair"].append(seconds)
        seconds, plain = timed(lambda: workbench_audit(frame, scores, 0))
        times["workbench_full_no_bootstrap"].append(seconds)
        seconds, boot = timed(lambda: workbench_audit(frame, scores, 200))
        times["workbench_full_bootstrap_200"].append(seconds)
        seconds, _ = timed(lambda: workbench_audit(text_frame, scores, 0))
        times["workbench_full_no_bootstrap_text_groups"].append(seconds)
    gaps = {}
    for name, result in (("no_bootstrap", plain), ("bootstrap_200", boot)):
        ours = pair_values(result)
        gaps[name] = max(abs(ours[key] - expected[key]) for key in expected)
        assert gaps[name] <= TOLERANCE, f"{name}: numbers differ from AIF360 by {gaps[name]}"
    median = {name: statistics.median(values) for name, values in times.items()}
    baseline = median["aif360_one_pair"]
    return {
        "rows": rows,
        "protected": PROTECTED,
        "groups_audited": int(len(plain.by_group)),
        "levels_audited": int(len(plain.by_attribute)),
        "pair": PAIR,
        "repeats": repeats,
        "seconds_median": median,
        "seconds_all": times,
        "ratio_no_bootstrap": median["workbench_full_no_bootstrap"] / baseline,
        "ratio_bootstrap_200": median["workbench_full_bootstrap_200"] / baseline,
        "ratio_no_bootstrap_text_groups": (
            median["workbench_full_no_bootstrap_text_groups"] / baseline
        ),
        "target_ratio": TARGET_RATIO,
        "max_abs_difference_from_aif360": gaps,
        "aif360_values": expected,
        "versions": {
            "workbench": workbench.__version__,
            "aif360": aif360.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
    }


def main() -> None:
    """Run the benchmark, write the JSON and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    figures = run(args.rows, args.repeats)
    write_results(RESULTS, figures)
    median = figures["seconds_median"]
    print(
        f"{figures['rows']:,} rows, {figures['groups_audited']} groups in "
        f"{figures['levels_audited']} attributes and intersections; medians of "
        f"{figures['repeats']}"
    )
    for name, seconds in median.items():
        print(f"  {name:42s} {seconds:7.3f} s")
    for name in ("ratio_no_bootstrap", "ratio_bootstrap_200", "ratio_no_bootstrap_text_groups"):
        verdict = "ok" if figures[name] <= TARGET_RATIO else "ABOVE TARGET"
        print(f"  {name:42s} {figures[name]:7.3f}  (target <= {TARGET_RATIO}: {verdict})")
    print(f"  identical numbers: max |difference| {figures['max_abs_difference_from_aif360']}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
