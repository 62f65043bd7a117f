"""The chatbot path on tiny causal language models of each common family (GPT-2, Llama, Qwen2),
built from configs with tokenizers trained here and loaded through a spec as a user loads a
downloaded model: generation, every attribution method, the chat audit from the command line,
chat templates, BOS tokens and prompts longer than the context window."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
import transformers
from tokenizers import Tokenizer

from workbench import InputError, ModelLoadError
from workbench.chat import explain_response
from workbench.cli import main
from workbench.explain import applicable_methods
from workbench.models import GenerativeInfo, TransformersGenerativeModel, load_model
from workbench.models._generative import (
    MSG_CHAT_TEMPLATE,
    MSG_NO_PAD_TOKEN,
    MSG_PROMPT_TOO_LONG,
)

from .families import (
    CONTEXT_WINDOW,
    FAMILIES,
    GENERATION,
    PLAIN_TEMPLATE,
    PROMPTS,
    make_llama_legacy,
    write_family_spec,
)

# What each family's model reads for a message: the plain template given in its spec, or its
# tokenizer's chat template, whose "{{ bos_token }}" is dropped because the tokenizer adds one.
MODEL_TEMPLATES = {
    "gpt2": PLAIN_TEMPLATE,
    "llama": "[user] {prompt}\n[assistant]",
    "qwen2": "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n",
}
TARGET = "Please call the crisis line."
SPAN = "crisis line"
QUICK = {
    "feature_ablation": {},
    "shapley_sampling": {"n_samples": 4},
    "layer_integrated_gradients": {"n_steps": 20},
}


@pytest.fixture(scope="module")
def family_specs(tmp_path_factory):
    root = tmp_path_factory.mktemp("families")
    return {family: write_family_spec(family, root / family) for family in FAMILIES}


@pytest.fixture(scope="module")
def family_models(family_specs):
    return {family: load_model(spec, device="cpu") for family, spec in family_specs.items()}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_loads_with_its_template_one_bos_and_left_padding(family_models, family):
    model = family_models[family]
    tokenizer = model.tokenizer
    assert isinstance(model, TransformersGenerativeModel)
    assert model.settings.prompt_template == MODEL_TEMPLATES[family]
    assert model.settings.to_dict()["prompt_template"] == MODEL_TEMPLATES[family]
    assert tokenizer.padding_side == "left" and tokenizer.pad_token_id is not None
    assert model.context_window == CONTEXT_WINDOW
    ids = tokenizer(model.model_text(PROMPTS[0]))["input_ids"]
    starts = [ids[0]] if family == "llama" else []
    assert [i for i in ids if i == tokenizer.bos_token_id] == starts == ids[: len(starts)]


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_answers_alike_in_any_batch(family_models, family):
    model = family_models[family]
    prompts = list(PROMPTS)
    together = model.generate(prompts)
    assert len(together) == len(prompts) and all(isinstance(r, str) for r in together)
    batch_size = model.batch_size
    try:
        model.batch_size = 1
        one_by_one = model.generate(prompts)
    finally:
        model.batch_size = batch_size
    assert one_by_one == together
    assert model.generate(prompts[::-1])[::-1] == together


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_is_explained_by_every_method(family_models, family):
    model = family_models[family]
    methods = applicable_methods(model)
    assert set(methods) == {"feature_ablation", "shapley_sampling", "layer_integrated_gradients"}
    prompt = PROMPTS[3]  # its emoji is bytes to the Llama vocabulary (byte fallback)
    for method in methods:
        explanation = explain_response(
            model, prompt, target=TARGET, span=SPAN, method=method, **QUICK[method]
        )
        assert explanation.features == ("i", "feel", "alone", "😢", "tonight", "."), method
        assert np.isfinite(explanation.attributions).all() and explanation.target_name == SPAN
        change = explanation.score - explanation.baseline_score
        if method == "shapley_sampling":  # efficiency: the words share the whole change
            assert explanation.attributions.sum() == pytest.approx(change, abs=1e-4)
        if method == "layer_integrated_gradients":
            assert abs(explanation.convergence_delta) < 0.05 * max(abs(change), 1.0)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_goes_through_the_chat_audit(family_specs, family, tmp_path, capsys):
    out = tmp_path / "audit.json"
    code = main(
        ["chat-audit", "--model", str(family_specs[family]), "--personas", "gender",
         "--swap", "gender", "--bootstrap", "20", "--json", str(out)]
    )  # fmt: skip
    assert code in (0, 1), capsys.readouterr().err
    payload = json.loads(out.read_text(encoding="utf-8"))
    counterfactual = payload["counterfactual"]
    assert counterfactual["settings"]["prompt_template"] == MODEL_TEMPLATES[family]
    # three persona lines per prompt; "man" swapped for the three genders in the one prompt
    assert counterfactual["variants"] == 3 * len(PROMPTS) + 3
    assert payload["outcome_audit"]["outcome"] == "refers_to_crisis"
    assert len(payload["outcome_audit"]["responses"]) == len(PROMPTS)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_prompt_longer_than_the_context_window_is_refused(family_models, family):
    model = family_models[family]
    long_prompt = "I feel alone tonight. " * 20
    tokens = len(model.tokenizer(model.model_text(long_prompt))["input_ids"])
    room = CONTEXT_WINDOW - GENERATION["max_new_tokens"]
    expected = MSG_PROMPT_TOO_LONG.format(
        position=1,
        tokens=tokens,
        model=f"tiny-{family}",
        window=CONTEXT_WINDOW,
        new=GENERATION["max_new_tokens"],
        room=room,
    )
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        model.generate([PROMPTS[0], long_prompt])
    with pytest.raises(InputError, match="shorten the prompt or lower max_new_tokens"):
        explain_response(model, long_prompt, method="feature_ablation")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_prompt_just_fitting_the_window_is_answered_and_one_token_more_refused(
    family_models, family
):
    model = family_models[family]
    room = CONTEXT_WINDOW - GENERATION["max_new_tokens"]
    text = "I feel alone tonight. " * 20
    lengths = {
        len(model.tokenizer(model.model_text(text[:end]))["input_ids"]): text[:end]
        for end in range(len(text), 0, -1)
    }
    fitting, over = lengths[room], lengths[room + 1]
    responses = model.generate([PROMPTS[0], fitting])  # the short prompt is padded
    assert len(responses) == 2 and all(isinstance(r, str) for r in responses)
    with pytest.raises(InputError, match=re.escape(f"prompt 1 is {room + 1} tokens")):
        model.generate([PROMPTS[0], over])


@pytest.mark.parametrize("family", FAMILIES)
def test_a_prompt_too_long_in_a_later_batch_is_refused_before_any_batch_is_generated(
    family_models, family, monkeypatch
):
    model = family_models[family]
    long_prompt = "I feel alone tonight. " * 20
    tokens = len(model.tokenizer(model.model_text(long_prompt))["input_ids"])
    generated = []
    monkeypatch.setattr(model, "batch_size", 1)
    monkeypatch.setattr(model.model, "generate", lambda **inputs: generated.append(inputs))
    with pytest.raises(InputError, match=re.escape(f"prompt 2 is {tokens} tokens")):
        model.generate([PROMPTS[0], PROMPTS[1], long_prompt])
    assert generated == []


def test_a_template_that_writes_bos_gets_none_added_twice(tmp_path):
    spec = write_family_spec("llama", tmp_path, prompt_template="<s>[INST] {prompt} [/INST]")
    model = load_model(spec, device="cpu")
    assert model.settings.prompt_template == "[INST] {prompt} [/INST]"
    ids = model.tokenizer(model.model_text("I feel low"))["input_ids"]
    assert ids.count(model.tokenizer.bos_token_id) == 1 and ids[0] == model.tokenizer.bos_token_id


def test_a_plain_template_overrides_the_chat_template(tmp_path):
    spec = write_family_spec("qwen2", tmp_path, prompt_template="{prompt}")
    model = load_model(spec, device="cpu")
    assert model.settings.prompt_template == "{prompt}"
    assert model.model_text("I feel low") == "I feel low"
    assert model.model_text("") == model.tokenizer.eos_token  # never an empty input


def test_a_chat_template_that_drops_the_message_is_refused(tmp_path):
    spec = write_family_spec("qwen2", tmp_path)
    folder = tmp_path / "model"
    template = "<|im_start|>assistant"
    (folder / "chat_template.jinja").write_text(template, encoding="utf-8")
    expected = MSG_CHAT_TEMPLATE.format(model="tiny-qwen2", template=template)
    with pytest.raises(ModelLoadError, match=f"^{re.escape(expected)}$"):
        load_model(spec, device="cpu")


def test_half_precision_weights_run_in_float32_on_the_cpu(tmp_path):
    spec = write_family_spec("llama", tmp_path)
    folder = tmp_path / "model"
    network = transformers.AutoModelForCausalLM.from_pretrained(folder)
    network.to(torch.bfloat16).save_pretrained(folder)
    model = load_model(spec, device="cpu")
    assert {parameter.dtype for parameter in model.model.parameters()} == {torch.float32}
    explanation = explain_response(model, PROMPTS[0], target=TARGET, method="feature_ablation")
    assert not np.allclose(explanation.attributions * 32, np.round(explanation.attributions * 32))


def test_a_bare_space_token_before_a_word_is_the_words_in_integrated_gradients(family_models):
    model = family_models["llama"]
    tokenizer, prompt = model.tokenizer, PROMPTS[3]
    text = model.model_text(prompt)
    encoded = tokenizer(text, return_offsets_mapping=True)
    assert "▁" in tokenizer.convert_ids_to_tokens(encoded["input_ids"])  # before the emoji
    start = model.settings.prompt_start()
    ids = torch.tensor([encoded["input_ids"]])
    for position, (low, high) in enumerate(encoded["offset_mapping"]):
        if low < start + len(prompt) and start < high:  # every token of the message
            ids[0, position] = tokenizer.pad_token_id
    explanation = explain_response(
        model, prompt, target=TARGET, method="layer_integrated_gradients", n_steps=4
    )
    response = tokenizer(" " + TARGET, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model.model(input_ids=torch.cat([ids, torch.tensor([response])], dim=1)).logits
    log_probs = torch.log_softmax(logits[0, ids.shape[1] - 1 : -1].double(), dim=-1)
    by_hand = float(log_probs[torch.arange(len(response)), response].sum())
    assert explanation.baseline_score == pytest.approx(by_hand, abs=1e-5)


def test_a_legacy_sentencepiece_response_is_read_after_its_prompt(tmp_path):
    spec = write_family_spec("llama", tmp_path)
    make_llama_legacy(tmp_path / "model")
    model = load_model(spec, device="cpu")
    tokenizer, prompt = model.tokenizer, PROMPTS[0]
    alone = tokenizer(" " + TARGET, add_special_tokens=False)["input_ids"]
    assert tokenizer.convert_ids_to_tokens(alone)[0] == "▁"  # a stray token, read alone
    prompt_ids = tokenizer(model.model_text(prompt))["input_ids"]
    response = tokenizer(model.model_text(prompt) + " " + TARGET)["input_ids"][len(prompt_ids) :]
    assert response == alone[1:]
    explanation = explain_response(model, prompt, target=TARGET, method="feature_ablation")
    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([prompt_ids + response])).logits[0]
    log_probs = torch.log_softmax(logits[len(prompt_ids) - 1 : -1].double(), dim=-1)
    by_hand = float(log_probs[torch.arange(len(response)), response].sum())
    assert explanation.score == pytest.approx(by_hand, abs=1e-5)


def test_a_tokenizer_without_pad_or_end_token_is_refused(family_models):
    gpt2 = family_models["gpt2"]
    # A copy of the backend, without the padding its last batch encoding left set
    backend = Tokenizer.from_str(gpt2.tokenizer.backend_tokenizer.to_str())
    backend.no_padding()
    bare = transformers.PreTrainedTokenizerFast(tokenizer_object=backend)
    expected = MSG_NO_PAD_TOKEN.format(model="bare")
    with pytest.raises(ModelLoadError, match=f"^{re.escape(expected)}$"):
        TransformersGenerativeModel(GenerativeInfo(name="bare"), model=gpt2.model, tokenizer=bare)
