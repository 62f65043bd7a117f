"""The persistent explanation store: one SQLite file in WAL mode, through SQLAlchemy.

Each entry is an explanation (its ``Explanation.to_dict`` JSON) or the error that stopped it,
under a key that hashes everything the explanation depends on: the model's fingerprint, the
input's SHA-256, the method, its parameters (canonical JSON), the target and the versions of
the packages that computed it. Entries are written a chunk per transaction, so readers never see
half a chunk and a writer killed mid-chunk loses only that chunk; WAL lets any number of readers
read while one writer writes. The key is the primary key, so a lookup is one index probe
however many entries the file holds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, event, select
from sqlalchemy.dialects.sqlite import insert

from workbench._errors import StoreError
from workbench._files import create_private_file, make_private_folders
from workbench.explain._explanation import Explanation
from workbench.store._names import STORE_ENV, STORE_FILE_NAME, default_store_folder

MSG_NO_FOLDER = "cannot use {folder} for the explanation store: {reason}"
MSG_NOT_A_STORE = (
    "{path} is not an explanation store (SQLite could not read it: {detail}); give another "
    "folder with --store or {env}"
)
PREDICTED_TARGET = "predicted"
VERSIONED_PACKAGES = ("mh-workbench", "torch", "captum", "lime")
BUSY_TIMEOUT_SECONDS = 30.0
# A lookup of many keys goes in batches below SQLite's limit of bound parameters.
LOOKUP_BATCH = 500

_metadata = MetaData()
entries_table = Table(
    "explanations",
    _metadata,
    Column("key", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("input_sha256", String(64), nullable=False),
    Column("method", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("target", String(200), nullable=False),
    Column("versions", Text, nullable=False),
    Column("explanation", Text),
    Column("error", Text),
)


@dataclass(frozen=True)
class StoreKey:
    """What an explanation depends on; :attr:`digest` is its key in the store."""

    fingerprint: str
    input_sha256: str
    method: str
    params: str
    target: str
    versions: str

    @classmethod
    def of(
        cls,
        *,
        fingerprint: str,
        item: Any,
        method: str,
        params: Mapping[str, Any],
        target: int | str | None,
        versions: Mapping[str, str] | None = None,
    ) -> StoreKey:
        """The key of explaining ``item`` (a message or a row's values) with ``method``."""
        return cls(
            fingerprint=fingerprint,
            input_sha256=input_hash(item),
            method=method,
            params=canonical_json(dict(params)),
            target=PREDICTED_TARGET if target is None else str(target),
            versions=canonical_json(package_versions() if versions is None else versions),
        )

    @property
    def digest(self) -> str:
        """SHA-256 of every part of the key."""
        parts = [
            self.fingerprint,
            self.input_sha256,
            self.method,
            self.params,
            self.target,
            self.versions,
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    """One stored result: an explanation, or the error that stopped it (then ``error`` is set)."""

    explanation: Explanation | None
    error: str | None = None


class ExplanationStore:
    """Explanations on disk in ``folder`` (default: :func:`default_store_folder`)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder else default_store_folder()
        try:
            make_private_folders(self.folder)
            self.path = create_private_file(self.folder / STORE_FILE_NAME)
        except OSError as err:
            reason = err.strerror or str(err)
            raise StoreError(MSG_NO_FOLDER.format(folder=self.folder, reason=reason)) from None
        self.engine = create_engine(
            f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
        )
        event.listen(self.engine, "connect", _configure)
        event.listen(self.engine, "begin", _begin)
        self._writer = self.engine.execution_options(workbench_write=True)
        try:
            _metadata.create_all(self.engine)
        except Exception as err:  # noqa: BLE001 - any SQLite failure means the file is no store
            detail = getattr(err, "orig", err)
            raise StoreError(
                MSG_NOT_A_STORE.format(path=self.path, detail=detail, env=STORE_ENV)
            ) from None

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM explanations").scalar_one()

    def get(self, key: StoreKey) -> StoredEntry | None:
        """The entry stored under ``key``, or None."""
        return self.get_many([key]).get(key.digest)

    def get_many(self, keys: Iterable[StoreKey]) -> dict[str, StoredEntry]:
        """The entries stored under ``keys``, by key digest; keys not stored are left out."""
        digests = list(dict.fromkeys(key.digest for key in keys))
        found: dict[str, StoredEntry] = {}
        columns = (entries_table.c.key, entries_table.c.explanation, entries_table.c.error)
        with self.engine.connect() as connection:
            for start in range(0, len(digests), LOOKUP_BATCH):
                batch = digests[start : start + LOOKUP_BATCH]
                query = select(*columns).where(entries_table.c.key.in_(batch))
                for digest, explanation, error in connection.execute(query):
                    found[digest] = StoredEntry(
                        explanation=None
                        if explanation is None
                        else Explanation.from_dict(json.loads(explanation)),
                        error=error,
                    )
        return found

    def put_many(self, entries: Sequence[tuple[StoreKey, StoredEntry]]) -> None:
        """Store ``entries`` in one transaction: all of them, or none if the writer dies."""
        if not entries:
            return
        rows = [
            {
                "key": key.digest,
                "fingerprint": key.fingerprint,
                "input_sha256": key.input_sha256,
                "method": key.method,
                "params": key.params,
                "target": key.target,
                "versions": key.versions,
                "explanation": None
                if entry.explanation is None
                else json.dumps(entry.explanation.to_dict()),
                "error": entry.error,
            }
            for key, entry in entries
        ]
        upsert(self._writer, entries_table, rows, updated=("explanation", "error"))

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()


def upsert(
    writer: Any, table: Table, rows: list[dict[str, Any]], *, updated: tuple[str, ...]
) -> None:
    """Insert ``rows`` into ``table`` in one transaction on ``writer``; a row whose key is
    stored already has its ``updated`` columns replaced."""
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={column: statement.excluded[column] for column in updated},
    )
    with writer.begin() as connection:
        connection.execute(statement, rows)


def input_hash(item: Any) -> str:
    """SHA-256 of a message's text, or of a row's values as canonical JSON."""
    text = item if isinstance(item, str) else canonical_json(item)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys and no spaces: equal values, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def package_versions() -> dict[str, str]:
    """The versions of the packages an explanation depends on (``none`` for one not installed),
    read once per process: reading package metadata takes milliseconds, a served click less."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    versions = []
    for name in VERSIONED_PACKAGES:
        try:
            versions.append((name, version(name)))
        except PackageNotFoundError:
            versions.append((name, "none"))
    return tuple(versions)


def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is ours to emit (see _begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:  # two new connections switching to WAL at once: one is told "locked" at once
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as err:
            if "locked" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _begin(connection: Any) -> None:
    """Writers take the write lock at once (no upgrade deadlock); readers never wait for it."""
    writing = connection.get_execution_options().get("workbench_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
