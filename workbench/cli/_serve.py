"""Serve a notebook as a Voila app through ``scripts/serve.sh``, the one place of Voila options."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench._errors import WorkbenchError

REPOSITORY = Path(__file__).resolve().parents[2]
SERVE_SCRIPT = REPOSITORY / "scripts" / "serve.sh"
DEFAULT_NOTEBOOK = "notebooks/ethics_review.ipynb"
MSG_NO_SCRIPT = (
    "cannot serve: {script} is missing; `workbench serve` runs from a checkout of the "
    "workbench repository (pip install -e .), which holds the Voila template and serve script"
)
MSG_NO_NOTEBOOK = "cannot serve {notebook}: no such notebook file"
MSG_BAD_PORT = "port must be a whole number from 1 to 65535; got {port}"


def serve_command(*, notebook: str, port: int, token: str | None) -> tuple[list[str], dict]:
    """The command line and environment that serve ``notebook`` on 127.0.0.1:``port``."""
    if not SERVE_SCRIPT.is_file():
        raise WorkbenchError(MSG_NO_SCRIPT.format(script=SERVE_SCRIPT))
    path = Path(notebook)
    resolved = path if path.is_absolute() else REPOSITORY / path
    if not resolved.is_file() and not path.is_file():
        raise WorkbenchError(MSG_NO_NOTEBOOK.format(notebook=notebook))
    if not 0 < port < 65536:
        raise WorkbenchError(MSG_BAD_PORT.format(port=port))
    environment = dict(os.environ)
    environment["PORT"] = str(port)
    environment["WORKBENCH_NOTEBOOK"] = str(path.resolve() if path.is_file() else resolved)
    environment["VOILA"] = str(Path(sys.executable).with_name("voila"))
    if token is not None:
        environment["WORKBENCH_TOKEN"] = token
    return ["bash", str(SERVE_SCRIPT)], environment


def add_serve_command(verbs: argparse._SubParsersAction) -> None:
    """Register ``workbench serve``."""
    parser = verbs.add_parser(
        "serve",
        help="serve an app notebook with Voila on 127.0.0.1",
        description="Serve one notebook (default: the ethics review app) as a Voila app on "
        "127.0.0.1, with sources stripped, no tracebacks, a preheated kernel, idle kernels "
        "culled and no request leaving the server.",
    )
    parser.add_argument(
        "notebook",
        nargs="?",
        default=DEFAULT_NOTEBOOK,
        help=f"notebook to serve (default {DEFAULT_NOTEBOOK})",
    )
    parser.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    parser.add_argument(
        "--token",
        default=None,
        help="require this access token (open /?token=... once); "
        "default: $WORKBENCH_TOKEN, or none",
    )
    parser.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Replace this process with the serve script, which runs Voila on 127.0.0.1."""
    command, environment = serve_command(notebook=args.notebook, port=args.port, token=args.token)
    print(
        f"serving {environment['WORKBENCH_NOTEBOOK']} on http://127.0.0.1:{args.port}",
        file=sys.stderr,
    )
    os.execvpe(command[0], command, environment)
    return 0
