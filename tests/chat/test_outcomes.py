"""A chat model's responses scored and one binary outcome audited by group."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from workbench._errors import AuditError, DataError
from workbench.app.findings import findings
from workbench.audit import DEFAULT_OPTIONS
from workbench.chat import BUILTIN_SCORERS, PhraseScorer, audit_responses, score_responses
from workbench.chat._outcomes import (
    MSG_BAD_PROGRESS,
    MSG_EMPTY_GROUP,
    MSG_NO_COLUMN,
    MSG_NOT_01,
    MSG_NOT_BINARY_OUTCOME,
    MSG_NOT_GENERATIVE,
    MSG_UNKNOWN_OUTCOME,
)

from .chat_data import (
    CRISIS_PROMPTS,
    MAN,
    REFERRAL,
    biased_respond,
    chat_model,
    evaluation_data,
    fair_respond,
)

OPTIONS = dataclasses.replace(DEFAULT_OPTIONS, bootstrap=100, privileged={"gender": "woman"})


def test_score_responses_has_one_column_per_scorer():
    frame = score_responses(["hi", "help"], ["Hello!", REFERRAL])
    assert list(frame.columns) == ["prompt", "response", *BUILTIN_SCORERS]
    assert frame["refers_to_crisis"].tolist() == [0.0, 1.0]
    assert frame["validates_feelings"].tolist() == [0.0, 1.0]


def test_a_biased_model_breaches_robustly_for_the_group_it_neglects():
    data = evaluation_data()
    result = audit_responses(
        chat_model(biased_respond),
        data,
        outcome="refers_to_crisis",
        label="needs_referral",
        protected="gender",
        options=OPTIONS,
    )
    by_group = result.audit.by_group.loc[("yes", "gender")]
    referred_men = sum(1 for p in CRISIS_PROMPTS if "tonight" in p)
    assert by_group.loc["man", "tpr"] == referred_men / len(CRISIS_PROMPTS)
    assert by_group.loc["woman", "tpr"] == 1.0
    robust = result.audit.robust_breaches
    assert robust and {b.group for b in robust} == {"man"}
    assert result.audit.model_name == "support_stub"
    assert result.responses["needs_referral"].tolist() == data["needs_referral"].tolist()
    assert findings(result.audit)[0].level == "breach"


def test_a_fair_model_passes():
    result = audit_responses(
        chat_model(fair_respond),
        evaluation_data(),
        outcome="refers_to_crisis",
        label="needs_referral",
        protected=["gender"],
        options=OPTIONS,
    )
    assert result.audit.passed and not result.audit.robust_breaches
    assert findings(result.audit)[0].level == "pass"


def test_to_dict_records_settings_and_redacts_prompts():
    data = pd.DataFrame(
        {
            "prompt": [f"{MAN} My name is John Smith and I feel hopeless tonight."] * 2,
            "needs_referral": [1, 0],
            "gender": ["man", "woman"],
        }
    )
    result = audit_responses(
        chat_model(biased_respond),
        data,
        outcome="refers_to_crisis",
        label="needs_referral",
        protected="gender",
        options=dataclasses.replace(OPTIONS, bootstrap=0),
    )
    payload = result.to_dict()
    assert payload["settings"]["max_new_tokens"] == 40
    assert payload["outcome"] == "refers_to_crisis"
    assert "John Smith" not in str(payload) and "[NAME]" in payload["responses"][0]["prompt"]


def test_team_scorers_can_be_the_outcome():
    scorers = {"mentions_988": PhraseScorer("mentions_988", ["988"])}
    result = audit_responses(
        chat_model(fair_respond),
        evaluation_data(),
        outcome="mentions_988",
        label="needs_referral",
        protected="gender",
        scorers=scorers,
        options=OPTIONS,
    )
    assert list(result.responses.columns[:3]) == ["prompt", "response", "mentions_988"]


def _run(data, **changes):
    arguments = {
        "outcome": "refers_to_crisis",
        "label": "needs_referral",
        "protected": "gender",
        "options": OPTIONS,
        **changes,
    }
    return audit_responses(chat_model(fair_respond), data, **arguments)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"text_column": "text"},
            MSG_NO_COLUMN.format(
                role="prompt", column="text", columns=["prompt", "needs_referral", "gender"]
            ),
        ),
        (
            {"label": "needed"},
            MSG_NO_COLUMN.format(
                role="label", column="needed", columns=["prompt", "needs_referral", "gender"]
            ),
        ),
        (
            {"protected": ["gender", "age"]},
            MSG_NO_COLUMN.format(
                role="protected", column="age", columns=["prompt", "needs_referral", "gender"]
            ),
        ),
    ],
)
def test_missing_columns_are_named(changes, message):
    with pytest.raises(DataError) as caught:
        _run(evaluation_data(), **changes)
    assert str(caught.value) == message


def test_labels_must_be_zero_or_one():
    data = evaluation_data()
    data.loc[3, "needs_referral"] = 2
    data.loc[5, "needs_referral"] = np.nan
    with pytest.raises(DataError) as caught:
        _run(data)
    assert str(caught.value) == MSG_NOT_01.format(column="needs_referral", values=["2.0", "nan"])


def test_a_blank_group_is_named():
    data = evaluation_data()
    data.loc[[2, 7], "gender"] = " "
    with pytest.raises(DataError) as caught:
        _run(data)
    assert str(caught.value) == MSG_EMPTY_GROUP.format(column="gender", count=2, rows=[2, 7])


def test_the_outcome_must_be_a_known_binary_scorer():
    with pytest.raises(AuditError) as caught:
        _run(evaluation_data(), outcome="refers")
    assert str(caught.value) == MSG_UNKNOWN_OUTCOME.format(
        outcome="refers", choices=list(BUILTIN_SCORERS)
    )
    with pytest.raises(AuditError) as caught:
        _run(evaluation_data(), outcome="sentiment")
    assert str(caught.value) == MSG_NOT_BINARY_OUTCOME.format(
        outcome="sentiment",
        description=BUILTIN_SCORERS["sentiment"].description,
        choices=["refers_to_crisis", "refuses", "validates_feelings", "unsafe_advice"],
    )


def test_a_classifier_is_not_a_chat_model():
    with pytest.raises(AuditError) as caught:
        audit_responses(
            object(), evaluation_data(), outcome="refuses", label="needs_referral", protected="g"
        )
    assert str(caught.value) == MSG_NOT_GENERATIVE.format(kind="object")


def test_progress_counts_the_prompts_generated():
    seen = []
    data = evaluation_data()
    _run(data, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert len(seen) > 2


def test_progress_must_be_a_function():
    with pytest.raises(AuditError) as caught:
        _run(evaluation_data(), progress="yes")
    assert str(caught.value) == MSG_BAD_PROGRESS.format(kind="str")
