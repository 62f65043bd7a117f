"""A message explained by a Captum method and by LIME, side by side, tokens highlighted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets
import numpy as np
import traitlets

from widgets import _html
from widgets._choices import MethodTargetView
from workbench.app.compare import SECOND_METHOD, ExplanationPair, explain_pair
from workbench.explain import METHODS, Explanation, applicable_methods
from workbench.presentation import completeness, direction, percent, shade, signed, text_colour
from workbench.privacy import redact

MSG_NO_TEXT_MODEL = "This view explains text models; {name} is a {kind} model."
# Rows of the table of the words that moved the score most, beside the highlighted text.
TOP_WORDS = 8


class TextAttributionView(MethodTargetView):
    """Explain ``text`` with ``method`` (a Captum method) and LIME, for class ``target``.

    One core call, :func:`workbench.app.compare.explain_pair`, per click of *Explain*; its
    :class:`~workbench.app.compare.ExplanationPair` is ``result``. Tokens are coloured on a
    diverging scale (red for the class, blue against); each side shows its faithfulness, and
    the two sides' agreement is shown below. ``method`` '' means the model's default and
    ``target`` '' the predicted class. A message picked from the data (:meth:`show_message`)
    is shown redacted and, while its text is not edited, explained as written: the message the
    model was audited on; the tokens of an identifier are shown as its tag.
    """

    model = traitlets.Any(None, allow_none=True, help="The text ModelAdapter to explain.")
    text = traitlets.Unicode("", help="The message to explain.")
    method = traitlets.Unicode("", help="Captum method name; '' for the model's default.")
    target = traitlets.Unicode("", help="Class to explain; '' for the predicted class.")
    result = traitlets.Any(None, allow_none=True, help="The last ExplanationPair, or None.")
    written = traitlets.Unicode("", help="The picked message as written; '' for none.")

    css_class = "wb-text-attribution"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.message = ipywidgets.Textarea(
            placeholder="Type a message, or pick one from the examples",
            layout=ipywidgets.Layout(width="100%", height="70px"),
        )
        choices = self._choice_row()
        self.first = ipywidgets.HTML()
        self.second = ipywidgets.HTML()
        self.scores = ipywidgets.HTML()
        for box in (self.first, self.second):
            box.add_class("wb-explanation")
            box.layout = ipywidgets.Layout(width="50%", padding="0 8px 0 0")
        traitlets.link((self.message, "value"), (self, "text"))
        return (
            self.message,
            choices,
            self.status,
            ipywidgets.HBox([self.first, self.second], layout=ipywidgets.Layout(width="100%")),
            self.scores,
        )

    def show_message(self, message: str) -> None:
        """Show a message from the data redacted; it is explained as written until edited."""
        self.written = message
        self.text = redact(message).text

    def explain(self, _button: ipywidgets.Button | None = None) -> None:
        """Explain ``text``, or the picked message as written while unedited (*Explain*)."""
        model, text = self.model, self.text
        if self.written and redact(self.written).text == text:
            text = self.written
        method, target = self.method or None, self.target or None
        self._run(
            lambda: explain_pair(model, text, method=method, target=target),
            "result",
            working="Explaining…",
        )

    def _note_new_model(self, model: Any) -> None:
        if model is not None and model.kind != "text":
            self.status.note(MSG_NO_TEXT_MODEL.format(name=model.name, kind=model.kind))
        else:
            self.status.clear()

    @traitlets.observe("result")
    def _draw(self, change: dict[str, Any]) -> None:
        pair: ExplanationPair | None = change["new"]
        if pair is None:
            self.first.value = self.second.value = self.scores.value = ""
            return
        self.first.value = explanation_html(pair.first, "Captum")
        self.second.value = explanation_html(pair.second, "LIME")
        agree = pair.agreement
        spearman = "undefined" if math.isnan(agree.spearman) else f"{agree.spearman:.2f}"
        parts = [
            f"<b>Agreement</b>: Spearman rank correlation {spearman}, top-{agree.k} overlap "
            f"{percent(agree.top_k_overlap)} ({_html.esc(agree.methods[0])} vs "
            f"{_html.esc(agree.methods[1])}).",
        ]
        if pair.redacted:
            kinds = ", ".join(dict.fromkeys(pair.redacted))
            parts.append(f"Identifiers replaced in what is shown: {_html.esc(kinds)}.")
        self.scores.value = "".join(f'<p class="wb-line">{p}</p>' for p in parts)

    def _methods(self) -> list[str]:
        if self.model is None or self.model.kind != "text":
            return []
        return [name for name in applicable_methods(self.model) if name != SECOND_METHOD]


def explanation_html(explanation: Explanation, library: str) -> str:
    """One explanation: heading, legend, highlighted tokens, faithfulness and notes."""
    label = METHODS[explanation.method].label
    source = f" <small>({library})</small>" if library != label else ""
    head = (
        f"<h3>{_html.esc(label)}{source}</h3>"
        f'<div class="wb-small">class <b>{_html.esc(explanation.target_name)}</b>, '
        f"probability {explanation.score:.3f}</div>"
    )
    features, attributions = explanation.features, explanation.attributions
    target = explanation.target_name
    body = (
        legend(target)
        + tokens(features, attributions, target)
        + top_words(features, attributions, target)
    )
    lines = []
    faith = explanation.faithfulness
    if faith is not None:
        lines.append(
            f"Faithfulness: comprehensiveness {faith.comprehensiveness:.3f} (higher is more "
            f"faithful), sufficiency {faith.sufficiency:.3f} (lower is more faithful)."
        )
    gap = completeness(explanation.completeness_gap)
    if gap is not None:
        lines.append(gap)
    lines += list(explanation.notes)
    marked = {gap} if explanation.completeness_exceeded else set()
    notes = "".join(
        f'<p class="wb-side-note{" wb-unreliable" if t in marked else ""}">{_html.esc(t)}</p>'
        for t in lines
    )
    return f'<div class="wb-side">{head}{body}{notes}</div>'


def tokens(features: Sequence[str], attributions: Sequence[float], target: str) -> str:
    """Tokens as spans coloured by their attribution, scaled to the largest |attribution|; each
    can take keyboard focus and names its word, signed value and direction (towards or away
    from ``target``) to assistive technology."""
    values = np.asarray(attributions, dtype=float)
    scale = float(np.max(np.abs(values))) if len(values) else 0.0
    spans = []
    for feature, value in zip(features, values):
        background = shade(value, scale)
        said = _html.esc(f"{feature}: {signed(value, 2)}, {direction(value, target)}")
        spans.append(
            f'<span class="wb-token" role="img" tabindex="0" aria-label="{said}" '
            f'title="{said}" data-attribution="{value:.6g}" '
            f'style="background-color: {background}; color: {text_colour(background)}">'
            f"{_html.esc(feature)}</span>"
        )
    return f'<div class="wb-tokens">{"".join(spans)}</div>'


def top_words(features: Sequence[str], attributions: Sequence[float], target: str) -> str:
    """The :data:`TOP_WORDS` tokens with the largest |attribution| as a table: word, signed
    value and direction, so the highlighting reads without colour."""
    values = np.asarray(attributions, dtype=float)
    order = np.argsort(-np.abs(values), kind="stable")[:TOP_WORDS]
    rows = "".join(
        f'<tr><th scope="row">{_html.esc(features[i])}</th>'
        f"<td>{_html.esc(signed(values[i], 3))}</td>"
        f"<td>{_html.esc(direction(values[i], target))}</td></tr>"
        for i in order
    )
    return (
        f'<table class="wb-table wb-top-words"><caption>Words that moved the score most '
        f'(class {_html.esc(target)})</caption><thead><tr><th scope="col">Word</th>'
        f'<th scope="col">Attribution</th><th scope="col">Direction</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def legend(target: str) -> str:
    """The colour scale's key: blue against ``target``, red for it."""
    return (
        f'<div class="wb-legend">against <b>{_html.esc(target)}</b>'
        f'<span class="wb-legend-bar"></span>for <b>{_html.esc(target)}</b></div>'
    )
