"""SYNTHETIC intake records of a mental-health service, labelled relapse or no_relapse.

Every record is drawn by seeded code; none describes a real person. The true relapse outcome
follows a known logistic model of the clinical features only (``COEFFICIENTS``); demographics
and insurance have no effect on it.

Injected biases, so that the workbench has something to find:

* proxy: ``insurance_type`` depends strongly on ``ethnicity`` (``INSURANCE_BY_ETHNICITY``);
* label bias (historical over-surveillance): for black patients who did not relapse, a share of
  records says relapse (``recorded_label``). A model trained on ``recorded_label`` without the
  ethnicity column still learns the bias through insurance type ("fairness through unawareness"
  fails), and so flags more black patients who will not relapse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sample_models.synthetic._common import check_split, sample_demographics, synthetic_ids

CLASSES = ("no_relapse", "relapse")
INSURANCE_TYPES = ("private", "public", "uninsured")
INSURANCE_BY_ETHNICITY = {
    "white": (0.78, 0.17, 0.05),
    "black": (0.10, 0.55, 0.35),
    "asian": (0.68, 0.25, 0.07),
    "hispanic": (0.40, 0.42, 0.18),
}
INTERCEPT = -12.0
COEFFICIENTS = {
    "phq9": 0.70,
    "gad7": 0.28,
    "prior_episodes": 1.70,
    "missed_appointments": 1.00,
    "medication_adherence": -8.4,
}
OVER_RECORDED_GROUP = ("ethnicity", "black")
# The group's records say relapse as if its risk logit were this much higher: a lower bar for
# recording relapse, applied only to records where no relapse happened.
OVER_RECORDED_LOGIT_SHIFT = 3.5
NUMERIC_FEATURES = tuple(COEFFICIENTS)
CATEGORICAL_FEATURES = ("insurance_type", "age_band", "gender")


def generate_intake_records(n: int, seed: int, *, split: str = "train") -> pd.DataFrame:
    """SYNTHETIC intake records with true ``label`` and biased ``recorded_label``."""
    check_split(split)
    rng = np.random.default_rng(seed)
    frame = sample_demographics(rng, n)
    severity = rng.beta(2.0, 2.5, n)
    worry = np.clip(0.7 * severity + 0.3 * rng.beta(2.0, 2.5, n), 0.0, 1.0)
    clinical = {
        "phq9": rng.binomial(27, severity),
        "gad7": rng.binomial(21, worry),
        "prior_episodes": np.minimum(rng.poisson(1.2, n), 6),
        "missed_appointments": np.minimum(rng.poisson(1.5, n), 10),
        "medication_adherence": np.round(rng.beta(4.0, 1.8, n), 2),
    }
    logit = INTERCEPT + sum(COEFFICIENTS[k] * clinical[k] for k in COEFFICIENTS)
    risk = _sigmoid(logit)
    relapse = rng.random(n) < risk
    insurance = np.empty(n, dtype=object)
    for ethnicity, shares in INSURANCE_BY_ETHNICITY.items():
        rows = np.flatnonzero(frame["ethnicity"].to_numpy() == ethnicity)
        insurance[rows] = rng.choice(INSURANCE_TYPES, size=len(rows), p=shares)
    column, group = OVER_RECORDED_GROUP
    # P(recorded relapse) = sigmoid(logit + shift) for the group, by flipping some non-relapses.
    flip = (_sigmoid(logit + OVER_RECORDED_LOGIT_SHIFT) - risk) / (1.0 - risk)
    over = ~relapse & (frame[column].to_numpy() == group) & (rng.random(n) < flip)
    labels = np.where(relapse, "relapse", "no_relapse")
    return pd.DataFrame(
        {
            "id": synthetic_ids("INTAKE", split, n),
            **clinical,
            "insurance_type": insurance.astype(str),
            "age_band": frame["age_band"],
            "gender": frame["gender"],
            "ethnicity": frame["ethnicity"],
            "label": labels,
            "recorded_label": np.where(over, "relapse", labels),
        }
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def truth() -> dict:
    """The generating model and the injected biases of this generator, for ``truth.json``."""
    return {
        "generator": "sample_models.synthetic.intake_records",
        "synthetic": True,
        "classes": list(CLASSES),
        "true_model": {
            "form": "P(relapse) = 1 / (1 + exp(-(intercept + sum(coefficient * feature))))",
            "intercept": INTERCEPT,
            "coefficients": COEFFICIENTS,
            "no_effect": ["insurance_type", "age_band", "gender", "ethnicity"],
        },
        "injected_biases": [
            {
                "type": "proxy",
                "what": "insurance_type depends on ethnicity",
                "insurance_shares_by_ethnicity": {
                    k: dict(zip(INSURANCE_TYPES, v)) for k, v in INSURANCE_BY_ETHNICITY.items()
                },
            },
            {
                "type": "label_bias",
                "what": "records without relapse recorded as relapse (over-surveillance)",
                "attribute": OVER_RECORDED_GROUP[0],
                "group": OVER_RECORDED_GROUP[1],
                "recorded_as_if_logit_higher_by": OVER_RECORDED_LOGIT_SHIFT,
                "applies_to": "recorded_label in both splits; models train on recorded_label",
                "model_features_exclude": ["ethnicity"],
            },
        ],
    }
