"""Words are the unit of text explanations, for tokenizers of every sub-word family."""

import numpy as np
import pytest
from tiny_models import TOKENIZER_FAMILIES, tiny_transformers_adapter

from workbench import ExplanationError
from workbench.app.compare import explain_pair
from workbench.explain import agreement, explain, global_importance, group_importance
from workbench.explain._inputs import MSG_NO_SUBWORDS
from workbench.models import split_words

pytest.importorskip("transformers")

MESSAGES = [
    "I can't go on like this anymore.",
    "Please   reschedule my appointment,\tthanks!!",
    "Café naïve 😢😢 über—done… it's OK",
    "I'm fine 🙂 really; don't worry",
]
SPECIAL = {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "<s>", "</s>", "<pad>", "<mask>"}
FAST = {"ig": {"n_steps": 16}, "lime": {"n_samples": 200}, "kernel_shap": {"n_samples": 60},
        "gradient_shap": {"n_samples": 5}}


@pytest.fixture(scope="module", params=TOKENIZER_FAMILIES)
def model(request):
    return tiny_transformers_adapter(request.param)


@pytest.mark.parametrize("text", MESSAGES)
@pytest.mark.parametrize(
    "method", ["ig", "saliency", "deeplift", "gradient_shap", "feature_ablation", "kernel_shap",
               "lime"])
def test_every_method_explains_the_messages_words(model, text, method):
    result = explain(model, text, method=method, target="urgent", cache=None,
                     **FAST.get(method, {}))
    assert result.features == _expected_words(model, text)
    assert not SPECIAL & set(result.features)
    assert np.all(np.isfinite(result.attributions))


@pytest.mark.parametrize("text", MESSAGES)
def test_subword_attributions_sum_to_their_words(model, text):
    words = explain(model, text, target="urgent", n_steps=16, cache=None)
    tokens = explain(model, text, target="urgent", n_steps=16, unit="subword", cache=None)
    assert not SPECIAL & set(tokens.features)
    assert len(tokens.features) >= len(words.features)
    groups = _word_groups(model, text)
    token_spans = _token_spans(model, text)
    expected = np.zeros(len(groups))
    for (start, end), value in zip(token_spans, tokens.attributions):
        inside = [g for g, (a, b) in enumerate(groups) if a < end and start < b]
        if not inside:
            inside = [next(g for g, (a, _) in enumerate(groups) if a >= start)]
        assert len(inside) == 1, "a token belongs to one word"
        expected[inside] += value
    np.testing.assert_allclose(words.attributions, expected, atol=1e-9)
    assert words.attributions.sum() == pytest.approx(tokens.attributions.sum())


def test_captum_and_lime_agree_on_the_same_words(model):
    text = MESSAGES[0]
    captum = explain(model, text, target="urgent", n_steps=16, cache=None)
    lime = explain(model, text, method="lime", target="urgent", n_samples=300, cache=None)
    found = agreement(captum, lime)
    assert found.n_features == len(split_words(text))
    assert -1.0 <= found.spearman <= 1.0


def test_side_by_side_view_works(model):
    pair = explain_pair(model, "I can't sleep, I feel hopeless tonight")
    assert pair.first.features == pair.second.features
    assert pair.agreement.n_features == len(pair.first.features)
    assert np.isfinite(pair.first.faithfulness.comprehensiveness)


def test_global_and_group_importance_count_words(model):
    texts = ["I feel hopeless tonight", "hopeless again, I can't", "refill my prescription"]
    explained = [explain(model, t, target="urgent", n_steps=8, cache=None) for t in texts]
    table = global_importance(explained)
    row = table.set_index("feature").loc["hopeless"]
    assert row["count"] == 2
    groups = group_importance(explained, ["a", "b", "a"])
    assert {"a", "b", "difference"} <= set(groups.columns)
    assert not SPECIAL & set(table["feature"])


def test_lime_has_no_subword_view(model):
    message = MSG_NO_SUBWORDS.format(
        method="lime", model=model.name,
        methods="ig, saliency, input_x_gradient, deeplift, gradient_shap, occlusion, "
        "feature_ablation, shapley_sampling, kernel_shap")
    with pytest.raises(ExplanationError) as raised:
        explain(model, MESSAGES[0], method="lime", unit="subword", cache=None)
    assert str(raised.value) == message


def _token_spans(model, text):
    """Character spans of the model's ordinary (non-special) tokens."""
    special = set(model.tokenizer.special_ids)
    ids = model.encode([text]).input_ids[0].tolist()
    return [span for span, i in zip(model.tokenizer.offsets(text), ids) if i not in special]


def _word_groups(model, text):
    """Spans of split_words' words, with words that one token covers together joined."""
    groups = []
    for start, end in _word_spans(text):
        crossed = groups and any(
            a < groups[-1][1] and b > start for a, b in _token_spans(model, text)
        )
        groups[-1:] = [(groups[-1][0], end)] if crossed else [*groups[-1:], (start, end)]
    return groups


def _expected_words(model, text):
    """The words an explanation of ``text`` shows: split_words', except that words one token
    covers together are one word (it is never split into shares)."""
    words = dict(zip(_word_spans(text), split_words(text)))
    groups = _word_groups(model, text)
    return tuple(words.get(span, text[span[0] : span[1]].lower()) for span in groups)


def test_words_one_token_covers_are_one_word():
    model = tiny_transformers_adapter("wordpiece")
    text = "so tired 😢😢 tonight"
    assert model.tokenizer.tokens(text).count("[UNK]") == 1  # both emoji are one unknown token
    words = explain(model, text, target="urgent", n_steps=8, cache=None)
    lime = explain(model, text, method="lime", target="urgent", n_samples=100, cache=None)
    assert words.features == lime.features == ("so", "tired", "😢😢", "tonight")


def _word_spans(text):
    spans, cursor = [], 0
    lowered = text.lower()
    for word in split_words(text):
        start = lowered.index(word, cursor)
        cursor = start + len(word)
        spans.append((start, cursor))
    return spans


def test_a_model_without_tokens_has_no_subword_view(callable_text_model):
    message = MSG_NO_SUBWORDS.format(method="feature_ablation", model=callable_text_model.name,
                                     methods="none applies")
    with pytest.raises(ExplanationError) as raised:
        explain(callable_text_model, MESSAGES[0], method="feature_ablation", unit="subword",
                cache=None)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Café naïve über", ["café", "naïve", "über"]),
        ("e\u0301cole", ["e\u0301cole"]),
        ("I don\u2019t know, I can't", ["i", "don\u2019t", "know", ",", "i", "can't"]),
        ("我很难过 help", ["我", "很", "难", "过", "help"]),
        ("snake_case 42nd", ["snake", "_", "case", "42nd"]),
    ],
)
def test_words_of_any_script_stay_whole(text, words):
    assert split_words(text) == words
