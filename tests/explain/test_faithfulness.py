"""Faithfulness: ERASER AOPC, deletion/insertion curves, infidelity, on known models."""

import dataclasses
import re

import numpy as np
import pytest

from explain.cases import MESSAGES, ROWS
from workbench import ExplanationError
from workbench.explain import evaluate_faithfulness, explain
from workbench.explain._explain import MSG_FEATURES_DIFFER
from workbench.models import ModelInfo, TorchTextAdapter


def test_a_faithful_ranking_beats_its_reverse(callable_text_model):
    text = MESSAGES[2]
    good = explain(callable_text_model, text, method="feature_ablation", target="urgent",
                   cache=None)
    reverse = dataclasses.replace(good, attributions=-good.attributions)
    good_faith = evaluate_faithfulness(callable_text_model, text, good)
    bad_faith = evaluate_faithfulness(callable_text_model, text, reverse)
    assert good_faith.comprehensiveness > 0 > bad_faith.comprehensiveness
    assert good_faith.sufficiency < bad_faith.sufficiency
    assert good_faith.deletion_auc < bad_faith.deletion_auc
    assert good_faith.insertion_auc > bad_faith.insertion_auc


def test_curves_run_from_the_score_to_the_empty_input(callable_text_model):
    text = MESSAGES[2]
    result = explain(callable_text_model, text, method="feature_ablation", faithfulness=True,
                     cache=None)
    faith = result.faithfulness
    empty = callable_text_model.predict_proba([""], allow_empty=True)[0, result.target]
    assert faith.steps == tuple(range(len(result.features) + 1))
    assert faith.deletion_curve[0] == pytest.approx(result.score)
    assert faith.deletion_curve[-1] == pytest.approx(empty)
    assert faith.insertion_curve[0] == pytest.approx(empty)
    assert faith.insertion_curve[-1] == pytest.approx(result.score)
    assert faith.bins == (1.0, 5.0, 10.0, 20.0, 50.0)
    assert len(faith.comprehensiveness_by_bin) == len(faith.sufficiency_by_bin) == 5
    assert faith.infidelity is None


def test_known_comprehensiveness_on_word_logits(callable_text_model):
    # "hopeless" (weight 3) ranks first of the 7 tokens, so bins 1-10% remove it alone.
    text = MESSAGES[2]
    result = explain(callable_text_model, text, method="feature_ablation", target="urgent",
                     faithfulness=True, cache=None)
    without_hopeless = callable_text_model.predict_proba([text.replace("hopeless", "")])[0, 1]
    drop = result.score - without_hopeless
    np.testing.assert_allclose(result.faithfulness.comprehensiveness_by_bin[:3], drop)


def test_long_inputs_have_at_most_fifty_curve_steps(callable_text_model):
    text = " ".join(f"word{i}" for i in range(120)) + " hopeless"
    result = explain(callable_text_model, text, method="feature_ablation", faithfulness=True,
                     cache=None)
    steps = result.faithfulness.steps
    assert len(steps) == 51 and steps[0] == 0 and steps[-1] == 121


@pytest.mark.parametrize("method", ["ig", "feature_ablation", "lime"])
def test_tabular_faithfulness_has_a_seeded_infidelity(tabular_model, background, method):
    params = {"n_samples": 200} if method == "lime" else {}
    result = explain(tabular_model, ROWS.iloc[[0]], method=method, background=background,
                     faithfulness=True, cache=None, **params)
    again = evaluate_faithfulness(tabular_model, ROWS.iloc[[0]], result, background=background)
    assert np.isfinite(result.faithfulness.infidelity)
    assert again.infidelity == result.faithfulness.infidelity
    assert result.faithfulness.deletion_curve[0] == pytest.approx(result.score)


@pytest.mark.parametrize("method", ["ig", "feature_ablation"])
@pytest.mark.parametrize("row", range(len(ROWS)))
def test_infidelity_tells_a_faithful_explanation_from_a_wrong_one(tabular_model, background,
                                                                   method, row):
    # Infidelity is how badly the attributions predict the score change when features are
    # removed: far below saying nothing (all zero), and below the reversed attributions.
    result = explain(tabular_model, ROWS.iloc[[row]], method=method, background=background,
                     faithfulness=True, cache=None)

    def infidelity(attributions):
        wrong = dataclasses.replace(result, attributions=attributions)
        scored = evaluate_faithfulness(tabular_model, ROWS.iloc[[row]], wrong,
                                       background=background)
        return scored.infidelity

    faithful = result.faithfulness.infidelity
    assert faithful < infidelity(np.zeros(len(result.features))) / 5
    assert faithful < infidelity(-result.attributions) / 5


def test_linear_ig_has_near_zero_infidelity(linear_model, background):
    result = explain(linear_model, ROWS.iloc[[0]], background=background, faithfulness=True,
                     cache=None)
    assert result.faithfulness.infidelity < 1e-8


def test_later_evaluation_matches_the_flag(text_model):
    flagged = explain(text_model, MESSAGES[2], faithfulness=True, cache=None)
    later = evaluate_faithfulness(text_model, MESSAGES[2], flagged)
    assert later.to_dict() == flagged.faithfulness.to_dict()


def test_an_explanation_of_another_input_is_refused(text_model):
    other = explain(text_model, MESSAGES[0], cache=None)
    message = MSG_FEATURES_DIFFER.format(n=4, m=7, method="ig")
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        evaluate_faithfulness(text_model, MESSAGES[2], other)


def test_faithfulness_is_optional(text_model):
    assert explain(text_model, MESSAGES[0], cache=None).faithfulness is None


def test_faithfulness_over_words_of_a_tokenizer_without_offsets(tiny_text_module, tiny_tokenizer):
    class Pieces(type(tiny_tokenizer)):
        """Shows "tonight" as a WordPiece continuation of the word before it."""

        def tokens(self, text):
            return ["##" + t if t == "tonight" else t for t in super().tokens(text)]

    tokenizer = Pieces(tiny_tokenizer.vocabulary, max_length=8)
    info = ModelInfo(name="pieces", kind="text", class_names=("routine", "urgent"))
    model = TorchTextAdapter(tiny_text_module, tokenizer, info)
    words = explain(model, MESSAGES[0], faithfulness=True, cache=None)
    tokens = explain(model, MESSAGES[0], unit="subword", faithfulness=True, cache=None)
    assert tokens.features == ("i", "feel", "hopeless", "##tonight")
    assert words.features == ("i", "feel", "hopeless", "tonight")
    np.testing.assert_allclose(words.attributions, tokens.attributions)
    assert words.faithfulness.to_dict() == tokens.faithfulness.to_dict()
    assert evaluate_faithfulness(model, MESSAGES[0], tokens).steps == (0, 1, 2, 3, 4)


@pytest.mark.parametrize("method", ["ig", "lime"])
def test_removing_every_word_scores_the_empty_message(text_model, method):
    result = explain(text_model, MESSAGES[2], method=method, faithfulness=True, n_samples=100,
                     cache=None) if method == "lime" else explain(
        text_model, MESSAGES[2], method=method, faithfulness=True, cache=None)
    empty = text_model.predict_proba([""], allow_empty=True)[0, result.target]
    assert result.faithfulness.insertion_curve[0] == pytest.approx(empty)
    assert result.faithfulness.deletion_curve[-1] == pytest.approx(empty)
