"""The ``models`` verb (list the sample models) and ``check`` (load a spec, score one input)."""

from __future__ import annotations

import argparse

from workbench.cli._common import MODEL_OPTIONS


def add_model_commands(verbs: argparse._SubParsersAction) -> None:
    """Add ``models`` and ``check`` to the sub-commands."""
    models = verbs.add_parser("models", help="list the bundled sample models")
    models.set_defaults(run=run_models)
    check = verbs.add_parser(
        "check",
        parents=[MODEL_OPTIONS],
        help="load a model spec and score one input as a smoke test",
    )
    check.set_defaults(run=run_check)


def run_models(args: argparse.Namespace) -> int:
    """Print each sample model's name and spec path; returns 0."""
    from workbench.spec import sample_model_specs

    for name, path in sample_model_specs().items():
        print(f"{name}\t{path}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Load the model, score the first row of its data, and print what was loaded; returns 0."""
    from workbench.data import load_dataset
    from workbench.models import describe_tokenizer, load_model
    from workbench.spec import load_spec

    model = load_model(args.model, trust_pickle=args.trust_pickle, device=args.device)
    spec = load_spec(args.model)
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
