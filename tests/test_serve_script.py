"""scripts/serve.sh's culling options: an abandoned kernel goes within 2 minutes by default."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

SERVE_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "serve.sh"
LIMIT_S = 120


def _voila_arguments(**env: str) -> subprocess.CompletedProcess:
    """What serve.sh would run Voila with (``echo`` stands in for Voila)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    environ.update(VOILA="echo", **env)
    return subprocess.run(
        ["bash", str(SERVE_SCRIPT)], env=environ, capture_output=True, text=True, check=False
    )


def _option(arguments: str, name: str) -> str:
    return re.search(rf"--MappingKernelManager\.{name}=(\S+)", arguments).group(1)


@pytest.mark.parametrize(
    ("env", "timeout", "interval"),
    [({}, 90, 15), ({"WORKBENCH_ABANDONED_KERNEL_S": "10"}, 10, 2)],
    ids=["default", "shortened"],
)
def test_abandoned_kernels_are_culled_in_time(env, timeout, interval):
    run = _voila_arguments(**env)
    assert run.returncode == 0, run.stderr
    assert int(_option(run.stdout, "cull_idle_timeout")) == timeout
    assert int(_option(run.stdout, "cull_interval")) == interval
    assert _option(run.stdout, "cull_connected") == "False"
    assert timeout + interval <= LIMIT_S


@pytest.mark.parametrize("value", ["0", "1.5", "soon", "-3"])
def test_a_bad_culling_time_is_refused(value):
    run = _voila_arguments(WORKBENCH_ABANDONED_KERNEL_S=value)
    assert run.returncode == 2
    assert run.stderr == (
        f"WORKBENCH_ABANDONED_KERNEL_S must be a whole number of seconds, not '{value}'\n"
    )
