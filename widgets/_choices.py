"""The method and target-class choice shared by the attribution views."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets._task import CoreView
from workbench.explain import METHODS

PREDICTED = "predicted class"


class MethodTargetView(CoreView):
    """A view with ``method_box`` and ``target_box`` whose ``method`` and ``target`` traits are
    checked against the model: subclasses define ``model``, ``method``, ``target``, the trait
    named by ``result_trait`` (what *Explain* shows), ``_methods()`` and ``explain()``."""

    result_trait = "result"

    def _choice_row(self) -> ipywidgets.HBox:
        """Make the method and class boxes and the *Explain* button; return them as one row."""
        self.method_box = ipywidgets.Dropdown(description="Method", options=[("default", "")])
        self.target_box = ipywidgets.Dropdown(description="Class", options=[(PREDICTED, "")])
        self.explain_button = ipywidgets.Button(
            description="Explain", button_style="primary", icon="search"
        )
        self.explain_button.add_class("wb-explain")
        self.method_box.observe(lambda c: setattr(self, "method", c["new"]), names="value")
        self.target_box.observe(lambda c: setattr(self, "target", c["new"]), names="value")
        self.explain_button.on_click(self.explain)
        return ipywidgets.HBox([self.method_box, self.target_box, self.explain_button])

    @traitlets.validate("method")
    def _valid_method(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and value not in self._methods():
            raise traitlets.TraitError(f"method {value!r} does not apply to this model")
        return value

    @traitlets.validate("target")
    def _valid_target(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and (self.model is None or value not in self.model.class_names):
            raise traitlets.TraitError(f"{value!r} is not a class of this model")
        return value

    @traitlets.observe("method")
    def _show_method(self, change: dict[str, Any]) -> None:
        self.method_box.value = change["new"]

    @traitlets.observe("target")
    def _show_target(self, change: dict[str, Any]) -> None:
        self.target_box.value = change["new"]

    @traitlets.observe("model")
    def _new_model(self, change: dict[str, Any]) -> None:
        """Clear the choices and the result, then offer the new model's methods and classes."""
        model = change["new"]
        with self.hold_trait_notifications():
            self.method = self.target = ""
            setattr(self, self.result_trait, None)
        self._offer_choices(model)
        self._note_new_model(model)

    def _note_new_model(self, model: Any) -> None:
        """Anything more a subclass shows for a new model (nothing by default)."""

    def _offer_choices(self, model: Any) -> None:
        """Fill the method and class boxes for ``model`` (None: defaults only)."""
        self.method_box.options = [("default", "")] + [
            (METHODS[name].label, name) for name in self._methods()
        ]
        classes = model.class_names if model is not None else ()
        self.target_box.options = [(PREDICTED, "")] + [(name, name) for name in classes]
