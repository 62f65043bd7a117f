"""A dropdown of the bundled sample models, with a short summary of the selected one."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets
import traitlets

import workbench

_NO_MODELS = "No sample models were found."
_TH = '<th style="text-align: left; padding-right: 1em">'


class ModelPicker(ipywidgets.VBox):
    """Pick one of the bundled sample models and show a short summary of it.

    A thin view over two core calls: ``workbench.sample_model_specs()`` once, to list the
    models, and ``workbench.load_spec(path)`` each time a model is selected. ``spec`` holds
    the selected ``ModelSpec`` (``None`` when none is loaded) and ``error`` the message of the
    last ``WorkbenchError`` ('' when none); the summary is redrawn whenever either changes.
    """

    spec = traitlets.Any(None, allow_none=True, help="The selected workbench ModelSpec.")
    error = traitlets.Unicode("", help="Message of the last core error; '' when none.")

    def __init__(self, **kwargs: Any) -> None:
        self._paths: dict[str, Any] = {}
        self._dropdown = ipywidgets.Dropdown(description="Model", options=(), disabled=True)
        self._summary = ipywidgets.HTML()
        self._summary.add_class("wb-model-summary")
        super().__init__(children=(self._dropdown, self._summary), **kwargs)
        self.add_class("wb-model-picker")
        self._dropdown.observe(self._on_select, names="value")
        try:
            self._paths = workbench.sample_model_specs()
        except workbench.WorkbenchError as err:
            self.error = str(err)
            return
        self._dropdown.options = sorted(self._paths)
        self._dropdown.disabled = not self._paths
        if self._paths:
            self._dropdown.value = self._dropdown.options[0]
        else:
            self._redraw()

    def _on_select(self, change: dict[str, Any]) -> None:
        name = change["new"]
        if name is None:
            return
        with self.hold_trait_notifications():
            try:
                self.spec = workbench.load_spec(self._paths[name])
            except workbench.WorkbenchError as err:
                self.spec, self.error = None, str(err)
            else:
                self.error = ""

    @traitlets.observe("spec", "error")
    def _redraw(self, change: dict[str, Any] | None = None) -> None:
        if self.error:
            self._summary.value = f'<p class="wb-error">{html.escape(self.error)}</p>'
        elif self.spec is None:
            self._summary.value = f"<p>{_NO_MODELS}</p>" if not self._paths else ""
        else:
            self._summary.value = _summary_html(self.spec)


def _summary_html(spec: Any) -> str:
    """Render a ModelSpec as a small table and its description; every value is escaped."""
    rows = (
        ("Name", spec.name),
        ("Kind", spec.kind),
        ("Framework", spec.framework),
        ("Classes", ", ".join(spec.classes)),
        ("Positive class", spec.positive_class),
    )
    cells = "".join(
        f"<tr>{_TH}{label}</th><td>{html.escape(str(value))}</td></tr>" for label, value in rows
    )
    description = html.escape(spec.description)
    return f'<table class="wb-spec">{cells}</table><p class="wb-description">{description}</p>'
