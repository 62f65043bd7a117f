"""The ``workbench`` command line: one private module per verb, shared options in
``_common``; :func:`main` is the console script."""

from workbench.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
