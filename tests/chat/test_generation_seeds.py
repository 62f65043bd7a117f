"""Sampled responses depend on their prompt and seed only, never on their batch; and when every
word of a prompt is removed, a local model reads its start-of-text token (what the
log-probability methods score from) while a callable is never sent an empty prompt."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from workbench import InputError
from workbench.chat import explain_response
from workbench.chat._scorers import BUILTIN_SCORERS
from workbench.explain._captum_generative import NOTE_EMPTY_PROMPT
from workbench.models import (
    CallableGenerativeModel,
    GenerationSettings,
    GenerativeInfo,
    load_model,
)
from workbench.models._base import MSG_EMPTY_TEXT

from .families import PROMPTS, write_family_spec

SAMPLING = {"do_sample": True, "temperature": 1.5, "seed": 7}


@pytest.fixture(scope="module")
def sampling_spec(tmp_path_factory):
    return write_family_spec("gpt2", tmp_path_factory.mktemp("sampling"), **SAMPLING)


@pytest.fixture(scope="module")
def plain_qwen2(tmp_path_factory):
    """Qwen2 reading the message as is: no template text, no BOS."""
    spec = write_family_spec("qwen2", tmp_path_factory.mktemp("plain"), prompt_template="{prompt}")
    return load_model(spec, device="cpu")


def responses_with_batch_size(model, prompts, batch_size):
    model.batch_size = batch_size
    return model.generate(prompts)


def test_sampled_responses_are_the_same_in_any_batch_size_or_order(sampling_spec):
    model = load_model(sampling_spec, device="cpu")
    prompts = [*PROMPTS, PROMPTS[0]]
    rng_before = torch.random.get_rng_state()
    by_four = responses_with_batch_size(model, prompts, 4)
    assert torch.equal(torch.random.get_rng_state(), rng_before)  # torch's own RNG untouched
    assert responses_with_batch_size(model, prompts, 1) == by_four
    assert responses_with_batch_size(model, prompts, 2)[::-1] == model.generate(prompts[::-1])
    assert model.generate(prompts[::-1])[::-1] == by_four
    assert by_four[0] == by_four[-1]  # the same prompt, the same response
    greedy = load_model(write_family_spec("gpt2", sampling_spec.parent / "greedy"))
    assert greedy.generate(prompts) != by_four  # it does sample


def test_another_seed_samples_other_responses(sampling_spec, tmp_path):
    model = load_model(sampling_spec, device="cpu")
    reseeded = load_model(write_family_spec("gpt2", tmp_path, **{**SAMPLING, "seed": 8}))
    assert reseeded.generate(list(PROMPTS)) != model.generate(list(PROMPTS))
    settings = model.settings
    assert settings.prompt_seed("a") == settings.prompt_seed("a") != settings.prompt_seed("b")


def test_sampling_keeps_only_the_top_token_at_the_smallest_top_p(tmp_path):
    greedy = load_model(write_family_spec("llama", tmp_path / "greedy"), device="cpu")
    narrow = load_model(
        write_family_spec("llama", tmp_path / "narrow", do_sample=True, top_p=1e-9),
        device="cpu",
    )
    assert narrow.generate(list(PROMPTS)) == greedy.generate(list(PROMPTS))


def test_with_every_word_removed_a_local_model_reads_its_start_token(plain_qwen2):
    model = plain_qwen2
    assert model.model_text("") == model.tokenizer.eos_token
    target = "Please call the crisis line."
    explanation = explain_response(
        model, "so hopeless", target=target, method="shapley_sampling", n_samples=2
    )
    start = model.tokenizer(model.model_text(""))["input_ids"]
    response = model.tokenizer(" " + target, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([start + response])).logits[0]
    log_probs = torch.log_softmax(logits.double(), dim=-1)[len(start) - 1 : -1]
    by_hand = float(log_probs[torch.arange(len(response)), response].sum())
    assert explanation.baseline_score == pytest.approx(by_hand, abs=1e-4)
    change = explanation.score - explanation.baseline_score
    assert explanation.attributions.sum() == pytest.approx(change, abs=1e-4)


def test_a_scorer_outcome_with_every_word_removed_asks_a_local_model(plain_qwen2):
    model = plain_qwen2
    explanation = explain_response(
        model, "so hopeless", scorer="response_length", method="shapley_sampling", n_samples=2
    )
    assert NOTE_EMPTY_PROMPT not in explanation.notes
    empty = model.generate([""], allow_empty=True)
    expected = BUILTIN_SCORERS["response_length"].score([""], empty)[0]
    assert explanation.baseline_score == pytest.approx(float(expected))
    change = explanation.score - explanation.baseline_score
    assert explanation.attributions.sum() == pytest.approx(change)


def test_a_callable_is_never_sent_an_empty_prompt():
    asked: list[str] = []

    def respond(prompt):
        asked.append(prompt)
        return "Please call 988." if "hopeless" in prompt else "I hear you."

    info = GenerativeInfo(name="service", settings=GenerationSettings())
    model = CallableGenerativeModel(info, respond=respond)
    explanation = explain_response(model, "so hopeless", method="shapley_sampling", n_samples=2)
    assert asked and all(prompt.strip() for prompt in asked)
    assert NOTE_EMPTY_PROMPT in explanation.notes and explanation.baseline_score == 0.0
    np.testing.assert_allclose(explanation.attributions.sum(), explanation.score)
    message = MSG_EMPTY_TEXT.format(position=0)
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        model.generate([""], allow_empty=True)
