"""Reports: a self-contained HTML page and a JSON file with the same numbers.

:func:`build_report` assembles a :class:`ReportContent` from results computed elsewhere (the
app's steps, as :func:`workbench.app.pipeline.make_report` runs them from a model spec, or a
notebook's); :func:`choose_examples` picks the rows worth explaining; then :func:`write_html`
and :func:`write_json` write it atomically. Example texts are redacted.
"""

from workbench._lazy import lazy_names

_HOMES = {
    "ReportError": "workbench._errors",
    "MSG_NOT_A_FOLDER": "workbench._files",
    "ChatSection": "workbench.report._chat",
    "OUTCOME_CLASS": "workbench.report._chat",
    "chat_section": "workbench.report._chat",
    "redact_columns": "workbench.report._chat",
    "shown_pairs": "workbench.report._chat",
    "Choice": "workbench.report._choose",
    "choose_examples": "workbench.report._choose",
    "DataSummary": "workbench.report._content",
    "MSG_NOT_REVIEW": "workbench.report._content",
    "MSG_OTHER_MODEL": "workbench.report._content",
    "MSG_REDACTION_OFF": "workbench.report._content",
    "MSG_RESULT_FOR_OTHER_VERSION": "workbench.report._content",
    "MSG_UNREADABLE_CARD": "workbench.report._content",
    "ModelSummary": "workbench.report._content",
    "ReportContent": "workbench.report._content",
    "build_report": "workbench.report._content",
    "Example": "workbench.report._examples",
    "MSG_NOT_EXAMPLE": "workbench.report._examples",
    "MSG_TEXT_NEEDED": "workbench.report._examples",
    "MSG_WITHHELD": "workbench.report._examples",
    "ShownExample": "workbench.report._examples",
    "Token": "workbench.report._examples",
    "redact_tokens": "workbench.report._examples",
    "render_html": "workbench.report._html",
    "markdown_to_html": "workbench.report._markdown",
    "Provenance": "workbench.report._provenance",
    "MSG_CANNOT_WRITE": "workbench.report._write",
    "MSG_IS_A_FOLDER": "workbench.report._write",
    "write_html": "workbench.report._write",
    "write_json": "workbench.report._write",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
