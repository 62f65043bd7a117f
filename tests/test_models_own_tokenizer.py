"""A torch text model's own tokenizer is honoured: a tokenizers JSON file, a Hugging Face
tokenizer folder or a Python function; scores equal the user's own code."""

from __future__ import annotations

import importlib.util

import pytest
import torch
import yaml
from byo_models import (
    OWN_TEXTS,
    OWN_VOCABULARY,
    own_code_scores,
    own_module,
    own_split,
    write_own_model,
)
from tiny_models import TINY_MODELS_FILE

from workbench import ModelLoadError, SpecError
from workbench.explain import explain
from workbench.models import (
    CallableTokenizer,
    ModelInfo,
    TorchTextAdapter,
    WordTokenizer,
    describe_tokenizer,
    load_model,
)
from workbench.models._text_tokenizers import (
    DESCRIBE_FOLDER,
    DESCRIBE_FUNCTION,
    DESCRIBE_TOKENIZERS_FILE,
    DESCRIBE_WORD,
    MSG_NO_PAD_TOKEN,
    MSG_TOKENIZER_RESULT,
    MSG_UNKNOWN_TOKENIZER_JSON,
)
from workbench.spec import MSG_TOKENIZER_VALUE, load_spec

ISSUE_TEXT = "I WROTE a goodbye-note!!"
SPEC = {
    "name": "own",
    "kind": "text",
    "framework": "torch",
    "architecture": f"{TINY_MODELS_FILE}:MeanEmbeddingText",
    "architecture_params": {"vocab_size": len(OWN_VOCABULARY)},
    "weights": "weights.safetensors",
    "classes": ["routine", "urgent"],
    "positive_class": "urgent",
}


@pytest.fixture(scope="module")
def own_files(tmp_path_factory):
    return write_own_model(tmp_path_factory.mktemp("own"))


def _write(folder, name, **keys):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **keys}), encoding="utf-8")
    return path


def _own_ids(form, files, texts):
    """Ids and mask as the user's own code makes them, with each form's own library."""
    if form == "tokenizers_file":
        from tokenizers import Tokenizer

        encoded = Tokenizer.from_file(str(files[form])).encode_batch(texts)
        return (
            torch.tensor([e.ids for e in encoded]),
            torch.tensor([e.attention_mask for e in encoded]),
        )
    if form == "folder":
        from transformers import AutoTokenizer

        encoded = AutoTokenizer.from_pretrained(files[form])(
            texts, padding=True, return_tensors="pt"
        )
        return encoded["input_ids"], encoded["attention_mask"]
    spec = importlib.util.spec_from_file_location("own_tokenize_by_hand", files[form])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    encoded = module.encode(texts)
    return torch.tensor(encoded["input_ids"]), torch.tensor(encoded["attention_mask"])


TOKENIZER_OF_FORM = {
    "tokenizers_file": "tokenizer.json",
    "folder": "hf_tokenizer",
    "function": "own_tokenize.py:encode",
}


@pytest.mark.parametrize("form", list(TOKENIZER_OF_FORM))
def test_scores_equal_the_users_own_code(form, own_files):
    folder = own_files["weights"].parent
    model = load_model(_write(folder, form, tokenizer=TOKENIZER_OF_FORM[form]))
    ids, mask = _own_ids(form, own_files, OWN_TEXTS)
    expected = own_code_scores(ids, mask).numpy()
    assert abs(model.predict_proba(OWN_TEXTS) - expected).max() < 1e-6
    # One message at a time (no padding) gives the same scores.
    for text, row in zip(OWN_TEXTS, expected, strict=True):
        assert abs(model.predict_proba([text])[0] - row).max() < 1e-6
    words = [t for t in model.tokenizer.tokens(ISSUE_TEXT) if t != "[PAD]"]
    assert words == own_split(ISSUE_TEXT) == ["i", "wrote", "a", "goodbye-note"]
    explanation = explain(model, ISSUE_TEXT, method="ig", cache=None)
    assert "goodbye-note" in explanation.features


def test_the_workbench_word_tokenizer_would_score_differently(own_files):
    info = ModelInfo(name="own", kind="text", class_names=("routine", "urgent"))
    words = TorchTextAdapter(own_module(), WordTokenizer(OWN_VOCABULARY), info)
    ids, mask = _own_ids("function", own_files, [ISSUE_TEXT])
    own = own_code_scores(ids, mask).numpy()[0]
    assert abs(words.predict_proba([ISSUE_TEXT])[0] - own).max() > 0.1


def test_describe_says_which_tokenizer_is_used(own_files):
    folder = own_files["weights"].parent
    for tokenizer, template in (
        ("tokenizer.json", DESCRIBE_TOKENIZERS_FILE),
        ("hf_tokenizer", DESCRIBE_FOLDER),
    ):
        path = _write(folder, "described", tokenizer=tokenizer)
        assert describe_tokenizer(load_spec(path)) == template.format(path=folder / tokenizer)
    path = _write(folder, "described", tokenizer="own_tokenize.py:encode")
    assert describe_tokenizer(load_spec(path)) == DESCRIBE_FUNCTION.format(
        reference="own_tokenize.py:encode"
    )
    WordTokenizer(OWN_VOCABULARY).save(folder / "words.json")
    path = _write(folder, "described", tokenizer="words.json")
    assert describe_tokenizer(load_spec(path)) == DESCRIBE_WORD.format(path=folder / "words.json")


def test_a_json_of_neither_kind_is_refused(own_files):
    folder = own_files["weights"].parent
    (folder / "other.json").write_text('{"tokens": []}', encoding="utf-8")
    path = _write(folder, "other", tokenizer="other.json")
    with pytest.raises(ModelLoadError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_UNKNOWN_TOKENIZER_JSON.format(path=folder / "other.json")


def test_a_tokenizers_file_without_padding_token_is_refused(own_files, tmp_path):
    from tokenizers import Tokenizer, models

    Tokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]")).save(
        str(tmp_path / "bare.json")
    )
    path = _write(own_files["weights"].parent, "bare", tokenizer=str(tmp_path / "bare.json"))
    with pytest.raises(ModelLoadError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_NO_PAD_TOKEN.format(
        path=tmp_path / "bare.json", names=["[PAD]", "<pad>", "<|pad|>", "<PAD>"]
    )


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        ("not ids", "str"),
        ({"input_ids": [[1]]}, "a mapping with keys ['input_ids']"),
        (([[1, 2]], [[1]]), "attention_mask of shape (1, 1) and input_ids of shape (1, 2)"),
        (([1, 2], [1, 1]), "input_ids of shape (2,) for 1 texts"),
    ],
)
def test_a_tokenizer_function_returning_the_wrong_thing_is_told(result, problem):
    tokenizer = CallableTokenizer(lambda texts: result, reference="t.py:f", model="m", pad_id=0)
    with pytest.raises(ModelLoadError) as raised:
        tokenizer.encode(["a"])
    assert str(raised.value) == MSG_TOKENIZER_RESULT.format(reference="t.py:f", problem=problem)


def test_a_tokenizer_value_that_is_neither_path_nor_function_is_refused(spec_writer):
    path = spec_writer(**{**SPEC, "weights": None, "tokenizer": ["a"]})
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert str(raised.value) == MSG_TOKENIZER_VALUE.format(
        where=f"model spec {path.resolve()}", value=["a"]
    )
