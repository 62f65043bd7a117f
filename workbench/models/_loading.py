"""Build a model adapter from a spec with its framework's loader, reading weights in safe formats
only unless trusted; the fingerprint of a model's files."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._errors import ModelLoadError, SpecError, WorkbenchError
from workbench.models._base import (
    InputLimits,
    ModelAdapter,
    ModelInfo,
    ModelSource,
    model_raised,
)
from workbench.models._fingerprint import model_sha256
from workbench.models._frameworks import FRAMEWORKS
from workbench.models._generation import GenerationSettings
from workbench.spec import GENERATIVE, ModelSpec, load_spec, with_device

if TYPE_CHECKING:
    from workbench.models._generative import GenerativeInfo, GenerativeModel

MSG_PICKLE_REFUSED = (
    "refusing to load {path}: {fmt} files can run arbitrary code when loaded. Save the model "
    "in a safe format ({safe}), or pass trust_pickle=True (command line: --trust-pickle) if "
    "you trust who made this file"
)
MSG_BAD_REFERENCE = (
    "expected a reference 'module:name', or 'file.py:name' for a file relative to the spec "
    "file; got {reference!r}"
)
MSG_CANNOT_IMPORT = (
    "cannot import {module!r} named by {reference!r}: {err}. A module must be importable (pip "
    "install it); code in a file beside the spec is named as 'path/file.py:{attribute}' "
    "(relative to the spec file; the file may import the modules beside it)"
)
MSG_CODE_FILE_MISSING = "code file {file} named by {reference!r} does not exist"
MSG_NO_ATTRIBUTE = "{module!r} has no {attribute!r} (from {reference!r})"
MSG_CANNOT_BUILD = "cannot build {reference} with architecture_params {params}: {err}"
MSG_GENERATIVE_NOT_CLASSIFIER = (
    "model {model!r} is generative (prompt in, response out); {task} needs a classifier. "
    "Audit a generative model with `workbench chat-audit --model {spec}`"
)


def load_model(
    spec: str | Path | ModelSpec, *, trust_pickle: bool = False, device: str | None = None
) -> ModelAdapter | GenerativeModel:
    """Load the model a spec file describes and return its adapter (a
    :class:`~workbench.models.GenerativeModel` for ``kind: generative``), built by the loader
    that the spec's framework names in ``FRAMEWORKS``.

    Weights load from safe formats (safetensors, ``torch.load(weights_only=True)``, skops with
    only scikit-learn/numpy/scipy types, a local transformers folder with safetensors). A plain
    pickle is refused unless ``trust_pickle`` is true. ``device`` (auto, cpu, cuda, cuda:N or
    mps) overrides the spec's ``device`` for a torch or transformers model.
    """
    spec = with_device(load_spec(spec), device)
    batch: dict[str, int] = {"batch_size": spec.batch_size} if spec.batch_size else {}
    loader = import_object(FRAMEWORKS[spec.framework].loader_for(spec.kind), base=spec.folder)
    info: Any = _generative_info(spec) if spec.kind == GENERATIVE else classifier_info(spec)
    model = loader(spec, info, batch, trust_pickle=trust_pickle)
    model.limits = InputLimits(max_characters=spec.max_characters, max_tokens=spec.max_tokens)
    if spec.kind != GENERATIVE:
        model.source = ModelSource(spec_path=spec.path.resolve(), trust_pickle=trust_pickle)
    return model


def load_classifier(
    spec: str | Path | ModelSpec,
    *,
    task: str,
    trust_pickle: bool = False,
    device: str | None = None,
) -> ModelAdapter:
    """:func:`load_model` for a ``task`` that needs a classifier (e.g. "workbench audit"); a
    generative spec is refused before anything loads, naming the verb that audits it."""
    spec = require_classifier(spec, task=task)
    return load_model(spec, trust_pickle=trust_pickle, device=device)


def require_classifier(spec: str | Path | ModelSpec, *, task: str) -> ModelSpec:
    """The spec, when it describes a classifier; a generative one is a :class:`SpecError`
    saying that ``task`` needs a classifier and which verb audits a generative model."""
    spec = load_spec(spec)
    if spec.kind == GENERATIVE:
        raise SpecError(
            MSG_GENERATIVE_NOT_CLASSIFIER.format(model=spec.name, task=task, spec=spec.path)
        )
    return spec


def classifier_info(spec: ModelSpec) -> ModelInfo:
    """What a classifier's spec says it is (name, kind, classes, features), with the
    fingerprint of its files; nothing is loaded."""
    return ModelInfo(
        name=spec.name,
        kind=spec.kind,
        class_names=spec.classes,
        positive_class=spec.positive_class,
        feature_columns=spec.feature_columns if spec.kind == "tabular" else (),
        fingerprint=model_sha256(spec),
    )


def _generative_info(spec: ModelSpec) -> GenerativeInfo:
    from workbench.models._generative import GenerativeInfo

    return GenerativeInfo(
        name=spec.name,
        fingerprint=model_sha256(spec),
        settings=GenerationSettings(**spec.generation),
    )


def import_object(reference: str | None, *, base: Path, model: str | None = None) -> Any:
    """The object named ``module:attribute`` or ``file.py:attribute`` (file relative to base).

    A file runs with its own folder importable, so it may import the modules beside it;
    anything its code raises, other than an import error, is a
    :class:`~workbench.ModelRaisedError` of ``model`` (default: the file's name).
    """
    if not reference or ":" not in reference:
        raise ModelLoadError(MSG_BAD_REFERENCE.format(reference=reference))
    module_name, _, attribute = reference.rpartition(":")
    try:
        if module_name.endswith(".py"):
            module = _import_file((base / module_name).resolve(), reference=reference, model=model)
        else:
            module = importlib.import_module(module_name)
    except ImportError as err:
        raise ModelLoadError(
            MSG_CANNOT_IMPORT.format(
                module=module_name, reference=reference, err=err, attribute=attribute or "name"
            )
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ModelLoadError(
            MSG_NO_ATTRIBUTE.format(module=module_name, attribute=attribute, reference=reference)
        ) from None


def build_object(cls: Any, params: dict[str, Any], *, reference: str, model: str) -> Any:
    """``cls(**params)``: wrong parameters are a :class:`ModelLoadError`; anything else the
    class's code raises is a :class:`~workbench.ModelRaisedError`."""
    try:
        return cls(**params)
    except TypeError as err:
        raise ModelLoadError(
            MSG_CANNOT_BUILD.format(reference=reference, params=params, err=err)
        ) from None
    except WorkbenchError:
        raise
    except Exception as err:  # the model's code may raise anything; it is reported as its own
        raise model_raised(model, f"building {reference}", err) from err


def _import_file(file: Path, *, reference: str, model: str | None) -> Any:
    if not file.is_file():
        raise ModelLoadError(MSG_CODE_FILE_MISSING.format(file=file, reference=reference))
    unique = "workbench_user_" + hashlib.sha256(str(file).encode()).hexdigest()[:12]
    loader_spec = importlib.util.spec_from_file_location(unique, file)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[unique] = module
    folder = str(file.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        loader_spec.loader.exec_module(module)
    except ImportError:
        del sys.modules[unique]
        raise
    except Exception as err:  # the model's code may raise anything; it is reported as its own
        del sys.modules[unique]
        raise model_raised(model or file.name, f"importing {reference}", err) from err
    finally:
        if added:
            sys.path.remove(folder)
    return module
