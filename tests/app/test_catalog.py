"""The served model list: catalog files, serve options in the environment, failing models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import workbench
from workbench.app.catalog import (
    ENV_CATALOG,
    ENV_MODELS,
    ENV_SAMPLES,
    MSG_CATALOG_DUPLICATE,
    MSG_CATALOG_ENTRY,
    MSG_CATALOG_KEY,
    MSG_CATALOG_MISSING,
    MSG_CATALOG_SHAPE,
    MSG_CATALOG_VALUE,
    MSG_VISITOR_LOAD_FAILED,
    CatalogEntry,
    load_listed_model,
    open_entry,
    open_listed_subject,
    read_catalog,
    served_models,
)
from workbench.store import SCHEDULER_ENV
from workbench.store._engine import MSG_NO_SCHEDULER

SAMPLES = workbench.sample_model_specs()


def _catalog(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def test_reads_entries_with_paths_relative_to_the_catalog(tmp_path):
    path = _catalog(
        tmp_path,
        {
            "models": [
                {"spec": "triage/model.yaml", "name": "Triage", "owner": "Ops", "version": "v2"},
                {"spec": "other/model.yaml"},
            ]
        },
    )
    assert read_catalog(path) == [
        CatalogEntry(spec=tmp_path / "triage/model.yaml", name="Triage", owner="Ops", version="v2"),
        CatalogEntry(spec=tmp_path / "other/model.yaml", name="other"),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ([1, 2], MSG_CATALOG_SHAPE.format(path="{path}")),
        ({"models": "a.yaml"}, MSG_CATALOG_SHAPE.format(path="{path}")),
        ({"models": [{"name": "x"}]}, MSG_CATALOG_ENTRY.format(path="{path}", number=1)),
        (
            {"models": [{"spec": "a.yaml", "team": "x"}]},
            MSG_CATALOG_KEY.format(
                path="{path}", number=1, key="team", known="spec, name, owner, version"
            ),
        ),
        (
            {"models": [{"spec": "a.yaml", "version": 2}]},
            MSG_CATALOG_VALUE.format(path="{path}", number=1, key="version", kind="int"),
        ),
        (
            {"models": [{"spec": "a/model.yaml"}, {"spec": "b/model.yaml", "name": "a"}]},
            MSG_CATALOG_DUPLICATE.format(path="{path}", name="a"),
        ),
    ],
)
def test_bad_catalogs_say_what_is_wrong(tmp_path, content, message):
    path = _catalog(tmp_path, content)
    with pytest.raises(workbench.WorkbenchError) as raised:
        read_catalog(path)
    assert str(raised.value) == message.replace("{path}", str(path))


def test_missing_and_unparsable_catalogs(tmp_path):
    missing = tmp_path / "none.yaml"
    with pytest.raises(workbench.WorkbenchError) as raised:
        read_catalog(missing)
    assert str(raised.value) == MSG_CATALOG_MISSING.format(path=missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [", encoding="utf-8")
    with pytest.raises(workbench.WorkbenchError, match="bad.yaml: not valid YAML"):
        read_catalog(bad)


def test_served_models_follow_the_serve_options(tmp_path):
    samples = sorted(SAMPLES)
    assert [entry.name for entry in served_models({})] == samples
    one = str(SAMPLES["crisis_text"])
    assert [entry.spec for entry in served_models({ENV_MODELS: one})] == [Path(one)]
    both = served_models({ENV_MODELS: one, ENV_SAMPLES: "1"})
    assert [entry.name for entry in both] == ["crisis_text", *samples]
    path = _catalog(tmp_path, {"models": [{"spec": one, "name": "Crisis"}]})
    assert [entry.name for entry in served_models({ENV_CATALOG: str(path)})] == ["Crisis"]
    path.write_text(yaml.safe_dump({"models": []}), encoding="utf-8")
    assert served_models({ENV_CATALOG: str(path)}) == []


def test_a_new_catalog_entry_is_listed_on_the_next_read(tmp_path):
    one = str(SAMPLES["crisis_text"])
    path = _catalog(tmp_path, {"models": [{"spec": one, "name": "v1"}]})
    environ = {ENV_CATALOG: str(path)}
    assert [entry.name for entry in served_models(environ)] == ["v1"]
    _catalog(tmp_path, {"models": [{"spec": one, "name": "v1"}, {"spec": one, "name": "v2"}]})
    assert [entry.name for entry in served_models(environ)] == ["v1", "v2"]


def test_missing_weights_are_logged_and_told_plainly(tmp_path, caplog):
    folder = tmp_path / "relapse"
    shutil.copytree(SAMPLES["relapse_tabular"].parent, folder)
    (folder / "weights.safetensors").unlink()
    entry = CatalogEntry(spec=folder / "model.yaml", name="Relapse", owner="Team R")
    with pytest.raises(workbench.WorkbenchError) as raised:
        open_entry(entry)
    assert str(raised.value) == MSG_VISITOR_LOAD_FAILED
    assert "model 'Relapse'" in caplog.text and "weights.safetensors" in caplog.text


def test_a_listed_model_opens_with_its_fingerprint():
    opened = open_entry(CatalogEntry(spec=SAMPLES["crisis_text"], name="Crisis"))
    assert opened.spec.name == "crisis_text"
    assert opened.fingerprint == workbench.load_model(SAMPLES["crisis_text"]).fingerprint


def test_a_listed_model_that_fails_to_load_is_logged_and_told_plainly(tmp_path, caplog):
    folder = tmp_path / "crisis"
    shutil.copytree(SAMPLES["crisis_text"].parent, folder)
    spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    spec["architecture_params"]["hidden_dim"] = 7  # the weights no longer fit
    (folder / "model.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    opened = open_entry(CatalogEntry(spec=folder / "model.yaml", name="Crisis"))
    with pytest.raises(workbench.WorkbenchError) as raised:
        load_listed_model(opened)
    assert str(raised.value) == MSG_VISITOR_LOAD_FAILED
    assert "model 'Crisis'" in caplog.text


def test_a_listed_model_loads():
    opened = open_entry(CatalogEntry(spec=SAMPLES["crisis_text"], name="Crisis"))
    assert load_listed_model(opened).fingerprint == opened.fingerprint


def test_an_unreachable_engine_is_logged_and_told_plainly(monkeypatch, caplog):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:9")
    opened = open_entry(CatalogEntry(spec=SAMPLES["crisis_text"], name="Crisis"))
    for open_it in (open_listed_subject, load_listed_model):
        with pytest.raises(workbench.WorkbenchError) as raised:
            open_it(opened)
        assert str(raised.value) == MSG_VISITOR_LOAD_FAILED
    detail = MSG_NO_SCHEDULER.split("{detail}")[0].format(address="tcp://127.0.0.1:9")
    assert caplog.text.count("model 'Crisis'") == 2 and detail in caplog.text
