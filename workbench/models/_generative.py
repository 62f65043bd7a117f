"""Generative models (chat assistants): prompt in, response out, behind one interface that the
chatbot audit and attribution depend on; a local transformers causal language model and a plain
Python callable (e.g. a client of the team's own chat service) are its two adapters."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench._errors import InputError, ModelLoadError
from workbench.models._base import InputLimits, check_texts, run_model_code
from workbench.models._generation import PROMPT_SLOT, GenerationSettings

if TYPE_CHECKING:
    from workbench.spec import ModelSpec

MSG_CHAT_TEMPLATE = (
    "the chat template of model {model!r} does not put the writer's message in its input once "
    "(it wrote {template!r} for the message '{{prompt}}'); give generation: prompt_template, "
    "e.g. 'User: {{prompt}}\\nAssistant:'"
)
MSG_NO_PAD_TOKEN = (
    "the tokenizer of model {model!r} has neither a pad token nor an end-of-text token, so "
    "prompts cannot be generated in batches; save the tokenizer with a pad_token"
)
MSG_PROMPT_TOO_LONG = (
    "prompt {position} is {tokens} tokens as model {model!r} reads it (template included); the "
    "model reads at most {window} tokens, {new} of them for the response (max_new_tokens), "
    "which leaves {room} for the prompt: shorten the prompt or lower max_new_tokens"
)
MSG_BAD_RESPONSES = (
    "model {model!r} returned {kind} for {count} prompt(s); a generative model returns one "
    "response string per prompt"
)
MSG_BAD_BATCH_SIZE = "batch_size must be at least 1; got {batch_size}"
MSG_ENTRY_NOT_CALLABLE = "entry {entry!r} is not callable; name a function"


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
    # Whether an empty message can be answered: a local model reads its template (or its
    # start-of-text token); a callable owns its prompt format and is never sent an empty prompt.
    answers_empty_prompt: bool = False

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

    def generate(self, prompts: Sequence[str], *, allow_empty: bool = False) -> list[str]:
        """One response per prompt, generated in batches of :attr:`batch_size`; empty prompts
        only when ``allow_empty`` (for a model that :attr:`answers_empty_prompt`)."""
        texts = check_texts(prompts, allow_empty=allow_empty and self.answers_empty_prompt)
        self.limits.check(texts, model=self.name)
        starts = range(0, len(texts), self.batch_size)
        batches = [texts[start : start + self.batch_size] for start in starts]
        # Every batch is made ready before any is generated, so that a prompt the model cannot
        # answer is refused before anything is generated.
        inputs = [
            run_model_code(self.name, "generate", self._model_inputs, batch, start)
            for batch, start in zip(batches, starts, strict=True)
        ]
        responses: list[str] = []
        for batch, batch_inputs in zip(batches, inputs, strict=True):
            made = run_model_code(self.name, "generate", self._generate_batch, batch_inputs)
            responses.extend(self._checked(made, len(batch)))
        return responses

    def _model_inputs(self, prompts: list[str], start: int) -> Any:
        """What :meth:`_generate_batch` reads for the batch ``prompts`` (the call's prompts from
        position ``start`` on), refusing the prompts this model cannot answer; by default the
        prompts themselves, all answered."""
        return prompts

    @abstractmethod
    def _generate_batch(self, inputs: Any) -> list[str]:
        """Responses (without the prompt) for one batch's :meth:`_model_inputs`."""

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
    (a ``torch.device``) with the settings' template, length, decoding and seed.

    Any family loads the same way: prompts are left-padded (with the end-of-text token when the
    tokenizer has no pad token); an empty ``prompt_template`` becomes the tokenizer's chat
    template around the message, so the settings record what the model reads; a BOS token
    written by the template is dropped when the tokenizer adds one itself (never two); prompts
    too long for the model's context window are refused before generating. Half-precision
    weights run in float32 on the CPU, where half precision is slow and its log-probabilities
    too coarse to attribute (steps of 1/32 in bfloat16).
    """

    framework = "transformers"
    answers_empty_prompt = True

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
        if self.device.type == "cpu" and self.model.dtype in (torch.float16, torch.bfloat16):
            self.model = self.model.float()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            if tokenizer.eos_token is None:
                raise ModelLoadError(MSG_NO_PAD_TOKEN.format(model=info.name))
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._adds_bos = _adds_bos(tokenizer)
        template = _model_template(tokenizer, info.settings.prompt_template, model=info.name)
        if self._adds_bos and template.startswith(tokenizer.bos_token):
            template = template[len(tokenizer.bos_token) :]
        self.info = dataclasses.replace(
            info, settings=dataclasses.replace(info.settings, prompt_template=template)
        )

    @property
    def context_window(self) -> int | None:
        """The most tokens the model reads (prompt and response), from its config."""
        config = getattr(self.model, "config", None)
        for name in ("n_positions", "max_position_embeddings"):
            value = getattr(config, name, None)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    def model_text(self, prompt: str) -> str:
        """What the model reads for the writer's message ``prompt``: the message in its template;
        when that is empty and the tokenizer adds no BOS, the start-of-text token alone (the
        BOS token, else the end-of-text token that starts a GPT-2 document)."""
        text = self.settings.format_prompt(prompt)
        if text or self._adds_bos:
            return text
        return self.tokenizer.bos_token or self.tokenizer.eos_token

    def _model_inputs(self, prompts: list[str], start: int) -> _EncodedBatch:
        """The batch's model texts, left-padded and encoded once: for generating and for
        refusing a prompt too long for the context window (its tokens counted by the
        attention mask, padding excluded)."""
        encoded = self.tokenizer(
            [self.model_text(prompt) for prompt in prompts], return_tensors="pt", padding=True
        )
        window = self.context_window
        if window is not None:
            new = self.settings.max_new_tokens
            room = window - new
            for row, tokens in enumerate(encoded["attention_mask"].sum(dim=1).tolist()):
                if tokens > room:
                    raise InputError(
                        MSG_PROMPT_TOO_LONG.format(
                            position=start + row,
                            tokens=tokens,
                            model=self.name,
                            window=window,
                            new=new,
                            room=max(room, 0),
                        )
                    )
        return _EncodedBatch(prompts=prompts, encoded=encoded)

    def _generate_batch(self, inputs: _EncodedBatch) -> list[str]:
        import torch

        settings, prompts = self.settings, inputs.prompts
        encoded = inputs.encoded.to(self.device)
        options: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "do_sample": False,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if settings.do_sample:
            options["logits_processor"] = _seeded_sampling(settings, prompts, device=self.device)
        with torch.inference_mode():
            output = self.model.generate(**encoded, **options)
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)


@dataclass(frozen=True)
class _EncodedBatch:
    """A batch of prompts and the tokenizer's encoding of their model texts (a
    ``BatchEncoding`` of left-padded tensors)."""

    prompts: list[str]
    encoded: Any


def _adds_bos(tokenizer: Any) -> bool:
    """Whether the tokenizer puts its BOS token before every text it encodes."""
    bos = tokenizer.bos_token_id
    ids = tokenizer("a")["input_ids"]
    return bos is not None and bool(ids) and ids[0] == bos


def _model_template(tokenizer: Any, template: str, *, model: str) -> str:
    """``template``, or, when it is empty, the tokenizer's chat template for one user message
    (with the assistant's turn opened) as a template with one ``{prompt}``; empty without one."""
    if template or not getattr(tokenizer, "chat_template", None):
        return template
    message = [{"role": "user", "content": PROMPT_SLOT}]
    written = run_model_code(
        model,
        "apply its chat template",
        lambda: tokenizer.apply_chat_template(message, tokenize=False, add_generation_prompt=True),
    )
    if not isinstance(written, str) or written.count(PROMPT_SLOT) != 1:
        raise ModelLoadError(MSG_CHAT_TEMPLATE.format(model=model, template=written))
    return written


def _seeded_sampling(settings: GenerationSettings, prompts: list[str], *, device: Any) -> Any:
    """A logits processor that samples each row's next token (temperature, top-p) from its own
    generator, seeded by the settings' seed and the row's prompt, and leaves it the only token
    greedy decoding can pick: a response depends on its prompt and seed, never on its batch."""
    import torch
    from transformers import (
        LogitsProcessor,
        LogitsProcessorList,
        TemperatureLogitsWarper,
        TopPLogitsWarper,
    )

    generators = [
        torch.Generator(device=device).manual_seed(settings.prompt_seed(prompt))
        for prompt in prompts
    ]
    warpers = LogitsProcessorList([TemperatureLogitsWarper(settings.temperature)])
    if settings.top_p < 1.0:
        warpers.append(TopPLogitsWarper(settings.top_p))

    class SeededSampler(LogitsProcessor):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            probabilities = torch.softmax(warpers(input_ids, scores).float(), dim=-1)
            chosen = torch.cat(
                [
                    torch.multinomial(row, 1, generator=generator)
                    for row, generator in zip(probabilities, generators, strict=True)
                ]
            )
            only = torch.full_like(scores, -float("inf"))
            return only.scatter_(1, chosen.unsqueeze(1), 0.0)

    return LogitsProcessorList([SeededSampler()])


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


def _described(value: Any) -> str:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return f"{len(value)} item(s) of types {sorted({type(v).__name__ for v in value})}"
    return type(value).__name__
