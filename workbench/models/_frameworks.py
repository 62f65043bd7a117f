"""The model frameworks a spec may name, in the order they are offered: the kinds each reads,
the spec keys it needs and where its loader lives. Light, so validating a spec imports no
framework; a new framework is a row here and its loader in a module of this folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MSG_NEEDS_WEIGHTS = "framework {framework!r} needs 'weights' (a file or folder path)"
MSG_NEEDS_ENTRY = (
    "framework {framework!r} needs 'entry', the function as 'module:function' or 'file.py:function'"
)
MSG_NEEDS_TOKENIZER = (
    "a {framework} text model needs 'tokenizer': the model's own (a Hugging Face tokenizer "
    "folder, a tokenizers JSON file, or a function 'file.py:function' that returns ids and "
    "mask) or the workbench's word tokenizer JSON (WordTokenizer.save)"
)
MSG_KIND_NOT_SUPPORTED = "framework {framework!r} supports kind {kinds} only"


@dataclass(frozen=True)
class Need:
    """A spec key a framework needs, for the kinds named (every kind when none are named), and
    what to say when it is missing (formatted with ``framework``)."""

    key: str
    message: str
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Framework:
    """A model framework: the kinds it reads, the spec keys it needs and its loader.

    ``loader`` names ``module:function``, imported on the first load; the function takes
    ``(spec, info, batch, *, trust_pickle)`` (``batch`` holds ``batch_size`` when the spec sets
    one) and returns the model's adapter. ``kind_loaders`` names another loader for a kind
    (a generative model's, which takes a GenerativeInfo and returns a GenerativeModel).
    ``devices`` says whether its models run on a GPU (the spec's ``device``); the others run
    on the CPU.
    """

    name: str
    kinds: tuple[str, ...]
    needs: tuple[Need, ...]
    loader: str
    devices: bool = False
    kind_loaders: Mapping[str, str] = field(default_factory=dict)

    def loader_for(self, kind: str) -> str:
        """The ``module:function`` that loads a model of ``kind``."""
        return self.kind_loaders.get(kind, self.loader)

    def missing(self, kind: str, keys: set[str]) -> str | None:
        """What a spec of ``kind`` with ``keys`` lacks for this framework, or ``None``."""
        for need in self.needs:
            if need.key not in keys and (not need.kinds or kind in need.kinds):
                return need.message.format(framework=self.name)
        if kind not in self.kinds:
            kinds = " or ".join(repr(k) for k in self.kinds)
            return MSG_KIND_NOT_SUPPORTED.format(framework=self.name, kinds=kinds)
        return None


FRAMEWORKS: dict[str, Framework] = {
    framework.name: framework
    for framework in (
        Framework(
            name="torch",
            kinds=("text", "tabular"),
            needs=(
                Need("weights", MSG_NEEDS_WEIGHTS),
                Need("tokenizer", MSG_NEEDS_TOKENIZER, kinds=("text",)),
            ),
            loader="workbench.models._torch:load_torch",
            devices=True,
        ),
        Framework(
            name="sklearn",
            kinds=("text", "tabular"),
            needs=(Need("weights", MSG_NEEDS_WEIGHTS),),
            loader="workbench.models._sklearn:load_sklearn",
        ),
        Framework(
            name="transformers",
            kinds=("text", "generative"),
            needs=(Need("weights", MSG_NEEDS_WEIGHTS),),
            loader="workbench.models._transformers:load_transformers",
            devices=True,
            kind_loaders={
                "generative": "workbench.models._generative:load_transformers_generative"
            },
        ),
        Framework(
            name="callable",
            kinds=("text", "tabular", "generative"),
            needs=(Need("entry", MSG_NEEDS_ENTRY),),
            loader="workbench.models._callable:load_callable",
            kind_loaders={"generative": "workbench.models._generative:load_callable_generative"},
        ),
    )
}
