"""Fixtures of the widget tests: the sample models opened once per session.

The views are built in plain Python, with no kernel and no browser; those that compute run
inline (``threaded=False``) unless a test is about the background thread.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import workbench
from workbench.app.browse import open_subject

# What an app's first page must not import: the libraries it needs only once a visitor reviews,
# explains or audits (each of a served kernel's pool would hold them while it waits).
REVIEW_ONLY_MODULES = (
    "torch",
    "captum",
    "aif360",
    "lime",
    "transformers",
    "sklearn",
    "dask",
    "distributed",
    "scipy",
    "numpy",
    "pandas",
    "pyarrow",
    "sqlalchemy",
    "jinja2",
    "markdown_it",
    "phonenumbers",
    "plotly",
)
LOADED_PROBE = "import sys\n{code}print(','.join(m for m in {modules!r} if m in sys.modules))\n"


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


@pytest.fixture
def review_only_modules_loaded(review_dir):
    """Run some code (building a first page) in a fresh Python, and return the
    :data:`REVIEW_ONLY_MODULES` it loaded."""

    def loaded(code: str) -> list[str]:
        probe = LOADED_PROBE.format(code=code, modules=REVIEW_ONLY_MODULES)
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        return [name for name in result.stdout.strip().split(",") if name]

    return loaded
