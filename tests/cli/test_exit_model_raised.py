"""Exit code 3 when the model's own code raises, for every verb that runs the model, with a
one-paragraph message; --debug adds the traceback."""

from __future__ import annotations

import pytest

from workbench.cli import main
from workbench.cli._common import EXIT_BAD_INPUT, EXIT_MODEL_RAISED
from workbench.models._base import MSG_MODEL_RAISED

RAISING_MODEL = """
def predict_proba(texts):
    raise ZeroDivisionError("division by zero in the\\n  triage rules")
"""
MESSAGE = MSG_MODEL_RAISED.format(
    model="raising",
    kind="ZeroDivisionError",
    step="predict_proba",
    text="division by zero in the triage rules",
    hint="",
)


@pytest.fixture
def raising_spec(spec_writer):
    path = spec_writer(
        name="raising",
        kind="text",
        framework="callable",
        entry="rules.py:predict_proba",
        classes=["routine", "urgent"],
        positive_class="urgent",
        data="messages.csv",
        text_column="text",
        label_column="label",
        protected_attributes=["gender"],
    )
    (path.parent / "rules.py").write_text(RAISING_MODEL, encoding="utf-8")
    rows = ["text,label,gender"] + [
        f"message {i},{('routine', 'urgent')[i % 2]},{('f', 'm')[i % 3 == 0]}" for i in range(12)
    ]
    (path.parent / "messages.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _verbs(spec, tmp_path):
    return {
        "check": ["check", "--model", str(spec)],
        "explain": [
            "explain",
            "--model",
            str(spec),
            "--text",
            "I wrote a goodbye note",
            "--method",
            "lime",
            "--json",
            str(tmp_path / "e.json"),
        ],
        "audit": ["audit", "--model", str(spec), "--bootstrap", "0", "--json", "-"],
        "report": ["report", "--model", str(spec), "--out", str(tmp_path / "r.html")],
    }


@pytest.mark.parametrize("verb", ["check", "explain", "audit", "report"])
def test_every_verb_exits_3_with_one_paragraph(verb, raising_spec, tmp_path, capsys):
    assert main(_verbs(raising_spec, tmp_path)[verb]) == EXIT_MODEL_RAISED
    err = capsys.readouterr().err
    # The report's progress bar may come first, on lines of its own.
    assert err.splitlines()[-1] == f"workbench: error: {MESSAGE}"
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_adds_the_traceback_of_the_models_code(where, raising_spec, tmp_path, capsys):
    check = _verbs(raising_spec, tmp_path)["check"]
    argv = ["--debug", *check] if where == "before" else [*check, "--debug"]
    assert main(argv) == EXIT_MODEL_RAISED
    err = capsys.readouterr().err
    assert "Traceback" in err and "rules.py" in err and "ZeroDivisionError" in err
    assert err.endswith(f"workbench: error: {MESSAGE}\n")


def test_bad_input_still_exits_2(raising_spec, capsys):
    assert main(["check", "--model", str(raising_spec.parent / "none.yaml")]) == EXIT_BAD_INPUT
    assert "Traceback" not in capsys.readouterr().err
