"""Voila's command line for serving an app notebook: the one place of Voila's options."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from workbench._errors import WorkbenchError
from workbench.app.served_kernel import SERVED_ENV

SERVING = Path(__file__).resolve().parent
# The bundled app notebooks, by name (``workbench serve NAME``), in the ``notebooks`` package.
APPS_FOLDER = Path(importlib.util.find_spec("notebooks").origin).parent
APPS = ("ethics_review", "chatbot_audit", "teaching_bias_and_explanations")
DEFAULT_APP = "ethics_review"
# Voila finds templates under $JUPYTER_PATH/voila/templates/<name>.
TEMPLATES_JUPYTER_PATH = SERVING / "jupyter"
TOKEN_ENV = "JUPYTER_TOKEN"

# Voila's options, in order:
#   no browser; loopback only; the given port or none (no retries on another);
#   template "workbench" (jupyter/voila/templates/workbench here): Voila's "lab" template
#     without its CDN references (Font Awesome <link>s, Mermaid loader), so the page requests
#     nothing outside the server; it cannot be swapped through the URL or notebook metadata; it
#     also tells the visitor when the session ended (kernel dead or restarted);
#   strip_sources / show_tracebacks=False: no cell source and no traceback reaches the browser;
#   pool_size (with preheat_kernel, see voila_command): that many kernels have already run
#     the notebook when visitors arrive (pool_size_setting: the option, WORKBENCH_POOL_SIZE,
#     or a default from the machine's memory); a kernel taken is replaced after
#     refill_delay_setting's seconds (the option, WORKBENCH_POOL_REFILL_S, or
#     DEFAULT_REFILL_S), so that the replacements do not compete with the pages of a crowd
#     still arriving;
#   iopub_timeout=60: a cell's output may reach Voila seconds after its reply when many
#     kernels run the notebook at once on a busy machine (a pool filling); after Voila's 4 s
#     default it goes on without it, and the page would lack the app;
#   kernel manager (kernels.py): kernels start without the token in their environment, pages
#     cannot shut them down over the websocket, and the culler counts a kernel's idle time from
#     its last page disconnecting;
#   cull_connected=False (with cull_idle_timeout/cull_interval, see voila_command): a kernel
#     with no page connected goes after WORKBENCH_ABANDONED_KERNEL_S seconds (default 90) plus
#     at most a sixth of that, so within 2 minutes of a tab's connection closing without
#     unloading (a crash); a connected page keeps its kernel however long it sits idle;
#   identity provider (identity.py): Voila's own (each visitor an anonymous user in a signed
#     cookie), which also sets the _xsrf cookie that the page's "shut my kernel down" request
#     needs when the visitor leaves, and answers 404/403 where Voila's routes answer 500;
#   authorizer (identity.py): a kernel is used and shut down by its own visitor only.
# voila_command also sets WORKBENCH_SERVED=1 for the kernels: the app's first import sends the
# kernel's stderr, warnings and logging to the server's log, never to the page
# (workbench/app/served_kernel.py).
VOILA_OPTIONS = (
    "--no-browser",
    "--Voila.ip=127.0.0.1",
    "--Voila.port_retries=0",
    "--template=workbench",
    "--VoilaConfiguration.allow_template_override=NO",
    "--strip_sources=True",
    "--show_tracebacks=False",
    "--VoilaExecutor.iopub_timeout=60",
    "--VoilaConfiguration.multi_kernel_manager_class=workbench.serving.kernels.WorkbenchKernelManager",
    "--MappingKernelManager.cull_connected=False",
    "--Voila.identity_provider_class=workbench.serving.identity.VisitorIdentityProvider",
    "--Voila.authorizer_class=workbench.serving.identity.VisitorAuthorizer",
    # plotly's JupyterLab extension renders plotly's mime output with a 4.8 MB bundle that
    # every page would load; the apps draw their charts as FigureWidgets, which bring their
    # own code when one is shown. Half the first page's bytes (bench/bench_visitors.py,
    # server_side_s's bytes_per_page).
    "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
)
POOL_SIZE_ENV = "WORKBENCH_POOL_SIZE"
# The default pool holds a tenth of the machine's memory in waiting kernels, reckoning each
# at HEATED_KERNEL_MB (a kernel that has run the ethics app's first view holds about 110 MB
# of its own, measured by bench/bench_visitors.py), between 1 and MAX_DEFAULT_POOL_SIZE.
POOL_MEMORY_SHARE = 0.1
HEATED_KERNEL_MB = 150
MAX_DEFAULT_POOL_SIZE = 10
MSG_BAD_POOL_SIZE = (
    "the pool size is the number of pre-heated kernels, a whole number from 1 to 100; got {value!r}"
)
REFILL_ENV = "WORKBENCH_POOL_REFILL_S"
# Seconds before a kernel taken from the pool is replaced (Voila's default is 1). Replacing ten
# at once, each running the notebook, takes the cores that the ten visitors' pages need
# (bench/bench_visitors.py --refill-delay 1 against the default).
DEFAULT_REFILL_S = 10
MAX_REFILL_S = 3600
MSG_BAD_REFILL = (
    "the pool refill delay is the number of seconds before a kernel taken from the pool is "
    f"replaced, a whole number from 0 to {MAX_REFILL_S}; got {{value!r}}"
)
ABANDONED_ENV = "WORKBENCH_ABANDONED_KERNEL_S"
DEFAULT_ABANDONED_S = 90
MSG_BAD_ABANDONED = f"{ABANDONED_ENV} must be a whole number of seconds, not {{value!r}}"


def app_notebook(name: str) -> Path:
    """The notebook file of the bundled app ``name`` (one of ``APPS``)."""
    return APPS_FOLDER / f"{name}.ipynb"


def voila_command(
    *,
    notebook: Path,
    port: int,
    token: str | None,
    preheat: bool = True,
    pool_size: int = 1,
    refill_delay_s: int = DEFAULT_REFILL_S,
    environ: Mapping[str, str],
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve ``notebook`` on 127.0.0.1:``port``.

    ``token`` (or None: no token) goes to jupyter_server through ``JUPYTER_TOKEN``, never onto
    the command line; ``preheat`` keeps ``pool_size`` kernels that have run the notebook,
    False runs the notebook in a new kernel on each page request (``bench/bench_voila.py``
    measures both); a kernel taken from the pool is replaced after ``refill_delay_s``
    seconds. ``environ`` is the environment to start from.
    """
    environment = dict(environ)
    abandoned_s = abandoned_kernel_seconds(environment)
    environment[SERVED_ENV] = "1"
    jupyter_path = environment.get("JUPYTER_PATH")
    environment["JUPYTER_PATH"] = os.pathsep.join(
        [str(TEMPLATES_JUPYTER_PATH), *([jupyter_path] if jupyter_path else [])]
    )
    # -P: the working folder is not put on the server's import path.
    command = [sys.executable, "-P", "-m", "voila", *VOILA_OPTIONS]
    command += [
        f"--MappingKernelManager.cull_idle_timeout={abandoned_s}",
        # Checked every sixth of that (at least every second).
        f"--MappingKernelManager.cull_interval={(abandoned_s + 5) // 6}",
        f"--port={port}",
        f"--preheat_kernel={preheat}",
        f"--pool_size={check_pool_size(pool_size)}",
        f"--VoilaKernelManager.fill_delay={check_refill_delay(refill_delay_s)}",
    ]
    if token:
        # auto_token hands the token to jupyter_server's identity provider, which reads it
        # from JUPYTER_TOKEN; this keeps it out of the process list. (Not the bare `--token`
        # flag: it would swallow the next argument, the notebook, as the token.)
        environment[TOKEN_ENV] = token
        command.append("--Voila.auto_token=True")
    else:
        environment.pop(TOKEN_ENV, None)
    return [*command, str(notebook)], environment


def abandoned_kernel_seconds(environ: Mapping[str, str]) -> int:
    """Seconds a kernel lives on with no page connected: ``WORKBENCH_ABANDONED_KERNEL_S``
    (the browser tests shorten it) or 90."""
    value = environ.get(ABANDONED_ENV, str(DEFAULT_ABANDONED_S))
    if not re.fullmatch(r"[1-9][0-9]*", value):
        raise WorkbenchError(MSG_BAD_ABANDONED.format(value=value))
    return int(value)


def pool_size_setting(option: int | None, environ: Mapping[str, str]) -> int:
    """The number of pre-heated kernels: ``option``, else ``WORKBENCH_POOL_SIZE``, else
    :func:`default_pool_size`."""
    return _whole_number_setting(
        option, environ.get(POOL_SIZE_ENV), check_pool_size, MSG_BAD_POOL_SIZE, default_pool_size
    )


def refill_delay_setting(option: int | None, environ: Mapping[str, str]) -> int:
    """Seconds before a kernel taken from the pool is replaced: ``option``, else
    ``WORKBENCH_POOL_REFILL_S``, else ``DEFAULT_REFILL_S``."""
    return _whole_number_setting(
        option,
        environ.get(REFILL_ENV),
        check_refill_delay,
        MSG_BAD_REFILL,
        lambda: DEFAULT_REFILL_S,
    )


def check_pool_size(size: int) -> int:
    """``size`` if it is a usable pool size (1 to 100 kernels)."""
    return _checked_whole(size, 1, 100, MSG_BAD_POOL_SIZE)


def check_refill_delay(seconds: int) -> int:
    """``seconds`` if it is a usable refill delay (0 to ``MAX_REFILL_S``)."""
    return _checked_whole(seconds, 0, MAX_REFILL_S, MSG_BAD_REFILL)


def _whole_number_setting(
    option: int | None,
    variable: str | None,
    check: Callable[[int], int],
    message: str,
    default: Callable[[], int],
) -> int:
    """``option`` if given, else the environment ``variable``'s whole number if set, else
    ``default()``; each checked by ``check``, text that is no whole number refused with
    ``message``."""
    if option is not None:
        return check(option)
    if variable is None:
        return default()
    if not re.fullmatch(r"[0-9]+", variable.strip()):
        raise WorkbenchError(message.format(value=variable))
    return check(int(variable))


def _checked_whole(value: int, low: int, high: int, message: str) -> int:
    """``value`` if it is a whole number (not a bool) from ``low`` to ``high``; else
    ``message``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise WorkbenchError(message.format(value=value))
    return value


def default_pool_size(memory_bytes: int | None = None) -> int:
    """As many pre-heated kernels as a tenth of ``memory_bytes`` (default: this machine's
    physical memory) holds at ``HEATED_KERNEL_MB`` each, from 1 to ``MAX_DEFAULT_POOL_SIZE``."""
    if memory_bytes is None:
        memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    kernels = int(memory_bytes * POOL_MEMORY_SHARE) // (HEATED_KERNEL_MB * 2**20)
    return max(1, min(MAX_DEFAULT_POOL_SIZE, kernels))
