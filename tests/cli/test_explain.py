"""The ``workbench explain`` verb: JSON out for a message or a row, exit 2 with the reason."""

import json

import pytest
from explain.cases import TINY_TEXT_SPEC, sample
from safetensors.torch import save_file

import workbench
from workbench.cli import main
from workbench.cli._explain import (
    MSG_BAD_PARAM,
    MSG_BAD_ROW,
    MSG_DATA_NEEDS_ROW,
    MSG_ROW_NEEDS_DATA,
    MSG_TABULAR_NEEDS_ROW,
)


@pytest.fixture
def text_spec(spec_writer, tiny_text_module, tiny_tokenizer):
    path = spec_writer(**TINY_TEXT_SPEC)
    save_file(tiny_text_module.state_dict(), path.parent / "weights.safetensors")
    tiny_tokenizer.save(path.parent / "tokenizer.json")
    (path.parent / "messages.csv").write_text(
        "text,label\nI feel hopeless tonight,urgent\nneed a refill,routine\n"
    )
    return path


def run(*args):
    return main(["explain", *map(str, args)])


def test_text_to_json(text_spec, tmp_path, capsys):
    out = tmp_path / "out.json"
    assert run("--model", text_spec, "--text", "I feel hopeless tonight", "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["method"] == "ig" and payload["target_name"] == "urgent"
    assert [a["feature"] for a in payload["attributions"]] == ["i", "feel", "hopeless", "tonight"]
    assert payload["params"]["n_steps"] == 50
    assert payload["input"] == {"text": "I feel hopeless tonight", "text_redacted": True}
    assert payload["model"]["name"] == "tiny"
    assert payload["faithfulness"]["comprehensiveness"] > 0
    assert 0 < payload["score"] < 1 and payload["convergence_delta"] is not None
    assert payload["params"]["unit"] == "word"
    assert payload["completeness_gap"] < payload["completeness_tolerance"]
    assert payload["completeness_exceeded"] is False
    printed = capsys.readouterr().out
    assert "ig explanation of 'urgent'" in printed and "hopeless" in printed
    assert "Completeness gap " in printed and "of the score change (tolerance 5%)." in printed


MESSAGE_WITH_PHI = "Hi, my name is Priya Raman, call 07700 900461 tonight"


def test_identifiers_are_tagged_in_the_json_and_on_the_terminal(text_spec, tmp_path, capsys):
    out = tmp_path / "out.json"
    assert run("--model", text_spec, "--text", MESSAGE_WITH_PHI, "--json", out) == 0
    written = out.read_text()
    payload = json.loads(written)
    assert payload["input"] == {
        "text": "Hi, my name is [NAME], call [PHONE] tonight", "text_redacted": True
    }
    features = [a["feature"] for a in payload["attributions"]]
    assert features[5:7] == ["[NAME]", "[NAME]"]
    printed = capsys.readouterr().out
    for identifier in ("priya", "raman", "07700", "900461"):
        assert identifier not in written.lower() and identifier not in printed.lower()


def test_json_file_is_owner_only_under_the_usual_umask(text_spec, tmp_path, usual_umask):
    out = tmp_path / "out.json"
    assert run("--model", text_spec, "--text", "I feel hopeless tonight", "--json", out) == 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_no_redact_keeps_the_message_and_says_so(text_spec, tmp_path):
    out = tmp_path / "out.json"
    assert run("--model", text_spec, "--text", MESSAGE_WITH_PHI, "--no-redact", "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["input"] == {"text": MESSAGE_WITH_PHI, "text_redacted": False}
    assert [a["feature"] for a in payload["attributions"]][5:7] == ["priya", "raman"]


def test_row_of_a_text_file_with_lime_and_params(text_spec, tmp_path):
    out = tmp_path / "out.json"
    data = text_spec.parent / "messages.csv"
    assert run("--model", text_spec, "--data", data, "--row", 1, "--method", "lime",
               "--param", "n_samples=100", "--param", "seed=3", "--target", "routine",
               "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["input"] == {
        "text": "need a refill", "text_redacted": True, "data": str(data), "row": 1
    }
    assert payload["params"] == {
        "kernel_width": 25.0, "n_samples": 100, "seed": 3, "unit": "word"
    }
    assert payload["target_name"] == "routine"


def test_subword_unit_on_request(text_spec, tmp_path):
    out = tmp_path / "out.json"
    assert run("--model", text_spec, "--text", "I feel hopeless tonight", "--param",
               "unit=subword", "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["params"]["unit"] == "subword"
    assert [a["feature"] for a in payload["attributions"]] == ["i", "feel", "hopeless", "tonight"]


def test_json_to_stdout(text_spec, capsys):
    assert run("--model", text_spec, "--text", "hopeless", "--target", "1", "--json", "-") == 0
    assert json.loads(capsys.readouterr().out)["target"] == 1


def sample_spec(name):
    sample(name)
    return workbench.sample_model_specs()[name]


def test_tabular_row(tmp_path):
    out = tmp_path / "row.json"
    spec = sample_spec("relapse_tabular")
    assert run("--model", spec, "--data", spec.parent / "data.csv", "--row", 2,
               "--method", "kernel_shap", "--param", "n_samples=64", "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["input"]["row"] == 2 and "phq9" in payload["input"]["values"]
    assert payload["params"]["background_rows"] > 0
    assert payload["faithfulness"]["infidelity"] is not None
    assert len(payload["attributions"]) == 8


def test_tabular_background_file(tmp_path):
    _, data, _ = sample("relapse_tabular")
    background = tmp_path / "background.csv"
    data.iloc[:50].to_csv(background, index=False)
    out = tmp_path / "row.json"
    assert run("--model", sample_spec("relapse_tabular"), "--data", background, "--row", 0,
               "--background", background, "--json", out) == 0
    payload = json.loads(out.read_text())
    assert payload["params"] == {"background_rows": 50, "baseline": "mean", "n_steps": 50}
    assert payload["input"]["background"] == str(background)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--text", "   "], "the message is empty"),
        (["--text", "hi", "--target", "angry"], "target 'angry' is not a class of model"),
        (["--text", "hi", "--param", "n_steps"], MSG_BAD_PARAM.format(value="n_steps")),
        (["--text", "hi", "--param", "steps=3"], "takes no parameter 'steps'"),
        (["--text", "hi", "--row", "1"], MSG_ROW_NEEDS_DATA),
        (["--data", "{data}"], MSG_DATA_NEEDS_ROW),
        (["--data", "{data}", "--row", "9"], MSG_BAD_ROW.format(row=9, n=2, file="{data}",
                                                                last=1)),
    ],
)
def test_bad_input_exits_2_with_the_reason(text_spec, tmp_path, capsys, args, message):
    data = str(text_spec.parent / "messages.csv")
    args = [a.replace("{data}", data) for a in args]
    message = message.replace("{data}", data)
    assert run("--model", text_spec, *args, "--json", tmp_path / "x.json") == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_tabular_model_needs_a_row(tmp_path, capsys):
    spec = sample_spec("relapse_tabular")
    assert run("--model", spec, "--text", "hi", "--json", tmp_path / "x.json") == 2
    assert MSG_TABULAR_NEEDS_ROW.format(model="relapse_tabular") in capsys.readouterr().err


def test_gradients_asked_of_a_model_without_them(tmp_path, capsys):
    spec = sample_spec("crisis_text_sklearn")
    assert run("--model", spec, "--text", "hi", "--method", "ig", "--json",
               tmp_path / "x.json") == 2
    assert "use a perturbation method instead: ['feature_ablation'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "one of the arguments --text --data is required"),
        (["--text", "hi", "--method", "shap"], "argument --method: invalid choice: 'shap'"),
    ],
)
def test_usage_errors_exit_2(text_spec, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        run("--model", text_spec, *args, "--json", "-")
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_explain(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "explain" in capsys.readouterr().out
