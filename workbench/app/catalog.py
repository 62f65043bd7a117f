"""The models a served app lists: spec files, a catalog file, or the bundled samples.

``workbench serve`` hands its model options to the app's kernel through the environment:
``WORKBENCH_MODELS`` (spec files, joined with ``os.pathsep``), ``WORKBENCH_CATALOG`` (a
catalog file, read again by each new kernel) and ``WORKBENCH_SAMPLES`` (``1``: add the bundled
samples). With none of them set, the app lists the bundled samples. ``WORKBENCH_SCHEDULER``
(``workbench serve --scheduler``) names the Dask engine whose workers then serve the models:
the kernel opens them without loading them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from workbench._errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.app.browse import Subject
    from workbench.models import ModelAdapter
    from workbench.spec import ModelSpec

ENV_MODELS = "WORKBENCH_MODELS"
ENV_CATALOG = "WORKBENCH_CATALOG"
ENV_SAMPLES = "WORKBENCH_SAMPLES"
CATALOG_KEYS = ("spec", "name", "owner", "version")
MSG_CATALOG_MISSING = "model catalog {path}: no such file"
MSG_CATALOG_YAML = "model catalog {path}: not valid YAML ({problem})"
MSG_CATALOG_SHAPE = "model catalog {path}: expected a mapping with a 'models' list of entries"
MSG_CATALOG_ENTRY = "model catalog {path}: entry {number} must be a mapping with a 'spec' path"
MSG_CATALOG_KEY = (
    "model catalog {path}: entry {number} has unknown key '{key}'; known keys: {known}"
)
MSG_CATALOG_VALUE = "model catalog {path}: entry {number}: '{key}' must be text; got {kind}"
MSG_IS_CHATBOT = (
    "{name} is a chatbot (a generative model): it answers in words, not classes, so it is "
    "reviewed in the chatbot audit app (workbench serve chatbot_audit)."
)
MSG_CATALOG_DUPLICATE = "model catalog {path}: two entries are named '{name}'"
MSG_VISITOR_LOAD_FAILED = "This model could not be loaded; ask the team that registered it."
MSG_OPERATOR_LOAD_FAILED = "model '{name}' ({spec}) could not be loaded: {problem}"
MSG_OPERATOR_ENGINE = (
    "model '{name}' is served by the Dask engine at {address}; this kernel does not load it"
)

log = logging.getLogger("workbench.serve")
# The operator's log: the process's own stderr, which a served kernel shares with the server
# (a kernel's sys.stderr goes to the page instead).
log.addHandler(logging.StreamHandler(sys.__stderr__ or sys.stderr))
log.setLevel(logging.INFO)


@dataclass(frozen=True)
class CatalogEntry:
    """One model a served app lists: its spec file, display name, owner and version note."""

    spec: Path
    name: str
    owner: str = ""
    version: str = ""


@dataclass(frozen=True)
class OpenedEntry:
    """A catalog entry's loaded spec and fingerprint (the version the board reviews)."""

    entry: CatalogEntry
    spec: ModelSpec
    fingerprint: str


def entry_for_spec(path: str | Path) -> CatalogEntry:
    """A catalog entry for one spec file, named after the folder that holds it."""
    spec = Path(path).resolve()
    return CatalogEntry(spec=spec, name=spec.parent.name)


def read_catalog(path: str | Path) -> list[CatalogEntry]:
    """The entries of a catalog file; spec paths are relative to the catalog's folder."""
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError(MSG_CATALOG_MISSING.format(path=path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        problem = str(err).splitlines()[0]
        raise WorkbenchError(MSG_CATALOG_YAML.format(path=path, problem=problem)) from None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("models"), list):
        raise WorkbenchError(MSG_CATALOG_SHAPE.format(path=path))
    entries = [_entry(item, number, path) for number, item in enumerate(raw["models"], 1)]
    _check_unique(entries, path)
    return entries


def served_models(environ: Mapping[str, str] | None = None) -> list[CatalogEntry]:
    """The models the serve options name (read now), or the bundled samples when none."""
    from workbench.spec import sample_model_specs

    environ = os.environ if environ is None else environ
    entries = [entry_for_spec(p) for p in environ.get(ENV_MODELS, "").split(os.pathsep) if p]
    if environ.get(ENV_CATALOG):
        entries += read_catalog(environ[ENV_CATALOG])
    if environ.get(ENV_SAMPLES) == "1" or not (entries or environ.get(ENV_CATALOG)):
        entries += [entry_for_spec(p) for p in sample_model_specs().values()]
    return entries


def of_kinds(entries: Sequence[CatalogEntry], kinds: Collection[str]) -> list[CatalogEntry]:
    """The entries whose spec describes a model of one of ``kinds`` (e.g. ``generative``); an
    entry whose spec cannot be read is kept, so that choosing it says it could not be loaded."""
    from workbench.spec import load_spec

    kept = []
    for entry in entries:
        try:
            kind = load_spec(entry.spec).kind
        except (WorkbenchError, OSError):
            kind = None
        if kind is None or kind in kinds:
            kept.append(entry)
    return kept


def open_entry(entry: CatalogEntry) -> OpenedEntry:
    """Load the entry's spec and hash its files; a failure is logged for the operator.

    Raises ``WorkbenchError`` with the plain visitor message, ``MSG_VISITOR_LOAD_FAILED``.
    """
    from workbench.models._fingerprint import model_sha256
    from workbench.spec import load_spec

    try:
        spec = load_spec(entry.spec)
        fingerprint = model_sha256(spec)
    except (WorkbenchError, OSError) as err:
        log.error(MSG_OPERATOR_LOAD_FAILED.format(name=entry.name, spec=entry.spec, problem=err))
        raise WorkbenchError(MSG_VISITOR_LOAD_FAILED) from err
    return OpenedEntry(entry=entry, spec=spec, fingerprint=fingerprint)


def _entry(item: object, number: int, path: Path) -> CatalogEntry:
    if not isinstance(item, Mapping) or "spec" not in item:
        raise WorkbenchError(MSG_CATALOG_ENTRY.format(path=path, number=number))
    for key, value in item.items():
        if key not in CATALOG_KEYS:
            known = ", ".join(CATALOG_KEYS)
            raise WorkbenchError(
                MSG_CATALOG_KEY.format(path=path, number=number, key=key, known=known)
            )
        if not isinstance(value, str):
            kind = type(value).__name__
            raise WorkbenchError(
                MSG_CATALOG_VALUE.format(path=path, number=number, key=key, kind=kind)
            )
    spec = (path.parent / item["spec"]).resolve()
    return CatalogEntry(
        spec=spec,
        name=item.get("name", spec.parent.name),
        owner=item.get("owner", ""),
        version=item.get("version", ""),
    )


def _check_unique(entries: list[CatalogEntry], path: Path) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            raise WorkbenchError(MSG_CATALOG_DUPLICATE.format(path=path, name=entry.name))
        seen.add(entry.name)


def serving_engine(environ: Mapping[str, str] | None = None) -> str | None:
    """The address of the Dask engine that serves the listed models (``WORKBENCH_SCHEDULER``
    in ``environ``, default ``os.environ``), or None: the kernel loads them itself."""
    from workbench.store._names import SCHEDULER_ENV

    environ = os.environ if environ is None else environ
    return environ.get(SCHEDULER_ENV) or None


def open_listed_subject(opened: OpenedEntry) -> Subject:
    """``open_subject`` for a listed model, served by the :func:`serving_engine` when there is
    one; a failure is logged and the visitor told plainly."""
    from workbench.app.browse import open_subject

    engine = serving_engine()
    try:
        subject = open_subject(opened.spec, scheduler=engine)
    except Exception as err:  # any failure of a team's model: log it, keep the app working
        entry = opened.entry
        log.error(MSG_OPERATOR_LOAD_FAILED.format(name=entry.name, spec=entry.spec, problem=err))
        raise WorkbenchError(MSG_VISITOR_LOAD_FAILED) from err
    _log_engine(opened, engine)
    return subject


def load_listed_model(opened: OpenedEntry) -> ModelAdapter:
    """``load_classifier`` for a listed model, or the :func:`serving_engine`'s model when there
    is one; a failure is logged and the visitor told plainly."""
    engine = serving_engine()
    try:
        if engine is None:
            from workbench.models import load_classifier

            model = load_classifier(opened.spec, task="the ethics app")
        else:
            from workbench.store import open_engine_model

            model = open_engine_model(opened.spec, scheduler=engine)
    except Exception as err:  # any failure of a team's model: log it, keep the app working
        entry = opened.entry
        log.error(MSG_OPERATOR_LOAD_FAILED.format(name=entry.name, spec=entry.spec, problem=err))
        raise WorkbenchError(MSG_VISITOR_LOAD_FAILED) from err
    _log_engine(opened, engine)
    return model


def _log_engine(opened: OpenedEntry, engine: str | None) -> None:
    """Tell the operator, once per opening, that the engine serves the model."""
    if engine is not None:
        log.info(MSG_OPERATOR_ENGINE.format(name=opened.entry.name, address=engine))


def is_generative(spec: ModelSpec | None) -> bool:
    """Whether ``spec`` describes a generative model (a chatbot)."""
    from workbench.spec import GENERATIVE

    return spec is not None and spec.kind == GENERATIVE


def chatbot_note(spec: ModelSpec) -> str:
    """What the classifier app says when a chatbot is chosen: where it is reviewed."""
    return MSG_IS_CHATBOT.format(name=spec.name)
