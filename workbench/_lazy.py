"""Packages whose public names load on first use (PEP 562).

A package's ``__init__`` names where each public name lives; the module is imported the first
time the name is asked for. So a light module inside a package (the names the command line
offers, say) imports without the package's heavy modules (torch, AIF360, SQLAlchemy).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

MSG_NO_ATTRIBUTE = "module {module!r} has no attribute {name!r}"


def lazy_names(
    package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose name N lives in ``homes[N]``."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(MSG_NO_ATTRIBUTE.format(module=package, name=name))
        value = getattr(importlib.import_module(homes[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *homes})

    return __getattr__, __dir__
