"""`workbench audit`: JSON out, exit 0 when the bounds hold, 1 on a breach, 2 on bad input."""

import json

import pytest

from workbench import sample_model_specs
from workbench.audit._prepare import MSG_PRIVILEGED_PARTIAL
from workbench.cli import main
from workbench.cli._audit import (
    MSG_BAD_BOUNDS_FILE,
    MSG_BREACHED,
    MSG_CANNOT_WRITE,
    MSG_NO_DATA,
    MSG_NO_LABEL,
    MSG_NO_PROTECTED,
    MSG_PASSED,
    MSG_PASSED_ROBUST,
    MSG_POSSIBLE,
    MSG_SKIPPED,
)
from workbench.cli._common import MSG_BAD_PRIVILEGED

LOOSE = {
    "disparate_impact": [0.01, 100],
    "statistical_parity_difference": 1,
    "equal_opportunity_difference": 1,
    "average_odds_difference": 1,
    "false_negative_rate_difference": 1,
    "error_rate_difference": 1,
    "false_positive_rate_difference": 1,
    "precision_difference": 1,
    "equalized_odds_difference": 1,
    "average_abs_odds_difference": 1,
    "ece_difference": 1,
    "roc_auc_difference": 1,
}


@pytest.fixture(scope="module")
def crisis_spec():
    return str(sample_model_specs()["crisis_text"])


def _run(spec, tmp_path, *extra):
    out = tmp_path / "audit.json"
    code = main(["audit", "--model", spec, "--json", str(out), "--bootstrap", "20", *extra])
    return code, out


def test_breach_exits_1_and_prints_which(crisis_spec, tmp_path, capsys):
    code, out = _run(crisis_spec, tmp_path, "--protected", "ethnicity", "--no-intersections")
    printed = capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert code == 1
    robust = [b for b in payload["breaches"] if b["strength"] == "robust"]
    assert len(robust) == payload["robust_breaches"] < len(payload["breaches"])
    assert MSG_BREACHED.format(count=len(robust), strength="robust") in printed
    assert MSG_POSSIBLE.format(count=len(payload["breaches"]) - len(robust)) in printed
    assert "ethnicity = black vs the rest: false negative rate difference is +" in printed
    assert "  - [robust, q = " in printed and "  - [possible" not in printed
    assert payload["passed"] is False and payload["params"]["protected"] == ["ethnicity"]
    assert payload["params"]["gate"] == "robust"
    assert {row["attribute"] for row in payload["by_group"]} == {"ethnicity"}


def test_gate_any_fails_on_possible_breaches_too(crisis_spec, tmp_path, capsys):
    code, out = _run(
        crisis_spec, tmp_path, "--protected", "ethnicity", "--no-intersections", "--gate", "any"
    )
    printed = capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert code == 1 and payload["params"]["gate"] == "any"
    breaches = len(payload["breaches"])
    assert MSG_BREACHED.format(count=breaches, strength="robust or possible") in printed
    assert "  - [possible, q = " in printed


def test_only_possible_breaches_pass_the_robust_gate(crisis_spec, tmp_path, capsys):
    bounds = tmp_path / "bounds.json"
    bounds.write_text(json.dumps({**LOOSE, "statistical_parity_difference": 0.01}))
    code, out = _run(
        crisis_spec,
        tmp_path,
        "--protected",
        "gender",
        "--no-intersections",
        "--bounds",
        str(bounds),
    )
    payload = json.loads(out.read_text())
    printed = capsys.readouterr().out
    assert payload["breaches"] and payload["robust_breaches"] == 0
    assert code == 0 and MSG_PASSED_ROBUST in printed


def test_bounds_that_hold_exit_0(crisis_spec, tmp_path, capsys):
    bounds = tmp_path / "bounds.json"
    bounds.write_text(json.dumps(LOOSE))
    code, out = _run(
        crisis_spec,
        tmp_path,
        "--bounds",
        str(bounds),
        "--threshold",
        "0.4",
        "--privileged",
        "gender=male,ethnicity=white",
        "--privileged",
        "age_band=41-65",
    )
    assert code == 0
    assert MSG_PASSED in capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert payload["params"]["threshold"] == 0.4
    assert payload["params"]["privileged"] == {
        "gender": "male",
        "ethnicity": "white",
        "age_band": "41-65",
    }
    assert payload["params"]["reference"] == "privileged"
    assert {row["reference"] for row in payload["differences"]} >= {"male", "white", "41-65"}


def test_calibration_by_group_is_in_the_json_and_gated(crisis_spec, tmp_path, capsys):
    bounds = tmp_path / "bounds.json"
    bounds.write_text(json.dumps({**LOOSE, "ece_difference": 0.02, "brier_score_difference": 1}))
    code, out = _run(crisis_spec, tmp_path, "--protected", "ethnicity", "--bounds", str(bounds))
    payload = json.loads(out.read_text())
    black = next(row for row in payload["by_group"] if row["group"] == "black")
    assert 0 < black["ece_low"] <= black["ece"] <= black["ece_high"] and black["roc_auc"] > 0.9
    curve = [row for row in payload["reliability"] if row["group"] == "black"]
    assert sum(row["rows"] for row in curve) == black["size"]
    assert all(row["brier_score_difference_p"] is not None for row in payload["differences"])
    breaches = [b for b in payload["breaches"] if b["metric"] == "ece_difference"]
    assert breaches and {b["strength"] for b in breaches} <= {"robust", "possible"}
    assert code == (1 if any(b["strength"] == "robust" for b in payload["breaches"]) else 0)
    printed = capsys.readouterr().out
    assert all(b["message"] in printed for b in breaches if b["strength"] == "robust")


def test_best_off_compares_each_group_with_the_group_missed_least(crisis_spec, tmp_path):
    code, out = _run(crisis_spec, tmp_path, "--best-off", "--no-intersections")
    payload = json.loads(out.read_text())
    assert code in (0, 1) and payload["params"]["reference"] == "best_off"
    for attribute in ("gender", "ethnicity", "age_band"):
        groups = [row for row in payload["by_group"] if row["attribute"] == attribute]
        eligible = [row for row in groups if row["size"] >= 30 and row["fnr"] is not None]
        best = min(eligible, key=lambda row: row["fnr"])["group"]
        compared = {
            row["reference"] for row in payload["differences"] if row["attribute"] == attribute
        }
        assert compared == {best}


def test_missing_protected_column_exits_2_after_writing_the_rest(crisis_spec, tmp_path, capsys):
    code, out = _run(crisis_spec, tmp_path, "--protected", "gender,religion")
    assert code == 2
    assert MSG_SKIPPED.format(attributes=["religion"]) in capsys.readouterr().out
    assert json.loads(out.read_text())["skipped"] == ["religion"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--privileged", "gender"], MSG_BAD_PRIVILEGED.format(value="gender")),
        (
            ["--privileged", "gender=male"],
            MSG_PRIVILEGED_PARTIAL.format(missing=["ethnicity", "age_band"]),
        ),
        (["--label", "outcome"], "label column 'outcome' is not in the data"),
        (["--threshold", "2"], "a decision threshold must be a number from 0 to 1; got 2.0"),
        (["--min-group-size", "0"], "min_group_size must be a whole number of at least 1"),
    ],
    ids=["privileged format", "partial privileged", "label column", "threshold", "min group size"],
)
def test_bad_input_exits_2_with_the_reason(crisis_spec, tmp_path, capsys, extra, message):
    code, out = _run(crisis_spec, tmp_path, *extra)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_spec_without_data_exits_2(tmp_path, spec_writer, capsys):
    spec = spec_writer(
        name="bare",
        kind="text",
        framework="callable",
        classes=["routine", "urgent"],
        positive_class="urgent",
        entry="json:loads",
    )
    code, _ = _run(str(spec), tmp_path)
    assert code == 2
    assert MSG_NO_DATA.format(path=spec.resolve()) in capsys.readouterr().err


def test_unreadable_bounds_file_and_unwritable_output_exit_2(crisis_spec, tmp_path, capsys):
    bounds = tmp_path / "bounds.json"
    bounds.write_text("{not json")
    code, _ = _run(crisis_spec, tmp_path, "--bounds", str(bounds))
    assert code == 2
    assert MSG_BAD_BOUNDS_FILE.split("{")[0] + str(bounds) in capsys.readouterr().err
    out = tmp_path / "missing-folder" / "audit.json"
    code = main(["audit", "--model", crisis_spec, "--json", str(out), "--bootstrap", "0"])
    assert code == 2
    assert MSG_CANNOT_WRITE.split("{")[0] + str(out) in capsys.readouterr().err


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({}, MSG_NO_LABEL),
        ({"data": "data.csv", "label_column": "label"}, MSG_NO_PROTECTED),
    ],
    ids=["no label column", "no protected attributes"],
)
def test_spec_without_label_or_protected_exits_2(tmp_path, spec_writer, capsys, keys, message):
    spec = spec_writer(
        name="bare",
        kind="tabular",
        framework="callable",
        classes=["no", "yes"],
        positive_class="yes",
        entry="json:loads",
        feature_columns=["a"],
    )
    data = spec.parent / "data.csv"
    data.write_text("a,label\n1,yes\n")
    spec.write_text(spec.read_text() + "".join(f"{k}: {v}\n" for k, v in keys.items()))
    code, _ = _run(str(spec), tmp_path, "--data", str(data))
    assert code == 2
    assert message.format(path=spec.resolve()) in capsys.readouterr().err
