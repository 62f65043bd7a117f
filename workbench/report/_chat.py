"""A chatbot audit as a report shows it: outcome rates by group with their intervals, the
counterfactual prompts' rates and paired differences, and the prompt pairs whose responses
differ most, side by side, with every prompt and response redacted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.privacy import redact

if TYPE_CHECKING:
    from workbench.chat import ChatAuditResult, PromptCounterfactualResult

SHOWN_PAIRS = 5
# The outcome audit audits the binary outcome as the class "yes" (the response has it).
OUTCOME_CLASS = "yes"
# Per group: the share of all its prompts whose response has the outcome, and the share of
# those that needed it (true positive rate), each with its confidence interval.
OUTCOME_RATES = (("selection_rate", "rate"), ("tpr", "rate_when_needed"))
# The most different pairs as shown side by side: the persona's prompt and response, then its
# reference's, and how far the outcome moved.
PAIR_COLUMNS = (
    "category",
    "group",
    "prompt",
    "response",
    "reference",
    "reference_prompt",
    "reference_response",
    "outcome_change",
)


@dataclass(frozen=True, eq=False)
class ChatSection:
    """The chatbot audit of a report; every prompt and response in it is redacted.

    ``outcome_rates`` (attribute, group, size and each rate of :data:`OUTCOME_RATES` with
    ``_low``/``_high`` limits) comes from the outcome audit; ``rates``, ``paired`` and
    ``pairs`` (the most different prompt pairs) from the counterfactual prompts. A part not
    run is None.
    """

    outcome: str
    settings: Mapping[str, Any]
    prompts: int
    outcome_rates: pd.DataFrame | None = None
    rates: pd.DataFrame | None = None
    paired: pd.DataFrame | None = None
    pairs: pd.DataFrame | None = None
    variants: int = 0
    categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "outcome": self.outcome,
            "settings": dict(self.settings),
            "prompts": self.prompts,
            "variants": self.variants,
            "categories": list(self.categories),
            **{
                name: None if frame is None else frame.to_dict(orient="records")
                for name, frame in (
                    ("outcome_rates", self.outcome_rates),
                    ("rates", self.rates),
                    ("paired", self.paired),
                    ("pairs", self.pairs),
                )
            },
        }


def chat_section(
    outcome: ChatAuditResult | None,
    counterfactual: PromptCounterfactualResult | None,
    *,
    redact_text: bool = True,
    pairs: int = SHOWN_PAIRS,
) -> ChatSection | None:
    """The report's view of the chatbot audits run (None when neither was)."""
    if outcome is None and counterfactual is None:
        return None
    source = outcome if outcome is not None else counterfactual
    parts: dict[str, Any] = {}
    if outcome is not None:
        parts["outcome_rates"] = outcome_rates(outcome)
    if counterfactual is not None:
        variants = counterfactual.variants
        parts.update(
            rates=counterfactual.rates.reset_index(drop=True),
            paired=counterfactual.paired.reset_index(drop=True),
            pairs=shown_pairs(counterfactual, count=pairs, redact_text=redact_text),
            variants=len(variants),
            categories=tuple(dict.fromkeys(variants["category"].astype(str))),
        )
    prompts = len(outcome.responses) if outcome is not None else counterfactual.prompts
    return ChatSection(
        outcome=source.outcome, settings=source.settings.to_dict(), prompts=prompts, **parts
    )


def shown_pairs(
    result: PromptCounterfactualResult, *, count: int = SHOWN_PAIRS, redact_text: bool = True
) -> pd.DataFrame:
    """The ``count`` prompt pairs whose responses differ most, side by side (the columns of
    :data:`PAIR_COLUMNS`), their prompts and responses redacted unless ``redact_text`` is
    false."""
    most = result.most_different(count)
    shown = most.loc[:, [column for column in PAIR_COLUMNS if column in most.columns]]
    return redact_columns(shown) if redact_text else shown.reset_index(drop=True)


def outcome_rates(result: ChatAuditResult) -> pd.DataFrame:
    """Per protected group: its prompts and the rates of :data:`OUTCOME_RATES` with their
    confidence limits, from the outcome audit's per-group table."""
    by_group = result.audit.by_group.xs(OUTCOME_CLASS, level="class")
    columns = {"size": "prompts"}
    for metric, name in OUTCOME_RATES:
        columns.update({metric: name, f"{metric}_low": f"{name}_low"})
        columns[f"{metric}_high"] = f"{name}_high"
    table = by_group.loc[:, list(columns)].rename(columns=columns)
    return table.reset_index()


def redact_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every prompt and response column redacted."""
    shown = frame.reset_index(drop=True).copy()
    for column in shown.columns:
        name = str(column).lower()
        if "prompt" in name and "id" not in name or "response" in name:
            shown[column] = [redact(str(text)).text for text in shown[column]]
    return shown
