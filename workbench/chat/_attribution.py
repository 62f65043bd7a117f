"""Which words of a prompt drove a chat model's response, as the project's Explanation.

A local transformers model is explained through the log-probability of its response (or of a
span of it, e.g. the crisis-line sentence) given the prompt; a callable, which gives no
log-probabilities, through a scorer's outcome (default ``refers_to_crisis``) on the responses
it gives when words are removed. The Captum work is in ``workbench.explain._captum_generative``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench._errors import ExplanationError
from workbench.explain._captum_generative import (
    GenerativeRequest,
    prompt_words,
    response_target,
)
from workbench.explain._explanation import Explanation
from workbench.explain._methods import method_info
from workbench.models import GenerativeModel, TransformersGenerativeModel

DEFAULT_OUTCOME = "refers_to_crisis"
LOG_PROBABILITY = "log_probability"

MSG_NOT_GENERATIVE = (
    "explain_response explains a generative (chat) model; {model!r} is a {kind} model: explain "
    "it with workbench.explain.explain"
)
MSG_PROMPT_NOT_STR = "the prompt must be text (str); got {kind}"
MSG_NO_WORDS = "the prompt has no words to attribute; give the writer's message"
MSG_TARGET_NOT_STR = "target must be the response text to explain (str); got {kind}"
MSG_EMPTY_RESPONSE = (
    "the response to explain is empty, so there is nothing to attribute; give "
    "target=<a response text>"
)
MSG_SPAN_NOT_IN_RESPONSE = (
    "span {span!r} is not in the response {response!r}; give a piece of the response as written"
)
MSG_NO_LOG_PROBABILITIES = (
    "model {model!r} ({framework}) gives no log-probabilities, so a given target or span cannot "
    "be attributed; leave them out to attribute a scorer's outcome on its regenerated "
    "responses (scorer=..., default {default!r})"
)
MSG_SCORER_AND_TARGET = (
    "a scorer attributes its outcome on regenerated responses; it takes no target or span "
    "(give a scorer, or a target/span, not both)"
)
MSG_GRADIENTS_NEED_TARGET = (
    "method {method!r} attributes the log-probability of the response and cannot attribute a "
    "scorer's outcome; use feature_ablation or shapley_sampling with a scorer"
)
MSG_UNKNOWN_SCORER = "unknown scorer {name!r}; built-in scorers: {known}"
MSG_BAD_SCORER = (
    "scorer must be a scorer name, a ResponseScorer or a function(prompts, responses) -> "
    "numbers; got {kind}"
)


def explain_response(
    model: GenerativeModel,
    prompt: str,
    *,
    target: str | None = None,
    span: str | None = None,
    method: str = "feature_ablation",
    scorer: Any = None,
    n_samples: int | None = None,
    baseline: str | None = None,
    n_steps: int | None = None,
    seed: int | None = None,
) -> Explanation:
    """Attribute a chat model's response to the words of ``prompt``.

    ``target`` is the response text to explain (default: the model's own response, generated
    with its settings); ``span`` a piece of it whose log-probability, given the prompt and the
    response before it, is attributed. A ``scorer`` (a built-in scorer's name, a
    ``ResponseScorer`` or ``fn(prompts, responses) -> numbers``) attributes its outcome on the
    responses regenerated with words removed instead; a callable model always does, with
    ``refers_to_crisis`` by default. ``method``: ``feature_ablation``, ``shapley_sampling``
    (``n_samples``, ``seed``) or ``layer_integrated_gradients`` (``n_steps``; local transformers
    models); ``baseline`` says how a removed word is removed (``remove`` or ``space``).
    """
    if getattr(model, "kind", None) != "generative":
        kind = getattr(model, "kind", type(model).__name__)
        raise ExplanationError(
            MSG_NOT_GENERATIVE.format(model=getattr(model, "name", model), kind=kind)
        )
    if not isinstance(prompt, str):
        raise ExplanationError(MSG_PROMPT_NOT_STR.format(kind=type(prompt).__name__))
    words = prompt_words(prompt)
    if not words.features:
        raise ExplanationError(MSG_NO_WORDS)
    info = method_info(model, method)
    given = {"n_samples": n_samples, "baseline": baseline, "n_steps": n_steps, "seed": seed}
    settings = info.settings(model.kind, {k: v for k, v in given.items() if v is not None})
    if target is not None and not isinstance(target, str):
        raise ExplanationError(MSG_TARGET_NOT_STR.format(kind=type(target).__name__))
    asked_for_text = target is not None or span is not None
    if scorer is not None and asked_for_text:
        raise ExplanationError(MSG_SCORER_AND_TARGET)
    by_outcome = scorer is not None or not isinstance(model, TransformersGenerativeModel)
    if by_outcome and asked_for_text:
        raise ExplanationError(
            MSG_NO_LOG_PROBABILITIES.format(
                model=model.name, framework=model.framework, default=DEFAULT_OUTCOME
            )
        )
    if by_outcome and info.needs_gradients:
        raise ExplanationError(MSG_GRADIENTS_NEED_TARGET.format(method=info.name))
    response = model.generate([prompt])[0] if target is None else target
    if by_outcome:
        name, outcome = _outcome(scorer)
        request = GenerativeRequest(prompt=words, outcome=outcome, outcome_name=name)
        explained, start = response, 0
    else:
        name, explained = LOG_PROBABILITY, response
        if not explained.strip():
            raise ExplanationError(MSG_EMPTY_RESPONSE)
        if span is not None and (not span or span not in explained):
            raise ExplanationError(MSG_SPAN_NOT_IN_RESPONSE.format(span=span, response=explained))
        aimed = response_target(model, prompt, explained, span=span)
        request = GenerativeRequest(prompt=words, target=aimed)
        start = aimed.start
    attribution = info.runner(model.kind)(model, request, settings)
    return Explanation(
        method=info.name,
        kind="generative",
        features=words.features,
        attributions=attribution.attributions,
        target=start,
        target_name=explained if span is None else span,
        score=attribution.score,
        params={
            **settings,
            "outcome": name,
            "prompt": prompt,
            "response": explained,
            "span": span,
            "generation": model.settings.to_dict(),
        },
        convergence_delta=attribution.delta,
        baseline_score=attribution.baseline_score,
        notes=attribution.notes,
    )


def _outcome(scorer: Any) -> tuple[str, Callable[[list[str], list[str]], Any]]:
    """The outcome's name and ``fn(prompts, responses) -> numbers`` of ``scorer``."""
    if scorer is None or isinstance(scorer, str):
        from workbench.chat._scorers import BUILTIN_SCORERS

        name = DEFAULT_OUTCOME if scorer is None else scorer
        if name not in BUILTIN_SCORERS:
            raise ExplanationError(
                MSG_UNKNOWN_SCORER.format(name=name, known=sorted(BUILTIN_SCORERS))
            )
        scorer = BUILTIN_SCORERS[name]
    if callable(getattr(scorer, "score", None)):
        return str(scorer.name), scorer.score
    if callable(scorer):
        return getattr(scorer, "__name__", type(scorer).__name__), scorer
    raise ExplanationError(MSG_BAD_SCORER.format(kind=type(scorer).__name__))
