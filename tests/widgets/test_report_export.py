"""ReportExport: the review as a downloadable, self-contained HTML report."""

from __future__ import annotations

import base64
import re

from widgets import ReportExport
from workbench.app.export import MSG_NOTHING_YET
from workbench.app.findings import run_audit
from workbench.audit import AuditOptions


def test_export_offers_a_data_url_download(crisis_sklearn, review_dir):
    view = ReportExport(subject=crisis_sklearn, threaded=False)
    view.export_button.click()
    assert view.error == MSG_NOTHING_YET and view.report is None
    view.run = run_audit(crisis_sklearn, options=AuditOptions(bootstrap=0))
    view.export()
    assert view.error == ""
    link = re.search(
        r'download="([^"]+)" href="data:text/html;charset=utf-8;base64,([^"]+)"', view.link.value
    )
    assert link.group(1) == view.report.name
    assert base64.b64decode(link.group(2)).decode("utf-8") == view.report.html
    view.subject = None
    assert view.link.value == ""
