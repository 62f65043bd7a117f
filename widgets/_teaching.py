"""The lesson views: label bias injected by a slider; one message explained by a chosen model."""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets
import traitlets

from sample_models.teaching import BIASED_GROUP, MAX_STRENGTH, PROTECTED, BiasLesson, bias_lesson
from widgets._charts import GROUP_BARS_LAYOUT, Chart, draw_group_bars, metrics_table_html
from widgets._model_picker import ModelPicker
from widgets._task import CoreView, shows_errors
from widgets._text_attribution import TextAttributionView
from workbench.app.catalog import CatalogEntry, OpenedEntry, load_listed_model
from workbench.app.findings import group_metrics
from workbench.presentation import metric_label, percent

METRICS = ("fpr", "selection_rate", "tpr", "accuracy")
MSG_NOT_TEXT = "{name} is a {kind} model; this lesson explains messages: choose a text model."


class BiasLessonView(CoreView):
    """Choose a bias ``strength``; the synthetic data are regenerated, a model is trained on
    them and audited (one core call, :func:`sample_models.teaching.bias_lesson`).

    ``lesson`` holds the :class:`~sample_models.teaching.BiasLesson`; the table and the bars show
    the chosen ``attribute`` (ethnicity or insurance type) and ``metric``.
    """

    strength = traitlets.Float(0.0, min=0.0, max=MAX_STRENGTH, help="Share relabelled.")
    attribute = traitlets.Enum(PROTECTED, default_value=PROTECTED[0], help="Attribute shown.")
    metric = traitlets.Enum(METRICS, default_value=METRICS[0], help="Rate in the bars.")
    lesson = traitlets.Any(None, allow_none=True, help="The last BiasLesson, or None.")

    css_class = "wb-bias-lesson"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.regenerate()

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        column, group = BIASED_GROUP
        self.slider = ipywidgets.FloatSlider(
            value=0.0,
            min=0.0,
            max=MAX_STRENGTH,
            step=0.05,
            readout_format=".0%",
            description="Bias",
            continuous_update=False,
            layout=ipywidgets.Layout(width="480px"),
        )
        self.slider.add_class("wb-bias-slider")
        self.explanation = ipywidgets.HTML(
            f"<p>Share of <b>{column} = {group}</b> patients who did <i>not</i> relapse but are "
            "recorded as relapsed in the training data. The model never sees ethnicity.</p>"
        )
        self.attribute_box = ipywidgets.ToggleButtons(options=list(PROTECTED))
        self.metric_box = ipywidgets.Dropdown(
            description="Bars", options=[(metric_label(m), m) for m in METRICS]
        )
        self.summary = ipywidgets.HTML()
        self.table = ipywidgets.HTML()
        self.chart = Chart(layout={**GROUP_BARS_LAYOUT, "yaxis": {"range": [0, 1]}})
        traitlets.link((self.slider, "value"), (self, "strength"))
        traitlets.link((self.attribute_box, "value"), (self, "attribute"))
        traitlets.link((self.metric_box, "value"), (self, "metric"))
        return (
            self.explanation,
            self.slider,
            self.status,
            self.summary,
            ipywidgets.HBox([self.attribute_box, self.metric_box]),
            self.table,
            self.chart,
        )

    @traitlets.observe("strength")
    def regenerate(self, _change: dict[str, Any] | None = None) -> None:
        """Regenerate the data with ``strength``, retrain and audit (moving the slider)."""
        strength = self.strength
        self._run(
            lambda: bias_lesson(strength), "lesson", working="Retraining…", queue=True
        )

    @traitlets.observe("lesson", "attribute", "metric")
    @shows_errors
    def _draw(self, _change: dict[str, Any] | None = None) -> None:
        lesson: BiasLesson | None = self.lesson
        if lesson is None:
            return
        result = lesson.audit
        self.summary.value = (
            f'<p class="wb-line">Bias {percent(lesson.strength)}: {lesson.relabelled} training '
            f"label(s) changed; the model breaches <b>{len(result.robust_breaches)}</b> fairness "
            f"bound(s) robustly ({len(result.breaches) - len(result.robust_breaches)} more "
            f"possibly) on true labels of {result.rows} new records.</p>"
        )
        metrics = group_metrics(result, positive_class=result.classes[0], attribute=self.attribute)
        self.table.value = metrics_table_html(metrics, self.attribute)
        draw_group_bars(self.chart, metrics, self.metric, self.attribute)


class ExplanationLessonView(CoreView):
    """Choose a model and explain ``text`` with it: a :class:`ModelPicker` over ``models``
    (default: the serve options' list, as in the ethics app) and a :class:`TextAttributionView`.

    The chosen model is loaded with one core call,
    :func:`workbench.app.catalog.load_listed_model`; a model that is not a text model is
    not loaded, and a note says so.
    """

    text = traitlets.Unicode("", help="The message to explain.")

    css_class = "wb-explanation-lesson"

    def __init__(self, *, models: list[CatalogEntry | str] | None = None, **kwargs: Any) -> None:
        self._models = models
        super().__init__(**kwargs)
        self._load()

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        self.picker = ModelPicker(models=self._models)
        self.explainer = TextAttributionView(threaded=self._threaded)
        traitlets.link((self, "text"), (self.explainer, "text"))
        self.picker.observe(self._load, names="spec")
        return (self.picker, self.status, self.explainer)

    def _load(self, _change: dict[str, Any] | None = None) -> None:
        spec, opened = self.picker.spec, self.picker.opened
        self.explainer.model = None
        if spec is None or opened is None:
            self.status.clear()
        elif spec.kind != "text":
            self.status.note(MSG_NOT_TEXT.format(name=opened.entry.name, kind=spec.kind))
        else:
            self._run(
                lambda: load_listed_model(opened),
                functools.partial(self._show_model, opened),
                working=f"Loading {opened.entry.name}…",
                queue=True,
            )

    def _show_model(self, opened: OpenedEntry, model: Any) -> None:
        if self.picker.opened is opened:  # not chosen away while it loaded
            self.explainer.model = model
