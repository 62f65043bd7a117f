"""The reference group each group is compared with: the rest, a privileged group, or the
best-off group; a privileged mapping names every audited attribute."""

import numpy as np
import pandas as pd
import pytest

from workbench.audit import BEST_OFF, AuditError, audit
from workbench.audit._audit import MSG_NO_BEST_OFF
from workbench.audit._groups import JOIN
from workbench.audit._prepare import MSG_PRIVILEGED_PARTIAL, best_off

from .audit_data import random_frame, with_options

FRAME = random_frame(11, n=2000)
PROTECTED = ["gender", "ethnicity", "age_band"]


def _run(frame=FRAME, **options):
    options = {"label": "label", "protected": PROTECTED, "bootstrap": 0, **options}
    return audit(frame["score"], frame, **with_options(options))


def test_a_partial_mapping_is_an_error_naming_the_missing_attributes():
    with pytest.raises(AuditError) as caught:
        _run(privileged={"gender": "male"})
    assert str(caught.value) == MSG_PRIVILEGED_PARTIAL.format(missing=["ethnicity", "age_band"])


def test_intersections_use_the_privileged_combination():
    result = _run(privileged={"gender": "male", "ethnicity": "white", "age_band": None})
    references = result.differences["reference"].groupby(level="attribute").unique()
    assert list(references["gender"]) == ["male"]
    assert list(references["ethnicity"]) == ["white"]
    assert list(references[f"gender{JOIN}ethnicity"]) == [f"male{JOIN}white"]
    for level in ("age_band", f"gender{JOIN}age_band", f"gender{JOIN}ethnicity{JOIN}age_band"):
        assert list(references[level]) == ["rest"]
    assert result.privileged == {"gender": "male", "ethnicity": "white"}


def test_the_best_off_group_misses_the_fewest_positives():
    result = _run(privileged=BEST_OFF, min_group_size=30)
    groups = result.by_group.xs("1", level="class")
    differences = result.differences.xs("1", level="class")
    for attribute, rows in groups.groupby(level="attribute"):
        eligible = rows[(rows["size"] >= 30) & rows["fnr"].notna()]
        expected = eligible["fnr"].idxmin()[-1]
        assert set(differences.xs(attribute, level="attribute")["reference"]) == {expected}
        assert expected not in differences.xs(attribute, level="attribute").index
    # black patients score lower, so they are never the best-off ethnicity
    assert differences.xs("ethnicity", level="attribute")["reference"].iloc[0] != "black"


def test_best_off_ties_go_to_the_higher_selection_rate_then_the_larger_group():
    # columns tp, fp, tn, fn: the first three tie on fnr 0.25; the second selects the most
    counts = np.array([[3, 1, 10, 1], [6, 4, 10, 2], [3, 0, 100, 1], [1, 0, 5, 9], [9, 0, 0, 0]])
    small = np.array([False, False, False, False, True])
    assert best_off(counts, small) == 1
    same_rates = np.array([[3, 1, 10, 1], [6, 2, 20, 2]])
    assert best_off(same_rates, np.zeros(2, dtype=bool)) == 1
    assert best_off(counts, np.ones(5, dtype=bool)) is None


def test_without_a_best_off_group_the_rest_is_the_reference_and_said_so():
    frame = pd.DataFrame(
        {"gender": ["female"] * 20 + ["male"] * 20, "label": [1, 0] * 20, "score": 0.6}
    )
    result = _run(frame, protected="gender", privileged=BEST_OFF, min_group_size=30)
    assert (result.differences["reference"] == "rest").all()
    assert MSG_NO_BEST_OFF.format(prefix="", level="gender", minimum=30, positive="1") in (
        result.warnings
    )


@pytest.mark.parametrize(
    ("privileged", "reference"),
    [
        (None, "rest"),
        (BEST_OFF, "best_off"),
        ({"gender": "male", "ethnicity": None, "age_band": None}, "privileged"),
    ],
    ids=["rest", "best-off", "privileged"],
)
def test_the_json_says_which_reference_was_chosen(privileged, reference):
    params = _run(privileged=privileged).to_dict()["params"]
    assert params["reference"] == reference
