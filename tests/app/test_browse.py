"""The subject under review and the example filters (workbench.app.browse), on the sample models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.app.browse import (
    MSG_BAD_ROW,
    MSG_MISSING_COLUMN,
    MSG_UNKNOWN_CLASS,
    MSG_UNKNOWN_GROUP,
    MSG_UNKNOWN_OUTCOME,
    example_input,
    filter_examples,
    make_subject,
    open_subject,
)


@pytest.fixture(scope="module")
def crisis():
    return open_subject(workbench.sample_model_specs()["crisis_text"])


@pytest.fixture(scope="module")
def relapse():
    return open_subject(workbench.sample_model_specs()["relapse_tabular"])


def test_open_subject_scores_every_row_once(crisis):
    data = workbench.load_dataset(workbench.sample_model_specs()["crisis_text"])
    assert crisis.probabilities.shape == (len(data), 2)
    expected = crisis.model.predict_proba(data["text"].head(5).tolist())
    np.testing.assert_allclose(crisis.probabilities[:5], expected, rtol=1e-5, atol=1e-6)
    assert crisis.protected == ("gender", "ethnicity", "age_band")
    assert crisis.positive_class == "urgent"


def test_examples_hold_label_prediction_and_groups(crisis):
    table = crisis.examples
    best = crisis.probabilities.argmax(axis=1)
    assert table["prediction"].tolist() == [crisis.model.class_names[i] for i in best]
    assert table["correct"].tolist() == (table["label"] == table["prediction"]).tolist()
    np.testing.assert_allclose(table["score"], crisis.probabilities.max(axis=1))
    assert set(table["ethnicity"]) == {"asian", "black", "hispanic", "white"}


def test_groups_are_listed_largest_first(crisis):
    counts = crisis.examples["ethnicity"].value_counts()
    assert list(crisis.groups["ethnicity"]) == list(counts.index)


def test_filters_combine(crisis):
    page = filter_examples(
        crisis, attribute="ethnicity", group="black", label="urgent", outcome="errors"
    )
    table = crisis.examples
    expected = table[
        (table["ethnicity"] == "black") & (table["label"] == "urgent") & ~table["correct"]
    ]
    assert page.total == len(expected)
    assert list(page.rows.index) == list(expected.index)
    assert set(page.rows["prediction"]) == {"routine"}


def test_filters_limit_the_page_but_count_everything(crisis):
    page = filter_examples(crisis, prediction="routine", outcome="correct", limit=7)
    assert len(page.rows) == 7
    table = crisis.examples
    assert page.total == int(((table["prediction"] == "routine") & table["correct"]).sum())


def test_texts_shown_are_redacted(crisis):
    data = crisis.data.copy()
    data.loc[0, "text"] = "Call me on 555-123-4567 or mail jo@example.org, I can't go on."
    subject = make_subject(
        crisis.model, data, label="label", protected=["ethnicity"], text_column="text"
    )
    shown = filter_examples(subject, limit=1).rows["text"].iloc[0]
    assert "555-123-4567" not in shown and "jo@example.org" not in shown
    assert "[PHONE]" in shown and "[EMAIL]" in shown
    assert example_input(subject, 0) == data.loc[0, "text"]  # explained as audited


def test_tabular_examples_are_rows(relapse):
    row = example_input(relapse, 3)
    assert isinstance(row, pd.DataFrame) and len(row) == 1
    assert row.iloc[0]["id"] == relapse.data.iloc[3]["id"]
    text = filter_examples(relapse, limit=1).rows["text"].iloc[0]
    assert text.startswith(f"phq9={relapse.data.iloc[0]['phq9']}, ")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"attribute": "ethnicity", "group": "martian"},
            MSG_UNKNOWN_GROUP.format(
                group="martian",
                attribute="ethnicity",
                choices=["white", "black", "hispanic", "asian"],
            ),
        ),
        (
            {"label": "maybe"},
            MSG_UNKNOWN_CLASS.format(value="maybe", choices=["routine", "urgent"]),
        ),
        (
            {"outcome": "some"},
            MSG_UNKNOWN_OUTCOME.format(choices=["all", "errors", "correct"], value="some"),
        ),
    ],
)
def test_bad_filters_say_what_is_allowed(crisis, kwargs, message):
    with pytest.raises(workbench.DataError) as caught:
        filter_examples(crisis, **kwargs)
    assert str(caught.value) == message


def test_bad_row_and_missing_columns(crisis):
    with pytest.raises(workbench.DataError) as caught:
        example_input(crisis, 1500)
    assert str(caught.value) == MSG_BAD_ROW.format(row=1500, n=1500, last=1499)
    data = crisis.data.drop(columns=["gender"])
    with pytest.raises(workbench.DataError) as caught:
        make_subject(crisis.model, data, label="label", protected=["gender"], text_column="text")
    assert str(caught.value) == MSG_MISSING_COLUMN.format(
        role="protected attribute", column="gender", columns=list(data.columns)
    )
