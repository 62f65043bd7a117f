"""The chatbot review's steps: open a generative model with its evaluation prompts, audit its
responses (outcome rates by group and counterfactual prompts), read the findings, explain a
response, and export the report, as plain Python shared by the chatbot app and its tests.

:func:`open_chat_subject` loads a spec's generative model and prompts; :func:`outcome_audit`
and :func:`counterfactual_audit` run :func:`workbench.chat.audit_responses` and
:func:`workbench.chat.prompt_counterfactuals`, reporting progress with the time left;
:func:`chat_run` turns their results into findings with the classifier audit's own
:func:`~workbench.app.findings.findings`; :func:`explain_chat_response` explains which words
of a prompt drove its response; :func:`chat_report` writes the self-contained report.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench._errors import AuditError, DataError, ExplanationError, ReportError
from workbench.app.catalog import (
    MSG_OPERATOR_LOAD_FAILED,
    MSG_VISITOR_LOAD_FAILED,
    OpenedEntry,
    is_generative,
)
from workbench.app.catalog import log as operator_log
from workbench.app.decisions import Store, opened_store
from workbench.app.export import ReportFile
from workbench.app.findings import Finding, findings
from workbench.audit import DEFAULT_OPTIONS, AuditOptions
from workbench.data import read_table
from workbench.explain import Explanation
from workbench.models import GenerativeModel
from workbench.privacy import redact
from workbench.report import Example, build_report, render_html, shown_pairs
from workbench.spec import ModelSpec, load_spec

if TYPE_CHECKING:
    from workbench.chat import ChatAuditResult, PromptCounterfactualResult

DEFAULT_OUTCOME = "refers_to_crisis"
SHOWN_PAIRS = 5
MSG_NOT_GENERATIVE = (
    "{name} is a {kind} model; the chatbot audit reviews generative models (kind: generative)"
)
MSG_NO_DATA = "model spec {path} names no data file of evaluation prompts"
MSG_NO_TEXT_COLUMN = "model spec {path} names no text_column, the column of prompts"
MSG_MISSING_COLUMN = "the prompts have no {role} column {column!r}; their columns are {columns}"
MSG_NO_MODEL = "choose a chatbot first"
MSG_UNKNOWN_OUTCOME = "unknown outcome {outcome!r}; choose one of {choices}"
MSG_NO_NEED = (
    "the outcome audit of {outcome!r} needs a column saying which prompts needed it; the "
    "spec's needs names one for: {needed}"
)
MSG_NO_PROTECTED = "the spec names no protected_attributes, so there is nothing to compare"
MSG_UNKNOWN_PERSONAS = "unknown persona categories {unknown}; choose from {choices}"
MSG_NO_PERSONAS = "choose at least one persona category for the counterfactual audit"
MSG_NO_PROMPT = "type a prompt, or pick one of the evaluation prompts, to explain its response"
MSG_NOTHING_YET = "run an audit or explain a response first; the report would be empty"
MSG_PROGRESS = "{step}: {done:,} of {total:,} prompts, {left}"
MSG_STARTING = "{step}: {total:,} prompts…"
MSG_OUTCOME_HEAD = "Outcome audit of '{outcome}' on {prompts:,} evaluation prompts:"
MSG_COUNTERFACTUAL_HEAD = (
    "Counterfactual prompts ({categories}): {variants:,} variants of {prompts:,} prompts, "
    "outcome '{outcome}':"
)
MSG_PAIRED = (
    "Largest paired difference: for the same prompt, writing as {category} = {group} changes "
    "the rate of '{outcome}' by {difference:+.2f} against {reference} "
    "({confidence}% interval {low:+.2f} to {high:+.2f}, {count} prompts)."
)
MSG_NO_PAIRED = "No paired difference could be measured (no prompt had two variants)."
PAIRED_CONFIDENCE = 95
PROGRESS_EVERY_S = 0.5
Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class ChatSubject:
    """A generative model with its evaluation prompts.

    ``data`` holds the prompts (``text_column``), the protected groups and, for each outcome
    in ``needs`` (outcome -> column), whether a prompt needed it (0/1); ``scorers`` are the
    built-in scorers and the spec's own, by name (empty: the built-ins).
    """

    model: GenerativeModel
    data: pd.DataFrame
    text_column: str
    protected: tuple[str, ...]
    needs: Mapping[str, str] = field(default_factory=dict)
    scorers: Mapping[str, Any] = field(default_factory=dict)
    spec: ModelSpec | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The model's name."""
        return self.model.name

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes the outcome audit can check: those the spec's ``needs`` names."""
        return tuple(self.needs)

    def prompts(self) -> list[str]:
        """The evaluation prompts, unredacted."""
        return self.data[self.text_column].astype(str).tolist()


@dataclass(frozen=True, eq=False)
class ChatAuditRun:
    """The chatbot's audits so far and what they found, in plain words, most important first."""

    outcome: ChatAuditResult | None
    counterfactual: PromptCounterfactualResult | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True, eq=False)
class ExplainedResponse:
    """A prompt's response and which words of the prompt drove it.

    ``prompt`` and ``response`` are shown redacted (``redacted`` names the identifier kinds
    removed); ``explanation`` shows an identifier's words as its tag.
    """

    prompt: str
    response: str
    redacted: tuple[str, ...]
    explanation: Explanation


def open_chat_subject(
    spec: str | Path | ModelSpec, *, data: str | Path | None = None
) -> ChatSubject:
    """Load the generative model and the evaluation prompts a spec names (or ``data``, a file
    with the same columns), with the spec's scorers."""
    from workbench.chat import scorers_from_spec
    from workbench.models import load_model

    spec = load_spec(spec)
    if not is_generative(spec):
        raise DataError(MSG_NOT_GENERATIVE.format(name=spec.name, kind=spec.kind))
    file = Path(data) if data is not None else spec.data
    if file is None:
        raise DataError(MSG_NO_DATA.format(path=spec.path))
    if not spec.text_column:
        raise DataError(MSG_NO_TEXT_COLUMN.format(path=spec.path))
    frame = read_table(file).reset_index(drop=True)
    roles = [
        ("prompt", spec.text_column),
        *(("protected attribute", name) for name in spec.protected_attributes),
        *(("needs", column) for column in spec.needs.values()),
    ]
    for role, column in roles:
        if column not in frame.columns:
            raise DataError(
                MSG_MISSING_COLUMN.format(role=role, column=column, columns=list(frame.columns))
            )
    return ChatSubject(
        model=load_model(spec),
        data=frame,
        text_column=spec.text_column,
        protected=spec.protected_attributes,
        needs=dict(spec.needs),
        scorers=scorers_from_spec(spec),
        spec=spec,
    )


def open_listed_chat_subject(opened: OpenedEntry) -> ChatSubject:
    """:func:`open_chat_subject` for a listed model; a failure is logged and the visitor told
    plainly."""
    try:
        return open_chat_subject(opened.spec)
    except Exception as err:  # any failure of a team's model: log it, keep the app working
        entry = opened.entry
        operator_log.error(
            MSG_OPERATOR_LOAD_FAILED.format(name=entry.name, spec=entry.spec, problem=err)
        )
        raise DataError(MSG_VISITOR_LOAD_FAILED) from err


def timed_progress(
    show: Callable[[str], None], step: str, *, clock: Callable[[], float] = time.monotonic
) -> Progress:
    """A ``progress(done, total)`` callback that shows ``step``, the prompts done and the time
    left (from the pace so far), at most every half second and always at the end."""
    started = clock()
    last = [-math.inf]

    def progress(done: int, total: int) -> None:
        now = clock()
        if done < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        show(progress_text(step, done=done, total=total, elapsed_s=now - started))

    return progress


def progress_text(step: str, *, done: int, total: int, elapsed_s: float) -> str:
    """``step``, the prompts done of ``total`` and the time left at the pace so far."""
    if done <= 0 or total <= 0:
        return MSG_STARTING.format(step=step, total=total)
    left_s = elapsed_s / done * max(total - done, 0)
    return MSG_PROGRESS.format(step=step, done=done, total=total, left=_time_left(left_s))


def outcome_audit(
    subject: ChatSubject | None,
    *,
    outcome: str = DEFAULT_OUTCOME,
    options: AuditOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> ChatAuditResult:
    """Generate a response to every evaluation prompt, score it, and audit the rate of
    ``outcome`` by group among the prompts that needed it (the spec's ``needs`` column)."""
    from workbench.chat import audit_responses

    subject = _chosen(subject)
    if outcome not in subject.needs:
        needed = ", ".join(subject.needs) or "no outcome"
        raise AuditError(MSG_NO_NEED.format(outcome=outcome, needed=needed))
    if not subject.protected:
        raise AuditError(MSG_NO_PROTECTED)
    model = subject.model if progress is None else _Reporting(subject.model, progress)
    return audit_responses(
        model,
        subject.data,
        outcome=outcome,
        label=subject.needs[outcome],
        protected=list(subject.protected),
        text_column=subject.text_column,
        scorers=_scorers(subject),
        options=options,
    )


def persona_categories() -> tuple[str, ...]:
    """The categories of the shipped persona lines (gender, age...), in their file's order."""
    from workbench.chat import persona_lines

    return tuple(persona_lines())


def counterfactual_audit(
    subject: ChatSubject | None,
    *,
    personas: Sequence[str] | None = None,
    outcome: str = DEFAULT_OUTCOME,
    options: AuditOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> PromptCounterfactualResult:
    """Prepend each persona line of the ``personas`` categories (default: all) to every
    evaluation prompt, generate and score the responses, and compare the rate of ``outcome``
    between personas on the same prompts."""
    from workbench.chat import prompt_counterfactuals

    subject = _chosen(subject)
    categories = persona_categories()
    personas = categories if personas is None else tuple(personas)
    if not personas:
        raise AuditError(MSG_NO_PERSONAS)
    unknown = [name for name in personas if name not in categories]
    if unknown:
        raise AuditError(MSG_UNKNOWN_PERSONAS.format(unknown=unknown, choices=list(categories)))
    needs = subject.needs.get(outcome)
    return prompt_counterfactuals(
        subject.model,
        subject.prompts(),
        personas=list(personas),
        scorers=_scorers(subject),
        outcome=outcome,
        needs=None if needs is None else subject.data[needs].to_numpy(),
        options=options,
        progress=progress,
    )


def chat_run(
    *,
    outcome: ChatAuditResult | None = None,
    counterfactual: PromptCounterfactualResult | None = None,
) -> ChatAuditRun:
    """The audits' findings: each audit's breaches in the classifier audit's own words
    (:func:`~workbench.app.findings.findings`), and the largest paired difference."""
    found: list[Finding] = []
    if outcome is not None:
        prompts = len(outcome.responses)
        found.append(
            Finding("info", MSG_OUTCOME_HEAD.format(outcome=outcome.outcome, prompts=prompts))
        )
        found += findings(outcome.audit)
    if counterfactual is not None:
        variants = counterfactual.variants
        head = MSG_COUNTERFACTUAL_HEAD.format(
            categories=", ".join(dict.fromkeys(variants["category"].astype(str))),
            variants=len(variants),
            prompts=counterfactual.prompts,
            outcome=counterfactual.outcome,
        )
        found.append(Finding("info", head))
        found += findings(counterfactual.audit)
        found.append(paired_finding(counterfactual))
    return ChatAuditRun(outcome=outcome, counterfactual=counterfactual, findings=tuple(found))


def paired_finding(result: PromptCounterfactualResult) -> Finding:
    """The persona whose paired difference on the same prompts is largest, in one sentence; a
    warning when its interval excludes zero."""
    paired = result.paired.dropna(subset=["mean_difference"])
    if paired.empty:
        return Finding("info", MSG_NO_PAIRED)
    row = paired.loc[paired["mean_difference"].abs().idxmax()]
    low, high = float(row["ci_low"]), float(row["ci_high"])
    certain = not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)
    return Finding(
        "warning" if certain else "info",
        MSG_PAIRED.format(
            category=row["category"],
            group=row["group"],
            outcome=result.outcome,
            difference=float(row["mean_difference"]),
            reference=row["reference"],
            confidence=PAIRED_CONFIDENCE,
            low=low,
            high=high,
            count=int(row["prompts"]),
        ),
    )


def most_different_pairs(
    result: PromptCounterfactualResult, *, count: int = SHOWN_PAIRS
) -> pd.DataFrame:
    """The prompt pairs whose responses differ most, side by side, every text redacted, as
    the report shows them."""
    return shown_pairs(result, count=count)


def explain_chat_response(
    subject: ChatSubject | None,
    prompt: str,
    *,
    span: str | None = None,
    method: str | None = None,
) -> ExplainedResponse:
    """Which words of ``prompt`` drove the chatbot's response to it (or the part ``span`` of
    the response): :func:`workbench.chat.explain_response`, shown redacted."""
    subject = _chosen(subject)
    if not str(prompt).strip():
        raise ExplanationError(MSG_NO_PROMPT)
    from workbench.app.compare import MSG_EXPLAINED_REDACTED, shown_explanation
    from workbench.chat import explain_response

    response = subject.model.generate([prompt])[0]
    settings: dict[str, Any] = {"span": span} if span else {}
    if method:
        settings["method"] = method
    explanation = explain_response(subject.model, prompt, **settings)
    shown = shown_explanation(prompt, explanation)
    redacted = redact(prompt)
    if shown is None:  # an identifier's words cannot be matched: explain the redacted prompt
        fallback = explain_response(subject.model, redacted.text, **settings)
        shown = dataclasses.replace(fallback, notes=(*fallback.notes, MSG_EXPLAINED_REDACTED))
    return ExplainedResponse(
        prompt=redacted.text,
        response=redact(response).text,
        redacted=tuple(kind.value for kind in redacted.kinds),
        explanation=shown,
    )


def chat_report(
    subject: ChatSubject | None,
    *,
    run: ChatAuditRun | None = None,
    explained: ExplainedResponse | None = None,
    store: Store = None,
) -> ReportFile:
    """The report of a chatbot review: the model and its generation settings, the outcome
    audit, the counterfactual prompts, the explained response and every decision recorded on
    the model in ``store``. Prompts and responses are redacted."""
    if subject is None or subject.spec is None:
        raise ReportError(MSG_NO_MODEL)
    outcome = None if run is None else run.outcome
    counterfactual = None if run is None else run.counterfactual
    if outcome is None and counterfactual is None and explained is None:
        raise ReportError(MSG_NOTHING_YET)
    examples = []
    if explained is not None:
        examples.append(
            Example(
                explanation=explained.explanation,
                text=explained.prompt,
                reason=f"Response: {explained.response}",
                redactions=explained.redacted,
            )
        )
    with opened_store(store) as opened:
        reviews = opened.history(model_name=subject.spec.name)
        chain = opened.verify()
    audit_result = outcome.audit if outcome is not None else None
    content = build_report(
        subject.spec,
        audit_result=audit_result,
        examples=examples,
        chat_outcome=outcome,
        chat_counterfactual=counterfactual,
        generation=subject.model.settings.to_dict(),
        reviews=reviews,
        review_chain=chain,
        title=f"Chatbot report: {subject.spec.name}",
    )
    stamp = content.provenance.created_at.strftime("%Y%m%dT%H%M%SZ")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"report_{subject.spec.name}_{stamp}.html")
    return ReportFile(name=name, html=render_html(content))


def _chosen(subject: ChatSubject | None) -> ChatSubject:
    if subject is None:
        raise AuditError(MSG_NO_MODEL)
    return subject


def _scorers(subject: ChatSubject) -> Mapping[str, Any] | None:
    """The subject's scorers, or None (the built-ins) when it names none."""
    return subject.scorers or None


def _time_left(seconds: float) -> str:
    if seconds < 1:
        return "almost done"
    if seconds < 60:
        return f"about {math.ceil(seconds)} s left"
    minutes, rest = divmod(round(seconds), 60)
    return f"about {minutes} min {rest:02d} s left"


class _Reporting(GenerativeModel):
    """A generative model's stand-in that reports its prompts done after each batch."""

    def __init__(self, model: GenerativeModel, progress: Progress) -> None:
        super().__init__(model.info, batch_size=model.batch_size)
        self.framework, self.limits = model.framework, model.limits
        self._model, self._progress = model, progress
        self._done = self._total = 0

    def generate(self, prompts: Sequence[str]) -> list[str]:
        """The model's responses, reporting progress after each batch."""
        self._done, self._total = 0, len(prompts)
        self._progress(0, self._total)
        return super().generate(prompts)

    def _generate_batch(self, prompts: list[str]) -> list[str]:
        responses = self._model.generate(prompts)
        self._done += len(prompts)
        self._progress(self._done, self._total)
        return responses
