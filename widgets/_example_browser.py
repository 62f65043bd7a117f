"""Browse a subject's examples by group, true class, prediction and error; pick one."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets._task import CoreView, set_options, shows_errors
from workbench.app.browse import OUTCOMES, ExamplePage, example_input, filter_examples

ANY = "any"
SNIPPET = 110
PRECOMPUTED = "precomputed"
OUTCOME_LABELS = {"all": "all", "errors": "errors only", "correct": "correct only"}


class ExampleBrowser(CoreView):
    """Filter the examples of ``subject`` and pick one.

    Every filter change makes one core call, :func:`workbench.app.browse.filter_examples`, whose
    :class:`~workbench.app.browse.ExamplePage` is ``page`` (the first match is picked); picking a
    row makes one call,
    :func:`workbench.app.browse.example_input`, whose result (the message as written, never
    shown here, or a one-row table) is ``example``. Rows whose explanations the explanation
    store holds are marked *precomputed* (they show at once). Filters are ``attribute`` and
    ``group`` ('' for any), ``label`` and ``prediction`` ('' for any) and ``outcome`` (all,
    errors, correct).
    """

    subject = traitlets.Any(None, allow_none=True, help="The workbench Subject to browse.")
    attribute = traitlets.Unicode("", help="Protected attribute to filter on; '' for none.")
    group = traitlets.Unicode("", help="Group of ``attribute`` to show; '' for any.")
    label = traitlets.Unicode("", help="True class to show; '' for any.")
    prediction = traitlets.Unicode("", help="Predicted class to show; '' for any.")
    outcome = traitlets.Enum(OUTCOMES, default_value="all", help="all, errors or correct.")
    page = traitlets.Any(None, allow_none=True, help="The matching ExamplePage, or None.")
    selected = traitlets.Int(-1, help="Row of the picked example in the data; -1 for none.")
    example = traitlets.Any(None, allow_none=True, help="The picked example's model input.")

    css_class = "wb-example-browser"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.attribute_box = ipywidgets.Dropdown(description="Attribute", options=[(ANY, "")])
        self.group_box = ipywidgets.Dropdown(description="Group", options=[(ANY, "")])
        self.label_box = ipywidgets.Dropdown(description="True class", options=[(ANY, "")])
        self.prediction_box = ipywidgets.Dropdown(description="Predicted", options=[(ANY, "")])
        self.outcome_box = ipywidgets.ToggleButtons(
            options=[(OUTCOME_LABELS[o], o) for o in OUTCOMES], value="all"
        )
        self.outcome_box.style.button_width = "100px"
        self.count = ipywidgets.HTML()
        self.list = ipywidgets.Select(
            description="Examples", options=[], rows=10, layout=ipywidgets.Layout(width="100%")
        )
        self.list.add_class("wb-examples")
        for box, name in (
            (self.attribute_box, "attribute"),
            (self.group_box, "group"),
            (self.label_box, "label"),
            (self.prediction_box, "prediction"),
            (self.outcome_box, "outcome"),
        ):
            traitlets.link((box, "value"), (self, name))
        self.list.observe(self._pick, names="value")
        return (
            ipywidgets.HBox([self.attribute_box, self.group_box]),
            ipywidgets.HBox([self.label_box, self.prediction_box]),
            self.outcome_box,
            self.count,
            self.list,
            self.status,
        )

    @traitlets.observe("subject")
    def _new_subject(self, change: dict[str, Any]) -> None:
        subject = change["new"]
        classes = subject.model.class_names if subject is not None else ()
        protected = subject.protected if subject is not None else ()
        with self.hold_trait_notifications():
            self.attribute = self.group = self.label = self.prediction = ""
            self.outcome = "all"
        self.attribute_box.options = [(ANY, "")] + [(a, a) for a in protected]
        self.label_box.options = [(ANY, "")] + [(c, c) for c in classes]
        self.prediction_box.options = [(ANY, "")] + [(c, c) for c in classes]
        self._filter()

    @traitlets.observe("attribute")
    def _groups(self, change: dict[str, Any]) -> None:
        groups = self.subject.groups.get(change["new"], ()) if self.subject is not None else ()
        self.group = ""
        self.group_box.options = [(ANY, "")] + [(g, g) for g in groups]

    @traitlets.observe("group", "label", "prediction", "outcome")
    @shows_errors
    def _filter(self, _change: dict[str, Any] | None = None) -> None:
        if self.subject is None:
            self.page = None
            return
        self.page = filter_examples(
            self.subject,
            attribute=self.attribute or None,
            group=self.group or None,
            label=self.label or None,
            prediction=self.prediction or None,
            outcome=self.outcome,
        )
        self.status.clear()

    @traitlets.observe("page")
    def _list(self, change: dict[str, Any]) -> None:
        page: ExamplePage | None = change["new"]
        if page is None:
            self.count.value = ""
            self.list.options = []
            self.selected = -1
            return
        shown = len(page.rows)
        stored = int(page.rows["precomputed"].sum())
        self.count.value = (
            f'<p class="wb-line">{page.total} matching example(s)'
            + (f", the first {shown} shown" if shown < page.total else "")
            + (f", {stored} of them {PRECOMPUTED}" if stored else "")
            + ".</p>"
        )
        self.selected = -1
        set_options(self.list, [(_option(row, i), int(i)) for i, row in page.rows.iterrows()])
        self.selected = -1 if self.list.value is None else int(self.list.value)

    def _pick(self, change: dict[str, Any]) -> None:
        self.selected = -1 if change["new"] is None else int(change["new"])

    @traitlets.observe("selected")
    @shows_errors
    def _example(self, change: dict[str, Any]) -> None:
        row = change["new"]
        self.example = None
        if row >= 0 and self.subject is not None:
            self.example = example_input(self.subject, row)


def _option(row: Any, index: Any) -> str:
    """One line of the list: row number, true -> predicted (mark if wrong), whether its
    explanation is precomputed, the text."""
    mark = "✓" if row["correct"] else "✗"
    stored = f" · {PRECOMPUTED}" if row["precomputed"] else ""
    text = str(row["text"])
    if len(text) > SNIPPET:
        text = text[: SNIPPET - 1] + "…"
    return (
        f"#{index} {mark} {row['label']} → {row['prediction']} ({row['score']:.2f}){stored}"
        f" · {text}"
    )
