"""An installed wheel serves: built from the sources, installed into a fresh virtual environment
outside the checkout, ``workbench serve --model SPEC`` run there from a temporary folder.

The new environment sees this checkout's ``.venv`` libraries (torch, Voila...) through a ``.pth``
file, so nothing is downloaded or reinstalled, and Voila's own data files (its base templates,
the widgets' lab extension) through ``JUPYTER_PATH``, where an environment that installed Voila
itself has them already. The wheel goes in with ``--no-deps --no-index``: no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

import workbench

from .servers import REPO, start_app

pytestmark = pytest.mark.browser

# What the wheel is built from; copied first, so no stale build folder can leak into it.
SOURCES = ("pyproject.toml", "README.md", "workbench", "widgets", "sample_models", "notebooks")
RENDER_TIMEOUT_S = 120


def run(*command: str | Path, cwd: Path) -> str:
    """Run ``command``; its output, or a failure that shows it."""
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding the wheel; its folder."""
    root = tmp_path_factory.mktemp("installed")
    sources = root / "sources"
    sources.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, sources / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, sources / name)
    wheels = root / "wheels"
    pip = (sys.executable, "-m", "pip")
    run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "-w",
        wheels,
        sources,
        cwd=root,
    )
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    site_packages = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root
    ).strip()
    Path(site_packages, "checkout_venv.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    (wheel,) = wheels.glob("*.whl")
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=root)
    return venv


def test_the_installed_package_is_the_one_found(installed):
    python = installed / "bin" / "python"
    code = (
        "import importlib.util as u; "
        "print(*(u.find_spec(n).origin for n in ('workbench', 'widgets', 'sample_models')))"
    )
    for origin in run(python, "-c", code, cwd=installed).split():
        assert Path(origin).is_relative_to(installed) and not Path(origin).is_relative_to(REPO)


def test_the_installed_package_serves_the_given_model(installed, browser, tmp_path):
    team = tmp_path / "team"
    shutil.copytree(workbench.sample_model_specs()["crisis_text"].parent, team / "triage_model")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    server = start_app(
        log_dir=tmp_path,
        data_dir=tmp_path / "data",
        options=["--model", str(team / "triage_model" / "model.yaml")],
        workbench=installed / "bin" / "workbench",
        cwd=cwd,
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
    )
    context = browser.new_context()
    context.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(server.url)
        select = page.locator(".wb-model-picker select")
        select.wait_for(state="visible")
        expect(select.locator("option")).to_have_text(["triage_model"])
        expect(page.locator(".wb-model-summary table.wb-spec td").first).to_have_text("crisis_text")
        content = page.content()
        served = installed.glob("lib/python*/site-packages/notebooks/*.ipynb")
        (notebook,) = (path for path in served if path.stem == "ethics_review")
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code":
                assert cell.source.strip() not in content, "a cell's source reached the page"
        assert "cdn.jsdelivr.net" not in content  # the workbench template, not Voila's own
        assert str(notebook) in server.log.read_text(encoding="utf-8")
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
        server.stop()
