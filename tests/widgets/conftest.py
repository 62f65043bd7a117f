"""Fixtures of the widget tests: the sample models opened once per session.

The views are built in plain Python, with no kernel and no browser; those that compute run
inline (``threaded=False``) unless a test is about the background thread.
"""

from __future__ import annotations

import pytest

import workbench
from workbench.app.browse import open_subject


@pytest.fixture(scope="session")
def crisis():
    return open_subject(workbench.sample_model_specs()["crisis_text"])


@pytest.fixture(scope="session")
def crisis_sklearn():
    return open_subject(workbench.sample_model_specs()["crisis_text_sklearn"])


@pytest.fixture(scope="session")
def relapse():
    return open_subject(workbench.sample_model_specs()["relapse_tabular"])


@pytest.fixture(scope="session")
def emotion():
    return open_subject(workbench.sample_model_specs()["emotion_text"])


@pytest.fixture
def review_dir(tmp_path, monkeypatch):
    """A fresh review database folder, also the default one."""
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    return tmp_path
