"""A model whose own code raises: the views show the same one-paragraph message as the command
line, never a traceback."""

from __future__ import annotations

from widgets import TextAttributionView
from workbench.models import CallableAdapter, ModelInfo
from workbench.models._base import MSG_MODEL_RAISED


def _raising(texts):
    raise ZeroDivisionError("division by zero in the triage rules")


def test_the_view_shows_the_models_own_error_as_one_paragraph():
    info = ModelInfo(name="raising", kind="text", class_names=("routine", "urgent"))
    view = TextAttributionView(
        model=CallableAdapter(_raising, info), text="I wrote a goodbye note", threaded=False
    )
    view.explain_button.click()
    assert view.error == MSG_MODEL_RAISED.format(
        model="raising",
        kind="ZeroDivisionError",
        step="predict_proba",
        text="division by zero in the triage rules",
        hint="",
    )
    assert "Traceback" not in view.status.value and "raising" in view.status.value
