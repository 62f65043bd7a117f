"""Append-only store of reviews: SQLite in a data folder by default, any SQLAlchemy URL if given.

SQLite runs in WAL mode with a busy timeout and full sync, so several processes can record at
once and a process killed mid-write leaves either the whole review or none of it. Triggers
refuse UPDATE and DELETE on the table (SQLite and PostgreSQL, and TRUNCATE on PostgreSQL), and
refuse any INSERT that is not the next record of the chain (next id, previous_hash the last
record's hash): SQLite's ``INSERT OR REPLACE`` deletes the row it replaces without firing DELETE
triggers (unless recursive triggers are on), so the INSERT trigger is what stops it. Each record
is hash-chained to the one before (:mod:`workbench.review._ledger`), so a change made by someone
who drops the triggers is found by :meth:`ReviewStore.verify`.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    exc,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, Connection, make_url

from workbench._errors import ReviewError, ReviewStoreError
from workbench._files import create_private_file, make_private_folders
from workbench.models import ModelAdapter, model_sha256
from workbench.review._ledger import GENESIS_HASH, ChainCheck, check_chain, record_hash
from workbench.review._names import DATA_DIR_ENV, DATABASE_FILE_NAME, DEFAULT_DATA_DIR
from workbench.review._records import Decision, Review, StoredReview
from workbench.spec import ModelSpec, load_spec

BUSY_TIMEOUT_SECONDS = 30.0
APPEND_ONLY_MESSAGE = "reviews are append-only: record a new review instead of changing one"
APPEND_AT_HEAD_MESSAGE = (
    "reviews are append-only: a new review must come after the last one, with the next id "
    "and the hash of the last record as its previous_hash"
)
_SCHEMA_LOCK_KEY = 0x5245_5649  # PostgreSQL advisory lock held while the schema is created
_RECORD_LOCK_KEY = 0x5245_564A  # PostgreSQL advisory lock held while a record joins the chain

MSG_NO_FOLDER = (
    "cannot create the review database folder {folder}: {reason}; choose a writable place "
    f"with --db or the {DATA_DIR_ENV} environment variable"
)
MSG_FILE_IN_WAY = "{file} is a file, not a folder"
MSG_CORRUPT = (
    "review database {path} is not a readable SQLite database ({detail}). The file was left "
    "untouched: restore it from a backup, or move it aside to start a new history"
)
MSG_READ_ONLY = (
    "cannot write the review database {path} ({detail}); reviews need a writable file in a "
    f"writable folder: choose another place with --db or the {DATA_DIR_ENV} environment variable"
)
MSG_LOCKED = (
    "review database {path} stayed locked by another process for {seconds:g} s; "
    "try again when it has finished"
)
MSG_BAD_URL = "cannot read the database URL {url!r}: {detail}"
MSG_IN_MEMORY = "an in-memory SQLite database keeps no history; name a file"
MSG_NO_DRIVER = (
    "database URL {url} needs a driver that is not installed ({detail}); for PostgreSQL "
    "install one, e.g. pip install 'psycopg[binary]'"
)
MSG_DATABASE = "review database {location} failed: {detail}"
MSG_NO_CHAIN = (
    "review database {location} was made by an earlier workbench whose reviews carry no hash "
    "chain, and append-only history cannot be rewritten to add one. It was left untouched: keep "
    "it as the record of those reviews (an earlier workbench lists them), and name a new "
    "database with --db or the {env} environment variable for new reviews"
)
metadata = MetaData()
reviews_table = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("model_name", Text, nullable=False, index=True),
    Column("model_sha256", String(64), nullable=False, index=True),
    Column("dataset_sha256", String(64), nullable=True),
    Column("spec_path", Text, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("previous_hash", String(64), nullable=False, unique=True),
    Column("record_hash", String(64), nullable=False, unique=True),
    CheckConstraint(
        "decision IN ({})".format(", ".join(f"'{d.value}'" for d in Decision)),
        name="known_decision",
    ),
    sqlite_autoincrement=True,
)
# PostgreSQL statements, also printed by workbench.review.postgres_setup_sql for an owner role.
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION reviews_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    "CREATE TRIGGER reviews_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON reviews "
    "FOR EACH STATEMENT EXECUTE FUNCTION reviews_append_only()",
    "CREATE OR REPLACE FUNCTION reviews_append_at_head() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE last_id integer; last_hash text; BEGIN "
    "SELECT id, record_hash INTO last_id, last_hash FROM reviews ORDER BY id DESC LIMIT 1; "
    "IF NEW.id IS DISTINCT FROM COALESCE(last_id, 0) + 1 OR NEW.previous_hash IS DISTINCT FROM "
    f"COALESCE(last_hash, '{GENESIS_HASH}') THEN RAISE EXCEPTION '{APPEND_AT_HEAD_MESSAGE}'; "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER reviews_append_at_head BEFORE INSERT ON reviews "
    "FOR EACH ROW EXECUTE FUNCTION reviews_append_at_head()",
)
APPEND_ONLY_DDL = (
    *(
        DDL(
            f"CREATE TRIGGER reviews_no_{change.lower()} BEFORE {change} ON reviews "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        ).execute_if(dialect="sqlite")
        for change in ("UPDATE", "DELETE")
    ),
    DDL(
        "CREATE TRIGGER reviews_append_at_head BEFORE INSERT ON reviews WHEN "
        "NEW.id IS NOT (SELECT COALESCE(MAX(id), 0) + 1 FROM reviews) OR NEW.previous_hash IS NOT "
        "COALESCE((SELECT record_hash FROM reviews ORDER BY id DESC LIMIT 1), "
        f"'{GENESIS_HASH}') "
        "OR EXISTS (SELECT 1 FROM reviews WHERE record_hash = NEW.record_hash "
        "OR previous_hash = NEW.previous_hash) "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_AT_HEAD_MESSAGE}'); END"
    ).execute_if(dialect="sqlite"),
    *(DDL(statement).execute_if(dialect="postgresql") for statement in POSTGRES_TRIGGERS),
)
for _statement in APPEND_ONLY_DDL:
    event.listen(reviews_table, "after_create", _statement)


def default_database() -> Path:
    """The SQLite file used when no database is named: in ``$WORKBENCH_DATA_DIR`` or the default."""
    folder = os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return Path(folder).expanduser() / DATABASE_FILE_NAME


class ReviewStore:
    """Reviews kept in one database; only :meth:`record` writes, and nothing is ever changed.

    ``url_or_path`` is a SQLAlchemy URL (``postgresql+psycopg://...``), a SQLite file path, or
    a folder (the file ``reviews.sqlite3`` inside it); ``None`` means :func:`default_database`.
    Missing folders are created.
    """

    def __init__(self, url_or_path: str | Path | None = None) -> None:
        self.path, url = _resolve(url_or_path)
        self.location = str(self.path) if self.path else url.render_as_string(hide_password=True)
        if self.path is not None:
            _make_folder(self.path.parent)
            _create_database_file(self.path)
            self._engine = _sqlite_engine(url)
        else:
            self._engine = _server_engine(url, self.location)
        try:
            with self._transaction() as connection:
                if connection.dialect.name == "postgresql":
                    lock = text("SELECT pg_advisory_xact_lock(:key)")
                    connection.execute(lock, {"key": _SCHEMA_LOCK_KEY})
                metadata.create_all(connection, checkfirst=True)
                columns = {c["name"] for c in inspect(connection).get_columns("reviews")}
            if "record_hash" not in columns:
                raise ReviewError(MSG_NO_CHAIN.format(location=self.location, env=DATA_DIR_ENV))
        except ReviewError:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"ReviewStore({self.location!r})"

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def record(self, review: Review) -> StoredReview:
        """Append ``review`` as the next link of the chain and return it as stored."""
        fields = {f.name: getattr(review, f.name) for f in dataclasses.fields(Review)}
        values = {
            **fields,
            "decision": review.decision.value,
            "conditions": list(review.conditions),
        }
        last = select(reviews_table.c.id, reviews_table.c.record_hash)
        with self._transaction() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _RECORD_LOCK_KEY})
            head = connection.execute(last.order_by(reviews_table.c.id.desc()).limit(1)).first()
            values["id"] = 1 if head is None else head.id + 1
            values["previous_hash"] = GENESIS_HASH if head is None else head.record_hash
            values["record_hash"] = record_hash(values)
            connection.execute(reviews_table.insert().values(**values))
        return StoredReview(
            **fields,
            id=values["id"],
            previous_hash=values["previous_hash"],
            record_hash=values["record_hash"],
        )

    def verify(self, *, pinned_head: str | None = None) -> ChainCheck:
        """Recompute the hash chain over every record; ``pinned_head`` must still be in it."""
        query = select(reviews_table).order_by(reviews_table.c.id)
        with self._transaction(write=False) as connection:
            rows = connection.execute(query).mappings().all()
        return check_chain([_chain_values(row) for row in rows], pinned_head=pinned_head)

    def history(
        self, model_sha256: str | None = None, *, model_name: str | None = None
    ) -> list[StoredReview]:
        """Reviews oldest first, of one model version (``model_sha256``), one name, or all."""
        query = select(reviews_table).order_by(reviews_table.c.id)
        if model_sha256 is not None:
            query = query.where(reviews_table.c.model_sha256 == model_sha256)
        if model_name is not None:
            query = query.where(reviews_table.c.model_name == model_name)
        with self._transaction(write=False) as connection:
            rows = connection.execute(query).mappings().all()
        return [_from_row(row) for row in rows]

    def latest(self, model_sha256: str) -> StoredReview | None:
        """The most recent review of the model version ``model_sha256``, or ``None``."""
        query = (
            select(reviews_table)
            .where(reviews_table.c.model_sha256 == model_sha256)
            .order_by(reviews_table.c.id.desc())
            .limit(1)
        )
        with self._transaction(write=False) as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _from_row(row)

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """A transaction (SQLite: BEGIN IMMEDIATE when writing) with errors said plainly."""
        engine = self._engine.execution_options(workbench_write=write)
        try:
            with engine.begin() as connection:
                yield connection
        except exc.DBAPIError as err:
            raise ReviewStoreError(self._explain(err.orig)) from None
        except sqlite3.Error as err:
            raise ReviewStoreError(self._explain(err)) from None

    def _explain(self, err: BaseException) -> str:
        detail = str(err).strip() or type(err).__name__
        if isinstance(err, sqlite3.DatabaseError):
            lowered = detail.lower()
            if "not a database" in lowered or "malformed" in lowered:
                return MSG_CORRUPT.format(path=self.path, detail=detail)
            if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
                return MSG_READ_ONLY.format(path=self.path, detail=detail)
            if "locked" in lowered or "busy" in lowered:
                return MSG_LOCKED.format(path=self.path, seconds=BUSY_TIMEOUT_SECONDS)
        return MSG_DATABASE.format(location=self.location, detail=detail)


def check_current(
    store: ReviewStore, model: ModelAdapter | ModelSpec | str | Path
) -> list[StoredReview]:
    """Reviews made for other hashes of the same model name: they do not cover this version.

    ``model`` is a loaded model, classifier or generative (its ``fingerprint``), or a spec
    file (hashed now).
    """
    name, current = _name_and_sha256(model)
    return [r for r in store.history(model_name=name) if r.model_sha256 != current]


def _name_and_sha256(model: ModelAdapter | ModelSpec | str | Path) -> tuple[str, str]:
    if not isinstance(model, ModelSpec | str | Path):
        return model.name, model.fingerprint
    spec = load_spec(model)
    return spec.name, model_sha256(spec)


def _resolve(url_or_path: str | Path | None) -> tuple[Path | None, URL]:
    """The SQLite file (``None`` for a server database) and the URL to connect to."""
    if url_or_path is None:
        path = default_database()
    elif isinstance(url_or_path, str) and "://" in url_or_path:
        try:
            url = make_url(url_or_path)
        except exc.ArgumentError as err:
            raise ReviewStoreError(MSG_BAD_URL.format(url=url_or_path, detail=err)) from None
        if url.get_backend_name() != "sqlite":
            return None, url
        if not url.database or url.database == ":memory:":
            raise ReviewStoreError(MSG_BAD_URL.format(url=url_or_path, detail=MSG_IN_MEMORY))
        path = Path(url.database)
    else:
        path = Path(url_or_path).expanduser()
    if path.is_dir():
        path = path / DATABASE_FILE_NAME
    return path.absolute(), URL.create("sqlite", database=str(path.absolute()))


def _make_folder(folder: Path) -> None:
    try:
        make_private_folders(folder)
    except OSError as err:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        reason = err.strerror if blocker is None else MSG_FILE_IN_WAY.format(file=blocker)
        raise ReviewStoreError(MSG_NO_FOLDER.format(folder=folder, reason=reason)) from None


def _create_database_file(path: Path) -> None:
    """A new database file is created readable by its owner only; SQLite gives its -wal and
    -shm files the same permissions."""
    try:
        create_private_file(path)
    except OSError as err:
        raise ReviewStoreError(MSG_READ_ONLY.format(path=path, detail=err.strerror)) from None


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours to emit (see _begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("workbench_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Turn on WAL, retrying while other new connections race to do the same.

    Two connections that both switch a new file to WAL can deadlock on the exclusive lock;
    SQLite then answers one at once with "database is locked" without waiting out the busy
    timeout, so the wait is ours.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _server_engine(url: URL, location: str) -> Engine:
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError as err:
        raise ReviewStoreError(MSG_NO_DRIVER.format(url=location, detail=err)) from None
    except exc.ArgumentError as err:
        raise ReviewStoreError(MSG_BAD_URL.format(url=location, detail=err)) from None


def _chain_values(row: Any) -> dict[str, Any]:
    """A row's values as hashed: the time in UTC (SQLite gives it back without a zone)."""
    created_at = row["created_at"]
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return {**row, "created_at": created_at}


def _from_row(row: Any) -> StoredReview:
    values = _chain_values(row)
    return StoredReview(**{f.name: values[f.name] for f in dataclasses.fields(StoredReview)})
