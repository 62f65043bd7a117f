"""Pick a listed model (or a model spec file) and read a summary of it and its card."""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path
from typing import Any

import ipywidgets
import traitlets

import workbench
from widgets._task import View
from workbench.app.catalog import (
    CatalogEntry,
    OpenedEntry,
    entry_for_spec,
    of_kinds,
    open_entry,
    served_models,
)
from workbench.app.modelcard import ModelCard, read_model_card

_NO_MODELS = "No models are listed."
# "True" in a Voila kernel that runs the notebook before its visitor arrives (pre-heated).
PREHEATED_ENV = "VOILA_PREHEAT"


class ModelPicker(View):
    """Pick one of the listed models, or load a spec file, and read its summary.

    A thin view over ``workbench.app.catalog``: ``models`` (catalog entries or spec paths; default
    ``served_models()``, the serve options or the bundled samples) lists the models, and
    ``open_entry`` loads one each time it is chosen; ``read_model_card`` reads its card each
    time ``spec`` changes. ``spec`` holds the chosen ``ModelSpec`` (``None`` when none is
    loaded), ``opened`` the chosen entry with its fingerprint, ``card`` its model card summary
    and ``error`` the message of the last ``WorkbenchError`` ('' when none). With ``allow_path``
    a text box loads any ``model.yaml``; leave it off in served apps, where people should choose
    only among the listed models. ``kinds`` (e.g. ``("generative",)``) lists only the models of
    those kinds (None: every model).

    The served list is read when the picker is built and, in a kernel that Voila pre-heats
    before its visitor arrives, read again (``relist``) when the visitor's page is requested,
    so a model registered meanwhile is listed on that page.
    """

    spec = traitlets.Any(None, allow_none=True, help="The selected workbench ModelSpec.")
    card = traitlets.Any(None, allow_none=True, help="The spec's ModelCard summary, or None.")
    error = traitlets.Unicode("", help="Message of the last core error; '' when none.")
    opened = traitlets.Any(None, allow_none=True, help="The chosen OpenedEntry, or None.")

    css_class = "wb-model-picker"

    def __init__(
        self,
        *,
        models: list[CatalogEntry | str | Path] | None = None,
        allow_path: bool = False,
        kinds: tuple[str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        self._entries: dict[str, CatalogEntry] = {}
        self._listing = False
        self.allow_path = allow_path
        self.kinds = kinds
        super().__init__(**kwargs)
        if models is None:
            self.relist()
            if os.environ.get(PREHEATED_ENV) == "True":
                threading.Thread(
                    target=self._relist_for_visitor, name="workbench-relist", daemon=True
                ).start()
        else:
            self._list([_entry(m) for m in models])

    def relist(self) -> None:
        """Read the served models again; the chosen one stays chosen while it is listed and
        its files are unchanged (same fingerprint)."""
        try:
            listed = served_models()
        except workbench.WorkbenchError as err:
            self._list([])
            self.error = str(err)
        else:
            self._list(listed)

    def _relist_for_visitor(self) -> None:
        from voila.utils import wait_for_request

        wait_for_request()
        self.relist()

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

    def _list(self, listed: list[CatalogEntry]) -> None:
        if self.kinds is not None:
            listed = of_kinds(listed, self.kinds)
        entries: dict[str, CatalogEntry] = {}
        for entry in listed:
            entries[_unique(entry.name, entries)] = entry
        chosen, opened = self.dropdown.value, self.opened
        kept = (
            opened is not None
            and entries.get(chosen) == opened.entry
            and _fingerprint(opened.entry) == opened.fingerprint
        )
        self._entries = entries
        self._listing = True  # ipywidgets selects the first option when the options change
        try:
            self.dropdown.options = list(entries)
            self.dropdown.value = chosen if kept else next(iter(entries), None)
        finally:
            self._listing = False
        self.dropdown.disabled = not entries
        if not kept:
            # Through None: a changed model's new spec may equal the old one, which traitlets
            # would not report, and the app would keep the old model loaded.
            self.opened, self.spec = None, None
            self._choose(self.dropdown.value)

    def _on_select(self, change: dict[str, Any]) -> None:
        if not self._listing:
            self._choose(change["new"])

    def _choose(self, name: str | None) -> None:
        if name is None:
            with self.hold_trait_notifications():
                self.opened, self.spec, self.error = None, None, ""
            self._redraw()
            return
        with self.hold_trait_notifications():
            try:
                self.opened = open_entry(self._entries[name])
            except workbench.WorkbenchError as err:
                self.opened, self.spec, self.error = None, None, str(err)
            else:
                self.spec, self.error = self.opened.spec, ""

    def _on_load(self, _button: ipywidgets.Button | None = None) -> None:
        # Checked here, not by hiding the box: a page can send a click over the widget comm.
        if self.allow_path:
            self._load(self.path.value.strip())

    def _load(self, path: Any) -> None:
        with self.hold_trait_notifications():
            self.opened = None
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

    @traitlets.observe("spec", "card", "error", "opened")
    def _redraw(self, change: dict[str, Any] | None = None) -> None:
        if self.error:
            self.summary.value = f'<p class="wb-error">{html.escape(self.error)}</p>'
        elif self.spec is None:
            self.summary.value = f"<p>{_NO_MODELS}</p>" if not self._entries else ""
        else:
            listed = _listing_html(self.opened) if self.opened is not None else ""
            self.summary.value = listed + _summary_html(self.spec) + _card_html(self.card)


def _entry(model: CatalogEntry | str | Path) -> CatalogEntry:
    return model if isinstance(model, CatalogEntry) else entry_for_spec(model)


def _fingerprint(entry: CatalogEntry) -> str | None:
    """The entry's fingerprint now, or None if it can no longer be opened."""
    try:
        return open_entry(entry).fingerprint
    except workbench.WorkbenchError:
        return None


def _unique(name: str, taken: dict[str, CatalogEntry]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... when another listed model has it."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _listing_html(opened: OpenedEntry) -> str:
    """The owner, version note and fingerprint of the listed model under review."""
    rows = (
        ("Owner", opened.entry.owner),
        ("Version", opened.entry.version),
        ("Fingerprint", opened.fingerprint[:12]),
    )
    cells = "".join(
        f"<tr><th>{label}</th><td>{html.escape(value)}</td></tr>" for label, value in rows if value
    )
    return f'<table class="wb-listing">{cells}</table>'


def _summary_html(spec: Any) -> str:
    """Render a ModelSpec as a small table (without the rows a chatbot has no value for:
    classes, positive class) and its description; every value is escaped."""
    rows = (
        ("Name", spec.name),
        ("Kind", spec.kind),
        ("Framework", spec.framework),
        ("Classes", ", ".join(spec.classes)),
        ("Positive class", spec.positive_class),
    )
    cells = "".join(
        f"<tr><th>{label}</th><td>{html.escape(str(value))}</td></tr>"
        for label, value in rows
        if value or label == "Name"
    )
    description = html.escape(spec.description)
    return f'<table class="wb-spec">{cells}</table><p class="wb-description">{description}</p>'


def _card_html(card: ModelCard | None) -> str:
    """The card's opening paragraphs, then each summary section as a bullet list."""
    if card is None:
        return '<p class="wb-card">This model has no model card.</p>'
    parts = [f'<div class="wb-card"><h3>{html.escape(card.title)}</h3>']
    parts += [f"<p>{html.escape(text)}</p>" for text in card.summary]
    for heading, points in card.sections:
        bullets = "".join(f"<li>{html.escape(point)}</li>" for point in points)
        parts.append(
            f"<details open><summary><b>{html.escape(heading)}</b></summary><ul>{bullets}</ul>"
            "</details>"
        )
    return "".join(parts) + "</div>"
