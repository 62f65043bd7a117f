"""ExplanationLessonView: the served models to choose from, the message explained by the chosen."""

from __future__ import annotations

import yaml

import workbench
from widgets import ExplanationLessonView
from widgets._teaching import MSG_NOT_TEXT
from workbench.app.catalog import ENV_CATALOG

MESSAGE = "I'm finna end it tonight, I can't go on."


def test_lists_the_served_models_and_explains_the_first(monkeypatch, tmp_path):
    specs = workbench.sample_model_specs()
    catalog = tmp_path / "models.yaml"
    entries = [
        {"spec": str(specs["crisis_text_sklearn"]), "name": "triage"},
        {"spec": str(specs["relapse_tabular"]), "name": "relapse"},
    ]
    catalog.write_text(yaml.safe_dump({"models": entries}), encoding="utf-8")
    monkeypatch.setenv(ENV_CATALOG, str(catalog))
    view = ExplanationLessonView(text=MESSAGE, threaded=False)

    assert view.picker.dropdown.options == ("triage", "relapse")
    assert view.explainer.model.fingerprint == view.picker.opened.fingerprint
    assert view.explainer.text == MESSAGE
    view.explainer.explain_button.click()
    assert view.explainer.result is not None and view.explainer.error == ""

    view.picker.dropdown.value = "relapse"
    assert view.explainer.model is None
    assert MSG_NOT_TEXT.format(name="relapse", kind="tabular") in view.status.value


def test_by_default_lists_the_samples_crisis_text_first():
    view = ExplanationLessonView(threaded=False)
    assert view.picker.dropdown.options == tuple(sorted(workbench.sample_model_specs()))
    assert view.picker.dropdown.value == "crisis_text"
    assert view.explainer.model.name == "crisis_text"
