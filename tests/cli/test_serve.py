"""``workbench serve``: the command and environment handed to scripts/serve.sh."""

import pytest

from workbench import WorkbenchError
from workbench.cli import main
from workbench.cli._serve import DEFAULT_NOTEBOOK, REPOSITORY, SERVE_SCRIPT, serve_command


def test_default_notebook_port_and_token():
    command, environment = serve_command(notebook=DEFAULT_NOTEBOOK, port=9001, token="s3cret")
    assert command == ["bash", str(SERVE_SCRIPT)]
    assert environment["PORT"] == "9001"
    assert environment["WORKBENCH_NOTEBOOK"] == str(REPOSITORY / DEFAULT_NOTEBOOK)
    assert environment["WORKBENCH_TOKEN"] == "s3cret"
    assert environment["VOILA"].endswith("/voila")


def test_no_token_leaves_the_environment_alone(monkeypatch):
    monkeypatch.delenv("WORKBENCH_TOKEN", raising=False)
    _, environment = serve_command(notebook=DEFAULT_NOTEBOOK, port=8866, token=None)
    assert "WORKBENCH_TOKEN" not in environment


@pytest.mark.parametrize(
    "notebook, port, message",
    [
        ("notebooks/missing.ipynb", 8866, "no such notebook file"),
        (DEFAULT_NOTEBOOK, 0, "port must be a whole number from 1 to 65535; got 0"),
    ],
)
def test_bad_arguments(notebook, port, message):
    with pytest.raises(WorkbenchError, match=message):
        serve_command(notebook=notebook, port=port, token=None)


def test_cli_reports_bad_notebook_with_exit_2(capsys):
    assert main(["serve", "nowhere.ipynb"]) == 2
    assert "no such notebook file" in capsys.readouterr().err
