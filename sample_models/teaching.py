"""Lessons for teachers: inject a chosen amount of label bias into SYNTHETIC data, train a small
model on it and audit the model, so that the fairness metrics can be watched as the bias grows.

The data are the sample models' synthetic intake records (``sample_models.synthetic``): the true
relapse outcome depends on clinical features only. :func:`bias_lesson` records a share
``strength`` of one group's non-relapses as relapses in the training labels (historical
over-surveillance), trains a logistic regression that never sees ethnicity, and audits it on
true labels of fresh records. The model learns the bias through insurance type, a proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sample_models.synthetic import intake_records
from workbench._errors import InputError
from workbench.audit import AuditOptions, AuditResult, audit
from workbench.models import ModelInfo, SklearnAdapter

BIASED_GROUP = ("ethnicity", "black")
PROTECTED = ("ethnicity", "insurance_type")
FEATURES = (*intake_records.NUMERIC_FEATURES, *intake_records.CATEGORICAL_FEATURES)
MAX_STRENGTH = 0.8
TRAIN_ROWS = 3000
EVAL_ROWS = 1500
MSG_BAD_STRENGTH = "bias strength must be a number from 0 to {maximum}; got {value!r}"


@dataclass(frozen=True, eq=False)
class BiasLesson:
    """One run of the lesson: how many training labels the bias changed, the trained model,
    and its audit on true labels of the evaluation records."""

    strength: float
    relabelled: int
    model: SklearnAdapter
    data: pd.DataFrame
    audit: AuditResult


def bias_lesson(
    strength: float,
    *,
    train_rows: int = TRAIN_ROWS,
    eval_rows: int = EVAL_ROWS,
    seed: int = 0,
    bootstrap: int = 100,
) -> BiasLesson:
    """Record a share ``strength`` (0 to 0.8) of the biased group's non-relapses as relapses in
    the training labels, train a model without ethnicity, and audit it on true labels.

    The same seed gives the same records; a larger strength relabels a superset of the rows a
    smaller one does, so the metrics move only because of the bias.
    """
    if (
        isinstance(strength, bool)
        or not isinstance(strength, int | float)
        or not 0 <= strength <= MAX_STRENGTH
    ):
        raise InputError(MSG_BAD_STRENGTH.format(maximum=MAX_STRENGTH, value=strength))
    train, draws = _training_records(train_rows, seed)
    column, group = BIASED_GROUP
    relabel = (train[column] == group) & (train["label"] == "no_relapse") & (draws < strength)
    recorded = train["label"].where(~relabel, "relapse")
    model = _train(train, recorded)
    evaluation = _evaluation_records(eval_rows, seed)
    result = audit(
        model,
        evaluation,
        label="label",
        protected=list(PROTECTED),
        options=AuditOptions(intersections=False, bootstrap=bootstrap, seed=seed),
    )
    return BiasLesson(
        strength=float(strength),
        relabelled=int(relabel.sum()),
        model=model,
        data=evaluation.copy(),
        audit=result,
    )


@cache
def _training_records(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    records = intake_records.generate_intake_records(rows, 4101 + seed, split="train")
    draws = np.random.default_rng(4303 + seed).random(rows)
    return records, draws


@cache
def _evaluation_records(rows: int, seed: int) -> pd.DataFrame:
    return intake_records.generate_intake_records(rows, 4202 + seed, split="eval")


def _train(records: pd.DataFrame, labels: pd.Series) -> SklearnAdapter:
    encode = ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(intake_records.NUMERIC_FEATURES)),
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore"),
                list(intake_records.CATEGORICAL_FEATURES),
            ),
        ]
    )
    pipeline = Pipeline([("encode", encode), ("classify", LogisticRegression(max_iter=1000))])
    pipeline.fit(records.loc[:, list(FEATURES)], labels)
    info = ModelInfo(
        name="lesson_relapse",
        kind="tabular",
        class_names=intake_records.CLASSES,
        positive_class="relapse",
        feature_columns=FEATURES,
    )
    return SklearnAdapter(pipeline, info)
