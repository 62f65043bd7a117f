"""Mitigation: AIF360 post-processing and reweighing, each with before/after audits."""

import json

import numpy as np
import pandas as pd
import pytest

from workbench.audit import AuditError, AuditOptions, postprocess, reweigh, reweighing_weights
from workbench.audit._inputs import MSG_LABELS_MISSING
from workbench.audit._mitigation import (
    MSG_BAD_SHARE,
    MSG_NEEDS_RETRAIN,
    MSG_NO_ATTRIBUTE,
    MSG_NO_PRIVILEGED,
    MSG_NOT_BINARY,
    MSG_ONE_SIDE,
    MSG_UNCHANGED,
    MSG_UNKNOWN_METHOD,
)

from .audit_data import random_frame

FNR_GAP = "false_negative_rate_difference"
FAST_ROC = {
    "num_class_thresh": 20,
    "num_ROC_margin": 10,
    "metric_name": "Equal opportunity difference",
}


@pytest.fixture(scope="module")
def crisis(crisis_scores):
    scores, data = crisis_scores
    return scores, data


def _post(scores, data, method, *, seed=0, method_options=None):
    return postprocess(
        scores,
        data,
        label="label",
        positive_class="urgent",
        attribute="ethnicity",
        privileged=["white", "asian", "hispanic"],
        method=method,
        method_options=method_options,
        options=AuditOptions(bootstrap=0, seed=seed),
    )


@pytest.mark.parametrize(
    ("method", "options"),
    [("reject_option", FAST_ROC), ("equalized_odds", {})],
)
def test_postprocessing_narrows_the_missed_crisis_gap(crisis, method, options):
    scores, data = crisis
    result = _post(scores, data, method, method_options=options)
    key = ("urgent", "ethnicity", "black", FNR_GAP)
    row = result.table.loc[key]
    assert row["before"] > 0.15
    assert abs(row["after"]) < abs(row["before"])
    assert result.params["fit_rows"] + result.params["held_out_rows"] == len(data)
    assert len(result.rows) == len(result.decisions) == result.params["held_out_rows"]
    held = data.iloc[result.rows]
    before = result.before.by_group.loc[("urgent", "ethnicity", "black"), "size"]
    assert before == (held["ethnicity"] == "black").sum()
    assert json.dumps(result.to_dict(), allow_nan=False)


def test_calibrated_equalized_odds_runs_and_says_when_nothing_changed(crisis):
    scores, data = crisis
    cost = {"cost_constraint": "fnr"}
    result = _post(scores, data, "calibrated_equalized_odds", method_options=cost)
    changed = not np.array_equal(result.decisions, scores[result.rows] >= 0.5)
    assert changed or MSG_UNCHANGED.format(method="calibrated_equalized_odds") in result.notes
    assert set(result.table.index.get_level_values("metric")) >= {FNR_GAP, "accuracy"}


def test_postprocessing_is_seeded_and_leaves_numpy_global_state_alone(crisis):
    scores, data = crisis
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    first = _post(scores, data, "equalized_odds", seed=5)
    assert np.random.random() == expected
    second = _post(scores, data, "equalized_odds", seed=5)
    np.testing.assert_array_equal(first.decisions, second.decisions)
    np.testing.assert_array_equal(first.rows, second.rows)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "massaging"}, None),
        ({"fit_share": 1.0}, MSG_BAD_SHARE.format(value=1.0)),
        (
            {"privileged": "martian"},
            MSG_NO_PRIVILEGED.format(
                group="martian",
                attribute="ethnicity",
                part="data",
                groups=["asian", "black", "hispanic", "white"],
            ),
        ),
    ],
    ids=["unknown method", "fit share", "unknown privileged group"],
)
def test_postprocessing_input_errors(options, message):
    frame = random_frame(61, n=400)
    if message is None:
        message = MSG_UNKNOWN_METHOD.format(
            method="massaging",
            choices=["reject_option", "equalized_odds", "calibrated_equalized_odds"],
        )
    arguments = {"label": "label", "attribute": "ethnicity", "privileged": "white", **options}
    with pytest.raises(AuditError) as caught:
        postprocess(frame["score"], frame, **arguments)
    assert str(caught.value) == message


def test_postprocessing_needs_a_binary_decision():
    frame = random_frame(62, n=300)
    probabilities = np.random.default_rng(0).dirichlet([1, 1, 1], size=300)
    with pytest.raises(AuditError) as caught:
        postprocess(
            probabilities,
            frame,
            label=np.random.default_rng(1).integers(0, 3, 300),
            attribute="gender",
            privileged="male",
        )
    assert str(caught.value) == MSG_NOT_BINARY


def test_reweighing_weights_follow_the_formula():
    frame = pd.DataFrame({"group": list("aaaabbbbbb"), "label": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]})
    weights = reweighing_weights(frame, label="label", attribute="group", privileged="a")
    n, n_fav = 10, 4
    expected = []
    for group, label in zip(frame["group"], frame["label"]):
        in_group = frame["group"] == group
        cell = (in_group & (frame["label"] == label)).sum()
        favourable = n_fav if label == 1 else n - n_fav
        expected.append(favourable * in_group.sum() / (n * cell))
    np.testing.assert_allclose(weights, expected)


def test_reweighing_retrains_the_sklearn_sample_model(sample):
    from sample_models.synthetic.crisis_messages import generate_crisis_messages

    model, data = sample("crisis_text_sklearn")
    train = generate_crisis_messages(1500, 1101, split="train")
    result = reweigh(
        model,
        data,
        label="label",
        attribute="ethnicity",
        privileged=["white", "asian", "hispanic"],
        train_data=train,
        train_label="recorded_label",
        text_column="text",
        options=AuditOptions(bootstrap=0),
    )
    assert result.method == "reweighing" and result.decisions is None
    assert result.after.model_name == "crisis_text_sklearn (reweighed)"
    assert result.params["weights"]["max"] > 1.2
    row = result.table.loc[("urgent", "ethnicity", "black", FNR_GAP)]
    assert row["after"] < row["before"]


def test_reweighing_other_models_needs_a_retrain_function(sample):
    model, data = sample("crisis_text")
    subset = data.iloc[:200]
    with pytest.raises(AuditError) as caught:
        reweigh(
            model, subset, label="label", attribute="gender", privileged="male", train_data=subset
        )
    assert str(caught.value) == MSG_NEEDS_RETRAIN.format(kind="torch")
    seen = {}

    def retrain(train_data, weights):
        seen["rows"], seen["weights"] = len(train_data), weights
        return model

    result = reweigh(
        model,
        subset,
        label="label",
        attribute="gender",
        privileged="male",
        train_data=subset,
        retrain=retrain,
        options=AuditOptions(bootstrap=0),
    )
    assert seen["rows"] == len(seen["weights"]) == 200
    assert (result.table["change"].fillna(0) == 0).all()


@pytest.mark.parametrize(
    ("frame", "arguments", "message"),
    [
        (
            random_frame(63, n=200),
            {"attribute": "religion", "privileged": "none"},
            MSG_NO_ATTRIBUTE.format(
                attribute="religion",
                columns=["gender", "ethnicity", "age_band", "label", "score"],
            ),
        ),
        (
            random_frame(64, n=200).assign(site="north"),
            {"attribute": "site", "privileged": "north"},
            MSG_ONE_SIDE.format(part="training rows", group="north", attribute="site"),
        ),
        (
            random_frame(65, n=200).astype({"label": float}).assign(label=np.nan),
            {"attribute": "gender", "privileged": "male"},
            MSG_LABELS_MISSING.format(count=200),
        ),
    ],
    ids=["unknown attribute", "nobody outside the privileged group", "labels missing"],
)
def test_reweighing_weights_input_errors(frame, arguments, message):
    with pytest.raises(AuditError) as caught:
        reweighing_weights(frame, label="label", **arguments)
    assert str(caught.value) == message
