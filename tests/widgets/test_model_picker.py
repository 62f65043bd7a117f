"""ModelPicker built in plain Python (no kernel, no browser), over real spec files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

import workbench
from widgets import ModelPicker
from widgets._model_picker import PREHEATED_ENV
from workbench.app.catalog import ENV_CATALOG, MSG_VISITOR_LOAD_FAILED


def _write_spec(folder: Path, **fields: object) -> Path:
    folder.mkdir(parents=True)
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    (folder / "model.py").write_text("def predict(rows):\n    return rows\n", encoding="utf-8")
    return path


@pytest.fixture
def specs(tmp_path: Path) -> dict[str, Path]:
    common = {
        "kind": "tabular",
        "framework": "callable",
        "entry": "model.py:predict",
        "classes": ["low", "high"],
        "positive_class": "high",
        "feature_columns": ["age", "score"],
    }
    return {
        "alpha": _write_spec(tmp_path / "alpha", name="alpha", description="A <b>&", **common),
        "beta": _write_spec(tmp_path / "beta", name="beta", description="Second", **common),
        "broken": _write_spec(tmp_path / "broken", name="broken", kind="tabular"),
    }


def test_lists_the_bundled_sample_models():
    picker = ModelPicker()
    dropdown = picker.dropdown

    specs = workbench.sample_model_specs()
    assert dropdown.options == tuple(sorted(specs))
    assert picker.error == ""
    assert picker.spec == workbench.load_spec(specs[dropdown.value])


def test_lists_models_and_shows_the_first(specs):
    picker = ModelPicker(models=list(specs.values()))
    dropdown, summary = picker.dropdown, picker.summary

    assert dropdown.options == ("alpha", "beta", "broken")
    assert not dropdown.disabled
    assert picker.spec == workbench.load_spec(specs["alpha"])
    assert picker.error == ""
    for text in ("alpha", "tabular", "callable", "low, high", "high"):
        assert text in summary.value
    assert "A &lt;b&gt;&amp;" in summary.value and "<b>&" not in summary.value


def test_selecting_a_model_updates_the_summary(specs):
    picker = ModelPicker(models=list(specs.values()))
    dropdown, summary = picker.dropdown, picker.summary

    dropdown.value = "beta"

    assert picker.spec.name == "beta"
    assert "Second" in summary.value and "alpha" not in summary.value


def test_an_invalid_spec_shows_the_plain_message_and_logs_the_core_one(caplog, specs):
    picker = ModelPicker(models=list(specs.values()))
    dropdown, summary = picker.dropdown, picker.summary

    dropdown.value = "broken"

    with pytest.raises(workbench.SpecError) as expected:
        workbench.load_spec(specs["broken"])
    assert picker.spec is None
    assert picker.error == MSG_VISITOR_LOAD_FAILED
    assert str(expected.value) in caplog.text and "could not be loaded" in caplog.text
    assert 'class="wb-error"' in summary.value and "Traceback" not in summary.value

    dropdown.value = "alpha"
    assert picker.error == "" and picker.spec.name == "alpha"


def test_a_failing_model_list_is_shown_as_a_message(monkeypatch, tmp_path):
    catalog = tmp_path / "models<1>.yaml"
    catalog.write_text("models: [", encoding="utf-8")
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    picker = ModelPicker()
    dropdown, summary = picker.dropdown, picker.summary

    assert dropdown.disabled and dropdown.options == ()
    assert picker.spec is None
    assert "models&lt;1&gt;.yaml: not valid YAML" in summary.value


def test_no_models_says_so():
    picker = ModelPicker(models=[])
    dropdown, summary = picker.dropdown, picker.summary

    assert dropdown.disabled
    assert "No models are listed." in summary.value


def test_lists_the_served_catalog_with_owner_version_and_fingerprint(monkeypatch, specs):
    catalog = specs["alpha"].parent.parent / "models.yaml"
    entries = [
        {"spec": "beta/model.yaml", "name": "Triage v2", "owner": "Data team", "version": "May"},
        {"spec": "alpha/model.yaml"},
    ]
    catalog.write_text(yaml.safe_dump({"models": entries}), encoding="utf-8")
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    picker = ModelPicker()

    assert picker.dropdown.options == ("Triage v2", "alpha")
    assert picker.spec.name == "beta"
    fingerprint = picker.opened.fingerprint
    for text in ("Data team", "May", fingerprint[:12]):
        assert f"<td>{text}</td>" in picker.summary.value


def test_models_with_the_same_name_are_told_apart(specs, tmp_path):
    other = _write_spec(tmp_path / "more" / "alpha", **yaml.safe_load(specs["beta"].read_text()))
    picker = ModelPicker(models=[specs["alpha"], other])
    assert picker.dropdown.options == ("alpha", "alpha (2)")


def test_shows_the_model_card_summary():
    picker = ModelPicker()
    picker.dropdown.value = "relapse_tabular"
    assert picker.card.title == "Model card: relapse_tabular"
    assert "Known biases (injected on purpose)" in picker.summary.value
    assert "fairness through unawareness fails" in picker.summary.value


def test_a_spec_without_card_says_so(specs):
    picker = ModelPicker(models=list(specs.values()))
    assert picker.card is None
    assert "This model has no model card." in picker.summary.value


def test_a_spec_path_loads_when_allowed(specs):
    picker = ModelPicker(allow_path=True)
    assert picker.path in picker.children[1].children
    picker.path.value = str(specs["beta"])
    picker.load_button.click()
    assert picker.spec.name == "beta" and picker.error == ""
    picker.path.value = str(specs["beta"].parent / "missing.yaml")
    picker.load_button.click()
    assert picker.spec is None and "model spec not found" in picker.error


def test_a_spec_path_sent_to_a_picker_without_it_is_ignored(specs):
    picker = ModelPicker()
    first = picker.spec
    assert picker.path not in picker.children
    picker.path.value = str(specs["beta"])
    picker.load_button.click()  # a page can send this click over the widget comm
    assert picker.spec == first


def test_an_overlong_typed_path_is_a_message_naming_the_limit(specs):
    picker = ModelPicker(models=[specs["alpha"]], allow_path=True)
    picker.path.value = "p" * 5_000
    picker.load_button.click()
    assert picker.spec is None
    assert picker.error == "The spec path is 5,000 characters; the limit is 4,096."


def _write_catalog(path: Path, *entries: dict[str, str]) -> None:
    path.write_text(yaml.safe_dump({"models": list(entries)}), encoding="utf-8")


def test_relist_reads_the_catalog_again_and_keeps_an_unchanged_choice(monkeypatch, specs):
    catalog = specs["alpha"].parent.parent / "models.yaml"
    _write_catalog(catalog, {"spec": "alpha/model.yaml", "version": "1"})
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    picker = ModelPicker()
    spec, changes = picker.spec, []
    picker.observe(changes.append, names="spec")

    _write_catalog(
        catalog,
        {"spec": "alpha/model.yaml", "version": "1"},
        {"spec": "beta/model.yaml", "name": "alpha v2", "version": "2"},
    )
    picker.relist()
    assert picker.dropdown.options == ("alpha", "alpha v2")
    assert picker.dropdown.value == "alpha" and picker.spec is spec and changes == []

    (specs["alpha"].parent / "model.py").write_text("def predict(rows):\n    return []\n")
    picker.relist()  # the chosen model's files changed: it is opened again
    assert picker.dropdown.value == "alpha" and picker.spec is not spec
    assert changes[-1]["new"] is picker.spec
    assert picker.opened.fingerprint[:12] in picker.summary.value

    _write_catalog(catalog, {"spec": "beta/model.yaml", "name": "alpha v2", "version": "2"})
    picker.relist()  # the chosen model is no longer listed: the first listed one is chosen
    assert picker.dropdown.options == ("alpha v2",) and picker.spec.name == "beta"
    assert "<td>2</td>" in picker.summary.value


def test_relist_shows_a_catalog_that_broke_as_a_message(monkeypatch, specs):
    catalog = specs["alpha"].parent.parent / "models.yaml"
    _write_catalog(catalog, {"spec": "alpha/model.yaml"})
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    picker = ModelPicker()
    catalog.write_text("models: [", encoding="utf-8")
    picker.relist()
    assert picker.dropdown.disabled and picker.spec is None
    assert "not valid YAML" in picker.summary.value


def test_a_preheated_kernel_relists_when_the_visitor_arrives(monkeypatch, specs):
    catalog = specs["alpha"].parent.parent / "models.yaml"
    _write_catalog(catalog, {"spec": "alpha/model.yaml"})
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    monkeypatch.setenv(PREHEATED_ENV, "True")
    visitor = threading.Event()
    monkeypatch.setattr("voila.utils.wait_for_request", lambda: visitor.wait(10))
    picker = ModelPicker()
    assert picker.dropdown.options == ("alpha",)

    _write_catalog(catalog, {"spec": "alpha/model.yaml"}, {"spec": "beta/model.yaml"})
    visitor.set()
    relisting = next(t for t in threading.enumerate() if t.name == "workbench-relist")
    relisting.join(10)
    assert picker.dropdown.options == ("alpha", "beta") and picker.dropdown.value == "alpha"


def test_a_given_model_list_is_not_relisted_in_a_preheated_kernel(monkeypatch, specs):
    monkeypatch.setenv(PREHEATED_ENV, "True")
    before = set(threading.enumerate())
    ModelPicker(models=[specs["alpha"]])
    assert not [t for t in set(threading.enumerate()) - before if t.name == "workbench-relist"]


def test_two_entries_of_one_spec_show_their_own_listing(monkeypatch, specs):
    catalog = specs["alpha"].parent.parent / "models.yaml"
    _write_catalog(
        catalog,
        {"spec": "alpha/model.yaml", "name": "v1", "version": "first"},
        {"spec": "alpha/model.yaml", "name": "v2", "version": "second"},
    )
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    picker = ModelPicker()
    picker.dropdown.value = "v2"
    assert "<td>second</td>" in picker.summary.value
