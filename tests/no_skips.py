"""Pytest plugin: under WORKBENCH_NO_SKIPS=1 (set by `make test`, and so by CI) a skipped test
fails the run, except a GPU test on a machine without a GPU, so a missing binary or driver can
never pass unnoticed."""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Report every skip but a GPU test's as a failure when WORKBENCH_NO_SKIPS=1."""
    outcome = yield
    report = outcome.get_result()
    allowed = item.get_closest_marker("gpu") is not None
    if os.environ.get("WORKBENCH_NO_SKIPS") == "1" and report.skipped and not allowed:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under WORKBENCH_NO_SKIPS=1 (make test): {reason}"
