"""No import runs up the layers: every module is read with ``ast`` (nothing is imported) and
each import, at the top or inside a function, must reach its own layer or a lower one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workbench", "widgets", "sample_models")
LAYERS = (
    ("workbench._errors", "workbench._version", "workbench._files", "workbench._lazy"),
    ("workbench.spec", "workbench.data", "workbench.privacy", "workbench.models"),
    ("workbench.explain", "workbench.audit"),
    ("workbench.chat",),
    ("workbench.review", "workbench.store"),
    ("workbench.report", "workbench.presentation"),
    ("workbench.app",),
    ("workbench.serving",),
    ("workbench.cli",),
)
LAYER_OF = {name: level for level, names in enumerate(LAYERS) for name in names}
# The package itself re-exports names of layer 1 (lazily, with importlib).
LAYER_OF["workbench"] = 1
FORBIDDEN = {
    "workbench": ("ipywidgets", "widgets", "sample_models", "notebooks"),
    "widgets": ("workbench.cli",),
}
MSG_UP = "{module} line {line}: `{statement}` imports {target} (layer {to}) from layer {at}"
MSG_FORBIDDEN = "{module} line {line}: `{statement}`: {package} never imports {banned}"
MSG_NOT_IN_TABLE = (
    "{module} is in no layer: add {part} to LAYERS in tests/test_architecture.py, at the level "
    "of the lowest layer it imports from"
)


def layer_key(module: str) -> str | None:
    """The longest entry of the layer table that ``module`` is or lies inside."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        if ".".join(parts[:size]) in LAYER_OF:
            return ".".join(parts[:size])
    return None


def resolve(imported: str) -> str:
    """The module that ``from a.b import name`` reaches: ``a.b.name`` if that is a module or
    package of the repository, else ``a.b``."""
    base = imported.rpartition(".")[0]
    candidate = ROOT.joinpath(*imported.split("."))
    if not base or candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").exists():
        return imported
    return base


def imports(source: str, *, package: str) -> Iterator[tuple[int, str, str]]:
    """Each module a source file imports (relative imports resolved against ``package``), with
    its line and the statement as written, once per module a statement reaches; imports inside
    functions included."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        statement = " ".join((ast.get_source_segment(source, node) or "").split())
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, statement
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = dict.fromkeys(resolve(f"{base}.{alias.name}") for alias in node.names)
            for target in targets:
                yield node.lineno, target, statement


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def check(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """What is wrong with the imports of ``module``, whose text is ``source``."""
    top = module.split(".")[0]
    own = layer_key(module) if top == "workbench" else None
    if top == "workbench" and own == "workbench" and module != "workbench":
        return [MSG_NOT_IN_TABLE.format(module=module, part=".".join(module.split(".")[:2]))]
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for line, target, statement in imports(source, package=package):
        found += [
            MSG_FORBIDDEN.format(
                module=module, line=line, statement=statement, package=top, banned=banned
            )
            for banned in FORBIDDEN.get(top, ())
            if _inside(target, banned)
        ]
        key = layer_key(target) if _inside(target, "workbench") else None
        if own is not None and key is not None and LAYER_OF[key] > LAYER_OF[own]:
            found.append(
                MSG_UP.format(
                    module=module,
                    line=line,
                    statement=statement,
                    target=target,
                    to=LAYER_OF[key],
                    at=LAYER_OF[own],
                )
            )
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def test_no_import_runs_up_the_layers():
    problems = [
        problem
        for module, path in _modules()
        for problem in check(
            module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py"
        )
    ]
    assert problems == []


def test_every_module_of_the_tree_is_read():
    names = {module for module, _ in _modules()}
    assert {"workbench", "workbench.cli._audit", "widgets", "sample_models.train"} <= names


def test_an_import_up_inside_a_function_is_named_with_module_line_and_statement():
    source = '"""A verb."""\n\n\ndef run():\n    from workbench.report import build_report\n'
    assert check("workbench.audit._verb", source) == [
        MSG_UP.format(
            module="workbench.audit._verb",
            line=5,
            statement="from workbench.report import build_report",
            target="workbench.report",
            to=5,
            at=2,
        )
    ]


@pytest.mark.parametrize(
    ("module", "source", "is_package", "target"),
    [
        ("workbench.spec", "import workbench.cli._main\n", False, "workbench.cli._main"),
        ("workbench.models._x", "from .. import app\n", False, "workbench.app"),
        ("workbench.data", "from workbench import cli\n", False, "workbench.cli"),
        ("workbench.explain", "from ..report import render_html\n", True, "workbench.report"),
    ],
    ids=["import", "relative import", "subpackage by name", "relative from a package"],
)
def test_every_form_of_import_is_resolved(module, source, is_package, target):
    problems = check(module, source, is_package=is_package)
    assert len(problems) == 1 and f" imports {target} (layer" in problems[0]


def test_own_layer_and_lower_ones_are_allowed():
    source = "from workbench.audit import audit\nfrom workbench.spec import load_spec\n"
    assert check("workbench.review._store", source) == []


@pytest.mark.parametrize(
    ("module", "statement", "package", "banned"),
    [
        ("workbench.report._html", "import ipywidgets as w", "workbench", "ipywidgets"),
        (
            "workbench.app.browse",
            "from sample_models import teaching",
            "workbench",
            "sample_models",
        ),
        ("widgets._task", "from workbench.cli import main", "widgets", "workbench.cli"),
    ],
)
def test_forbidden_imports_are_named(module, statement, package, banned):
    assert check(module, statement + "\n") == [
        MSG_FORBIDDEN.format(
            module=module, line=1, statement=statement, package=package, banned=banned
        )
    ]


def test_a_new_subpackage_must_be_added_to_the_table():
    assert check("workbench.monitor._drift", "import json\n") == [
        MSG_NOT_IN_TABLE.format(module="workbench.monitor._drift", part="workbench.monitor")
    ]
