"""Loading models from spec files: safe formats load, pickles are refused unless trusted."""

import os
import pickle

import joblib
import numpy as np
import pytest
import skops.io
import torch
from safetensors.torch import save_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from tiny_models import TINY_MODELS_FILE

from workbench import ModelLoadError, UnsafeFormatError, load_model
from workbench.models import CallableAdapter, SklearnAdapter, TorchTabularAdapter, TorchTextAdapter

TEXT_KEYS = {"name": "tiny", "kind": "text", "classes": ["routine", "urgent"],
             "positive_class": "urgent"}


class HostilePayload:
    """Unpickling this runs a command that leaves a file behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def torch_text_spec(spec_writer, tiny_text_module, tiny_tokenizer):
    def write(weights_name="weights.safetensors", **extra):
        keys = {**TEXT_KEYS, "framework": "torch", "weights": weights_name,
                "tokenizer": "tokenizer.json",
                "architecture": f"{TINY_MODELS_FILE}:MeanEmbeddingText", **extra}
        path = spec_writer(**keys)
        tiny_tokenizer.save(path.parent / "tokenizer.json")
        state = tiny_text_module.state_dict()
        if weights_name.endswith(".safetensors"):
            save_file(state, path.parent / weights_name)
        else:
            torch.save(state, path.parent / weights_name)
        return path
    return write


def test_torch_text_from_safetensors(torch_text_spec):
    model = load_model(torch_text_spec())
    assert isinstance(model, TorchTextAdapter)
    assert model.predict_proba(["hopeless"])[0, 1] == pytest.approx(1 / (1 + np.exp(-3)))
    assert len(model.fingerprint) == 64


def test_torch_state_dict_pt_loads_with_weights_only(torch_text_spec):
    model = load_model(torch_text_spec("weights.pt"))
    assert model.predict_proba(["refill"])[0, 0] > 0.8


def test_fingerprint_changes_with_weights(torch_text_spec, tiny_text_module):
    path = torch_text_spec()
    before = load_model(path).fingerprint
    with torch.no_grad():
        tiny_text_module.embedding.weight[2, 1] = 5.0
    save_file(tiny_text_module.state_dict(), path.parent / "weights.safetensors")
    assert load_model(path).fingerprint != before


def test_torch_pickled_module_is_refused_then_trusted(torch_text_spec, tiny_text_module):
    path = torch_text_spec("model.pt")
    torch.save(tiny_text_module, path.parent / "model.pt")
    with pytest.raises(UnsafeFormatError, match="can run arbitrary code when loaded"):
        load_model(path)
    assert load_model(path, trust_pickle=True).predict_proba(["hopeless"]).shape == (1, 2)


def test_hostile_torch_pickle_does_not_run(torch_text_spec, tmp_path):
    marker = tmp_path / "pwned"
    path = torch_text_spec("evil.pt")
    with open(path.parent / "evil.pt", "wb") as handle:
        pickle.dump(HostilePayload(marker), handle)
    with pytest.raises(UnsafeFormatError, match="trust_pickle=True"):
        load_model(path)
    assert not marker.exists()


def test_weights_that_do_not_fit_the_architecture(torch_text_spec):
    path = torch_text_spec(architecture_params={"vocab_size": 3})
    with pytest.raises(ModelLoadError, match="do not fit .*MeanEmbeddingText"):
        load_model(path)


def test_corrupt_safetensors(torch_text_spec):
    path = torch_text_spec()
    (path.parent / "weights.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ModelLoadError, match="cannot read safetensors file"):
        load_model(path)


def test_unimportable_architecture(torch_text_spec):
    with pytest.raises(ModelLoadError, match="cannot import 'no_such_module'"):
        load_model(torch_text_spec(architecture="no_such_module:Net"))


def test_torch_tabular_with_identity_encoder(spec_writer, tiny_tabular_module):
    path = spec_writer(name="lin", kind="tabular", framework="torch", weights="w.safetensors",
                       architecture=f"{TINY_MODELS_FILE}:LinearTabular",
                       architecture_params={"n_inputs": 4}, feature_columns=["a", "b", "c", "d"],
                       classes=["no", "yes"], positive_class="yes")
    save_file(tiny_tabular_module.state_dict(), path.parent / "w.safetensors")
    model = load_model(path)
    assert isinstance(model, TorchTabularAdapter)
    import pandas as pd
    row = pd.DataFrame({"a": [2.0], "b": [1.0], "c": [0.0], "d": [9.0]})
    assert model.predict_proba(row)[0, 1] == pytest.approx(1 / (1 + np.exp(-(1 - 1 + 0.25))))


@pytest.fixture
def fitted_pipeline():
    texts = ["hopeless tonight", "refill please", "so hopeless", "reschedule"]
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        texts, ["urgent", "routine", "urgent", "routine"])


def test_sklearn_skops_loads(spec_writer, fitted_pipeline):
    path = spec_writer(**TEXT_KEYS, framework="sklearn", weights="model.skops")
    skops.io.dump(fitted_pipeline, path.parent / "model.skops")
    model = load_model(path)
    assert isinstance(model, SklearnAdapter)
    assert model.predict_proba(["hopeless"])[0, 1] > 0.5


def test_sklearn_pickle_is_refused_then_trusted(spec_writer, fitted_pipeline):
    path = spec_writer(**TEXT_KEYS, framework="sklearn", weights="model.joblib")
    joblib.dump(fitted_pipeline, path.parent / "model.joblib")
    with pytest.raises(UnsafeFormatError, match=r"pickle/joblib files can run .*skops"):
        load_model(path)
    assert load_model(path, trust_pickle=True).predict_proba(["hopeless"]).shape == (1, 2)


def test_hostile_sklearn_pickle_does_not_run(spec_writer, tmp_path):
    marker = tmp_path / "pwned"
    path = spec_writer(**TEXT_KEYS, framework="sklearn", weights="model.pkl")
    with open(path.parent / "model.pkl", "wb") as handle:
        pickle.dump(HostilePayload(marker), handle)
    with pytest.raises(UnsafeFormatError):
        load_model(path)
    assert not marker.exists()


def test_skops_with_foreign_types_is_refused(spec_writer, fitted_pipeline):
    path = spec_writer(**TEXT_KEYS, framework="sklearn", weights="model.skops")
    fitted_pipeline.steps.append(("extra", CallableAdapter))
    skops.io.dump({"pipeline": fitted_pipeline, "note": HostilePayload("x")},
                  path.parent / "model.skops")
    with pytest.raises(UnsafeFormatError, match="holds types outside scikit-learn"):
        load_model(path)


def test_corrupt_skops(spec_writer):
    path = spec_writer(**TEXT_KEYS, framework="sklearn", weights="model.skops")
    (path.parent / "model.skops").write_bytes(b"PK broken")
    with pytest.raises(ModelLoadError, match="cannot read skops file"):
        load_model(path)


def test_callable_from_file(spec_writer):
    path = spec_writer(**TEXT_KEYS, framework="callable", entry="rules.py:score")
    (path.parent / "rules.py").write_text(
        "import numpy as np\n\n"
        "def score(texts):\n"
        "    p = np.array([0.8 if 'hopeless' in t else 0.1 for t in texts])\n"
        "    return np.column_stack([1 - p, p])\n"
    )
    model = load_model(path)
    assert isinstance(model, CallableAdapter)
    np.testing.assert_allclose(model.predict_proba(["hopeless", "ok"])[:, 1], [0.8, 0.1])


def test_callable_entry_that_is_not_callable(spec_writer):
    path = spec_writer(**TEXT_KEYS, framework="callable", entry="math:pi")
    with pytest.raises(ModelLoadError, match="is not callable"):
        load_model(path)
