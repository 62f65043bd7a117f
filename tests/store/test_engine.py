"""``explain_stored`` with an engine: what the store lacks is explained on a real Dask cluster
(two worker processes), stored, and equal to in-process ``explain_batch``; a scheduler lost
mid-run is named, and what finished before stays stored."""

import logging

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench import ExplanationError, StoreError
from workbench.explain import explain_batch
from workbench.explain._methods import method_info
from workbench.models import ModelInfo, TorchTextAdapter, load_model
from workbench.store import (
    SCHEDULER_ENV,
    ExplanationStore,
    _precompute,
    explain_stored,
    open_engine_model,
    stored_rows,
)
from workbench.store._engine import MSG_NO_SCHEDULER
from workbench.store._precompute import MSG_ENGINE_ROW_FAILED
from workbench.store._served import MSG_ENGINE_NEEDS_SPEC, explanation_key

SPEC = workbench.sample_model_specs()["crisis_text"]
METHOD = "saliency"
UNREACHABLE = "tcp://127.0.0.1:9"


def chunks_run(cluster):
    """How many chunk tasks the cluster's workers have finished so far."""
    prefix = cluster.scheduler.task_prefixes.get("explain_chunk")
    return 0 if prefix is None else prefix.state_counts["memory"]


@pytest.fixture(scope="module")
def model():
    return load_model(SPEC)


@pytest.fixture(scope="module")
def messages():
    return pd.read_csv(SPEC.parent / "data.csv")["text"].head(5).tolist()


def test_the_engine_explains_and_stores_what_the_store_lacks(
    cluster, model, messages, tmp_path, capsys
):
    store = ExplanationStore(tmp_path)
    target = model.class_names[1]
    before = chunks_run(cluster)
    served = explain_stored(
        model,
        messages,
        store=store,
        method=METHOD,
        target=target,
        faithfulness=True,
        progress=True,
        scheduler=cluster.scheduler_address,
    )
    assert f"explain ({METHOD})" in capsys.readouterr().err
    assert chunks_run(cluster) > before
    before = chunks_run(cluster)
    expected = explain_batch(
        model, messages, method=METHOD, target=target, faithfulness=True, cache=None
    )
    assert [found.precomputed for found in served] == [False] * len(messages)
    for found, wanted in zip(served, expected):
        assert found.explanation.features == wanted.features
        assert found.explanation.target == wanted.target
        assert np.allclose(found.explanation.attributions, wanted.attributions, atol=1e-6)
        assert found.explanation.faithfulness is not None
    settings = method_info(model, METHOD).settings(model.kind, {})
    keys = [
        explanation_key(model, text, method=METHOD, settings=settings, target=1)
        for text in messages
    ]
    entries = store.get_many(keys)
    assert len(entries) == len(messages)
    assert all(entry.explanation is not None for entry in entries.values())
    # Stored: served again without the engine (an address nothing answers is never asked).
    again = explain_stored(
        model,
        messages,
        store=store,
        method=METHOD,
        target=target,
        faithfulness=True,
        scheduler=UNREACHABLE,
    )
    assert [found.precomputed for found in again] == [True] * len(messages)
    assert chunks_run(cluster) == before
    for found, first in zip(again, served):
        assert np.allclose(found.explanation.attributions, first.explanation.attributions)


def test_only_the_missing_inputs_go_to_the_engine_named_by_the_environment(
    cluster, model, messages, tmp_path, monkeypatch
):
    store = ExplanationStore(tmp_path)
    explain_stored(model, messages[:2], store=store, method=METHOD)
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    before = chunks_run(cluster)
    served = explain_stored(model, messages, store=store, method=METHOD)
    assert [found.precomputed for found in served] == [True, True, False, False, False]
    assert chunks_run(cluster) - before == 3  # the three missing, a chunk each
    expected = explain_batch(model, messages, method=METHOD, cache=None, progress=False)
    for found, wanted in zip(served, expected):
        assert found.explanation.features == wanted.features
        assert np.allclose(found.explanation.attributions, wanted.attributions, atol=1e-6)


def test_a_row_a_worker_cannot_explain_is_named_by_its_position(cluster, model, messages):
    too_long = "help " * 5_000  # beyond the spec's max_characters, checked on the worker
    with pytest.raises(ExplanationError) as raised:
        explain_stored(
            model,
            [*messages[:2], too_long],
            store=None,
            method=METHOD,
            scheduler=cluster.scheduler_address,
        )
    prefix = MSG_ENGINE_ROW_FAILED.format(
        position=2, address=cluster.scheduler_address, error="InputError: "
    )
    assert str(raised.value).startswith(prefix)


def test_an_unreachable_scheduler_is_named(model, messages):
    with pytest.raises(StoreError) as raised:
        explain_stored(model, messages[:1], store=None, method=METHOD, scheduler=UNREACHABLE)
    before, after = MSG_NO_SCHEDULER.split("{detail}")
    assert str(raised.value).startswith(before.format(address=UNREACHABLE))
    assert str(raised.value).endswith(after)


def test_a_model_built_in_memory_is_explained_here(
    tiny_text_module, tiny_tokenizer, monkeypatch, caplog
):
    model = TorchTextAdapter(
        tiny_text_module,
        tiny_tokenizer,
        ModelInfo(name="memory", kind="text", class_names=("a", "b")),
    )
    monkeypatch.setenv(SCHEDULER_ENV, UNREACHABLE)
    with caplog.at_level(logging.INFO, logger="workbench.store._served"):
        served = explain_stored(model, ["i feel low"], store=None, method=METHOD)
    expected = explain_batch(model, ["i feel low"], method=METHOD, cache=None, progress=False)
    assert np.allclose(served[0].explanation.attributions, expected[0].attributions)
    assert MSG_ENGINE_NEEDS_SPEC % "memory" in caplog.messages
    assert "i feel low" not in caplog.text


def test_tabular_rows_are_explained_on_the_engine_with_the_background_sent(cluster, tmp_path):
    spec = workbench.sample_model_specs()["relapse_tabular"]
    tabular = load_model(spec)
    frame = pd.read_csv(spec.parent / "data.csv")
    before = chunks_run(cluster)
    served = explain_stored(
        tabular,
        frame.head(3),
        store=ExplanationStore(tmp_path),
        method="ig",
        background=frame,
        scheduler=cluster.scheduler_address,
    )
    assert chunks_run(cluster) > before
    expected = explain_batch(
        tabular, frame.head(3), method="ig", background=frame, cache=None, progress=False
    )
    for found, wanted in zip(served, expected):
        assert not found.precomputed
        assert found.explanation.features == wanted.features
        assert np.allclose(found.explanation.attributions, wanted.attributions, atol=1e-6)


def assert_no_scheduler(raised, address):
    before, after = MSG_NO_SCHEDULER.split("{detail}")
    assert str(raised.value).startswith(before.format(address=address))
    assert str(raised.value).endswith(after)


def test_a_scheduler_lost_mid_explain_is_named_and_the_finished_chunk_stays_stored(
    losing_engine, model, messages, tmp_path, monkeypatch
):
    store = ExplanationStore(tmp_path)
    losing_engine.hold(_precompute, "_explain_chunk", through=1)  # a chunk per message
    monkeypatch.setattr(_precompute, "_keep", losing_engine.lose_scheduler_after(_precompute._keep))
    with pytest.raises(StoreError) as raised:
        explain_stored(
            model, messages[:4], store=store, method=METHOD, scheduler=losing_engine.address
        )
    assert_no_scheduler(raised, losing_engine.address)
    assert losing_engine.waiting.is_set()
    assert stored_rows(model, messages[:4], methods=[METHOD], store=store) == [
        True,
        False,
        False,
        False,
    ]
    served = explain_stored(model, messages[:1], store=store, method=METHOD)
    assert served[0].precomputed


def test_a_scheduler_lost_mid_faithfulness_keeps_what_was_measured_and_stored(
    losing_engine, model, messages, tmp_path, monkeypatch
):
    store = ExplanationStore(tmp_path)
    explain_stored(model, messages[:4], store=store, method=METHOD)
    served = open_engine_model(SPEC, scheduler=losing_engine.address)
    losing_engine.hold(_precompute, "_faithfulness_chunk", through=1)
    monkeypatch.setattr(_precompute, "_keep", losing_engine.lose_scheduler_after(_precompute._keep))
    with pytest.raises(StoreError) as raised:
        explain_stored(served, messages[:4], store=store, method=METHOD, faithfulness=True)
    assert_no_scheduler(raised, losing_engine.address)
    served = explain_stored(model, messages[:4], store=store, method=METHOD)
    assert [found.precomputed for found in served] == [True] * 4
    measured = [found.explanation.faithfulness is not None for found in served]
    assert measured == [True, False, False, False]
