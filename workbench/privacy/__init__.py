"""Redaction of protected health information (names, contacts, dates, record numbers) in text."""

from workbench.privacy._patterns import PhiKind
from workbench.privacy._redact import MSG_NOT_TEXT, PhiSpan, Redacted, find_phi, redact, tag

__all__ = [
    "MSG_NOT_TEXT",
    "PhiKind",
    "PhiSpan",
    "Redacted",
    "find_phi",
    "redact",
    "tag",
]
