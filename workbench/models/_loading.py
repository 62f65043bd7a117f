"""Build a model adapter from a spec, reading weights in safe formats only unless trusted."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pickle
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from workbench._errors import ModelLoadError, UnsafeFormatError
from workbench.models._base import ModelAdapter, ModelInfo
from workbench.models._callable import CallableAdapter
from workbench.models._sklearn import SklearnAdapter
from workbench.models._tabular_encoder import TabularEncoder
from workbench.models._tokenizer import WordTokenizer
from workbench.models._torch import TorchTabularAdapter, TorchTextAdapter
from workbench.spec import ModelSpec, load_spec

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
TORCH_PICKLE_SUFFIXES = (".pt", ".pth", ".bin")
SAFE_SKOPS_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")
MSG_PICKLE_REFUSED = (
    "refusing to load {path}: {fmt} files can run arbitrary code when loaded. Save the model "
    "in a safe format ({safe}), or pass trust_pickle=True (command line: --trust-pickle) if "
    "you trust who made this file"
)


def load_model(spec: str | Path | ModelSpec, *, trust_pickle: bool = False) -> ModelAdapter:
    """Load the model a spec file describes and return its adapter.

    Weights load from safe formats (safetensors, ``torch.load(weights_only=True)``, skops with
    only scikit-learn/numpy/scipy types, a local transformers folder with safetensors). A plain
    pickle is refused unless ``trust_pickle`` is true.
    """
    spec = load_spec(spec)
    info = ModelInfo(
        name=spec.name,
        kind=spec.kind,
        class_names=spec.classes,
        positive_class=spec.positive_class,
        feature_columns=spec.feature_columns if spec.kind == "tabular" else (),
        fingerprint=model_sha256(spec),
    )
    batch: dict[str, int] = {"batch_size": spec.batch_size} if spec.batch_size else {}
    if spec.framework == "torch":
        return _load_torch(spec, info, batch, trust_pickle=trust_pickle)
    if spec.framework == "sklearn":
        estimator = _load_sklearn(spec.weights, trust_pickle=trust_pickle)
        return SklearnAdapter(estimator, info, **batch)
    if spec.framework == "transformers":
        from workbench.models._transformers import TransformersAdapter, load_transformers

        model, tokenizer = load_transformers(spec.weights, trust_pickle=trust_pickle)
        return TransformersAdapter(model, tokenizer, info, max_length=spec.max_length, **batch)
    function = import_object(spec.entry, base=spec.folder)
    if not callable(function):
        raise ModelLoadError(f"entry {spec.entry!r} is not callable; name a function")
    return CallableAdapter(function, info, **batch)


def model_sha256(spec: ModelSpec) -> str:
    """SHA-256 over the spec file and every file it names for the model (weights, vocabulary)."""
    digest = hashlib.sha256()
    files = [spec.path]
    for path in (spec.weights, spec.tokenizer, spec.preprocessing):
        if path is not None:
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            )
    if spec.entry and ".py:" in spec.entry:
        files.append(spec.folder / spec.entry.split(":")[0])
    for file in files:
        digest.update(file.name.encode())
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def import_object(reference: str | None, *, base: Path) -> Any:
    """The object named ``module:attribute`` or ``file.py:attribute`` (file relative to base)."""
    if not reference or ":" not in reference:
        raise ModelLoadError(
            f"expected a reference 'module:name' or 'file.py:name'; got {reference!r}"
        )
    module_name, _, attribute = reference.rpartition(":")
    try:
        if module_name.endswith(".py"):
            file = (base / module_name).resolve()
            if not file.is_file():
                raise ModelLoadError(f"code file {file} named by {reference!r} does not exist")
            unique = "workbench_user_" + hashlib.sha256(str(file).encode()).hexdigest()[:12]
            loader_spec = importlib.util.spec_from_file_location(unique, file)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[unique] = module
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as err:
        raise ModelLoadError(
            f"cannot import {module_name!r} named by {reference!r}: {err}"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ModelLoadError(f"{module_name!r} has no {attribute!r} (from {reference!r})") from None


def _load_torch(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> ModelAdapter:
    module = _torch_module(spec, trust_pickle=trust_pickle)
    output = spec.output
    if spec.kind == "text":
        tokenizer = WordTokenizer.load(spec.tokenizer)
        if spec.max_length:
            tokenizer.max_length = spec.max_length
        return TorchTextAdapter(
            module, tokenizer, info, embedding_layer=spec.embedding_layer, output=output, **batch
        )
    if spec.preprocessing is not None:
        encoder = TabularEncoder.load(spec.preprocessing)
        if set(encoder.feature_columns) != set(spec.feature_columns):
            raise ModelLoadError(
                f"preprocessing {spec.preprocessing} encodes columns "
                f"{list(encoder.feature_columns)} but the spec's feature_columns are "
                f"{list(spec.feature_columns)}; make them the same"
            )
        # The encoder's column order is the model's: its one-hot blocks follow it.
        info = replace(info, feature_columns=encoder.feature_columns)
    else:
        identity = dict.fromkeys(spec.feature_columns, (0.0, 1.0))
        encoder = TabularEncoder(numeric=identity, feature_columns=spec.feature_columns)
    return TorchTabularAdapter(module, encoder, info, output=output, **batch)


def _torch_module(spec: ModelSpec, *, trust_pickle: bool) -> torch.nn.Module:
    weights = spec.weights
    if weights.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            state = load_file(str(weights))
        except (SafetensorError, OSError, ValueError) as err:
            raise ModelLoadError(f"cannot read safetensors file {weights}: {err}") from None
    elif weights.suffix in TORCH_PICKLE_SUFFIXES:
        state = _torch_load(weights, trust_pickle=trust_pickle)
        if isinstance(state, torch.nn.Module):
            return state
    else:
        raise ModelLoadError(
            f"unknown torch weights format {weights.suffix!r} for {weights}; use .safetensors "
            "(preferred) or a state dict saved with torch.save as .pt"
        )
    if not spec.architecture:
        raise ModelLoadError(
            f"{weights} holds only weights; name the model class with 'architecture' "
            "('module:Class' or 'file.py:Class') and its 'architecture_params'"
        )
    cls = import_object(spec.architecture, base=spec.folder)
    try:
        module = cls(**spec.architecture_params)
    except TypeError as err:
        raise ModelLoadError(
            f"cannot build {spec.architecture} with architecture_params "
            f"{spec.architecture_params}: {err}"
        ) from None
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[0:3]
        raise ModelLoadError(
            f"weights {weights.name} do not fit {spec.architecture} built with "
            f"{spec.architecture_params}: {' '.join(first)}"
        ) from None
    return module


def _torch_load(weights: Path, *, trust_pickle: bool) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if not trust_pickle:
            raise UnsafeFormatError(
                MSG_PICKLE_REFUSED.format(
                    path=weights,
                    fmt="this torch file holds more than tensors; such pickle",
                    safe="safetensors, or a plain state dict",
                )
                + f" (torch said: {str(err).splitlines()[0]})"
            ) from None
    except (RuntimeError, OSError, EOFError) as err:
        raise ModelLoadError(f"cannot read torch weights {weights}: {err}") from None
    try:
        return torch.load(weights, map_location="cpu", weights_only=False)
    except Exception as err:  # a trusted pickle may fail in any way its code does
        raise ModelLoadError(f"cannot load trusted torch file {weights}: {err}") from None


def _load_sklearn(weights: Path, *, trust_pickle: bool) -> Any:
    if weights.suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            raise UnsafeFormatError(
                MSG_PICKLE_REFUSED.format(
                    path=weights,
                    fmt="pickle/joblib",
                    safe="skops: skops.io.dump(model, 'model.skops')",
                )
            )
        import joblib

        try:
            return joblib.load(weights)
        except Exception as err:  # a trusted pickle may fail in any way its code does
            raise ModelLoadError(f"cannot load trusted pickle {weights}: {err}") from None
    if weights.suffix != ".skops":
        raise ModelLoadError(
            f"unknown scikit-learn format {weights.suffix!r} for {weights}; save with "
            "skops.io.dump(model, 'model.skops')"
        )
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=weights)
    except Exception as err:  # skops raises many types for a corrupt archive
        raise ModelLoadError(f"cannot read skops file {weights}: {err}") from None
    unsafe = [t for t in untrusted if not t.startswith(SAFE_SKOPS_PREFIXES)]
    if unsafe and not trust_pickle:
        raise UnsafeFormatError(
            f"refusing to load {weights}: it holds types outside scikit-learn, numpy and scipy "
            f"({unsafe[:5]}) whose loading can run code; pass trust_pickle=True "
            "(--trust-pickle) if you trust who made this file"
        )
    try:
        return skops.io.load(weights, trusted=untrusted)
    except Exception as err:  # skops raises many types for a corrupt archive
        raise ModelLoadError(f"cannot load skops file {weights}: {err}") from None
