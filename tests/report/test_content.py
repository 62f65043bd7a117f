"""The content assembled for a text and a tabular sample model: examples, reviews, provenance."""

import platform
from datetime import UTC, datetime, timedelta, timezone

from workbench import file_sha256, load_model
from workbench.app.pipeline import MSG_NO_MITIGATION_BREACH
from workbench.audit import AuditResult, CounterfactualResult, MitigationResult
from workbench.report import build_report
from workbench.review import Decision, model_changed_message

from .conftest import PLANTED_EMAIL, ROWS


def test_text_model_report_holds_every_part(crisis):
    content = crisis.content
    assert isinstance(content.audit, AuditResult) and not content.audit.passed
    assert isinstance(content.counterfactual, CounterfactualResult)
    assert isinstance(content.mitigation, MitigationResult)
    assert content.title == "Model report: crisis_text"
    assert content.model.kind == "text" and content.model.positive_class == "urgent"
    assert content.model_card.startswith("# Model card: crisis_text")
    assert content.data.rows == ROWS
    assert sum(content.data.label_counts.values()) == ROWS
    assert set(content.data.group_counts) == {"gender", "ethnicity", "age_band"}


def test_examples_are_the_worst_groups_missed_cases(crisis):
    examples = crisis.content.examples
    assert len(examples) == 3
    for example in examples:
        assert example.groups["ethnicity"] == "black"
        assert example.label == "urgent" and example.prediction == "routine"
        assert example.reason.startswith("Missed 'urgent'")
        assert example.target_name == "urgent" and example.method == "ig"
        assert example.faithfulness is not None and example.tokens


def test_planted_identifiers_become_tags_in_text_and_tokens(crisis):
    for example in crisis.content.examples:
        assert example.redactions == ("EMAIL", "PHONE")
        assert "[EMAIL]" in example.text and "[PHONE]" in example.text
        assert PLANTED_EMAIL not in example.text
        tags = [token for token in example.tokens if token.tag]
        assert [token.text for token in tags] == ["[EMAIL]", "[PHONE]"]
        assert not any(token.text in ("jane", "doe", "555", "5309") for token in example.tokens)


def test_counterfactual_messages_are_redacted_and_only_flips_kept(crisis):
    flips = crisis.content.counterfactual.flips
    assert len(flips) > 0
    for column in ("text", "counterfactual"):
        assert flips[column].str.contains(r"\[EMAIL\]").all()
        assert not flips[column].str.contains(PLANTED_EMAIL, regex=False).any()
    swaps = crisis.content.counterfactual.swaps
    assert (swaps.loc[~swaps["flipped"], "text"] == "").all()


def test_reviews_split_by_model_version_with_a_warning(crisis):
    content = crisis.content
    assert [review.reviewer for review in content.reviews] == ["Grace Board"]
    assert content.reviews[0].decision is Decision.CONDITIONS
    assert [review.reviewer for review in content.other_reviews] == ["Ada Old"]
    current = load_model(crisis.spec).fingerprint
    assert content.review_warning == model_changed_message(
        list(content.other_reviews), current_sha256=current
    )
    assert content.review_source == str(crisis.db)


def test_provenance_ties_the_report_to_model_data_packages_and_seeds(crisis):
    provenance = crisis.content.provenance
    assert provenance.model_sha256 == load_model(crisis.spec).fingerprint
    assert provenance.data_sha256 == file_sha256(crisis.data)
    assert provenance.data_file == str(crisis.data)
    expected = {"workbench", "torch", "captum", "lime", "aif360", "pandas", "numpy"}
    assert expected | {"scikit-learn"} <= set(provenance.packages)
    assert provenance.seeds == {"audit_bootstrap": 0, "mitigation": 0}
    assert provenance.created_at.utcoffset().total_seconds() == 0
    assert provenance.platform == platform.platform()
    assert platform.node() not in provenance.platform.split("-")
    assert provenance.redaction is True


def test_tabular_model_report_shows_feature_values(relapse):
    content = relapse.content
    assert content.model.kind == "tabular"
    assert content.counterfactual is None
    # On 600 rows no breach of a single attribute is robust, so none is mitigated.
    assert content.audit.breaches and content.audit.passed
    assert content.mitigation is None and MSG_NO_MITIGATION_BREACH in content.notes
    assert [review.reviewer for review in content.reviews] == ["Lin Chair"]
    assert content.other_reviews == () and content.review_warning == ""
    assert len(content.examples) == 3
    for example in content.examples:
        assert example.text is None and example.target_name == "relapse"
        features = {token.text: token.value for token in example.tokens}
        assert set(features) == set(load_model(relapse.spec).feature_columns)
        assert features["insurance_type"] in ("private", "public", "uninsured")


def test_title_time_and_seeds_can_be_given(relapse):
    made = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=2)))
    content = build_report(
        relapse.spec, title="Board pack", created_at=made, seeds={"training": 11}
    )
    assert content.title == "Board pack"
    assert content.provenance.created_at == made and content.provenance.created_at.tzinfo == UTC
    assert content.provenance.seeds == {"training": 11}
    assert content.audit is None and content.examples == () and content.reviews == ()
    assert content.data.group_counts["insurance_type"] == {
        "private": 762,
        "public": 490,
        "uninsured": 248,
    }
