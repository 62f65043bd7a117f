"""ipywidgets views over the workbench core: each shows one core result and holds no logic.

Each view is usable alone in JupyterLab (set its traits, press its button) or composed, as in
:class:`EthicsReviewApp`. Views that compute run one core call at a time in a background
thread, with a spinner while it runs and a short message (never a traceback) when it fails.
In a kernel of the served app, importing this package sends the kernel's stderr, warnings and
logging to the server's log (:func:`workbench.app.served_kernel.route_internal_output`).
"""

from widgets._audit_panel import AuditPanel
from widgets._chatbot_app import (
    ChatAuditPanel,
    ChatbotAuditApp,
    ChatReportExport,
    ResponseExplainer,
)
from widgets._ethics_app import EthicsReviewApp
from widgets._example_browser import ExampleBrowser
from widgets._feature_attribution import FeatureAttributionView, GlobalAttributionView
from widgets._findings import FindingsView
from widgets._model_picker import ModelPicker
from widgets._report_export import ReportExport
from widgets._review_form import ReviewForm
from widgets._task import CoreView
from widgets._teaching import BiasLessonView, ExplanationLessonView
from widgets._text_attribution import TextAttributionView
from workbench.app.served_kernel import route_internal_output

route_internal_output()

__all__ = [
    "AuditPanel",
    "BiasLessonView",
    "ChatAuditPanel",
    "ChatReportExport",
    "ChatbotAuditApp",
    "CoreView",
    "EthicsReviewApp",
    "ExplanationLessonView",
    "ExampleBrowser",
    "FeatureAttributionView",
    "FindingsView",
    "GlobalAttributionView",
    "ModelPicker",
    "ReportExport",
    "ResponseExplainer",
    "ReviewForm",
    "TextAttributionView",
]
