"""The views' looks: one stylesheet on the page, colours from the shared palette, no inline
styles but the per-token colours, and the view base class's order of construction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import widgets
from widgets import AuditPanel, CoreView, FindingsView, ReviewForm
from widgets._html import STYLESHEET, stylesheet, stylesheet_html
from widgets._text_attribution import tokens, top_words
from workbench.presentation import PALETTE, shade, text_colour

INLINE_STYLE = re.compile(r"\bstyle=[\"']")


def test_the_stylesheet_holds_the_palette_and_loads_nothing():
    html = stylesheet_html()
    assert html.startswith("<style>") and html.endswith("</style>")
    for role, colour in PALETTE.items():
        assert f"--wb-{role}: {colour};" in html
    assert STYLESHEET.read_text(encoding="utf-8") in html
    assert not re.search(r"url\s*\(|@import|https?:", html, flags=re.I)


def test_every_view_holds_the_one_stylesheet_widget():
    views = [CoreView(threaded=False), FindingsView()]
    for view in views:
        assert view.children[-1] is stylesheet()
        assert "wb-view" in view._dom_classes
    assert "wb-findings" in views[1]._dom_classes
    assert stylesheet().layout.display == "none"


@pytest.mark.parametrize("path", sorted(Path(widgets.__file__).parent.glob("*.py")), ids=str)
def test_no_inline_styles_but_the_token_colours(path):
    found = INLINE_STYLE.findall(path.read_text(encoding="utf-8"))
    assert len(found) == (1 if path.name == "_text_attribution.py" else 0)


def test_tokens_carry_only_their_own_colours():
    html = tokens(["low", "high", "against"], [0.1, 1.0, -0.5], "urgent")
    assert re.findall(r'style="([^"]*)"', html) == [
        f"background-color: {shade(value, 1.0)}; color: {text_colour(shade(value, 1.0))}"
        for value in (0.1, 1.0, -0.5)
    ]


def test_tokens_say_their_value_and_direction_and_take_focus():
    html = tokens(["hopeless", "fine", "the"], [0.31, -0.2, 0.0], "urgent")
    assert re.findall(r'aria-label="([^"]*)"', html) == [
        "hopeless: +0.31, towards urgent",
        "fine: -0.20, away from urgent",
        "the: +0.00, neutral",
    ]
    assert html.count('tabindex="0"') == html.count('role="img"') == 3


def test_top_words_table_lists_the_largest_attributions_first():
    html = top_words(["a", "hopeless", "fine"], [0.01, 0.31, -0.2], "urgent")
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', html)
    assert rows == [
        ("hopeless", "+0.310", "towards urgent"),
        ("fine", "-0.200", "away from urgent"),
        ("a", "+0.010", "towards urgent"),
    ]
    assert "<caption>Words that moved the score most (class urgent)</caption>" in html


def test_given_traits_are_set_after_the_parts_in_declaration_order(crisis_sklearn):
    panel = AuditPanel(
        threshold=0.3, protected=("ethnicity",), subject=crisis_sklearn, threaded=False
    )
    assert panel.threshold == panel.threshold_box.value == 0.3
    assert panel.protected == ("ethnicity",)
    assert ReviewForm._view_traits()[:4] == ["busy", "error", "store", "spec"]
