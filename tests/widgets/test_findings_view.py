"""FindingsView: the audit's findings in plain words."""

from __future__ import annotations

from widgets import FindingsView
from widgets._findings import MSG_NOT_RUN
from workbench.app.findings import run_audit
from workbench.audit import AuditOptions


def test_shows_each_finding_escaped(crisis_sklearn):
    view = FindingsView()
    assert MSG_NOT_RUN in view.text.value
    run = run_audit(crisis_sklearn, options=AuditOptions(bootstrap=0))
    view.run = run
    assert view.text.value.count('class="wb-finding') == len(run.findings)
    assert 'class="wb-finding wb-breach"' in view.text.value
    assert "vs the rest: " in view.text.value
    assert "'urgent'" not in view.text.value and "&#x27;urgent&#x27;" in view.text.value
    view.run = None
    assert MSG_NOT_RUN in view.text.value
