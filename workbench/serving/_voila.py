"""Voila's command line for serving an app notebook: the one place of Voila's options."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

SERVING = Path(__file__).resolve().parent
# The bundled app notebooks, by name (``workbench serve NAME``), in the ``notebooks`` package.
APPS_FOLDER = Path(importlib.util.find_spec("notebooks").origin).parent
APPS = ("ethics_review", "teaching_bias_and_explanations")
DEFAULT_APP = "ethics_review"
# Voila finds templates under $JUPYTER_PATH/voila/templates/<name>.
TEMPLATES_JUPYTER_PATH = SERVING / "jupyter"
TOKEN_ENV = "JUPYTER_TOKEN"

# Voila's options, in order:
#   no browser; loopback only; the given port or none (no retries on another);
#   template "workbench" (jupyter/voila/templates/workbench here): Voila's "lab" template
#     without its CDN references (Font Awesome <link>s, Mermaid loader), so the page requests
#     nothing outside the server; it cannot be swapped through the URL or notebook metadata;
#   strip_sources / show_tracebacks=False: no cell source and no traceback reaches the browser;
#   pool_size=1 (with preheat_kernel, see voila_command): one kernel has already run the
#     notebook when a visitor arrives;
#   cull_idle_timeout/cull_interval: a kernel idle for 10 min with no open page is shut down;
#   identity provider workbench/serving/identity.py: Voila's own, which also sets the _xsrf
#     cookie that the page's "shut my kernel down" request needs when the visitor leaves
#     (without it the request is refused and each visit leaves a kernel behind until culled).
VOILA_OPTIONS = (
    "--no-browser",
    "--Voila.ip=127.0.0.1",
    "--Voila.port_retries=0",
    "--template=workbench",
    "--VoilaConfiguration.allow_template_override=NO",
    "--strip_sources=True",
    "--show_tracebacks=False",
    "--pool_size=1",
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
    "--Voila.identity_provider_class=workbench.serving.identity.XsrfCookieIdentityProvider",
)


def app_notebook(name: str) -> Path:
    """The notebook file of the bundled app ``name`` (one of ``APPS``)."""
    return APPS_FOLDER / f"{name}.ipynb"


def voila_command(
    *,
    notebook: Path,
    port: int,
    token: str | None,
    preheat: bool = True,
    environ: Mapping[str, str],
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve ``notebook`` on 127.0.0.1:``port``.

    ``token`` (or None: no token) goes to jupyter_server through ``JUPYTER_TOKEN``, never onto
    the command line; ``preheat`` False runs the notebook in a new kernel on each page request
    (``bench/bench_voila.py`` measures both). ``environ`` is the environment to start from.
    """
    environment = dict(environ)
    jupyter_path = environment.get("JUPYTER_PATH")
    environment["JUPYTER_PATH"] = os.pathsep.join(
        [str(TEMPLATES_JUPYTER_PATH), *([jupyter_path] if jupyter_path else [])]
    )
    # -P: the working folder is not put on the server's import path.
    command = [sys.executable, "-P", "-m", "voila", *VOILA_OPTIONS]
    command += [f"--port={port}", f"--preheat_kernel={preheat}"]
    if token:
        # auto_token hands the token to jupyter_server's identity provider, which reads it
        # from JUPYTER_TOKEN; this keeps it out of the process list. (Not the bare `--token`
        # flag: it would swallow the next argument, the notebook, as the token.)
        environment[TOKEN_ENV] = token
        command.append("--Voila.auto_token=True")
    else:
        environment.pop(TOKEN_ENV, None)
    return [*command, str(notebook)], environment
