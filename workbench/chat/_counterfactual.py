"""The counterfactual prompt audit: the same prompt with a persona line put before it (age,
gender, ethnicity, dialect) or an identity word swapped (the shipped term lists), every
variant answered in one batched generation, and how an outcome moves between groups: per group
rates, the existing audit with the category as protected attribute, paired differences on the
same prompt with a bootstrap interval over prompts, and the pairs that differ most."""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from workbench._errors import AuditError
from workbench.audit import BEST_OFF, DEFAULT_OPTIONS, AuditOptions, AuditResult, load_terms
from workbench.audit._bootstrap import interval
from workbench.audit._counterfactual import _pattern, _swap, _validated
from workbench.audit._result import records
from workbench.chat._outcomes import (
    audit_outcome,
    check_generative,
    generate_responses,
    outcome_scorer,
    redacted_texts,
    resolve_scorers,
    score_responses,
    zero_one,
)
from workbench.chat._scorers import ResponseScorer
from workbench.models import GenerationSettings, GenerativeModel

MSG_UNKNOWN_PERSONA = "unknown persona category {category!r}; the persona categories are {known}"
MSG_NOTHING_TO_VARY = (
    "no variant to compare: name persona categories (e.g. personas=['gender']) or identity-word "
    "categories to swap (e.g. swap_categories=['gender'])"
)
MSG_NO_PROMPTS = "prompts must be a non-empty list of strings; got {kind}"
MSG_UNKNOWN_REFERENCE = (
    "privileged group {group!r} of persona category {category!r} is not one of its groups {groups}"
)
MSG_NEEDS_LENGTH = "needs has {got} values but there are {count} prompts; give one 0/1 per prompt"
MSG_NO_TERMS_FOUND = (
    "no prompt holds an identity word of {categories}, so the swaps made no variant; add "
    "persona categories or prompts that mention identities"
)
MSG_SEPARATE_AUDITS = (
    "each category ({categories}) is audited on its own variants, so a robust breach is held to "
    "the false discovery rate within its category"
)
VARIANT_COLUMNS = ("prompt_id", "source", "category", "group", "prompt", "response")
RATE_COLUMNS = ("source", "category", "group", "rate", "ci_low", "ci_high", "n")
PAIRED_COLUMNS = (
    "source",
    "category",
    "group",
    "reference",
    "mean_difference",
    "ci_low",
    "ci_high",
    "prompts",
)
PERSONA = "persona"
SWAP = "swap"
SWAP_SUFFIX = "_swap"


def persona_lines() -> dict[str, dict[str, str]]:
    """The shipped persona lines: category -> group -> line; a category's first group is its
    reference."""
    file = resources.files("workbench.chat") / "personas.json"
    return json.loads(file.read_text(encoding="utf-8"))["categories"]


@dataclass(frozen=True, eq=False)
class PromptCounterfactualResult:
    """Responses to every variant of every prompt and how the ``outcome`` moves between groups.

    ``variants`` has one row per variant: prompt_id, source (persona or swap), category, group,
    the variant prompt, its response, one column per scorer, ``reference`` (the group it is
    paired with) and ``pair`` (variants of one prompt compared with each other share it);
    ``rates`` the outcome's rate per group with a Wilson interval; ``audit`` the existing audit
    of the variants, each category (``<category>_swap`` for swaps) a protected attribute, label
    ``needs`` (else the outcome on the original prompt); ``paired`` the mean difference of each
    group from its reference on the same prompt, with a bootstrap interval over prompts.
    """

    variants: pd.DataFrame
    rates: pd.DataFrame
    audit: AuditResult
    paired: pd.DataFrame
    outcome: str
    settings: GenerationSettings
    model_name: str
    fingerprint: str
    prompts: int
    labelled_by: str

    def most_different(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` variant pairs whose responses differ most, side by side: a different
        outcome first, then the least similar response text."""
        variants = self.variants
        reference = variants[variants["group"] == variants["reference"]]
        others = variants[variants["group"] != variants["reference"]]
        merged = others.merge(
            reference[["pair", "prompt", "response", self.outcome]],
            on="pair",
            suffixes=("", "_reference"),
        )
        outcome_change = (merged[self.outcome] - merged[f"{self.outcome}_reference"]).abs()
        dissimilarity = [
            1.0 - difflib.SequenceMatcher(None, a, b).ratio()
            for a, b in zip(merged["response"], merged["response_reference"])
        ]
        table = pd.DataFrame(
            {
                "prompt_id": merged["prompt_id"],
                "source": merged["source"],
                "category": merged["category"],
                "group": merged["group"],
                "reference": merged["reference"],
                "prompt": merged["prompt"],
                "reference_prompt": merged["prompt_reference"],
                "response": merged["response"],
                "reference_response": merged["response_reference"],
                "outcome": merged[self.outcome],
                "reference_outcome": merged[f"{self.outcome}_reference"],
                "outcome_change": outcome_change,
                "text_difference": dissimilarity,
            }
        )
        ordered = table.sort_values(
            ["outcome_change", "text_difference", "prompt_id"],
            ascending=[False, False, True],
            kind="stable",
        )
        return ordered.head(n).reset_index(drop=True)

    def to_dict(self, *, shown: int = 10) -> dict[str, Any]:
        """JSON-ready: settings, rates, paired differences, the audit and the ``shown`` most
        different pairs (prompts and responses redacted); NaN becomes None."""
        return {
            "model": self.model_name,
            "fingerprint": self.fingerprint,
            "settings": self.settings.to_dict(),
            "outcome": self.outcome,
            "prompts": self.prompts,
            "variants": len(self.variants),
            "labelled_by": self.labelled_by,
            "rates": records(self.rates.set_index(["source", "category", "group"])),
            "paired": records(self.paired.set_index(["source", "category", "group"])),
            "most_different": records(redacted_texts(self.most_different(shown))),
            "audit": self.audit.to_dict(),
        }


def prompt_counterfactuals(
    model: GenerativeModel,
    prompts: Sequence[str] | pd.Series,
    *,
    personas: Sequence[str] | None = None,
    swap_categories: Sequence[str] | None = None,
    terms: Mapping[str, Sequence[Sequence[str]]] | None = None,
    scorers: Sequence[ResponseScorer] | Mapping[str, ResponseScorer] | None = None,
    outcome: str = "refers_to_crisis",
    needs: Sequence[Any] | np.ndarray | pd.Series | None = None,
    options: AuditOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], Any] | None = None,
) -> PromptCounterfactualResult:
    """Vary every prompt by persona line and identity word; answer all variants; compare.

    ``personas`` names persona categories (default: all of them when nothing is swapped, else
    none); ``swap_categories`` names shipped term lists whose words are swapped, or ``terms``
    gives the term sets. ``outcome`` is a binary scorer of ``scorers`` (default: the built-ins).
    ``needs`` (0/1 per prompt) says which prompts needed the outcome; without it, the outcome of
    the response to the original prompt is the label (those responses are generated too). The
    audit, intervals and bootstrap follow ``options``; a group is paired with its category's
    reference: the privileged group ``options`` name, else the first group listed. ``progress``
    is called with (done, total) variants as generation goes.
    """
    check_generative(model)
    chosen = resolve_scorers(scorers)
    outcome_scorer(chosen, outcome)
    originals = _prompts(prompts)
    needed = None if needs is None else _needs(needs, count=len(originals))
    privileged = options.privileged if isinstance(options.privileged, Mapping) else {}
    if personas is None:
        personas = (
            () if swap_categories is not None or terms is not None else tuple(persona_lines())
        )
    rows = _persona_variants(originals, personas, privileged)
    if swap_categories is not None or terms is not None:
        term_sets = _validated(load_terms(swap_categories) if terms is None else terms)
        swapped = _swap_variants(originals, term_sets, privileged)
        if not swapped:
            raise AuditError(MSG_NO_TERMS_FOUND.format(categories=list(term_sets)))
        rows += swapped
    if not rows:
        raise AuditError(MSG_NOTHING_TO_VARY)
    variants = pd.DataFrame(
        rows, columns=["prompt_id", "source", "category", "group", "reference", "pair", "prompt"]
    )
    texts = variants["prompt"].tolist() + (originals if needed is None else [])
    responses = generate_responses(model, texts, progress=progress)
    variant_responses = responses[: len(variants)]
    scored = score_responses(variants["prompt"].tolist(), variant_responses, scorers=chosen)
    variants["response"] = variant_responses
    for name in chosen:
        variants[name] = scored[name].to_numpy()
    if needed is None:
        original_outcomes = chosen[outcome].score(originals, responses[len(variants) :])
        needed = original_outcomes.astype(np.int64)
        labelled_by = "original_outcome"
    else:
        labelled_by = "needs"
    variants = variants[[*VARIANT_COLUMNS, *chosen, "reference", "pair"]].reset_index(drop=True)
    result = _audit(variants, outcome=outcome, needed=needed, options=options)
    return PromptCounterfactualResult(
        variants=variants,
        rates=_rates(variants, outcome, confidence=options.confidence),
        audit=dataclasses.replace(result, model_name=model.name, fingerprint=model.fingerprint),
        paired=_paired(variants, outcome, options=options),
        outcome=outcome,
        settings=model.settings,
        model_name=model.name,
        fingerprint=model.fingerprint,
        prompts=len(originals),
        labelled_by=labelled_by,
    )


def attribute_of(source: str, category: str) -> str:
    """The protected attribute of a category's variants in the audit."""
    return category if source == PERSONA else f"{category}{SWAP_SUFFIX}"


def _persona_variants(
    prompts: list[str], categories: Sequence[str], privileged: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    lines = persona_lines()
    rows = []
    for category in categories:
        if category not in lines:
            raise AuditError(MSG_UNKNOWN_PERSONA.format(category=category, known=list(lines)))
        groups = lines[category]
        reference = privileged.get(category) or next(iter(groups))
        if reference not in groups:
            raise AuditError(
                MSG_UNKNOWN_REFERENCE.format(
                    group=reference, category=category, groups=list(groups)
                )
            )
        for prompt_id, prompt in enumerate(prompts):
            pair = f"{PERSONA}:{category}:{prompt_id}"
            for group, line in groups.items():
                rows.append(
                    (prompt_id, PERSONA, category, group, reference, pair, f"{line} {prompt}")
                )
    return rows


def _swap_variants(
    prompts: list[str], term_sets: Mapping[str, list[list[str]]], privileged: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """One variant per member of each term set found in a prompt (the member it holds
    included), paired with the set's reference member (the privileged group or its first)."""
    lookup = {
        term.lower(): (category, number, members)
        for category, sets in term_sets.items()
        for number, members in enumerate(sets)
        for term in members
    }
    finder = _pattern(lookup)
    rows = []
    for prompt_id, prompt in enumerate(prompts):
        found = dict.fromkeys(match.group(0).lower() for match in finder.finditer(prompt))
        for term in found:
            category, number, members = lookup[term]
            wanted = privileged.get(attribute_of(SWAP, category))
            reference = wanted if wanted in members else members[0]
            pair = f"{SWAP}:{category}:{number}:{term}:{prompt_id}"
            for member in members:
                text = prompt if member.lower() == term else _swap(prompt, term, member)
                rows.append((prompt_id, SWAP, category, member, reference, pair, text))
    return rows


def _audit(
    variants: pd.DataFrame, *, outcome: str, needed: np.ndarray, options: AuditOptions
) -> AuditResult:
    """The existing audit of each category's variants, merged into one result: the category is
    the protected attribute; a persona group is compared with its category's reference (or the
    best-off group, when ``options`` say so), a swapped word with the privileged group
    ``options`` name for ``<category>_swap``, else with the rest."""
    frame = variants.assign(
        attribute=[attribute_of(s, c) for s, c in zip(variants["source"], variants["category"])],
        needed=np.asarray(needed)[variants["prompt_id"].to_numpy()],
    )
    attributes = list(dict.fromkeys(frame["attribute"]))
    results = []
    for attribute in attributes:
        part = frame[frame["attribute"] == attribute].reset_index(drop=True)
        part[attribute] = part["group"]
        privileged = options.privileged
        if privileged != BEST_OFF and part["source"].iloc[0] == PERSONA:
            privileged = {attribute: part["reference"].iloc[0]}
        elif isinstance(privileged, Mapping):
            privileged = {attribute: privileged.get(attribute)}
        results.append(
            audit_outcome(
                part,
                outcome=outcome,
                needed=part["needed"].to_numpy(),
                protected=[attribute],
                options=dataclasses.replace(options, privileged=privileged, intersections=False),
            )
        )
    return _merged(results, attributes, options=options)


def _merged(
    results: list[AuditResult], attributes: list[str], *, options: AuditOptions
) -> AuditResult:
    """One AuditResult of per-category audits: their tables side by side (each indexed by its
    attribute), their breaches and notes; overall from the first category."""
    if len(results) == 1:
        return results[0]
    first = results[0]
    notes = [MSG_SEPARATE_AUDITS.format(categories=", ".join(attributes))]
    notes += [note for result in results for note in result.warnings]

    def joined(name: str) -> pd.DataFrame:
        return pd.concat([getattr(result, name) for result in results])

    return dataclasses.replace(
        first,
        by_group=joined("by_group"),
        differences=joined("differences"),
        by_attribute=joined("by_attribute"),
        reliability=joined("reliability"),
        breaches=tuple(breach for result in results for breach in result.breaches),
        warnings=tuple(dict.fromkeys(notes)),
        skipped=tuple(name for result in results for name in result.skipped),
        options=options,
        rows=sum(result.rows for result in results),
        protected=tuple(attributes),
        privileged={k: v for result in results for k, v in result.privileged.items()},
    )


def _rates(variants: pd.DataFrame, outcome: str, *, confidence: float) -> pd.DataFrame:
    """The outcome's rate per (source, category, group) with a Wilson score interval."""
    grouped = variants.groupby(["source", "category", "group"], sort=False)[outcome]
    table = grouped.agg(["mean", "size"]).reset_index()
    z = norm.ppf(1.0 - (1.0 - confidence) / 2.0)
    n = table["size"].to_numpy(dtype=np.float64)
    p = table["mean"].to_numpy(dtype=np.float64)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return pd.DataFrame(
        {
            "source": table["source"],
            "category": table["category"],
            "group": table["group"],
            "rate": p,
            "ci_low": np.clip(centre - half, 0.0, 1.0),
            "ci_high": np.clip(centre + half, 0.0, 1.0),
            "n": table["size"].astype(np.int64),
        },
        columns=list(RATE_COLUMNS),
    )


def _paired(variants: pd.DataFrame, outcome: str, *, options: AuditOptions) -> pd.DataFrame:
    """Each group's mean difference in the outcome from its reference on the same prompt
    (averaged per prompt first), with a percentile bootstrap interval over prompts drawn with
    the options' replicates and seed (NaN limits without bootstrap)."""
    reference = variants[variants["group"] == variants["reference"]].set_index("pair")[outcome]
    others = variants[variants["group"] != variants["reference"]]
    differences = others.assign(
        difference=others[outcome].to_numpy() - reference.reindex(others["pair"]).to_numpy()
    )
    per_prompt = (
        differences.groupby(["source", "category", "group", "reference", "prompt_id"], sort=False)[
            "difference"
        ]
        .mean()
        .reset_index()
    )
    rng = np.random.default_rng(options.seed)
    rows = []
    for key, part in per_prompt.groupby(["source", "category", "group", "reference"], sort=False):
        values = part["difference"].to_numpy(dtype=np.float64)
        low = high = math.nan
        if options.bootstrap:
            draws = rng.integers(0, len(values), size=(options.bootstrap, len(values)))
            low, high = interval(values[draws].mean(axis=1), confidence=options.confidence)
        rows.append((*key, float(values.mean()), float(low), float(high), len(values)))
    return pd.DataFrame(rows, columns=list(PAIRED_COLUMNS))


def _prompts(prompts: Any) -> list[str]:
    if (
        isinstance(prompts, str)
        or not isinstance(prompts, Sequence | pd.Series)
        or not len(prompts)
    ):
        if isinstance(prompts, str):
            kind = "one string"
        elif isinstance(prompts, Sequence | pd.Series):
            kind = f"an empty {type(prompts).__name__}"
        else:
            kind = type(prompts).__name__
        raise AuditError(MSG_NO_PROMPTS.format(kind=kind))
    return list(prompts)


def _needs(needs: Any, *, count: int) -> np.ndarray:
    values = list(needs)
    if len(values) != count:
        raise AuditError(MSG_NEEDS_LENGTH.format(got=len(values), count=count))
    return zero_one(values, column="needs")
