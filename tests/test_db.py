"""Opening a database: schema, append-only triggers, reopening, on both backends."""

from __future__ import annotations

import pytest

from jxc_tui.db import DatabaseUrlError, SCHEMA_VERSION, make_database, open_database
from jxc_tui.models import Customer, SchemaVersion


def _trigger_names(db) -> set[str]:
    if db.jxc_backend == "sqlite":
        rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    else:
        rows = db.execute_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()
    return {r[0] for r in rows}


def test_open_creates_schema_and_append_only_triggers(db):
    """On PostgreSQL this failed outright: the trigger function's literal
    ``%`` was read by psycopg2 as a parameter placeholder."""
    assert {"app_user", "customer", "ledger_entry", "audit_event", "schema_version"} <= set(db.get_tables())
    assert SchemaVersion.get().version == SCHEMA_VERSION
    names = _trigger_names(db)
    for table in ("ledger_entry", "audit_event", "batch"):
        assert any(n.startswith(table) for n in names), (table, names)


def test_a_batch_row_cannot_be_changed_behind_the_apps_back(db, actors):
    import peewee

    from jxc_tui.models import Batch

    Batch.create(kind="selection", operation="clear", fingerprint="x", actor_name="admin")
    with pytest.raises((peewee.IntegrityError, peewee.InternalError, peewee.OperationalError)):
        with db.atomic():
            db.execute_sql("UPDATE batch SET reason = 'rewritten'")


def test_reopen_keeps_data_and_runs_no_second_initial_migration(db):
    Customer.create(code="K1", name="留下")
    url = db.jxc_url
    db.close()
    open_database(url)  # the fixture closes it
    assert [c.code for c in Customer.select()] == ["K1"]
    assert SchemaVersion.select().count() == 1


@pytest.mark.parametrize("url", ["mysql://x/y", "foo", ""])
def test_unsupported_urls_are_refused(url):
    with pytest.raises(DatabaseUrlError):
        make_database(url)


def test_a_missing_sqlite_file_is_created_only_when_asked(tmp_path):
    from jxc_tui.errors import DatabaseMissing

    path = tmp_path / "sub" / "dir" / "new.sqlite3"
    with pytest.raises(DatabaseMissing) as info:
        make_database(f"sqlite:///{path}", create=False)
    assert info.value.params["path"] == str(path) and "jxc init" in str(info.value)
    assert not (tmp_path / "sub").exists()
    make_database(f"sqlite:///{path}").close()  # the default creates it, folders too
    assert path.parent.is_dir()
    make_database("sqlite:///:memory:", create=False)  # nothing to find on disk


def test_sqlite_writes_begin_immediate_with_wal(sqlite_db):
    assert sqlite_db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite_db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert sqlite_db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_a_version_1_database_gains_the_search_column(db, actors):
    """Schema v1 had no search_key: opening it adds the column and fills it."""
    from jxc_tui.db import SCHEMA_VERSION, open_database
    from jxc_tui.models import SchemaVersion
    from jxc_tui.services import customers as customer_service
    from jxc_tui.services.customers import CustomerInput

    customer_service.create_customer(actors.clerk, CustomerInput(code="V1", name="北京华夏", phone="138-0013-8000"))
    db.execute_sql("ALTER TABLE customer DROP COLUMN search_key")
    SchemaVersion.update(version=1).execute()
    db.close()
    reopened = open_database(db.jxc_url)
    assert "search_key" in {c.name for c in reopened.get_columns("customer")}
    assert SchemaVersion.get().version == SCHEMA_VERSION
    for query in ("bjhx", "13800138", "v1", "华夏"):
        assert [c.code for c in customer_service.search_customers(actors.clerk, query).rows] == ["V1"], query


def _downgrade_to_v2(db) -> None:
    """Take away what schema v3 added (approvals), keeping the data."""
    from jxc_tui.models import SchemaVersion

    db.execute_sql("DROP TABLE change_request")
    db.execute_sql("ALTER TABLE customer DROP COLUMN credit_limit_fen")
    if db.jxc_backend == "sqlite":  # SQLite cannot drop a column holding a foreign key: rebuild the table
        keep = "id, customer_id, kind, amount_fen, balance_before_fen, balance_after_fen, reason, actor_id, " \
               "actor_name, source, created_at"
        db.execute_sql(
            "CREATE TABLE ledger_entry_v2 (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id), "
            "kind VARCHAR(16) NOT NULL, amount_fen BIGINT NOT NULL, balance_before_fen BIGINT NOT NULL, "
            "balance_after_fen BIGINT NOT NULL, reason TEXT NOT NULL, actor_id INTEGER REFERENCES app_user (id), "
            "actor_name VARCHAR(64) NOT NULL, source VARCHAR(300) NOT NULL, created_at DATETIME NOT NULL)")
        db.execute_sql(f"INSERT INTO ledger_entry_v2 SELECT {keep} FROM ledger_entry")
        db.execute_sql("DROP TABLE ledger_entry")
        db.execute_sql("ALTER TABLE ledger_entry_v2 RENAME TO ledger_entry")
    else:
        db.execute_sql("ALTER TABLE ledger_entry DROP COLUMN reverses_id, DROP COLUMN approved_by_id, "
                       "DROP COLUMN approved_by_name, DROP COLUMN over_credit_limit")
    SchemaVersion.update(version=2).execute()


def test_a_version_2_database_gains_the_approval_and_batch_tables(db, actors):
    """Schema v2 (the last one released) had no change requests, reversal
    links, credit limits or batches; v4 adds them in place."""
    from decimal import Decimal

    from jxc_tui.services import approvals, audit
    from jxc_tui.services import customers as customer_service
    from jxc_tui.services.customers import CustomerInput

    c = customer_service.create_customer(actors.finance, CustomerInput(code="V2", name="老客户"),
                                         Decimal("800.00"), "期初")
    _downgrade_to_v2(db)
    db.close()
    reopened = open_database(db.jxc_url)
    assert "change_request" in reopened.get_tables()
    assert {"reverses_id", "approved_by_id", "approved_by_name", "over_credit_limit"} <= {
        col.name for col in reopened.get_columns("ledger_entry")}
    assert SchemaVersion.get().version == SCHEMA_VERSION
    assert customer_service.get_customer(actors.admin, c.id).balance == Decimal("800.00")
    request = approvals.set_debt(actors.clerk, c.id, Decimal("5000.00"), "补录", expected_version=None).request
    approvals.approve(actors.finance, request.id)
    (entry,) = [e for e in approvals.customer_requests(actors.admin, c.id)]
    assert entry.status == "approved"
    assert "batch" in reopened.get_tables()
    for table in ("ledger_entry", "change_request"):
        assert "batch_id" in {col.name for col in reopened.get_columns(table)}
    from jxc_tui.services import batch

    done = batch.post(actors.finance, batch.plan_selection(actors.finance, [c.id], batch.make_operation("clear"), "清零"))
    assert done.posted == 1 and customer_service.get_customer(actors.admin, c.id).balance == 0
    assert audit.verify(actors.admin).ok
