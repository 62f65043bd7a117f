"""Model spec validation: each mistake gets a message naming the key and what it wants."""

import pytest

from workbench import SpecError, load_spec
from workbench.spec import MAX_SPEC_PATH_CHARS, MSG_PATH_TOO_LONG

BASE = {
    "name": "demo",
    "kind": "text",
    "framework": "callable",
    "entry": "builtins:len",
    "classes": ["routine", "urgent"],
    "positive_class": "urgent",
}


def test_valid_spec_resolves_paths(spec_writer, tmp_path):
    path = spec_writer(**BASE, description="A demo", protected_attributes=["gender"])
    spec = load_spec(path)
    assert spec.name == "demo" and spec.classes == ("routine", "urgent")
    assert spec.protected_attributes == ("gender",)
    assert load_spec(path.parent) == spec
    assert load_spec(spec) is spec


def test_relative_paths_are_resolved_against_the_spec(spec_writer):
    path = spec_writer(**BASE)
    (path.parent / "data.csv").write_text("text,label\nhi,routine\n")
    data_spec = path.parent / "other.yaml"
    data_spec.write_text(path.read_text() + "data: data.csv\nlabel_column: label\n"
                         "text_column: text\n")
    assert load_spec(data_spec).data == (path.parent / "data.csv").resolve()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": "image"},
         r"'kind' must be one of \['text', 'tabular', 'generative'\]; got 'image'"),
        ({"framework": "keras"}, r"'framework' must be one of"),
        ({"classes": ["only"]}, r"'classes' needs at least 2 entries; got 1"),
        ({"classes": "routine"}, r"'classes' must be a list of names; got str"),
        ({"classes": ["a", "a"]}, r"'classes' has repeated names"),
        ({"positive_class": "crisis"}, r"'positive_class' 'crisis' is not one of 'classes'"),
        ({"clases": ["a", "b"]}, r"unknown key 'clases'; did you mean 'classes'\?"),
        ({"weights": "missing.safetensors"}, r"'weights' points to .*missing.safetensors, "
                                             "which does not exist"),
        ({"max_length": -3}, r"'max_length' must be a positive whole number; got -3"),
        ({"architecture_params": [1]}, r"'architecture_params' must be a mapping"),
        ({"name": None}, r"missing required key 'name'"),
        ({"entry": None}, r"framework 'callable' needs 'entry'"),
        ({"framework": "torch"}, r"framework 'torch' needs 'weights'"),
        ({"kind": "tabular"}, r"a tabular model needs 'feature_columns'"),
    ],
)
def test_invalid_spec_messages(spec_writer, change, message):
    keys = {**BASE, **change}
    keys = {k: v for k, v in keys.items() if v is not None}
    with pytest.raises(SpecError, match=message):
        load_spec(spec_writer(**keys))


def test_spec_file_problems(tmp_path):
    with pytest.raises(SpecError, match="model spec not found"):
        load_spec(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(SpecError, match="is not valid YAML"):
        load_spec(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(SpecError, match="must be a YAML mapping of keys to values; got list"):
        load_spec(listing)


def test_an_overlong_spec_path_is_refused_naming_the_limit():
    with pytest.raises(SpecError) as info:
        load_spec("x" * 100_000)
    assert str(info.value) == "The spec path is 100,000 characters; the limit is 4,096."
    assert str(info.value) == MSG_PATH_TOO_LONG.format(length=100_000, limit=MAX_SPEC_PATH_CHARS)


def test_a_file_name_too_long_for_the_file_system_is_not_found():
    with pytest.raises(SpecError, match="model spec not found"):
        load_spec("y" * 300)
