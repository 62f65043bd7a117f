"""``workbench serve``: the command and environment handed to scripts/serve.sh."""

import pytest

from workbench import WorkbenchError, sample_model_specs
from workbench.app.catalog import ENV_CATALOG, ENV_MODELS, ENV_SAMPLES
from workbench.cli import main
from workbench.cli._serve import (
    DEFAULT_NOTEBOOK,
    MSG_EMPTY_TOKEN_FILE,
    MSG_NO_SPEC,
    MSG_TOKEN_ON_COMMAND_LINE,
    REPOSITORY,
    SERVE_SCRIPT,
    read_token_file,
    serve_command,
)


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


def test_models_catalog_and_samples_reach_the_app_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_SAMPLES, "1")  # an operator's own setting does not leak through
    specs = [str(sample_model_specs()[name]) for name in ("crisis_text", "relapse_tabular")]
    catalog = tmp_path / "models.yaml"
    catalog.write_text(f"models:\n  - spec: {specs[0]}\n", encoding="utf-8")
    _, environment = serve_command(
        notebook=DEFAULT_NOTEBOOK, port=8866, token=None, models=specs, catalog=str(catalog)
    )
    assert environment[ENV_MODELS] == ":".join(specs)
    assert environment[ENV_CATALOG] == str(catalog)
    assert ENV_SAMPLES not in environment
    _, environment = serve_command(notebook=DEFAULT_NOTEBOOK, port=8866, token=None, samples=True)
    assert environment[ENV_SAMPLES] == "1" and ENV_MODELS not in environment


def test_a_missing_spec_or_bad_catalog_stops_before_serving(tmp_path, capsys):
    assert main(["serve", "--model", "nowhere/model.yaml"]) == 2
    assert MSG_NO_SPEC.format(spec="nowhere/model.yaml") in capsys.readouterr().err
    catalog = tmp_path / "models.yaml"
    catalog.write_text("- just a list\n", encoding="utf-8")
    assert main(["serve", "--catalog", str(catalog)]) == 2
    assert "expected a mapping with a 'models' list" in capsys.readouterr().err


def test_a_token_on_the_command_line_is_refused(capsys):
    assert main(["serve", "--token", "s3cret"]) == 2
    assert MSG_TOKEN_ON_COMMAND_LINE in capsys.readouterr().err


def test_the_token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("s3cret\n", encoding="utf-8")
    assert read_token_file(str(path)) == "s3cret"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(WorkbenchError) as raised:
        read_token_file(str(path))
    assert str(raised.value) == MSG_EMPTY_TOKEN_FILE.format(path=path)
