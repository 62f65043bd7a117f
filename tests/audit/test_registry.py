"""The metric registry: every metric the audit computes is described once, completely."""

import dataclasses
import re

import pytest

from workbench.audit import (
    BETWEEN,
    BOUNDED,
    CALIBRATION,
    CALIBRATION_BETWEEN,
    MITIGATION_METRICS,
    RATES,
    REGISTRY,
    TABLE_CALIBRATION,
    TABLE_DIFFERENCES,
    TABLE_RATES,
    AuditOptions,
    FairnessBounds,
    audit,
)

from .audit_data import random_frame

FRAME = random_frame(12, n=1500)
RESULT = audit(
    FRAME["score"],
    FRAME,
    label="label",
    protected=["gender", "ethnicity"],
    options=AuditOptions(bootstrap=5),
)
NOT_METRICS = {"class", "attribute", "group", "reference", "caveats"}
KINDS = {"count", "group rate", "calibration", "difference", "gap", "ratio", "index"}
# The Brier score depends on a group's base rate as much as on its calibration: no default bound.
UNBOUNDED = {"brier_score_difference"}


def _computed(table):
    columns = set(table.reset_index().columns) - NOT_METRICS
    return {re.sub(r"_(low|high|p|detectable)$", "", column) for column in columns}


@pytest.mark.parametrize("table", ["overall", "by_group", "differences", "by_attribute"])
def test_every_metric_the_audit_computes_is_registered(table):
    computed = _computed(getattr(RESULT, table))
    assert computed and computed <= set(REGISTRY)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_registered_metric_is_described(name):
    metric = REGISTRY[name]
    assert metric.name == name and metric.kind in KINDS
    assert metric.label and metric.long_label and len(metric.label) <= len(metric.long_label)
    compared = metric.kind in ("difference", "gap", "ratio")
    assert (metric.bound is not None) == (compared and name not in UNBOUNDED)
    assert (metric.ideal is not None) == (metric.kind not in ("count", "group rate"))
    assert metric.signed == (metric.kind == "difference")
    if name in BOUNDED:
        assert metric.consequence and metric.ideal is not None
    if metric.compares is not None:
        assert REGISTRY[metric.compares].kind in ("group rate", "calibration")
        assert metric.compared_words
    if name in CALIBRATION_BETWEEN:
        assert metric.compares in CALIBRATION


def test_selections_and_default_bounds_come_from_the_registry():
    selections = (RATES, BETWEEN, TABLE_RATES, TABLE_DIFFERENCES, MITIGATION_METRICS)
    for selection in (*selections, CALIBRATION, CALIBRATION_BETWEEN, TABLE_CALIBRATION):
        assert set(selection) <= set(REGISTRY) and len(set(selection)) == len(selection)
    assert [field.name for field in dataclasses.fields(FairnessBounds)] == [
        *sorted(BETWEEN, key=lambda name: REGISTRY[name].kind != "ratio"),
        *CALIBRATION_BETWEEN,
    ]
    defaults = FairnessBounds()
    for name in BOUNDED:
        assert getattr(defaults, name) == REGISTRY[name].bound
    labels = [metric.label for metric in REGISTRY.values()]
    assert len(set(labels)) == len(labels)
