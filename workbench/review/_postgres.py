"""The SQL that sets up a PostgreSQL review database whose app role may only insert and select."""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from workbench._errors import ReviewError
from workbench.review._store import POSTGRES_TRIGGERS, reviews_table

DEFAULT_OWNER_ROLE = "workbench_reviews_owner"
DEFAULT_APP_ROLE = "workbench_reviews_app"
MSG_BAD_ROLE = (
    "role name {name!r} is not a plain PostgreSQL name; use lower-case letters, digits and _, "
    "starting with a letter or _, at most 63 characters"
)
MSG_SAME_ROLE = "the owner role and the app role must differ; both are {name!r}"
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_HEADER = """\
-- Review database for the workbench: run once, as a superuser, in the database to use:
--   psql -v ON_ERROR_STOP=1 -d DATABASE -f this-file.sql
-- {owner} (no login) owns the table and its triggers; {app} (login) may only INSERT and
-- SELECT, so it cannot change, delete or truncate reviews nor drop the triggers. Give {app}
-- a password (\\password {app}) or another authentication method in pg_hba.conf, and point
-- the app at postgresql+psycopg://{app}@HOST/DATABASE.
"""


def postgres_setup_sql(
    *, owner_role: str = DEFAULT_OWNER_ROLE, app_role: str = DEFAULT_APP_ROLE
) -> str:
    """A psql script that creates ``owner_role``, ``app_role``, the reviews table owned by the
    former, its append-only triggers, and grants the latter INSERT and SELECT only."""
    for name in (owner_role, app_role):
        if not _ROLE.fullmatch(name):
            raise ReviewError(MSG_BAD_ROLE.format(name=name))
    if owner_role == app_role:
        raise ReviewError(MSG_SAME_ROLE.format(name=owner_role))
    dialect = postgresql.dialect()
    schema = [str(CreateTable(reviews_table).compile(dialect=dialect)).strip()]
    schema += [
        str(CreateIndex(index).compile(dialect=dialect)).strip()
        for index in sorted(reviews_table.indexes, key=lambda index: index.name)
    ]
    statements = [
        f"CREATE ROLE {owner_role} NOLOGIN",
        f"CREATE ROLE {app_role} LOGIN",
        *schema,
        *POSTGRES_TRIGGERS,
        f"ALTER TABLE reviews OWNER TO {owner_role}",
        f"ALTER FUNCTION reviews_append_only() OWNER TO {owner_role}",
        f"ALTER FUNCTION reviews_append_at_head() OWNER TO {owner_role}",
        "REVOKE ALL ON reviews FROM PUBLIC",
        f"GRANT SELECT, INSERT ON reviews TO {app_role}",
    ]
    body = "".join(f"{statement};\n" for statement in statements)
    return _HEADER.format(owner=owner_role, app=app_role) + "BEGIN;\n" + body + "COMMIT;\n"
