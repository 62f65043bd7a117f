"""The review board's decision on a model: approve, approve with conditions, or reject."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from widgets._task import CoreView, shows_errors
from workbench.app.decisions import DecisionHistory, decision_history, record_decision
from workbench.review import Decision, StoredReview

DECISIONS = (
    ("Approve", Decision.APPROVE.value),
    ("Approve with conditions", Decision.CONDITIONS.value),
    ("Reject", Decision.REJECT.value),
)
MSG_RECORDED = "Recorded decision #{id}: {decision} by {reviewer}."


class ReviewForm(CoreView):
    """Record a decision on the model ``spec`` describes, with comments and conditions.

    *Record decision* makes one core call, :func:`workbench.app.decisions.record_decision`, which
    checks again, on the server, that a model is chosen and the form is complete; the stored
    review is ``recorded``. ``history`` lists the earlier decisions on this version of the
    model. ``store`` is a ``ReviewStore`` or where to open one (None: the default database).
    """

    # The store comes first: traits given to the constructor are set in this order, and a spec
    # set before the store would read the history from the default database.
    store = traitlets.Any(None, allow_none=True, help="ReviewStore, path or URL; None: default.")
    spec = traitlets.Any(None, allow_none=True, help="The ModelSpec under review.")
    recorded = traitlets.Any(None, allow_none=True, help="The last StoredReview recorded here.")
    history = traitlets.Any(None, allow_none=True, help="DecisionHistory of the model.")

    css_class = "wb-review-form"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        wide = ipywidgets.Layout(width="100%")
        self.reviewer = ipywidgets.Text(description="Reviewer", placeholder="your name")
        self.decision = ipywidgets.RadioButtons(options=DECISIONS, value=None)
        self.conditions = ipywidgets.Textarea(
            description="Conditions", placeholder="one condition per line", layout=wide
        )
        self.comment = ipywidgets.Textarea(
            description="Comment", placeholder="what the board found and why", layout=wide
        )
        self.record_button = ipywidgets.Button(
            description="Record decision", button_style="success", icon="check"
        )
        self.record_button.add_class("wb-record")
        self.history_view = ipywidgets.HTML()
        self.record_button.on_click(self.record)
        return (
            self.reviewer,
            self.decision,
            self.conditions,
            self.comment,
            self.record_button,
            self.status,
            self.history_view,
        )

    def record(self, _button: ipywidgets.Button | None = None) -> None:
        """Record the decision (the *Record decision* button)."""
        store, spec = self.store, self.spec
        fields = {
            "decision": self.decision.value or "",
            "reviewer": self.reviewer.value,
            "comment": self.comment.value,
            "conditions": self.conditions.value,
        }
        self._run(
            lambda: record_decision(store, spec, **fields),
            "recorded",
            working="Recording the decision…",
        )

    @traitlets.observe("recorded")
    def _confirm(self, change: dict[str, Any]) -> None:
        review: StoredReview | None = change["new"]
        if review is None:
            return
        self.comment.value = self.conditions.value = ""
        self.decision.value = None
        self._load_history()

    @traitlets.observe("spec", "store")
    @shows_errors
    def _load_history(self, change: dict[str, Any] | None = None) -> None:
        if change is not None and change["name"] == "spec":
            self.recorded = None
        self.history = None
        if self.spec is not None:
            self.history = decision_history(self.store, self.spec)

    @traitlets.observe("history")
    def _draw_history(self, change: dict[str, Any]) -> None:
        history: DecisionHistory | None = change["new"]
        parts = []
        if self.recorded is not None:
            review = self.recorded
            parts.append(
                '<p class="wb-recorded">'
                + _html.esc(
                    MSG_RECORDED.format(
                        id=review.id, decision=review.decision.value, reviewer=review.reviewer
                    )
                )
                + "</p>"
            )
        if history is not None:
            if history.stale:
                parts.append(f'<p class="wb-stale">{_html.esc(history.stale)}</p>')
            lines = [
                f"#{r.id} {r.created_at:%Y-%m-%d %H:%M} UTC, {r.reviewer}: {r.decision.value}"
                + (f" ({'; '.join(r.conditions)})" if r.conditions else "")
                + (f": {r.comment}" if r.comment else "")
                for r in history.reviews
            ]
            parts.append(
                '<p class="wb-line"><b>Decisions on this version of the model</b></p>'
                + (_html.items(lines) if lines else "<p>None yet.</p>")
            )
        self.history_view.value = "".join(parts)
