"""Every notebook in notebooks/ (the served apps and the tour) executes
headless (nbclient) without error, and is saved clean."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
PATHS = {path.name: path for path in (REPO / "notebooks").glob("*.ipynb")}
NAMES = sorted(PATHS)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT_S = 60


def test_the_four_notebooks_are_there():
    assert NAMES == [
        "chatbot_audit.ipynb",
        "data_scientist_tour.ipynb",
        "ethics_review.ipynb",
        "teaching_bias_and_explanations.ipynb",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_saved_without_outputs_and_without_definitions(name):
    notebook = nbformat.read(PATHS[name], as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs saved"
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
        )
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{name}: a cell defines code; notebooks only import, build and display"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_executes_headless(name, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    notebook = nbformat.read(PATHS[name], as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(PATHS[name].parent)}},
    )
    client.execute()
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not any("Traceback" in str(o) for o in outputs)
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs), f"{name} shows no widget"
