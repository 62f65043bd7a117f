"""The ``explain`` verb: explain one message or one row of a data file, written as JSON."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from typing import TYPE_CHECKING, Any

from workbench._errors import ExplanationError
from workbench.cli._common import MODEL_OPTIONS, STDOUT, write_json
from workbench.explain._names import EXPLANATION_METHODS

if TYPE_CHECKING:
    import pandas as pd

    from workbench.explain import Explanation

MSG_DATA_NEEDS_ROW = "--data needs --row N, the position of the row to explain (0 is the first)"
MSG_ROW_NEEDS_DATA = "--row needs --data FILE, the table holding the row"
MSG_TABULAR_NEEDS_ROW = "model {model!r} is tabular; explain a row with --data FILE --row N"
MSG_BAD_ROW = "--row {row} is outside the {n} rows of {file} (give 0 to {last})"
MSG_NO_TEXT_COLUMN = (
    "cannot find the messages in {file}: the spec names text_column {column!r} and the file has "
    "columns {present}"
)
MSG_BAD_PARAM = "--param takes NAME=VALUE, e.g. n_steps=50; got {value!r}"
MSG_CANNOT_WRITE = "cannot write the explanation JSON to {path}: {reason}"
MSG_CLASSIFIER_OPTION = "{option} is for generative (chat) models; model {model!r} is a classifier"
TOP_SHOWN = 5


def add_explain_command(verbs: argparse._SubParsersAction) -> None:
    """Add the ``explain`` verb to the sub-commands."""
    parser = verbs.add_parser(
        "explain",
        parents=[MODEL_OPTIONS],
        help="explain one message or one table row; write the attributions as JSON",
        description="Explain a model's score for one input with Captum or LIME, check the "
        "explanation's faithfulness, and write it as JSON. Exit 2 with the reason on bad input.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the message to explain (text models)")
    source.add_argument("--data", help="CSV or Parquet file holding the row to explain")
    parser.add_argument("--row", type=int, help="position of the row in --data (0 is the first)")
    parser.add_argument(
        "--method",
        choices=EXPLANATION_METHODS,
        help="explanation method (default: ig for models with gradients, else feature_ablation)",
    )
    parser.add_argument(
        "--target",
        help="class to explain, by name or index (default: predicted); for a generative model, "
        "the response text to explain (default: its own response)",
    )
    parser.add_argument(
        "--span",
        help="generative models: the piece of the response whose log-probability is attributed "
        "(e.g. the crisis-line sentence)",
    )
    parser.add_argument(
        "--scorer",
        help="generative models: attribute this scorer's outcome on the regenerated responses "
        "(e.g. refers_to_crisis; the default for callable models)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a method parameter, e.g. n_steps=50 or n_samples=1000 (repeatable)",
    )
    parser.add_argument(
        "--background",
        help="rows whose mean or median is the tabular baseline (default: the spec's data, "
        "else --data)",
    )
    parser.add_argument(
        "--json", required=True, metavar="OUT", help="where to write the explanation ('-': stdout)"
    )
    parser.add_argument(
        "--no-redact",
        dest="redact",
        action="store_false",
        help="keep names, contacts, dates and ID numbers in the message and its words as written "
        "(default: replaced by tags such as [NAME] in the JSON and on the terminal)",
    )
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    """Explain the input named on the command line and write the JSON; 0 on success."""
    if args.data is not None and args.row is None:
        raise ExplanationError(MSG_DATA_NEEDS_ROW)
    if args.data is None and args.row is not None:
        raise ExplanationError(MSG_ROW_NEEDS_DATA)
    from workbench.data import read_table
    from workbench.explain import explain
    from workbench.models import load_classifier
    from workbench.spec import load_spec

    spec = load_spec(args.model)
    if spec.kind == "generative":
        return _run_generative(args, spec)
    for option, value in (("--span", args.span), ("--scorer", args.scorer)):
        if value is not None:
            raise ExplanationError(MSG_CLASSIFIER_OPTION.format(option=option, model=spec.name))
    model = load_classifier(
        spec, task="`workbench explain`", trust_pickle=args.trust_pickle, device=args.device
    )
    params = dict(_parse_param(value) for value in args.param)
    target = _parse_target(args.target, model.class_names)
    if model.kind == "text":
        text = args.text if args.text is not None else _text_of_row(args.data, args.row, spec)
        explanation = explain(
            model, text, method=args.method, target=target, faithfulness=True, **params
        )
        described: dict[str, Any] = {"text": text, "text_redacted": args.redact}
        if args.redact:
            described["text"], explanation = _redacted(text, explanation)
        if args.data is not None:
            described.update(data=str(args.data), row=args.row)
    else:
        if args.data is None:
            raise ExplanationError(MSG_TABULAR_NEEDS_ROW.format(model=model.name))
        row = _row(read_table(args.data), args.row, args.data)
        background_file = args.background or spec.data or args.data
        explanation = explain(
            model,
            row,
            method=args.method,
            target=target,
            background=read_table(background_file),
            faithfulness=True,
            **params,
        )
        described = {
            "data": str(args.data),
            "row": args.row,
            "values": json.loads(row.to_json(orient="records"))[0],
            "background": str(background_file),
        }
    payload = {
        "model": {"name": model.name, "spec": str(spec.path), "fingerprint": model.fingerprint},
        "input": described,
        **explanation.to_dict(),
    }
    write_json(args.json, payload, error=ExplanationError, message=MSG_CANNOT_WRITE)
    if args.json != STDOUT:
        _summarise(explanation, args.json)
    return 0


def _run_generative(args: argparse.Namespace, spec: Any) -> int:
    """Explain a chat model's response to the prompt on the command line; write the JSON."""
    from workbench.chat import explain_response
    from workbench.models import load_model
    from workbench.privacy import redact

    model = load_model(spec, trust_pickle=args.trust_pickle, device=args.device)
    params = dict(_parse_param(value) for value in args.param)
    prompt = args.text if args.text is not None else _text_of_row(args.data, args.row, spec)
    explanation = explain_response(
        model,
        prompt,
        target=args.target,
        span=args.span,
        method=args.method or "feature_ablation",
        scorer=args.scorer,
        **params,
    )
    described: dict[str, Any] = {"text": prompt, "text_redacted": args.redact}
    if args.redact:
        described["text"], explanation = _redacted(prompt, explanation)
        texts = {
            key: None if value is None else redact(value).text
            for key, value in explanation.params.items()
            if key in ("prompt", "response", "span")
        }
        explanation = dataclasses.replace(
            explanation,
            target_name=redact(explanation.target_name).text,
            params={**explanation.params, **texts},
        )
    if args.data is not None:
        described.update(data=str(args.data), row=args.row)
    payload = {
        "model": {"name": model.name, "spec": str(spec.path), "fingerprint": model.fingerprint},
        "input": described,
        **explanation.to_dict(),
    }
    write_json(args.json, payload, error=ExplanationError, message=MSG_CANNOT_WRITE)
    if args.json != STDOUT:
        _summarise_generative(explanation, args.json)
    return 0


def _summarise_generative(explanation: Explanation, destination: str) -> None:
    outcome = explanation.params["outcome"]
    print(
        f"{explanation.method}: which prompt words drove {outcome} of "
        f"{explanation.target_name!r} ({explanation.score:.3f}):"
    )
    for feature, value in zip(explanation.features, explanation.attributions):
        print(f"  {feature:<24} {value:+.4f}")
    for note in explanation.notes:
        print(f"note: {note}")
    print(f"wrote {destination}")


def _redacted(text: str, explanation: Explanation) -> tuple[str, Explanation]:
    """The message with its identifiers tagged, and the explanation with each word of an
    identifier shown as that tag, in its features and in its notes."""
    from workbench.models import split_words
    from workbench.privacy import find_phi, redact, tag

    tags = {
        word.lower(): tag(span.kind)
        for span in find_phi(text)
        for word in split_words(text[span.start : span.end])
        if any(char.isalnum() for char in word)
    }
    features = tuple(tags.get(feature.lower(), feature) for feature in explanation.features)
    notes = explanation.notes
    for word, placeholder in tags.items():
        word_pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        notes = tuple(word_pattern.sub(placeholder, note) for note in notes)
    redacted = dataclasses.replace(explanation, features=features, notes=notes)
    return redact(text).text, redacted


def _parse_param(value: str) -> tuple[str, Any]:
    name, sep, raw = value.partition("=")
    if not sep or not name.strip() or not raw.strip():
        raise ExplanationError(MSG_BAD_PARAM.format(value=value))
    raw = raw.strip()
    if raw.lower() in ("true", "false"):
        return name.strip(), raw.lower() == "true"
    for convert in (int, float):
        try:
            return name.strip(), convert(raw)
        except ValueError:
            continue
    return name.strip(), raw


def _parse_target(value: str | None, class_names: tuple[str, ...]) -> int | str | None:
    if value is None or value in class_names or not value.isdigit():
        return value
    return int(value)


def _row(table: pd.DataFrame, position: int, file: str) -> pd.DataFrame:
    if not 0 <= position < len(table):
        raise ExplanationError(
            MSG_BAD_ROW.format(row=position, n=len(table), file=file, last=len(table) - 1)
        )
    return table.iloc[[position]].reset_index(drop=True)


def _text_of_row(file: str, position: int, spec: Any) -> str:
    from workbench.data import read_table

    table = read_table(file)
    column = spec.text_column or "text"
    if column not in table.columns:
        raise ExplanationError(
            MSG_NO_TEXT_COLUMN.format(file=file, column=column, present=list(table.columns))
        )
    return _row(table, position, file)[column].iloc[0]


def _summarise(explanation: Explanation, destination: str) -> None:
    from workbench.presentation import completeness

    print(
        f"{explanation.method} explanation of {explanation.target_name!r} "
        f"(score {explanation.score:.3f}):"
    )
    for feature, value in explanation.top(TOP_SHOWN):
        print(f"  {feature:<24} {value:+.4f}")
    faith = explanation.faithfulness
    print(
        f"faithfulness: comprehensiveness {faith.comprehensiveness:.3f}, "
        f"sufficiency {faith.sufficiency:.3f}"
    )
    gap = completeness(explanation.completeness_gap)
    if gap is not None:
        print(gap)
    for note in explanation.notes:
        print(f"note: {note}")
    print(f"wrote {destination}")
