"""A model served by the Dask engine (``EngineModel``) on a real cluster (two worker processes):
the same predictions and explanations as the loaded model, work that runs on the workers and is
shared by them, one client per scheduler, and an app kernel that never imports torch."""

import json
import math
import os
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.utils import key_split
from distributed import LocalCluster, SchedulerPlugin

import workbench
from workbench import ExplanationError, StoreError
from workbench.app.browse import open_subject
from workbench.app.catalog import (
    MSG_OPERATOR_ENGINE,
    CatalogEntry,
    load_listed_model,
    open_entry,
)
from workbench.app.compare import explain_pair
from workbench.explain import evaluate_faithfulness, explain_batch
from workbench.explain._explain import MSG_NOT_IN_PROCESS
from workbench.models import load_model
from workbench.store import (
    SCHEDULER_ENV,
    STORE_ENV,
    EngineModel,
    ExplanationStore,
    _engine_model,
    engine_client,
    explain_stored,
    open_engine_model,
)
from workbench.store._engine import MSG_NO_SCHEDULER, run_on_engine
from workbench.store._engine_model import (
    ENGINE_CHUNK_ROWS,
    MSG_NO_ENGINE,
    LoadedFacts,
    _describe_on_worker,
    _ModelJob,
)
from workbench.store._precompute import MSG_MODEL_CHANGED

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = workbench.sample_model_specs()
TEXT = SAMPLES["crisis_text"]
TABULAR = SAMPLES["relapse_tabular"]
UNREACHABLE = "tcp://127.0.0.1:9"
HEAVY = ("torch", "transformers", "sklearn", "captum")


def tasks_run(cluster, name):
    """How many tasks of function ``name`` (without its leading underscore) have finished."""
    prefix = cluster.scheduler.task_prefixes.get(name)
    return 0 if prefix is None else prefix.state_counts["memory"]


@pytest.fixture(scope="module")
def text_pair(cluster):
    """crisis_text loaded here, and served by the engine."""
    return load_model(TEXT), open_engine_model(TEXT, scheduler=cluster.scheduler_address)


@pytest.fixture(scope="module")
def tabular_pair(cluster):
    """relapse_tabular loaded here, and served by the engine."""
    return load_model(TABULAR), open_engine_model(TABULAR, scheduler=cluster.scheduler_address)


def same_faithfulness(got, wanted):
    """Whether two faithfulness results agree to float rounding."""
    curves = ("comprehensiveness_by_bin", "sufficiency_by_bin", "deletion_curve", "insertion_curve")
    return got.steps == wanted.steps and all(
        np.allclose(getattr(got, name), getattr(wanted, name), atol=1e-6) for name in curves
    )


def messages(count):
    return pd.read_csv(TEXT.parent / "data.csv")["text"].head(count).tolist()


def rows():
    return pd.read_csv(TABULAR.parent / "data.csv")


@pytest.mark.parametrize("pair", ["text_pair", "tabular_pair"])
def test_the_engine_model_is_what_the_loaded_model_is(pair, request):
    loaded, served = request.getfixturevalue(pair)
    assert isinstance(served, EngineModel) and not served.in_process
    assert served.info == loaded.info
    assert served.framework == loaded.framework
    assert served.differentiable == loaded.differentiable
    assert served.limits == loaded.limits
    assert served.source == loaded.source


def test_text_predictions_run_on_the_workers_in_chunks(cluster, text_pair):
    loaded, served = text_pair
    texts = pd.read_csv(TEXT.parent / "data.csv")["text"].tolist()
    assert len(texts) > ENGINE_CHUNK_ROWS
    before = tasks_run(cluster, "predict_on_worker")
    predicted = served.predict_proba(texts)
    assert tasks_run(cluster, "predict_on_worker") - before == math.ceil(
        len(texts) / ENGINE_CHUNK_ROWS
    )
    assert np.allclose(predicted, loaded.predict_proba(texts), atol=1e-6)
    assert served.predict_proba([]).shape == (0, 2)


class PredictionTasks(SchedulerPlugin):
    """On the scheduler: how many prediction tasks each worker finished, and the most that
    were processing at once."""

    def __init__(self):
        self.processing = set()
        self.most_at_once = 0
        self.finished = Counter()

    def transition(self, key, start, finish, *args, **kwargs):
        if key_split(key) != "predict_on_worker":
            return
        if finish == "processing":
            self.processing.add(key)
            self.most_at_once = max(self.most_at_once, len(self.processing))
        elif start == "processing":
            self.processing.discard(key)
            if finish == "memory":
                self.finished[kwargs["worker"]] += 1


@pytest.fixture
def prediction_tasks(cluster):
    """A :class:`PredictionTasks` watching the cluster's scheduler (added on its event loop)."""
    plugin = PredictionTasks()

    async def add():
        cluster.scheduler.add_plugin(plugin, name="prediction-tasks")

    async def remove():
        cluster.scheduler.remove_plugin(name="prediction-tasks")

    cluster.sync(add)
    yield plugin
    cluster.sync(remove)


def test_a_prediction_of_many_chunks_is_shared_by_the_workers_in_order(
    cluster, text_pair, prediction_tasks, monkeypatch
):
    loaded, _ = text_pair
    monkeypatch.setattr(_engine_model, "ENGINE_CHUNK_ROWS", 8)
    served = open_engine_model(TEXT, scheduler=cluster.scheduler_address)
    texts = messages(8 * 6)
    predicted = served.predict_proba(texts)
    assert np.array_equal(predicted, loaded.predict_proba(texts))
    assert prediction_tasks.most_at_once > 1  # sent at once, not one after the other
    assert sorted(prediction_tasks.finished) == sorted(cluster.scheduler_info["workers"])
    assert sum(prediction_tasks.finished.values()) == 6


def test_a_workers_error_on_a_chunk_is_raised_as_it_was(cluster, text_pair, monkeypatch):
    _, served = text_pair
    monkeypatch.setattr(_engine_model, "ENGINE_CHUNK_ROWS", 2)
    changed = EngineModel(
        replace(served.info, fingerprint="0" * 64),
        facts=LoadedFacts(
            framework=served.framework, differentiable=served.differentiable, limits=served.limits
        ),
        source=served.source,
        scheduler=cluster.scheduler_address,
    )
    with pytest.raises(StoreError) as raised:
        changed.predict_proba(messages(6))
    assert str(raised.value) == MSG_MODEL_CHANGED.format(
        spec=TEXT, found=served.fingerprint, expected="0" * 64
    )


def test_a_scheduler_lost_mid_prediction_is_named(losing_engine, monkeypatch):
    monkeypatch.setattr(_engine_model, "ENGINE_CHUNK_ROWS", 2)
    served = open_engine_model(TEXT, scheduler=losing_engine.address)
    losing_engine.hold(_engine_model, "_predict_on_worker", through=1)
    losing_engine.lose_scheduler_once_held()
    with pytest.raises(StoreError) as raised:
        served.predict_proba(messages(6))
    before, after = MSG_NO_SCHEDULER.split("{detail}")
    assert str(raised.value).startswith(before.format(address=losing_engine.address))
    assert str(raised.value).endswith(after)


def test_tabular_predictions_equal_the_loaded_models(cluster, tabular_pair):
    loaded, served = tabular_pair
    before = tasks_run(cluster, "predict_on_worker")
    assert np.allclose(served.predict_proba(rows()), loaded.predict_proba(rows()), atol=1e-6)
    assert tasks_run(cluster, "predict_on_worker") > before


def test_text_explanations_through_the_engine_equal_the_loaded_models(cluster, text_pair, tmp_path):
    loaded, served = text_pair
    chosen = messages(4)
    before = tasks_run(cluster, "explain_chunk")
    found = explain_stored(served, chosen, store=ExplanationStore(tmp_path), faithfulness=True)
    assert tasks_run(cluster, "explain_chunk") > before
    expected = explain_batch(loaded, chosen, faithfulness=True, cache=None, progress=False)
    for got, wanted in zip(found, expected):
        assert got.explanation.method == wanted.method == "ig"
        assert got.explanation.features == wanted.features
        assert np.allclose(got.explanation.attributions, wanted.attributions, atol=1e-6)
        assert same_faithfulness(got.explanation.faithfulness, wanted.faithfulness)


def test_tabular_explanations_through_the_engine_equal_the_loaded_models(
    cluster, tabular_pair, tmp_path
):
    loaded, served = tabular_pair
    before = tasks_run(cluster, "explain_chunk")
    found = explain_stored(
        served, rows().head(3), store=ExplanationStore(tmp_path), background=rows()
    )
    assert tasks_run(cluster, "explain_chunk") > before
    expected = explain_batch(loaded, rows().head(3), background=rows(), cache=None, progress=False)
    for got, wanted in zip(found, expected):
        assert got.explanation.features == wanted.features
        assert np.allclose(got.explanation.attributions, wanted.attributions, atol=1e-6)


def test_the_faithfulness_of_a_stored_entry_is_completed_on_the_engine(
    cluster, text_pair, tmp_path
):
    loaded, served = text_pair
    store = ExplanationStore(tmp_path)
    chosen = messages(6)[4:]
    stored = explain_stored(loaded, chosen, store=store, method="saliency")
    assert all(found.explanation.faithfulness is None for found in stored)
    before = tasks_run(cluster, "faithfulness_chunk")
    found = explain_stored(served, chosen, store=store, method="saliency", faithfulness=True)
    assert tasks_run(cluster, "faithfulness_chunk") > before
    for got, text, first in zip(found, chosen, stored):
        assert got.precomputed
        wanted = evaluate_faithfulness(loaded, text, first.explanation)
        assert same_faithfulness(got.explanation.faithfulness, wanted)
    before = tasks_run(cluster, "faithfulness_chunk")
    again = explain_stored(served, chosen, store=store, method="saliency", faithfulness=True)
    assert tasks_run(cluster, "faithfulness_chunk") == before  # the completed entries stored
    for got, first in zip(again, found):
        assert same_faithfulness(got.explanation.faithfulness, first.explanation.faithfulness)


def test_the_engine_model_is_never_explained_in_this_process(text_pair):
    loaded, served = text_pair
    message = MSG_NOT_IN_PROCESS.format(name=served.name)
    with pytest.raises(ExplanationError) as raised:
        explain_batch(served, messages(1), cache=None, progress=False)
    assert str(raised.value) == message
    explanation = explain_batch(loaded, messages(1), cache=None, progress=False)[0]
    with pytest.raises(ExplanationError) as raised:
        evaluate_faithfulness(served, messages(1)[0], explanation)
    assert str(raised.value) == message


def test_one_client_per_scheduler_serves_every_call(cluster, text_pair, tmp_path):
    _, served = text_pair
    client = engine_client(cluster.scheduler_address)
    connected = len(cluster.scheduler.clients)
    served.predict_proba(messages(2))
    explain_stored(served, messages(2), store=None, method="saliency")
    open_engine_model(TEXT, scheduler=cluster.scheduler_address).predict_proba(messages(1))
    assert engine_client(cluster.scheduler_address) is client
    assert len(cluster.scheduler.clients) == connected


def test_a_listed_model_is_served_by_the_engine_the_environment_names(cluster, monkeypatch, caplog):
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    opened = open_entry(CatalogEntry(spec=TEXT, name="Crisis"))
    before = tasks_run(cluster, "describe_on_worker")
    model = load_listed_model(opened)
    assert isinstance(model, EngineModel) and model.scheduler == cluster.scheduler_address
    assert tasks_run(cluster, "describe_on_worker") == before + 1
    said = MSG_OPERATOR_ENGINE.format(name="Crisis", address=cluster.scheduler_address)
    assert caplog.messages.count(said) == 1


def test_a_worker_whose_model_files_differ_is_refused(cluster):
    job = _ModelJob(spec_path=str(TEXT), fingerprint="0" * 64, trust_pickle=False)
    found = load_model(TEXT).fingerprint
    with pytest.raises(StoreError) as raised:
        run_on_engine(cluster.scheduler_address, _describe_on_worker, job)
    assert str(raised.value) == MSG_MODEL_CHANGED.format(spec=TEXT, found=found, expected="0" * 64)


def test_without_an_engine_or_scheduler_the_model_is_not_opened(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    with pytest.raises(StoreError) as raised:
        open_engine_model(TEXT)
    assert str(raised.value) == MSG_NO_ENGINE.format(model="crisis_text", env=SCHEDULER_ENV)
    with pytest.raises(StoreError) as raised:
        open_engine_model(TEXT, scheduler=UNREACHABLE)
    before, after = MSG_NO_SCHEDULER.split("{detail}")
    assert str(raised.value).startswith(before.format(address=UNREACHABLE))
    assert str(raised.value).endswith(after)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _threaded_cluster(port):
    return LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        scheduler_port=port,
        dashboard_address=":0",
    )


def test_a_scheduler_that_went_away_is_named_and_reached_again_when_back():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    with _threaded_cluster(port):
        assert run_on_engine(address, sum, [1, 2]) == 3
        first = engine_client(address)
    with pytest.raises(StoreError) as raised:
        run_on_engine(address, sum, [1, 2])
    before, after = MSG_NO_SCHEDULER.split("{detail}")
    assert str(raised.value).startswith(before.format(address=address))
    assert str(raised.value).endswith(after)
    with _threaded_cluster(port):
        assert run_on_engine(address, sum, [2, 3]) == 5
        assert engine_client(address) is not first


APP_KERNEL = """
import json, sys
from workbench.app.browse import example_input
from workbench.app.catalog import entry_for_spec, open_entry, open_listed_subject
from workbench.app.compare import explain_pair
subject = open_listed_subject(open_entry(entry_for_spec(sys.argv[1])))
pair = explain_pair(subject.model, example_input(subject, 0))
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {heavy!r})
print(json.dumps({{
    "model": type(subject.model).__name__,
    "heavy": heavy,
    "probabilities": subject.probabilities.tolist(),
    "first": pair.first.attributions.tolist(),
    "second": pair.second.attributions.tolist(),
    "methods": [pair.first.method, pair.second.method],
}}))
"""


def test_an_app_kernel_with_an_engine_explains_without_importing_torch(
    cluster, tmp_path, monkeypatch
):
    environment = {
        **os.environ,
        SCHEDULER_ENV: cluster.scheduler_address,
        STORE_ENV: str(tmp_path / "kernel"),
    }
    counts = {
        name: tasks_run(cluster, name)
        for name in ("describe_on_worker", "predict_on_worker", "explain_chunk")
    }
    finished = subprocess.run(
        [sys.executable, "-c", APP_KERNEL.format(heavy=HEAVY), str(TEXT)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    kernel = json.loads(finished.stdout.splitlines()[-1])
    assert kernel["model"] == "EngineModel"
    assert kernel["heavy"] == []
    assert (
        finished.stderr.count(
            MSG_OPERATOR_ENGINE.format(name="crisis_text", address=cluster.scheduler_address)
        )
        == 1
    )
    assert tasks_run(cluster, "describe_on_worker") == counts["describe_on_worker"] + 1
    assert tasks_run(cluster, "predict_on_worker") > counts["predict_on_worker"]
    assert tasks_run(cluster, "explain_chunk") == counts["explain_chunk"] + 2  # IG and LIME
    # The same numbers as a kernel that loads the model itself.
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "here"))
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    subject = open_subject(TEXT)
    pair = explain_pair(subject.model, subject.inputs([0])[0])
    assert np.allclose(kernel["probabilities"], subject.probabilities, atol=1e-6)
    assert kernel["methods"] == [pair.first.method, pair.second.method]
    assert np.allclose(kernel["first"], pair.first.attributions, atol=1e-6)
    assert np.allclose(kernel["second"], pair.second.attributions, atol=1e-6)
