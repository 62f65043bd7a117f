"""The ``models`` verb (list the sample models) and ``check`` (load a spec, score one input)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from workbench.cli._common import MODEL_OPTIONS
from workbench.spec import GENERATIVE

if TYPE_CHECKING:
    from workbench.models import GenerativeModel
    from workbench.spec import ModelSpec

# Prompts `workbench check` sends a generative model whose spec names no data (synthetic).
CHECK_PROMPTS = ("I have not been sleeping well and I feel low.",)
CHECK_PROMPT_COUNT = 2
MSG_RESPONSE = "prompt {number}: {prompt!r}\nresponse {number}: {response!r}"


def add_model_commands(verbs: argparse._SubParsersAction) -> None:
    """Add ``models`` and ``check`` to the sub-commands."""
    models = verbs.add_parser("models", help="list the bundled sample models and their kinds")
    models.set_defaults(run=run_models)
    check = verbs.add_parser(
        "check",
        parents=[MODEL_OPTIONS],
        help="load a model spec and score one input (a generative model: answer two prompts) "
        "as a smoke test",
    )
    check.set_defaults(run=run_check)


def run_models(args: argparse.Namespace) -> int:
    """Print each sample model's name, kind and spec path; returns 0."""
    from workbench.spec import load_spec, sample_model_specs

    for name, path in sample_model_specs().items():
        print(f"{name}\t{load_spec(path).kind}\t{path}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Load the model, score the first row of its data, and print what was loaded; returns 0."""
    from workbench.data import load_dataset
    from workbench.models import describe_tokenizer, load_model
    from workbench.spec import load_spec

    model = load_model(args.model, trust_pickle=args.trust_pickle, device=args.device)
    spec = load_spec(args.model)
    if spec.kind == GENERATIVE:
        return _check_generative(model, spec)
    if spec.data is not None:
        data = load_dataset(spec).head(1)
        first = data[spec.text_column].tolist() if model.kind == "text" else data
        scores = dict(zip(model.class_names, model.predict_proba(first)[0].round(3).tolist()))
        print(f"first evaluation row scored: {scores}")
    print(
        f"{model.name}: {model.kind} model ({model.framework}), classes {list(model.class_names)}"
    )
    print(f"tokenizer: {describe_tokenizer(spec)}")
    print(f"fingerprint sha256 {model.fingerprint}")
    return 0


def _check_generative(model: GenerativeModel, spec: ModelSpec) -> int:
    """Answer the first prompts of the spec's data (or a synthetic one) and print the
    settings; returns 0."""
    from workbench.data import load_dataset

    prompts = list(CHECK_PROMPTS)
    if spec.data is not None:
        column = load_dataset(spec)[spec.text_column]
        prompts = column.dropna().astype(str).head(CHECK_PROMPT_COUNT).tolist() or prompts
    for number, (prompt, response) in enumerate(zip(prompts, model.generate(prompts)), 1):
        print(MSG_RESPONSE.format(number=number, prompt=prompt, response=response))
    print(f"{model.name}: generative model ({model.framework})")
    print(f"generation settings: {json.dumps(model.settings.to_dict())}")
    print(f"fingerprint sha256 {model.fingerprint}")
    return 0
