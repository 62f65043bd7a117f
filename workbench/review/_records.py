"""A reviewer's decision on one version of a model, tied to the model's and data's SHA-256."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from workbench._errors import DataError, ReviewError
from workbench.data import file_sha256
from workbench.models import model_sha256
from workbench.review._names import REVIEW_DECISIONS
from workbench.spec import ModelSpec, load_spec

Decision = StrEnum(
    "Decision", [(value.upper(), value) for value in REVIEW_DECISIONS], module=__name__
)
Decision.__doc__ = "What a reviewer decided about a model: approve, conditions or reject."


MSG_MODEL_CHANGED = (
    "{count} review(s) of model {name!r} were made for other versions of its files "
    "(sha256 {hashes}); they do not apply to the current version {current}, which needs "
    "its own review"
)
MSG_UNKNOWN_DECISION = "unknown decision {value!r}; use one of {choices}"
MSG_EMPTY_REVIEWER = "a review needs the reviewer's name; got an empty name"
MSG_EMPTY_MODEL_NAME = "a review needs the name of the model it is about"
MSG_EMPTY_SPEC_PATH = "a review needs the path of the model's spec file"
MSG_CONDITIONS_REQUIRED = (
    "decision 'conditions' (approve with conditions) needs at least one condition "
    "(command line: --condition TEXT, once per condition)"
)
MSG_CONDITIONS_ON_APPROVE = (
    "decision 'approve' takes no conditions; to approve with conditions use decision 'conditions'"
)
MSG_EMPTY_CONDITION = "condition {number} is empty; write each condition as text"
MSG_BAD_SHA256 = "{field} must be a SHA-256 hex digest (64 characters 0-9, a-f); got {value!r}"
MSG_NAIVE_TIME = "created_at must carry a time zone (UTC); got {value}"
MSG_NO_DATA_FILE = "data file not found: {file}; give the evaluation data the review is about"
MSG_TOO_LONG = "The {field} is {length:,} characters; the limit is {limit:,}."
MSG_CONDITION_TOO_LONG = "Condition {number} is {length:,} characters; the limit is {limit:,}."
MSG_TOO_MANY_CONDITIONS = "There are {count:,} conditions; the limit is {limit:,}."

# Limits on the free text of a review, kept small because every visitor's page shows the
# history: a name, a comment of about a page, and a short list of one-paragraph conditions.
MAX_REVIEWER_CHARS = 200
MAX_COMMENT_CHARS = 4_000
MAX_CONDITION_CHARS = 1_000
MAX_CONDITIONS = 20

_SHA256 = re.compile(r"[0-9a-f]{64}")


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Review:
    """A reviewer's decision on the model whose files hash to ``model_sha256``.

    ``decision`` may be given as text; names and conditions are stripped of outer spaces.
    """

    decision: Decision
    reviewer: str
    model_name: str
    model_sha256: str
    spec_path: str
    dataset_sha256: str | None = None
    comment: str = ""
    conditions: tuple[str, ...] = ()
    created_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        try:
            decision = Decision(self.decision)
        except ValueError:
            choices = [d.value for d in Decision]
            raise ReviewError(
                MSG_UNKNOWN_DECISION.format(value=self.decision, choices=choices)
            ) from None
        reviewer = str(self.reviewer).strip()
        if not reviewer:
            raise ReviewError(MSG_EMPTY_REVIEWER)
        check_length("reviewer name", reviewer, MAX_REVIEWER_CHARS)
        check_length("comment", str(self.comment), MAX_COMMENT_CHARS)
        if not str(self.model_name).strip():
            raise ReviewError(MSG_EMPTY_MODEL_NAME)
        if not str(self.spec_path).strip():
            raise ReviewError(MSG_EMPTY_SPEC_PATH)
        _check_sha256("model_sha256", self.model_sha256)
        if self.dataset_sha256 is not None:
            _check_sha256("dataset_sha256", self.dataset_sha256)
        conditions = tuple(str(condition).strip() for condition in self.conditions)
        check_conditions(conditions)
        for number, condition in enumerate(conditions, start=1):
            if not condition:
                raise ReviewError(MSG_EMPTY_CONDITION.format(number=number))
        if decision is Decision.CONDITIONS and not conditions:
            raise ReviewError(MSG_CONDITIONS_REQUIRED)
        if decision is Decision.APPROVE and conditions:
            raise ReviewError(MSG_CONDITIONS_ON_APPROVE)
        if self.created_at.tzinfo is None:
            raise ReviewError(MSG_NAIVE_TIME.format(value=self.created_at.isoformat()))
        object.__setattr__(self, "decision", decision)
        object.__setattr__(self, "reviewer", reviewer)
        object.__setattr__(self, "model_name", str(self.model_name).strip())
        object.__setattr__(self, "spec_path", str(self.spec_path))
        object.__setattr__(self, "conditions", conditions)
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))

    @classmethod
    def for_spec(
        cls,
        spec: str | Path | ModelSpec,
        *,
        decision: Decision | str,
        reviewer: str,
        comment: str = "",
        conditions: Sequence[str] = (),
        data: str | Path | None = None,
    ) -> Review:
        """A review of the model a spec file describes, hashed now (weights are not loaded).

        The dataset hash is of ``data`` if given, else of the spec's own data file, if any.
        """
        spec = load_spec(spec)
        data_file = Path(data) if data is not None else spec.data
        if data_file is not None and not data_file.is_file():
            raise DataError(MSG_NO_DATA_FILE.format(file=data_file))
        return cls(
            decision=decision,
            reviewer=reviewer,
            model_name=spec.name,
            model_sha256=model_sha256(spec),
            spec_path=str(spec.path),
            dataset_sha256=None if data_file is None else file_sha256(data_file),
            comment=comment,
            conditions=tuple(conditions),
        )

    def as_dict(self) -> dict[str, Any]:
        """The review as JSON-ready values (time as ISO 8601 UTC)."""
        return {
            "decision": self.decision.value,
            "reviewer": self.reviewer,
            "model_name": self.model_name,
            "model_sha256": self.model_sha256,
            "spec_path": self.spec_path,
            "dataset_sha256": self.dataset_sha256,
            "comment": self.comment,
            "conditions": list(self.conditions),
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, kw_only=True)
class StoredReview(Review):
    """A review as kept in the store: its place in the history (``id``, from 1) and its link in
    the hash chain (``previous_hash``, ``record_hash``; see :mod:`workbench.review._ledger`)."""

    id: int
    previous_hash: str
    record_hash: str

    def as_dict(self) -> dict[str, Any]:
        """The review, its ``id`` and its chain hashes as JSON-ready values."""
        return {
            "id": self.id,
            **super().as_dict(),
            "previous_hash": self.previous_hash,
            "record_hash": self.record_hash,
        }


def check_length(name: str, value: str, limit: int) -> None:
    """Refuse ``value`` (the ``name`` field) when it is longer than ``limit`` characters."""
    if len(value) > limit:
        raise ReviewError(MSG_TOO_LONG.format(field=name, length=len(value), limit=limit))


def check_conditions(conditions: Sequence[str]) -> None:
    """Refuse more than :data:`MAX_CONDITIONS` conditions, or one that is too long."""
    if len(conditions) > MAX_CONDITIONS:
        raise ReviewError(
            MSG_TOO_MANY_CONDITIONS.format(count=len(conditions), limit=MAX_CONDITIONS)
        )
    for number, condition in enumerate(conditions, start=1):
        if len(condition) > MAX_CONDITION_CHARS:
            raise ReviewError(
                MSG_CONDITION_TOO_LONG.format(
                    number=number, length=len(condition), limit=MAX_CONDITION_CHARS
                )
            )


def _check_sha256(name: str, value: Any) -> None:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ReviewError(MSG_BAD_SHA256.format(field=name, value=value))


def model_changed_message(stale: list[StoredReview], *, current_sha256: str) -> str:
    """A plain sentence saying that ``stale`` reviews were for other versions of the model."""
    hashes = ", ".join(sorted({review.model_sha256[:12] for review in stale}))
    return MSG_MODEL_CHANGED.format(
        count=len(stale), name=stale[0].model_name, hashes=hashes, current=current_sha256[:12]
    )
