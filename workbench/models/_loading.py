"""Build a model adapter from a spec with its framework's loader, reading weights in safe formats
only unless trusted; the fingerprint of a model's files."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from workbench._errors import ModelLoadError
from workbench.models._base import ModelAdapter, ModelInfo
from workbench.models._frameworks import FRAMEWORKS
from workbench.spec import ModelSpec, load_spec

MSG_PICKLE_REFUSED = (
    "refusing to load {path}: {fmt} files can run arbitrary code when loaded. Save the model "
    "in a safe format ({safe}), or pass trust_pickle=True (command line: --trust-pickle) if "
    "you trust who made this file"
)


def load_model(spec: str | Path | ModelSpec, *, trust_pickle: bool = False) -> ModelAdapter:
    """Load the model a spec file describes and return its adapter, built by the loader that
    the spec's framework names in ``FRAMEWORKS``.

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
    loader = import_object(FRAMEWORKS[spec.framework].loader, base=spec.folder)
    return loader(spec, info, batch, trust_pickle=trust_pickle)


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
