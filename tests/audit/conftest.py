"""Audit fixtures: the sample models and their predictions, computed once per test session."""

from __future__ import annotations

import pytest

from workbench import load_dataset, load_model, sample_model_specs


@pytest.fixture(scope="session")
def sample():
    """Loaded sample models with their evaluation data, by name."""
    specs = sample_model_specs()
    loaded = {}

    def get(name: str):
        if name not in loaded:
            loaded[name] = (load_model(specs[name]), load_dataset(specs[name]))
        return loaded[name]

    return get


@pytest.fixture(scope="session")
def crisis_scores(sample):
    """Urgent-class probabilities of the torch crisis model on its evaluation data."""
    model, data = sample("crisis_text")
    return model.predict_proba(data["text"].tolist())[:, model.positive_index], data
