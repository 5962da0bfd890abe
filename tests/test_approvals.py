"""Approval (审核): direct limits, requests, decisions, stale requests,
reversals and credit limits -- every rule in the services, on both backends.
Case C09 and the approval/undo rows of C07 from ../shared/cases/README.md."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jxc_tui.config import ConfigError, load_config
from jxc_tui.errors import (
    CreditLimitExceeded,
    NoChange,
    NotFound,
    PermissionDenied,
    Refused,
    RequestClosed,
    StaleRequest,
    ValidationError,
)
from jxc_tui.models import AuditEvent, ChangeRequest, Customer, LedgerEntry
from jxc_tui.services import approvals, audit, customers, history
from jxc_tui.services.customers import CustomerInput


def _customer(actors, code: str, opening: str = "0", name: str = "测试客户") -> customers.CustomerView:
    """A customer whose opening debt is posted by an admin within reach (setup, not the subject)."""
    amount = D(opening)
    c = customers.create_customer(actors.finance, CustomerInput(code=code, name=name))
    if amount:
        from jxc_tui.services.policy import policy

        saved, policy.direct_limits = policy.direct_limits, {r: 10**15 for r in policy.direct_limits}
        try:
            approvals.set_debt(actors.admin, c.id, amount, "期初", expected_version=None)
        finally:
            policy.direct_limits = saved
    return customers.get_customer(actors.admin, c.id)


def _balance(cid: int) -> D:
    return Customer.get_by_id(cid).balance_fen


def _counts() -> tuple[int, int, int]:
    return LedgerEntry.select().count(), ChangeRequest.select().count(), AuditEvent.select().count()


def _actions() -> list[str]:
    return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


# --- the one decision ----------------------------------------------------------------------


@pytest.mark.parametrize("role, change, post_now", [
    ("clerk", "1000.00", True), ("clerk", "-1000.00", True), ("clerk", "1000.01", False),
    ("clerk", "-1000.01", False), ("finance", "10000.00", True), ("finance", "10000.01", False),
    ("admin", "-10000.00", True), ("admin", "10000.01", False), ("viewer", "0.01", False),
])
def test_route_change_compares_the_size_of_a_change_with_the_role_limit(actors, role, change, post_now):
    route = approvals.route_change(actors[role], D(change))
    assert route.post_now is post_now
    if role == "viewer":
        assert route.limit is None and "没有直接修改额度" in route.explain()
    elif not post_now:
        assert f"超出您的直接额度 {'1,000.00' if role == 'clerk' else '10,000.00'}" in route.explain()
    else:
        assert route.explain() == "保存后立即生效"


def test_limits_come_from_the_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[limits]\nclerk = "500.50"\nfinance = 20000\nadmin = "none"\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.direct_limits["clerk"] == D("500.50")
    assert cfg.direct_limits["finance"] == D("20000")
    assert cfg.direct_limits["admin"] is None
    assert cfg.direct_limits["viewer"] is None  # the default
    for bad in ('clerk = 500.5', 'clerk = "abc"', 'clerk = "-1"', 'clerk = true'):
        path.write_text(f"[limits]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert "[limits] clerk" in str(info.value)
    path.write_text('[limits]\nClerk = "none"\n', encoding="utf-8")  # a typo must not leave the default in force
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "[limits] Clerk: no such role" in str(info.value)


def test_configured_limits_govern_the_services(db, actors):
    from jxc_tui.config import Config
    from jxc_tui.services.policy import configure

    cfg = Config()
    cfg.direct_limits["clerk"] = D("50.00")
    configure(cfg)
    c = _customer(actors, "L1")
    assert approvals.set_debt(actors.clerk, c.id, D("50.00"), "小额", expected_version=None).entry is not None
    assert approvals.set_debt(actors.clerk, c.id, D("100.01"), "超额", expected_version=None).pending


# --- C09: approval cannot be sidestepped -------------------------------------------------------


def test_c09_a_clerk_request_leaves_the_balance_until_approved(db, actors):
    c4 = _customer(actors, "C004", "1000.00")
    before = _counts()
    result = approvals.set_debt(actors.clerk, c4.id, D("20000.00"), "补录发货单", expected_version=c4.version)
    assert result.pending and result.entry is None
    assert result.old_balance == D("1000.00") and result.new_balance == D("20000.00")
    assert _balance(c4.id) == 100000  # 1,000.00 in fen: unchanged
    assert _counts()[0] == before[0]  # no ledger entry
    r = result.request
    assert (r.status, r.seen_balance, r.new_balance, r.change, r.requester_name, r.reason) == (
        "pending", D("1000.00"), D("20000.00"), D("19000.00"), "clerk", "补录发货单")
    assert r.seen_version == c4.version
    # finance sees it, oldest first; the clerk sees their own; the badge counts it for finance only
    assert [p.id for p in approvals.pending_requests(actors.finance)] == [r.id]
    assert [p.id for p in approvals.pending_requests(actors.clerk)] == [r.id]
    assert approvals.pending_requests(actors.make("clerk", "clerk2")) == []
    assert approvals.awaiting_count(actors.finance) == 1 and approvals.awaiting_count(actors.clerk) == 0
    event = AuditEvent.select().where(AuditEvent.action == "debt.request").get()
    assert (event.entity, event.entity_id, event.actor_name) == ("change_request", str(r.id), "clerk")

    done = approvals.approve(actors.finance, r.id, "已核对发货单")
    assert done.entry is not None and _balance(c4.id) == 2000000
    entry = LedgerEntry.get_by_id(done.entry.id)
    assert (entry.actor_name, entry.approved_by_name, entry.amount_fen) == ("clerk", "finance", 1900000)
    decided = approvals.get_request(actors.finance, r.id)
    assert (decided.status, decided.decider_name, decided.note, decided.entry_id) == (
        "approved", "finance", "已核对发货单", entry.id)
    assert approvals.awaiting_count(actors.finance) == 0
    assert audit.verify(actors.admin).ok


def test_c09_a_stale_request_is_refused_with_both_numbers_and_can_be_resubmitted(db, actors):
    c4 = _customer(actors, "C004", "1000.00")
    r = approvals.set_debt(actors.clerk, c4.id, D("20000.00"), "补录", expected_version=c4.version).request
    moved = approvals.set_debt(actors.clerk, c4.id, D("1200.00"), "小额更正", expected_version=c4.version)
    assert moved.entry is not None  # within the limit: posted at once
    before = LedgerEntry.select().count()
    with pytest.raises(StaleRequest) as info:
        approvals.approve(actors.finance, r.id)
    message = str(info.value)
    assert "1,000.00" in message and "1,200.00" in message and "C004" in message
    assert LedgerEntry.select().count() == before and _balance(c4.id) == 120000
    stale = approvals.get_request(actors.clerk, r.id)
    assert stale.status == "stale" and stale.decider_name == "finance"
    assert _actions()[-1] == "debt.request_stale"
    with pytest.raises(RequestClosed):  # and it stays stale
        approvals.approve(actors.admin, r.id)
    again = approvals.set_debt(actors.clerk, c4.id, D("20000.00"), "按当前欠款重新提交",
                               expected_version=moved.version).request
    assert again.seen_balance == D("1200.00")
    approvals.approve(actors.finance, again.id)
    assert _balance(c4.id) == 2000000


def test_c09_details_edited_since_the_request_make_it_stale_too(db, actors):
    c = _customer(actors, "C006", "100.00")
    r = approvals.set_debt(actors.clerk, c.id, D("5000.00"), "x", expected_version=None).request
    customers.update_customer(actors.clerk, c.id, c.version, CustomerInput(code="C006", name="改名"))
    with pytest.raises(StaleRequest):
        approvals.approve(actors.finance, r.id)


def test_c09_nobody_approves_their_own_request(db, actors):
    c5 = _customer(actors, "C005")
    r = approvals.set_debt(actors.finance, c5.id, D("50000.00"), "大额", expected_version=None).request
    before = _counts()
    with pytest.raises(Refused) as info:
        approvals.approve(actors.finance, r.id)
    assert str(info.value) == "不能审核自己提交的申请（需要另一位有审核权限的人）"
    with pytest.raises(Refused):
        approvals.reject(actors.finance, r.id, "自己驳回")
    assert _counts() == before and approvals.get_request(actors.finance, r.id).status == "pending"
    assert approvals.awaiting_count(actors.finance) == 0  # nothing for them to decide
    assert approvals.awaiting_count(actors.admin) == 1
    approvals.approve(actors.admin, r.id)
    assert _balance(c5.id) == 5000000


def test_a_request_is_decided_once(db, actors):
    c = _customer(actors, "D1")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    approvals.approve(actors.finance, r.id)
    before = _counts()
    for attempt in (lambda: approvals.approve(actors.admin, r.id), lambda: approvals.approve(actors.finance, r.id),
                    lambda: approvals.reject(actors.admin, r.id, "晚了"), lambda: approvals.cancel(actors.clerk, r.id)):
        with pytest.raises(RequestClosed) as info:
            attempt()
        assert "finance" in str(info.value) and "已批准" in str(info.value)
    assert _counts() == before and _balance(c.id) == 300000


def test_reject_needs_a_note_and_moves_nothing(db, actors):
    c = _customer(actors, "R1", "10.00")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    before = _counts()
    with pytest.raises(ValidationError) as info:
        approvals.reject(actors.finance, r.id, "  ")
    assert info.value.params.get("field") == "reject_note" and "驳回理由不能为空" in str(info.value)
    assert _counts() == before
    rejected = approvals.reject(actors.finance, r.id, "没有单据")
    assert (rejected.status, rejected.note, rejected.decider_name) == ("rejected", "没有单据", "finance")
    assert _balance(c.id) == 1000
    assert _actions()[-1] == "debt.reject"


def test_only_the_requester_withdraws(db, actors):
    c = _customer(actors, "W1")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    with pytest.raises(Refused):
        approvals.cancel(actors.finance, r.id)
    with pytest.raises(Refused):
        approvals.cancel(actors.make("clerk", "clerk2"), r.id)
    withdrawn = approvals.cancel(actors.clerk, r.id)
    assert withdrawn.status == "cancelled" and _actions()[-1] == "debt.cancel"
    with pytest.raises(RequestClosed) as info:
        approvals.approve(actors.finance, r.id)
    assert "已撤回" in str(info.value)


def test_deciding_needs_the_approve_permission(db, actors):
    c = _customer(actors, "P1")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    for role in ("clerk", "viewer"):
        with pytest.raises(PermissionDenied):
            approvals.approve(actors[role], r.id)
        with pytest.raises(PermissionDenied):
            approvals.reject(actors[role], r.id, "no")
    with pytest.raises(PermissionDenied):
        approvals.set_debt(actors.viewer, c.id, D("5.00"), "x", expected_version=None)
    with pytest.raises(NotFound):  # another clerk cannot read it
        approvals.get_request(actors.make("clerk", "clerk2"), r.id)
    with pytest.raises(NotFound):
        approvals.approve(actors.finance, 999999)


def test_every_write_path_routes_through_the_limit(db, actors):
    """Set-debt, receipts, sales and opening debts: above the limit, each is a request."""
    c = _customer(actors, "E1", "5000.00")
    for call in (
        lambda: approvals.set_debt(actors.clerk, c.id, D("1000.00"), "x", expected_version=None),
        lambda: approvals.post_movement(actors.clerk, c.id, "receipt", D("4000.00"), "x"),
        lambda: approvals.post_movement(actors.clerk, c.id, "sale", D("1000.01"), "x"),
    ):
        assert call().pending
    assert _balance(c.id) == 500000
    created = customers.create_customer(actors.clerk, CustomerInput(code="E2", name="新客户"),
                                        D("5000.00"), "期初")
    assert created.balance == 0
    (opening,) = approvals.pending_requests(actors.clerk)[-1:]
    assert (opening.customer_code, opening.kind, opening.new_balance) == ("E2", "opening", D("5000.00"))
    approvals.approve(actors.finance, opening.id)
    assert _balance(created.id) == 500000
    rows = history.customer_history(actors.viewer, created.id)
    assert [(r.what, r.old, r.new, r.who, r.approver) for r in rows if r.is_money] == [
        ("opening", "", "5,000.00", "clerk", "finance")]
    assert audit.verify(actors.admin).ok


def test_a_large_movement_is_requested_and_approved_as_its_kind(db, actors):
    c = _customer(actors, "M1", "8000.00")
    r = approvals.post_movement(actors.clerk, c.id, "receipt", D("5000.00"), "银行转账").request
    assert (r.kind, r.change, r.new_balance) == ("receipt", D("-5000.00"), D("3000.00"))
    done = approvals.approve(actors.finance, r.id)
    assert done.entry.kind == "receipt" and done.entry.amount == D("-5000.00")
    assert audit.verify(actors.admin).ok


# --- C07: an approved change is one history row naming both ---------------------------------------


def test_c07_an_approved_change_is_one_row_naming_requester_and_approver(db, actors):
    c = _customer(actors, "H1", "3000.00")
    r = approvals.set_debt(actors.clerk, c.id, D("22000.00"), "补录", expected_version=None).request
    rows = history.customer_history(actors.viewer, c.id)
    assert (rows[0].what, rows[0].status, rows[0].old, rows[0].new, rows[0].is_money) == (
        "request", "pending", "3,000.00", "22,000.00", False)
    approvals.approve(actors.finance, r.id)
    rows = history.customer_history(actors.viewer, c.id)
    changes = [row for row in rows if row.request_id == r.id or row.approver]
    assert len(changes) == 1
    (row,) = changes
    assert (row.what, row.old, row.new, row.who, row.approver, row.reason) == (
        "adjustment", "3,000.00", "22,000.00", "clerk", "finance", "补录")
    _check_chain(actors, c.id)


def test_rejected_withdrawn_and_stale_requests_show_in_the_history_without_moving_money(db, actors):
    c = _customer(actors, "H2", "100.00")
    a = approvals.set_debt(actors.clerk, c.id, D("5000.00"), "一", expected_version=None).request
    approvals.reject(actors.finance, a.id, "不对")
    b = approvals.set_debt(actors.clerk, c.id, D("6000.00"), "二", expected_version=None).request
    approvals.cancel(actors.clerk, b.id)
    s = approvals.set_debt(actors.clerk, c.id, D("7000.00"), "三", expected_version=None).request
    approvals.set_debt(actors.clerk, c.id, D("200.00"), "小改", expected_version=None)
    with pytest.raises(StaleRequest):
        approvals.approve(actors.finance, s.id)
    rows = history.customer_history(actors.viewer, c.id)
    statuses = {r.request_id: (r.status, r.decider, r.note) for r in rows if r.request_id}
    assert statuses == {a.id: ("rejected", "finance", "不对"), b.id: ("cancelled", "clerk", ""),
                        s.id: ("stale", "finance", "")}
    _check_chain(actors, c.id)


def _check_chain(actors, cid: int) -> None:
    """C07: balance = newest money row's new; old = previous new; changes sum to the balance."""
    money = [r for r in history.customer_history(actors.viewer, cid) if r.is_money][::-1]
    for prev, row in zip(money, money[1:]):
        assert row.old == prev.new
    total = sum(D(r.change.replace(",", "")) for r in money)
    assert total * 100 == _balance(cid)
    assert D(money[-1].new.replace(",", "")) * 100 == _balance(cid)


# --- reversal (冲销) ----------------------------------------------------------------------------


def test_a_reversal_offsets_and_links_and_happens_once(db, actors):
    c = _customer(actors, "V1", "1000.00")
    wrong = approvals.post_movement(actors.clerk, c.id, "receipt", D("300.00"), "记错").entry
    rev = approvals.reverse_entry(actors.clerk, wrong.id, "收款重复录入")
    assert rev.entry.kind == "reversal" and rev.entry.amount == D("300.00") and rev.entry.reverses_id == wrong.id
    assert _balance(c.id) == 100000
    assert approvals.reversed_by([wrong.id]) == {wrong.id: rev.entry.id}
    assert LedgerEntry.get_by_id(wrong.id).amount_fen == -30000  # the original row stays
    before = _counts()
    with pytest.raises(Refused) as info:
        approvals.reverse_entry(actors.finance, wrong.id, "再冲一次")
    assert "不能重复冲销" in str(info.value) and "clerk" in str(info.value)
    with pytest.raises(Refused) as info:
        approvals.reverse_entry(actors.finance, rev.entry.id, "冲销的冲销")
    assert "冲销记录本身不能再冲销" in str(info.value)
    with pytest.raises(ValidationError):
        approvals.reverse_entry(actors.clerk, wrong.id, "")
    with pytest.raises(NotFound):
        approvals.reverse_entry(actors.clerk, 999999, "x")
    with pytest.raises(PermissionDenied):
        approvals.reverse_entry(actors.viewer, wrong.id, "x")
    assert _counts() == before
    event = AuditEvent.select().where(AuditEvent.action == "debt.reverse").get()
    assert '"reverses":' in event.after
    assert audit.verify(actors.admin).ok


def test_c07_undo_adds_an_offsetting_row_and_the_original_stays(db, actors):
    c = _customer(actors, "V2", "3000.00")
    change = approvals.set_debt(actors.clerk, c.id, D("3500.00"), "调高", expected_version=None).entry
    approvals.reverse_entry(actors.clerk, change.id, "调错了")
    money = [r for r in history.customer_history(actors.viewer, c.id) if r.is_money]
    assert [(r.what, r.old, r.new) for r in money] == [
        ("reversal", "3,500.00", "3,000.00"), ("adjustment", "3,000.00", "3,500.00"), ("adjustment", "0.00", "3,000.00")]
    assert money[0].reverses_id == change.id
    _check_chain(actors, c.id)


def test_a_large_reversal_goes_through_approval_and_blocks_a_second_one(db, actors):
    c = _customer(actors, "V3", "20000.00")
    big = approvals.set_debt(actors.finance, c.id, D("25000.00"), "调高", expected_version=None).entry
    pending = approvals.reverse_entry(actors.clerk, big.id, "调错了")
    assert pending.pending and pending.request.kind == "reversal" and pending.request.reverses_id == big.id
    assert _balance(c.id) == 2500000
    with pytest.raises(Refused) as info:
        approvals.reverse_entry(actors.finance, big.id, "我也冲")
    assert f"#{pending.request.id}" in str(info.value)
    done = approvals.approve(actors.finance, pending.request.id)
    assert done.entry.reverses_id == big.id and _balance(c.id) == 2000000
    with pytest.raises(Refused):
        approvals.reverse_entry(actors.admin, big.id, "再冲")
    assert audit.verify(actors.admin).ok


def test_the_database_refuses_a_second_reversal_behind_the_apps_back(db, actors):
    import peewee

    c = _customer(actors, "V4", "100.00")
    e = approvals.set_debt(actors.clerk, c.id, D("50.00"), "x", expected_version=None).entry
    approvals.reverse_entry(actors.clerk, e.id, "冲")
    with pytest.raises(peewee.IntegrityError), db.atomic():
        LedgerEntry.create(customer=c.id, kind="reversal", amount_fen=5000, balance_before_fen=10000,
                           balance_after_fen=15000, actor_name="x", reverses=e.id)


# --- credit limit (信用额度) --------------------------------------------------------------------


def test_credit_limit_is_set_by_finance_with_a_reason_and_recorded(db, actors):
    c = _customer(actors, "K1", "1000.00")
    with pytest.raises(PermissionDenied):
        customers.set_credit_limit(actors.clerk, c.id, D("5000.00"), "x", expected_version=None)
    with pytest.raises(ValidationError):
        customers.set_credit_limit(actors.finance, c.id, D("-1.00"), "x", expected_version=None)
    with pytest.raises(ValidationError):
        customers.set_credit_limit(actors.finance, c.id, D("5000.00"), "", expected_version=None)
    view = customers.set_credit_limit(actors.finance, c.id, D("5000.00"), "年度授信", expected_version=c.version)
    assert view.credit_limit == D("5000.00") and view.version == c.version + 1
    rows = history.customer_history(actors.viewer, c.id)
    assert (rows[0].what, rows[0].old, rows[0].new, rows[0].reason) == ("credit_limit", "", "5,000.00", "年度授信")
    assert customers.set_credit_limit(actors.finance, c.id, None, "取消授信", expected_version=None).credit_limit is None


def test_going_above_the_credit_limit_needs_confirmation_which_is_recorded(db, actors):
    c = _customer(actors, "K2", "4000.00")
    customers.set_credit_limit(actors.finance, c.id, D("4500.00"), "授信", expected_version=None)
    before = _counts()
    with pytest.raises(CreditLimitExceeded) as info:
        approvals.post_movement(actors.clerk, c.id, "sale", D("600.00"), "赊销")
    assert "4,500.00" in str(info.value) and "4,600.00" in str(info.value)
    assert _counts() == before
    done = approvals.post_movement(actors.clerk, c.id, "sale", D("600.00"), "赊销", confirm_credit=True)
    assert done.entry.over_credit_limit
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert '"over_credit_limit":"4,500.00"' in event.after
    # lowering a debt that is above the limit needs no confirmation
    assert approvals.post_movement(actors.clerk, c.id, "receipt", D("50.00"), "收款").entry is not None
    # a request above the limit carries the confirmation to the approver
    with pytest.raises(CreditLimitExceeded):
        approvals.set_debt(actors.clerk, c.id, D("9000.00"), "x", expected_version=None)
    r = approvals.set_debt(actors.clerk, c.id, D("9000.00"), "x", expected_version=None, confirm_credit=True).request
    assert r.over_credit_limit
    posted = approvals.approve(actors.finance, r.id)
    assert posted.entry.over_credit_limit
    assert audit.verify(actors.admin).ok


def test_no_change_is_refused_before_routing(db, actors):
    c = _customer(actors, "N1", "5.00")
    with pytest.raises(NoChange):
        approvals.set_debt(actors.clerk, c.id, D("5.00"), "x", expected_version=None)
    assert ChangeRequest.select().count() == 0


def test_one_change_is_never_larger_than_the_largest_amount(db, actors, unlimited):
    """From -27,456.66 to 999,999,999,999.99 is a change of 1,000,000,027,456.65:
    an entry no amount field could hold.  Refused, nothing written."""
    from jxc_tui.errors import InvalidAmount

    c = _customer(actors, "R1")
    approvals.set_debt(actors.admin, c.id, D("-27456.66"), "预收", expected_version=None)
    before = _counts()
    with pytest.raises(InvalidAmount) as info:
        approvals.set_debt(actors.admin, c.id, D("999999999999.99"), "x", expected_version=None)
    assert "+1,000,000,027,456.65" in str(info.value)
    assert _counts() == before
    approvals.set_debt(actors.admin, c.id, D("999999999999.99") - D("27456.66"), "分两次", expected_version=None)


def test_a_requester_promoted_since_still_cannot_approve_their_own_request(db, actors):
    from jxc_tui.services import auth

    c = _customer(actors, "U1")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    auth.change_role(actors.admin, "clerk", "finance")
    with pytest.raises(Refused):  # the open session now holds debt.approve, but it is their request
        approvals.approve(actors.clerk, r.id)


def test_a_session_loses_what_an_admin_takes_away_at_its_next_action(db, actors):
    """Roles are read as they are now, not as they were at login."""
    from jxc_tui.services import auth

    c = _customer(actors, "U2")
    r = approvals.set_debt(actors.clerk, c.id, D("3000.00"), "x", expected_version=None).request
    auth.change_role(actors.admin, "finance", "clerk")  # finance's terminal is still open
    with pytest.raises(PermissionDenied):
        approvals.approve(actors.finance, r.id)
    assert not actors.finance.can("debt.approve") and approvals.awaiting_count(actors.finance) == 0
    assert approvals.route_change(actors.finance, D("5000.00")).post_now is False  # a clerk's limit now
    auth.set_active(actors.admin, "clerk", False)
    with pytest.raises(PermissionDenied) as info:
        approvals.set_debt(actors.clerk, c.id, D("5.00"), "x", expected_version=None)
    assert str(info.value) == "该账户已停用"
    assert approvals.get_request(actors.admin, r.id).status == "pending" and _balance(c.id) == 0


def test_c09_imported_opening_debts_above_the_limit_only_create_requests(db, actors, tmp_path):
    from jxc_tui.services import io

    path = tmp_path / "迁移.csv"
    path.write_text("客户编码,客户名称,期初欠款\nC004,大额客户,20000.00\nC005,小额客户,500.00\n", encoding="utf-8")
    report = io.import_customers(actors.finance, path)
    assert report.requested_count == 1
    assert "1 个期初欠款超出您的直接额度，已提交审核" in report.summary()
    big = customers.find_by_code(actors.finance, "C004")
    small = customers.find_by_code(actors.finance, "C005")
    assert (big.balance, small.balance) == (D("0.00"), D("500.00"))
    (request,) = approvals.pending_requests(actors.admin)
    assert (request.customer_code, request.kind, request.new_balance, request.requester_name, request.source) == (
        "C004", "opening", D("20000.00"), "finance", "import:迁移.csv")
    assert audit.verify(actors.admin).ok
    with pytest.raises(Refused):
        approvals.approve(actors.finance, request.id)  # the importer cannot approve it
    approvals.approve(actors.admin, request.id)
    assert customers.find_by_code(actors.admin, "C004").balance == D("20000.00")
    (row,) = [r for r in history.customer_history(actors.viewer, big.id) if r.is_money]
    assert (row.what, row.old, row.new, row.who, row.approver) == ("opening", "", "20,000.00", "finance", "admin")
    assert audit.verify(actors.admin).ok
