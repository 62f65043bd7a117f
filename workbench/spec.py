"""Model spec files: a YAML description of a model, its weights and its evaluation data."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbench._errors import InputError, SpecError
from workbench.models._frameworks import FRAMEWORKS
from workbench.models._generation import GenerationSettings

KINDS = ("text", "tabular", "generative")
GENERATIVE = "generative"
OUTPUTS = ("logits", "probabilities", "log_probabilities")
CALL_IDS_AND_MASK = "ids_and_mask"
CALL_IDS = "ids"
CALL_ARGUMENTS = ("input_ids", "attention_mask")
# How a callable generative model's function is called: one prompt at a time, or a list of them.
CALL_SINGLE = "single"
CALL_BATCH = "batch"
# The keys of 'generation', the fields of workbench.models.GenerationSettings.
GENERATION_KEYS = (
    "max_new_tokens",
    "do_sample",
    "temperature",
    "top_p",
    "seed",
    "prompt_template",
    "stop",
)
# A team scorer of a generative spec names exactly one source, and optionally these options.
SCORER_SOURCES = ("classifier", "phrases", "entry")
SCORER_OPTIONS = ("description", "positive_class", "threshold", "binary")
SPEC_FILE_NAME = "model.yaml"
DEFAULT_MAX_CHARACTERS = 20_000
DEFAULT_MAX_TOKENS = 1_000
# Where a torch or transformers model runs: "auto" is a CUDA GPU, else Apple's MPS, else the CPU.
DEVICE_AUTO = "auto"
DEVICE_NAMES = (DEVICE_AUTO, "cpu", "cuda", "mps")
CPU_DEVICES = (DEVICE_AUTO, "cpu")
MSG_BAD_DEVICE = (
    "{where}: the device is auto, cpu, cuda, cuda:N (N the GPU's number, e.g. cuda:1) or mps; "
    "got {value!r}"
)
MSG_DEVICE_NOT_HERE = (
    "{where}: a {framework} model runs on the CPU only; remove the device or set it to cpu or "
    "auto (got {value!r})"
)
MSG_BAD_CALL = (
    "{where}: 'call' says how the module is called: 'ids_and_mask' (module(input_ids, "
    "attention_mask), the default), 'ids' (module(input_ids)) or a mapping of input_ids and, "
    "optionally, attention_mask to the forward's keyword names, e.g. {{input_ids: tokens, "
    "attention_mask: mask}}; got {value!r}"
)
MSG_CALL_NOT_TORCH_TEXT = (
    "{where}: 'call' applies to torch text models only (a transformers model is called by "
    "keyword, a tabular module with one tensor)"
)
MSG_TOKENIZER_NOT_HERE = {
    "transformers": (
        "{where}: a transformers model uses the tokenizer saved in its weights folder; save "
        "yours there (tokenizer.save_pretrained(folder)) and remove 'tokenizer'"
    ),
    "sklearn": "{where}: a sklearn model reads the raw text itself; remove 'tokenizer'",
    "callable": "{where}: a callable model reads the raw text itself; remove 'tokenizer'",
}
MSG_OUTPUT_NOT_HERE = (
    "{where}: 'output' applies to torch models; a {framework} model's outputs are read as it "
    "returns them (transformers: logits; sklearn and callable: probabilities)"
)
MSG_BAD_LABEL_MAP = (
    "{where}: 'label_map' maps values of the data's label column to class names, e.g. "
    "{{0: routine, 1: urgent}}; {problem}"
)
MSG_NO_CLASSES = (
    "{where}: missing required key 'classes' (the class names, in the order of the model's "
    "outputs){transformers}"
)
MSG_NO_ID2LABEL = "; a transformers model may leave it out when its config.json has id2label"
MSG_BAD_ID2LABEL = (
    "{where}: the transformers config {config} has no usable 'id2label' ({problem}); give "
    "'classes' in the spec"
)
MSG_BAD_GENERATION = (
    "{where}: 'generation' is a mapping of generation settings, e.g. {{max_new_tokens: 40, "
    "do_sample: false, seed: 0}}; {problem}"
)
MSG_UNKNOWN_GENERATION_KEY = "unknown setting {key!r}; the settings are {allowed}"
MSG_BAD_NEEDS = (
    "{where}: 'needs' maps an outcome (a scorer's name) to the data's 0/1 column saying which "
    "prompts needed it, e.g. {{refers_to_crisis: needs_referral}}; got {value!r}"
)
MSG_BAD_SCORERS = (
    "{where}: 'scorers' is a list of team scorers, each a mapping with 'name' and exactly one "
    "of 'classifier' (a classifier spec path), 'phrases' (a list of words or phrases) or "
    "'entry' (a function as 'file.py:function'); {problem}"
)
MSG_BAD_GENERATIVE_CALL = (
    "{where}: 'call' of a callable generative model is 'single' (function(prompt) -> response, "
    "the default) or 'batch' (function(prompts) -> responses); got {value!r}"
)
MSG_CLASSIFIER_KEY = (
    "{where}: {key!r} applies to classifiers (kind text or tabular), not to a generative "
    "model; remove it (a generative model's data says which prompts needed what with 'needs')"
)
MSG_GENERATIVE_KEY = (
    "{where}: {key!r} applies to generative models (kind: generative) only; remove it or set "
    "the kind"
)
MSG_NO_POSITIVE_CLASS = "{where}: missing required key 'positive_class'"
MSG_GENERATIVE_TEXT_COLUMN = (
    "{where}: a generative model with 'data' needs 'text_column' (the column of prompts)"
)
MSG_TOKENIZER_VALUE = (
    "{where}: 'tokenizer' is a path (a word tokenizer JSON, a tokenizers JSON file or a Hugging "
    "Face tokenizer folder) or a function as 'file.py:function' or 'module:function'; got {value!r}"
)

_REQUIRED = ("name", "kind", "framework")
_OPTIONAL = (
    "positive_class",
    "classes",
    "label_map",
    "call",
    "pad_id",
    "max_characters",
    "max_tokens",
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
    "device",
    "generation",
    "needs",
    "scorers",
)
# Keys that only a classifier reads, refused for a generative model; and the reverse.
_CLASSIFIER_KEYS = (
    "classes",
    "positive_class",
    "label_map",
    "label_column",
    "feature_columns",
    "output",
    "embedding_layer",
    "architecture",
    "architecture_params",
    "preprocessing",
    "pad_id",
    "max_length",
)
_GENERATIVE_KEYS = ("generation", "needs", "scorers")
_PATH_KEYS = ("weights", "data", "model_card", "preprocessing")


@dataclass(frozen=True)
class ModelSpec:
    """A validated model spec; paths are absolute, resolved against the spec file's folder.

    ``tokenizer`` is a path, or a function reference (``file.py:function``) kept as text.
    ``label_map`` maps label values of the data, as text, to class names. A generative model
    has no classes; ``generation`` holds its settings (GenerationSettings fields), ``needs``
    maps an outcome to its data's label column and ``scorers`` its team scorers (mappings with
    a ``classifier`` path made absolute).
    """

    path: Path
    name: str
    kind: str
    framework: str
    classes: tuple[str, ...] = ()
    positive_class: str = ""
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
    tokenizer: Path | str | None = None
    preprocessing: Path | None = None
    embedding_layer: str | None = None
    output: str = "logits"
    call: str | Mapping[str, str] = CALL_IDS_AND_MASK
    pad_id: int = 0
    entry: str | None = None
    max_length: int | None = None
    batch_size: int | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)
    max_characters: int = DEFAULT_MAX_CHARACTERS
    max_tokens: int = DEFAULT_MAX_TOKENS
    device: str = DEVICE_AUTO
    generation: Mapping[str, Any] = field(default_factory=dict)
    needs: Mapping[str, str] = field(default_factory=dict)
    scorers: tuple[Mapping[str, Any], ...] = ()

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
    for key in _PATH_KEYS:
        if raw.get(key) is not None:
            values[key] = _existing_path(raw, key, path.parent, where)
    if values["kind"] == GENERATIVE:
        _generative_keys(raw, values, path.parent, where)
    else:
        _classifier_classes(raw, values, where)
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
    for key in ("max_length", "batch_size", "max_characters", "max_tokens"):
        if raw.get(key) is not None:
            values[key] = _positive_int(raw, key, where)
    if raw.get("pad_id") is not None:
        values["pad_id"] = _whole_number(raw, "pad_id", where)
    if raw.get("output") is not None:
        values["output"] = _choice(raw, "output", OUTPUTS, where)
        if values["framework"] != "torch" and values["output"] != "logits":
            framework = values["framework"]
            raise SpecError(MSG_OUTPUT_NOT_HERE.format(where=where, framework=framework))
    if raw.get("call") is not None and values["kind"] != GENERATIVE:
        if (values["framework"], values["kind"]) != ("torch", "text"):
            raise SpecError(MSG_CALL_NOT_TORCH_TEXT.format(where=where))
        values["call"] = _call(raw["call"], where)
    if raw.get("device") is not None:
        values["device"] = parse_device(
            raw["device"], framework=values["framework"], where=f"{where}: 'device'"
        )
    if raw.get("label_map") is not None:
        values["label_map"] = _label_map(raw["label_map"], values["classes"], where)
    if raw.get("tokenizer") is not None:
        if values["framework"] in MSG_TOKENIZER_NOT_HERE:
            raise SpecError(MSG_TOKENIZER_NOT_HERE[values["framework"]].format(where=where))
        values["tokenizer"] = _tokenizer(raw["tokenizer"], path.parent, where)
    if raw.get("architecture_params") is not None:
        if not isinstance(raw["architecture_params"], dict):
            raise SpecError(
                f"{where}: 'architecture_params' must be a mapping of keyword arguments; "
                f"got {_kind(raw['architecture_params'])}"
            )
        values["architecture_params"] = dict(raw["architecture_params"])

    _check_framework_needs(values, where)
    return ModelSpec(path=path, **values)


def parse_device(value: Any, *, framework: str, where: str) -> str:
    """The device name ``value`` (auto, cpu, cuda, cuda:N or mps), checked for ``framework``;
    whether the machine has it is found out when the model loads."""
    text = value.strip().lower() if isinstance(value, str) else value
    kind, colon, number = text.partition(":") if isinstance(text, str) else ("", "", "")
    if kind not in DEVICE_NAMES or (colon and (kind != "cuda" or not number.isdigit())):
        raise SpecError(MSG_BAD_DEVICE.format(where=where, value=value))
    if text not in CPU_DEVICES and not FRAMEWORKS[framework].devices:
        raise SpecError(MSG_DEVICE_NOT_HERE.format(where=where, framework=framework, value=value))
    return text


def with_device(spec: ModelSpec, device: str | None) -> ModelSpec:
    """``spec`` with ``device`` (checked) in place of its own; unchanged when ``device`` is None."""
    if device is None:
        return spec
    where = f"model {spec.name!r}"
    return replace(spec, device=parse_device(device, framework=spec.framework, where=where))


def sample_model_specs() -> dict[str, Path]:
    """Bundled sample models: name to the path of its spec file, sorted by name."""
    root = Path(str(resources.files("sample_models")))
    return {spec.parent.name: spec for spec in sorted(root.glob(f"*/{SPEC_FILE_NAME}"))}


def _classifier_classes(raw: dict, values: dict[str, Any], where: str) -> None:
    """A classifier's ``classes`` (from the spec or a transformers config) and positive class."""
    for key in _GENERATIVE_KEYS:
        if raw.get(key) is not None:
            raise SpecError(MSG_GENERATIVE_KEY.format(where=where, key=key))
    if raw.get("positive_class") in (None, ""):
        raise SpecError(MSG_NO_POSITIVE_CLASS.format(where=where))
    if raw.get("classes") is not None:
        values["classes"] = _text_list(raw, "classes", where, minimum=2)
    elif values["framework"] == "transformers" and "weights" in values:
        values["classes"] = _id2label(values["weights"], where)
    else:
        transformers = MSG_NO_ID2LABEL if values["framework"] == "transformers" else ""
        raise SpecError(MSG_NO_CLASSES.format(where=where, transformers=transformers))
    if len(set(values["classes"])) != len(values["classes"]):
        raise SpecError(f"{where}: 'classes' has repeated names {list(values['classes'])}")
    values["positive_class"] = _text(raw, "positive_class", where)
    if values["positive_class"] not in values["classes"]:
        raise SpecError(
            f"{where}: 'positive_class' {values['positive_class']!r} is not one of "
            f"'classes' {list(values['classes'])}"
        )


def _generative_keys(raw: dict, values: dict[str, Any], folder: Path, where: str) -> None:
    """A generative model's ``generation``, ``needs``, ``scorers`` and ``call``."""
    for key in _CLASSIFIER_KEYS:
        if raw.get(key) is not None:
            raise SpecError(MSG_CLASSIFIER_KEY.format(where=where, key=key))
    if raw.get("generation") is not None:
        values["generation"] = _generation(raw["generation"], where)
    if raw.get("needs") is not None:
        values["needs"] = _needs(raw["needs"], where)
    if raw.get("scorers") is not None:
        values["scorers"] = _scorers(raw["scorers"], folder, where)
    if values["framework"] == "callable":
        value = raw.get("call", CALL_SINGLE)
        if value not in (CALL_SINGLE, CALL_BATCH):
            raise SpecError(MSG_BAD_GENERATIVE_CALL.format(where=where, value=value))
        values["call"] = value
    elif raw.get("call") is not None:
        raise SpecError(MSG_BAD_GENERATIVE_CALL.format(where=where, value=raw["call"]))


def _generation(value: Any, where: str) -> dict[str, Any]:
    """The generation settings, checked by building them (their own messages say what is
    wrong with a value)."""
    if not isinstance(value, dict):
        problem = f"got {_kind(value)}"
        raise SpecError(MSG_BAD_GENERATION.format(where=where, problem=problem))
    unknown = [key for key in value if key not in GENERATION_KEYS]
    if unknown:
        problem = MSG_UNKNOWN_GENERATION_KEY.format(key=unknown[0], allowed=list(GENERATION_KEYS))
        raise SpecError(MSG_BAD_GENERATION.format(where=where, problem=problem))
    try:
        GenerationSettings(**value)
    except InputError as err:
        raise SpecError(MSG_BAD_GENERATION.format(where=where, problem=err)) from None
    return dict(value)


def _needs(value: Any, where: str) -> dict[str, str]:
    if (
        not isinstance(value, dict)
        or not value
        or not all(
            isinstance(key, str) and key and isinstance(column, str | int) and column != ""
            for key, column in value.items()
        )
    ):
        raise SpecError(MSG_BAD_NEEDS.format(where=where, value=value))
    return {key: str(column) for key, column in value.items()}


def _scorers(value: Any, folder: Path, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or not value:
        problem = f"got {value!r}"
        raise SpecError(MSG_BAD_SCORERS.format(where=where, problem=problem))
    scorers = [_scorer(entry, position, folder, where) for position, entry in enumerate(value)]
    names = [scorer["name"] for scorer in scorers]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problem = f"names must differ; {repeated} repeat"
        raise SpecError(MSG_BAD_SCORERS.format(where=where, problem=problem))
    return tuple(scorers)


def _scorer(entry: Any, position: int, folder: Path, where: str) -> dict[str, Any]:
    """One team scorer, its shape checked; a classifier path made absolute."""
    at = f"scorer {position + 1}"
    if not isinstance(entry, dict):
        problem = f"{at} is {_kind(entry)}"
    elif not isinstance(entry.get("name"), str) or not entry["name"].strip():
        problem = f"{at} has no 'name' (text)"
    else:
        at = f"scorer {entry['name']!r}"
        sources = [key for key in SCORER_SOURCES if key in entry]
        unknown = [key for key in entry if key not in ("name", *SCORER_SOURCES, *SCORER_OPTIONS)]
        if unknown:
            problem = f"{at} has unknown key {unknown[0]!r}; options: {list(SCORER_OPTIONS)}"
        elif len(sources) != 1:
            problem = f"{at} names {len(sources)} of them"
        else:
            problem = _scorer_source(entry, sources[0], at)
    if problem:
        raise SpecError(MSG_BAD_SCORERS.format(where=where, problem=problem))
    scorer = dict(entry)
    if "classifier" in scorer:
        scorer["classifier"] = str(_existing_path(scorer, "classifier", folder, where))
    return scorer


def _scorer_source(entry: dict, source: str, at: str) -> str:
    """What is wrong with a scorer's source value, or an empty string."""
    value = entry[source]
    if source == "phrases":
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return ""
        return f"{at}: 'phrases' must be a list of words or phrases; got {value!r}"
    if source == "classifier":
        if isinstance(value, str) and value.strip():
            return ""
        return f"{at}: 'classifier' must be the path of a classifier's model.yaml; got {value!r}"
    if isinstance(value, str) and value.rpartition(":")[2].isidentifier():
        return ""
    return f"{at}: 'entry' must be a function as 'file.py:function'; got {value!r}"


def _check_framework_needs(values: dict[str, Any], where: str) -> None:
    kind = values["kind"]
    missing = FRAMEWORKS[values["framework"]].missing(kind, set(values))
    if missing:
        raise SpecError(f"{where}: {missing}")
    if kind == "tabular" and "feature_columns" not in values:
        raise SpecError(f"{where}: a tabular model needs 'feature_columns' (a list of names)")
    if kind == "text" and "data" in values and "text_column" not in values:
        raise SpecError(f"{where}: a text model with 'data' needs 'text_column'")
    if kind == GENERATIVE:
        if "data" in values and "text_column" not in values:
            raise SpecError(MSG_GENERATIVE_TEXT_COLUMN.format(where=where))
        return
    if "data" in values and "label_column" not in values:
        raise SpecError(f"{where}: 'data' needs 'label_column' (the column of true classes)")


def _call(value: Any, where: str) -> str | dict[str, str]:
    if value in (CALL_IDS_AND_MASK, CALL_IDS):
        return value
    if (
        isinstance(value, dict)
        and "input_ids" in value
        and set(value) <= set(CALL_ARGUMENTS)
        and all(isinstance(name, str) and name.isidentifier() for name in value.values())
    ):
        return dict(value)
    raise SpecError(MSG_BAD_CALL.format(where=where, value=value))


def _label_map(value: Any, classes: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        problem = f"got {_kind(value)}"
    else:
        mapped = {str(key): str(name) for key, name in value.items()}
        unknown = sorted(set(mapped.values()) - set(classes))
        if not unknown:
            return mapped
        problem = f"{unknown} are not among 'classes' {list(classes)}"
    raise SpecError(MSG_BAD_LABEL_MAP.format(where=where, problem=problem))


def _id2label(weights: Path, where: str) -> tuple[str, ...]:
    """Class names from a transformers folder's config.json ``id2label``, in id order."""
    config = weights / "config.json"
    try:
        id2label = json.loads(config.read_text(encoding="utf-8")).get("id2label")
        names = tuple(str(id2label[key]) for key in sorted(id2label, key=int))
        problem = "" if len(names) >= 2 and len(set(names)) == len(names) else f"got {id2label}"
    except (OSError, ValueError, TypeError, AttributeError) as err:
        problem = str(err) or type(err).__name__
    if problem:
        raise SpecError(MSG_BAD_ID2LABEL.format(where=where, config=config, problem=problem))
    return names


def _tokenizer(value: Any, folder: Path, where: str) -> Path | str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(MSG_TOKENIZER_VALUE.format(where=where, value=value))
    module, colon, function = value.rpartition(":")
    if colon and function.isidentifier() and (module.endswith(".py") or "/" not in module):
        return value
    return _existing_path({"tokenizer": value}, "tokenizer", folder, where)


def _whole_number(raw: dict, key: str, where: str) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"{where}: {key!r} must be a whole number, 0 or more; got {value!r}")
    return value


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
