"""The ledger: a debt is never overwritten, balances equal ledger sums,
stale edits are refused (DESIGN "The ledger"; cases C02, C07)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import fn

from jxc_tui.db import write_transaction
from jxc_tui.errors import (
    InvalidAmount, NoChange, NotFound, PermissionDenied, StaleVersion, ValidationError,
)
from jxc_tui.models import ADJUSTMENT, OPENING, AuditEvent, Customer, LedgerEntry
from jxc_tui.money import format_amount, from_fen
from jxc_tui.services import approvals, audit, customers, history, ledger
from jxc_tui.services.customers import CustomerInput

D = Decimal


def _new(actor, code="C001", name="北京华夏商贸", opening=None, reason="期初"):
    return customers.create_customer(actor, CustomerInput(code=code, name=name), opening=opening,
                                     reason=reason if opening else "")


def _counts():
    return LedgerEntry.select().count(), AuditEvent.select().count()


def _ledger_sum(customer_id: int) -> int:
    total = (LedgerEntry.select(fn.SUM(LedgerEntry.amount_fen))
             .where(LedgerEntry.customer == customer_id).scalar())
    return int(total or 0)


def _assert_books(customer_id: int) -> None:
    assert Customer.get_by_id(customer_id).balance_fen == _ledger_sum(customer_id)


# --- set_debt -------------------------------------------------------------------------------

def test_set_debt_posts_adjustment_of_new_minus_current(db, actors):
    c = _new(actors.clerk, opening=D("1000.00"))
    change = approvals.set_debt(actors.clerk, c.id, D("1200.50"), "对账调整", expected_version=c.version)
    assert (change.old_balance, change.new_balance) == (D("1000.00"), D("1200.50"))
    assert change.version > c.version
    e = change.entry
    assert (e.kind, e.amount, e.balance_before, e.balance_after) == (
        ADJUSTMENT, D("200.50"), D("1000.00"), D("1200.50"))
    assert (e.reason, e.actor_name) == ("对账调整", "clerk")
    row = LedgerEntry.get_by_id(e.id)
    assert (row.amount_fen, row.balance_before_fen, row.balance_after_fen) == (20050, 100000, 120050)
    assert row.actor_id == actors.clerk.user_id
    ev = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (ev.action, ev.customer_id, ev.entity_id, ev.reason) == ("debt.set", c.id, str(e.id), "对账调整")
    assert '"balance":"1,000.00"' in ev.before and '"balance":"1,200.50"' in ev.after
    assert customers.get_customer(actors.clerk, c.id).balance == D("1200.50")
    _assert_books(c.id)


def test_set_debt_down_to_a_credit(db, actors):
    c = _new(actors.clerk, opening=D("100.00"))
    change = approvals.set_debt(actors.clerk, c.id, D("-200.00"), "预收", expected_version=c.version)
    assert change.entry.amount == D("-300.00")
    view = customers.get_customer(actors.clerk, c.id)
    assert view.balance == D("-200.00") and view.is_credit
    _assert_books(c.id)


def test_set_debt_refuses_the_same_amount_and_writes_nothing(db, actors):
    c = _new(actors.finance, opening=D("3000.00"))
    before = _counts()
    with pytest.raises(NoChange) as info:
        approvals.set_debt(actors.clerk, c.id, D("3000"), "无变化", expected_version=c.version)
    assert "3,000.00" in str(info.value)
    assert _counts() == before
    assert Customer.get_by_id(c.id).version == c.version


def test_stale_version_refused_with_current_balance_and_nothing_written(db, actors):
    c = _new(actors.clerk, opening=D("1000.00"))
    seen_version = c.version  # terminal A opens the dialog
    approvals.set_debt(actors.finance, c.id, D("1200.00"), "另一终端", expected_version=c.version)  # B saves
    before = _counts()
    with pytest.raises(StaleVersion) as info:
        approvals.set_debt(actors.clerk, c.id, D("1500.00"), "终端A", expected_version=seen_version)
    assert info.value.key == "debt.stale"
    assert "1,200.00" in str(info.value)
    assert _counts() == before
    assert customers.get_customer(actors.clerk, c.id).balance == D("1200.00")


def test_detail_edit_also_makes_a_debt_dialog_stale(db, actors):
    c = _new(actors.clerk, opening=D("10.00"))
    customers.update_customer(actors.finance, c.id, c.version, CustomerInput(code="C001", name="改名"),
                              reason="更名")
    with pytest.raises(StaleVersion):
        approvals.set_debt(actors.clerk, c.id, D("20.00"), "x", expected_version=c.version)
    with pytest.raises(StaleVersion):
        approvals.post_movement(actors.clerk, c.id, "receipt", D("5.00"), "x", expected_version=c.version)
    assert _ledger_sum(c.id) == 1000


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_set_debt_needs_a_reason(db, actors, reason):
    c = _new(actors.clerk)
    with pytest.raises(ValidationError) as info:
        approvals.set_debt(actors.clerk, c.id, D("5.00"), reason, expected_version=c.version)
    assert info.value.field == "reason"
    assert LedgerEntry.select().count() == 0


def test_set_debt_unknown_customer(db, actors):
    with pytest.raises(NotFound):
        approvals.set_debt(actors.clerk, 9999, D("5.00"), "x", expected_version=None)
    assert _counts()[0] == 0


def test_set_debt_refuses_sub_fen(db, actors):
    c = _new(actors.clerk)
    with pytest.raises(InvalidAmount) as info:
        approvals.set_debt(actors.clerk, c.id, D("5.005"), "x", expected_version=c.version)
    assert info.value.key == "amount.too_many_decimals"


# --- movements ------------------------------------------------------------------------------

def test_movements_move_the_balance_by_their_sign(db, actors):
    c = _new(actors.clerk, opening=D("100.00"))
    sale = approvals.post_movement(actors.clerk, c.id, "sale", D("50.25"), "赊销")
    receipt = approvals.post_movement(actors.clerk, c.id, "receipt", D("120.00"), "收款")
    ret = approvals.post_movement(actors.clerk, c.id, "return", D("0.25"), "退货")
    assert [x.entry.amount for x in (sale, receipt, ret)] == [D("50.25"), D("-120.00"), D("-0.25")]
    assert ret.new_balance == D("30.00")
    assert customers.get_customer(actors.clerk, c.id).balance == D("30.00")
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)][-3:]
    assert actions == ["ledger.sale", "ledger.receipt", "ledger.return"]
    _assert_books(c.id)


def test_receipt_beyond_the_debt_leaves_a_credit(db, actors):
    c = _new(actors.clerk, opening=D("100.00"))
    approvals.post_movement(actors.clerk, c.id, "receipt", D("300.00"), "多收")
    assert customers.get_customer(actors.clerk, c.id).balance == D("-200.00")


@pytest.mark.parametrize("amount", [D("0"), D("-5.00")])
def test_movement_amount_must_be_positive(db, actors, amount):
    c = _new(actors.clerk)
    with pytest.raises(InvalidAmount) as info:
        approvals.post_movement(actors.clerk, c.id, "receipt", amount, "x")
    assert info.value.key == "amount.must_be_positive"
    assert _counts()[0] == 0


def test_movement_kind_must_be_a_movement(db, actors):
    c = _new(actors.clerk)
    for kind in ("adjustment", "opening", "reversal", "bogus"):
        with pytest.raises(ValueError):
            approvals.post_movement(actors.clerk, c.id, kind, D("1.00"), "x")
    assert _counts()[0] == 0


def test_balance_equals_ledger_sum_after_many_operations(db, actors):
    a = _new(actors.clerk, "A1", "甲", D("500.00"))
    b = _new(actors.clerk, "B1", "乙")
    version = {a.id: a.version, b.id: b.version}
    amounts = ["12.34", "0.01", "999.99", "-50.00", "0.00", "7.77"]
    for i, text in enumerate(amounts):
        for cid in (a.id, b.id):
            try:
                version[cid] = approvals.set_debt(actors.clerk, cid, D(text), f"第{i}次",
                                               expected_version=version[cid]).version
            except NoChange:
                pass
            version[cid] = approvals.post_movement(actors.clerk, cid, "sale", D("1.11"), "赊销").version
            version[cid] = approvals.post_movement(actors.clerk, cid, "receipt", D("0.10"), "收款").version
    for cid in (a.id, b.id):
        _assert_books(cid)
        assert customers.get_customer(actors.clerk, cid).balance == D("7.77") + D("1.01")
    assert audit.verify().ok


def test_entry_views_newest_first_with_paging(db, actors):
    c = _new(actors.clerk, opening=D("1.00"))
    for _ in range(4):
        approvals.post_movement(actors.clerk, c.id, "sale", D("1.00"), "赊销")
    page1 = ledger.customer_entries(actors.viewer, c.id, limit=3)
    page2 = ledger.customer_entries(actors.viewer, c.id, limit=3, before_id=page1[-1].id)
    ids = [e.id for e in page1 + page2]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert page2[-1].kind == OPENING


# --- C07: history has no gaps ------------------------------------------------------------

def _check_history_chain(actor, customer_id):
    rows = [r for r in history.customer_history(actor, customer_id) if r.is_money]
    rows.reverse()  # oldest first
    for prev, row in zip(rows, rows[1:]):
        assert row.old == prev.new, (prev, row)
    balance = customers.get_customer(actor, customer_id).balance
    assert rows[-1].new == format_amount(balance)
    total = sum((D(r.change.replace(",", "")) for r in rows), D("0.00"))
    assert total == balance
    return rows


def test_created_with_opening_has_exactly_one_history_row(db, actors):
    c = _new(actors.finance, opening=D("3000.00"), reason="期初")
    rows = history.customer_history(actors.viewer, c.id)
    assert len(rows) == 1
    (row,) = rows
    assert (row.what, row.old, row.new, row.change, row.reason, row.who) == (
        OPENING, "", "3,000.00", "+3,000.00", "期初", "finance")
    assert row.is_money


def test_created_without_opening_has_one_created_row(db, actors):
    c = _new(actors.clerk)
    rows = history.customer_history(actors.viewer, c.id)
    assert [(r.what, r.old, r.new) for r in rows] == [("created", "", "北京华夏商贸")]


@pytest.mark.parametrize("frozen", [False, True], ids=["wall-clock", "same-instant"])
def test_history_rows_chain_old_to_new(db, actors, request, frozen):
    if frozen:
        request.getfixturevalue("frozen_clock")  # every row at the same instant
    c = _new(actors.finance, opening=D("3000.00"))
    v = approvals.set_debt(actors.clerk, c.id, D("2500.00"), "对账", expected_version=c.version).version
    v = approvals.post_movement(actors.clerk, c.id, "sale", D("100.10"), "赊销").version
    customers.update_customer(actors.clerk, c.id, v, CustomerInput(code="C001", name="北京华夏", phone="13800138000"),
                              reason="资料")
    approvals.post_movement(actors.finance, c.id, "receipt", D("2700.00"), "收款")
    approvals.post_movement(actors.clerk, c.id, "return", D("0.10"), "退货")
    rows = _check_history_chain(actors.viewer, c.id)
    assert [r.new for r in rows] == ["3,000.00", "2,500.00", "2,600.10", "-99.90", "-100.00"]
    assert rows[0].old == ""
    detail = [(r.what, r.old, r.new) for r in history.customer_history(actors.viewer, c.id) if not r.is_money]
    assert sorted(detail) == [("name", "北京华夏商贸", "北京华夏"), ("phone", "", "13800138000")]


def test_history_needs_view_permission(db, actors):
    c = _new(actors.clerk)
    from jxc_tui.services.policy import Actor

    with pytest.raises(PermissionDenied):
        history.customer_history(Actor(None, "nobody", "no-such-role"), c.id)


# --- C02: exact totals on every backend --------------------------------------------------

def _bulk_customers_with_opening(actor, codes, fen):
    """Customers with an opening entry each, inserted in bulk (the services'
    path is exercised by the few created through ``create_customer``)."""
    Customer.insert_many([{"code": code, "name": f"客户{code}", "balance_fen": fen} for code in codes]).execute()
    ids = [c.id for c in Customer.select(Customer.id).where(Customer.code.in_(codes))]
    LedgerEntry.insert_many([
        {"customer": cid, "kind": OPENING, "amount_fen": fen, "balance_before_fen": 0,
         "balance_after_fen": fen, "reason": "期初", "actor": actor.user_id, "actor_name": actor.username}
        for cid in ids]).execute()
    # ... and the events that record them, as the import does
    entries = LedgerEntry.select(LedgerEntry.id, LedgerEntry.customer).where(LedgerEntry.customer.in_(ids))
    audit.record_many([
        audit.event_fields(actor, "customer.create", entity="customer", entity_id=e.customer_id,
                           customer_id=e.customer_id, reason="期初",
                           after={"opening": format_amount(fen, fen=True), "ledger_entry": e.id})
        for e in entries])


def test_thousand_customers_at_ten_fen_total_exactly_100(db, actors):
    with write_transaction():
        _bulk_customers_with_opening(actors.clerk, [f"T{i:04d}" for i in range(990)], 10)
    for i in range(990, 1000):
        _new(actors.clerk, f"T{i:04d}", f"客户{i}", D("0.10"))
    total = customers.total_debt(actors.viewer)
    assert isinstance(total, Decimal)
    assert total == D("100.00") and str(total) == "100.00"
    assert format_amount(total) == "100.00"
    fen = Customer.select(fn.SUM(Customer.balance_fen)).scalar()
    assert int(fen) == 10000
    assert from_fen(int(LedgerEntry.select(fn.SUM(LedgerEntry.amount_fen)).scalar())) == D("100.00")
    assert customers.count_customers(actors.viewer) == 1000
    assert audit.verify().ok


def test_total_debt_counts_credits_and_is_zero_when_empty(db, actors):
    assert customers.total_debt(actors.viewer) == D("0.00")
    _new(actors.clerk, "P1", "正", D("100.10"))
    _new(actors.clerk, "N1", "负", D("-200.00"))
    assert customers.total_debt(actors.viewer) == D("-99.90")
