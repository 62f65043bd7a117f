"""`workbench report` (exit 0 written, 2 on bad input) and `workbench audit --report`."""

import json

import pandas as pd
import pytest

from workbench.app.pipeline import MSG_NO_DATABASE
from workbench.audit._prepare import MSG_PRIVILEGED_PARTIAL
from workbench.cli import main
from workbench.cli._audit import MSG_REPORT
from workbench.cli._report import MSG_WROTE
from workbench.report import MSG_CANNOT_WRITE, MSG_NOT_A_FOLDER


def _report(case, *extra):
    return main(
        [
            "report",
            "--model",
            str(case.spec),
            "--db",
            str(case.db),
            "--bootstrap",
            "0",
            "--mitigation",
            "equalized_odds",
            *extra,
        ]
    )


def test_help_names_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["report", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--model",
        "--out",
        "--json",
        "--data",
        "--db",
        "--examples",
        "--no-redact",
        "--privileged",
        "--best-off",
    ):
        assert option in out


def test_writes_html_and_json_with_progress_on_stderr(relapse, tmp_path, capsys):
    html, data = tmp_path / "out" / "report.html", tmp_path / "out" / "report.json"
    code = _report(relapse, "--out", str(html), "--json", str(data), "--examples", "1")
    captured = capsys.readouterr()
    assert code == 0
    assert MSG_WROTE.format(name="relapse_tabular", paths=f"{html} and {data}") in captured.out
    assert "report: 100%" in captured.err
    payload = json.loads(data.read_text(encoding="utf-8"))
    assert payload["provenance"]["model_sha256"] in html.read_text(encoding="utf-8")
    assert len(payload["examples"]) == 1 and payload["audit"]["params"]["bootstrap"] == 0
    assert [review["reviewer"] for review in payload["reviews"]["current"]] == ["Lin Chair"]


def test_the_reference_group_is_chosen_on_the_command_line(relapse, tmp_path, capsys):
    data = tmp_path / "report.json"
    out = ["--out", str(tmp_path / "report.html"), "--json", str(data), "--no-progress"]
    assert _report(relapse, *out, "--examples", "0", "--best-off") == 0
    assert json.loads(data.read_text(encoding="utf-8"))["audit"]["params"]["reference"] == (
        "best_off"
    )
    assert _report(relapse, *out, "--privileged", "gender=male") == 2
    missing = ["ethnicity", "age_band", "insurance_type"]
    assert MSG_PRIVILEGED_PARTIAL.format(missing=missing) in capsys.readouterr().err


def test_data_with_another_schema_exits_2(relapse, tmp_path, capsys):
    other = tmp_path / "other.parquet"
    pd.read_csv(relapse.data).rename(columns={"label": "outcome"}).to_parquet(other)
    out = tmp_path / "report.html"
    assert _report(relapse, "--out", str(out), "--data", str(other), "--no-progress") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"workbench: error: data file {other} lacks the column(s) ['label']")
    assert not out.exists()


def test_missing_database_exits_2_and_creates_nothing(relapse, tmp_path, capsys):
    missing = tmp_path / "missing.sqlite3"
    code = main(
        [
            "report",
            "--model",
            str(relapse.spec),
            "--db",
            str(missing),
            "--out",
            "x.html",
            "--no-progress",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err == f"workbench: error: {MSG_NO_DATABASE.format(path=missing)}\n"
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_exits_2(relapse, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "report.html"
    assert _report(relapse, "--out", str(out), "--json", str(tmp_path / "r.json")) == 2
    reason = MSG_NOT_A_FOLDER.format(blocker=blocker)
    message = MSG_CANNOT_WRITE.format(name="report.html", folder=blocker, reason=reason)
    assert capsys.readouterr().err == f"workbench: error: {message}\n"
    assert list(tmp_path.iterdir()) == [blocker]


def test_audit_verb_also_writes_the_report(relapse, tmp_path, capsys):
    result, report = tmp_path / "audit.json", tmp_path / "audit.html"
    code = main(
        [
            "audit",
            "--model",
            str(relapse.spec),
            "--data",
            str(relapse.data),
            "--json",
            str(result),
            "--report",
            str(report),
            "--bootstrap",
            "0",
            "--no-intersections",
            "--gate",
            "any",
        ]
    )
    assert code == 1
    assert MSG_REPORT.format(path=report) in capsys.readouterr().out
    html = report.read_text(encoding="utf-8")
    audited = json.loads(result.read_text(encoding="utf-8"))
    assert f"FAIL: {len(audited['breaches'])} fairness" in html
    assert "No example was explained for this report." in html
