"""A review board's decision as a form gives it: checked, hashed and recorded in one call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from workbench._errors import ReviewError, ReviewStoreError
from workbench.app.catalog import log as operator_log
from workbench.models import model_sha256
from workbench.review import (
    MAX_COMMENT_CHARS,
    MAX_REVIEWER_CHARS,
    ChainCheck,
    Review,
    StoredReview,
    check_conditions,
    check_length,
)
from workbench.review import model_changed_message as _changed
from workbench.spec import ModelSpec, load_spec

if TYPE_CHECKING:
    from workbench.review import ReviewStore

MSG_NO_MODEL = "choose a model before recording a decision"
MSG_NO_DECISION = "choose a decision: approve, approve with conditions, or reject"
MSG_VISITOR_STORE_FAILED = (
    "Decisions cannot be recorded or shown right now; the server's operator has been told."
)
MSG_OPERATOR_STORE_FAILED = "review decisions are unavailable to the app: {problem}"
Store: TypeAlias = "ReviewStore | str | Path | None"


@dataclass(frozen=True)
class DecisionHistory:
    """The reviews of the current version of a model, oldest first, a note on reviews of
    other versions ('' when there are none), and the check of the whole history's hash chain."""

    reviews: tuple[StoredReview, ...]
    stale: str
    chain: ChainCheck


def record_decision(
    store: Store,
    spec: str | Path | ModelSpec | None,
    *,
    decision: str,
    reviewer: str,
    comment: str = "",
    conditions: str = "",
) -> StoredReview:
    """Record a decision on the model ``spec`` describes; ``conditions`` has one per line.

    ``store`` is a :class:`ReviewStore`, or where to open one (None: the default database).
    Raises :class:`ReviewError` when no model is chosen or the form is incomplete (no decision,
    no reviewer, no condition for 'conditions', conditions on 'approve').
    """
    if spec is None:
        raise ReviewError(MSG_NO_MODEL)
    if not decision:
        raise ReviewError(MSG_NO_DECISION)
    check_lengths(reviewer=reviewer, comment=comment, conditions=conditions)
    lines = _condition_lines(conditions)
    review = Review.for_spec(
        spec, decision=decision, reviewer=reviewer, comment=str(comment).strip(), conditions=lines
    )
    with opened_store(store) as opened:
        return opened.record(review)


def check_lengths(*, reviewer: str, comment: str, conditions: str) -> None:
    """Refuse a form field longer than its limit (conditions: one per line), naming the limit.

    The form calls this as the text is typed; :func:`record_decision` again before recording.
    """
    check_length("reviewer name", str(reviewer).strip(), MAX_REVIEWER_CHARS)
    check_length("comment", str(comment).strip(), MAX_COMMENT_CHARS)
    check_conditions(_condition_lines(conditions))


def decision_history(store: Store, spec: str | Path | ModelSpec) -> DecisionHistory:
    """Reviews of the current version of the model ``spec`` describes, read from the store now,
    and the check of the history's hash chain."""
    from workbench.review import check_current  # SQLAlchemy loads with the first decision

    spec = load_spec(spec)
    current = model_sha256(spec)
    with opened_store(store) as opened:
        stale = check_current(opened, spec)
        reviews = tuple(opened.history(current))
        chain = opened.verify()
    return DecisionHistory(
        reviews=reviews,
        stale=_changed(stale, current_sha256=current) if stale else "",
        chain=chain,
    )


def _condition_lines(conditions: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in str(conditions).splitlines() if line.strip())


@contextmanager
def opened_store(store: Store) -> Iterator[ReviewStore]:
    """``store`` itself, or a store opened on it for the duration (and closed after).

    When the database cannot be opened, read or written, the operator's log gets the reason,
    with the place and what to do; the error raised says only :data:`MSG_VISITOR_STORE_FAILED`
    (an app's visitors must not see server paths or operator instructions).
    """
    from workbench.review import ReviewStore  # SQLAlchemy loads with the first decision

    try:
        if isinstance(store, ReviewStore):
            yield store
            return
        with ReviewStore(store) as opened:
            yield opened
    except ReviewStoreError as err:
        operator_log.error(MSG_OPERATOR_STORE_FAILED.format(problem=err))
        raise ReviewError(MSG_VISITOR_STORE_FAILED) from err
