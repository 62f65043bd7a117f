"""The content of a report, assembled once from results computed elsewhere.

:func:`build_report` takes a model spec and whatever results there are (audit, explanations,
counterfactual swaps, mitigation, reviews) and returns a :class:`ReportContent`: every example
text in it is already redacted, the reviews are split into those of the current model version
and those of other versions, and the provenance is fixed. HTML and JSON are both rendered from
this one object, so they hold the same numbers.
"""

from __future__ import annotations

import dataclasses
import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench._errors import ReportError
from workbench.audit import AuditResult, CounterfactualResult
from workbench.data import file_sha256, read_table
from workbench.models import model_sha256
from workbench.privacy import redact
from workbench.report._chat import ChatSection, chat_section
from workbench.report._choose import group_name
from workbench.report._examples import Example, ShownExample, show_examples
from workbench.report._provenance import Provenance, collect_seeds, package_versions, platform_name
from workbench.review import ChainCheck, Review, model_changed_message
from workbench.spec import ModelSpec, load_spec

if TYPE_CHECKING:
    from workbench.audit import MitigationResult

MSG_UNREADABLE_CARD = "cannot read the model card {path}: {reason}"
MSG_NOT_REVIEW = "reviews must be workbench.review.Review records; item {number} is {kind}"
MSG_OTHER_MODEL = (
    "review {number} is of model {name!r}, not {expected!r}; pass only the reviews of this model"
)
MSG_RESULT_FOR_OTHER_VERSION = (
    "the {part} was computed with model version {used}, but the spec's files now hash to "
    "{current}: the {part} may not describe this version"
)
MSG_REDACTION_OFF = (
    "Redaction is off: example texts are shown exactly as in the data. Use this only for data "
    "known to hold no personal identifiers."
)
SHORT_SHA = 12
COUNTERFACTUAL_TEXT_COLUMNS = ("text", "counterfactual")


@dataclass(frozen=True)
class ModelSummary:
    """What the spec says about the model."""

    name: str
    kind: str
    framework: str
    classes: tuple[str, ...]
    positive_class: str
    description: str
    spec_path: str
    protected_attributes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        values = dataclasses.asdict(self)
        values["classes"] = list(self.classes)
        values["protected_attributes"] = list(self.protected_attributes)
        return values


@dataclass(frozen=True)
class DataSummary:
    """Size, columns, class counts and group counts of the evaluation data."""

    file: str
    rows: int
    columns: tuple[str, ...]
    label_column: str | None
    label_counts: Mapping[str, int]
    group_counts: Mapping[str, Mapping[str, int]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "file": self.file,
            "rows": self.rows,
            "columns": list(self.columns),
            "label_column": self.label_column,
            "label_counts": dict(self.label_counts),
            "group_counts": {name: dict(counts) for name, counts in self.group_counts.items()},
        }


@dataclass(frozen=True, eq=False)
class ReportContent:
    """Everything a report shows, with example texts redacted; render it with
    :func:`~workbench.report.write_html` and :func:`~workbench.report.write_json`.

    ``reviews`` are the reviews of the model version the report is about; ``other_reviews``
    those of other versions of its files, which do not cover it (``review_warning`` says so).
    ``review_chain`` is the check of the review database's hash chain when the reviews were
    read (its head pins the history the report saw), or ``None`` when no database was read.
    ``notes`` are plain-words caveats about the report as a whole; ``chat`` is a chatbot's
    audit (None for a classifier).
    """

    title: str
    model: ModelSummary
    model_card: str | None
    data: DataSummary | None
    audit: AuditResult | None
    examples: tuple[ShownExample, ...]
    counterfactual: CounterfactualResult | None
    mitigation: MitigationResult | None
    reviews: tuple[Review, ...]
    other_reviews: tuple[Review, ...]
    review_warning: str
    review_source: str | None
    review_chain: ChainCheck | None
    notes: tuple[str, ...]
    provenance: Provenance
    chat: ChatSection | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values: the results' own ``to_dict()``, NaN as None."""
        return clean(
            {
                "title": self.title,
                "provenance": self.provenance.to_dict(),
                "model": self.model.to_dict(),
                "model_card": self.model_card,
                "data": None if self.data is None else self.data.to_dict(),
                "audit": None if self.audit is None else self.audit.to_dict(),
                "examples": [example.to_dict() for example in self.examples],
                "counterfactual": (
                    None if self.counterfactual is None else self.counterfactual.to_dict()
                ),
                "mitigation": None if self.mitigation is None else self.mitigation.to_dict(),
                "chat": None if self.chat is None else self.chat.to_dict(),
                "reviews": {
                    "source": self.review_source,
                    "current": [review.as_dict() for review in self.reviews],
                    "other_versions": [review.as_dict() for review in self.other_reviews],
                    "warning": self.review_warning or None,
                    "chain": None if self.review_chain is None else self.review_chain.as_dict(),
                },
                "notes": list(self.notes),
            }
        )


def build_report(
    model_spec: str | Path | ModelSpec,
    *,
    data: str | Path | None = None,
    audit_result: AuditResult | None = None,
    examples: Sequence[Example] = (),
    counterfactual: CounterfactualResult | None = None,
    mitigation: MitigationResult | None = None,
    chat_outcome: Any = None,
    chat_counterfactual: Any = None,
    generation: Mapping[str, Any] | None = None,
    reviews: Sequence[Review] = (),
    review_source: str | None = None,
    review_chain: ChainCheck | None = None,
    seeds: Mapping[str, int] | None = None,
    redact_text: bool = True,
    notes: Sequence[str] = (),
    title: str | None = None,
    created_at: datetime | None = None,
) -> ReportContent:
    """Assemble a report on the model ``model_spec`` describes from results computed elsewhere.

    ``data`` is the evaluation data file (default: the spec's); ``reviews`` the reviews of this
    model (any version: those made for other versions of its files are listed apart, under a
    warning), ``review_chain`` the check of their database's hash chain. Every example text,
    table value and counterfactual message is redacted unless ``redact_text`` is false.
    ``seeds`` add to the seeds read from the results' parameters. A chatbot's report takes
    its outcome audit (``chat_outcome``, a :class:`workbench.chat.ChatAuditResult`) and
    counterfactual prompts (``chat_counterfactual``) and its ``generation`` settings, which
    go in the provenance with their seed; its prompts and responses are redacted likewise.
    """
    spec = load_spec(model_spec)
    current_sha = model_sha256(spec)
    file = Path(data) if data is not None else spec.data
    protected = audit_result.protected if audit_result is not None else spec.protected_attributes
    summary = None if file is None else summarize_data(read_table(file), spec, file, protected)
    current, other = _split_reviews(reviews, spec.name, current_sha)
    all_notes = [] if redact_text else [MSG_REDACTION_OFF]
    all_notes += _version_notes(
        current_sha,
        audit=audit_result,
        counterfactual=counterfactual,
        outcome_audit=chat_outcome,
        counterfactual_prompts=chat_counterfactual,
    )
    all_notes += [str(note) for note in notes]
    shown = show_examples(examples, redact_text=redact_text)
    explained = [example.params for example in shown]
    results = {
        "audit_bootstrap": None if audit_result is None else {"seed": audit_result.options.seed},
        "counterfactual_prompts_bootstrap": (
            None
            if chat_counterfactual is None
            else {"seed": chat_counterfactual.audit.options.seed}
        ),
        "mitigation": None if mitigation is None else mitigation.params,
        "generation": generation,
        **{f"explanation_{number}": params for number, params in enumerate(explained, start=1)},
    }
    provenance = Provenance(
        created_at=(created_at or datetime.now(UTC)).astimezone(UTC),
        spec_path=str(spec.path),
        model_sha256=current_sha,
        data_file=None if file is None else str(file.resolve()),
        data_sha256=None if file is None else file_sha256(file),
        packages=package_versions(),
        seeds=collect_seeds(results, seeds),
        platform=platform_name(),
        python=platform.python_version(),
        redaction=redact_text,
        generation=generation,
    )
    return ReportContent(
        title=title or f"Model report: {spec.name}",
        model=ModelSummary(
            name=spec.name,
            kind=spec.kind,
            framework=spec.framework,
            classes=spec.classes,
            positive_class=spec.positive_class,
            description=spec.description,
            spec_path=str(spec.path),
            protected_attributes=spec.protected_attributes,
        ),
        model_card=_model_card(spec),
        data=summary,
        audit=audit_result,
        examples=shown,
        counterfactual=(
            None
            if counterfactual is None
            else redact_counterfactual(counterfactual, enabled=redact_text)
        ),
        mitigation=mitigation,
        reviews=current,
        other_reviews=other,
        review_warning=(
            model_changed_message(list(other), current_sha256=current_sha) if other else ""
        ),
        review_source=review_source,
        review_chain=review_chain,
        notes=tuple(dict.fromkeys(all_notes)),
        provenance=provenance,
        chat=chat_section(chat_outcome, chat_counterfactual, redact_text=redact_text),
    )


def summarize_data(
    frame: pd.DataFrame, spec: ModelSpec, file: str | Path, protected: Sequence[str]
) -> DataSummary:
    """Rows, columns, true-class counts and the group counts of each ``protected`` column."""
    label = spec.label_column if spec.label_column in frame.columns else None
    label_counts = {} if label is None else _counts(frame[label])
    if label is not None:
        order = [name for name in spec.classes if name in label_counts]
        label_counts = {name: label_counts[name] for name in order + sorted(label_counts)}
    return DataSummary(
        file=str(Path(file).resolve()),
        rows=len(frame),
        columns=tuple(str(column) for column in frame.columns),
        label_column=label,
        label_counts=label_counts,
        group_counts={name: _counts(frame[name]) for name in protected if name in frame.columns},
    )


def redact_counterfactual(result: CounterfactualResult, *, enabled: bool) -> CounterfactualResult:
    """The result with the messages of the swaps that flip a decision redacted; the messages of
    the other swaps, which a report does not show, are dropped (left empty)."""
    if not enabled or result.swaps.empty:
        return result
    swaps = result.swaps.copy()
    flipped = swaps["flipped"].to_numpy(dtype=bool)
    for column in COUNTERFACTUAL_TEXT_COLUMNS:
        shown = swaps.loc[flipped, column]
        redacted = {text: redact(text).text for text in pd.unique(shown)}
        swaps[column] = ""
        swaps.loc[flipped, column] = shown.map(redacted)
    return dataclasses.replace(result, swaps=swaps)


def clean(value: Any) -> Any:
    """``value`` with NaN and infinities as None, numpy scalars as Python ones, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(key): clean(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [clean(inner) for inner in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _counts(column: pd.Series) -> dict[str, int]:
    counts = column.map(group_name).value_counts()
    return {str(name): int(counts[name]) for name in sorted(counts.index, key=str)}


def _model_card(spec: ModelSpec) -> str | None:
    if spec.model_card is None:
        return None
    try:
        return spec.model_card.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ReportError(MSG_UNREADABLE_CARD.format(path=spec.model_card, reason=reason)) from None


def _split_reviews(
    reviews: Sequence[Review], name: str, current_sha: str
) -> tuple[tuple[Review, ...], tuple[Review, ...]]:
    for number, review in enumerate(reviews, start=1):
        if not isinstance(review, Review):
            raise ReportError(MSG_NOT_REVIEW.format(number=number, kind=type(review).__name__))
        if review.model_name != name:
            raise ReportError(
                MSG_OTHER_MODEL.format(number=number, name=review.model_name, expected=name)
            )
    current = tuple(r for r in reviews if r.model_sha256 == current_sha)
    other = tuple(r for r in reviews if r.model_sha256 != current_sha)
    return current, other


def _version_notes(current_sha: str, **results: Any) -> list[str]:
    notes = []
    for part, result in results.items():
        used = None if result is None else result.fingerprint
        if used and used != current_sha:
            notes.append(
                MSG_RESULT_FOR_OTHER_VERSION.format(
                    part=part.replace("_", " "),
                    used=used[:SHORT_SHA],
                    current=current_sha[:SHORT_SHA],
                )
            )
    return notes
