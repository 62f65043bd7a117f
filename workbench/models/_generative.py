"""Generative models (chat assistants): prompt in, response out, behind one interface that the
chatbot audit and attribution depend on; a local transformers causal language model and a plain
Python callable (e.g. a client of the team's own chat service) are its two adapters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from workbench._errors import InputError, ModelLoadError
from workbench.models._base import InputLimits, check_texts, run_model_code

if TYPE_CHECKING:
    from workbench.spec import ModelSpec

MSG_BAD_SETTING = "generation setting {name} must be {what}; got {value!r}"
MSG_NO_PROMPT_SLOT = (
    "prompt_template must contain '{{prompt}}' where the writer's message goes; got {template!r}"
)
MSG_BAD_RESPONSES = (
    "model {model!r} returned {kind} for {count} prompt(s); a generative model returns one "
    "response string per prompt"
)
MSG_BAD_BATCH_SIZE = "batch_size must be at least 1; got {batch_size}"
MSG_ENTRY_NOT_CALLABLE = "entry {entry!r} is not callable; name a function"


@dataclass(frozen=True, kw_only=True)
class GenerationSettings:
    """How responses are generated, recorded with every result: at most ``max_new_tokens``
    tokens, greedy unless ``do_sample`` (then ``temperature`` and ``top_p``), ``seed`` set before
    each batch; ``prompt_template`` wraps the writer's message (``{prompt}``) for a local model;
    a response is cut at the first ``stop`` text, when one is given."""

    max_new_tokens: int = 64
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    prompt_template: str = "{prompt}"
    stop: str = ""

    def __post_init__(self) -> None:
        _check(self.max_new_tokens, "max_new_tokens", "a whole number of at least 1", minimum=1)
        _check(self.seed, "seed", "a whole number of at least 0", minimum=0)
        if not isinstance(self.do_sample, bool):
            raise InputError(
                MSG_BAD_SETTING.format(name="do_sample", what="true or false", value=self.do_sample)
            )
        for name, low, high in (("temperature", 0.0, 100.0), ("top_p", 0.0, 1.0)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (low < value <= high)
            ):
                what = f"a number above {low:g} and at most {high:g}"
                raise InputError(MSG_BAD_SETTING.format(name=name, what=what, value=value))
        if not isinstance(self.prompt_template, str) or "{prompt}" not in self.prompt_template:
            raise InputError(MSG_NO_PROMPT_SLOT.format(template=self.prompt_template))
        if not isinstance(self.stop, str):
            raise InputError(MSG_BAD_SETTING.format(name="stop", what="text", value=self.stop))

    def format_prompt(self, prompt: str) -> str:
        """The model's input for the writer's message ``prompt``."""
        return self.prompt_template.replace("{prompt}", prompt)

    def cut(self, response: str) -> str:
        """``response`` up to the first stop text, without surrounding space."""
        if self.stop and self.stop in response:
            response = response[: response.index(self.stop)]
        return response.strip()

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values, for provenance."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class GenerativeInfo:
    """What a generative model is: its name, the SHA-256 of its files (empty when built in
    memory) and its generation settings."""

    name: str
    fingerprint: str = ""
    settings: GenerationSettings = field(default_factory=GenerationSettings)


class GenerativeModel(ABC):
    """A chat model: a list of prompts (the writers' messages) in, one response each out.

    Subclasses implement :meth:`_generate_batch`; batching, input checks (the same limits as
    the classifiers') and output checks live here once.
    """

    framework: str = "callable"
    kind: str = "generative"
    limits: InputLimits = InputLimits()

    def __init__(self, info: GenerativeInfo, *, batch_size: int) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(MSG_BAD_BATCH_SIZE.format(batch_size=batch_size))
        self.info = info
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, framework={self.framework!r})"

    @property
    def name(self) -> str:
        """The model's name, as the spec gives it."""
        return self.info.name

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the model's files (empty when built in memory); keys stored responses."""
        return self.info.fingerprint

    @property
    def settings(self) -> GenerationSettings:
        """The generation settings every response is made with."""
        return self.info.settings

    def generate(self, prompts: Sequence[str]) -> list[str]:
        """One response per prompt, generated in batches of :attr:`batch_size`."""
        texts = check_texts(prompts)
        self.limits.check(texts, model=self.name)
        responses: list[str] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            made = run_model_code(self.name, "generate", self._generate_batch, batch)
            responses.extend(self._checked(made, len(batch)))
        return responses

    @abstractmethod
    def _generate_batch(self, prompts: list[str]) -> list[str]:
        """Responses (without the prompt) for one batch of checked prompts."""

    def _checked(self, responses: Any, count: int) -> list[str]:
        if (
            isinstance(responses, str)
            or not isinstance(responses, Sequence)
            or len(responses) != count
            or not all(isinstance(response, str) for response in responses)
        ):
            raise InputError(
                MSG_BAD_RESPONSES.format(model=self.name, kind=_described(responses), count=count)
            )
        return [self.settings.cut(response) for response in responses]


class CallableGenerativeModel(GenerativeModel):
    """A generative model that is a Python function: ``respond(prompt) -> response``, or, when
    ``batched``, ``respond(prompts) -> responses``. The function owns its prompt format; the
    settings' ``stop`` still cuts its responses."""

    framework = "callable"

    def __init__(
        self,
        info: GenerativeInfo,
        *,
        respond: Callable[..., Any],
        batched: bool = False,
        batch_size: int = 16,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        self.respond = respond
        self.batched = batched

    def _generate_batch(self, prompts: list[str]) -> list[str]:
        if self.batched:
            return list(self.respond(prompts))
        return [self.respond(prompt) for prompt in prompts]


class TransformersGenerativeModel(GenerativeModel):
    """A local transformers causal language model and its tokenizer, generating on ``device``
    (a ``torch.device``) with the settings' template, length, decoding and seed."""

    framework = "transformers"

    def __init__(
        self,
        info: GenerativeInfo,
        *,
        model: Any,
        tokenizer: Any,
        device: Any = None,
        batch_size: int = 8,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        import torch

        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def _generate_batch(self, prompts: list[str]) -> list[str]:
        import torch

        settings = self.settings
        encoded = self.tokenizer(
            [settings.format_prompt(prompt) for prompt in prompts],
            return_tensors="pt",
            padding=True,
        ).to(self.device)
        options: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "do_sample": settings.do_sample,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if settings.do_sample:
            options.update(temperature=settings.temperature, top_p=settings.top_p)
        torch.manual_seed(settings.seed)
        with torch.inference_mode():
            output = self.model.generate(**encoded, **options)
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)


def load_transformers_generative(
    spec: ModelSpec, info: GenerativeInfo, batch: dict[str, int], *, trust_pickle: bool
) -> TransformersGenerativeModel:
    """The causal language model and tokenizer in the spec's weights folder (safetensors
    unless ``trust_pickle``; never a model hub), on the spec's device."""
    from workbench.models._device import resolve_device
    from workbench.models._transformers import read_transformers_folder

    model, tokenizer = read_transformers_folder(
        spec.weights, trust_pickle=trust_pickle, auto_class="AutoModelForCausalLM"
    )
    device = resolve_device(spec.device, model=spec.name)
    return TransformersGenerativeModel(
        info, model=model, tokenizer=tokenizer, device=device, **batch
    )


def load_callable_generative(
    spec: ModelSpec, info: GenerativeInfo, batch: dict[str, int], *, trust_pickle: bool
) -> CallableGenerativeModel:
    """The function the spec's ``entry`` names, called per prompt (``call: single``) or per
    list of prompts (``call: batch``); no weights are read."""
    from workbench.models._loading import import_object
    from workbench.spec import CALL_BATCH

    respond = import_object(spec.entry, base=spec.folder, model=spec.name)
    if not callable(respond):
        raise ModelLoadError(MSG_ENTRY_NOT_CALLABLE.format(entry=spec.entry))
    return CallableGenerativeModel(info, respond=respond, batched=spec.call == CALL_BATCH, **batch)


def _check(value: Any, name: str, what: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(MSG_BAD_SETTING.format(name=name, what=what, value=value))


def _described(value: Any) -> str:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return f"{len(value)} item(s) of types {sorted({type(v).__name__ for v in value})}"
    return type(value).__name__
