"""Shared review fixtures: a store in a tmp folder, valid reviews, and a tiny callable spec."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.review import Review, ReviewStore

MESSAGES_CSV = "text,label\nI feel hopeless,urgent\nneed a refill,routine\n"


def sha(seed: str) -> str:
    """A made-up SHA-256 hex digest, distinct for each seed."""
    return hashlib.sha256(seed.encode()).hexdigest()


def make_review(**changes: object) -> Review:
    """A valid review of model 'triage' version 'v1', with ``changes`` applied."""
    values: dict[str, object] = {
        "decision": "approve",
        "reviewer": "Ada Reviewer",
        "model_name": "triage",
        "model_sha256": sha("v1"),
        "spec_path": "/models/triage/model.yaml",
        "comment": "calibrated on the synthetic set",
    }
    return Review(**{**values, **changes})


@pytest.fixture
def store(tmp_path: Path):
    with ReviewStore(tmp_path / "reviews.sqlite3") as opened:
        yield opened


@pytest.fixture
def callable_spec(spec_writer) -> Path:
    """A text model spec (``builtins:len`` stands in for the model) with a two-row CSV."""
    path = spec_writer(
        name="tiny-triage",
        kind="text",
        framework="callable",
        entry="builtins:len",
        classes=["routine", "urgent"],
        positive_class="urgent",
        data="messages.csv",
        text_column="text",
        label_column="label",
    )
    (path.parent / "messages.csv").write_text(MESSAGES_CSV, encoding="utf-8")
    return path
