"""Demo database seeding (services/demo.py) and the names reader."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime

import pytest

from jxc_tui.errors import ValidationError
from peewee import fn

from jxc_tui.models import OPENING, AuditEvent, Customer, LedgerEntry, User
from jxc_tui.services import audit, auth, demo
from jxc_tui.text import has_controls

NAMES = ["北京华夏", "重庆银行路", "单氏五金", "曾记茶行", "上海[老字号]", "Acme 贸易"]


# --- names -------------------------------------------------------------------------------

def test_read_names_skips_the_28w_header(tmp_path):
    path = tmp_path / "28w.txt"
    text = "By@萌名NameMoe\r\n2022.11.30\r\n\r\n吖吖宝贝\r\n吖茶\r\n\r\n吖茶\r\n  阿德兰  \r\n坏\x1b[31m名\r\n----\r\n做旧\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert demo.read_names(path) == ["吖吖宝贝", "吖茶", "阿德兰", "做旧"]


def test_read_names_keeps_the_first_line_of_a_plain_list(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("北京华夏\n上海浦东\n2022年度优秀\n", encoding="utf-8")
    assert demo.read_names(path) == ["北京华夏", "上海浦东", "2022年度优秀"]


def test_read_names_gbk(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("名称\r\n北京华夏\r\n单氏五金\r\n".encode("gbk"))
    assert demo.read_names(path) == ["北京华夏", "单氏五金"]


def test_bundled_sample():
    names = demo.sample_names()
    assert 4500 <= len(names) <= 5500
    assert len(set(names)) == len(names)
    assert not any(has_controls(n) or not n.strip() for n in names)


# --- seeding -------------------------------------------------------------------------------

def check_books() -> None:
    sums = dict(LedgerEntry.select(LedgerEntry.customer, fn.SUM(LedgerEntry.amount_fen))
                .group_by(LedgerEntry.customer).tuples())
    for cid, balance in Customer.select(Customer.id, Customer.balance_fen).tuples():
        assert balance == sums.get(cid, 0), cid


def test_seed_300_customers(db):
    seen = []
    summary = demo.seed_demo(NAMES * 10, 300, seed=7, progress=lambda done, total: seen.append((done, total)),
                             block=120)
    assert not summary.reused
    assert summary.customers == summary.customers_created == 300
    assert seen[0] == (0, 300) and seen[-1] == (300, 300) and len(seen) == 4

    users = {u.username: u.role for u in User.select()}
    assert users == {"admin": "admin", "finance": "finance", "clerk": "clerk", "viewer": "viewer"}
    assert summary.users_created == ("admin", "finance", "clerk", "viewer")
    assert auth.login("clerk", "clerk123").role == "clerk"

    codes = [c.code for c in Customer.select().order_by(Customer.id)]
    assert codes[0] == "C000001" and codes[-1] == "C000300" and len(set(codes)) == 300
    check_books()
    report = audit.verify()
    assert report.ok, report.problems
    assert report.entries == summary.entries == LedgerEntry.select().count()

    balances = [c.balance_fen for c in Customer.select()]
    assert any(b == 0 for b in balances) and any(b < 0 for b in balances) and any(b > 0 for b in balances)
    kinds = Counter(k for (k,) in LedgerEntry.select(LedgerEntry.kind).tuples())
    assert {"opening", "sale", "receipt", "adjustment", "return"} <= set(kinds)
    for c in Customer.select():
        assert c.phone and c.contact and c.address
        assert c.pinyin_initials


def test_demo_has_requests_waiting_for_finance_and_credit_limits(db):
    from jxc_tui.models import ChangeRequest
    from jxc_tui.services import approvals, auth

    demo.seed_demo(NAMES, 80, seed=3)
    finance = auth.login("finance", "finance123")
    waiting = approvals.pending_requests(finance)
    assert len(waiting) == 2 and {r.requester_name for r in waiting} == {"clerk"}
    assert {r.kind for r in waiting} == {"adjustment", "receipt"}
    assert approvals.awaiting_count(finance) == 2
    assert Customer.select().where(Customer.credit_limit_fen.is_null(False)).count() == 3
    assert ChangeRequest.select().count() == 2
    assert audit.verify().ok


def test_every_entry_has_a_matching_event(db):
    demo.seed_demo(NAMES, 80, seed=3)
    by_entry = {}
    for ev in AuditEvent.select().where(AuditEvent.customer.is_null(False)
                                        & AuditEvent.action.not_in(("customer.credit_limit", "debt.request"))):
        after = json.loads(ev.after)
        if ev.action == "customer.create":
            assert ev.entity_id == str(ev.customer_id)
            if "ledger_entry" in after:
                by_entry[after["ledger_entry"]] = ev
        else:
            by_entry[int(ev.entity_id)] = ev
    expected_action = {"sale": "ledger.sale", "receipt": "ledger.receipt", "return": "ledger.return",
                       "adjustment": "debt.set", "opening": "customer.create"}
    entries = list(LedgerEntry.select())
    assert len(by_entry) == len(entries)
    for e in entries:
        ev = by_entry[e.id]
        assert ev.action == expected_action[e.kind]
        assert ev.customer_id == e.customer_id
        assert ev.created_at == e.created_at
        assert ev.actor_id == e.actor_id and ev.actor_name == e.actor_name
        assert ev.reason == e.reason and e.reason
        if e.kind == "adjustment":
            assert ev.actor_name in ("clerk", "finance")
        if e.kind != OPENING:
            after = json.loads(ev.after)
            assert after["change"].lstrip("+-").replace(",", "").replace(".", "").isdigit()
    # entries of one customer are in time order
    last: dict[int, object] = {}
    for e in LedgerEntry.select().order_by(LedgerEntry.id):
        assert last.get(e.customer_id) is None or last[e.customer_id] < e.created_at
        last[e.customer_id] = e.created_at
    assert audit.verify().ok


def test_second_call_reuses(db):
    first = demo.seed_demo(NAMES, 20)
    events = AuditEvent.select().count()
    again = demo.seed_demo(NAMES, 50)
    assert again.reused and again.customers == 20 and again.customers_created == 0
    assert again.users_created == ()
    assert again.total_balance == first.total_balance
    assert AuditEvent.select().count() == events


def test_a_database_with_real_users_is_refused(db, actors):
    # Invented history must never be signed by real people in a real database.
    actors.make("clerk", "zhangsan")
    with pytest.raises(ValidationError) as refused:
        demo.seed_demo(NAMES, 30)
    assert refused.value.key == "demo.not_demo"
    assert User.select().count() == 5 and LedgerEntry.select().count() == 0


def test_users_named_like_the_demo_accounts_are_not_enough(db, actors):
    # e.g. `jxc init` made a real "admin": its password is not the demo one
    with pytest.raises(ValidationError):
        demo.seed_demo(NAMES, 30)
    assert LedgerEntry.select().count() == 0

def test_same_seed_same_history():
    today = datetime(2024, 1, 2)

    def run(seed):
        rng = random.Random(seed)
        return [demo._plan(rng, i, "北京华夏", today) for i in range(1, 60)]

    assert run(5) == run(5)
    assert run(5) != run(6)
    for plan in run(5):
        assert all(e.at < today for e in plan.entries) and plan.created_at < today
        assert all(a.at < b.at for a, b in zip(plan.entries, plan.entries[1:]))


def test_default_names_are_the_bundled_sample(db):
    demo.seed_demo(None, 5)
    sample = set(demo.sample_names())
    assert all(c.name in sample for c in Customer.select())


def test_bad_arguments(db):
    with pytest.raises(ValueError):
        demo.seed_demo(["\x1b", ""], 3)
    with pytest.raises(ValueError):
        demo.seed_demo(NAMES, -1)


def test_describe_and_login_hint(db, english):
    summary = demo.seed_demo(NAMES, 10)
    assert summary.demo_users
    assert "admin/admin123" in summary.login_hint()
    assert "10 customers" in summary.describe("sqlite:///x")
    again = demo.seed_demo(NAMES, 10)
    assert again.reused and "already has 10 customers" in again.describe("sqlite:///x")
    assert again.login_hint() == summary.login_hint()


