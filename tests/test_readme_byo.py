"""The README's "Bring your own model" examples run: every block headed ``# folder/file`` is
written out, the weights are built beside it (tests/byo_models.py), and each model loads,
scores its data, passes ``workbench check`` and explains a message; every spec key is
documented."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from byo_models import EXAMPLE_BUILDERS, MESSAGES

import workbench
from workbench.cli import main
from workbench.explain import explain
from workbench.spec import _OPTIONAL, _REQUIRED

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Bring your own model"
BLOCK = re.compile(r"```(?:yaml|python)\n# (?P<path>[\w/.]+)\n(?P<body>.*?)```", re.DOTALL)
KEY_ROW = re.compile(r"^\| `(\w+)` \|", re.MULTILINE)


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _files() -> dict[str, dict[str, str]]:
    """Folder name to {file name: text} of every headed block of the section."""
    folders: dict[str, dict[str, str]] = {}
    for block in BLOCK.finditer(_section()):
        folder, _, name = block["path"].partition("/")
        folders.setdefault(folder, {})[name] = f"# {block['path']}\n{block['body']}"
    return folders


def test_the_section_has_one_example_per_framework():
    folders = _files()
    assert sorted(folders) == sorted(EXAMPLE_BUILDERS)
    frameworks = {yaml.safe_load(files["model.yaml"])["framework"] for files in folders.values()}
    assert frameworks == {"torch", "transformers", "sklearn", "callable"}


def test_every_spec_key_is_documented():
    documented = KEY_ROW.findall(_section())
    assert sorted(documented) == sorted(_REQUIRED + _OPTIONAL)


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    for folder, files in _files().items():
        (root / folder).mkdir()
        for name, text in files.items():
            (root / folder / name).write_text(text, encoding="utf-8")
        EXAMPLE_BUILDERS[folder](root / folder)
    return root


@pytest.mark.parametrize("folder", sorted(EXAMPLE_BUILDERS))
def test_each_example_loads_scores_checks_and_explains(folder, examples, capsys):
    spec_path = examples / folder / "model.yaml"
    model = workbench.load_model(spec_path)
    data = workbench.load_dataset(spec_path)
    assert set(data["label"]) == {"routine", "urgent"}
    scores = model.predict_proba(data["text"])
    assert scores.shape == (len(MESSAGES), 2)
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert main(["check", "--model", str(spec_path)]) == 0
    assert "tokenizer: " in capsys.readouterr().out
    params = {"method": "ig"} if model.differentiable else {"method": "lime", "n_samples": 50}
    explanation = explain(model, MESSAGES[0][0], cache=None, **params)
    assert len(explanation.features) > 0


def test_the_torch_examples_function_tokenizer_scores_as_its_tokenizers_file(examples, tmp_path):
    folder = tmp_path / "function"
    shutil.copytree(examples / "triage_torch", folder)
    spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    spec.update(tokenizer="own_tokenize.py:encode", pad_id=0)
    (folder / "model.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    texts = [text for text, _, _ in MESSAGES]
    by_file = workbench.load_model(examples / "triage_torch" / "model.yaml")
    by_function = workbench.load_model(folder / "model.yaml")
    assert abs(by_function.predict_proba(texts) - by_file.predict_proba(texts)).max() < 1e-6
    assert by_function.tokenizer.tokens("I feel hopeless")[:3] == ["i", "feel", "hopeless"]


def test_the_audit_of_an_example_reads_labels_through_label_map(examples, tmp_path):
    spec_path = examples / "triage_sklearn" / "model.yaml"
    argv = ["audit", "--model", str(spec_path), "--bootstrap", "0"]
    assert main([*argv, "--json", str(tmp_path / "a.json")]) == 0
    overall = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["overall"][0]
    assert overall["size"] == len(MESSAGES)
    assert overall["base_rate"] == sum(label for _, label, _ in MESSAGES) / len(MESSAGES)
    # The pipeline was fitted on 0/1 labels; label_map lines its columns up with the names.
    assert overall["accuracy"] == 1.0
