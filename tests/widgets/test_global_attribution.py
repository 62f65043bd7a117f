"""GlobalAttributionView: importance over many rows, overall and per group."""

from __future__ import annotations

import pytest
import traitlets

from widgets import GlobalAttributionView
from workbench.app.compare import MSG_NO_MODEL, importance


def test_overall_importance_bars(relapse):
    view = GlobalAttributionView(subject=relapse, rows=100, threaded=False)
    view.compute_button.click()
    assert view.error == ""
    expected = importance(relapse, rows=100)
    traces = view.chart.figure.data
    assert len(traces) == 1
    assert list(traces[0].y) == expected.table["feature"].tolist()
    assert "over 100 rows" in view.chart.figure.layout.title.text


def test_per_group_bars(relapse):
    view = GlobalAttributionView(subject=relapse, rows=100, threaded=False)
    view.attribute_box.value = "ethnicity"
    assert view.attribute == "ethnicity"
    view.compute()
    names = [trace.name for trace in view.chart.figure.data]
    assert names == ["asian", "black", "hispanic", "white"]
    assert view.chart.figure.layout.title.text.endswith("by ethnicity (Integrated Gradients)")
    view.attribute = ""
    view.compute()
    assert [trace.name for trace in view.chart.figure.data] == ["all rows"]


def test_choices_are_validated_and_errors_shown(relapse):
    view = GlobalAttributionView(subject=relapse, threaded=False)
    with pytest.raises(traitlets.TraitError):
        view.attribute = "religion"
    view.subject = None
    view.compute()
    assert view.error == MSG_NO_MODEL
