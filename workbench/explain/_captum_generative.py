"""Captum's LLM attribution for generative models: which words of the prompt drove a response.

The features are the prompt's words, split as for the classifiers (:func:`word_spans`). Two
quantities are attributed:

- the log-probability of a response text (the whole response or a span of it) given the
  prompt, for a local transformers model: Captum's ``LLMAttribution`` (feature ablation,
  Shapley sampling over a ``TextTemplateInput`` of the words) or ``LLMGradientAttribution``
  (Layer Integrated Gradients on the input embeddings over the words' tokens). Captum gives one
  row of attributions per response token, each the log-probability of that token given all
  before it; a span's attribution is the sum of its tokens' rows.
- a scorer's outcome (e.g. whether the response refers to a crisis line) of the response
  regenerated from the prompt with words removed, for any model (a callable has no
  log-probabilities): Captum's ``FeatureAblation`` or ``ShapleyValueSampling`` over a word mask,
  all prompts of a Captum batch generated in one ``model.generate`` call.

A removed word is dropped with the space before it (``baseline='remove'``), so the rest of the
prompt reads as ordinary text: a byte-level BPE model reads a double space as a rare token of
its own, which would be attributed to the word. ``baseline='space'`` puts a space in its place,
as the classifier explainers remove words, for comparison with them.

With every word removed, a local model reads what the log-probability methods score the
response from: its template around an empty message, or its start-of-text token when there is
no template (:meth:`~workbench.models.TransformersGenerativeModel.model_text`); it is never sent
an empty input. A callable owns its prompt format, so it is not asked the empty prompt: that
response counts as empty, and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from captum.attr import (
    FeatureAblation,
    LayerIntegratedGradients,
    LLMAttribution,
    LLMGradientAttribution,
    ShapleyValueSampling,
    TextTemplateInput,
    TextTokenInput,
)

from workbench._errors import ExplanationError
from workbench.explain._inputs import word_spans
from workbench.explain._perturbation import PERTURBATIONS_PER_EVAL
from workbench.explain._torch_wrappers import seeded

MSG_NO_OFFSETS = (
    "the tokenizer of model {model!r} gives no character offsets (a slow tokenizer), so the "
    "response's tokens cannot be matched to the span; save the model with a fast tokenizer "
    "(tokenizer.json)"
)
MSG_TOO_LONG = (
    "the prompt and the explained response are {tokens} tokens, more than the {limit} model "
    "{model!r} reads; explain a shorter prompt or a span nearer the start of the response"
)
MSG_SPAN_NO_TOKENS = "span {span!r} covers no token of the response; give a span with words"
MSG_BAD_OUTCOME = (
    "scorer {name!r} returned {got} for {count} response(s); a scorer returns one finite "
    "number per response"
)
NOTE_EMPTY_PROMPT = (
    "with every word removed the prompt is empty: the model, which owns its prompt format, is "
    "not asked, and its response counts as empty"
)
NOTE_SHARED_TOKEN = (
    "some tokens of the model cover more than one word; their attribution is shared equally "
    "between those words"
)
REMOVED = ""
SPACE = " "

Outcome = Callable[[list[str], list[str]], Any]


@dataclass(frozen=True, eq=False)
class PromptWords:
    """The writer's prompt as its words (``features``, lower case) and their spans in ``text``."""

    features: tuple[str, ...]
    text: str
    spans: tuple[tuple[int, int], ...]

    @property
    def written(self) -> list[str]:
        """The words as written in the prompt."""
        return [self.text[start:end] for start, end in self.spans]

    def render(self, values: Sequence[str]) -> str:
        """The prompt with word ``i`` replaced by ``values[i]``: an empty value drops the word
        with the space before it (after it, for the first word left)."""
        pieces, cut, first = [self.text[: self.spans[0][0]]], self.spans[0][0], True
        for (start, end), value in zip(self.spans, values, strict=True):
            gap = self.text[cut:start]
            cut = end
            if value == REMOVED:
                continue
            pieces.append(value if first else gap + value)
            first = False
        pieces.append(self.text[cut:])
        return "".join(pieces)

    def spaced_spans(self) -> list[tuple[int, int]]:
        """Each word's span widened over the spaces before it (which a removed word takes
        with it), from the prompt's start on."""
        widened = []
        for start, end in self.spans:
            while start > 0 and self.text[start - 1].isspace():
                start -= 1
            widened.append((start, end))
        return widened

    def masked(self, presence: Sequence[float], baseline: str) -> str:
        """The prompt with the words whose presence is 0 removed as ``baseline`` says."""
        absent = REMOVED if baseline == "remove" else SPACE
        return self.render(
            [word if kept > 0.5 else absent for word, kept in zip(self.written, presence)]
        )


def prompt_words(prompt: str) -> PromptWords:
    """The prompt's words as every explainer splits a message."""
    words, spans = word_spans(prompt)
    return PromptWords(features=tuple(words), text=prompt, spans=tuple(spans))


@dataclass(frozen=True, eq=False)
class ResponseTarget:
    """The response text whose log-probability is attributed, read as following the prompt
    after ``joiner``; ``start``/``end`` delimit the explained span in ``response``."""

    response: str
    start: int
    end: int
    joiner: str


@dataclass(frozen=True, eq=False)
class GenerativeRequest:
    """What to attribute: the log-probability of ``target`` (a local model), or else
    ``outcome(prompts, responses)`` of the regenerated responses, named ``outcome_name``."""

    prompt: PromptWords
    target: ResponseTarget | None = None
    outcome: Outcome | None = None
    outcome_name: str = ""


@dataclass(frozen=True, eq=False)
class GenerativeAttribution:
    """One attribution per prompt word, the attributed quantity for the prompt as given
    (``score``) and with every word at the baseline (``baseline_score``), and the gap between
    the attributions' sum and that change (Integrated Gradients)."""

    attributions: np.ndarray
    score: float
    baseline_score: float
    delta: float | None = None
    notes: tuple[str, ...] = ()


def response_target(model: Any, prompt: str, response: str, *, span: str | None) -> ResponseTarget:
    """The response (and span) to explain, read after a space when neither the formatted prompt
    ends nor the response starts with one (as the model wrote it: responses come stripped)."""
    formatted = model.model_text(prompt)
    joiner = "" if formatted[-1:].isspace() or response[:1].isspace() else SPACE
    start = 0 if span is None else response.index(span)
    end = len(response) if span is None else start + len(span)
    return ResponseTarget(response=response, start=start, end=end, joiner=joiner)


def feature_ablation(
    model: Any, request: GenerativeRequest, settings: Mapping[str, Any]
) -> GenerativeAttribution:
    """Change of the quantity when each word alone is removed."""
    if request.target is None:
        return _outcome_attribution(FeatureAblation, model, request, settings)
    return _log_prob_attribution(FeatureAblation, model, request, settings)


def shapley_sampling(
    model: Any, request: GenerativeRequest, settings: Mapping[str, Any]
) -> GenerativeAttribution:
    """Shapley values of the words from ``n_samples`` random word orders, seeded."""
    options = {"n_samples": settings["n_samples"]}
    with seeded(settings["seed"]):
        if request.target is None:
            return _outcome_attribution(ShapleyValueSampling, model, request, settings, **options)
        return _log_prob_attribution(ShapleyValueSampling, model, request, settings, **options)


def layer_integrated_gradients(
    model: Any, request: GenerativeRequest, settings: Mapping[str, Any]
) -> GenerativeAttribution:
    """Layer Integrated Gradients on the input embeddings, from the pad token to each word's
    tokens (a bare space token before a word, "▁" or "Ġ", is the word's, as a removed word takes
    its space; the template's tokens stay as they are), summed per word."""
    target = request.target
    tokenizer = model.tokenizer
    formatted = model.model_text(request.prompt.text)
    offset = model.settings.prompt_start()
    encoded = tokenizer(formatted, return_offsets_mapping=True)
    if len(encoded["input_ids"]) != len(tokenizer.encode(formatted)):
        raise ExplanationError(MSG_NO_OFFSETS.format(model=model.name))
    spans = [(start + offset, end + offset) for start, end in request.prompt.spaced_spans()]
    membership = _membership(encoded["offset_mapping"], spans)
    in_words = membership.sum(axis=1) > 0
    baseline_id = tokenizer.pad_token_id
    inp = _WordTokens(formatted, tokenizer, baseline_id, in_words)
    target_ids, rows = _target_tokens(model, target, formatted, encoded["input_ids"])
    method = LLMGradientAttribution(
        LayerIntegratedGradients(model.model, model.model.get_input_embeddings()), tokenizer
    )
    result = method.attribute(inp, target=target_ids, n_steps=settings["n_steps"])
    token_attr = result.token_attr.detach().double().cpu()[rows].sum(dim=0).numpy()
    shares = membership[in_words] / membership[in_words].sum(axis=1, keepdims=True)
    attributions = token_attr @ shares
    ids = torch.tensor([encoded["input_ids"]])
    baseline_ids = ids.clone()
    baseline_ids[0, torch.from_numpy(in_words)] = baseline_id
    score = float(_log_probs(model, ids, target_ids)[rows].sum())
    baseline_score = float(_log_probs(model, baseline_ids, target_ids)[rows].sum())
    shared = (membership > 0).sum(axis=1).max(initial=0) > 1
    return GenerativeAttribution(
        attributions=attributions,
        score=score,
        baseline_score=baseline_score,
        delta=float(attributions.sum() - (score - baseline_score)),
        notes=(NOTE_SHARED_TOKEN,) if shared else (),
    )


class _WordTokens(TextTokenInput):
    """Captum's token input whose interpretable tokens are those of the prompt's words, chosen
    by position (``in_words``), not by token id: the template's tokens stay fixed."""

    def __init__(self, text: str, tokenizer: Any, baseline_id: int, in_words: np.ndarray):
        super().__init__(text, tokenizer, baselines=int(baseline_id))
        mask = torch.from_numpy(in_words).reshape(self.inp_tensor.shape)
        self.itp_mask = mask
        self.itp_tensor = self.inp_tensor[mask].unsqueeze(0)
        self.values = tokenizer.convert_ids_to_tokens(self.itp_tensor[0].tolist())
        self.n_itp_features = len(self.values)


def _log_prob_attribution(
    method: type,
    model: Any,
    request: GenerativeRequest,
    settings: Mapping[str, Any],
    **options: Any,
) -> GenerativeAttribution:
    """Captum's ``LLMAttribution`` of the target's log-probability over the prompt's words."""
    words = request.prompt
    absent = REMOVED if settings["baseline"] == "remove" else SPACE
    inp = TextTemplateInput(
        template=lambda *values: model.model_text(words.render(values)),
        values=words.written,
        baselines=[absent] * len(words.features),
    )
    prompt_ids = model.tokenizer.encode(inp.to_model_input())
    target_ids, rows = _target_tokens(model, request.target, inp.to_model_input(), prompt_ids)
    attribution = LLMAttribution(method(model.model), model.tokenizer)
    result = attribution.attribute(inp, target=target_ids, forward_in_tokens=False, **options)
    attributions = result.token_attr.detach().double().cpu()[rows].sum(dim=0).numpy()
    baseline_prompt = inp.to_model_input(torch.zeros((1, len(words.features))))
    score = _log_probs(model, torch.tensor([prompt_ids]), target_ids)[rows].sum()
    baseline_ids = torch.tensor([model.tokenizer.encode(baseline_prompt)])
    baseline_score = _log_probs(model, baseline_ids, target_ids)[rows].sum()
    return GenerativeAttribution(
        attributions=attributions, score=float(score), baseline_score=float(baseline_score)
    )


def _target_tokens(
    model: Any, target: ResponseTarget, formatted: str, prompt_ids: Sequence[int]
) -> tuple[torch.Tensor, list[int]]:
    """The response's token ids up to the span's last token, and the positions of the span's
    tokens among them (found by character offsets).

    The response is tokenized after the prompt (``formatted``, whose tokens are
    ``prompt_ids``), as the model wrote it: a tokenizer that puts "▁" before every text it
    reads (SentencePiece's legacy normalizer) would read a response alone with a stray "▁"
    token first. Only when the prompt's own tokens change at the join is it tokenized alone.
    """
    text = target.joiner + target.response
    tokenizer, prompt_length = model.tokenizer, len(prompt_ids)
    whole = tokenizer(formatted + text, return_offsets_mapping=True)
    if list(whole["input_ids"][:prompt_length]) == list(prompt_ids) and "offset_mapping" in whole:
        shift = len(formatted)
        response_ids = whole["input_ids"][prompt_length:]
        offsets = [(low - shift, high - shift) for low, high in whole["offset_mapping"]]
        offsets = offsets[prompt_length:]
    else:
        alone = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        response_ids, offsets = alone["input_ids"], alone.get("offset_mapping")
    if offsets is None:
        raise ExplanationError(MSG_NO_OFFSETS.format(model=model.name))
    # The explained text's tokens; from the start of the response, the joiner's too.
    start = target.start + len(target.joiner) if target.start else 0
    end = target.end + len(target.joiner)
    rows = [i for i, (low, high) in enumerate(offsets) if low < end and start < high]
    if not rows:
        raise ExplanationError(MSG_SPAN_NO_TOKENS.format(span=text[start:end]))
    ids = response_ids[: rows[-1] + 1]
    limit = model.context_window
    if limit is not None and prompt_length + len(ids) > limit:
        raise ExplanationError(
            MSG_TOO_LONG.format(tokens=prompt_length + len(ids), limit=limit, model=model.name)
        )
    return torch.tensor(ids), rows


def _log_probs(model: Any, prompt_ids: torch.Tensor, target_ids: torch.Tensor) -> torch.Tensor:
    """Log-probability of each target token given the prompt and the target tokens before it."""
    ids = torch.cat([prompt_ids, target_ids.unsqueeze(0)], dim=1).to(model.device)
    with torch.no_grad():
        logits = model.model(input_ids=ids).logits[0, prompt_ids.shape[1] - 1 : -1]
    chosen = torch.log_softmax(logits.double(), dim=-1)
    return chosen[torch.arange(len(target_ids)), target_ids.to(model.device)].cpu()


def _membership(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """``membership[t, w]`` is 1 when token ``t``'s characters overlap word ``w``'s."""
    membership = np.zeros((len(offsets), len(spans)))
    for token, (low, high) in enumerate(offsets):
        for word, (start, end) in enumerate(spans):
            if low < end and start < high:
                membership[token, word] = 1.0
    return membership


def _outcome_attribution(
    method: type,
    model: Any,
    request: GenerativeRequest,
    settings: Mapping[str, Any],
    **options: Any,
) -> GenerativeAttribution:
    """Captum's ``method`` over a word mask; the forward function generates the responses of
    all the batch's masked prompts in one call and scores them."""
    words, baseline = request.prompt, settings["baseline"]
    answers_empty = model.answers_empty_prompt
    empty_seen = []

    def forward(presence: torch.Tensor) -> torch.Tensor:
        prompts = [words.masked(row, baseline) for row in presence.detach().cpu().tolist()]
        asked = [i for i, prompt in enumerate(prompts) if answers_empty or prompt.strip()]
        responses = [""] * len(prompts)
        if len(asked) < len(prompts):
            empty_seen.append(True)
        if asked:
            made = model.generate([prompts[i] for i in asked], allow_empty=answers_empty)
            for i, response in zip(asked, made):
                responses[i] = response
        return torch.from_numpy(_outcomes(request, prompts, responses))

    present = torch.ones((1, len(words.features)), dtype=torch.float64)
    attributions = method(forward).attribute(
        present, baselines=0.0, perturbations_per_eval=PERTURBATIONS_PER_EVAL, **options
    )
    ends = forward(torch.cat([present, torch.zeros_like(present)]))
    return GenerativeAttribution(
        attributions=np.asarray(attributions.detach().double()[0]),
        score=float(ends[0]),
        baseline_score=float(ends[1]),
        notes=(NOTE_EMPTY_PROMPT,) if empty_seen else (),
    )


def _outcomes(request: GenerativeRequest, prompts: list[str], responses: list[str]) -> np.ndarray:
    """The scorer's outcome of each response, checked: one finite number each."""
    raw = request.outcome(prompts, responses)
    try:
        values = np.asarray(raw, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != len(responses) or not np.isfinite(values).all():
        got = type(raw).__name__ if values is None else f"{len(values)} value(s)"
        raise ExplanationError(
            MSG_BAD_OUTCOME.format(name=request.outcome_name, got=got, count=len(responses))
        )
    return values
