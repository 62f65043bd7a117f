"""Model cards (Markdown) as HTML that is safe to put in a self-contained report.

Raw HTML in the card is shown as text, never passed through; links to other documents become
their text followed by the address in brackets (a report loads nothing); images become their
alternative text; headings move down two levels to sit under the report's own; a table
takes the heading above it as its caption, and its header cells head their columns.
"""

from __future__ import annotations

import html

from markdown_it import MarkdownIt
from markdown_it.token import Token

HEADING_SHIFT = 2
IMAGE_TEXT = "[image: {alt}]"
TABLE_CAPTION = "Model card, {heading}"
UNTITLED = "table"
WORDS = ("text", "code_inline")
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(text: str) -> str:
    """HTML for Markdown ``text``: escaped, no raw HTML, no external links or images."""
    tokens, shown = _PARSER.parse(text), []
    heading, in_heading = UNTITLED, False
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
            in_heading = token.type == "heading_open"
        elif in_heading and token.type == "inline":
            heading = "".join(
                child.content for child in token.children or () if child.type in WORDS
            )
        elif token.type == "th_open":
            token.attrSet("scope", "col")
        if token.children:
            token.children = _inline(token.children)
        shown.append(token)
        if token.type == "table_open":
            caption = html.escape(TABLE_CAPTION.format(heading=heading))
            shown.append(Token("html_block", "", 0, content=f"<caption>{caption}</caption>\n"))
    return _PARSER.renderer.render(shown, _PARSER.options, {})


def _inline(children: list[Token]) -> list[Token]:
    shown: list[Token] = []
    address, opened = None, 0
    for child in children:
        if child.type == "image":
            shown.append(_text(IMAGE_TEXT.format(alt=child.content or "no description")))
        elif child.type == "link_open" and not str(child.attrGet("href") or "").startswith("#"):
            address, opened = str(child.attrGet("href") or ""), len(shown)
            shown.append(_span(child, {"class": "link"}))
        elif child.type == "link_close" and address is not None:
            shown.append(_span(child, {}))
            words = "".join(token.content for token in shown[opened:] if token.type == "text")
            if address and address != words:
                shown.append(_text(f" <{address}>"))
            address = None
        else:
            shown.append(child)
    return shown


def _span(token: Token, attrs: dict[str, str]) -> Token:
    token.tag = "span"
    token.attrs = dict(attrs)
    return token


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
