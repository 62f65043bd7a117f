"""The no-skips rule of `make test`: a skip fails the run, a GPU test's skip does not."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SAMPLE = """
import pytest

def test_needs_a_binary():
    pytest.skip("initdb is not installed")

@pytest.mark.gpu
def test_needs_a_gpu():
    pytest.skip("no GPU")

def test_passes():
    pass
"""


def _run(tmp_path: Path, no_skips: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    env = {**os.environ, "WORKBENCH_NO_SKIPS": no_skips, "PYTHONPATH": str(TESTS)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no_skips",
        "-q",
        "-rA",
        "-p",
        "no:cacheprovider",
    ]
    command += ["-o", "markers=gpu: gpu", str(tmp_path)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )


@pytest.mark.parametrize("no_skips", ["1", "0"])
def test_skips_fail_only_under_the_rule(tmp_path, no_skips):
    result = _run(tmp_path, no_skips)
    if no_skips == "1":
        assert result.returncode == 1, result.stdout
        assert "1 failed, 1 passed, 1 skipped" in result.stdout
        assert "skipped under WORKBENCH_NO_SKIPS=1 (make test)" in result.stdout
        assert "initdb is not installed" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 passed, 2 skipped" in result.stdout
