"""Declared contracts, checked: how a text module is called and what it returns; the model's own
code raising is its own error; label_map, id2label and sibling imports of a spec."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import save_file
from tiny_models import TINY_MODELS_FILE, TINY_VOCABULARY, MeanEmbeddingText
from torch import nn

from workbench import DataError, InputError, ModelLoadError, ModelRaisedError, SpecError, load_model
from workbench.data import MSG_UNMAPPED_LABELS, load_dataset
from workbench.models import CallableAdapter, ModelInfo, TorchTextAdapter, check_declared_output
from workbench.models._base import MSG_CALL_HINT, MSG_MODEL_RAISED
from workbench.models._loading import MSG_CANNOT_BUILD, MSG_CANNOT_IMPORT
from workbench.models._torch import (
    EVIDENCE_LOG_PROBABILITIES,
    EVIDENCE_NOT_PROBABILITIES,
    EVIDENCE_PROBABILITIES,
    MSG_OUTPUT_MISMATCH,
)
from workbench.spec import (
    MSG_BAD_CALL,
    MSG_BAD_LABEL_MAP,
    MSG_NO_CLASSES,
    MSG_NO_ID2LABEL,
    MSG_OUTPUT_NOT_HERE,
    MSG_TOKENIZER_NOT_HERE,
)

INFO = ModelInfo(name="own", kind="text", class_names=("routine", "urgent"))
TEXTS = ["hopeless tonight", "refill appointment", "i feel"]


class Softmaxed(nn.Module):
    """Returns probabilities (or log-probabilities) instead of logits."""

    def __init__(self, inner: nn.Module, *, log: bool = False) -> None:
        super().__init__()
        self.inner, self.log = inner, log

    def forward(self, input_ids, attention_mask):
        scores = self.inner(input_ids, attention_mask)
        return torch.log_softmax(scores, -1) if self.log else torch.softmax(scores, -1)


class IdsOnly(nn.Module):
    """Called with ids alone: builds its mask from them."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, input_ids):
        return self.inner(input_ids, (input_ids != 0).long())


class ByKeyword(nn.Module):
    """Called by keyword names of its own."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, *, tokens, mask):
        return self.inner(tokens, mask)


class Raising(nn.Module):
    """A model whose forward fails, as a user's code may."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(4, 2)

    def forward(self, input_ids, attention_mask):
        raise RuntimeError("shape mismatch in layer 3:\n  expected 64, got 32")


def _adapter(module, tokenizer, **keys):
    return TorchTextAdapter(module, tokenizer, INFO, embedding_layer=None, **keys)


def test_probabilities_under_logits_are_refused_naming_the_key(tiny_text_module, tiny_tokenizer):
    model = _adapter(Softmaxed(tiny_text_module), tiny_tokenizer)
    with pytest.raises(InputError) as raised:
        model.predict_proba(TEXTS)
    assert str(raised.value) == MSG_OUTPUT_MISMATCH.format(
        model="own", declared="logits", actual="probabilities", evidence=EVIDENCE_PROBABILITIES
    )
    declared = _adapter(Softmaxed(tiny_text_module), tiny_tokenizer, output="probabilities")
    plain = _adapter(tiny_text_module, tiny_tokenizer)
    assert np.allclose(declared.predict_proba(TEXTS), plain.predict_proba(TEXTS))


def test_log_probabilities_are_told_and_then_read(tiny_text_module, tiny_tokenizer):
    model = _adapter(Softmaxed(tiny_text_module, log=True), tiny_tokenizer)
    with pytest.raises(InputError) as raised:
        model.predict_proba(TEXTS)
    assert str(raised.value) == MSG_OUTPUT_MISMATCH.format(
        model="own",
        declared="logits",
        actual="log_probabilities",
        evidence=EVIDENCE_LOG_PROBABILITIES,
    )
    declared = _adapter(
        Softmaxed(tiny_text_module, log=True), tiny_tokenizer, output="log_probabilities"
    )
    plain = _adapter(tiny_text_module, tiny_tokenizer)
    assert np.allclose(declared.predict_proba(TEXTS), plain.predict_proba(TEXTS))


def test_logits_under_probabilities_are_refused(tiny_text_module, tiny_tokenizer):
    model = _adapter(tiny_text_module, tiny_tokenizer, output="probabilities")
    with pytest.raises(InputError) as raised:
        model.predict_proba(["hopeless"])
    assert str(raised.value) == MSG_OUTPUT_MISMATCH.format(
        model="own",
        declared="probabilities",
        actual="logits",
        evidence=EVIDENCE_NOT_PROBABILITIES.format(value=3.0),
    )


def test_logits_of_zeros_and_ones_are_not_taken_for_probabilities():
    check_declared_output(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), "logits", model="m")
    with pytest.raises(InputError):
        check_declared_output(torch.tensor([[0.3, 0.7]]), "logits", model="m")


def test_ids_only_and_keyword_calls(tiny_text_module, tiny_tokenizer):
    plain = _adapter(tiny_text_module, tiny_tokenizer).predict_proba(TEXTS)
    ids_only = _adapter(IdsOnly(tiny_text_module), tiny_tokenizer, call="ids")
    keyword = _adapter(
        ByKeyword(tiny_text_module),
        tiny_tokenizer,
        call={"input_ids": "tokens", "attention_mask": "mask"},
    )
    assert np.allclose(ids_only.predict_proba(TEXTS), plain)
    assert np.allclose(keyword.predict_proba(TEXTS), plain)


def test_a_wrong_call_is_the_models_error_with_a_hint(tiny_text_module, tiny_tokenizer):
    model = _adapter(ByKeyword(tiny_text_module), tiny_tokenizer)
    with pytest.raises(ModelRaisedError) as raised:
        model.predict_proba(TEXTS)
    assert str(raised.value).endswith(MSG_CALL_HINT)
    assert "model 'own' raised TypeError in its own code (forward)" in str(raised.value)


@pytest.mark.parametrize(
    "call", ["mask_first", {"attention_mask": "mask"}, {"input_ids": "not a name"}]
)
def test_a_bad_call_key_is_refused(spec_writer, call):
    path = spec_writer(
        name="m",
        kind="text",
        framework="torch",
        classes=["a", "b"],
        positive_class="b",
        call=call,
    )
    with pytest.raises(SpecError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_BAD_CALL.format(
        where=f"model spec {path.resolve()}", value=call
    )


def test_the_models_own_error_names_model_kind_and_text_in_one_paragraph(tiny_tokenizer):
    model = _adapter(Raising(), tiny_tokenizer)
    with pytest.raises(ModelRaisedError) as raised:
        model.predict_proba(TEXTS)
    assert str(raised.value) == MSG_MODEL_RAISED.format(
        model="own",
        kind="RuntimeError",
        step="forward",
        text="shape mismatch in layer 3: expected 64, got 32",
        hint="",
    )
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value.__cause__, RuntimeError)


def test_a_callable_or_sklearn_model_raising_is_its_own_error():
    def predict_proba(texts):
        raise KeyError("vocabulary")

    model = CallableAdapter(predict_proba, INFO)
    with pytest.raises(ModelRaisedError) as raised:
        model.predict_proba(["a"])
    assert str(raised.value) == MSG_MODEL_RAISED.format(
        model="own", kind="KeyError", step="predict_proba", text="'vocabulary'", hint=""
    )


def _torch_spec(spec_writer, tiny_tokenizer, **keys):
    base = {
        "name": "own",
        "kind": "text",
        "framework": "torch",
        "weights": "w.safetensors",
        "tokenizer": "tokenizer.json",
        "classes": ["routine", "urgent"],
        "positive_class": "urgent",
    }
    path = spec_writer(**{**base, **keys})
    tiny_tokenizer.save(path.parent / "tokenizer.json")
    save_file(MeanEmbeddingText().state_dict(), path.parent / "w.safetensors")
    return path


def test_an_architecture_whose_code_raises_is_the_models_error(spec_writer, tiny_tokenizer):
    path = _torch_spec(spec_writer, tiny_tokenizer, architecture="net.py:Net")
    (path.parent / "net.py").write_text(
        "class Net:\n    def __init__(self):\n        raise ValueError('no GPU found')\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelRaisedError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_MODEL_RAISED.format(
        model="own", kind="ValueError", step="building net.py:Net", text="no GPU found", hint=""
    )
    (path.parent / "net.py").write_text("raise OSError('license file missing')\n")
    with pytest.raises(ModelRaisedError, match="raised OSError in its own code \\(importing"):
        load_model(path)


def test_wrong_architecture_params_are_a_load_error(spec_writer, tiny_tokenizer):
    path = _torch_spec(
        spec_writer,
        tiny_tokenizer,
        architecture=f"{TINY_MODELS_FILE}:MeanEmbeddingText",
        architecture_params={"width": 3},
    )
    with pytest.raises(ModelLoadError) as raised:
        load_model(path)
    assert str(raised.value).startswith(
        MSG_CANNOT_BUILD.format(
            reference=f"{TINY_MODELS_FILE}:MeanEmbeddingText", params={"width": 3}, err=""
        )
    )


def test_an_architecture_file_imports_the_modules_beside_it(spec_writer, tiny_tokenizer):
    path = _torch_spec(spec_writer, tiny_tokenizer, architecture="code/net.py:Net")
    (path.parent / "code").mkdir()
    (path.parent / "code" / "byo_sibling_layers.py").write_text(
        "from torch import nn\n\n"
        "class Pool(nn.Module):\n"
        "    def forward(self, x, mask):\n"
        "        m = mask.unsqueeze(-1).float()\n"
        "        return (x * m).sum(1) / m.sum(1).clamp(min=1)\n",
        encoding="utf-8",
    )
    (path.parent / "code" / "net.py").write_text(
        "from byo_sibling_layers import Pool\nfrom torch import nn\n\n"
        "class Net(nn.Module):\n"
        f"    def __init__(self):\n        super().__init__()\n"
        f"        self.embedding = nn.Embedding({len(TINY_VOCABULARY)}, 2, padding_idx=0)\n"
        "        self.pool = Pool()\n"
        "    def forward(self, ids, mask):\n"
        "        return self.pool(self.embedding(ids), mask)\n",
        encoding="utf-8",
    )
    model = load_model(path)
    assert model.predict_proba(["hopeless"]).shape == (1, 2)


def test_an_import_error_names_the_file_form(spec_writer, tiny_tokenizer):
    path = _torch_spec(spec_writer, tiny_tokenizer, architecture="my_net:Net")
    with pytest.raises(ModelLoadError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_CANNOT_IMPORT.format(
        module="my_net", reference="my_net:Net", err="No module named 'my_net'", attribute="Net"
    )
    assert "'path/file.py:Net'" in str(raised.value)


def _labelled_spec(spec_writer, **keys):
    base = {
        "name": "cb",
        "kind": "text",
        "framework": "callable",
        "entry": "numpy:ones",
        "classes": ["routine", "urgent"],
        "positive_class": "urgent",
        "data": "d.csv",
        "label_column": "label",
        "text_column": "text",
    }
    path = spec_writer(**{**base, **keys})
    pd.DataFrame({"text": ["a", "b", "c"], "label": [0, 1, 1]}).to_csv(
        path.parent / "d.csv", index=False
    )
    return path


def test_label_map_turns_data_values_into_class_names(spec_writer):
    path = _labelled_spec(spec_writer, label_map={0: "routine", 1: "urgent"})
    assert load_dataset(path)["label"].tolist() == ["routine", "urgent", "urgent"]
    path = _labelled_spec(spec_writer, label_map={0: "routine"})
    with pytest.raises(DataError) as raised:
        load_dataset(path)
    assert str(raised.value) == MSG_UNMAPPED_LABELS.format(
        file=path.parent / "d.csv", column="label", values=["1"], mapped=["0"]
    )


def test_label_map_must_name_classes(spec_writer):
    path = _labelled_spec(spec_writer, label_map={0: "calm"})
    with pytest.raises(SpecError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_BAD_LABEL_MAP.format(
        where=f"model spec {path.resolve()}",
        problem="['calm'] are not among 'classes' ['routine', 'urgent']",
    )


def test_label_map_orders_an_sklearn_models_integer_classes(spec_writer):
    import skops.io
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(CountVectorizer(), LogisticRegression())
    pipeline.fit(["hopeless tonight", "refill", "goodbye tonight", "appointment"], [1, 0, 1, 0])
    path = spec_writer(
        name="sk",
        kind="text",
        framework="sklearn",
        weights="p.skops",
        classes=["urgent", "routine"],
        positive_class="urgent",
        label_map={0: "routine", 1: "urgent"},
    )
    skops.io.dump(pipeline, path.parent / "p.skops")
    model = load_model(path)
    assert model.predict_proba(["hopeless tonight"])[0, 0] > 0.5


def test_classes_come_from_a_transformers_config(spec_writer, tmp_path):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"id2label": {"1": "urgent", "0": "routine"}}), encoding="utf-8"
    )
    path = spec_writer(
        name="b",
        kind="text",
        framework="transformers",
        weights=str(folder),
        positive_class="urgent",
    )
    from workbench.spec import load_spec

    assert load_spec(path).classes == ("routine", "urgent")
    path = spec_writer(name="b", kind="text", framework="torch", positive_class="urgent")
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert str(raised.value) == MSG_NO_CLASSES.format(
        where=f"model spec {path.resolve()}", transformers=""
    )
    assert MSG_NO_ID2LABEL.startswith("; a transformers model")


def test_a_tokenizer_or_output_a_framework_would_ignore_is_refused(spec_writer, tmp_path):
    (tmp_path / "vocab.json").write_text("{}", encoding="utf-8")
    keys = {"name": "cb", "kind": "text", "classes": ["a", "b"], "positive_class": "b"}
    path = spec_writer(**keys, framework="callable", entry="numpy:ones", tokenizer="t.py:f")
    with pytest.raises(SpecError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_TOKENIZER_NOT_HERE["callable"].format(
        where=f"model spec {path.resolve()}"
    )
    path = spec_writer(**keys, framework="sklearn", weights=str(tmp_path), output="probabilities")
    with pytest.raises(SpecError) as raised:
        load_model(path)
    assert str(raised.value) == MSG_OUTPUT_NOT_HERE.format(
        where=f"model spec {path.resolve()}", framework="sklearn"
    )
