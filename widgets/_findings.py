"""What the audit found, in plain words."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from widgets._task import View
from workbench.app.findings import AuditRun

ICONS = {"pass": "&#10004;", "breach": "&#9888;", "warning": "&#9888;", "info": "&#8505;"}
MSG_NOT_RUN = "Run the bias audit to read its findings here."


class FindingsView(View):
    """The findings of ``run`` (an :class:`~workbench.app.findings.AuditRun`), most important
    first; the sentences are the core's (:func:`workbench.app.findings.findings`)."""

    run = traitlets.Any(None, allow_none=True, help="The AuditRun whose findings are shown.")

    css_class = "wb-findings"

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.text = ipywidgets.HTML(f"<p>{MSG_NOT_RUN}</p>")
        return (self.text,)

    @traitlets.observe("run")
    def _draw(self, change: dict[str, Any]) -> None:
        run: AuditRun | None = change["new"]
        if run is None:
            self.text.value = f"<p>{MSG_NOT_RUN}</p>"
            return
        rows = []
        for finding in run.findings:
            rows.append(
                f'<li class="wb-finding wb-{finding.level}"><span class="wb-icon">'
                f"{ICONS[finding.level]}</span>{_html.esc(finding.text)}</li>"
            )
        self.text.value = f'<ul class="wb-plain-list">{"".join(rows)}</ul>'
