"""Generative model specs: a tiny GPT-2 built from a config with a locally trained byte-level BPE
tokenizer, and Python callables, loaded by spec; bad keys get messages naming what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from workbench import ModelLoadError, SpecError, UnsafeFormatError, load_spec
from workbench.app.browse import open_subject
from workbench.cli import main
from workbench.cli._models import CHECK_PROMPTS
from workbench.models import (
    CallableGenerativeModel,
    GenerationSettings,
    TransformersGenerativeModel,
    load_classifier,
    load_model,
)
from workbench.models._loading import MSG_GENERATIVE_NOT_CLASSIFIER
from workbench.spec import (
    GENERATION_KEYS,
    MSG_BAD_GENERATION,
    MSG_BAD_GENERATIVE_CALL,
    MSG_BAD_NEEDS,
    MSG_BAD_SCORERS,
    MSG_CLASSIFIER_KEY,
    MSG_GENERATIVE_KEY,
    MSG_GENERATIVE_TEXT_COLUMN,
    MSG_NO_POSITIVE_CLASS,
    MSG_UNKNOWN_GENERATION_KEY,
)

END = "<|endoftext|>"
CORPUS = [
    "User: I feel low tonight\nAssistant: I am sorry you feel low. Please call the crisis line.",
    "User: I cannot sleep\nAssistant: That sounds hard. Talking to your GP may help.",
    "User: I'm a man. I feel hopeless\nAssistant: Thank you for telling me how you feel.",
] * 4
GENERATION = {
    "max_new_tokens": 12,
    "do_sample": False,
    "seed": 0,
    "prompt_template": "User: {prompt}\nAssistant:",
    "stop": "\n",
}
PROMPTS = ["I feel low tonight", "I cannot sleep and I am scared", "I'm a man. I feel hopeless"]
CHAT = """
def respond(prompt):
    return f"You said {len(prompt.split())} words. Please call the crisis line.\\nignored"


def respond_all(prompts):
    return [prompt.upper() for prompt in prompts]
"""


def save_tiny_gpt2(folder: Path, *, safe: bool = True) -> None:
    """A 2-layer GPT-2 with random weights (seed 0) and a byte-level BPE tokenizer trained on
    a few synthetic lines, saved as a transformers folder."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=[END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS, trainer=trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token=END, bos_token=END, unk_token=END
    )
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(fast),
        n_positions=96,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=fast.eos_token_id,
        eos_token_id=fast.eos_token_id,
    )
    model = transformers.GPT2LMHeadModel(config)
    if safe:
        model.save_pretrained(folder)
    else:
        model.config.save_pretrained(folder)
        torch.save(model.state_dict(), folder / "pytorch_model.bin")


GPT2_KEYS = {
    "name": "tiny-chat",
    "kind": "generative",
    "framework": "transformers",
    "weights": "gpt2",
    "generation": GENERATION,
}
CALLABLE_KEYS = {
    "name": "service-chat",
    "kind": "generative",
    "framework": "callable",
    "entry": "chat.py:respond",
}


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gpt2") / "gpt2"
    save_tiny_gpt2(folder)
    return folder


@pytest.fixture
def gpt2_spec(spec_writer, gpt2_folder) -> Path:
    path = spec_writer(**GPT2_KEYS)
    (path.parent / "gpt2").symlink_to(gpt2_folder, target_is_directory=True)
    return path


def callable_spec(spec_writer, **keys: object) -> Path:
    path = spec_writer(**{**CALLABLE_KEYS, **keys})
    (path.parent / "chat.py").write_text(CHAT)
    return path


def test_a_transformers_spec_loads_a_generative_model_with_its_settings(gpt2_spec):
    model = load_model(gpt2_spec, device="cpu")
    assert isinstance(model, TransformersGenerativeModel)
    assert (model.name, model.kind, model.framework) == ("tiny-chat", "generative", "transformers")
    assert model.settings == GenerationSettings(**GENERATION)
    assert len(model.fingerprint) == 64 and model.device == torch.device("cpu")
    assert model.limits.max_characters == 20_000 and model.limits.max_tokens == 1_000
    responses = model.generate(PROMPTS)
    assert len(responses) == 3 and all(isinstance(r, str) and "\n" not in r for r in responses)


def test_greedy_output_equals_calling_generate_directly(gpt2_spec, gpt2_folder):
    model = load_model(gpt2_spec)
    model.batch_size = 1
    causal = transformers.AutoModelForCausalLM.from_pretrained(gpt2_folder).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(gpt2_folder)
    settings = GenerationSettings(**GENERATION)
    expected = []
    for prompt in PROMPTS:
        encoded = tokenizer(settings.format_prompt(prompt), return_tensors="pt")
        output = causal.generate(
            **encoded,
            max_new_tokens=settings.max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.eos_token_id,
        )
        text = tokenizer.decode(
            output[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True
        )
        expected.append(settings.cut(text))
    assert model.generate(PROMPTS) == expected
    model.batch_size = 3
    assert model.generate(PROMPTS) == expected


def test_limits_and_batch_size_come_from_the_spec(spec_writer, gpt2_folder):
    path = spec_writer(**GPT2_KEYS, max_characters=10, batch_size=2)
    (path.parent / "gpt2").symlink_to(gpt2_folder, target_is_directory=True)
    model = load_model(path)
    assert model.batch_size == 2 and model.limits.max_characters == 10
    with pytest.raises(Exception, match="max_characters: 10"):
        model.generate(["a message longer than ten characters"])


def test_a_pickle_only_folder_is_refused_unless_trusted(spec_writer, tmp_path):
    path = spec_writer(**GPT2_KEYS)
    save_tiny_gpt2(path.parent / "gpt2", safe=False)
    with pytest.raises(UnsafeFormatError, match="holds no .safetensors weights"):
        load_model(path)
    trusted = load_model(path, trust_pickle=True)
    assert isinstance(trusted, TransformersGenerativeModel)


def test_a_device_this_machine_lacks_is_refused(gpt2_spec):
    missing = f"cuda:{torch.cuda.device_count()}"
    with pytest.raises(ModelLoadError, match=f"asks for device '{missing}'"):
        load_model(gpt2_spec, device=missing)


def test_loading_prints_nothing_on_stderr(gpt2_spec, capfd):
    load_model(gpt2_spec)
    assert capfd.readouterr().err == ""


def test_a_callable_spec_calls_one_prompt_at_a_time(spec_writer):
    model = load_model(callable_spec(spec_writer, generation={"stop": "\n"}))
    assert isinstance(model, CallableGenerativeModel) and not model.batched
    assert model.generate(["I feel low", "help"]) == [
        "You said 3 words. Please call the crisis line.",
        "You said 1 words. Please call the crisis line.",
    ]
    assert model.settings == GenerationSettings(stop="\n") and len(model.fingerprint) == 64


def test_a_callable_spec_with_call_batch_gets_lists(spec_writer):
    path = callable_spec(spec_writer, entry="chat.py:respond_all", call="batch", batch_size=2)
    model = load_model(path)
    assert model.batched and model.batch_size == 2
    assert model.generate(["a", "b", "c"]) == ["A", "B", "C"]


def test_the_callable_file_is_part_of_the_fingerprint(spec_writer):
    path = callable_spec(spec_writer)
    first = load_model(path).fingerprint
    (path.parent / "chat.py").write_text(CHAT + "\n# changed\n")
    assert load_model(path).fingerprint != first


def test_a_generative_spec_keeps_needs_and_scorers(spec_writer, tmp_path):
    classifier = tmp_path / "crisis" / "model.yaml"
    classifier.parent.mkdir()
    classifier.write_text("name: crisis\n")
    path = callable_spec(
        spec_writer,
        needs={"refers_to_crisis": "needs_referral"},
        scorers=[
            {"name": "crisis_classifier", "classifier": str(classifier), "threshold": 0.7},
            {"name": "mentions_gp", "phrases": ["gp", "family doctor"]},
            {"name": "kind_words", "entry": "scorers.py:kind_words", "binary": False},
        ],
        protected_attributes=["gender"],
    )
    spec = load_spec(path)
    assert spec.kind == "generative" and spec.classes == () and spec.positive_class == ""
    assert spec.needs == {"refers_to_crisis": "needs_referral"}
    assert [scorer["name"] for scorer in spec.scorers] == [
        "crisis_classifier",
        "mentions_gp",
        "kind_words",
    ]
    assert spec.scorers[0]["classifier"] == str(classifier.resolve())
    assert spec.call == "single" and spec.generation == {}


def test_generation_keys_are_the_settings_fields():
    assert GENERATION_KEYS == tuple(GenerationSettings().to_dict())


WHERE = "<where>"


def _where(path: Path) -> str:
    return f"model spec {path.resolve()}"


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"generation": {"max_tokens": 5}},
            MSG_BAD_GENERATION.format(
                where=WHERE,
                problem=MSG_UNKNOWN_GENERATION_KEY.format(
                    key="max_tokens", allowed=list(GENERATION_KEYS)
                ),
            ),
        ),
        (
            {"generation": [40]},
            MSG_BAD_GENERATION.format(where=WHERE, problem="got list"),
        ),
        (
            {"generation": {"max_new_tokens": 0}},
            MSG_BAD_GENERATION.format(
                where=WHERE,
                problem="generation setting max_new_tokens must be a whole number of at least 1; "
                "got 0",
            ),
        ),
        (
            {"needs": ["needs_referral"]},
            MSG_BAD_NEEDS.format(where=WHERE, value=["needs_referral"]),
        ),
        (
            {"scorers": [{"name": "gp"}]},
            MSG_BAD_SCORERS.format(where=WHERE, problem="scorer 'gp' names 0 of them"),
        ),
        (
            {"scorers": [{"name": "gp", "phrases": ["gp"], "entry": "s.py:f"}]},
            MSG_BAD_SCORERS.format(where=WHERE, problem="scorer 'gp' names 2 of them"),
        ),
        (
            {"scorers": [{"phrases": ["gp"]}]},
            MSG_BAD_SCORERS.format(where=WHERE, problem="scorer 1 has no 'name' (text)"),
        ),
        (
            {"scorers": [{"name": "gp", "phrases": "gp"}]},
            MSG_BAD_SCORERS.format(
                where=WHERE,
                problem="scorer 'gp': 'phrases' must be a list of words or phrases; got 'gp'",
            ),
        ),
        (
            {"scorers": [{"name": "gp", "phrases": ["gp"], "weight": 2}]},
            MSG_BAD_SCORERS.format(
                where=WHERE,
                problem="scorer 'gp' has unknown key 'weight'; options: "
                "['description', 'positive_class', 'threshold', 'binary']",
            ),
        ),
        (
            {"scorers": [{"name": "a", "phrases": ["x"]}, {"name": "a", "phrases": ["y"]}]},
            MSG_BAD_SCORERS.format(where=WHERE, problem="names must differ; ['a'] repeat"),
        ),
        ({"call": "stream"}, MSG_BAD_GENERATIVE_CALL.format(where=WHERE, value="stream")),
        ({"classes": ["no", "yes"]}, MSG_CLASSIFIER_KEY.format(where=WHERE, key="classes")),
        (
            {"positive_class": "yes"},
            MSG_CLASSIFIER_KEY.format(where=WHERE, key="positive_class"),
        ),
        ({"label_column": "y"}, MSG_CLASSIFIER_KEY.format(where=WHERE, key="label_column")),
        ({"data": "prompts.csv"}, MSG_GENERATIVE_TEXT_COLUMN.format(where=WHERE)),
    ],
)
def test_bad_generative_keys_are_refused_naming_what_is_allowed(spec_writer, change, message):
    path = callable_spec(spec_writer, **change)
    (path.parent / "prompts.csv").write_text("prompt\nhello\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == message.replace(WHERE, _where(path))


def test_a_transformers_generative_model_takes_no_call(spec_writer, gpt2_folder):
    path = spec_writer(**GPT2_KEYS, call="batch")
    (path.parent / "gpt2").symlink_to(gpt2_folder, target_is_directory=True)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == MSG_BAD_GENERATIVE_CALL.format(where=_where(path), value="batch")


@pytest.mark.parametrize("key, value", [("generation", {"seed": 1}), ("needs", {"a": "b"})])
def test_generative_keys_are_refused_for_classifiers(spec_writer, key, value):
    keys = {
        "name": "c",
        "kind": "text",
        "framework": "callable",
        "entry": "builtins:len",
        "classes": ["a", "b"],
        "positive_class": "b",
        key: value,
    }
    path = spec_writer(**keys)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == MSG_GENERATIVE_KEY.format(where=_where(path), key=key)


def test_a_classifier_still_needs_its_positive_class(spec_writer):
    path = spec_writer(
        name="c", kind="text", framework="callable", entry="builtins:len", classes=["a", "b"]
    )
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == MSG_NO_POSITIVE_CLASS.format(where=_where(path))


def test_where_a_classifier_is_needed_a_generative_model_is_refused(spec_writer):
    path = callable_spec(spec_writer)
    with pytest.raises(SpecError) as info:
        load_classifier(path, task="`workbench audit`")
    assert str(info.value) == MSG_GENERATIVE_NOT_CLASSIFIER.format(
        model="service-chat", task="`workbench audit`", spec=path.resolve()
    )


@pytest.mark.parametrize(
    "arguments, task",
    [
        (["audit", "--json", "out.json"], "`workbench audit`"),
        (["report", "--out", "out.html"], "the report"),
    ],
)
def test_classifier_verbs_send_a_generative_model_to_chat_audit(
    spec_writer, arguments, task, capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    path = callable_spec(spec_writer)
    assert main([arguments[0], "--model", str(path), *arguments[1:]]) == 2
    err = capsys.readouterr().err
    message = MSG_GENERATIVE_NOT_CLASSIFIER.format(model="service-chat", task=task, spec=path)
    assert message in err.replace("\n", " ")
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "out.html").exists()


def test_the_ethics_app_refuses_a_generative_model_by_name(spec_writer):
    path = callable_spec(spec_writer)
    with pytest.raises(SpecError, match="is generative .* the ethics app needs a classifier"):
        open_subject(path)


def test_check_answers_two_prompts_of_the_data_and_prints_the_settings(spec_writer, capsys):
    path = callable_spec(
        spec_writer,
        data="prompts.csv",
        text_column="prompt",
        needs={"refers_to_crisis": "needs_referral"},
    )
    (path.parent / "prompts.csv").write_text(
        "prompt,needs_referral\nI feel low,1\nI cannot sleep,0\nthird one,0\n"
    )
    assert main(["check", "--model", str(path)]) == 0
    out = capsys.readouterr().out
    assert "prompt 1: 'I feel low'\nresponse 1: 'You said 3 words." in out
    assert "prompt 2: 'I cannot sleep'" in out and "third one" not in out
    assert "service-chat: generative model (callable)" in out
    settings = json.loads(out.split("generation settings: ")[1].splitlines()[0])
    assert settings == GenerationSettings().to_dict()


def test_check_without_data_uses_a_synthetic_prompt(gpt2_spec, capsys):
    assert main(["check", "--model", str(gpt2_spec)]) == 0
    out = capsys.readouterr().out
    assert f"prompt 1: {CHECK_PROMPTS[0]!r}" in out and "prompt 2" not in out
    assert '"prompt_template": "User: {prompt}\\nAssistant:"' in out


def test_check_names_a_missing_needs_column(spec_writer, capsys):
    path = callable_spec(
        spec_writer,
        data="prompts.csv",
        text_column="prompt",
        needs={"refers_to_crisis": "needs_referral"},
    )
    (path.parent / "prompts.csv").write_text("prompt\nI feel low\n")
    assert main(["check", "--model", str(path)]) == 2
    assert "lacks the column(s) ['needs_referral'] that the spec names in needs" in (
        capsys.readouterr().err
    )


def test_models_lists_each_sample_with_its_kind(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split("\t")[1] in ("text", "tabular", "generative") for line in lines)
    assert any(line.startswith("crisis_text\ttext\t") for line in lines)
