"""The metric registry: every metric the audit computes is described once, completely."""

import dataclasses
import re

import pytest

from workbench.audit import (
    BETWEEN,
    MITIGATION_METRICS,
    RATES,
    REGISTRY,
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
KINDS = {"count", "group rate", "difference", "gap", "ratio", "index"}


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
    assert (metric.bound is not None) == compared
    assert (metric.ideal is not None) == (metric.kind not in ("count", "group rate"))
    assert metric.signed == (metric.kind == "difference")
    if name in BETWEEN:
        assert metric.consequence and metric.ideal is not None
    if metric.compares is not None:
        assert REGISTRY[metric.compares].kind == "group rate" and metric.compared_words


def test_selections_and_default_bounds_come_from_the_registry():
    for selection in (RATES, BETWEEN, TABLE_RATES, TABLE_DIFFERENCES, MITIGATION_METRICS):
        assert set(selection) <= set(REGISTRY) and len(set(selection)) == len(selection)
    assert [field.name for field in dataclasses.fields(FairnessBounds)] == sorted(
        BETWEEN, key=lambda name: REGISTRY[name].kind != "ratio"
    )
    defaults = FairnessBounds()
    for name in BETWEEN:
        assert getattr(defaults, name) == REGISTRY[name].bound
    labels = [metric.label for metric in REGISTRY.values()]
    assert len(set(labels)) == len(labels)
