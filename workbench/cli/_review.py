"""The ``review`` and ``reviews`` verbs of the ``workbench`` command."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from workbench._errors import WorkbenchError
from workbench._files import json_text
from workbench.cli._common import MODEL_HELP, REVIEW_DATABASE_OPTION, SPEC_OPTION
from workbench.review._names import REVIEW_DECISIONS

if TYPE_CHECKING:
    from workbench.review import StoredReview

MSG_RECORDED = (
    "recorded review {id}: {decision} of {name} (model sha256 {sha}) by {reviewer} at {time}"
)
MSG_NO_REVIEWS = "no reviews of {name} (model sha256 {sha}) in {location}"
MSG_REVIEWS_NEEDS_MODEL = (
    "reviews needs --model SPEC to list a model's reviews, or --verify to check the whole "
    "history, or --postgres-setup-sql to print a PostgreSQL set-up script"
)
EXIT_BROKEN = 1
SHORT_SHA = 12


def add_review_commands(verbs: argparse._SubParsersAction) -> None:
    """Add ``review`` (record a decision) and ``reviews`` (list them) to the sub-commands."""
    review = verbs.add_parser(
        "review",
        parents=[SPEC_OPTION, REVIEW_DATABASE_OPTION],
        help="record a reviewer's decision on a model version",
    )
    review.add_argument(
        "--decision",
        required=True,
        choices=REVIEW_DECISIONS,
        help="approve, conditions (approve with conditions) or reject",
    )
    review.add_argument("--reviewer", required=True, help="the reviewer's name")
    review.add_argument("--comment", required=True, help="what the decision rests on")
    review.add_argument(
        "--condition",
        action="append",
        default=[],
        dest="conditions",
        metavar="TEXT",
        help="a condition of approval (needed for --decision conditions); repeat for several",
    )
    review.add_argument(
        "--data", help="evaluation data file the review covers (default: the spec's data)"
    )
    review.set_defaults(run=_run_review)

    reviews = verbs.add_parser(
        "reviews",
        parents=[REVIEW_DATABASE_OPTION],
        help="list the reviews of a model, oldest first; or check the history's hash chain",
        description="List the reviews of the model --model names (needed for that), or check "
        "the hash chain of every review in the database (--verify), or print the SQL that sets "
        "up a PostgreSQL review database (--postgres-setup-sql).",
    )
    reviews.add_argument("--model", help=MODEL_HELP)
    reviews.add_argument("--json", action="store_true", help="print JSON instead of lines")
    reviews.add_argument(
        "--verify",
        action="store_true",
        help="recompute the hash chain over every review in the database: exit 0 when the "
        "history is intact, 1 when it is broken (naming the first bad record and why)",
    )
    reviews.add_argument(
        "--head",
        metavar="SHA256",
        help="with --verify: a chain head printed earlier (e.g. by a report) that the history "
        "must still hold",
    )
    reviews.add_argument(
        "--postgres-setup-sql",
        action="store_true",
        help="print the SQL (run once by a PostgreSQL superuser) that creates an owner role, "
        "the reviews table with its triggers, and an app role that may only INSERT and SELECT",
    )
    reviews.add_argument(
        "--owner-role",
        default=None,
        metavar="NAME",
        help="with --postgres-setup-sql: the role that owns the table "
        "(default workbench_reviews_owner)",
    )
    reviews.add_argument(
        "--app-role",
        default=None,
        metavar="NAME",
        help="with --postgres-setup-sql: the login role the app connects as "
        "(default workbench_reviews_app)",
    )
    reviews.set_defaults(run=_run_reviews)


def _run_review(args: argparse.Namespace) -> int:
    from workbench.review import Review, ReviewStore, check_current, model_changed_message

    review = Review.for_spec(
        args.model,
        decision=args.decision,
        reviewer=args.reviewer,
        comment=args.comment,
        conditions=args.conditions,
        data=args.data,
    )
    with ReviewStore(args.db) as store:
        stored = store.record(review)
        stale = check_current(store, args.model)
        print(
            MSG_RECORDED.format(
                id=stored.id,
                decision=stored.decision.value,
                name=stored.model_name,
                sha=stored.model_sha256[:SHORT_SHA],
                reviewer=stored.reviewer,
                time=f"{stored.created_at:%Y-%m-%d %H:%M:%S} UTC",
            )
        )
        print(f"database: {store.location}")
    if stale:
        print(f"note: {model_changed_message(stale, current_sha256=review.model_sha256)}")
    return 0


def _run_reviews(args: argparse.Namespace) -> int:
    from workbench.models import model_sha256
    from workbench.review import ReviewStore, check_current, model_changed_message
    from workbench.spec import load_spec

    if args.postgres_setup_sql:
        return _print_postgres_setup(args)
    if args.verify:
        return _verify(args)
    if args.model is None:
        raise WorkbenchError(MSG_REVIEWS_NEEDS_MODEL)
    spec = load_spec(args.model)
    sha = model_sha256(spec)
    with ReviewStore(args.db) as store:
        current = store.history(sha)
        stale = check_current(store, spec)
        location = store.location
    if args.json:
        document = {
            "model_name": spec.name,
            "model_sha256": sha,
            "database": location,
            "reviews": [review.as_dict() for review in current],
            "other_versions": [review.as_dict() for review in stale],
        }
        print(json_text(document), end="")
        return 0
    if not current:
        print(MSG_NO_REVIEWS.format(name=spec.name, sha=sha[:SHORT_SHA], location=location))
    for review in current:
        print(_line(review))
    if stale:
        print(f"note: {model_changed_message(stale, current_sha256=sha)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from workbench.review import ReviewStore

    with ReviewStore(args.db) as store:
        check = store.verify(pinned_head=args.head)
        location = store.location
    if args.json:
        print(json_text({"database": location, **check.as_dict()}), end="")
    else:
        print(check.message)
        print(f"database: {location}")
    return 0 if check.intact else EXIT_BROKEN


def _print_postgres_setup(args: argparse.Namespace) -> int:
    from workbench.review import DEFAULT_APP_ROLE, DEFAULT_OWNER_ROLE, postgres_setup_sql

    owner = args.owner_role or DEFAULT_OWNER_ROLE
    print(postgres_setup_sql(owner_role=owner, app_role=args.app_role or DEFAULT_APP_ROLE), end="")
    return 0


def _line(review: StoredReview) -> str:
    parts = [
        f"#{review.id}",
        f"{review.created_at:%Y-%m-%d %H:%M:%S} UTC",
        review.decision.value,
        review.reviewer,
        review.comment,
    ]
    if review.conditions:
        parts.append("conditions: " + "; ".join(review.conditions))
    if review.dataset_sha256:
        parts.append(f"data sha256 {review.dataset_sha256[:SHORT_SHA]}")
    return "  ".join(parts)
