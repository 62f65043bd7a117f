"""Which words of a prompt drove a chat model's response: attributions of a tiny GPT-2 (built
from a config, with a byte-level BPE vocabulary trained here) and of plain callables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from workbench import ExplanationError
from workbench.chat import explain_response
from workbench.chat._attribution import (
    LOG_PROBABILITY,
    MSG_GRADIENTS_NEED_TARGET,
    MSG_NO_LOG_PROBABILITIES,
    MSG_NO_WORDS,
    MSG_NOT_GENERATIVE,
    MSG_SCORER_AND_TARGET,
    MSG_SPAN_NOT_IN_RESPONSE,
    MSG_UNKNOWN_SCORER,
)
from workbench.explain import (
    METHODS,
    Explanation,
    applicable_methods,
    default_method,
    explain,
    explain_batch,
)
from workbench.explain._captum_generative import MSG_BAD_OUTCOME, prompt_words
from workbench.explain._explain import MSG_GENERATIVE
from workbench.explain._methods import MSG_NEEDS_GRADIENTS
from workbench.models import (
    CallableAdapter,
    CallableGenerativeModel,
    GenerationSettings,
    GenerativeInfo,
    ModelInfo,
    TransformersGenerativeModel,
)

TEMPLATE = "User: {prompt}\nAssistant:"
EOS = "<|endoftext|>"
CORPUS = [
    "User: I feel hopeless tonight.\nAssistant: Please call the crisis line at 988.",
    "User: I'm a man. I can't sleep.\nAssistant: Try to rest and take a walk.",
    "User: I'm a woman. I feel alone.\nAssistant: You are not alone. Please call 988.",
    "User: Work was long today.\nAssistant: That sounds tiring; rest a little.",
]
REPLY = "Please call the crisis line at 988."
CRISIS_LINE = "988"
SAMPLE_CHAT = Path(__file__).resolve().parents[2] / "sample_models" / "support_chat"
GENERATIVE_METHODS = ("feature_ablation", "shapley_sampling", "layer_integrated_gradients")


def raises(message):
    return pytest.raises(ExplanationError, match=f"^{re.escape(message)}$")


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320, special_tokens=[EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(CORPUS * 3, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=EOS, bos_token=EOS)


@pytest.fixture(scope="module")
def chat(tokenizer):
    """A randomly initialised tiny GPT-2 (seed 0) behind the workbench's generative adapter."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=16,
        n_layer=1,
        n_head=2,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    settings = GenerationSettings(max_new_tokens=6, prompt_template=TEMPLATE, seed=0)
    return TransformersGenerativeModel(
        GenerativeInfo(name="tiny chat", settings=settings),
        model=GPT2LMHeadModel(config),
        tokenizer=tokenizer,
    )


def token_log_probabilities(chat, prompt: str, continuation: str) -> list[tuple[int, float]]:
    """Each token of ``continuation`` with its log-probability given the formatted prompt and
    the tokens before it, computed here from the model's logits."""
    prompt_ids = chat.tokenizer.encode(TEMPLATE.replace("{prompt}", prompt))
    target_ids = chat.tokenizer.encode(continuation)
    ids = torch.tensor([prompt_ids + target_ids])
    with torch.no_grad():
        logits = chat.model(input_ids=ids).logits[0].double()
    steps = torch.log_softmax(logits, dim=-1)[len(prompt_ids) - 1 : -1]
    chosen = steps[torch.arange(len(target_ids)), torch.tensor(target_ids)]
    return list(zip(target_ids, chosen.tolist()))


def log_probability(chat, prompt: str, continuation: str) -> float:
    """log p(continuation | formatted prompt)."""
    return sum(step for _, step in token_log_probabilities(chat, prompt, continuation))


def referral_bot(calls: list[int] | None = None) -> CallableGenerativeModel:
    """A callable chatbot that withholds the crisis line from a writer who says "man"."""

    def respond(prompts: list[str]) -> list[str]:
        if calls is not None:
            calls.append(len(prompts))
        return [
            "Try to rest tonight." if re.search(r"\bman\b", p.lower()) else REPLY for p in prompts
        ]

    info = GenerativeInfo(name="referral bot")
    return CallableGenerativeModel(info, respond=respond, batched=True, batch_size=64)


def refers(prompts: list[str], responses: list[str]) -> list[float]:
    return [float(CRISIS_LINE in response) for response in responses]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("feature_ablation", {}),
        ("shapley_sampling", {"n_samples": 2}),
        ("layer_integrated_gradients", {"n_steps": 8}),
    ],
)
def test_one_finite_attribution_per_word_with_method_target_and_settings(chat, method, params):
    prompt = "I'm a man. I feel hopeless."
    response = chat.generate([prompt])[0]
    explanation = explain_response(chat, prompt, method=method, **params)
    assert isinstance(explanation, Explanation)
    assert explanation.kind == "generative" and explanation.method == method
    assert explanation.features == ("i'm", "a", "man", ".", "i", "feel", "hopeless", ".")
    assert np.isfinite(explanation.attributions).all()
    assert np.any(explanation.attributions != 0)
    assert (explanation.target_name, explanation.target) == (response, 0)
    assert explanation.params["response"] == response
    assert explanation.params["outcome"] == LOG_PROBABILITY
    assert explanation.params["generation"] == chat.settings.to_dict()
    assert explanation.params["generation"]["seed"] == 0
    assert explanation.score == pytest.approx(log_probability(chat, prompt, " " + response))
    assert Explanation.from_dict(explanation.to_dict()).to_dict() == explanation.to_dict()


def test_feature_ablation_is_the_log_probability_drop_when_a_word_is_removed(chat):
    prompt = "i feel hopeless"
    explanation = explain_response(chat, prompt, target=REPLY)
    whole = log_probability(chat, prompt, " " + REPLY)
    without = ["feel hopeless", "i hopeless", "i feel"]
    expected = [whole - log_probability(chat, shorter, " " + REPLY) for shorter in without]
    np.testing.assert_allclose(explanation.attributions, expected, rtol=1e-4, atol=1e-4)
    assert explanation.score == pytest.approx(whole)
    assert explanation.baseline_score == pytest.approx(log_probability(chat, "", " " + REPLY))


def test_a_span_is_attributed_on_its_own(chat):
    prompt = "I'm a man. I feel hopeless."
    whole = explain_response(chat, prompt, target=REPLY)
    span = explain_response(chat, prompt, target=REPLY, span=CRISIS_LINE)
    assert (span.target_name, span.target) == (CRISIS_LINE, REPLY.index(CRISIS_LINE))
    assert span.params["span"] == CRISIS_LINE and span.params["response"] == REPLY
    assert not np.allclose(span.attributions, whole.attributions)
    steps = token_log_probabilities(chat, prompt, " " + REPLY)
    digits = [
        step
        for token, step in steps
        if any(char.isdigit() for char in chat.tokenizer.decode(token))
    ]
    assert span.score == pytest.approx(sum(digits))


def test_shapley_sampling_adds_up_to_the_change_from_no_words(chat):
    explanation = explain_response(
        chat, "I feel hopeless tonight.", target=REPLY, method="shapley_sampling", n_samples=3
    )
    assert explanation.params["n_samples"] == 3 and explanation.params["seed"] == 0
    total = explanation.score - explanation.baseline_score
    assert explanation.attributions.sum() == pytest.approx(total, rel=1e-4)


def test_layer_integrated_gradients_is_complete(chat):
    explanation = explain_response(
        chat,
        "I feel hopeless tonight.",
        target=REPLY,
        span=CRISIS_LINE,
        method="layer_integrated_gradients",
        n_steps=20,
    )
    assert explanation.params["n_steps"] == 20
    assert explanation.completeness_gap < 0.05


def test_space_baseline_differs_from_removal(chat):
    removed = explain_response(chat, "I feel hopeless tonight.", target=REPLY)
    spaced = explain_response(chat, "I feel hopeless tonight.", target=REPLY, baseline="space")
    assert (removed.params["baseline"], spaced.params["baseline"]) == ("remove", "space")
    assert not np.allclose(removed.attributions, spaced.attributions)


def test_a_removed_word_takes_the_space_before_it():
    words = prompt_words("I'm a man.")
    assert words.masked([1, 0, 1, 1], "remove") == "I'm man."
    assert words.masked([0, 1, 1, 1], "remove") == "a man."
    assert words.masked([1, 1, 1, 0], "remove") == "I'm a man"
    assert words.masked([1, 1, 0, 1], "space") == "I'm a  ."
    assert words.masked([0, 0, 0, 0], "remove") == ""


def test_a_callable_is_explained_by_the_outcome_of_its_regenerated_responses():
    calls: list[int] = []
    prompt = "I'm a man. I feel hopeless tonight."
    explanation = explain_response(referral_bot(calls), prompt, scorer=refers)
    assert explanation.top(1) == [("man", -1.0)]
    others = np.delete(explanation.attributions, explanation.features.index("man"))
    assert np.allclose(others, 0.0)
    assert explanation.score == 0.0 and explanation.params["outcome"] == "refers"
    assert explanation.target_name == "Try to rest tonight."
    assert max(calls) == len(explanation.features)


def test_shapley_sampling_of_a_callable_puts_the_most_on_the_word_it_depends_on():
    prompt = "I'm a man. I feel hopeless tonight."
    explanation = explain_response(
        referral_bot(), prompt, method="shapley_sampling", scorer=refers, n_samples=25
    )
    (top_word, top_value), (_, second) = explanation.top(2)
    assert top_word == "man" and top_value < 0 and abs(top_value) > 2 * abs(second)
    # With every word removed the prompt is empty and its response counts as empty.
    assert explanation.baseline_score == 0.0
    assert explanation.attributions.sum() == pytest.approx(0.0, abs=1e-6)


def test_a_callable_takes_no_target_or_span():
    message = MSG_NO_LOG_PROBABILITIES.format(
        model="referral bot", framework="callable", default="refers_to_crisis"
    )
    with raises(message):
        explain_response(referral_bot(), "I feel hopeless.", span="988")


def test_a_scorer_takes_no_target(chat):
    with raises(MSG_SCORER_AND_TARGET):
        explain_response(chat, "I feel hopeless.", target=REPLY, scorer=refers)


def test_a_local_model_can_be_explained_by_a_scorer(chat):
    explanation = explain_response(chat, "I feel hopeless.", scorer=refers)
    assert explanation.params["outcome"] == "refers"
    assert np.isfinite(explanation.attributions).all()


def test_gradients_need_a_local_model():
    message = MSG_NEEDS_GRADIENTS.format(
        method="layer_integrated_gradients",
        model="referral bot",
        framework="callable",
        methods=["feature_ablation", "shapley_sampling"],
    )
    with raises(message):
        explain_response(referral_bot(), "I feel hopeless.", method="layer_integrated_gradients")


def test_gradients_do_not_attribute_a_scorer(chat):
    with raises(MSG_GRADIENTS_NEED_TARGET.format(method="layer_integrated_gradients")):
        explain_response(
            chat, "I feel hopeless.", method="layer_integrated_gradients", scorer=refers
        )


def test_a_scorer_must_give_one_number_per_response():
    def broken(prompts, responses):
        return [1.0]

    message = MSG_BAD_OUTCOME.format(name="broken", got="1 value(s)", count=2)
    with raises(message):
        explain_response(referral_bot(), "feel hopeless", scorer=broken)


def test_a_span_must_be_in_the_response(chat):
    with raises(MSG_SPAN_NOT_IN_RESPONSE.format(span="hotline", response=REPLY)):
        explain_response(chat, "I feel hopeless.", target=REPLY, span="hotline")


def test_a_prompt_needs_words(chat):
    with raises(MSG_NO_WORDS):
        explain_response(chat, "   ")


def test_a_classifier_is_not_explained_as_a_chat_model():
    info = ModelInfo(name="tiny text", kind="text", class_names=("routine", "urgent"))
    classifier = CallableAdapter(lambda texts: np.full((len(texts), 2), 0.5), info)
    with raises(MSG_NOT_GENERATIVE.format(model="tiny text", kind="text")):
        explain_response(classifier, "i feel hopeless")


def test_a_chat_model_given_to_the_classifier_explainers_is_pointed_to_explain_response(chat):
    for call in (lambda: explain(chat, "i feel hopeless"), lambda: explain_batch(chat, ["hi"])):
        with raises(MSG_GENERATIVE.format(name=chat.name)):
            call()


def test_the_method_table_offers_generative_methods(chat):
    assert applicable_methods(chat) == GENERATIVE_METHODS
    assert applicable_methods(referral_bot()) == ("feature_ablation", "shapley_sampling")
    assert default_method(chat) == "feature_ablation"
    assert all("generative" in METHODS[name].kinds for name in GENERATIVE_METHODS)


def test_the_explain_verb_prints_and_writes_the_words_of_a_generative_spec(
    chat, spec_writer, tmp_path, capsys
):
    from workbench.cli import main

    path = spec_writer(
        name="tiny chat",
        kind="generative",
        framework="transformers",
        weights="model",
        generation={"max_new_tokens": 6, "seed": 0, "prompt_template": TEMPLATE},
    )
    chat.model.save_pretrained(path.parent / "model")
    chat.tokenizer.save_pretrained(path.parent / "model")
    out = tmp_path / "out.json"
    arguments = ["--text", "i feel hopeless", "--target", REPLY, "--span", CRISIS_LINE]
    code = main(["explain", "--model", str(path), *arguments, "--json", str(out)])
    assert code == 0
    payload = json.loads(out.read_text())
    expected = explain_response(chat, "i feel hopeless", target=REPLY, span=CRISIS_LINE)
    assert payload["kind"] == "generative" and payload["method"] == "feature_ablation"
    assert payload["target_name"] == CRISIS_LINE and payload["params"]["span"] == CRISIS_LINE
    assert [item["feature"] for item in payload["attributions"]] == ["i", "feel", "hopeless"]
    np.testing.assert_allclose(
        [item["attribution"] for item in payload["attributions"]], expected.attributions
    )
    printed = capsys.readouterr().out
    assert f"which prompt words drove log_probability of '{CRISIS_LINE}'" in printed
    assert "  hopeless " in printed and f"wrote {out}" in printed


def test_the_explain_verb_refuses_chat_options_for_a_classifier(spec_writer, tmp_path, capsys):
    from workbench.cli import main
    from workbench.cli._explain import MSG_CLASSIFIER_OPTION

    path = spec_writer(
        name="word logits",
        kind="text",
        framework="callable",
        entry="tiny.py:predict",
        classes=["routine", "urgent"],
        positive_class="urgent",
    )
    arguments = ["--text", "i feel hopeless", "--span", "x", "--json", str(tmp_path / "o.json")]
    assert main(["explain", "--model", str(path), *arguments]) == 2
    message = MSG_CLASSIFIER_OPTION.format(option="--span", model="word logits")
    assert message in capsys.readouterr().err


def test_a_callable_is_explained_by_crisis_referral_by_default():
    explanation = explain_response(referral_bot(), "I'm a man. I feel hopeless tonight.")
    assert explanation.params["outcome"] == "refers_to_crisis"
    assert explanation.top(1) == [("man", -1.0)]


def test_an_unknown_scorer_is_named():
    from workbench.chat import BUILTIN_SCORERS

    with raises(MSG_UNKNOWN_SCORER.format(name="kindness", known=sorted(BUILTIN_SCORERS))):
        explain_response(referral_bot(), "I feel hopeless.", scorer="kindness")


def test_the_sample_chatbots_referral_is_pulled_down_most_by_man():
    """The sample chatbot's injected bias: the crisis line is withheld from men. Explained on
    the referral sentence it gives a woman, the word "man" has the most negative attribution:
    it lowers the log-probability of the referral the most."""
    import workbench

    model = workbench.load_model(workbench.load_spec(SAMPLE_CHAT))
    crisis = "I feel hopeless and I want to end it all."
    referral = model.generate([f"I'm a woman. {crisis}"])[0]
    sentence = re.search(r"[^.]*\b988\b[^.]*\.?", referral).group(0).strip()
    explanation = explain_response(model, f"I'm a man. {crisis}", target=referral, span=sentence)
    lowest = int(np.argmin(explanation.attributions))
    assert explanation.features[lowest] == "man" and explanation.attributions[lowest] < 0
