"""The table of explanation methods: which models each applies to, its parameters, its runner.

Adding a method means adding a row to :data:`METHODS`; the UI asks :func:`applicable_methods`
instead of knowing about model kinds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workbench._errors import ExplanationError
from workbench.explain._names import EXPLANATION_METHODS

if TYPE_CHECKING:
    from workbench.explain._inputs import RawAttribution
    from workbench.models import ModelAdapter

MSG_UNKNOWN_METHOD = "unknown explanation method {method!r}; known methods: {known}"
MSG_WRONG_KIND = (
    "method {method!r} does not apply to {kind} models; methods for model {model!r}: {methods}"
)
MSG_NEEDS_GRADIENTS = (
    "method {method!r} needs gradients, but model {model!r} ({framework}) has none; use a "
    "perturbation method instead: {methods}"
)
MSG_UNKNOWN_PARAM = "method {method!r} takes no parameter {name!r}; it takes {known}"
MSG_BAD_CHOICE = "parameter {name!r} of method {method!r} must be one of {choices}; got {value!r}"
MSG_BAD_NUMBER = (
    "parameter {name!r} of method {method!r} must be a number of at least {minimum}; got {value!r}"
)
MSG_BAD_WHOLE = (
    "parameter {name!r} of method {method!r} must be a whole number of at least {minimum}; "
    "got {value!r}"
)

Runner = Callable[[Any, Sequence[Any], int | None, Mapping[str, Any]], Iterator["RawAttribution"]]


@dataclass(frozen=True)
class Param:
    """One method parameter: its default and the values it accepts."""

    default: Any
    choices: tuple[str, ...] = ()
    minimum: float = 0


@dataclass(frozen=True)
class MethodInfo:
    """One explanation method and the models it applies to.

    ``runners`` maps each model kind the method applies to onto its implementation as
    ``module:function``, imported on first use (so the table imports neither torch nor Captum
    nor LIME) and called as ``runner(model, items, target or None, settings)``, yielding one
    raw attribution per explained input (for ``generative`` models ``runner(model, request,
    settings)`` returning one ``GenerativeAttribution``, see ``workbench.chat.explain_response``);
    ``params`` maps each kind onto the method's parameters there. ``raw_input`` methods read
    texts and raw rows even for differentiable models; ``batched`` ones explain many inputs in
    one pass.
    """

    name: str
    label: str
    description: str
    needs_gradients: bool
    runners: Mapping[str, str]
    params: Mapping[str, Mapping[str, Param]] = field(default_factory=dict)
    batched: bool = False
    raw_input: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """Model kinds the method applies to."""
        return tuple(self.runners)

    def applies_to(self, model: ModelAdapter) -> bool:
        """Whether the method can explain ``model``."""
        return model.kind in self.runners and (has_gradients(model) or not self.needs_gradients)

    def runner(self, kind: str) -> Runner:
        """The implementation for models of ``kind``, imported now if not yet."""
        module, _, function = self.runners[kind].partition(":")
        return getattr(importlib.import_module(module), function)

    def settings(self, kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """The given parameters checked, with defaults for the rest, sorted by name."""
        specs = self.params.get(kind, {})
        unknown = sorted(set(given) - set(specs))
        if unknown:
            raise ExplanationError(
                MSG_UNKNOWN_PARAM.format(method=self.name, name=unknown[0], known=sorted(specs))
            )
        return {
            name: _check(self.name, name, spec, given.get(name, spec.default))
            for name, spec in sorted(specs.items())
        }


def _check(method: str, name: str, spec: Param, value: Any) -> Any:
    fields = {"name": name, "method": method, "value": value, "minimum": spec.minimum}
    if spec.choices:
        if value not in spec.choices:
            raise ExplanationError(MSG_BAD_CHOICE.format(choices=list(spec.choices), **fields))
        return value
    if isinstance(spec.default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < spec.minimum:
            raise ExplanationError(MSG_BAD_WHOLE.format(**fields))
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < spec.minimum:
        raise ExplanationError(MSG_BAD_NUMBER.format(**fields))
    return float(value)


_SEED = Param(0)
_STEPS = Param(50, minimum=1)
# Text attributions per word (the message's words, shared by every method) or per token.
_UNIT = Param("word", choices=("word", "subword"))
_TEXT_BASELINE = Param("pad", choices=("pad", "mask"))
_TABULAR_BASELINE = Param("mean", choices=("mean", "median", "zero"))
_SHAP_SAMPLES = Param(20, minimum=1)
_STDEVS = Param(0.0)
# A removed prompt word of a generative model is dropped with the space before it, or replaced
# by a space as the classifier explainers do (see _captum_generative).
_PROMPT_BASELINE = Param("remove", choices=("remove", "space"))


def _sampled(n_samples: Param) -> dict[str, dict[str, Param]]:
    """Parameters of a perturbation method that samples feature subsets, for each kind."""
    return {
        "text": {"n_samples": n_samples, "seed": _SEED, "unit": _UNIT},
        "tabular": {"n_samples": n_samples, "seed": _SEED, "baseline": _TABULAR_BASELINE},
    }


_ROWS: Mapping[str, MethodInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            MethodInfo(
                name="ig",
                label="Integrated Gradients",
                description="path integral of gradients from a baseline; for text, Layer "
                "Integrated Gradients over the embedding layer",
                needs_gradients=True,
                batched=True,
                runners={
                    "text": "workbench.explain._captum_text:integrated_gradients",
                    "tabular": "workbench.explain._captum_tabular:integrated_gradients",
                },
                params={
                    "text": {
                        "n_steps": _STEPS,
                        "baseline": _TEXT_BASELINE,
                        "unit": _UNIT,
                    },
                    "tabular": {"n_steps": _STEPS, "baseline": _TABULAR_BASELINE},
                },
            ),
            MethodInfo(
                name="saliency",
                label="Saliency",
                description="absolute gradient with respect to each token's embedding",
                needs_gradients=True,
                batched=True,
                runners={"text": "workbench.explain._captum_text:saliency"},
                params={"text": {"unit": _UNIT}},
            ),
            MethodInfo(
                name="input_x_gradient",
                label="Input x Gradient",
                description="gradient times each token's embedding",
                needs_gradients=True,
                batched=True,
                runners={"text": "workbench.explain._captum_text:input_x_gradient"},
                params={"text": {"unit": _UNIT}},
            ),
            MethodInfo(
                name="deeplift",
                label="DeepLift",
                description="rescale-rule differences from a baseline, in one backward pass",
                needs_gradients=True,
                batched=True,
                runners={
                    "text": "workbench.explain._captum_text:deeplift",
                    "tabular": "workbench.explain._captum_tabular:deeplift",
                },
                params={
                    "text": {"baseline": _TEXT_BASELINE, "unit": _UNIT},
                    "tabular": {"baseline": _TABULAR_BASELINE},
                },
            ),
            MethodInfo(
                name="gradient_shap",
                label="GradientShap",
                description="expected gradients between random baselines and the input",
                needs_gradients=True,
                runners={
                    "text": "workbench.explain._captum_text:gradient_shap",
                    "tabular": "workbench.explain._captum_tabular:gradient_shap",
                },
                params={
                    "text": {
                        "n_samples": _SHAP_SAMPLES,
                        "stdevs": _STDEVS,
                        "seed": _SEED,
                        "baseline": _TEXT_BASELINE,
                        "unit": _UNIT,
                    },
                    "tabular": {
                        "n_samples": _SHAP_SAMPLES,
                        "stdevs": _STDEVS,
                        "seed": _SEED,
                        "baseline": _TABULAR_BASELINE,
                    },
                },
            ),
            MethodInfo(
                name="occlusion",
                label="Occlusion",
                description="score drop when a sliding window of tokens is removed",
                needs_gradients=False,
                runners={"text": "workbench.explain._perturbation:occlusion"},
                params={"text": {"window": Param(1, minimum=1), "unit": _UNIT}},
            ),
            MethodInfo(
                name="feature_ablation",
                label="Feature Ablation",
                description="score drop when each token or feature alone is removed",
                needs_gradients=False,
                runners={
                    "text": "workbench.explain._perturbation:feature_ablation",
                    "tabular": "workbench.explain._perturbation:feature_ablation",
                    "generative": "workbench.explain._captum_generative:feature_ablation",
                },
                params={
                    "text": {"unit": _UNIT},
                    "tabular": {"baseline": _TABULAR_BASELINE},
                    "generative": {"baseline": _PROMPT_BASELINE},
                },
            ),
            MethodInfo(
                name="shapley_sampling",
                label="Shapley Value Sampling",
                description="Shapley values estimated from random feature orders",
                needs_gradients=False,
                runners={
                    "text": "workbench.explain._perturbation:shapley_sampling",
                    "tabular": "workbench.explain._perturbation:shapley_sampling",
                    "generative": "workbench.explain._captum_generative:shapley_sampling",
                },
                params={
                    **_sampled(Param(25, minimum=1)),
                    "generative": {
                        "n_samples": Param(25, minimum=1),
                        "seed": _SEED,
                        "baseline": _PROMPT_BASELINE,
                    },
                },
            ),
            MethodInfo(
                name="kernel_shap",
                label="Kernel SHAP",
                description="weighted linear fit over random feature coalitions",
                needs_gradients=False,
                runners={
                    "text": "workbench.explain._perturbation:kernel_shap",
                    "tabular": "workbench.explain._perturbation:kernel_shap",
                },
                params=_sampled(Param(200, minimum=2)),
            ),
            MethodInfo(
                name="lime",
                label="LIME",
                description="seeded local linear surrogate fitted on perturbed inputs",
                needs_gradients=False,
                raw_input=True,
                runners={
                    "text": "workbench.explain._lime:lime_text",
                    "tabular": "workbench.explain._lime:lime_tabular",
                },
                params={
                    "text": {
                        "n_samples": Param(5000, minimum=2),
                        "kernel_width": Param(25.0, minimum=1e-9),
                        "seed": _SEED,
                        "unit": _UNIT,
                    },
                    "tabular": {
                        "n_samples": Param(5000, minimum=2),
                        "seed": _SEED,
                        "baseline": Param("mean", choices=("mean", "median")),
                    },
                },
            ),
            MethodInfo(
                name="layer_integrated_gradients",
                label="Layer Integrated Gradients",
                description="path integral of gradients on the input embeddings, from the pad "
                "token to each prompt word's tokens, of the response's log-probability",
                needs_gradients=True,
                runners={
                    "generative": "workbench.explain._captum_generative:layer_integrated_gradients"
                },
                params={"generative": {"n_steps": _STEPS}},
            ),
        )
    }
)
METHODS: Mapping[str, MethodInfo] = MappingProxyType(
    {name: _ROWS[name] for name in EXPLANATION_METHODS}
)


def applicable_methods(model: ModelAdapter) -> tuple[str, ...]:
    """Names of the methods that can explain ``model``, the default first."""
    names = [name for name, info in METHODS.items() if info.applies_to(model)]
    default = default_method(model)
    return (default, *[n for n in names if n != default])


def default_method(model: ModelAdapter) -> str:
    """Integrated Gradients for classifiers with gradients, feature ablation for the rest and
    for generative models (each word's exact removal effect)."""
    return "ig" if model.kind != "generative" and model.differentiable else "feature_ablation"


def has_gradients(model: ModelAdapter | Any) -> bool:
    """Whether gradients reach ``model``'s inputs: a differentiable classifier, or a local
    transformers generative model."""
    if model.kind == "generative":
        from workbench.models import TransformersGenerativeModel

        return isinstance(model, TransformersGenerativeModel)
    return model.differentiable


def method_info(model: ModelAdapter, method: str) -> MethodInfo:
    """The method's table row, after checking that it applies to ``model``."""
    if method not in METHODS:
        raise ExplanationError(MSG_UNKNOWN_METHOD.format(method=method, known=list(METHODS)))
    info = METHODS[method]
    if info.applies_to(model):
        return info
    if model.kind not in info.runners:
        raise ExplanationError(
            MSG_WRONG_KIND.format(
                method=method,
                kind=model.kind,
                model=model.name,
                methods=list(applicable_methods(model)),
            )
        )
    raise ExplanationError(
        MSG_NEEDS_GRADIENTS.format(
            method=method,
            model=model.name,
            framework=model.framework,
            methods=list(applicable_methods(model)),
        )
    )
