"""Export the review as a self-contained HTML report, downloaded from the page itself."""

from __future__ import annotations

import base64
from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from widgets._task import CoreView
from workbench.app.export import ReportFile, review_report


class ReportExport(CoreView):
    """Build the report of what the review saw and offer it as a download.

    *Export report* makes one core call, :func:`workbench.app.export.review_report`, with the
    ``subject``, the audit ``run``, the ``mitigation``, the explained message (``pair``) or
    ``row`` with its ``row_explanation``, and the decisions in ``store``; the result is
    ``report``. The link carries the file in a ``data:`` URL, so nothing is stored or served.
    """

    subject = traitlets.Any(None, allow_none=True, help="The Subject under review.")
    run = traitlets.Any(None, allow_none=True, help="The AuditRun to report, or None.")
    mitigation = traitlets.Any(None, allow_none=True, help="The Mitigation to report, or None.")
    pair = traitlets.Any(None, allow_none=True, help="The ExplanationPair to report, or None.")
    row = traitlets.Any(None, allow_none=True, help="The explained table row, or None.")
    row_explanation = traitlets.Any(None, allow_none=True, help="Its Explanation, or None.")
    store = traitlets.Any(None, allow_none=True, help="ReviewStore, path or URL; None: default.")
    report = traitlets.Any(None, allow_none=True, help="The last ReportFile, or None.")

    css_class = "wb-report-export"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.export_button = ipywidgets.Button(description="Export report", icon="download")
        self.export_button.add_class("wb-export")
        self.link = ipywidgets.HTML()
        self.export_button.on_click(self.export)
        return (self.export_button, self.status, self.link)

    def export(self, _button: ipywidgets.Button | None = None) -> None:
        """Build the report (the *Export report* button)."""
        subject, store = self.subject, self.store
        parts = {
            "run": self.run,
            "mitigation": self.mitigation,
            "pair": self.pair,
            "row": self.row,
            "row_explanation": self.row_explanation,
        }
        self._run(
            lambda: review_report(subject, store=store, **parts),
            "report",
            working="Writing the report…",
        )

    @traitlets.observe("subject")
    def _forget(self, _change: dict[str, Any]) -> None:
        self.report = None

    @traitlets.observe("report")
    def _offer(self, change: dict[str, Any]) -> None:
        report: ReportFile | None = change["new"]
        if report is None:
            self.link.value = ""
            return
        payload = base64.b64encode(report.html.encode("utf-8")).decode("ascii")
        name = _html.esc(report.name)
        self.link.value = (
            f'<a class="wb-download" download="{name}" '
            f'href="data:text/html;charset=utf-8;base64,{payload}">Download {name}</a> '
            f"({len(report.html) // 1024} KB, self-contained; texts redacted)"
        )
