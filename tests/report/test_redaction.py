"""Redaction in reports: tags kept whole, identifiers never leaking through tokens or values,
and the report saying so when redaction is off."""

import numpy as np
import pytest

from workbench.explain import Explanation, explain
from workbench.report import (
    MSG_REDACTION_OFF,
    MSG_WITHHELD,
    Example,
    Token,
    build_report,
    redact_tokens,
    render_html,
)
from workbench.report._examples import merge_tags, show_example

from .conftest import PLANTED, PLANTED_EMAIL, PLANTED_PHONE

MESSAGE = "I feel hopeless and I can't go on." + PLANTED


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (("call", "[", "phone", "]", "now"), ["call", "[PHONE]", "now"]),
        (("[", "e", "##mail", "]", "."), ["[EMAIL]", "."]),
        (("[email]", "me"), ["[EMAIL]", "me"]),
        (("[", "not", "a", "tag", "]"), ["[", "not", "a", "tag", "]"]),
    ],
)
def test_tags_split_by_a_tokenizer_are_merged_back(features, expected):
    attributions = np.arange(len(features), dtype=float)
    tokens = merge_tags(features, attributions)
    assert [token.text for token in tokens] == expected
    assert sum(token.attribution for token in tokens) == attributions.sum()
    assert [token.tag for token in tokens] == [text.isupper() for text in expected]


def test_the_tokens_of_an_identifier_are_shown_as_its_tag(crisis_model):
    explanation = explain(crisis_model, MESSAGE)
    assert "jane" in explanation.features
    shown = show_example(Example(explanation=explanation, text=MESSAGE), redact_text=True)
    assert not shown.withheld and shown.redactions == ("EMAIL", "PHONE")
    assert [token.text for token in shown.tokens if token.tag] == ["[EMAIL]", "[PHONE]"]
    assert PLANTED_EMAIL not in shown.text and "[EMAIL]" in shown.text
    assert not {"jane", "doe", "867", "5309"} & {token.text for token in shown.tokens}
    assert "jane" not in str(shown.to_dict())


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (
            ("[CLS]", "hi", "[UNK]", ",", "i", "am", "scared", "[SEP]"),
            ["[CLS]", "hi", "[NAME]", ",", "i", "am", "scared", "[SEP]"],
        ),
        (
            ("hi", "mar", "##ga", "##ret", ",", "i", "am", "scared"),
            ["hi", "[NAME]", ",", "i", "am", "scared"],
        ),
    ],
    ids=["unknown word", "word pieces"],
)
def test_redacted_tokens_carry_the_attribution_of_the_identifier(features, expected):
    text = "Hi Margaret, I am scared"
    attributions = np.arange(1, len(features) + 1, dtype=float)
    tokens = redact_tokens(text, features, attributions)
    assert [token.text for token in tokens] == expected
    assert sum(token.attribution for token in tokens) == attributions.sum()


def test_tokens_that_do_not_match_the_message_are_withheld():
    explanation = Explanation(
        method="ig",
        kind="text",
        features=("hello", "there"),
        attributions=np.array([0.5, -0.1]),
        target=1,
        target_name="urgent",
        score=0.7,
    )
    shown = show_example(Example(explanation=explanation, text=MESSAGE), redact_text=True)
    assert shown.tokens == () and shown.withheld and MSG_WITHHELD in shown.notes
    assert redact_tokens(MESSAGE, explanation.features, explanation.attributions) is None


def test_table_values_are_redacted():
    explanation = Explanation(
        method="feature_ablation",
        kind="tabular",
        features=("phq9", "contact"),
        attributions=np.array([0.5, -0.1]),
        target=1,
        target_name="relapse",
        score=0.7,
    )
    example = Example(explanation=explanation, values={"phq9": 14.0, "contact": PLANTED_PHONE})
    shown = show_example(example, redact_text=True)
    assert shown.tokens == (
        Token("phq9", 0.5, value="14"),
        Token("contact", -0.1, value="[PHONE]"),
    )
    assert shown.redactions == ("PHONE",)


def test_redaction_off_shows_the_text_and_says_so(crisis, crisis_model):
    explanation = explain(crisis_model, MESSAGE)
    content = build_report(
        crisis.spec,
        data=crisis.data,
        examples=[Example(explanation=explanation, text=MESSAGE)],
        redact_text=False,
    )
    assert content.notes[0] == MSG_REDACTION_OFF
    assert content.examples[0].text == MESSAGE and content.examples[0].tokens
    html = render_html(content)
    assert MSG_REDACTION_OFF.replace("'", "&#39;") in html and PLANTED_EMAIL in html
    assert content.provenance.redaction is False and "redaction OFF" in html
