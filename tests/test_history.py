"""A customer's history: money rows and detail rows, newest first."""

from __future__ import annotations

from decimal import Decimal

from jxc_tui.services import approvals, customers, history
from jxc_tui.services.customers import CustomerInput


def test_a_long_history_page_has_no_spurious_created_row(db, actors, frozen_clock):
    c = customers.create_customer(actors.clerk, CustomerInput(code="H1", name="历史客户"),
                                  Decimal("100.00"), "期初")
    for i in range(5):
        frozen_clock.advance(minutes=1)
        approvals.post_movement(actors.clerk, c.id, "sale", Decimal("1.00"), f"第{i}笔")
    rows = history.customer_history(actors.clerk, c.id, limit=3)
    assert [r.reason for r in rows] == ["第4笔", "第3笔", "第2笔"]
    assert all(r.is_money for r in rows)


def test_created_without_opening_debt_is_one_row(db, actors):
    c = customers.create_customer(actors.clerk, CustomerInput(code="H2", name="无期初"))
    rows = history.customer_history(actors.clerk, c.id)
    assert [(r.what, r.old, r.new) for r in rows] == [("created", "", "无期初")]
