"""Report fixtures: copies of two sample models with planted identifiers, a review database with
a review of an older version of the model, and the reports made from them once per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from workbench import load_model, sample_model_specs
from workbench.app.pipeline import make_report
from workbench.report import ReportContent, render_html
from workbench.review import Review, ReviewStore

ROWS = 600
PLANTED_EMAIL = "jane.doe@example.org"
PLANTED_PHONE = "555-867-5309"
PLANTED = f" You can write to {PLANTED_EMAIL} or call {PLANTED_PHONE}."
BOOTSTRAP = 20
MITIGATION = "equalized_odds"  # reject_option is the default, and takes seconds more


@dataclass(frozen=True)
class Case:
    """A model spec (a copy of a sample model), its data, review database and report."""

    spec: Path
    data: Path
    db: Path
    content: ReportContent
    html: str


def copy_sample(name: str, folder: Path, *, planted: bool) -> tuple[Path, Path]:
    """Copy a sample model into ``folder``; write the first rows of its data (with identifiers
    planted in every message if ``planted``) as ``rows.csv`` beside it."""
    target = folder / name
    shutil.copytree(sample_model_specs()[name].parent, target)
    frame = pd.read_csv(target / "data.csv").head(ROWS)
    if planted:
        frame["text"] = frame["text"] + PLANTED
    data = target / "rows.csv"
    frame.to_csv(data, index=False)
    return target / "model.yaml", data


def review_old_and_new(spec: Path, data: Path, db: Path) -> None:
    """Record a review, change the spec (so the model's hash changes), record another."""
    with ReviewStore(db) as store:
        store.record(
            Review.for_spec(spec, decision="approve", reviewer="Ada Old", comment="old version ok")
        )
        spec.write_text(spec.read_text(encoding="utf-8") + "\n# retrained\n", encoding="utf-8")
        store.record(
            Review.for_spec(
                spec,
                decision="conditions",
                reviewer="Grace Board",
                comment="monitor the missed urgent messages",
                conditions=["re-audit every month"],
                data=data,
            )
        )


@pytest.fixture(scope="session")
def crisis(tmp_path_factory) -> Case:
    """The torch text model with an email and a phone number planted in every message."""
    folder = tmp_path_factory.mktemp("crisis")
    spec, data = copy_sample("crisis_text", folder, planted=True)
    db = folder / "reviews.sqlite3"
    review_old_and_new(spec, data, db)
    content = make_report(
        spec, data=data, db=db, bootstrap=BOOTSTRAP, mitigation=MITIGATION, progress=False
    )
    return Case(spec, data, db, content, render_html(content))


@pytest.fixture(scope="session")
def relapse(tmp_path_factory) -> Case:
    """The torch tabular model, with one review of its current version."""
    folder = tmp_path_factory.mktemp("relapse")
    spec, data = copy_sample("relapse_tabular", folder, planted=False)
    db = folder / "reviews.sqlite3"
    with ReviewStore(db) as store:
        store.record(
            Review.for_spec(spec, decision="reject", reviewer="Lin Chair", comment="proxy bias")
        )
    content = make_report(
        spec, data=data, db=db, bootstrap=BOOTSTRAP, mitigation=MITIGATION, progress=False
    )
    return Case(spec, data, db, content, render_html(content))


@pytest.fixture(scope="session")
def crisis_model(crisis):
    """The crisis model as loaded from the copied spec."""
    return load_model(crisis.spec)
