"""Serve an app notebook with Voila through ``workbench.serving``, which holds its options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench._errors import WorkbenchError
from workbench.review._names import DATA_DIR_ENV
from workbench.store._names import SCHEDULER_ENV, STORE_ENV

MSG_NO_NOTEBOOK = "cannot serve {notebook}: no such notebook file, and not a bundled app ({apps})"
MSG_BAD_PORT = "port must be a whole number from 1 to 65535; got {port}"
MSG_NO_SPEC = "cannot serve model {spec}: no such spec file"
MSG_TOKEN_ON_COMMAND_LINE = (
    "--token is refused: a token on the command line is visible to every user in the process "
    "list; put it in a file and pass --token-file FILE, or set WORKBENCH_TOKEN"
)
MSG_NO_TOKEN_FILE = "cannot read the token file {path}: no such file"
MSG_EMPTY_TOKEN_FILE = "the token file {path} is empty"
TOKEN_ENV = "WORKBENCH_TOKEN"


def serve_command(
    *,
    notebook: str,
    port: int,
    token: str | None,
    models: Sequence[str] = (),
    catalog: str | None = None,
    samples: bool = False,
    preheat: bool = True,
    store: str | None = None,
    scheduler: str | None = None,
    pool_size: int | None = None,
    refill_delay_s: int | None = None,
) -> tuple[list[str], dict]:
    """The Voila command line and environment that serve ``notebook`` on 127.0.0.1:``port``.

    ``notebook`` is a bundled app's name (``workbench.serving.APPS``) or a notebook file.
    ``models`` (spec files), ``catalog`` (a catalog file) and ``samples`` say which models the
    app lists (by default the bundled samples); they reach the app's kernel through the
    environment that ``workbench.app.catalog.served_models`` reads; so do ``store`` and
    ``scheduler`` (the Dask engine whose workers serve the models: they score and explain
    them, and the kernels do not load them). ``pool_size``
    pre-heated kernels wait for visitors (None: ``WORKBENCH_POOL_SIZE`` or a default from the
    machine's memory); one taken is replaced after ``refill_delay_s`` seconds (None:
    ``WORKBENCH_POOL_REFILL_S`` or 10).
    """
    from workbench.app.catalog import ENV_CATALOG, ENV_MODELS, ENV_SAMPLES, read_catalog
    from workbench.serving import (
        APPS,
        app_notebook,
        pool_size_setting,
        refill_delay_setting,
        voila_command,
    )

    path = app_notebook(notebook) if notebook in APPS else Path(notebook)
    if not path.is_file():
        raise WorkbenchError(MSG_NO_NOTEBOOK.format(notebook=notebook, apps=", ".join(APPS)))
    if not 0 < port < 65536:
        raise WorkbenchError(MSG_BAD_PORT.format(port=port))
    for spec in models:
        if not Path(spec).is_file():
            raise WorkbenchError(MSG_NO_SPEC.format(spec=spec))
    if catalog is not None:
        read_catalog(catalog)
    environment = dict(os.environ)
    for name in (ENV_MODELS, ENV_CATALOG, ENV_SAMPLES, TOKEN_ENV):
        environment.pop(name, None)
    if models:
        environment[ENV_MODELS] = os.pathsep.join(str(Path(spec).resolve()) for spec in models)
    if catalog is not None:
        environment[ENV_CATALOG] = str(Path(catalog).resolve())
    if samples:
        environment[ENV_SAMPLES] = "1"
    if store is not None:
        environment[STORE_ENV] = str(Path(store).expanduser().resolve())
    if scheduler is not None:
        environment[SCHEDULER_ENV] = scheduler
    return voila_command(
        notebook=path.resolve(),
        port=port,
        token=token,
        preheat=preheat,
        pool_size=pool_size_setting(pool_size, environment),
        refill_delay_s=refill_delay_setting(refill_delay_s, environment),
        environ=environment,
    )


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
    from workbench.serving import APPS, DEFAULT_APP

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
        default=DEFAULT_APP,
        help=f"a bundled app ({', '.join(APPS)}) or a notebook file (default {DEFAULT_APP})",
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
        f"default: ${TOKEN_ENV}, or none",
    )
    parser.add_argument(
        "--no-preheat",
        dest="preheat",
        action="store_false",
        help="run the notebook in a new kernel on each page request instead of keeping one "
        "kernel that has already run it",
    )
    parser.add_argument(
        "--store",
        default=None,
        metavar="DIR",
        help="folder of the explanation store the app reads first and fills (shared by "
        f"several servers on a shared disk); default: ${STORE_ENV}, else ${DATA_DIR_ENV}",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="serve the models from the Dask scheduler at ADDRESS (tcp://HOST:8786), whose "
        "workers load them from their spec files, score them and explain what the store "
        "lacks, instead of each visitor's kernel loading its own copy; default: "
        f"${SCHEDULER_ENV}, else in the kernel",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        metavar="N",
        help="keep N kernels that have already run the notebook, one for each visitor who "
        "arrives at the same moment (default: $WORKBENCH_POOL_SIZE, or a tenth of the "
        "machine's memory at 150 MB a kernel, 1 to 10)",
    )
    parser.add_argument(
        "--pool-refill-delay",
        type=int,
        default=None,
        metavar="SECONDS",
        help="replace a kernel taken from the pool after SECONDS, so that the replacements "
        "leave the cores to a crowd of visitors' pages (default: $WORKBENCH_POOL_REFILL_S, "
        "else 10)",
    )
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Replace this process with Voila serving the notebook on 127.0.0.1."""
    if args.token is not None:
        raise WorkbenchError(MSG_TOKEN_ON_COMMAND_LINE)
    token = read_token_file(args.token_file) if args.token_file else os.environ.get(TOKEN_ENV)
    command, environment = serve_command(
        notebook=args.notebook,
        port=args.port,
        token=token or None,
        models=args.model,
        catalog=args.catalog,
        samples=args.samples,
        preheat=args.preheat,
        store=args.store,
        scheduler=args.scheduler,
        pool_size=args.pool_size,
        refill_delay_s=args.pool_refill_delay,
    )
    print(f"serving {command[-1]} on http://127.0.0.1:{args.port}", file=sys.stderr)
    os.execve(command[0], command, environment)
    return 0
