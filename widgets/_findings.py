"""What the audit found, in plain words."""

from __future__ import annotations

from typing import Any

import ipywidgets
import traitlets

from widgets import _html
from workbench.app.findings import AuditRun

ICONS = {
    "pass": ("&#10004;", "#1b6e20"),
    "breach": ("&#9888;", "#a4262c"),
    "warning": ("&#9888;", "#8a5a00"),
    "info": ("&#8505;", "#2d5a8a"),
}
MSG_NOT_RUN = "Run the bias audit to read its findings here."


class FindingsView(ipywidgets.VBox):
    """The findings of ``run`` (an :class:`~workbench.app.findings.AuditRun`), most important
    first; the sentences are the core's (:func:`workbench.app.findings.findings`)."""

    run = traitlets.Any(None, allow_none=True, help="The AuditRun whose findings are shown.")

    def __init__(self, **kwargs: Any) -> None:
        run = kwargs.pop("run", None)
        self.text = ipywidgets.HTML(f"<p>{MSG_NOT_RUN}</p>")
        super().__init__(children=(self.text,), **kwargs)
        self.add_class("wb-findings")
        self.run = run

    @traitlets.observe("run")
    def _draw(self, change: dict[str, Any]) -> None:
        run: AuditRun | None = change["new"]
        if run is None:
            self.text.value = f"<p>{MSG_NOT_RUN}</p>"
            return
        rows = []
        for finding in run.findings:
            icon, colour = ICONS[finding.level]
            rows.append(
                f'<li class="wb-finding wb-{finding.level}" style="margin: 4px 0; '
                f'list-style: none"><span style="color: {colour}; margin-right: 6px">{icon}'
                f"</span>{_html.esc(finding.text)}</li>"
            )
        self.text.value = f'<ul style="padding-left: 4px">{"".join(rows)}</ul>'
