"""Opening the database, the schema, and the one way to write.

SQLite (default): WAL, foreign keys on, a busy timeout, and every write
transaction begins IMMEDIATE, because a deferred transaction that read and
then writes fails at once with "database is locked" when another writer got
there first (busy_timeout cannot help then).  PostgreSQL: every write
transaction takes one advisory lock, which serialises writers the same way
and keeps the audit hash chain linear.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee
from playhouse.db_url import connect as connect_url

from .config import ConfigError
from .errors import DatabaseBusy, DatabaseMissing
from .models import ALL_MODELS, SchemaVersion, database

SCHEMA_VERSION = 4
_PG_WRITE_LOCK = 0x6A7863  # "jxc"
BUSY_TIMEOUT_MS = 10_000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
}

_APPEND_ONLY = ("ledger_entry", "audit_event", "batch")


class DatabaseUrlError(ConfigError):
    """The database URL names no backend we support, or a newer schema."""


def make_database(url: str, *, create: bool = True) -> peewee.Database:
    """The peewee database for ``url``.  A SQLite file that does not exist is
    created (with its folders) only when ``create``; otherwise
    :class:`DatabaseMissing` is raised and nothing is made on disk."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db (as SQLAlchemy and peewee read it)
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if path in ("", ":memory:"):
            path = ":memory:"
        else:
            path = str(Path(path).expanduser())
            if not create and not Path(path).exists():
                raise DatabaseMissing(path=path)
            if create:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        return peewee.SqliteDatabase(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
            timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
        )
    if parsed.scheme in ("postgres", "postgresql"):
        return connect_url(url.replace("postgres://", "postgresql://", 1))
    raise DatabaseUrlError(f"unsupported database URL {url!r} (use sqlite:///PATH or postgresql://...)")


def open_database(url: str, *, create: bool = True) -> peewee.Database:
    """Bind the models to the database at ``url`` and bring its schema up to date.

    ``create=False`` refuses a SQLite file that does not exist yet
    (:class:`DatabaseMissing`) instead of creating an empty one.
    """
    db = make_database(url, create=create)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    migrate()
    return db


def close_database() -> None:
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def _append_only_sql() -> list[str]:
    if is_sqlite():
        stmts = []
        for table in _APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                stmts.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return stmts
    # peewee always hands psycopg2 a parameter tuple, so a literal % is written %%.
    stmts = [
        "CREATE OR REPLACE FUNCTION jxc_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
    ]
    for table in _APPEND_ONLY:
        stmts.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        stmts.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jxc_append_only()"
        )
    return stmts


def migrate() -> int:
    """Create the schema on an empty database; later versions add steps here."""
    db = database.obj
    with db.atomic():
        if not is_sqlite():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_WRITE_LOCK,))
        if db.table_exists("ledger_entry"):
            # before create_tables, which indexes the new columns
            _add_v3_columns(db)
            _add_v4_columns(db)
        db.create_tables(ALL_MODELS, safe=True)
        row = SchemaVersion.select().first()
        if row is None:
            SchemaVersion.create(version=SCHEMA_VERSION)
            for stmt in _append_only_sql():
                db.execute_sql(stmt)
            return SCHEMA_VERSION
        if row.version > SCHEMA_VERSION:
            raise DatabaseUrlError(
                f"database schema version {row.version} is newer than this program ({SCHEMA_VERSION})"
            )
        if row.version < 2:
            _add_search_key(db)
        if row.version < 4:
            for stmt in _append_only_sql():  # the batch table is append-only too
                db.execute_sql(stmt)
        SchemaVersion.update(version=SCHEMA_VERSION).execute()
        return SCHEMA_VERSION


def _add_search_key(db: peewee.Database) -> None:
    """v2: one lower-case search column per customer, filled from the stored fields."""
    from .models import Customer
    from .services.pinyin import search_key

    if "search_key" not in {c.name for c in db.get_columns("customer")}:
        db.execute_sql("ALTER TABLE customer ADD COLUMN search_key TEXT NOT NULL DEFAULT ''")
    rows = list(Customer.select(Customer.id, Customer.code, Customer.name, Customer.phone,
                                Customer.pinyin_initials, Customer.pinyin_full).tuples())
    for cid, code, name, phone, initials, full in rows:
        Customer.update(search_key=search_key(code, name, phone, initials, full)).where(
            Customer.id == cid).execute()


# v3 (approvals): columns added to tables that already exist.  The new
# change_request table itself comes from create_tables.
_V3_COLUMNS = (
    ("customer", "credit_limit_fen", "BIGINT NULL"),
    ("ledger_entry", "reverses_id", "INTEGER NULL REFERENCES ledger_entry (id)"),
    ("ledger_entry", "approved_by_id", "INTEGER NULL REFERENCES app_user (id)"),
    ("ledger_entry", "approved_by_name", "VARCHAR(64) NOT NULL DEFAULT ''"),
    ("ledger_entry", "over_credit_limit", "BOOLEAN NOT NULL DEFAULT FALSE"),
)


def _add_v3_columns(db: peewee.Database) -> None:
    for table, column, decl in _V3_COLUMNS:
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
    # SQLite cannot add a UNIQUE column; the same index create_tables would make:
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS ledger_entry_reverses_id ON ledger_entry (reverses_id)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS ledger_entry_approved_by_id ON ledger_entry (approved_by_id)")


def _add_v4_columns(db: peewee.Database) -> None:
    """v4 (batches): the batch table, and the batch each entry and request belongs to."""
    from .models import Batch

    db.create_tables([Batch], safe=True)  # first: the new columns refer to it
    for table in ("ledger_entry", "change_request"):
        if table in db.get_tables() and "batch_id" not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN batch_id INTEGER NULL REFERENCES batch (id)")


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """The only way services write: one transaction, writers serialised.

    A database held by another terminal beyond the busy timeout raises
    :class:`DatabaseBusy` and nothing is written.
    """
    db = database.obj
    try:
        with db.atomic():
            if not is_sqlite() and db.transaction_depth() == 1:
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_WRITE_LOCK,))
            yield
    except peewee.OperationalError as exc:
        if _is_busy(exc):
            raise DatabaseBusy() from exc
        raise


@contextlib.contextmanager
def read_snapshot() -> Iterator[None]:
    """Read several tables as of one moment, without blocking writers.

    SQLite: a deferred transaction in WAL mode reads one snapshot from its
    first SELECT and takes no write lock.  PostgreSQL: REPEATABLE READ."""
    db = database.obj
    if is_sqlite():
        with db.atomic(lock_type="DEFERRED"):
            yield
        return
    with db.atomic():
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@contextlib.contextmanager
def worker_connection() -> Iterator[None]:
    """Open and close this thread's connection (for Textual thread workers)."""
    db = database.obj
    if db.is_closed():
        with db.connection_context():
            yield
    else:
        yield
