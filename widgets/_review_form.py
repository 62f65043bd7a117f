"""The review board's decision on a model: approve, approve with conditions, or reject."""

from __future__ import annotations

from typing import Any

import anywidget
import ipywidgets
import traitlets

from widgets import _html
from widgets._task import CoreView, shows_errors
from workbench import ReviewError
from workbench.app.decisions import (
    DecisionHistory,
    check_lengths,
    decision_history,
    record_decision,
)
from workbench.review import (
    MAX_COMMENT_CHARS,
    MAX_CONDITION_CHARS,
    MAX_CONDITIONS,
    MAX_REVIEWER_CHARS,
    Decision,
    StoredReview,
)

DECISIONS = (
    ("Approve", Decision.APPROVE.value),
    ("Approve with conditions", Decision.CONDITIONS.value),
    ("Reject", Decision.REJECT.value),
)
MSG_RECORDED = "Recorded decision #{id}: {decision} by {reviewer}."
SHOWN_EVENT = {"event": "shown"}


class ShownSignal(anywidget.AnyWidget):
    """Draws nothing; each time a page draws it, it sends :data:`SHOWN_EVENT` to the kernel.

    A kernel made ready before anyone opened the page (Voila's preheated kernel) learns this
    way when its page is actually shown, and can read what changed since it started.
    """

    _esm = traitlets.Unicode(
        "export default { render({ model }) { model.send({ event: 'shown' }); } };"
    ).tag(sync=True)


class ReviewForm(CoreView):
    """Record a decision on the model ``spec`` describes, with comments and conditions.

    *Record decision* makes one core call, :func:`workbench.app.decisions.record_decision`, which
    checks again, on the server, that a model is chosen and the form is complete and within its
    limits; the stored review is ``recorded``. ``history`` lists the earlier decisions on this
    version of the model and says whether the history's hash chain is intact; it is read again
    when the model or store changes, after each recording, and each time a page shows the form
    (so a preheated kernel never shows the history as it was when it started). ``store`` is a
    ``ReviewStore`` or where to open one (None: the default database).
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
        self.reviewer = ipywidgets.Text(
            description="Reviewer",
            placeholder=f"your name (up to {MAX_REVIEWER_CHARS:,} characters)",
        )
        self.decision = ipywidgets.RadioButtons(
            options=DECISIONS, value=None, description="Decision"
        )
        self.conditions = ipywidgets.Textarea(
            description="Conditions",
            placeholder=f"one condition per line (up to {MAX_CONDITIONS} conditions of "
            f"{MAX_CONDITION_CHARS:,} characters each)",
            layout=wide,
        )
        self.comment = ipywidgets.Textarea(
            description="Comment",
            placeholder=f"what the board found and why (up to {MAX_COMMENT_CHARS:,} characters)",
            layout=wide,
        )
        self.record_button = ipywidgets.Button(
            description="Record decision", button_style="success", icon="check"
        )
        self.record_button.add_class("wb-record")
        self.limit_note = ipywidgets.HTML()
        self.history_view = ipywidgets.HTML()
        self.shown = ShownSignal()
        self.record_button.on_click(self.record)
        for box in (self.reviewer, self.conditions, self.comment):
            box.observe(self._check_lengths, names="value")
        self.shown.on_msg(self._on_page_shown)
        return (
            self.reviewer,
            self.decision,
            self.conditions,
            self.comment,
            self.limit_note,
            self.record_button,
            self.status,
            self.history_view,
            self.shown,
        )

    def _check_lengths(self, _change: dict[str, Any] | None = None) -> None:
        """Say which field is over its limit as it is typed, and hold the button until it fits."""
        try:
            check_lengths(
                reviewer=self.reviewer.value,
                comment=self.comment.value,
                conditions=self.conditions.value,
            )
        except ReviewError as err:
            self.limit_note.value = f'<p class="wb-error">{_html.esc(str(err))}</p>'
            self.record_button.disabled = True
        else:
            self.limit_note.value = ""
            self.record_button.disabled = False

    def _on_page_shown(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if content == SHOWN_EVENT:
            self._load_history()

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
            chain_class = "wb-chain-intact" if history.chain.intact else "wb-error wb-chain-broken"
            parts.append(f'<p class="{chain_class}">{_html.esc(history.chain.message)}</p>')
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

