"""BiasLessonView: the bias slider regenerates the data and the metrics move."""

from __future__ import annotations

from widgets import BiasLessonView


def _black_fpr(view):
    rows = view.lesson.audit.by_group.loc[("relapse", "ethnicity")]
    return rows.loc["black", "fpr"]


def test_the_slider_moves_the_metrics():
    view = BiasLessonView(threaded=False)
    assert view.lesson.strength == 0.0 and view.lesson.relabelled == 0
    assert "0 training label(s) changed" in view.summary.value
    before = _black_fpr(view)
    view.slider.value = 0.8
    assert view.lesson.strength == 0.8 and view.lesson.relabelled > 0
    assert _black_fpr(view) > before + 0.05
    assert 'class="wb-breach"' in view.table.value
    bars = view.chart.figure.data[0]
    assert list(bars.x) == ["asian", "black", "hispanic", "white"]
    assert bars.y[1] == _black_fpr(view)


def test_attribute_and_metric_choices():
    view = BiasLessonView(strength=0.4, threaded=False)
    view.attribute_box.value = "insurance_type"
    view.metric_box.value = "selection_rate"
    assert list(view.chart.figure.data[0].x) == ["private", "public", "uninsured"]
    assert "insurance_type: each group against the rest" in view.table.value


def test_threaded_slider_keeps_the_last_position():
    view = BiasLessonView()
    view.strength = 0.2
    view.strength = 0.5
    assert view.wait(60)
    assert view.lesson.strength == 0.5
