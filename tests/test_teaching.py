"""The bias lesson (sample_models.teaching): more injected bias, worse metrics for the group."""

from __future__ import annotations

import pytest

import workbench
from sample_models.teaching import MAX_STRENGTH, MSG_BAD_STRENGTH, bias_lesson


def _rates(lesson, group="black"):
    rows = lesson.audit.by_group.loc[("relapse", "ethnicity")]
    return rows.loc[group, "fpr"], rows.loc[group, "selection_rate"]


def test_no_bias_no_breach_and_no_relabelling():
    lesson = bias_lesson(0.0, bootstrap=0)
    assert lesson.relabelled == 0
    assert lesson.audit.breaches == ()
    assert lesson.model.feature_columns == (
        "phq9",
        "gad7",
        "prior_episodes",
        "missed_appointments",
        "medication_adherence",
        "insurance_type",
        "age_band",
        "gender",
    )


def test_more_bias_relabels_more_and_the_group_fpr_rises():
    weak, strong = bias_lesson(0.2, bootstrap=0), bias_lesson(0.6, bootstrap=0)
    assert 0 < weak.relabelled < strong.relabelled
    assert _rates(strong)[0] > _rates(weak)[0] + 0.05
    assert len(strong.audit.breaches) > len(weak.audit.breaches)
    assert any(b.group == "black" for b in strong.audit.breaches)


def test_same_strength_same_result():
    first, second = bias_lesson(0.4, bootstrap=0), bias_lesson(0.4, bootstrap=0)
    assert first.relabelled == second.relabelled
    assert first.audit.by_group.equals(second.audit.by_group)


@pytest.mark.parametrize("value", [-0.1, 0.95, "0.3", True])
def test_bad_strength(value):
    with pytest.raises(workbench.InputError) as caught:
        bias_lesson(value)
    assert str(caught.value) == MSG_BAD_STRENGTH.format(maximum=MAX_STRENGTH, value=value)
