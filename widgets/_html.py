"""HTML pieces shared by the views: the stylesheet, escaped tables and lists.

Every value that reaches the page passes through ``html.escape`` here. Numbers, labels and
colours come from :mod:`workbench.presentation`; looks come from ``static/workbench.css``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets

from workbench.presentation import css_variables, metric_label, number

if TYPE_CHECKING:
    import pandas as pd

BREACH_TEXT = "outside bound"
STYLESHEET = Path(__file__).with_name("static") / "workbench.css"
_SHARED: list[ipywidgets.HTML] = []


@functools.cache
def stylesheet_html() -> str:
    """The views' stylesheet as a ``<style>`` element: the palette's variables, then the file."""
    css = STYLESHEET.read_text(encoding="utf-8")
    return f"<style>.wb-view {{ {css_variables('wb-')} }}\n{css}</style>"


def stylesheet() -> ipywidgets.HTML:
    """The one hidden widget that puts the stylesheet on the page, shared by every view of the
    kernel (made again if it was closed)."""
    if _SHARED and _SHARED[0].comm is not None:
        return _SHARED[0]
    style = ipywidgets.HTML(stylesheet_html(), layout=ipywidgets.Layout(display="none"))
    style.add_class("wb-stylesheet")
    _SHARED[:] = [style]
    return style


def esc(value: Any) -> str:
    """``value`` as escaped text."""
    return html.escape(str(value))


def table(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    index_name: str = "",
    marked: Iterable[tuple[Any, str]] = (),
    css_class: str = "",
) -> str:
    """An HTML table of ``columns`` of ``frame`` with its index as the first column.

    Cells named in ``marked`` ((index value, column) pairs) are highlighted with a warning sign.
    """
    flagged = set(marked)
    head = "".join(f"<th>{esc(metric_label(c))}</th>" for c in columns)
    values = {column: frame[column].tolist() for column in columns}  # keeps ints as ints
    rows = []
    for position, key in enumerate(frame.index):
        cells = [f"<th>{esc(_key(key))}</th>"]
        for column in columns:
            shown = esc(number(values[column][position]))
            if (key, column) in flagged:
                cells.append(
                    f'<td class="wb-breach" title="outside its fairness bound">&#9888; {shown} '
                    f'<span class="wb-breach-text">{BREACH_TEXT}</span></td>'
                )
            else:
                cells.append(f"<td>{shown}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="{esc(f"wb-table {css_class}".strip())}"><thead><tr>'
        f"<th>{esc(index_name)}</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def items(texts: Iterable[str]) -> str:
    """An escaped bullet list."""
    body = "".join(f"<li>{esc(text)}</li>" for text in texts)
    return f'<ul class="wb-list">{body}</ul>'


def _key(key: Any) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
