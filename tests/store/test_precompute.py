"""``workbench precompute`` on a real Dask cluster: two worker processes, resume, per-row errors,
and the same explanations as in-process ``explain_batch``."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import StoreError
from workbench.cli import main
from workbench.cli._precompute import MSG_UNKNOWN_METHOD
from workbench.explain import explain_batch
from workbench.models import load_model
from workbench.store import SCHEDULER_ENV, ExplanationStore, StoreKey, precompute
from workbench.store._engine import MSG_NO_SCHEDULER
from workbench.store._precompute import (
    MSG_BAD_ROWS,
    MSG_NO_TEXT_COLUMN,
    MSG_WORKERS_AND_SCHEDULER,
)

SPEC = Path(__file__).resolve().parents[2] / "sample_models" / "crisis_text" / "model.yaml"
METHOD = "saliency"
ROWS = 20


@pytest.fixture
def data(tmp_path):
    """The first rows of crisis_text's data, with one empty message that cannot be explained."""
    frame = pd.read_csv(SPEC.parent / "data.csv").head(ROWS)
    frame.loc[7, "text"] = "   "
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path


def run(*args):
    return main(["precompute", "--model", str(SPEC), *map(str, args)])


def summary(path):
    return json.loads(Path(path).read_text())


def test_a_partial_run_resumes_and_a_finished_one_computes_nothing(cluster, data, tmp_path):
    store, out = tmp_path / "store", tmp_path / "summary.json"
    common = ("--data", data, "--method", METHOD, "--store", store, "--json", out)
    assert run(*common, "--rows", 12, "--scheduler", cluster.scheduler_address) == 0
    first = summary(out)
    assert (first["rows"], first["computed"], first["reused"], first["failed"]) == (12, 11, 0, 1)
    assert first["errors"][0]["row"] == 7 and first["errors"][0]["method"] == METHOD
    assert run(*common, "--scheduler", cluster.scheduler_address) == 0
    second = summary(out)
    assert (second["rows"], second["computed"], second["reused"], second["failed"]) == (
        ROWS,
        ROWS - 12,
        11,
        1,
    )
    assert run(*common, "--scheduler", cluster.scheduler_address) == 0
    third = summary(out)
    assert (third["computed"], third["reused"], third["failed"]) == (0, ROWS - 1, 1)
    assert third["entries"] == ROWS


def test_a_repeated_message_is_one_entry(cluster, tmp_path):
    path = tmp_path / "repeated.csv"
    frame = pd.read_csv(SPEC.parent / "data.csv").head(3)
    pd.concat([frame, frame.head(1)]).to_csv(path, index=False)
    result = precompute(
        SPEC,
        data=path,
        methods=[METHOD],
        store=tmp_path,
        scheduler=cluster.scheduler_address,
        progress=False,
    )
    assert (result.rows, result.entries, result.computed) == (4, 3, 3)
    assert len(ExplanationStore(tmp_path)) == 3


def test_stored_explanations_equal_in_process_explain_batch(cluster, data, tmp_path):
    result = precompute(
        SPEC,
        data=data,
        methods=[METHOD],
        store=tmp_path,
        scheduler=cluster.scheduler_address,
        chunk_rows=3,
        progress=False,
    )
    assert result.computed == ROWS - 1
    texts = [text for i, text in enumerate(pd.read_csv(data)["text"]) if i != 7]
    model = load_model(SPEC)
    expected = explain_batch(model, texts, method=METHOD, cache=None, progress=False)
    store = ExplanationStore(tmp_path)
    params = expected[0].params
    for text, wanted in zip(texts, expected):
        key = StoreKey.of(
            fingerprint=model.fingerprint, item=text, method=METHOD, params=params, target=None
        )
        found = store.get(key).explanation
        assert found.features == wanted.features and found.target == wanted.target
        assert np.allclose(found.attributions, wanted.attributions, atol=1e-6)


def test_a_local_cluster_of_two_workers_by_default_engine(data, tmp_path, monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    result = precompute(
        SPEC,
        data=data,
        methods=[METHOD, "occlusion"],
        rows=6,
        workers=2,
        store=tmp_path,
        progress=False,
    )
    assert (result.rows, result.computed, result.reused, result.failed) == (6, 12, 0, 0)


def test_the_scheduler_comes_from_the_environment(cluster, data, tmp_path, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    out = tmp_path / "summary.json"
    assert (
        run("--data", data, "--rows", 3, "--method", METHOD, "--store", tmp_path, "--json", out)
        == 0
    )
    assert summary(out)["computed"] == 3


def test_bad_input_exits_2_with_the_reason(tmp_path, capsys):
    assert run("--method", "ig,sharp", "--store", tmp_path) == 2
    known = capsys.readouterr().err
    assert MSG_UNKNOWN_METHOD.format(method="sharp", known="").split("; give")[0] in known
    assert run("--rows", 0, "--store", tmp_path) == 2
    assert MSG_BAD_ROWS.format(value=0) in capsys.readouterr().err


def test_workers_and_scheduler_together_are_refused(tmp_path):
    with pytest.raises(StoreError) as raised:
        precompute(SPEC, workers=2, scheduler="tcp://127.0.0.1:1", store=tmp_path)
    assert str(raised.value) == MSG_WORKERS_AND_SCHEDULER


def test_data_for_a_spec_without_a_text_column_is_refused(tmp_path, data):
    folder = tmp_path / "model"
    shutil.copytree(SPEC.parent, folder)
    spec = folder / "model.yaml"
    lines = spec.read_text(encoding="utf-8").splitlines()
    unnamed = ("data:", "label_column:", "text_column:")
    kept = [line for line in lines if not line.startswith(unnamed)]
    spec.write_text("\n".join(kept), encoding="utf-8")
    with pytest.raises(StoreError) as raised:
        precompute(spec, data=data, rows=2, workers=1, store=tmp_path / "store", progress=False)
    assert str(raised.value) == MSG_NO_TEXT_COLUMN.format(spec=spec)


def test_an_unreachable_scheduler_is_named(tmp_path):
    with pytest.raises(StoreError) as raised:
        precompute(SPEC, rows=2, scheduler="tcp://127.0.0.1:9", store=tmp_path, progress=False)
    assert str(raised.value).startswith(
        MSG_NO_SCHEDULER.format(address="tcp://127.0.0.1:9", detail="").split(":")[0]
    )
