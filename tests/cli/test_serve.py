"""``workbench serve``: the Voila command and environment it runs."""

import sys

import pytest

from workbench import WorkbenchError, sample_model_specs
from workbench.app.catalog import ENV_CATALOG, ENV_MODELS, ENV_SAMPLES
from workbench.cli import main
from workbench.cli._serve import (
    MSG_EMPTY_TOKEN_FILE,
    MSG_NO_NOTEBOOK,
    MSG_NO_SPEC,
    MSG_TOKEN_ON_COMMAND_LINE,
    read_token_file,
    serve_command,
)
from workbench.serving import (
    APPS,
    DEFAULT_APP,
    POOL_SIZE_ENV,
    REFILL_ENV,
    VOILA_OPTIONS,
    app_notebook,
    default_pool_size,
)
from workbench.serving._voila import (
    ABANDONED_ENV,
    APPS_FOLDER,
    DEFAULT_REFILL_S,
    MAX_DEFAULT_POOL_SIZE,
    MSG_BAD_ABANDONED,
    MSG_BAD_POOL_SIZE,
    MSG_BAD_REFILL,
    TEMPLATES_JUPYTER_PATH,
)
from workbench.store import SCHEDULER_ENV, STORE_ENV

DEFAULT_NOTEBOOK = str(app_notebook(DEFAULT_APP))


def test_the_default_app_port_and_token(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", "/elsewhere/jupyter")
    command, environment = serve_command(notebook=DEFAULT_APP, port=9001, token="s3cret")
    assert command[:4] == [sys.executable, "-P", "-m", "voila"]
    assert command[4 : 4 + len(VOILA_OPTIONS)] == list(VOILA_OPTIONS)
    assert command[-1] == DEFAULT_NOTEBOOK
    assert "--port=9001" in command and "--preheat_kernel=True" in command
    assert "--Voila.auto_token=True" in command and "s3cret" not in " ".join(command)
    assert environment["JUPYTER_TOKEN"] == "s3cret" and "WORKBENCH_TOKEN" not in environment
    assert environment["JUPYTER_PATH"] == f"{TEMPLATES_JUPYTER_PATH}:/elsewhere/jupyter"


def test_the_template_and_apps_are_package_data():
    assert (TEMPLATES_JUPYTER_PATH / "voila" / "templates" / "workbench" / "conf.json").is_file()
    served = sorted(path.stem for path in APPS_FOLDER.glob("*.ipynb"))
    assert served == sorted([*APPS, "data_scientist_tour"])


def test_no_token_and_no_preheat(monkeypatch):
    monkeypatch.setenv("JUPYTER_TOKEN", "an operator's own")
    command, environment = serve_command(
        notebook=DEFAULT_NOTEBOOK, port=8866, token=None, preheat=False
    )
    assert "JUPYTER_TOKEN" not in environment
    assert "--preheat_kernel=False" in command and "--Voila.auto_token=True" not in command


@pytest.mark.parametrize(
    "notebook, port, message",
    [
        ("notebooks/missing.ipynb", 8866, "no such notebook file, and not a bundled app"),
        (DEFAULT_APP, 0, "port must be a whole number from 1 to 65535; got 0"),
    ],
)
def test_bad_arguments(notebook, port, message):
    with pytest.raises(WorkbenchError, match=message):
        serve_command(notebook=notebook, port=port, token=None)


def test_cli_reports_bad_notebook_with_exit_2(capsys):
    assert main(["serve", "nowhere.ipynb"]) == 2
    apps = ", ".join(APPS)
    assert MSG_NO_NOTEBOOK.format(notebook="nowhere.ipynb", apps=apps) in capsys.readouterr().err


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_TOKEN", "s3cret")
    executed = {}
    monkeypatch.setattr("os.execve", lambda path, command, env: executed.update(env=env))
    assert main(["serve", "--samples"]) == 0
    assert executed["env"]["JUPYTER_TOKEN"] == "s3cret"


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


def test_the_store_folder_reaches_the_app_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, "/operators/own/store")
    _, environment = serve_command(notebook=DEFAULT_NOTEBOOK, port=8866, token=None)
    assert environment[STORE_ENV] == "/operators/own/store"
    _, environment = serve_command(
        notebook=DEFAULT_NOTEBOOK, port=8866, token=None, store=str(tmp_path / "shared")
    )
    assert environment[STORE_ENV] == str(tmp_path / "shared")


def test_the_scheduler_reaches_the_app_through_the_environment(monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://operators-own:8786")
    _, environment = serve_command(notebook=DEFAULT_NOTEBOOK, port=8866, token=None)
    assert environment[SCHEDULER_ENV] == "tcp://operators-own:8786"
    executed = {}
    monkeypatch.setattr("os.execve", lambda path, command, env: executed.update(env=env))
    assert main(["serve", "--scheduler", "tcp://10.0.0.5:8786"]) == 0
    assert executed["env"][SCHEDULER_ENV] == "tcp://10.0.0.5:8786"


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


def _cull_option(command: list[str], name: str) -> str:
    prefix = f"--MappingKernelManager.{name}="
    return next(part[len(prefix) :] for part in command if part.startswith(prefix))


@pytest.mark.parametrize(
    ("abandoned", "timeout", "interval"),
    [(None, 90, 15), ("10", 10, 2)],
    ids=["default", "shortened"],
)
def test_abandoned_kernels_are_culled_within_2_minutes(monkeypatch, abandoned, timeout, interval):
    if abandoned is None:
        monkeypatch.delenv(ABANDONED_ENV, raising=False)
    else:
        monkeypatch.setenv(ABANDONED_ENV, abandoned)
    command, environment = serve_command(notebook=DEFAULT_APP, port=9001, token=None)
    assert int(_cull_option(command, "cull_idle_timeout")) == timeout
    assert int(_cull_option(command, "cull_interval")) == interval
    assert _cull_option(command, "cull_connected") == "False"
    assert timeout + interval <= 120
    assert environment["WORKBENCH_SERVED"] == "1"


@pytest.mark.parametrize("value", ["0", "1.5", "soon", "-3"])
def test_a_bad_culling_time_is_refused(monkeypatch, value):
    monkeypatch.setenv(ABANDONED_ENV, value)
    with pytest.raises(WorkbenchError) as raised:
        serve_command(notebook=DEFAULT_APP, port=9001, token=None)
    assert str(raised.value) == MSG_BAD_ABANDONED.format(value=value)


def test_the_pool_size_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.setenv(POOL_SIZE_ENV, "4")
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None, pool_size=7)
    assert "--pool_size=7" in command
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    assert "--pool_size=4" in command


def test_the_default_pool_size_follows_the_machines_memory(monkeypatch):
    monkeypatch.delenv(POOL_SIZE_ENV, raising=False)
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    assert f"--pool_size={default_pool_size()}" in command
    gigabyte = 2**30
    assert default_pool_size(1 * gigabyte) == 1
    assert default_pool_size(8 * gigabyte) == 5
    assert default_pool_size(64 * gigabyte) == MAX_DEFAULT_POOL_SIZE


@pytest.mark.parametrize("value", ["0", "-2", "many", "101", ""])
def test_a_bad_pool_size_in_the_environment_is_refused(monkeypatch, value):
    monkeypatch.setenv(POOL_SIZE_ENV, value)
    with pytest.raises(WorkbenchError) as info:
        serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    shown = int(value) if value in ("0", "101") else value
    assert str(info.value) == MSG_BAD_POOL_SIZE.format(value=shown)


def test_the_refill_delay_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(REFILL_ENV, raising=False)
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    assert f"--VoilaKernelManager.fill_delay={DEFAULT_REFILL_S}" in command
    monkeypatch.setenv(REFILL_ENV, "30")
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    assert "--VoilaKernelManager.fill_delay=30" in command
    command, _ = serve_command(notebook=DEFAULT_APP, port=8866, token=None, refill_delay_s=0)
    assert "--VoilaKernelManager.fill_delay=0" in command


@pytest.mark.parametrize("value", ["-1", "soon", "2.5", "3601", ""])
def test_a_bad_refill_delay_in_the_environment_is_refused(monkeypatch, value):
    monkeypatch.setenv(REFILL_ENV, value)
    with pytest.raises(WorkbenchError) as info:
        serve_command(notebook=DEFAULT_APP, port=8866, token=None)
    shown = 3601 if value == "3601" else value
    assert str(info.value) == MSG_BAD_REFILL.format(value=shown)


def test_a_bad_refill_delay_option_is_refused(capsys):
    assert main(["serve", "--pool-refill-delay", "-5"]) == 2
    assert MSG_BAD_REFILL.format(value=-5) in capsys.readouterr().err


def test_a_bad_pool_size_option_is_refused(capsys):
    assert main(["serve", "--pool-size", "0"]) == 2
    assert MSG_BAD_POOL_SIZE.format(value=0) in capsys.readouterr().err
