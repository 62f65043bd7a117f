"""The one place AIF360 is imported: on first use, with its import-time notices silenced.

AIF360 logs warnings on the root logger when tensorflow, inFairness or POT are absent (they
serve algorithms the workbench does not use), and takes seconds to import. Importing it here on
first use keeps ``workbench`` commands that do not audit fast, and silences those notices once.
"""

from __future__ import annotations

import functools
import logging
import warnings
from types import SimpleNamespace


@functools.cache
def aif360() -> SimpleNamespace:
    """AIF360's dataset, metric and mitigation classes that the audit uses."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from aif360.algorithms.postprocessing import (
                CalibratedEqOddsPostprocessing,
                EqOddsPostprocessing,
                RejectOptionClassification,
            )
            from aif360.algorithms.preprocessing import Reweighing
            from aif360.datasets import BinaryLabelDataset
            from aif360.metrics import ClassificationMetric
    finally:
        logging.disable(previous)
    return SimpleNamespace(
        BinaryLabelDataset=BinaryLabelDataset,
        CalibratedEqOddsPostprocessing=CalibratedEqOddsPostprocessing,
        ClassificationMetric=ClassificationMetric,
        EqOddsPostprocessing=EqOddsPostprocessing,
        RejectOptionClassification=RejectOptionClassification,
        Reweighing=Reweighing,
    )
