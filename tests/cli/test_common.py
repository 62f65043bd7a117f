"""What the verbs share: one --model/--trust-pickle definition, one JSON writer, exit 2."""

import argparse
import json

import pytest

from workbench._errors import AuditError, OutputError
from workbench._files import MSG_NOT_FINITE
from workbench.cli import build_parser, main
from workbench.cli._common import MODEL_HELP, TRUST_PICKLE_HELP, write_json

LOADING_VERBS = {"audit", "chat-audit", "check", "explain", "precompute", "report"}
SPEC_VERBS = {"review", "reviews"}
CHAIN_VERBS = {"reviews"}  # --model is optional: --verify checks the whole history without it
LISTING_VERBS = {"serve"}  # --model is repeatable and optional: the models the app lists
MESSAGE = "cannot write {path}: {reason}"


def _verbs() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_every_verb_that_takes_a_model_takes_it_the_same_way():
    verbs = _verbs()
    takes_model = {name for name, parser in verbs.items() if _option(parser, "--model")}
    assert takes_model == LOADING_VERBS | SPEC_VERBS | LISTING_VERBS
    for name in takes_model - LISTING_VERBS:
        model = _option(verbs[name], "--model")
        assert (model.required, model.help) == (name not in CHAIN_VERBS, MODEL_HELP), name
    for name in LISTING_VERBS:
        model = _option(verbs[name], "--model")
        assert isinstance(model, argparse._AppendAction) and not model.required, name


def test_every_verb_that_loads_a_model_accepts_trust_pickle_with_one_help():
    verbs = _verbs()
    loading = {name for name, parser in verbs.items() if _option(parser, "--trust-pickle")}
    assert loading == LOADING_VERBS
    for name in loading:
        trust = _option(verbs[name], "--trust-pickle")
        assert isinstance(trust, argparse._StoreTrueAction), name
        assert (trust.dest, trust.help) == ("trust_pickle", TRUST_PICKLE_HELP), name


@pytest.mark.parametrize("verb", sorted(LOADING_VERBS | SPEC_VERBS))
def test_help_of_each_verb_shows_the_shared_model_help(verb, capsys):
    with pytest.raises(SystemExit) as info:
        main([verb, "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert MODEL_HELP in out
    assert (TRUST_PICKLE_HELP in out) == (verb in LOADING_VERBS)


def test_json_goes_to_a_private_file_or_to_stdout(tmp_path, capsys):
    path = tmp_path / "out.json"
    write_json(str(path), {"a": 1}, error=AuditError, message=MESSAGE)
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 1}
    assert path.stat().st_mode & 0o777 == 0o600
    write_json("-", {"a": 1}, error=AuditError, message=MESSAGE)
    assert json.loads(capsys.readouterr().out) == {"a": 1}


def test_unwritable_json_raises_the_verbs_error_with_its_message(tmp_path):
    path = tmp_path / "missing-folder" / "out.json"
    with pytest.raises(AuditError) as info:
        write_json(str(path), {"a": 1}, error=AuditError, message=MESSAGE)
    assert str(info.value) == MESSAGE.format(path=path, reason="No such file or directory")


@pytest.mark.parametrize("destination", ["-", "out.json"])
def test_nan_is_refused_on_stdout_and_in_files_alike(destination, tmp_path, capsys):
    target = destination if destination == "-" else str(tmp_path / destination)
    with pytest.raises(OutputError) as info:
        write_json(target, {"score": float("nan")}, error=AuditError, message=MESSAGE)
    assert str(info.value) == MSG_NOT_FINITE.format(place="['score']", value="nan")
    assert capsys.readouterr().out == ""
    assert list(tmp_path.iterdir()) == []
