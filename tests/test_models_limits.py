"""Input limits: a message beyond a model's maximum characters or tokens is refused with a
message naming the limit, before any work; a 50 MB message never brings the process down."""

from __future__ import annotations

import shutil
import tracemalloc

import pytest
import yaml

import workbench
from workbench import InputError
from workbench.cli import main
from workbench.explain import explain
from workbench.models import InputLimits
from workbench.models._base import MSG_BAD_LIMIT, MSG_TOO_MANY_CHARACTERS, MSG_TOO_MANY_TOKENS
from workbench.spec import DEFAULT_MAX_CHARACTERS, DEFAULT_MAX_TOKENS

FIFTY_MB = 50 * 1024 * 1024
# Peak memory the refusal of a 50 MB message may take beyond the message itself.
REFUSAL_PEAK_BYTES = 1024 * 1024


@pytest.fixture(scope="module")
def huge_message():
    return ("i wrote a goodbye note tonight " * (FIFTY_MB // 30 + 1))[:FIFTY_MB]


@pytest.mark.parametrize("sample", ["crisis_text_sklearn", "crisis_text"])
def test_a_50_mb_message_is_refused_at_once(sample, huge_message):
    model = workbench.load_model(workbench.sample_model_specs()[sample])
    expected = MSG_TOO_MANY_CHARACTERS.format(
        position=0, count=FIFTY_MB, limit=DEFAULT_MAX_CHARACTERS, model=sample
    )
    for call in (
        lambda: model.predict_proba([huge_message]),
        lambda: explain(model, huge_message, method="lime", cache=None),
        lambda: explain(model, huge_message, cache=None),
    ):
        tracemalloc.start()
        try:
            with pytest.raises(InputError) as raised:
                call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert str(raised.value) == expected
        assert peak < REFUSAL_PEAK_BYTES


def test_too_many_tokens_within_the_characters_is_refused():
    model = workbench.load_model(workbench.sample_model_specs()["crisis_text_sklearn"])
    message = "a " * (DEFAULT_MAX_TOKENS + 1)
    with pytest.raises(InputError) as raised:
        model.predict_proba(["fine", message])
    assert str(raised.value) == MSG_TOO_MANY_TOKENS.format(
        position=1, limit=DEFAULT_MAX_TOKENS, model="crisis_text_sklearn"
    )
    model.predict_proba(["a " * DEFAULT_MAX_TOKENS])


def test_limits_come_from_the_spec_and_from_python(tmp_path):
    folder = tmp_path / "limited"
    shutil.copytree(workbench.sample_model_specs()["crisis_text_sklearn"].parent, folder)
    spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    spec.update(max_characters=30, max_tokens=4)
    (folder / "model.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    model = workbench.load_model(folder / "model.yaml")
    assert model.limits == InputLimits(max_characters=30, max_tokens=4)
    with pytest.raises(InputError, match="max_tokens: 4"):
        model.predict_proba(["one two three four five"])
    model.limits = InputLimits(max_characters=30, max_tokens=5)
    model.predict_proba(["one two three four five"])
    with pytest.raises(InputError) as raised:
        InputLimits(max_tokens=0)
    assert str(raised.value) == MSG_BAD_LIMIT.format(name="max_tokens", value=0)


def test_the_command_line_names_the_limit_and_exits_2(tmp_path, capsys):
    folder = tmp_path / "limited"
    shutil.copytree(workbench.sample_model_specs()["crisis_text"].parent, folder)
    spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    spec.update(max_characters=20)
    (folder / "model.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    text = "I wrote a goodbye note tonight"
    argv = ["explain", "--model", str(folder / "model.yaml"), "--text", text, "--json", "-"]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err
        == "workbench: error: "
        + MSG_TOO_MANY_CHARACTERS.format(position=0, count=len(text), limit=20, model="crisis_text")
        + "\n"
    )
