"""The JSON file: the same numbers as the results, NaN as null, texts redacted as in the HTML."""

import json

import pytest

from workbench.report import write_json

from .conftest import PLANTED_EMAIL, PLANTED_PHONE


def _no_constants(name):
    raise AssertionError(f"JSON holds {name}")


@pytest.fixture(scope="module")
def crisis_json(crisis, tmp_path_factory):
    path = write_json(crisis.content, tmp_path_factory.mktemp("json") / "report.json")
    text = path.read_text(encoding="utf-8")
    return text, json.loads(text, parse_constant=_no_constants)


def _roundtrip(value):
    return json.loads(json.dumps(value))


def test_audit_counterfactual_and_mitigation_numbers_are_the_results(crisis, crisis_json):
    _, payload = crisis_json
    content = crisis.content
    assert payload["audit"] == _roundtrip(content.audit.to_dict())
    assert payload["mitigation"] == _roundtrip(content.mitigation.to_dict())
    assert payload["counterfactual"] == _roundtrip(content.counterfactual.to_dict())


def test_undefined_rates_are_null(crisis_json):
    _, payload = crisis_json
    assert any(row["tpr"] is None for row in payload["audit"]["by_group"])


def test_provenance_and_reviews_match_the_html(crisis, crisis_json):
    _, payload = crisis_json
    provenance = payload["provenance"]
    assert provenance == _roundtrip(crisis.content.provenance.to_dict())
    assert provenance["model_sha256"] in crisis.html and provenance["data_sha256"] in crisis.html
    reviews = payload["reviews"]
    assert [r["reviewer"] for r in reviews["current"]] == ["Grace Board"]
    assert [r["reviewer"] for r in reviews["other_versions"]] == ["Ada Old"]
    assert reviews["warning"] == crisis.content.review_warning


def test_examples_hold_the_redacted_text_and_tokens(crisis, crisis_json):
    text, payload = crisis_json
    for piece in (PLANTED_EMAIL, PLANTED_PHONE, "jane"):
        assert piece not in text
    for shown, example in zip(payload["examples"], crisis.content.examples):
        assert shown["text"] == example.text
        assert [a["feature"] for a in shown["attributions"]] == [t.text for t in example.tokens]
        assert [a["attribution"] for a in shown["attributions"]] == [
            t.attribution for t in example.tokens
        ]
