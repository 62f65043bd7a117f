"""Serve a notebook as a Voila app through ``scripts/serve.sh``, the one place of Voila options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
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
MSG_NO_SPEC = "cannot serve model {spec}: no such spec file"
MSG_TOKEN_ON_COMMAND_LINE = (
    "--token is refused: a token on the command line is visible to every user in the process "
    "list; put it in a file and pass --token-file FILE, or set WORKBENCH_TOKEN"
)
MSG_NO_TOKEN_FILE = "cannot read the token file {path}: no such file"
MSG_EMPTY_TOKEN_FILE = "the token file {path} is empty"


def serve_command(
    *,
    notebook: str,
    port: int,
    token: str | None,
    models: Sequence[str] = (),
    catalog: str | None = None,
    samples: bool = False,
) -> tuple[list[str], dict]:
    """The command line and environment that serve ``notebook`` on 127.0.0.1:``port``.

    ``models`` (spec files), ``catalog`` (a catalog file) and ``samples`` say which models the
    app lists (by default the bundled samples); they reach the app's kernel through the
    environment that ``workbench.app.catalog.served_models`` reads.
    """
    from workbench.app.catalog import ENV_CATALOG, ENV_MODELS, ENV_SAMPLES, read_catalog

    if not SERVE_SCRIPT.is_file():
        raise WorkbenchError(MSG_NO_SCRIPT.format(script=SERVE_SCRIPT))
    path = Path(notebook)
    resolved = path if path.is_absolute() else REPOSITORY / path
    if not resolved.is_file() and not path.is_file():
        raise WorkbenchError(MSG_NO_NOTEBOOK.format(notebook=notebook))
    if not 0 < port < 65536:
        raise WorkbenchError(MSG_BAD_PORT.format(port=port))
    for spec in models:
        if not Path(spec).is_file():
            raise WorkbenchError(MSG_NO_SPEC.format(spec=spec))
    if catalog is not None:
        read_catalog(catalog)
    environment = dict(os.environ)
    for name in (ENV_MODELS, ENV_CATALOG, ENV_SAMPLES):
        environment.pop(name, None)
    if models:
        environment[ENV_MODELS] = os.pathsep.join(str(Path(spec).resolve()) for spec in models)
    if catalog is not None:
        environment[ENV_CATALOG] = str(Path(catalog).resolve())
    if samples:
        environment[ENV_SAMPLES] = "1"
    environment["PORT"] = str(port)
    environment["WORKBENCH_NOTEBOOK"] = str(path.resolve() if path.is_file() else resolved)
    environment["VOILA"] = str(Path(sys.executable).with_name("voila"))
    if token is not None:
        environment["WORKBENCH_TOKEN"] = token
    return ["bash", str(SERVE_SCRIPT)], environment


def read_token_file(path: str) -> str:
    """The access token in ``path``, without surrounding white space."""
    file = Path(path)
    if not file.is_file():
        raise WorkbenchError(MSG_NO_TOKEN_FILE.format(path=path))
    token = file.read_text(encoding="utf-8").strip()
    if not token:
        raise WorkbenchError(MSG_EMPTY_TOKEN_FILE.format(path=path))
    return token


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
        "--model",
        action="append",
        default=[],
        metavar="SPEC",
        help="list this model spec file in the app (repeatable)",
    )
    parser.add_argument(
        "--catalog",
        default=None,
        metavar="FILE",
        help="list the models of this catalog file (spec, name, owner, version of each); "
        "read again by each new kernel",
    )
    parser.add_argument(
        "--samples",
        action="store_true",
        help="list the bundled sample models too (the default when no model is given)",
    )
    parser.add_argument(
        "--token-file",
        default=None,
        metavar="FILE",
        help="require the access token in FILE (open /?token=... once); "
        "default: $WORKBENCH_TOKEN, or none",
    )
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Replace this process with the serve script, which runs Voila on 127.0.0.1."""
    if args.token is not None:
        raise WorkbenchError(MSG_TOKEN_ON_COMMAND_LINE)
    command, environment = serve_command(
        notebook=args.notebook,
        port=args.port,
        token=read_token_file(args.token_file) if args.token_file else None,
        models=args.model,
        catalog=args.catalog,
        samples=args.samples,
    )
    print(
        f"serving {environment['WORKBENCH_NOTEBOOK']} on http://127.0.0.1:{args.port}",
        file=sys.stderr,
    )
    os.execvpe(command[0], command, environment)
    return 0
