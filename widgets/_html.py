"""HTML pieces shared by the views: the stylesheet, escaped tables, highlighted tokens.

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
import numpy as np

from workbench.presentation import (
    css_variables,
    direction,
    metric_label,
    number,
    shade,
    signed,
    text_colour,
)

if TYPE_CHECKING:
    import pandas as pd

# Rows of the table of the words that moved the score most, beside the highlighted text.
TOP_WORDS = 8
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


def tokens(features: Sequence[str], attributions: Sequence[float], target: str) -> str:
    """Tokens as spans coloured by their attribution, scaled to the largest |attribution|; each
    can take keyboard focus and names its word, signed value and direction (towards or away
    from ``target``) to assistive technology."""
    values = np.asarray(attributions, dtype=float)
    scale = float(np.max(np.abs(values))) if len(values) else 0.0
    spans = []
    for feature, value in zip(features, values):
        background = shade(value, scale)
        said = esc(f"{feature}: {signed(value, 2)}, {direction(value, target)}")
        spans.append(
            f'<span class="wb-token" role="img" tabindex="0" aria-label="{said}" '
            f'title="{said}" data-attribution="{value:.6g}" '
            f'style="background-color: {background}; color: {text_colour(background)}">'
            f"{esc(feature)}</span>"
        )
    return f'<div class="wb-tokens">{"".join(spans)}</div>'


def top_words(features: Sequence[str], attributions: Sequence[float], target: str) -> str:
    """The :data:`TOP_WORDS` tokens with the largest |attribution| as a table: word, signed
    value and direction, so the highlighting reads without colour."""
    values = np.asarray(attributions, dtype=float)
    order = np.argsort(-np.abs(values), kind="stable")[:TOP_WORDS]
    rows = "".join(
        f'<tr><th scope="row">{esc(features[i])}</th><td>{esc(signed(values[i], 3))}</td>'
        f"<td>{esc(direction(values[i], target))}</td></tr>"
        for i in order
    )
    return (
        f'<table class="wb-table wb-top-words"><caption>Words that moved the score most '
        f'(class {esc(target)})</caption><thead><tr><th scope="col">Word</th>'
        f'<th scope="col">Attribution</th><th scope="col">Direction</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def legend(target: str) -> str:
    """The colour scale's key: blue against ``target``, red for it."""
    return (
        f'<div class="wb-legend">against <b>{esc(target)}</b><span class="wb-legend-bar"></span>'
        f"for <b>{esc(target)}</b></div>"
    )


def items(texts: Iterable[str]) -> str:
    """An escaped bullet list."""
    body = "".join(f"<li>{esc(text)}</li>" for text in texts)
    return f'<ul class="wb-list">{body}</ul>'


def _key(key: Any) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
