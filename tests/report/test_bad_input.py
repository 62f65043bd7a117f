"""Bad input gets a clear message and nothing already recorded is touched: a data file with
another schema, a missing or corrupt review database, parts that do not fit together."""

import pandas as pd
import pytest

from workbench import DataError, ReviewError, load_spec, sample_model_specs
from workbench.app.pipeline import (
    MSG_BAD_COUNT,
    MSG_NO_DATABASE,
    MSG_NO_LABEL,
    MSG_UNKNOWN_MITIGATION,
    make_report,
)
from workbench.audit import POSTPROCESSORS
from workbench.data import MSG_MISSING_COLUMNS
from workbench.explain import explain
from workbench.report import (
    MSG_NOT_EXAMPLE,
    MSG_NOT_REVIEW,
    MSG_OTHER_MODEL,
    MSG_RESULT_FOR_OTHER_VERSION,
    MSG_TEXT_NEEDED,
    MSG_UNREADABLE_CARD,
    Example,
    ReportError,
    build_report,
)
from workbench.review import MSG_CORRUPT


def test_data_with_another_schema_is_named(relapse, tmp_path):
    other = tmp_path / "other.csv"
    pd.read_csv(relapse.data).drop(columns=["gad7"]).to_csv(other, index=False)
    with pytest.raises(DataError) as info:
        make_report(relapse.spec, data=other, db=relapse.db, progress=False)
    present = list(pd.read_csv(other).columns)
    assert str(info.value) == MSG_MISSING_COLUMNS.format(
        file=other, missing=["gad7"], role="names as feature_columns", present=present
    )


def test_missing_database_is_named_and_not_created(relapse, tmp_path):
    missing = tmp_path / "typo.sqlite3"
    with pytest.raises(ReportError) as info:
        make_report(relapse.spec, db=missing, progress=False)
    assert str(info.value) == MSG_NO_DATABASE.format(path=missing)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_database_is_named_and_left_untouched(relapse, tmp_path):
    corrupt = tmp_path / "reviews.sqlite3"
    notes = b"minutes of the board, not a database\n" * 100
    corrupt.write_bytes(notes)
    with pytest.raises(ReviewError) as info:
        make_report(relapse.spec, db=corrupt, progress=False)
    assert str(info.value) == MSG_CORRUPT.format(path=corrupt, detail="file is not a database")
    assert corrupt.read_bytes() == notes
    assert list(tmp_path.iterdir()) == [corrupt]


def test_unknown_mitigation_is_named(relapse):
    with pytest.raises(ReportError) as info:
        make_report(relapse.spec, mitigation="magic", progress=False)
    assert str(info.value) == MSG_UNKNOWN_MITIGATION.format(
        method="magic", choices=list(POSTPROCESSORS)
    )


@pytest.mark.parametrize("count", [-1, 1.5, True])
def test_bad_example_count(relapse, count):
    with pytest.raises(ReportError) as info:
        make_report(relapse.spec, examples=count, progress=False)
    assert str(info.value) == MSG_BAD_COUNT.format(value=count)


def test_spec_without_labels_is_refused(spec_writer):
    spec = spec_writer(
        name="bare",
        kind="text",
        framework="callable",
        entry="builtins:len",
        classes=["routine", "urgent"],
        positive_class="urgent",
    )
    with pytest.raises(ReportError) as info:
        make_report(spec, progress=False)
    assert str(info.value) == MSG_NO_LABEL.format(path=spec)


def test_unreadable_model_card_is_named(spec_writer):
    spec = spec_writer(
        name="bare",
        kind="text",
        framework="callable",
        entry="builtins:len",
        classes=["routine", "urgent"],
        positive_class="urgent",
        model_card=".",
    )
    with pytest.raises(ReportError) as info:
        build_report(spec)
    reason = "Is a directory"
    assert str(info.value) == MSG_UNREADABLE_CARD.format(path=spec.parent, reason=reason)


def test_reviews_of_another_model_are_refused(crisis, relapse):
    other = crisis.content.reviews[0]
    with pytest.raises(ReportError) as info:
        build_report(relapse.spec, reviews=[other])
    assert str(info.value) == MSG_OTHER_MODEL.format(
        number=1, name="crisis_text", expected="relapse_tabular"
    )
    with pytest.raises(ReportError) as info:
        build_report(relapse.spec, reviews=[other.as_dict()])
    assert str(info.value) == MSG_NOT_REVIEW.format(number=1, kind="dict")


def test_examples_must_be_examples_with_their_text(crisis):
    explanation = crisis.content.examples[0]
    with pytest.raises(ReportError) as info:
        build_report(crisis.spec, examples=[explanation])
    assert str(info.value) == MSG_NOT_EXAMPLE.format(number=1, kind="ShownExample")


def test_text_example_without_its_text_is_refused(crisis, crisis_model):
    explained = explain(crisis_model, "I feel hopeless")
    with pytest.raises(ReportError) as info:
        build_report(crisis.spec, examples=[Example(explanation=explained)])
    assert str(info.value) == MSG_TEXT_NEEDED.format(number=1)


def test_results_of_another_model_version_are_flagged(crisis):
    original = load_spec(sample_model_specs()["crisis_text"])
    content = build_report(original, audit_result=crisis.content.audit)
    used = crisis.content.audit.fingerprint[:12]
    current = content.provenance.model_sha256[:12]
    assert content.notes == (
        MSG_RESULT_FOR_OTHER_VERSION.format(part="audit", used=used, current=current),
    )
