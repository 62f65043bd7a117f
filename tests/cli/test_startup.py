"""Fast start: help for the command and for every verb imports none of the heavy libraries."""

import subprocess
import sys

import pytest

from workbench.cli import build_parser

HEAVY = ("torch", "captum", "aif360", "lime", "sklearn", "pandas", "sqlalchemy", "distributed")
PROBE = """
import sys
from workbench.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""
PYTHON_IMPORT = "import sys, workbench; print(','.join(m for m in {heavy!r} if m in sys.modules))"


def _verbs() -> list[str]:
    action = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    return sorted(action.choices)


def _heavy_loaded(*argv: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_every_verb_is_probed():
    assert _verbs() == [
        "audit",
        "chat-audit",
        "check",
        "explain",
        "models",
        "precompute",
        "report",
        "review",
        "reviews",
        "serve",
    ]


@pytest.mark.parametrize("argv", [["--help"], *[[verb, "--help"] for verb in _verbs()]])
def test_help_imports_nothing_heavy(argv):
    assert _heavy_loaded(*argv) == ""


def test_import_workbench_imports_nothing_heavy():
    result = subprocess.run(
        [sys.executable, "-c", PYTHON_IMPORT.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
