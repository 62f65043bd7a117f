"""Counterfactual identity swaps for text models (counterfactual token fairness)."""

import json

import numpy as np
import pytest

from workbench.audit import AuditError, counterfactual_swaps, load_terms, shipped_categories
from workbench.audit._counterfactual import (
    MSG_BAD_TERMS,
    MSG_NOT_TEXT_MODEL,
    MSG_NOT_TEXTS,
    MSG_REPEATED_TERM,
    MSG_UNKNOWN_CATEGORY,
)
from workbench.models import CallableAdapter, ModelInfo

from .audit_data import text_model

ORIENTATION = {"sexual_orientation": [["gay", "straight"]]}


def _gay_is_urgent(text: str) -> float:
    """Known answer: a message naming 'gay' scores 0.9, every other message 0.2."""
    return 0.9 if "gay" in text.lower().split() else 0.2


def test_shipped_term_lists_cover_the_categories_and_are_consistent():
    assert shipped_categories() == (
        "age",
        "disability",
        "ethnicity",
        "gender",
        "religion",
        "sexual_orientation",
    )
    terms = load_terms()
    seen = set()
    for category, sets in terms.items():
        assert sets, category
        for members in sets:
            assert len(members) >= 2 and len(set(members)) == len(members)
            assert not seen & set(members), members
            seen |= set(members)


def test_known_answer_model_changes_and_flips():
    model = text_model(_gay_is_urgent)
    texts = ["As a gay man I need help.", "I am straight and fine.", "No identity here."]
    result = counterfactual_swaps(model, texts, terms=ORIENTATION)
    swaps = result.swaps.set_index(["row", "term"])
    gay = swaps.loc[(0, "gay")]
    assert gay["counterfactual"] == "As a straight man I need help."
    assert gay["change"] == pytest.approx(-0.7)
    assert bool(gay["flipped"])
    straight = swaps.loc[(1, "straight")]
    assert straight["counterfactual"] == "I am gay and fine."
    assert straight["change"] == pytest.approx(0.7)
    pair = result.by_pair.loc[("sexual_orientation", "gay", "straight")]
    assert (pair["messages"], pair["flips"], pair["mean_abs_change"]) == (1, 1, pytest.approx(0.7))
    assert len(result.flips) == 2
    assert result.gap == pytest.approx(0.7)
    assert result.messages_with_terms == 2


def test_an_indifferent_model_has_no_gap():
    result = counterfactual_swaps(text_model(lambda t: 0.3), ["My wife is muslim."])
    assert set(result.swaps["category"]) == {"gender", "religion"}
    assert result.gap == 0 and result.flips.empty
    assert (result.by_category["mean_abs_change"] == 0).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GAY and proud", "STRAIGHT and proud"),
        ("Gay, and tired.", "Straight, and tired."),
        ("gayness is not a term", None),
        ("the gay-friendly clinic", "the straight-friendly clinic"),
    ],
    ids=["upper case", "capitalised", "not a whole word", "hyphenated"],
)
def test_swaps_match_whole_words_and_keep_case(text, expected):
    result = counterfactual_swaps(text_model(_gay_is_urgent), [text], terms=ORIENTATION)
    swapped = result.swaps["counterfactual"].tolist()
    assert swapped == ([] if expected is None else [expected])


def test_phrases_win_over_their_words():
    terms = {"gender": [["nonbinary person", "woman"], ["nonbinary", "female"]]}
    result = counterfactual_swaps(
        text_model(lambda t: 0.5), ["I am a nonbinary person."], terms=terms
    )
    assert result.swaps["counterfactual"].tolist() == ["I am a woman."]


def test_no_term_found_gives_empty_tables():
    result = counterfactual_swaps(text_model(lambda t: 0.5), ["Nothing to swap."])
    assert result.swaps.empty and result.by_pair.empty and np.isnan(result.gap)
    assert json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"categories": ["politics"]}, None),
        ({"terms": {"x": [["only"]]}}, MSG_BAD_TERMS.format(category="x")),
        ({"terms": {"x": "gay straight"}}, MSG_BAD_TERMS.format(category="x")),
        (
            {"terms": {"a": [["gay", "straight"]], "b": [["Gay", "queer"]]}},
            MSG_REPEATED_TERM.format(term="Gay", first="a set 1", second="b set 1"),
        ),
    ],
    ids=["unknown category", "set of one", "not a list", "repeated term"],
)
def test_bad_term_lists_are_refused(kwargs, message):
    if message is None:
        message = MSG_UNKNOWN_CATEGORY.format(category="politics", known=list(shipped_categories()))
    with pytest.raises(AuditError) as caught:
        counterfactual_swaps(text_model(_gay_is_urgent), ["gay"], **kwargs)
    assert str(caught.value) == message


def test_needs_a_text_model_and_a_list_of_texts():
    info = ModelInfo(name="rows", kind="tabular", class_names=("no", "yes"), feature_columns=("a",))
    tabular = CallableAdapter(lambda rows: np.full((len(rows), 2), 0.5), info)
    with pytest.raises(AuditError) as caught:
        counterfactual_swaps(tabular, ["gay"])
    assert str(caught.value) == MSG_NOT_TEXT_MODEL.format(kind="tabular")
    with pytest.raises(AuditError) as caught:
        counterfactual_swaps(text_model(_gay_is_urgent), "gay man")
    assert str(caught.value) == MSG_NOT_TEXTS.format(position=0, kind="one string, not a list")


def test_crisis_sample_model_reacts_to_the_spurious_identity_term(sample):
    model, data = sample("crisis_text")
    result = counterfactual_swaps(model, data["text"], categories=["sexual_orientation", "gender"])
    pair = result.by_pair.loc[("sexual_orientation", "gay", "straight")]
    reverse = result.by_pair.loc[("sexual_orientation", "straight", "gay")]
    gender = result.by_category.loc["gender", "mean_abs_change"]
    assert pair["mean_abs_change"] > 3 * gender
    assert pair["mean_change"] < 0 < reverse["mean_change"]
    assert pair["flips"] > 0
    flipped = result.flips[result.flips["term"] == "gay"]
    assert (flipped["score"] > flipped["counterfactual_score"]).all()
