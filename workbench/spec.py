"""Model spec files: a YAML description of a model, its weights and its evaluation data."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbench._errors import SpecError
from workbench.models._frameworks import FRAMEWORKS

KINDS = ("text", "tabular")
OUTPUTS = ("logits", "probabilities")
SPEC_FILE_NAME = "model.yaml"

_REQUIRED = ("name", "kind", "framework", "classes", "positive_class")
_OPTIONAL = (
    "description",
    "weights",
    "data",
    "label_column",
    "text_column",
    "feature_columns",
    "protected_attributes",
    "model_card",
    "architecture",
    "architecture_params",
    "tokenizer",
    "preprocessing",
    "embedding_layer",
    "output",
    "entry",
    "max_length",
    "batch_size",
)
_PATH_KEYS = ("weights", "data", "model_card", "tokenizer", "preprocessing")


@dataclass(frozen=True)
class ModelSpec:
    """A validated model spec; paths are absolute, resolved against the spec file's folder."""

    path: Path
    name: str
    kind: str
    framework: str
    classes: tuple[str, ...]
    positive_class: str
    description: str = ""
    weights: Path | None = None
    data: Path | None = None
    label_column: str | None = None
    text_column: str | None = None
    feature_columns: tuple[str, ...] = ()
    protected_attributes: tuple[str, ...] = ()
    model_card: Path | None = None
    architecture: str | None = None
    architecture_params: dict[str, Any] = field(default_factory=dict)
    tokenizer: Path | None = None
    preprocessing: Path | None = None
    embedding_layer: str | None = None
    output: str = "logits"
    entry: str | None = None
    max_length: int | None = None
    batch_size: int | None = None

    @property
    def folder(self) -> Path:
        """Folder holding the spec file."""
        return self.path.parent


# A spec path typed into the app (JupyterLab's model picker) is refused past this length, before
# the file system answers "file name too long" with the whole text in its message.
MAX_SPEC_PATH_CHARS = 4_096
MSG_PATH_TOO_LONG = "The spec path is {length:,} characters; the limit is {limit:,}."


def load_spec(path: str | Path | ModelSpec) -> ModelSpec:
    """Read and validate a model spec file; a :class:`ModelSpec` is returned unchanged.

    A folder is taken to mean the ``model.yaml`` inside it.
    """
    if isinstance(path, ModelSpec):
        return path
    if len(str(path)) > MAX_SPEC_PATH_CHARS:
        length = len(str(path))
        raise SpecError(MSG_PATH_TOO_LONG.format(length=length, limit=MAX_SPEC_PATH_CHARS))
    path = Path(path).expanduser()
    try:
        if path.is_dir():
            path = path / SPEC_FILE_NAME
        found = path.is_file()
    except OSError:  # e.g. a name longer than the file system allows
        found = False
    if not found:
        raise SpecError(f"model spec not found: {path}; give the path of a model.yaml file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise SpecError(f"model spec {path} is not valid YAML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"cannot read model spec {path}: {err}") from None
    return parse_spec(raw, path=path.resolve())


def parse_spec(raw: Any, *, path: Path) -> ModelSpec:
    """Validate the mapping read from a spec file; every error names the key and what it wants."""
    where = f"model spec {path}"
    if not isinstance(raw, dict):
        raise SpecError(f"{where} must be a YAML mapping of keys to values; got {_kind(raw)}")
    unknown = [key for key in raw if key not in _REQUIRED + _OPTIONAL]
    if unknown:
        key = str(unknown[0])
        close = difflib.get_close_matches(key, _REQUIRED + _OPTIONAL, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else f"; known keys: {sorted(_REQUIRED + _OPTIONAL)}"
        )
        raise SpecError(f"{where}: unknown key {key!r}{hint}")
    missing = [key for key in _REQUIRED if raw.get(key) in (None, "")]
    if missing:
        raise SpecError(f"{where}: missing required key {missing[0]!r}")

    values: dict[str, Any] = {}
    values["name"] = _text(raw, "name", where)
    values["kind"] = _choice(raw, "kind", KINDS, where)
    values["framework"] = _choice(raw, "framework", tuple(FRAMEWORKS), where)
    values["classes"] = _text_list(raw, "classes", where, minimum=2)
    if len(set(values["classes"])) != len(values["classes"]):
        raise SpecError(f"{where}: 'classes' has repeated names {list(values['classes'])}")
    values["positive_class"] = _text(raw, "positive_class", where)
    if values["positive_class"] not in values["classes"]:
        raise SpecError(
            f"{where}: 'positive_class' {values['positive_class']!r} is not one of "
            f"'classes' {list(values['classes'])}"
        )
    for key in (
        "description",
        "label_column",
        "text_column",
        "architecture",
        "entry",
        "embedding_layer",
    ):
        if raw.get(key) is not None:
            values[key] = _text(raw, key, where)
    for key in ("feature_columns", "protected_attributes"):
        if raw.get(key) is not None:
            values[key] = _text_list(raw, key, where, minimum=1)
    for key in ("max_length", "batch_size"):
        if raw.get(key) is not None:
            values[key] = _positive_int(raw, key, where)
    if raw.get("output") is not None:
        values["output"] = _choice(raw, "output", OUTPUTS, where)
    if raw.get("architecture_params") is not None:
        if not isinstance(raw["architecture_params"], dict):
            raise SpecError(
                f"{where}: 'architecture_params' must be a mapping of keyword arguments; "
                f"got {_kind(raw['architecture_params'])}"
            )
        values["architecture_params"] = dict(raw["architecture_params"])
    for key in _PATH_KEYS:
        if raw.get(key) is not None:
            values[key] = _existing_path(raw, key, path.parent, where)

    _check_framework_needs(values, where)
    return ModelSpec(path=path, **values)


def sample_model_specs() -> dict[str, Path]:
    """Bundled sample models: name to the path of its spec file, sorted by name."""
    root = Path(str(resources.files("sample_models")))
    return {spec.parent.name: spec for spec in sorted(root.glob(f"*/{SPEC_FILE_NAME}"))}


def _check_framework_needs(values: dict[str, Any], where: str) -> None:
    kind = values["kind"]
    missing = FRAMEWORKS[values["framework"]].missing(kind, set(values))
    if missing:
        raise SpecError(f"{where}: {missing}")
    if kind == "tabular" and "feature_columns" not in values:
        raise SpecError(f"{where}: a tabular model needs 'feature_columns' (a list of names)")
    if kind == "text" and "data" in values and "text_column" not in values:
        raise SpecError(f"{where}: a text model with 'data' needs 'text_column'")
    if "data" in values and "label_column" not in values:
        raise SpecError(f"{where}: 'data' needs 'label_column' (the column of true classes)")


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _text(raw: dict, key: str, where: str) -> str:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError(f"{where}: {key!r} must be a string; got {_kind(value)}")
    return str(value)


def _choice(raw: dict, key: str, choices: tuple[str, ...], where: str) -> str:
    value = raw[key]
    if value not in choices:
        raise SpecError(f"{where}: {key!r} must be one of {list(choices)}; got {value!r}")
    return value


def _text_list(raw: dict, key: str, where: str, *, minimum: int) -> tuple[str, ...]:
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise SpecError(f"{where}: {key!r} must be a list of names; got {_kind(value)}")
    if len(value) < minimum:
        raise SpecError(f"{where}: {key!r} needs at least {minimum} entries; got {len(value)}")
    return tuple(str(v) for v in value)


def _positive_int(raw: dict, key: str, where: str) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{where}: {key!r} must be a positive whole number; got {value!r}")
    return value


def _existing_path(raw: dict, key: str, folder: Path, where: str) -> Path:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: {key!r} must be a path (relative to the spec file)")
    resolved = (folder / value).expanduser().resolve()
    if not resolved.exists():
        raise SpecError(f"{where}: {key!r} points to {resolved}, which does not exist")
    return resolved
