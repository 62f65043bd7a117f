"""A chat model's responses as outcomes: each response scored, and a binary outcome audited
like a classifier's decision, with the existing audit (groups, intersections, intervals,
robust breaches) and the evaluation data's label of which prompts needed it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError, DataError
from workbench.audit import DEFAULT_OPTIONS, AuditOptions, AuditResult, audit
from workbench.audit._result import records
from workbench.chat._scorers import BUILTIN_SCORERS, ResponseScorer, check_scorer_name
from workbench.models import GenerationSettings, GenerativeModel
from workbench.privacy import redact

MSG_NOT_GENERATIVE = (
    "a chat audit needs a generative model (a GenerativeModel, kind: generative); got {kind}"
)
MSG_NOT_FRAME = "data must be a pandas DataFrame of prompts; got {kind}"
MSG_NO_ROWS = "the data has no rows; there are no prompts to audit"
MSG_NO_COLUMN = "{role} column {column!r} is not in the data; its columns are {columns}"
MSG_NOT_01 = (
    "label column {column!r} must hold 0 or 1 per prompt (1: the prompt needed the outcome); "
    "found {values}"
)
MSG_UNKNOWN_OUTCOME = "unknown outcome {outcome!r}; the scorers are {choices}"
MSG_NOT_BINARY_OUTCOME = (
    "outcome {outcome!r} is a number, not yes/no ({description}); audit a binary scorer, such "
    "as {choices}"
)
MSG_EMPTY_GROUP = (
    "protected column {column!r} has {count} row(s) with a blank group (rows {rows}); fill them "
    "(e.g. with 'unknown') or drop those rows"
)
MSG_NO_PROTECTED = "name at least one protected column of the data in protected="
MSG_SCORERS = (
    "scorers must be ResponseScorer objects (a list, or a mapping of name to scorer); got {kind}"
)
MSG_SCORER_NAME_DIFFERS = "scorers maps {key!r} to a scorer named {name!r}; use its own name"
MSG_BAD_PROGRESS = "progress must be a function progress(done, total); got {kind}"
CLASSES = ("no", "yes")
# With progress, generation runs in about this many steps (each a whole number of batches).
PROGRESS_STEPS = 20
SHOWN_ROWS = 5


@dataclass(frozen=True, eq=False)
class ChatAuditResult:
    """A chat model's responses to evaluation prompts and the audit of one binary outcome.

    ``responses`` holds, per prompt, the prompt, the response, one column per scorer, the label
    column and the protected columns; ``audit`` is the group audit of ``outcome`` (the
    decision) against ``label`` (which prompts needed it), positive class ``yes``.
    """

    responses: pd.DataFrame
    audit: AuditResult
    outcome: str
    label: str
    settings: GenerationSettings
    model_name: str
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: generation settings, responses (prompts and responses redacted) and the
        audit; NaN becomes None."""
        return {
            "model": self.model_name,
            "fingerprint": self.fingerprint,
            "settings": self.settings.to_dict(),
            "outcome": self.outcome,
            "label": self.label,
            "responses": records(redacted_texts(self.responses)),
            "audit": self.audit.to_dict(),
        }


def resolve_scorers(
    scorers: Sequence[ResponseScorer] | Mapping[str, ResponseScorer] | None,
) -> dict[str, ResponseScorer]:
    """Scorers by name: the built-ins when ``scorers`` is None."""
    if scorers is None:
        return dict(BUILTIN_SCORERS)
    if isinstance(scorers, Mapping):
        pairs = list(scorers.items())
    elif isinstance(scorers, Sequence) and not isinstance(scorers, str):
        pairs = [(getattr(s, "name", None), s) for s in scorers]
    else:
        raise AuditError(MSG_SCORERS.format(kind=type(scorers).__name__))
    found: dict[str, ResponseScorer] = {}
    for key, scorer in pairs:
        if not isinstance(scorer, ResponseScorer):
            raise AuditError(MSG_SCORERS.format(kind=type(scorer).__name__))
        if key != scorer.name:
            raise AuditError(MSG_SCORER_NAME_DIFFERS.format(key=key, name=scorer.name))
        found[check_scorer_name(key)] = scorer
    return found


def outcome_scorer(scorers: Mapping[str, ResponseScorer], outcome: str) -> ResponseScorer:
    """The binary scorer named ``outcome``; unknown or numeric outcomes are an AuditError."""
    if outcome not in scorers:
        raise AuditError(MSG_UNKNOWN_OUTCOME.format(outcome=outcome, choices=list(scorers)))
    scorer = scorers[outcome]
    if not scorer.binary:
        binary = [name for name, s in scorers.items() if s.binary]
        raise AuditError(
            MSG_NOT_BINARY_OUTCOME.format(
                outcome=outcome, description=scorer.description, choices=binary
            )
        )
    return scorer


def score_responses(
    prompts: Sequence[str],
    responses: Sequence[str],
    *,
    scorers: Sequence[ResponseScorer] | Mapping[str, ResponseScorer] | None = None,
) -> pd.DataFrame:
    """One row per response: the prompt, the response and one column per scorer (default: the
    built-in scorers)."""
    chosen = resolve_scorers(scorers)
    frame = pd.DataFrame({"prompt": list(prompts), "response": list(responses)})
    for name, scorer in chosen.items():
        frame[name] = scorer.score(frame["prompt"].tolist(), frame["response"].tolist())
    return frame


def audit_responses(
    model: GenerativeModel,
    data: pd.DataFrame,
    *,
    outcome: str,
    label: str,
    protected: str | Sequence[str],
    text_column: str = "prompt",
    scorers: Sequence[ResponseScorer] | Mapping[str, ResponseScorer] | None = None,
    options: AuditOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], Any] | None = None,
) -> ChatAuditResult:
    """Generate a response to every prompt of ``data`` (once, batched), score them, and audit
    the binary ``outcome`` (a scorer's name) as the decision against ``label`` (a 0/1 column:
    the prompt needed it) over the ``protected`` columns, as ``options`` say. ``progress`` is
    called with (done, total) prompts as generation goes."""
    check_generative(model)
    chosen = resolve_scorers(scorers)
    outcome_scorer(chosen, outcome)
    attributes = [protected] if isinstance(protected, str) else list(protected)
    needed = _checked_data(data, label=label, protected=attributes, text_column=text_column)
    prompts = data[text_column].tolist()
    responses = generate_responses(model, prompts, progress=progress)
    frame = score_responses(prompts, responses, scorers=chosen)
    frame[label] = needed
    for attribute in attributes:
        if attribute not in frame.columns:
            frame[attribute] = data[attribute].to_numpy()
    result = audit_outcome(
        frame, outcome=outcome, needed=needed, protected=attributes, options=options
    )
    return ChatAuditResult(
        responses=frame,
        audit=dataclasses.replace(result, model_name=model.name, fingerprint=model.fingerprint),
        outcome=outcome,
        label=label,
        settings=model.settings,
        model_name=model.name,
        fingerprint=model.fingerprint,
    )


def audit_outcome(
    frame: pd.DataFrame,
    *,
    outcome: str,
    needed: np.ndarray,
    protected: Sequence[str],
    options: AuditOptions,
) -> AuditResult:
    """The existing audit of the 0/1 column ``outcome`` of ``frame`` as decisions, with
    ``needed`` (0/1 per row) as the truth and classes no/yes, positive class yes."""
    decided = frame[outcome].to_numpy(dtype=np.float64)
    return audit(
        np.column_stack([1.0 - decided, decided]),
        frame,
        label=np.where(np.asarray(needed) == 1, CLASSES[1], CLASSES[0]),
        protected=list(protected),
        classes=CLASSES,
        positive_class=CLASSES[1],
        options=options,
    )


def generate_responses(
    model: GenerativeModel, texts: list[str], *, progress: Callable[[int, int], Any] | None
) -> list[str]:
    """Every response in one ``generate`` call; with ``progress``, in about PROGRESS_STEPS calls
    of whole batches (the same batches as one call), reporting (done, total) after each."""
    if progress is None:
        return model.generate(texts)
    if not callable(progress):
        raise AuditError(MSG_BAD_PROGRESS.format(kind=type(progress).__name__))
    total = len(texts)
    progress(0, total)
    batches = math.ceil(total / model.batch_size)
    step = model.batch_size * max(1, math.ceil(batches / PROGRESS_STEPS))
    responses: list[str] = []
    for start in range(0, total, step):
        responses += model.generate(texts[start : start + step])
        progress(len(responses), total)
    return responses


def check_generative(model: Any) -> None:
    """An AuditError unless ``model`` is a generative model."""
    if not isinstance(model, GenerativeModel):
        kind = getattr(model, "kind", None)
        raise AuditError(
            MSG_NOT_GENERATIVE.format(kind=f"a {kind} model" if kind else type(model).__name__)
        )


def zero_one(values: Any, *, column: str) -> np.ndarray:
    """``values`` as an int array of 0/1, or a DataError naming ``column`` and what it found."""
    series = pd.Series(values)
    numeric = pd.to_numeric(series.astype(object).where(series.notna(), None), errors="coerce")
    bad = ~numeric.isin((0, 1))
    if bad.any():
        shown = sorted({str(v) for v in series[bad].tolist()})[:SHOWN_ROWS]
        raise DataError(MSG_NOT_01.format(column=column, values=shown))
    return numeric.to_numpy(dtype=np.int64)


def redacted_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text column of prompts and responses passed through PHI redaction."""
    columns = [c for c in frame.columns if "prompt" in str(c) or "response" in str(c)]
    texts = {
        column: [redact(v).text if isinstance(v, str) else v for v in frame[column]]
        for column in columns
    }
    return frame.assign(**texts)


def _checked_data(data: Any, *, label: str, protected: list[str], text_column: str) -> np.ndarray:
    """The 0/1 label of checked data: prompts, label and protected columns present, no blank
    groups."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(MSG_NOT_FRAME.format(kind=type(data).__name__))
    if data.empty:
        raise DataError(MSG_NO_ROWS)
    if not protected:
        raise DataError(MSG_NO_PROTECTED)
    columns = list(data.columns)
    roles = [("prompt", text_column), ("label", label)] + [("protected", p) for p in protected]
    for role, column in roles:
        if column not in data.columns:
            raise DataError(MSG_NO_COLUMN.format(role=role, column=column, columns=columns))
    for column in protected:
        values = data[column]
        blank = values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        if blank.any():
            rows = np.flatnonzero(blank)[:SHOWN_ROWS].tolist()
            raise DataError(
                MSG_EMPTY_GROUP.format(column=column, count=int(blank.sum()), rows=rows)
            )
    return zero_one(data[label], column=label)
