"""The workbench console script: help, version, and exit code 2 with a reason on bad input."""

import subprocess
import sys

import pytest

from workbench import __version__
from workbench.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"workbench {__version__}"


def test_help_lists_verbs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "models" in out and "check" in out and "synthetic" in out


def test_bad_spec_exits_2_with_reason(tmp_path, capsys):
    assert main(["check", "--model", str(tmp_path / "missing.yaml")]) == 2
    assert "model spec not found" in capsys.readouterr().err


def test_a_fault_in_the_workbench_exits_4_not_1(monkeypatch, capsys):
    """A crash of the workbench itself must never read as "fairness bound breached" (1)."""
    from workbench.cli import _main

    def crash(args):
        raise KeyError("boom")

    parser = _main.build_parser()
    parser._subparsers._group_actions[0].choices["models"].set_defaults(run=crash)
    monkeypatch.setattr(_main, "build_parser", lambda: parser)
    assert main(["models"]) == 4
    err = capsys.readouterr().err
    assert "internal error (KeyError)" in err and "Traceback" not in err
    assert main(["--debug", "models"]) == 4
    assert "Traceback" in capsys.readouterr().err


def test_installed_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "workbench.cli", "--version"],
                            capture_output=True, text=True, check=True)
    assert __version__ in result.stdout
