"""A served app's kernel keeps its internals off the page: they go to the server's log.

``workbench serve`` starts Voila with ``WORKBENCH_SERVED=1``, which its kernels inherit; the
app's first import (``widgets``) calls :func:`route_internal_output`. Without it, a kernel sends
to the page, as output, whatever is written to its stderr: warnings (with their file paths),
stacks logged by ipykernel and the comm layer for malformed messages, log records of loggers
without a handler, and tracebacks of errors in widget callbacks. Elsewhere (JupyterLab, tests)
nothing changes.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Mapping
from typing import Any, TextIO

SERVED_ENV = "WORKBENCH_SERVED"


def route_internal_output(environ: Mapping[str, str] | None = None) -> bool:
    """In a served kernel, send stderr, warnings, logging and tracebacks to the server's log.

    Returns whether it did (``WORKBENCH_SERVED=1`` in ``environ``, default ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    server_log = sys.__stderr__
    if environ.get(SERVED_ENV) != "1" or server_log is None:
        return False
    page_streams = [sys.stdout, sys.stderr]
    for stream in page_streams:
        _restore_descriptor(stream)
    # Warnings and Python's last-resort log handler write to sys.stderr when they happen.
    sys.stderr = server_log
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and handler.stream in page_streams:
                handler.setStream(server_log)
    _log_tracebacks(server_log)
    return True


def _restore_descriptor(stream: Any) -> None:
    """Give back the file descriptor that ipykernel captured for ``stream``: output of C code
    and subprocesses goes to the server's log again instead of the page."""
    original = getattr(stream, "_original_stdstream_copy", None)
    captured = getattr(stream, "_original_stdstream_fd", None)
    if original is not None and captured is not None:
        os.dup2(original, captured)


def _log_tracebacks(server_log: TextIO) -> None:
    """Tracebacks IPython would send to the page (an error in a widget callback) go to the log."""
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: nothing sends tracebacks to a page
        return
    shell = get_ipython()
    if shell is None:
        return

    def log_traceback(etype: type, evalue: BaseException, _stb: list[str]) -> None:
        server_log.write("".join(traceback.format_exception(etype, evalue, evalue.__traceback__)))
        server_log.flush()

    shell._showtraceback = log_traceback
