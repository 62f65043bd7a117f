"""A generative model's generation settings, checked when built: the spec reads them without
loading a model, its framework or pandas."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from workbench._errors import InputError

MSG_BAD_SETTING = "generation setting {name} must be {what}; got {value!r}"
MSG_NO_PROMPT_SLOT = (
    "prompt_template must contain '{{prompt}}' where the writer's message goes (or be empty: the "
    "model's own chat template); got {template!r}"
)
PROMPT_SLOT = "{prompt}"


@dataclass(frozen=True, kw_only=True)
class GenerationSettings:
    """How responses are generated, recorded with every result: at most ``max_new_tokens``
    tokens, greedy unless ``do_sample`` (then ``temperature`` and ``top_p``, each prompt sampled
    from its own generator seeded by ``seed`` and the prompt, so that a response does not depend
    on its batch); ``prompt_template`` wraps the writer's message (``{prompt}``) for a local
    model, which, when it is empty, uses its tokenizer's chat template (or reads the message as
    is, without one); a response is cut at the first ``stop`` text, when one is given."""

    max_new_tokens: int = 64
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    prompt_template: str = ""
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
        template = self.prompt_template
        if not isinstance(template, str) or (template and PROMPT_SLOT not in template):
            raise InputError(MSG_NO_PROMPT_SLOT.format(template=template))
        if not isinstance(self.stop, str):
            raise InputError(MSG_BAD_SETTING.format(name="stop", what="text", value=self.stop))

    def format_prompt(self, prompt: str) -> str:
        """The model's input for the writer's message ``prompt``."""
        if not self.prompt_template:
            return prompt
        return self.prompt_template.replace(PROMPT_SLOT, prompt)

    def prompt_start(self) -> int:
        """Where the writer's message starts in :meth:`format_prompt`'s text."""
        return self.prompt_template.find(PROMPT_SLOT) if self.prompt_template else 0

    def prompt_seed(self, prompt: str) -> int:
        """The sampling seed of ``prompt``: from ``seed`` and the prompt's text alone."""
        digest = hashlib.sha256(f"{self.seed}\n{prompt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 1

    def cut(self, response: str) -> str:
        """``response`` up to the first stop text, without surrounding space."""
        if self.stop and self.stop in response:
            response = response[: response.index(self.stop)]
        return response.strip()

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values, for provenance."""
        return asdict(self)


def _check(value: Any, name: str, what: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(MSG_BAD_SETTING.format(name=name, what=what, value=value))
