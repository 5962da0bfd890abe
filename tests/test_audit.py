"""The audit log and the books: a hash chain that names what was tampered
with, and append-only tables enforced by the database on both backends."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import peewee
import pytest

from jxc_tui.models import AuditEvent, Customer, LedgerEntry
from jxc_tui.services import approvals, audit, auth, customers
from jxc_tui.services.audit import EventFilter
from jxc_tui.services.customers import CustomerInput

D = Decimal


@pytest.fixture
def busy(db, actors, fast_hashing):
    """A database after a realistic sequence of operations."""
    a = customers.create_customer(actors.finance, CustomerInput(code="A01", name="北京华夏商贸"),
                                  opening=D("3000.00"), reason="期初")
    b = customers.create_customer(actors.clerk, CustomerInput(code="B01", name="上海[VIP]"))
    v = approvals.set_debt(actors.clerk, a.id, D("2500.00"), "对账", expected_version=a.version).version
    approvals.post_movement(actors.clerk, b.id, "sale", D("100.10"), "赊销")
    customers.update_customer(actors.finance, a.id, v, CustomerInput(code="A01", name="北京华夏"), reason="更名")
    approvals.post_movement(actors.finance, a.id, "receipt", D("500.00"), "收款")
    auth.login("viewer", actors.password)
    with pytest.raises(Exception):
        auth.login("viewer", "nope-nope")
    auth.set_password(actors.admin, "viewer", "new-password-1")
    # approvals: a request approved by a second person, a reversal, a rejection
    request = approvals.set_debt(actors.clerk, a.id, D("20000.00"), "补录大额", expected_version=None).request
    approvals.approve(actors.finance, request.id, "已核对")
    receipt = LedgerEntry.select().where(LedgerEntry.kind == "receipt").get()
    approvals.reverse_entry(actors.clerk, receipt.id, "收款记错")
    rejected = approvals.set_debt(actors.clerk, b.id, D("5000.00"), "大额", expected_version=None).request
    approvals.reject(actors.admin, rejected.id, "无依据")
    return a, b


@contextlib.contextmanager
def behind_the_apps_back(db, table: str):
    """Lift the append-only trigger on ``table`` (a tamperer with file/superuser access).

    The next test gets fresh triggers: SQLite uses a new file, and the
    PostgreSQL fixture re-runs the initial migration after emptying the database.
    """
    if db.jxc_backend == "sqlite":
        db.execute_sql(f"DROP TRIGGER {table}_no_update")
        db.execute_sql(f"DROP TRIGGER {table}_no_delete")
    else:
        db.execute_sql(f"DROP TRIGGER {table}_append_only ON {table}")
    yield


def _middle_event_id() -> int:
    ids = [e.id for e in AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]
    return ids[len(ids) // 2]


def test_verify_ok_after_a_sequence_of_operations(db, actors, busy):
    report = audit.verify(actors.admin)
    assert report.ok, report.problems
    assert report.events == AuditEvent.select().count() > 10
    assert report.customers == 2
    assert report.entries == LedgerEntry.select().count() == 6
    assert report.head == AuditEvent.select().order_by(AuditEvent.id.desc()).first().hash


def test_verify_on_an_empty_database(db):
    report = audit.verify()
    assert report.ok and report.events == 0 and report.head == audit.GENESIS


def test_altered_event_is_named(db, busy):
    target = _middle_event_id()
    with behind_the_apps_back(db, "audit_event"):
        AuditEvent.update(reason="改过了").where(AuditEvent.id == target).execute()
    report = audit.verify()
    assert not report.ok
    assert report.problems[0].startswith(f"audit_event #{target}:")
    assert "内容被修改" in report.problems[0]


def test_rehashed_alteration_breaks_the_chain_at_the_next_event(db, busy):
    """Re-computing the altered event's own hash does not help: the next one no longer links."""
    target = _middle_event_id()
    row = AuditEvent.get_by_id(target)
    fields = {k: getattr(row, k) for k in ("created_at", "actor_id", "actor_name", "action", "entity",
                                           "entity_id", "customer_id", "before", "after", "origin",
                                           "prev_hash")}
    fields["reason"] = "伪造"
    with behind_the_apps_back(db, "audit_event"):
        AuditEvent.update(reason="伪造", hash=audit.event_hash(fields)).where(AuditEvent.id == target).execute()
    next_id = AuditEvent.select(AuditEvent.id).where(AuditEvent.id > target).order_by(AuditEvent.id).first().id
    problems = audit.verify().problems
    assert problems and problems[0].startswith(f"audit_event #{next_id}:") and "链条断裂" in problems[0]


def test_deleted_middle_event_names_the_next_one(db, busy):
    target = _middle_event_id()
    next_id = AuditEvent.select(AuditEvent.id).where(AuditEvent.id > target).order_by(AuditEvent.id).first().id
    with behind_the_apps_back(db, "audit_event"):
        AuditEvent.delete().where(AuditEvent.id == target).execute()
    problems = audit.verify().problems
    assert problems[0].startswith(f"audit_event #{next_id}:")
    assert "链条断裂" in problems[0]


def test_inserted_event_is_named(db, busy):
    """A row slipped in without the chain (insert needs no trigger bypass)."""
    head = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    fake = AuditEvent.create(created_at=head.created_at, actor_name="mallory", action="debt.set",
                             prev_hash="f" * 64, hash="e" * 64)
    problems = audit.verify().problems
    assert problems[0].startswith(f"audit_event #{fake.id}:")


def test_altered_cached_balance_names_the_customer(db, busy):
    a, _ = busy
    Customer.update(balance_fen=Customer.balance_fen + 1).where(Customer.id == a.id).execute()
    problems = audit.verify().problems
    assert any(p.startswith(f"customer #{a.id} (A01):") for p in problems), problems


def test_altered_ledger_entry_is_named(db, busy):
    a, _ = busy
    entry = LedgerEntry.select().where(LedgerEntry.customer == a.id).order_by(LedgerEntry.id).first()
    with behind_the_apps_back(db, "ledger_entry"):
        LedgerEntry.update(amount_fen=LedgerEntry.amount_fen + 100).where(LedgerEntry.id == entry.id).execute()
    problems = audit.verify().problems
    assert any(f"customer #{a.id} (A01)" in p for p in problems), problems
    assert any(p.startswith(f"ledger_entry #{entry.id}:") for p in problems), problems


@pytest.mark.parametrize("table", ["ledger_entry", "audit_event"])
@pytest.mark.parametrize("statement", ["UPDATE", "DELETE"])
def test_database_refuses_update_and_delete_on_append_only_tables(db, busy, table, statement):
    model = {"ledger_entry": LedgerEntry, "audit_event": AuditEvent}[table]
    before = [tuple(r) for r in db.execute_sql(f"SELECT * FROM {table} ORDER BY id").fetchall()]
    query = (model.update(reason="x") if statement == "UPDATE" else model.delete()).where(model.id == 1)
    with pytest.raises((peewee.IntegrityError, peewee.OperationalError, peewee.InternalError)) as info:
        with db.atomic():
            query.execute()
    assert "append-only" in str(info.value)
    after = [tuple(r) for r in db.execute_sql(f"SELECT * FROM {table} ORDER BY id").fetchall()]
    assert after == before
    assert audit.verify().ok


def test_failed_write_leaves_no_event(db, actors, busy):
    """The audit event commits or rolls back with the write it describes."""
    a, _ = busy
    n = AuditEvent.select().count()
    with pytest.raises(Exception):
        approvals.set_debt(actors.clerk, a.id, D("1.00"), "过期", expected_version=1)
    assert AuditEvent.select().count() == n
    assert audit.verify().ok


# --- reading the log ----------------------------------------------------------------

def test_list_events_pages_newest_first_and_filters(db, actors, busy):
    a, _ = busy
    everything = []
    page = audit.list_events(actors.admin, limit=4)
    while page:
        everything += page
        page = audit.list_events(actors.admin, limit=4, before_id=page[-1].id)
    ids = [e.id for e in everything]
    assert ids == sorted(ids, reverse=True) and len(ids) == AuditEvent.select().count()

    by_finance = audit.list_events(actors.admin, EventFilter(actor_name="finance"))
    assert {e.action for e in by_finance} == {"customer.create", "customer.update", "ledger.receipt", "debt.approve"}
    logins = audit.list_events(actors.admin, EventFilter(action="auth."))
    assert {e.action for e in logins} == {"auth.login", "auth.login_failed"}
    about_a = audit.list_events(actors.admin, EventFilter(customer_code="A01"))
    assert all(e.customer_id == a.id and e.customer_code == "A01" for e in about_a)
    assert [e.action for e in about_a][::-1] == ["customer.create", "debt.set", "customer.update",
                                                  "ledger.receipt", "debt.request", "debt.approve", "debt.reverse"]
    update = next(e for e in about_a if e.action == "customer.update")
    assert (update.before, update.after, update.reason) == ({"name": "北京华夏商贸"}, {"name": "北京华夏"}, "更名")
    assert audit.get_event(actors.viewer, update.id) == update


def test_an_entry_edited_with_its_balances_made_to_agree_is_named(db, actors, busy):
    """Tamper that keeps the books consistent (entry, its balance-after, and the
    customer's cached balance edited together) still disagrees with the
    hash-protected event that recorded the entry."""
    a, _ = busy
    entry = LedgerEntry.select().where(LedgerEntry.customer == a.id).order_by(LedgerEntry.id.desc()).first()
    with behind_the_apps_back(db, "ledger_entry"):
        delta = 100 - entry.amount_fen
        LedgerEntry.update(amount_fen=100, balance_after_fen=entry.balance_after_fen + delta).where(
            LedgerEntry.id == entry.id).execute()
        Customer.update(balance_fen=Customer.balance_fen + delta).where(Customer.id == a.id).execute()
    report = audit.verify(actors.admin)
    assert not report.ok
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"ledger_entry #{entry.id}: 与 audit_event #")


def test_an_entry_without_its_event_is_named(db, actors, busy):
    a, _ = busy
    balance = Customer.get_by_id(a.id).balance_fen
    with behind_the_apps_back(db, "ledger_entry"):  # a zero entry: every balance still agrees
        entry = LedgerEntry.create(customer=a.id, kind="adjustment", amount_fen=0, balance_before_fen=balance,
                                   balance_after_fen=balance, reason="x", actor=None, actor_name="ghost")
    assert audit.verify(actors.admin).problems == [f"ledger_entry #{entry.id}: 没有审计事件记录它"]
