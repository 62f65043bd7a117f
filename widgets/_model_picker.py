"""Pick a bundled sample model (or a model spec file) and read a summary of it and its card."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets
import traitlets

import workbench
from widgets._task import View
from workbench.app.modelcard import ModelCard, read_model_card

_NO_MODELS = "No sample models were found."


class ModelPicker(View):
    """Pick one of the bundled sample models, or load a spec file, and read its summary.

    A thin view over ``workbench.sample_model_specs()`` (once, to list the models),
    ``workbench.load_spec`` (each time a model is chosen) and ``read_model_card`` (each time
    ``spec`` changes). ``spec`` holds the chosen ``ModelSpec`` (``None`` when none is loaded),
    ``card`` its model card summary and ``error`` the message of the last ``WorkbenchError``
    ('' when none). With ``allow_path`` a text box loads any ``model.yaml``; leave it off in
    served apps, where people should choose only among the bundled models.
    """

    spec = traitlets.Any(None, allow_none=True, help="The selected workbench ModelSpec.")
    card = traitlets.Any(None, allow_none=True, help="The spec's ModelCard summary, or None.")
    error = traitlets.Unicode("", help="Message of the last core error; '' when none.")

    css_class = "wb-model-picker"

    def __init__(self, *, allow_path: bool = False, **kwargs: Any) -> None:
        self._paths: dict[str, Any] = {}
        self.allow_path = allow_path
        super().__init__(**kwargs)
        try:
            self._paths = workbench.sample_model_specs()
        except workbench.WorkbenchError as err:
            self.error = str(err)
            return
        self.dropdown.options = sorted(self._paths)
        self.dropdown.disabled = not self._paths
        if self._paths:
            self.dropdown.value = self.dropdown.options[0]
        else:
            self._redraw()

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.dropdown = ipywidgets.Dropdown(description="Model", options=(), disabled=True)
        self.path = ipywidgets.Text(
            placeholder="path/to/model.yaml", description="Spec file", continuous_update=False
        )
        self.load_button = ipywidgets.Button(description="Load spec", icon="folder-open")
        self.summary = ipywidgets.HTML()
        self.summary.add_class("wb-model-summary")
        self.dropdown.observe(self._on_select, names="value")
        self.load_button.on_click(self._on_load)
        paths = (ipywidgets.HBox([self.path, self.load_button]),) if self.allow_path else ()
        return (self.dropdown, *paths, self.summary)

    def _on_select(self, change: dict[str, Any]) -> None:
        name = change["new"]
        if name is not None:
            self._load(self._paths[name])

    def _on_load(self, _button: ipywidgets.Button | None = None) -> None:
        # Checked here, not by hiding the box: a page can send a click over the widget comm.
        if self.allow_path:
            self._load(self.path.value.strip())

    def _load(self, path: Any) -> None:
        with self.hold_trait_notifications():
            try:
                self.spec = workbench.load_spec(path)
            except workbench.WorkbenchError as err:
                self.spec, self.error = None, str(err)
            else:
                self.error = ""

    @traitlets.observe("spec")
    def _read_card(self, change: dict[str, Any]) -> None:
        try:
            self.card = None if change["new"] is None else read_model_card(change["new"])
        except workbench.WorkbenchError as err:
            self.card, self.error = None, str(err)

    @traitlets.observe("spec", "card", "error")
    def _redraw(self, change: dict[str, Any] | None = None) -> None:
        if self.error:
            self.summary.value = f'<p class="wb-error">{html.escape(self.error)}</p>'
        elif self.spec is None:
            self.summary.value = f"<p>{_NO_MODELS}</p>" if not self._paths else ""
        else:
            self.summary.value = _summary_html(self.spec) + _card_html(self.card)


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
        f"<tr><th>{label}</th><td>{html.escape(str(value))}</td></tr>" for label, value in rows
    )
    description = html.escape(spec.description)
    return f'<table class="wb-spec">{cells}</table><p class="wb-description">{description}</p>'


def _card_html(card: ModelCard | None) -> str:
    """The card's opening paragraphs, then each summary section as a bullet list."""
    if card is None:
        return '<p class="wb-card">This model has no model card.</p>'
    parts = [f'<div class="wb-card"><h4>{html.escape(card.title)}</h4>']
    parts += [f"<p>{html.escape(text)}</p>" for text in card.summary]
    for heading, points in card.sections:
        bullets = "".join(f"<li>{html.escape(point)}</li>" for point in points)
        parts.append(
            f"<details open><summary><b>{html.escape(heading)}</b></summary><ul>{bullets}</ul>"
            "</details>"
        )
    return "".join(parts) + "</div>"
