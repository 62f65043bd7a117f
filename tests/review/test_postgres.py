"""A PostgreSQL URL serves a review board: URL handling always, a real server when one exists.

The set-up script (`workbench reviews --postgres-setup-sql`) is run through psql as documented,
and the app role it makes is shown to be unable to change history or remove its protection.

The server tests start a throwaway PostgreSQL (initdb + pg_ctl, Unix socket only, no TCP) in a
temporary folder. The binaries are looked for on PATH, then where Debian puts them
(/usr/lib/postgresql/<version>/bin); `make test` installs Debian's postgresql when neither has
them, and fails rather than skips when they are still missing.
"""

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, text

from workbench import ReviewError
from workbench.review import (
    APPEND_AT_HEAD_MESSAGE,
    APPEND_ONLY_MESSAGE,
    DEFAULT_APP_ROLE,
    MSG_BROKEN,
    MSG_CONTENT_CHANGED,
    MSG_DATABASE,
    MSG_NO_DRIVER,
    ReviewStore,
    postgres_setup_sql,
)

from .conftest import make_review, sha

SECRET_URL = "postgresql+psycopg://board:s3cret-pass@127.0.0.1:1/reviews"
HIDDEN_URL = "postgresql+psycopg://board:***@127.0.0.1:1/reviews"


def test_postgres_url_is_taken_as_a_server_and_its_password_hidden():
    with pytest.raises(ReviewError) as info:
        ReviewStore(SECRET_URL)
    message = str(info.value)
    assert "s3cret-pass" not in message
    prefix_missing_driver = MSG_NO_DRIVER.split("{detail}")[0].format(url=HIDDEN_URL)
    prefix_no_server = MSG_DATABASE.split("{detail}")[0].format(location=HIDDEN_URL)
    assert message.startswith((prefix_missing_driver, prefix_no_server))


DEBIAN_POSTGRES = Path("/usr/lib/postgresql")


def find_postgres_binaries(debian: Path = DEBIAN_POSTGRES) -> tuple[str, str] | None:
    """``initdb`` and ``pg_ctl`` from PATH, else from the newest Debian PostgreSQL folder."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    folders = sorted(
        debian.glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1,
    )
    for folder in reversed(folders):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return str(folder / "initdb"), str(folder / "pg_ctl")
    return None


def test_newest_debian_postgres_folder_is_found_off_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    debian = tmp_path / "postgresql"
    assert find_postgres_binaries(debian) is None
    for version in ("9", "13", "15"):
        (debian / version / "bin").mkdir(parents=True)
        for binary in ("initdb", "pg_ctl"):
            (debian / version / "bin" / binary).touch()
    (debian / "16" / "bin").mkdir(parents=True)  # a client-only install: no server binaries
    found = find_postgres_binaries(debian)
    assert found == (str(debian / "15/bin/initdb"), str(debian / "15/bin/pg_ctl"))


def _run_as_postgres(*command: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg")
    binaries = find_postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    initdb, pg_ctl = binaries
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("PostgreSQL refuses to run as root and runuser is missing")
    folder = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    data = folder / "data"
    _run_as_postgres(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-c listen_addresses='' -k {folder} -c fsync=off"
    _run_as_postgres(
        pg_ctl, "-D", str(data), "-w", "-o", options, "-l", str(folder / "log"), "start"
    )
    yield f"postgresql+psycopg://postgres@/postgres?host={folder}"
    _run_as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(folder)


@pytest.mark.slow
def test_board_shares_one_server(postgres_url):
    board = {"model_name": "pg-board"}
    with ReviewStore(postgres_url) as alice, ReviewStore(postgres_url) as bo:
        first = alice.record(make_review(reviewer="Alice", model_sha256=sha("pg v1"), **board))
        bo.record(make_review(reviewer="Bo", decision="reject", model_sha256=sha("pg v1"), **board))
        alice.record(make_review(reviewer="Alice", model_sha256=sha("pg v2"), **board))
        assert [r.reviewer for r in bo.history(sha("pg v1"))] == ["Alice", "Bo"]
        assert alice.latest(sha("pg v1")).decision.value == "reject"
        assert bo.history(sha("pg v1"))[0] == first
        versions = [r.model_sha256 for r in bo.history(model_name="pg-board")]
        assert versions == [sha("pg v1"), sha("pg v1"), sha("pg v2")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement", ["UPDATE reviews SET reviewer = 'x'", "DELETE FROM reviews", "TRUNCATE reviews"]
)
def test_postgres_history_cannot_be_changed(postgres_url, statement):
    with ReviewStore(postgres_url) as store:
        store.record(make_review(model_sha256=sha("pg append-only")))
        before = store.history()
    engine = create_engine(postgres_url)
    with pytest.raises(exc.DBAPIError, match=APPEND_ONLY_MESSAGE), engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    with ReviewStore(postgres_url) as store:
        assert store.history() == before


def _psql() -> str:
    """psql next to the server binaries, else from PATH."""
    initdb, _ = find_postgres_binaries()
    beside = Path(initdb).with_name("psql")
    found = str(beside) if beside.is_file() else shutil.which("psql")
    assert found, "psql is missing; `make test` installs Debian's postgresql, which has it"
    return found


def _superuser(postgres_url: str, database: str) -> str:
    return postgres_url.replace("@/postgres?", f"@/{database}?")


@pytest.fixture(scope="module")
def app_role_url(postgres_url):
    """A database set up by the printed script, run through psql as the documentation says;
    the URL connects as the app role, which may only INSERT and SELECT."""
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE DATABASE ledger_roles"))
    engine.dispose()
    host = postgres_url.split("host=")[1]
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    command = [*prefix, _psql(), "-v", "ON_ERROR_STOP=1", "-h", host, "-U", "postgres"]
    subprocess.run(
        [*command, "-d", "ledger_roles"],
        input=postgres_setup_sql(),
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return _superuser(postgres_url, "ledger_roles").replace("postgres@", f"{DEFAULT_APP_ROLE}@")


@pytest.mark.slow
def test_app_role_records_reads_and_verifies(app_role_url):
    with ReviewStore(app_role_url) as store:
        first = store.record(make_review(model_sha256=sha("pg roles")))
        second = store.record(make_review(decision="reject", model_sha256=sha("pg roles")))
        assert store.history() == [first, second]
        check = store.verify()
    assert (check.intact, check.count, check.head) == (True, 2, second.record_hash)


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reviews SET decision = 'approve'",
        "DELETE FROM reviews",
        "TRUNCATE reviews",
        "DROP TRIGGER reviews_no_change ON reviews",
        "ALTER TABLE reviews DISABLE TRIGGER ALL",
        "DROP TABLE reviews",
        "INSERT INTO reviews SELECT * FROM reviews WHERE id = 1 "
        "ON CONFLICT (id) DO UPDATE SET decision = 'approve'",
    ],
)
def test_app_role_cannot_change_or_unprotect_history(app_role_url, statement):
    with ReviewStore(app_role_url) as store:
        store.record(make_review(model_sha256=sha("pg roles")))
        before = store.history()
    engine = create_engine(app_role_url)
    with (
        pytest.raises(exc.DBAPIError, match="permission denied|must be owner"),
        engine.begin() as connection,
    ):
        connection.execute(text(statement))
    engine.dispose()
    with ReviewStore(app_role_url) as store:
        assert store.history() == before
        assert store.verify().intact


@pytest.mark.slow
def test_app_role_cannot_insert_out_of_chain(app_role_url):
    with ReviewStore(app_role_url) as store:
        store.record(make_review(model_sha256=sha("pg roles")))
    engine = create_engine(app_role_url)
    copy_first = (
        "INSERT INTO reviews SELECT (SELECT MAX(id) + 1 FROM reviews), created_at, model_name, "
        "model_sha256, dataset_sha256, spec_path, 'approve', reviewer, comment, conditions, "
        "md5(previous_hash) || md5(previous_hash), md5(record_hash) || md5(record_hash) "
        "FROM reviews WHERE id = 1"
    )
    with (
        pytest.raises(exc.DBAPIError, match=APPEND_AT_HEAD_MESSAGE),
        engine.begin() as connection,
    ):
        connection.execute(text(copy_first))
    engine.dispose()


@pytest.mark.slow
def test_superuser_tampering_is_found_by_the_chain(postgres_url):
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE DATABASE ledger_tamper"))
    engine.dispose()
    url = _superuser(postgres_url, "ledger_tamper")
    with ReviewStore(url) as store:
        store.record(make_review(decision="conditions", conditions=["re-audit"]))
        store.record(make_review(decision="reject", reviewer="Bo"))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE reviews DISABLE TRIGGER reviews_no_change"))
        connection.execute(text("UPDATE reviews SET decision = 'approve' WHERE id = 2"))
    engine.dispose()
    with ReviewStore(url) as store:
        assert store.verify().message == MSG_BROKEN.format(id=2, reason=MSG_CONTENT_CHANGED)


@pytest.mark.slow
def test_concurrent_app_connections_keep_one_chain(app_role_url):
    def write(reviewer: str) -> None:
        with ReviewStore(app_role_url) as store:
            for number in range(10):
                store.record(make_review(reviewer=reviewer, comment=str(number)))

    threads = [threading.Thread(target=write, args=(f"writer {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with ReviewStore(app_role_url) as store:
        check = store.verify()
        written = [r for r in store.history() if r.reviewer.startswith("writer ")]
    assert check.intact and len(written) == 40
