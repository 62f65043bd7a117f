"""Devices: the spec's ``device`` and ``--device`` are checked, resolved against the devices torch
sees, and the torch and transformers adapters run there; GPU tests compare a GPU with the CPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench import SpecError, load_spec
from workbench._errors import ModelLoadError
from workbench.cli import main
from workbench.explain import explain_batch
from workbench.models import TorchTextAdapter, load_model
from workbench.models._device import MSG_DEVICE_UNAVAILABLE, available_devices, resolve_device
from workbench.spec import MSG_BAD_DEVICE, MSG_DEVICE_NOT_HERE, sample_model_specs, with_device

CALLABLE = {
    "name": "demo",
    "kind": "text",
    "framework": "callable",
    "entry": "builtins:len",
    "classes": ["routine", "urgent"],
    "positive_class": "urgent",
}
MESSAGES = ["I feel hopeless tonight", "can I move my appointment", "no point going on"]
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine where torch sees no GPU at all."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.fixture
def two_gpus(monkeypatch):
    """A machine where torch sees two CUDA GPUs (and no MPS)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize(
    "written, kept", [("auto", "auto"), ("cpu", "cpu"), ("CUDA", "cuda"), ("cuda:1", "cuda:1")]
)
def test_spec_device_is_read(spec_writer, written, kept):
    spec = load_spec(sample_model_specs()["crisis_text"])
    assert spec.device == "auto"
    raw = {**CALLABLE, "framework": "torch", "weights": "w.pt", "tokenizer": "t.json"}
    path = spec_writer(**raw, device=written)
    (path.parent / "w.pt").write_bytes(b"")
    (path.parent / "t.json").write_text("{}")
    assert load_spec(path).device == kept


@pytest.mark.parametrize("value", ["gpu", "cuda:", "cuda:x", "mps:0", "cpu:1", 0, ["cuda"]])
def test_bad_device_names_what_it_takes(spec_writer, value):
    path = spec_writer(**CALLABLE, device=value)
    where = f"model spec {path.resolve()}: 'device'"
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == MSG_BAD_DEVICE.format(where=where, value=value)


def test_a_cpu_framework_refuses_a_gpu(spec_writer):
    path = spec_writer(**CALLABLE, device="cuda")
    assert load_spec(spec_writer(**CALLABLE, device="cpu")).device == "cpu"
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    where = f"model spec {path.resolve()}: 'device'"
    expected = MSG_DEVICE_NOT_HERE.format(where=where, framework="callable", value="cuda")
    assert str(caught.value) == expected


def test_with_device_overrides_the_spec_and_none_keeps_it():
    spec = load_spec(sample_model_specs()["crisis_text"])
    assert with_device(spec, None) is spec
    assert with_device(spec, "cpu").device == "cpu"
    with pytest.raises(SpecError) as caught:
        with_device(spec, "tpu")
    assert str(caught.value) == MSG_BAD_DEVICE.format(where="model 'crisis_text'", value="tpu")


def test_auto_is_the_cpu_without_a_gpu(no_gpu):
    assert available_devices() == ("cpu",)
    assert resolve_device("auto", model="m") == torch.device("cpu")


def test_auto_is_the_gpu_when_torch_sees_one(two_gpus):
    assert available_devices() == ("cpu", "cuda:0", "cuda:1")
    assert resolve_device("auto", model="m") == torch.device("cuda")
    assert resolve_device("cuda:1", model="m") == torch.device("cuda:1")
    with pytest.raises(ModelLoadError) as caught:
        resolve_device("cuda:2", model="m")
    expected = MSG_DEVICE_UNAVAILABLE.format(
        model="m", requested="cuda:2", available="cpu, cuda:0, cuda:1"
    )
    assert str(caught.value) == expected


def test_mps_is_chosen_when_there_is_no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto", model="m") == torch.device("mps")


def test_a_missing_gpu_is_a_clear_error(no_gpu):
    with pytest.raises(ModelLoadError) as caught:
        load_model(sample_model_specs()["crisis_text"], device="cuda")
    expected = MSG_DEVICE_UNAVAILABLE.format(model="crisis_text", requested="cuda", available="cpu")
    assert str(caught.value) == expected


def test_cli_device_option_reaches_the_model(no_gpu, capsys):
    spec = sample_model_specs()["crisis_text"]
    assert main(["check", "--model", str(spec), "--device", "cuda:0"]) == 2
    expected = MSG_DEVICE_UNAVAILABLE.format(
        model="crisis_text", requested="cuda:0", available="cpu"
    )
    assert expected in capsys.readouterr().err
    assert main(["check", "--model", str(spec), "--device", "cpu"]) == 0


@pytest.mark.parametrize("name", ["crisis_text", "relapse_tabular", "crisis_text_bert"])
def test_spec_models_run_on_the_resolved_device(name, no_gpu):
    model = load_model(sample_model_specs()[name], device="auto")
    assert model.device == torch.device("cpu")
    assert all(p.device == model.device for p in model.module.parameters())


def test_an_adapter_leaves_a_module_where_it_is(tiny_text_module, tiny_tokenizer):
    info = load_model(sample_model_specs()["crisis_text"]).info
    model = TorchTextAdapter(tiny_text_module, tiny_tokenizer, info)
    assert model.device == torch.device("cpu")
    probabilities = model.predict_proba(MESSAGES)
    assert isinstance(probabilities, np.ndarray) and probabilities.shape == (3, 2)


def _cpu_and_gpu(name: str):
    spec = sample_model_specs()[name]
    return load_model(spec, device="cpu"), load_model(spec, device="cuda")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("name", ["crisis_text", "crisis_text_bert"])
def test_scores_on_a_gpu_equal_the_cpu_scores(name):
    cpu, gpu = _cpu_and_gpu(name)
    assert gpu.device.type == "cuda"
    np.testing.assert_allclose(gpu.predict_proba(MESSAGES), cpu.predict_proba(MESSAGES), atol=1e-4)


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("method", ["ig", "deeplift", "gradient_shap"])
def test_gradients_on_a_gpu_equal_the_cpu_ones(method):
    cpu, gpu = _cpu_and_gpu("crisis_text")
    on_cpu = explain_batch(cpu, MESSAGES, method=method)
    on_gpu = explain_batch(gpu, MESSAGES, method=method)
    for first, second in zip(on_cpu, on_gpu):
        assert first.features == second.features and first.target == second.target
        np.testing.assert_allclose(second.attributions, first.attributions, atol=1e-4)


@pytest.mark.gpu
@needs_cuda
def test_tabular_integrated_gradients_on_a_gpu_equal_the_cpu_ones():
    spec = sample_model_specs()["relapse_tabular"]
    cpu, gpu = load_model(spec, device="cpu"), load_model(spec, device="cuda")
    from workbench.data import load_dataset

    rows = load_dataset(load_spec(spec)).head(5)
    kwargs = {"method": "ig", "background": rows, "baseline": "mean"}
    on_cpu, on_gpu = explain_batch(cpu, rows, **kwargs), explain_batch(gpu, rows, **kwargs)
    for first, second in zip(on_cpu, on_gpu):
        np.testing.assert_allclose(second.attributions, first.attributions, atol=1e-4)
