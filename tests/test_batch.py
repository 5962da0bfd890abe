"""Batch modification (批量修改, services/batch.py) on both backends: preview,
all or nothing, the one limit check, approval as a whole or row by row,
re-runs, undo.  Cases C06, C07 (batch rows), C09 (batch path) and C04 (the
four files) from ../shared/cases/README.md."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from jxc_tui.errors import (
    BatchAlreadyRun,
    BatchCreditLimit,
    BatchRefused,
    BatchStale,
    ImportRefused,
    NotFound,
    PermissionDenied,
    Refused,
    ValidationError,
)
from jxc_tui.models import AuditEvent, Batch, ChangeRequest, Customer, LedgerEntry
from jxc_tui.services import approvals, audit, batch, customers, history
from jxc_tui.services.customers import CustomerInput
from jxc_tui.services.policy import policy

FIXTURES = Path(__file__).parent / "fixtures"


def _customer(actors, code: str, opening: str = "0", name: str = "测试客户", credit: str | None = None) -> int:
    """Setup, not the subject: posted at once whatever its size."""
    saved, policy.direct_limits = policy.direct_limits, {r: 10**15 for r in policy.direct_limits}
    try:
        c = customers.create_customer(actors.admin, CustomerInput(code=code, name=name),
                                      D(opening) if D(opening) else None, "期初")
        if credit is not None:
            customers.set_credit_limit(actors.finance, c.id, D(credit), "授信", expected_version=None)
    finally:
        policy.direct_limits = saved
    return c.id


def _counts() -> tuple[int, int, int, int]:
    return (LedgerEntry.select().count(), ChangeRequest.select().count(), AuditEvent.select().count(),
            Batch.select().count())


def _books_ok(actors) -> None:
    report = audit.verify(actors.admin)
    assert report.ok, report.problems


def _op(name: str, figure: str = "") -> batch.Operation:
    return batch.make_operation(name, figure)


# --- operations and C06 ---------------------------------------------------------------------


@pytest.mark.parametrize("balance, percent, change, new", [
    ("317.50", "19", "60.33", "377.83"), ("10.70", "25", "2.68", "13.38"), ("317.50", "-19", "-60.33", "257.17"),
    ("-317.50", "19", "-60.33", "-377.83"), ("0.05", "10", "0.01", "0.06"), ("-0.05", "10", "-0.01", "-0.06"),
])
def test_c06_percentages_round_half_up_symmetric_in_sign(balance, percent, change, new):
    op = _op("percent", percent)
    fen = int(D(balance) * 100)
    assert D(op.change_fen(fen)) / 100 == D(change)
    assert D(fen + op.change_fen(fen)) / 100 == D(new)


@pytest.mark.parametrize("name, figure, key", [
    ("increase", "0", "amount.must_be_positive"), ("decrease", "-5", "amount.must_be_positive"),
    ("percent", "0", "batch.bad_percent"), ("percent", "1000.01", "batch.bad_percent"),
    ("set", "1e5", "amount.exponent"), ("set", "12.345", "amount.too_many_decimals"), ("set", "", "amount.empty"),
    ("percent", "abc", "amount.not_a_number"), ("double", "1", "batch.unknown_operation"),
])
def test_bad_operations_say_why(name, figure, key):
    with pytest.raises(ValidationError) as info:
        _op(name, figure)
    assert info.value.key == key


def test_operation_figures_read_like_any_amount():
    assert _op("set", "￥１，５００．００").figure == D("1500.00")
    assert _op("percent", "１９％").figure == D("19")
    assert _op("percent", "-19%").describe() == "按 -19% 调整"
    assert _op("clear").change_fen(12345) == -12345


def test_c06_a_batch_of_percentages_then_its_undo_restores_the_exact_balances(db, actors):
    ids = [_customer(actors, "P1", "317.50"), _customer(actors, "P2", "10.70"), _customer(actors, "P3", "-317.50")]
    before = [Customer.get_by_id(i).balance_fen for i in ids]
    plan = batch.plan_selection(actors.finance, ids, _op("percent", "19"), "调价")
    assert [(r.code, r.change, r.new) for r in plan.rows] == [
        ("P1", D("60.33"), D("377.83")), ("P2", D("2.03"), D("12.73")), ("P3", D("-60.33"), D("-377.83"))]
    done = batch.post(actors.finance, plan)
    undo = batch.post(actors.finance, batch.plan_undo(actors.finance, done.batch.id, "调错了"))
    assert [Customer.get_by_id(i).balance_fen for i in ids] == before
    assert undo.batch.undoes == done.batch.id
    _books_ok(actors)


# --- C07: batch rows in the history ----------------------------------------------------------------


def test_c07_a_batch_of_three_is_three_rows_sharing_one_batch_id_and_one_batch_event(db, actors):
    ids = [_customer(actors, f"B{i}", f"{i}00.00") for i in (1, 2, 3)]
    plan = batch.plan_selection(actors.finance, ids, _op("increase", "100"), "对账补差")
    assert (plan.count, plan.posts_now_count, plan.approval_count, plan.total_change) == (3, 3, 0, D("300.00"))
    result = batch.post(actors.finance, plan)
    entries = list(LedgerEntry.select().where(LedgerEntry.batch == result.batch.id))
    assert len(entries) == 3 and {e.customer_id for e in entries} == set(ids)
    assert all(e.amount_fen == 10000 and e.reason == "对账补差" for e in entries)
    (event,) = AuditEvent.select().where(AuditEvent.action == "batch.post")
    after = audit._loads(event.after)
    assert (after["count"], after["total_change"], after["operation"]) == (3, "+300.00", "increase")
    assert event.entity_id == str(result.batch.id)
    for cid in ids:
        rows = [r for r in history.customer_history(actors.viewer, cid) if r.is_money]
        assert rows[0].change == "+100.00" and rows[0].source == f"batch:{result.batch.id}"
        assert rows[0].new == audit_format(Customer.get_by_id(cid).balance_fen)
        for newer, older in zip(rows, rows[1:]):
            assert newer.old == older.new
    _books_ok(actors)


def audit_format(fen: int) -> str:
    from jxc_tui.money import format_amount

    return format_amount(fen, fen=True)


# --- the one limit check, and C09 through a batch --------------------------------------------------------


def test_c09_a_batch_above_the_limit_only_creates_requests_grouped_under_the_batch(db, actors):
    c4 = _customer(actors, "C004", "1000.00")
    small = _customer(actors, "C005", "100.00")
    plan = batch.plan_selection(actors.finance, [c4, small], _op("set", "11000"), "补录")
    assert {r.code: r.posts_now for r in plan.rows} == {"C004": True, "C005": False}  # 10,000.00 vs 10,900.00
    plan = batch.plan_selection(actors.finance, [c4, small], _op("increase", "19000"), "补录")
    assert [r.posts_now for r in plan.rows] == [False, False]
    result = batch.post(actors.finance, plan)
    assert (result.posted, result.requested) == (0, 2)
    assert Customer.get_by_id(c4).balance_fen == 100000  # unchanged until approved
    requests = list(ChangeRequest.select().where(ChangeRequest.batch == result.batch.id))
    assert len(requests) == 2 and all(r.status == "pending" for r in requests)
    assert [b.id for b in batch.pending_batches(actors.admin)] == [result.batch.id]
    assert approvals.awaiting_count(actors.admin) == 2


def test_c09_a_clerk_given_batches_still_only_requests_above_the_counter_limit(db, actors):
    policy.roles = dict(policy.roles, clerk=policy.roles["clerk"] | {"debt.batch"})
    c4 = _customer(actors, "C004", "1000.00")
    result = batch.post(actors.clerk, batch.plan_selection(actors.clerk, [c4], _op("set", "20000"), "补录"))
    assert result.requested == 1 and Customer.get_by_id(c4).balance_fen == 100000


def test_every_batch_row_is_routed_by_the_one_limit_function(db, actors, monkeypatch):
    ids = [_customer(actors, f"R{i}", "10.00") for i in range(4)]
    calls = []
    real = approvals.decide_route
    monkeypatch.setattr(approvals, "decide_route", lambda limit, change: calls.append(change) or real(limit, change))
    batch.plan_selection(actors.finance, ids, _op("increase", "5"), "x")
    assert calls == [D("5.00")] * 4


def test_the_whole_batch_approved_posts_each_row_naming_both(db, actors):
    ids = [_customer(actors, f"A{i}", "1000.00") for i in range(3)]
    result = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("increase", "20000"), "大额"))
    decision = batch.approve_batch(actors.admin, result.batch.id, "已核对")
    assert (decision.approved, decision.stale) == (3, 0)
    for cid in ids:
        assert Customer.get_by_id(cid).balance_fen == 2100000
        (row,) = [r for r in history.customer_history(actors.viewer, cid) if r.is_money and r.approver]
        assert (row.who, row.approver, row.old, row.new) == ("finance", "admin", "1,000.00", "21,000.00")
    entries = LedgerEntry.select().where(LedgerEntry.batch == result.batch.id)
    assert entries.count() == 3 and all(e.approved_by_name == "admin" for e in entries)
    assert batch.get_batch(actors.viewer, result.batch.id).pending == 0
    with pytest.raises(Refused, match="没有待审核"):
        batch.approve_batch(actors.admin, result.batch.id)
    _books_ok(actors)


def test_a_batch_is_approved_row_by_row_too(db, actors):
    ids = [_customer(actors, f"W{i}", "0") for i in range(2)]
    result = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("set", "50000"), "期初补录"))
    first, second = ChangeRequest.select().where(ChangeRequest.batch == result.batch.id).order_by(ChangeRequest.id)
    approvals.approve(actors.admin, first.id)
    approvals.reject(actors.admin, second.id, "单据不全")
    entry = LedgerEntry.get(LedgerEntry.customer == first.customer_id)
    assert entry.batch_id == result.batch.id and entry.approved_by_name == "admin"
    lines = {line.code: line.status for line in batch.batch_lines(actors.viewer, result.batch.id)}
    assert lines == {"W0": "approved", "W1": "rejected"}
    _books_ok(actors)


def test_approving_a_batch_marks_moved_customers_stale_and_posts_the_rest(db, actors):
    a, b = _customer(actors, "S1", "1000.00"), _customer(actors, "S2", "1000.00")
    result = batch.post(actors.finance, batch.plan_selection(actors.finance, [a, b], _op("increase", "20000"), "x"))
    approvals.set_debt(actors.clerk, b, D("1200.00"), "收到货款", expected_version=None)
    decision = batch.approve_batch(actors.admin, result.batch.id)
    assert (decision.approved, decision.stale, decision.stale_codes) == (1, 1, ("S2",))
    assert "S2" in decision.summary()
    assert Customer.get_by_id(b).balance_fen == 120000
    assert ChangeRequest.get((ChangeRequest.batch == result.batch.id) & (ChangeRequest.customer == b)).status == "stale"
    _books_ok(actors)


def test_nobody_approves_or_rejects_their_own_batch(db, actors):
    cid = _customer(actors, "O1", "0")
    result = batch.post(actors.finance, batch.plan_selection(actors.finance, [cid], _op("set", "50000"), "x"))
    before = _counts()
    with pytest.raises(Refused, match="不能审核自己"):
        batch.approve_batch(actors.finance, result.batch.id)
    with pytest.raises(Refused, match="不能驳回自己提交的批次申请；如要收回这个批次，请撤销它"):
        batch.reject_batch(actors.finance, result.batch.id, "不要了")
    with pytest.raises(PermissionDenied):
        batch.approve_batch(actors.clerk, result.batch.id)
    assert _counts() == before


def test_rejecting_a_batch_needs_a_note_and_moves_nothing(db, actors):
    cid = _customer(actors, "J1", "10.00")
    result = batch.post(actors.finance, batch.plan_selection(actors.finance, [cid], _op("set", "50000"), "x"))
    with pytest.raises(ValidationError):
        batch.reject_batch(actors.admin, result.batch.id, "  ")
    decision = batch.reject_batch(actors.admin, result.batch.id, "金额不对")
    assert decision.rejected == 1 and Customer.get_by_id(cid).balance_fen == 1000
    assert ChangeRequest.get(ChangeRequest.batch == result.batch.id).note == "金额不对"


# --- all or nothing, stale previews, re-runs ------------------------------------------------------------


def test_a_plan_writes_nothing_and_no_change_rows_are_left_out_not_blocking(db, actors):
    ids = [_customer(actors, "N1", "0"), _customer(actors, "N2", "500.00")]
    before = _counts()
    plan = batch.plan_selection(actors.finance, ids, _op("clear"), "清账")
    assert _counts() == before
    assert [(r.code, r.kind) for r in plan.refused] == [("N1", "no_change")] and not plan.blocking
    result = batch.post(actors.finance, plan)
    assert result.posted == 1 and Customer.get_by_id(ids[1]).balance_fen == 0


def test_a_customer_moved_since_the_preview_refuses_the_whole_batch(db, actors):
    a, b = _customer(actors, "M1", "100.00"), _customer(actors, "M2", "100.00")
    plan = batch.plan_selection(actors.finance, [a, b], _op("increase", "10"), "x")
    approvals.set_debt(actors.clerk, b, D("150.00"), "收款", expected_version=None)
    before = _counts()
    with pytest.raises(BatchStale) as info:
        batch.post(actors.finance, plan)
    assert "M2" in str(info.value) and "100.00" in str(info.value) and "150.00" in str(info.value)
    assert _counts() == before and Customer.get_by_id(a).balance_fen == 10000


def test_a_limit_changed_since_the_preview_refuses(db, actors):
    cid = _customer(actors, "L1", "100.00")
    plan = batch.plan_selection(actors.finance, [cid], _op("increase", "5000"), "x")
    policy.direct_limits = dict(policy.direct_limits, finance=100)
    with pytest.raises(BatchStale, match="直接额度"):
        batch.post(actors.finance, plan)


def test_the_same_batch_again_is_refused_unless_asked_and_then_recorded(db, actors):
    ids = [_customer(actors, f"D{i}", "100.00") for i in range(2)]
    first = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("increase", "10"), "补差"))
    again = batch.plan_selection(actors.finance, list(reversed(ids)), _op("increase", "10.00"), "另一个原因")
    assert again.earlier is not None and again.earlier.id == first.batch.id
    before = _counts()
    with pytest.raises(BatchAlreadyRun) as info:
        batch.post(actors.finance, again)
    assert f"#{first.batch.id}" in str(info.value) and "finance" in str(info.value)
    assert _counts() == before
    second = batch.post(actors.finance, again, run_again=True)
    assert second.batch.rerun_of == first.batch.id
    event = AuditEvent.select().where(AuditEvent.action == "batch.post").order_by(AuditEvent.id.desc()).first()
    assert audit._loads(event.after)["rerun_of"] == first.batch.id
    assert Customer.get_by_id(ids[0]).balance_fen == 12000
    # a different figure is a different batch
    assert batch.plan_selection(actors.finance, ids, _op("increase", "11"), "x").earlier is None


def test_rows_above_a_credit_limit_need_the_batch_confirmed_which_is_recorded(db, actors):
    cid = _customer(actors, "K1", "900.00", credit="1000.00")
    plan = batch.plan_selection(actors.finance, [cid], _op("increase", "200"), "x")
    assert plan.over_credit_count == 1
    before = _counts()
    with pytest.raises(BatchCreditLimit, match="信用额度"):
        batch.post(actors.finance, plan)
    assert _counts() == before
    batch.post(actors.finance, plan, confirm_credit=True)
    assert LedgerEntry.select().order_by(LedgerEntry.id.desc()).first().over_credit_limit


def test_batches_need_the_batch_permission(db, actors):
    cid = _customer(actors, "X1", "1.00")
    plan = batch.plan_selection(actors.finance, [cid], _op("increase", "1"), "x")
    for role in ("viewer", "clerk"):
        with pytest.raises(PermissionDenied):
            batch.plan_selection(actors[role], [cid], _op("increase", "1"), "x")
        with pytest.raises(PermissionDenied):
            batch.post(actors[role], plan)
    assert Customer.get_by_id(cid).balance_fen == 100


def test_a_batch_needs_a_reason_and_customers(db, actors):
    cid = _customer(actors, "Y1", "1.00")
    with pytest.raises(ValidationError):
        batch.plan_selection(actors.finance, [cid], _op("increase", "1"), " ")
    with pytest.raises(ValidationError, match="没有选中"):
        batch.plan_selection(actors.finance, [], _op("increase", "1"), "x")


# --- undo ----------------------------------------------------------------------------------------


def test_undo_restores_every_balance_exactly_and_keeps_the_original_rows(db, actors):
    ids = [_customer(actors, f"U{i}", f"{i}23.45") for i in range(1, 6)]
    before = {i: Customer.get_by_id(i).balance_fen for i in ids}
    done = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("set", "88.88"), "统一"))
    plan = batch.plan_undo(actors.finance, done.batch.id, "设错了")
    assert plan.count == 5 and all(r.kind == "reversal" for r in plan.rows)
    undo = batch.post(actors.finance, plan)
    assert {i: Customer.get_by_id(i).balance_fen for i in ids} == before
    assert LedgerEntry.select().where(LedgerEntry.batch == done.batch.id).count() == 5  # originals stay
    reversals = list(LedgerEntry.select().where(LedgerEntry.batch == undo.batch.id))
    assert {r.reverses_id for r in reversals} == {e.id for e in LedgerEntry.select().where(
        LedgerEntry.batch == done.batch.id)}
    assert batch.get_batch(actors.viewer, done.batch.id).undone_by == undo.batch.id
    with pytest.raises(Refused, match="已于"):
        batch.plan_undo(actors.finance, done.batch.id, "再撤一次")
    with pytest.raises(Refused, match="不能再撤销"):
        batch.plan_undo(actors.finance, undo.batch.id, "撤销撤销")
    _books_ok(actors)


def test_a_rejected_undo_reversed_nothing_so_the_batch_can_be_undone_again(db, actors):
    """Found trying the product: a rejected undo left the batch "undone" for
    good, though no balance had moved."""
    ids = [_customer(actors, f"R{i}", "100.00") for i in range(1, 3)]
    done = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("increase", "15000"), "大额"))
    batch.approve_batch(actors.admin, done.batch.id)
    assert [Customer.get_by_id(i).balance_fen for i in ids] == [1_510_000, 1_510_000]
    undo = batch.post(actors.finance, batch.plan_undo(actors.finance, done.batch.id, "撤销"))
    assert undo.requested == 2  # above finance's limit: the reversals wait
    waiting = batch.get_batch(actors.viewer, done.batch.id)
    assert waiting.undone_by == undo.batch.id and waiting.undo_pending
    assert batch.get_batch(actors.viewer, undo.batch.id).pending_change == D("-30000.00")  # what approval would post
    with pytest.raises(Refused, match="等待审核"):
        batch.plan_undo(actors.finance, done.batch.id, "再撤")
    batch.reject_batch(actors.admin, undo.batch.id, "不撤了")
    view = batch.get_batch(actors.viewer, done.batch.id)
    assert view.undone_by is None and not view.undo_pending
    assert view.posted_change == D("30000.00")
    rejected = batch.get_batch(actors.viewer, undo.batch.id)
    assert (rejected.posted_change, rejected.pending_change, rejected.not_posted) == (D("0.00"), D("0.00"), 2)
    again = batch.plan_undo(actors.finance, done.batch.id, "还是要撤")
    assert again.count == 2
    second = batch.post(actors.finance, again)
    batch.approve_batch(actors.admin, second.batch.id)
    assert [Customer.get_by_id(i).balance_fen for i in ids] == [10_000, 10_000]
    assert batch.get_batch(actors.viewer, done.batch.id).undone_by == second.batch.id
    with pytest.raises(Refused, match="不能重复撤销"):
        batch.plan_undo(actors.finance, done.batch.id, "第三次")
    _books_ok(actors)


def test_undo_withdraws_pending_requests_and_skips_rows_reversed_by_hand(db, actors):
    small, large, by_hand = _customer(actors, "V1", "0"), _customer(actors, "V2", "0"), _customer(actors, "V3", "0")
    plan = batch.plan_selection(actors.finance, [small, large, by_hand], _op("set", "500"), "x")
    done = batch.post(actors.finance, plan)
    # make V2's row a pending request: a second batch above the limit
    big = batch.post(actors.finance, batch.plan_selection(actors.finance, [large], _op("increase", "50000"), "y"))
    entry = LedgerEntry.get((LedgerEntry.batch == done.batch.id) & (LedgerEntry.customer == by_hand))
    approvals.reverse_entry(actors.finance, entry.id, "手工冲销")
    plan = batch.plan_undo(actors.finance, big.batch.id, "不要了")
    assert plan.count == 0 and len(plan.cancels) == 1
    result = batch.post(actors.finance, plan)
    assert result.cancelled == 1
    assert ChangeRequest.get(ChangeRequest.batch == big.batch.id).status == "cancelled"
    plan = batch.plan_undo(actors.finance, done.batch.id, "撤销")
    assert [r.code for r in plan.rows] == ["V1", "V2"]
    assert [(r.code, r.kind) for r in plan.refused] == [("V3", "reversed")]
    batch.post(actors.finance, plan)
    assert [Customer.get_by_id(i).balance_fen for i in (small, large, by_hand)] == [0, 0, 0]
    _books_ok(actors)


def test_an_undo_above_the_limit_goes_through_approval(db, actors):
    cid = _customer(actors, "G1", "0")
    done = batch.post(actors.finance, batch.plan_selection(actors.finance, [cid], _op("set", "9000"), "x"))
    policy.direct_limits = dict(policy.direct_limits, finance=100000)  # 1,000.00 from now on
    undo = batch.post(actors.finance, batch.plan_undo(actors.finance, done.batch.id, "撤销"))
    assert undo.requested == 1 and Customer.get_by_id(cid).balance_fen == 900000
    (request,) = ChangeRequest.select().where(ChangeRequest.batch == undo.batch.id)
    assert request.kind == "reversal" and request.reverses_id is not None
    batch.approve_batch(actors.admin, undo.batch.id)
    assert Customer.get_by_id(cid).balance_fen == 0
    _books_ok(actors)


def test_an_undo_previewed_before_the_batch_changed_is_refused(db, actors):
    cid = _customer(actors, "Z1", "0")
    done = batch.post(actors.finance, batch.plan_selection(actors.finance, [cid], _op("set", "50"), "x"))
    plan = batch.plan_undo(actors.finance, done.batch.id, "撤销")
    approvals.reverse_entry(actors.finance, LedgerEntry.get(LedgerEntry.batch == done.batch.id).id, "手工")
    with pytest.raises(BatchStale):
        batch.post(actors.finance, plan)


def test_unknown_batches_are_not_found(db, actors):
    with pytest.raises(NotFound):
        batch.plan_undo(actors.finance, 999, "x")
    with pytest.raises(NotFound):
        batch.get_batch(actors.viewer, 999)


# --- files (C04) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["set-debts-utf8-bom.csv", "set-debts-gbk.csv"])
def test_c04_chinese_excel_files_set_the_debts_with_their_reasons(db, actors, name):
    c1, c2 = _customer(actors, "C001", "100.00"), _customer(actors, "C002", "0")
    plan = batch.plan_file(actors.finance, FIXTURES / name)
    assert [(r.code, r.new, r.reason, r.line) for r in plan.rows] == [
        ("C001", D("1500.00"), "对账调整", 2), ("C002", D("2300.50"), "补录送货单", 3)]
    result = batch.post(actors.finance, plan)
    assert Customer.get_by_id(c1).balance_fen == 150000 and Customer.get_by_id(c2).balance_fen == 230050
    reasons = [e.reason for e in LedgerEntry.select().where(LedgerEntry.batch == result.batch.id).order_by(
        LedgerEntry.customer)]
    assert reasons == ["对账调整", "补录送货单"]
    # C07: an import of two rows is two history rows whose source names the file
    for cid in (c1, c2):
        row = next(r for r in history.customer_history(actors.viewer, cid) if r.is_money)
        assert row.source == f"batch:{result.batch.id} import:{name}"
    (event,) = AuditEvent.select().where(AuditEvent.action == "batch.post")
    after = audit._loads(event.after)
    assert after["file"] == name and len(after["sha256"]) == 64 and after["count"] == 2
    _books_ok(actors)


def test_c04_codes_are_text_00123_and_123_are_different_customers(db, actors):
    a, b = _customer(actors, "00123", "1.00"), _customer(actors, "123", "1.00")
    batch.post(actors.finance, batch.plan_file(actors.finance, FIXTURES / "set-debts-leading-zero.csv"))
    assert (Customer.get_by_id(a).balance_fen, Customer.get_by_id(b).balance_fen) == (200000, 5000)


def test_c04_a_zero_stripped_code_is_refused_by_line_and_nothing_is_touched(db, actors):
    a = _customer(actors, "00123", "1.00")
    plan = batch.plan_file(actors.finance, FIXTURES / "set-debts-zero-stripped.csv")
    (refusal,) = plan.refused
    assert (refusal.line, refusal.code, refusal.kind) == (2, "123", "unknown_code")
    assert "123" in refusal.text() and "第 2 行" in refusal.text()
    before = _counts()
    with pytest.raises(BatchRefused) as info:
        batch.post(actors.finance, plan)
    assert "第 2 行" in str(info.value) and "123" in str(info.value)
    assert _counts() == before and Customer.get_by_id(a).balance_fen == 100


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def test_one_bad_row_refuses_the_whole_file_naming_every_bad_row(db, actors, tmp_path):
    for code in ("F1", "F2", "F3"):
        _customer(actors, code, "10.00")
    path = _write(tmp_path / "d.csv", "客户编码,新欠款,原因\nF1,20.00,a\nF2,abc,b\nF3,1e5,c\nF9,5,d\nF1,7,e\n")
    plan = batch.plan_file(actors.finance, path)
    assert [(r.line, r.kind) for r in plan.refused] == [
        (3, "bad_amount"), (4, "bad_amount"), (5, "unknown_code"), (6, "duplicate")]
    before = _counts()
    with pytest.raises(BatchRefused) as info:
        batch.post(actors.finance, plan)
    assert len(info.value.lines()) == 4 and info.value.lines()[0].startswith("第 3 行")
    assert _counts() == before
    result = batch.post(actors.finance, plan, skip_refused=True)  # asked for: the good row only
    assert result.posted == 1 and result.batch.skipped_count == 4


def test_a_change_column_with_english_headers_and_a_default_reason(db, actors, tmp_path):
    cid = _customer(actors, "E1", "100.00")
    path = _write(tmp_path / "c.csv", "Customer Code,Change,Note\nE1,-30.50,\n")
    with pytest.raises(BatchRefused):
        batch.post(actors.finance, batch.plan_file(actors.finance, path))
    plan = batch.plan_file(actors.finance, path, reason="月末对账")
    assert plan.operation == "file_change" and plan.rows[0].reason == "月末对账"
    batch.post(actors.finance, plan)
    assert Customer.get_by_id(cid).balance_fen == 6950


def test_the_same_file_again_is_refused_whatever_its_name(db, actors, tmp_path):
    _customer(actors, "C001", "0")
    _customer(actors, "C002", "0")
    first = batch.post(actors.finance, batch.plan_file(actors.finance, FIXTURES / "set-debts-utf8-bom.csv"))
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((FIXTURES / "set-debts-utf8-bom.csv").read_bytes())
    plan = batch.plan_file(actors.finance, copy)
    assert plan.earlier is not None and plan.earlier.id == first.batch.id
    with pytest.raises(BatchAlreadyRun):
        batch.post(actors.finance, plan)


@pytest.mark.parametrize("text, key", [
    ("客户编码,原因\nC1,x\n", "import.missing_columns"),
    ("客户编码,新欠款,变动,原因\nC1,1,2,x\n", "batch.file_both"),
    ("客户编码,新欠款\n", "import.empty"),
    ('客户编码,新欠款\nC1,"12\n', "import.unclosed_quote"),
])
def test_files_of_the_wrong_shape_are_refused_whole(db, actors, tmp_path, text, key):
    with pytest.raises(ImportRefused) as info:
        batch.plan_file(actors.finance, _write(tmp_path / "x.csv", text))
    assert info.value.key == key


def test_importing_debts_needs_import_and_batch_permissions(db, actors):
    for role in ("viewer", "clerk"):
        with pytest.raises(PermissionDenied):
            batch.plan_file(actors[role], FIXTURES / "set-debts-gbk.csv")


def test_c09_an_imported_change_above_the_limit_only_creates_a_request(db, actors, tmp_path):
    cid = _customer(actors, "C004", "1000.00")
    path = _write(tmp_path / "big.csv", "客户编码,新欠款,原因\nC004,20000.00,补录\n")
    result = batch.post(actors.finance, batch.plan_file(actors.finance, path))
    assert result.requested == 1 and Customer.get_by_id(cid).balance_fen == 100000
    (request,) = ChangeRequest.select().where(ChangeRequest.batch == result.batch.id)
    assert request.source == f"batch:{result.batch.id} import:big.csv"


def test_after_batches_undo_imports_and_reimports_the_books_agree(db, actors, tmp_path):
    ids = [_customer(actors, f"C00{i}", f"{i}00.00") for i in range(1, 4)]
    one = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("percent", "-7.5"), "折让"))
    imported = batch.post(actors.finance, batch.plan_file(actors.finance, FIXTURES / "set-debts-gbk.csv"))
    with pytest.raises(BatchAlreadyRun):
        batch.post(actors.finance, batch.plan_file(actors.finance, FIXTURES / "set-debts-gbk.csv"))
    batch.post(actors.finance, batch.plan_undo(actors.finance, one.batch.id, "撤销"))
    batch.post(actors.finance, batch.plan_undo(actors.finance, imported.batch.id, "撤销导入"))
    big = batch.post(actors.finance, batch.plan_selection(actors.finance, ids, _op("increase", "20000"), "大额"))
    batch.approve_batch(actors.admin, big.batch.id)
    _books_ok(actors)
    for cid in ids:
        total = sum(e.amount_fen for e in LedgerEntry.select().where(LedgerEntry.customer == cid))
        assert Customer.get_by_id(cid).balance_fen == total


def test_our_own_xlsx_export_read_back_changes_nothing_row_by_row(db, actors, tmp_path):
    """Found re-checking: the export (exact digits now) read back without a
    reason said "no reason" on every row; "no change" is what is true."""
    from jxc_tui.services import export

    for i, opening in enumerate(("9435.14", "-8233.56", "0.10")):
        _customer(actors, f"E{i}", opening)
    path = tmp_path / "客户.xlsx"
    export.export_customers(actors.finance, path)
    plan = batch.plan_file(actors.finance, path)
    assert plan.count == 0 and plan.refused_by_kind() == {"no_change": 3}
