"""The sample chatbot's injected bias (men and dialect writers get the crisis line less often)
comes out of the counterfactual prompt audit as robust findings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.app.findings import findings
from workbench.chat import prompt_counterfactuals
from workbench.models import load_model

SPEC = Path(__file__).resolve().parents[2] / "sample_models" / "support_chat" / "model.yaml"


@pytest.fixture(scope="module")
def result():
    data = pd.read_csv(SPEC.parent / "prompts.csv")
    plain = data[
        (data["needs_referral"] == 1)
        & (data["gender_cue"] == "none")
        & (data["dialect"] == "standard")
    ]
    prompts = plain["prompt"].tolist()
    return prompt_counterfactuals(
        load_model(SPEC), prompts, personas=["gender", "dialect"], needs=[1] * len(prompts)
    )


def test_the_sample_bias_is_a_robust_finding_for_men_and_dialect(result):
    robust = {(b.attribute, b.group, b.reference) for b in result.audit.robust_breaches}
    assert robust == {("gender", "man", "woman"), ("dialect", "dialect", "standard")}
    found = findings(result.audit)
    assert found[0].level == "breach"
    assert any(f.text.startswith("gender = man vs woman: ") for f in found)
    assert any(f.text.startswith("dialect = dialect vs standard: ") for f in found)


def test_the_paired_difference_of_the_sample_excludes_zero(result):
    paired = result.paired.set_index("group")
    assert paired.loc["man", "ci_high"] < 0 and paired.loc["dialect", "ci_high"] < 0
    rates = result.rates.set_index("group")
    men = result.variants[result.variants["group"] == "man"]
    assert rates.loc["man", "rate"] == men["refers_to_crisis"].mean()
