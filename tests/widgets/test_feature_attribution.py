"""FeatureAttributionView: one table row's attributions as bars."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

from widgets import FeatureAttributionView
from workbench.app.compare import quick_explain


def test_explains_the_row_and_draws_the_bars(relapse):
    row = relapse.data.iloc[[7]]
    view = FeatureAttributionView(
        model=relapse.model, row=row, background=relapse.data, threaded=False
    )
    assert "phq9=<b>" in view.values.value
    assert view.chart.figure is None
    view.explain_button.click()
    assert view.error == ""
    expected = quick_explain(relapse.model, row, background=relapse.data)
    np.testing.assert_allclose(view.explanation.attributions, expected.attributions)
    bars = view.chart.figure.data[0]
    assert list(bars.y) == list(relapse.model.feature_columns)
    np.testing.assert_allclose(bars.x, expected.attributions)
    colours = ["#d6604d" if v >= 0 else "#4393c3" for v in bars.x]
    assert list(bars.marker.color) == colours
    assert view.chart.figure.layout.title.text.startswith("Integrated Gradients: why '")
    assert "Faithfulness: comprehensiveness" in view.scores.value
    assert "infidelity" in view.scores.value
    assert "Completeness gap " in view.scores.value
    assert expected.completeness_gap is not None


def test_method_and_class_choices(relapse):
    view = FeatureAttributionView(
        model=relapse.model, row=relapse.data.iloc[[1]], background=relapse.data, threaded=False
    )
    assert "lime" in [v for _, v in view.method_box.options]
    view.method_box.value = "feature_ablation"
    view.target_box.value = "no_relapse"
    view.explain()
    assert view.explanation.method == "feature_ablation"
    assert view.explanation.target_name == "no_relapse"
    with pytest.raises(traitlets.TraitError):
        view.method = "saliency"


def test_a_new_row_clears_the_chart(relapse):
    view = FeatureAttributionView(
        model=relapse.model, row=relapse.data.iloc[[1]], background=relapse.data, threaded=False
    )
    view.explain()
    assert view.chart.layout.display == "flex"
    view.row = relapse.data.iloc[[2]]
    assert view.explanation is None and view.chart.layout.display == "none"


def test_no_row_is_a_short_message(relapse):
    view = FeatureAttributionView(model=relapse.model, threaded=False)
    view.explain()
    assert view.error.startswith("a tabular model explains one row")
    assert "Traceback" not in view.status.value
