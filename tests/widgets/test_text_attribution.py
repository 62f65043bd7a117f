"""TextAttributionView: a message explained by Captum and LIME side by side."""

from __future__ import annotations

import re

import pytest
import traitlets

from widgets import TextAttributionView
from workbench.app.compare import MSG_NO_MODEL, explain_pair

MESSAGE = "My name is Jane Doe, mail jane@example.org. I want to end it tonight, I have my pills."
BACKGROUND = re.compile(
    r'data-attribution="([^"]+)"[^>]*background-color: #([0-9a-f]{2})[0-9a-f]{2}([0-9a-f]{2});'
)


def test_offers_the_models_captum_methods_and_classes(crisis, crisis_sklearn):
    view = TextAttributionView(model=crisis.model, threaded=False)
    methods = [value for _, value in view.method_box.options]
    assert methods[0] == "" and "ig" in methods and "saliency" in methods
    assert "lime" not in methods
    assert [value for _, value in view.target_box.options] == ["", "routine", "urgent"]
    view.model = crisis_sklearn.model
    methods = [value for _, value in view.method_box.options]
    assert "ig" not in methods and "feature_ablation" in methods


def test_explains_and_highlights_tokens(crisis):
    view = TextAttributionView(model=crisis.model, text=MESSAGE, threaded=False)
    view.explain_button.click()
    assert view.error == ""
    pair = view.result
    assert pair.first.method == "ig" and pair.second.method == "lime"
    expected = explain_pair(crisis.model, MESSAGE)
    assert pair.first.features == expected.first.features
    colours = BACKGROUND.findall(view.first.value)
    assert len(colours) == len(pair.first.features)
    strongest = max(colours, key=lambda colour: abs(float(colour[0])))
    assert f"#{strongest[1]}" in ("#d6", "#43")  # the largest |attribution| is the scale's end
    assert "Integrated Gradients" in view.first.value and "LIME" in view.second.value
    assert "Faithfulness: comprehensiveness" in view.first.value
    assert view.first.value.count('<th scope="row">') == 8  # the table of the top words
    assert "Spearman rank correlation" in view.scores.value
    assert "Identifiers replaced in what is shown: NAME, EMAIL." in view.scores.value
    assert "jane@example.org" not in view.first.value + view.second.value


def test_a_picked_message_is_shown_redacted_and_explained_as_written(crisis):
    view = TextAttributionView(model=crisis.model, threaded=False)
    view.show_message(MESSAGE)
    assert "jane" not in view.message.value.lower() and "[EMAIL]" in view.message.value
    view.explain()
    written = crisis.model.predict_proba([MESSAGE])[0, 1]
    assert view.result.first.score == pytest.approx(written, abs=1e-6)
    assert "jane" not in (view.first.value + view.second.value).lower()
    view.text = view.text + " Thanks."  # an edited message is explained as it now reads
    view.explain()
    edited = crisis.model.predict_proba([view.text])[0, 1]
    assert view.result.first.score == pytest.approx(edited, abs=1e-6)


def test_tokens_are_red_for_and_blue_against_the_class(crisis):
    view = TextAttributionView(model=crisis.model, text=MESSAGE, threaded=False)
    view.explain()
    tokens = BACKGROUND.findall(view.first.value)
    assert tokens
    for value, red, blue in tokens:
        if float(value) > 0:
            assert int(red, 16) > int(blue, 16)
        elif float(value) < 0:
            assert int(red, 16) < int(blue, 16)


def test_method_and_class_choices_reach_the_core(crisis):
    view = TextAttributionView(model=crisis.model, text=MESSAGE, threaded=False)
    view.method_box.value = "saliency"
    view.target_box.value = "routine"
    assert (view.method, view.target) == ("saliency", "routine")
    view.explain()
    assert view.result.first.method == "saliency"
    assert view.result.first.target_name == view.result.second.target_name == "routine"


def test_traits_are_validated(crisis):
    view = TextAttributionView(model=crisis.model, threaded=False)
    with pytest.raises(traitlets.TraitError):
        view.method = "lime"
    with pytest.raises(traitlets.TraitError):
        view.target = "maybe"


def test_a_new_model_clears_the_result(crisis, emotion):
    view = TextAttributionView(model=crisis.model, text=MESSAGE, method="saliency", threaded=False)
    view.explain()
    view.model = emotion.model
    assert view.result is None and view.method == "" and view.first.value == ""
    assert [v for _, v in view.target_box.options][1:] == list(emotion.model.class_names)


@pytest.mark.parametrize(
    ("model", "text", "message"),
    [
        (None, MESSAGE, MSG_NO_MODEL),
        ("crisis", "   ", "the message is empty"),
    ],
)
def test_errors_are_short_messages(crisis, model, text, message):
    view = TextAttributionView(threaded=False)
    view.model = crisis.model if model == "crisis" else None
    view.text = text
    view.explain()
    assert view.error.startswith(message)
    assert 'class="wb-error"' in view.status.value and "Traceback" not in view.status.value
    assert view.result is None


def test_a_tabular_model_is_pointed_out(relapse):
    view = TextAttributionView(model=relapse.model, threaded=False)
    assert "explains text models" in view.status.value
    assert [v for _, v in view.method_box.options] == [""]


def test_transformers_model_side_by_side_shows_words_and_completeness():
    from dataclasses import replace

    from tiny_models import tiny_transformers_adapter

    from workbench.presentation import COMPLETENESS_MARKER

    model = tiny_transformers_adapter("wordpiece")
    view = TextAttributionView(model=model, text="I can't sleep, I feel hopeless",
                               threaded=False)
    view.explain_button.click()
    assert view.error == ""
    pair = view.result
    assert pair.first.features == pair.second.features == (
        "i", "can't", "sleep", ",", "i", "feel", "hopeless")
    assert "Completeness gap " in view.first.value and "[CLS]" not in view.first.value
    shifted = replace(pair.first, baseline_score=pair.first.score - 0.2, convergence_delta=0.2)
    off = replace(pair, first=shifted)
    view.result = off
    assert f'wb-unreliable">{COMPLETENESS_MARKER} Completeness gap 100.0%' in view.first.value
