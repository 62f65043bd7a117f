"""Shared fixtures: tiny models with hand-set weights and spec files written to tmp folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import yaml
from tiny_models import TINY_EMBEDDING, TINY_VOCABULARY, LinearTabular, MeanEmbeddingText

from workbench.models import TabularEncoder, WordTokenizer
from workbench.store import SCHEDULER_ENV, STORE_ENV

pytest_plugins = ("no_skips",)


@pytest.fixture(autouse=True)
def own_explanation_store(tmp_path_factory, monkeypatch):
    """Each test's explanation store is its own fresh folder, never the user's data folder, and
    no engine is configured unless the test names one."""
    monkeypatch.setenv(STORE_ENV, str(tmp_path_factory.mktemp("store")))
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)


@pytest.fixture
def tiny_text_module() -> MeanEmbeddingText:
    module = MeanEmbeddingText()
    with torch.no_grad():
        module.embedding.weight.copy_(torch.tensor(TINY_EMBEDDING))
    return module


@pytest.fixture
def tiny_tokenizer() -> WordTokenizer:
    return WordTokenizer(TINY_VOCABULARY, max_length=8)


@pytest.fixture
def tiny_tabular_module() -> LinearTabular:
    module = LinearTabular(n_inputs=4)
    with torch.no_grad():
        module.linear.weight.copy_(torch.tensor([[0.5, -1.0, 2.0, 0.0]]))
        module.linear.bias.fill_(0.25)
    return module


@pytest.fixture
def tiny_encoder() -> TabularEncoder:
    return TabularEncoder(
        numeric={"phq9": (10.0, 5.0), "missed": (2.0, 1.0)},
        categorical={"insurance": ("private", "public")},
        feature_columns=("phq9", "missed", "insurance"),
    )


def write_spec(folder: Path, **keys: object) -> Path:
    """Write ``keys`` as a model.yaml in ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(keys, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def spec_writer(tmp_path: Path):
    """Call with spec keys; returns the path of a model.yaml in a fresh folder."""
    counter = iter(range(1_000))

    def write(**keys: object) -> Path:
        return write_spec(tmp_path / f"spec{next(counter)}", **keys)

    return write


@pytest.fixture
def usual_umask():
    """The usual umask 022, under which files are world-readable unless the writer says not."""
    earlier = os.umask(0o022)
    yield
    os.umask(earlier)
