"""The app's steps read the explanation store first: what ``workbench precompute`` stored is
served without calling the model, marked precomputed; what they compute is stored."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from sqlalchemy.exc import OperationalError

import workbench
from workbench.app.browse import filter_examples, open_subject
from workbench.app.compare import explain_pair, importance, quick_explain
from workbench.app.pipeline import explain_examples
from workbench.app.stored import MSG_NO_STORE
from workbench.cli import main
from workbench.explain import METHODS
from workbench.models import load_model
from workbench.report import Choice
from workbench.store import (
    NOTE_PRECOMPUTED,
    STORE_ENV,
    ExplanationStore,
    explain_stored,
    shared_store,
)
from workbench.store._served import MSG_NOT_KEPT

SPECS = workbench.sample_model_specs()
PRECOMPUTED_ROWS = 3
MSG_MODEL_CALLED = "the model was called"


class ModelCalled(AssertionError):
    """Raised by a model that must not be called."""


def forbid_calls(model):
    """Make every forward pass of ``model`` raise; returns the list of attempted calls."""
    calls = []

    def refuse(_module, _inputs):
        calls.append(1)
        raise ModelCalled(MSG_MODEL_CALLED)

    model.module.register_forward_pre_hook(refuse)
    return calls


@pytest.fixture(scope="module")
def crisis_store(tmp_path_factory):
    """A store that ``workbench precompute`` filled with IG and LIME for crisis_text's first
    rows, on one local Dask worker."""
    folder = tmp_path_factory.mktemp("crisis_store")
    code = main(
        [
            "precompute",
            "--model",
            str(SPECS["crisis_text"]),
            "--rows",
            str(PRECOMPUTED_ROWS),
            "--method",
            "ig,lime",
            "--workers",
            "1",
            "--store",
            str(folder),
        ]
    )
    assert code == 0
    return folder


@pytest.fixture
def crisis(crisis_store, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(crisis_store))
    return open_subject(SPECS["crisis_text"])


def test_a_precomputed_pair_is_served_without_calling_the_model(crisis):
    text = crisis.inputs([1])[0]
    model = load_model(SPECS["crisis_text"])
    calls = forbid_calls(model)
    pair = explain_pair(model, text)
    assert calls == []
    for explanation, method in ((pair.first, "ig"), (pair.second, "lime")):
        assert explanation.method == method
        assert NOTE_PRECOMPUTED in explanation.notes
        assert explanation.faithfulness is not None
    # the stored default settings serve the app's faster ones
    assert pair.first.params["n_steps"] == METHODS["ig"].params["text"]["n_steps"].default
    # the predicted class's entry serves a request for that class by name
    named = quick_explain(model, text, method="ig", target=pair.first.target_name)
    assert NOTE_PRECOMPUTED in named.notes and calls == []


def test_the_browser_marks_the_precomputed_rows(crisis):
    page = filter_examples(crisis, limit=PRECOMPUTED_ROWS + 2)
    assert page.rows["precomputed"].tolist() == [True] * PRECOMPUTED_ROWS + [False, False]


def test_what_the_app_computes_is_stored_for_the_next_visitor(crisis, crisis_store):
    text = crisis.inputs([PRECOMPUTED_ROWS + 5])[0]
    before = len(ExplanationStore(crisis_store))
    first = quick_explain(crisis.model, text, method="saliency")
    assert NOTE_PRECOMPUTED not in first.notes
    assert len(ExplanationStore(crisis_store)) == before + 1
    visitor = load_model(SPECS["crisis_text"])
    calls = forbid_calls(visitor)
    again = quick_explain(visitor, text, method="saliency")
    assert calls == [] and NOTE_PRECOMPUTED in again.notes
    assert again.attributions.tolist() == first.attributions.tolist()


def test_a_stored_entry_without_faithfulness_gets_it_once(crisis, tmp_path):
    store = ExplanationStore(tmp_path)
    text = crisis.inputs([20])[0]
    (plain,) = explain_stored(crisis.model, [text], store=store, method="saliency")
    assert plain.explanation.faithfulness is None and not plain.precomputed
    (completed,) = explain_stored(
        crisis.model, [text], store=store, method="saliency", faithfulness=True
    )
    assert completed.precomputed and completed.explanation.faithfulness is not None
    visitor = load_model(SPECS["crisis_text"])
    calls = forbid_calls(visitor)
    (stored,) = explain_stored(visitor, [text], store=store, method="saliency", faithfulness=True)
    assert calls == [] and stored.precomputed
    faithful = stored.explanation.faithfulness
    assert faithful.comprehensiveness == completed.explanation.faithfulness.comprehensiveness


def test_importance_and_the_report_read_the_store(crisis):
    first = importance(crisis, rows=12, seed=3)
    chosen = Choice(rows=(0, 1), reasons=("a", "b"), positive=crisis.positive_class)
    examples = explain_examples(crisis, chosen)
    model = load_model(SPECS["crisis_text"])
    calls = forbid_calls(model)
    visitor = replace(crisis, model=model)
    again = importance(visitor, rows=12, seed=3)
    assert calls == [] and again.table.equals(first.table)
    served = explain_examples(visitor, chosen)
    assert calls == []
    assert [e.explanation.attributions.tolist() for e in served] == [
        e.explanation.attributions.tolist() for e in examples
    ]


def test_a_precomputed_tabular_row_is_served_without_calling_the_model(tmp_path, monkeypatch):
    spec = SPECS["relapse_tabular"]
    arguments = ["--rows", "2", "--workers", "1", "--store", str(tmp_path)]
    assert main(["precompute", "--model", str(spec), *arguments]) == 0
    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    subject = open_subject(spec)
    assert filter_examples(subject, limit=3).rows["precomputed"].tolist() == [True, True, False]
    model = load_model(spec)
    calls = forbid_calls(model)
    row = subject.data.iloc[[1]]
    explanation = quick_explain(model, row, background=subject.data)
    assert calls == [] and NOTE_PRECOMPUTED in explanation.notes
    assert shared_store().folder == tmp_path


def test_a_store_that_cannot_be_written_costs_only_the_storing(crisis, tmp_path, caplog):
    store = ExplanationStore(tmp_path)

    def refuse(_entries):
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("readonly database"))

    store.put_many = refuse
    text = crisis.inputs([30])[0]
    (served,) = explain_stored(crisis.model, [text], store=store, method="saliency")
    assert not served.precomputed and served.explanation.method == "saliency"
    expected = MSG_NOT_KEPT % (store.path, "OperationalError")
    assert expected in caplog.messages


def test_without_a_usable_store_folder_the_app_still_explains(
    crisis, tmp_path, monkeypatch, caplog
):
    not_a_folder = tmp_path / "a_file"
    not_a_folder.write_text("", encoding="utf-8")
    monkeypatch.setenv(STORE_ENV, str(not_a_folder))
    explanation = quick_explain(crisis.model, crisis.inputs([31])[0], method="saliency")
    assert NOTE_PRECOMPUTED not in explanation.notes
    assert any(message.startswith(MSG_NO_STORE % "") for message in caplog.messages)
