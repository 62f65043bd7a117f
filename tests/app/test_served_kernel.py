"""A served kernel's internals go to the server's log (workbench.app.served_kernel)."""

from __future__ import annotations

import io
import logging
import sys
import types

from workbench.app.served_kernel import SERVED_ENV, route_internal_output


def _streams(monkeypatch):
    """The page's stream (the kernel's sys.stderr) and the server's log (sys.__stderr__); set in
    the test itself, as pytest's output capture sets sys.stderr between fixtures and test."""
    page, server_log = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", page)
    monkeypatch.setattr(sys, "__stderr__", server_log)
    return page, server_log


def test_outside_a_served_kernel_nothing_changes(monkeypatch):
    page, _ = _streams(monkeypatch)
    assert route_internal_output({}) is False
    assert route_internal_output({SERVED_ENV: "0"}) is False
    assert sys.stderr is page


def test_stderr_logging_and_tracebacks_go_to_the_server_log(monkeypatch):
    page, server_log = _streams(monkeypatch)
    logger = logging.getLogger("tests.serving.with_handler")
    handler = logging.StreamHandler(page)
    logger.addHandler(handler)
    shell = types.SimpleNamespace()
    # Without a handler anywhere, Python's last-resort handler writes (pytest adds its own).
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    try:
        assert route_internal_output({SERVED_ENV: "1"}) is True
        # Warnings are written to sys.stderr as they are shown (pytest records them instead).
        print("written to stderr", file=sys.stderr)
        logger.error("logged with a handler")
        logging.getLogger("tests.serving.no_handler").error("logged without one")
        try:
            raise ValueError("in a widget callback")
        except ValueError as err:
            shell._showtraceback(ValueError, err, ["page traceback"])
    finally:
        logger.removeHandler(handler)
    assert page.getvalue() == ""
    log = server_log.getvalue()
    for text in ("written to stderr", "logged with a handler", "logged without one"):
        assert text in log
    assert "Traceback" in log and "ValueError: in a widget callback" in log
