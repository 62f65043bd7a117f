"""``workbench review`` and ``workbench reviews``: recording, listing, JSON, and exit code 2."""

import json
import sqlite3

import pytest

from workbench import file_sha256, load_model
from workbench.cli import main
from workbench.cli._review import MSG_NO_REVIEWS, MSG_REVIEWS_NEEDS_MODEL
from workbench.review import (
    MSG_BAD_ROLE,
    MSG_BROKEN,
    MSG_CONDITIONS_REQUIRED,
    MSG_CONTENT_CHANGED,
    MSG_FILE_IN_WAY,
    MSG_INTACT,
    MSG_MODEL_CHANGED,
    MSG_NO_FOLDER,
    ReviewStore,
    postgres_setup_sql,
)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "board" / "reviews.sqlite3")


def review(spec, db, *extra):
    return main(
        [
            "review",
            "--model",
            str(spec),
            "--reviewer",
            "Ada Reviewer",
            "--comment",
            "checked on synthetic data",
            "--db",
            db,
            *extra,
        ]
    )


def retrain(spec):
    """Change the spec file (as a retrained model would); return the model's new hash."""
    spec.write_text(spec.read_text(encoding="utf-8") + "description: retrained\n", encoding="utf-8")
    return load_model(spec).fingerprint


def test_review_records_a_decision_tied_to_the_hashes(callable_spec, db, capsys):
    code = review(
        callable_spec,
        db,
        "--decision",
        "conditions",
        "--condition",
        "monitor monthly",
        "--condition",
        "re-audit by age group",
    )
    assert code == 0
    out = capsys.readouterr().out
    fingerprint = load_model(callable_spec).fingerprint
    assert out.startswith(
        f"recorded review 1: conditions of tiny-triage (model sha256 {fingerprint[:12]})"
    )
    assert f"database: {db}" in out
    with ReviewStore(db) as store:
        (stored,) = store.history(fingerprint)
    assert stored.conditions == ("monitor monthly", "re-audit by age group")
    assert stored.dataset_sha256 == file_sha256(callable_spec.parent / "messages.csv")
    assert stored.spec_path == str(callable_spec.resolve())


def test_reviews_lists_oldest_first(callable_spec, db, capsys):
    review(callable_spec, db, "--decision", "reject")
    review(callable_spec, db, "--decision", "approve")
    capsys.readouterr()
    assert main(["reviews", "--model", str(callable_spec), "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["#1", "#2"]
    assert [line.split("  ")[2] for line in lines] == ["reject", "approve"]
    assert "Ada Reviewer  checked on synthetic data" in lines[0]


def test_reviews_json_lists_current_and_other_versions(callable_spec, db, capsys):
    review(callable_spec, db, "--decision", "approve")
    old_sha = load_model(callable_spec).fingerprint
    new_sha = retrain(callable_spec)
    capsys.readouterr()
    assert main(["reviews", "--model", str(callable_spec), "--db", db, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["model_sha256"] == new_sha
    assert document["reviews"] == []
    assert [r["model_sha256"] for r in document["other_versions"]] == [old_sha]
    assert document["other_versions"][0]["decision"] == "approve"


def test_changed_model_gets_a_plain_note(callable_spec, db, capsys):
    review(callable_spec, db, "--decision", "approve")
    old_sha = load_model(callable_spec).fingerprint
    new_sha = retrain(callable_spec)
    capsys.readouterr()
    assert main(["reviews", "--model", str(callable_spec), "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    note = MSG_MODEL_CHANGED.format(
        count=1, name="tiny-triage", hashes=old_sha[:12], current=new_sha[:12]
    )
    assert out == [
        MSG_NO_REVIEWS.format(name="tiny-triage", sha=new_sha[:12], location=db),
        f"note: {note}",
    ]


def test_review_of_another_data_file_hashes_it(callable_spec, db, tmp_path):
    holdout = tmp_path / "holdout.csv"
    holdout.write_text("text,label\nfeeling low,urgent\n", encoding="utf-8")
    assert review(callable_spec, db, "--decision", "reject", "--data", str(holdout)) == 0
    with ReviewStore(db) as store:
        assert store.history()[0].dataset_sha256 == file_sha256(holdout)


def test_conditions_without_a_condition_exit_2(callable_spec, db, capsys):
    assert review(callable_spec, db, "--decision", "conditions") == 2
    assert capsys.readouterr().err == f"workbench: error: {MSG_CONDITIONS_REQUIRED}\n"


def test_unknown_decision_exits_2(callable_spec, db, capsys):
    with pytest.raises(SystemExit) as info:
        review(callable_spec, db, "--decision", "maybe")
    assert info.value.code == 2
    assert "invalid choice: 'maybe'" in capsys.readouterr().err


def test_missing_spec_exits_2(tmp_path, db, capsys):
    assert review(tmp_path / "missing.yaml", db, "--decision", "approve") == 2
    assert "model spec not found" in capsys.readouterr().err


def test_unwritable_database_place_exits_2(callable_spec, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    code = review(callable_spec, str(blocker / "reviews.sqlite3"), "--decision", "approve")
    assert code == 2
    reason = MSG_FILE_IN_WAY.format(file=blocker)
    expected = MSG_NO_FOLDER.format(folder=blocker, reason=reason)
    assert capsys.readouterr().err == f"workbench: error: {expected}\n"


def test_help_lists_the_review_verbs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "review" in out and "reviews" in out


def test_verify_says_intact_and_exits_0(callable_spec, db, capsys):
    review(callable_spec, db, "--decision", "approve")
    review(callable_spec, db, "--decision", "reject")
    capsys.readouterr()
    assert main(["reviews", "--verify", "--db", db]) == 0
    with ReviewStore(db) as store:
        head = store.history()[-1].record_hash
    assert capsys.readouterr().out.splitlines() == [
        MSG_INTACT.format(count=2, head=head),
        f"database: {db}",
    ]
    assert main(["reviews", "--verify", "--head", head, "--db", db, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["intact"], document["records"], document["head"]) == (True, 2, head)


def test_verify_names_the_first_bad_record_and_exits_1(callable_spec, db, capsys):
    for decision in ("reject", "reject", "approve"):
        review(callable_spec, db, "--decision", decision)
    connection = sqlite3.connect(db)
    connection.execute("DROP TRIGGER reviews_no_update")
    connection.execute("UPDATE reviews SET decision = 'approve' WHERE id = 2")
    connection.commit()
    connection.close()
    capsys.readouterr()
    assert main(["reviews", "--verify", "--db", db]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == MSG_BROKEN.format(id=2, reason=MSG_CONTENT_CHANGED)


def test_reviews_without_a_model_or_verify_exits_2(db, capsys):
    assert main(["reviews", "--db", db]) == 2
    assert capsys.readouterr().err == f"workbench: error: {MSG_REVIEWS_NEEDS_MODEL}\n"


def test_postgres_setup_sql_is_printed_with_the_roles_named(capsys):
    assert main(["reviews", "--postgres-setup-sql", "--app-role", "board_app"]) == 0
    out = capsys.readouterr().out
    assert out == postgres_setup_sql(app_role="board_app")
    assert "GRANT SELECT, INSERT ON reviews TO board_app;" in out
    assert "ALTER TABLE reviews OWNER TO workbench_reviews_owner;" in out
    assert main(["reviews", "--postgres-setup-sql", "--owner-role", "Bad Name"]) == 2
    assert MSG_BAD_ROLE.format(name="Bad Name") in capsys.readouterr().err


def test_overlong_comment_exits_2_naming_the_limit(callable_spec, db, capsys):
    code = main(
        ["review", "--model", str(callable_spec), "--reviewer", "A", "--comment", "x" * 4001]
        + ["--decision", "approve", "--db", db]
    )
    assert code == 2
    expected = "The comment is 4,001 characters; the limit is 4,000."
    assert capsys.readouterr().err == f"workbench: error: {expected}\n"
