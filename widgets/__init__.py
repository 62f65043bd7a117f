"""ipywidgets views over the workbench core: each shows one core result and holds no logic.

Each view is usable alone in JupyterLab (set its traits, press its button) or composed, as in
:class:`EthicsReviewApp`. Views that compute run one core call at a time in a background
thread, with a spinner while it runs and a short message (never a traceback) when it fails.
In a kernel of the served app, importing this package sends the kernel's stderr, warnings and
logging to the server's log (:func:`workbench.app.served_kernel.route_internal_output`).
The views load on first use (PEP 562), so a served page imports only the views it shows.
"""

from workbench._lazy import lazy_names
from workbench.app.served_kernel import route_internal_output

route_internal_output()

_HOMES = {
    "AuditPanel": "widgets._audit_panel",
    "BiasLessonView": "widgets._teaching",
    "ChatAuditPanel": "widgets._chat_views",
    "ChatReportExport": "widgets._chat_views",
    "ChatbotAuditApp": "widgets._chatbot_app",
    "CoreView": "widgets._task",
    "EthicsReviewApp": "widgets._ethics_app",
    "ExplanationLessonView": "widgets._teaching",
    "ExampleBrowser": "widgets._example_browser",
    "FeatureAttributionView": "widgets._feature_attribution",
    "FindingsView": "widgets._findings",
    "GlobalAttributionView": "widgets._feature_attribution",
    "ModelPicker": "widgets._model_picker",
    "ReportExport": "widgets._report_export",
    "ResponseExplainer": "widgets._chat_views",
    "ReviewForm": "widgets._review_form",
    "TextAttributionView": "widgets._text_attribution",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
