"""Reports: a self-contained HTML page and a JSON file with the same numbers.

:func:`build_report` assembles a :class:`ReportContent` from results computed elsewhere (the
app's steps, as :func:`workbench.app.pipeline.make_report` runs them from a model spec, or a
notebook's); :func:`choose_examples` picks the rows worth explaining; then :func:`write_html`
and :func:`write_json` write it atomically. Example texts are redacted.
"""

from workbench._errors import ReportError
from workbench._files import MSG_NOT_A_FOLDER
from workbench.report._chat import (
    OUTCOME_CLASS,
    ChatSection,
    chat_section,
    redact_columns,
    shown_pairs,
)
from workbench.report._choose import Choice, choose_examples
from workbench.report._content import (
    MSG_NOT_REVIEW,
    MSG_OTHER_MODEL,
    MSG_REDACTION_OFF,
    MSG_RESULT_FOR_OTHER_VERSION,
    MSG_UNREADABLE_CARD,
    DataSummary,
    ModelSummary,
    ReportContent,
    build_report,
)
from workbench.report._examples import (
    MSG_NOT_EXAMPLE,
    MSG_TEXT_NEEDED,
    MSG_WITHHELD,
    Example,
    ShownExample,
    Token,
    redact_tokens,
)
from workbench.report._html import render_html
from workbench.report._markdown import markdown_to_html
from workbench.report._provenance import Provenance
from workbench.report._write import MSG_CANNOT_WRITE, MSG_IS_A_FOLDER, write_html, write_json

__all__ = [
    "MSG_CANNOT_WRITE",
    "MSG_IS_A_FOLDER",
    "MSG_NOT_A_FOLDER",
    "MSG_NOT_EXAMPLE",
    "MSG_NOT_REVIEW",
    "MSG_OTHER_MODEL",
    "MSG_REDACTION_OFF",
    "MSG_RESULT_FOR_OTHER_VERSION",
    "MSG_TEXT_NEEDED",
    "MSG_UNREADABLE_CARD",
    "MSG_WITHHELD",
    "OUTCOME_CLASS",
    "ChatSection",
    "Choice",
    "DataSummary",
    "Example",
    "ModelSummary",
    "Provenance",
    "ReportContent",
    "ReportError",
    "ShownExample",
    "Token",
    "build_report",
    "chat_section",
    "choose_examples",
    "markdown_to_html",
    "redact_columns",
    "redact_tokens",
    "shown_pairs",
    "render_html",
    "write_html",
    "write_json",
]
