"""Every timestamp comes from ``clock.utcnow`` so that it can be frozen in
tests (and so that one clock governs the audit log and the rows it describes)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from peewee import DateTimeField

from jxc_tui import models
from jxc_tui.models import Customer, LedgerEntry, User
from jxc_tui.services import approvals, customers
from jxc_tui.services.customers import CustomerInput


def _all_models():
    seen, todo = [], list(models.BaseModel.__subclasses__())
    while todo:
        m = todo.pop()
        seen.append(m)
        todo.extend(m.__subclasses__())
    return seen


def test_model_timestamp_defaults_follow_the_clock(db, frozen_clock):
    """A row created without an explicit time gets the (frozen) clock's time,
    not the wall clock: model defaults must not hold a private copy of utcnow."""
    frozen = frozen_clock.now
    user = User.create(username="raw", password_hash="x", role="viewer")
    assert User.get_by_id(user.id).created_at == frozen
    cust = Customer.create(code="RAW", name="raw")
    fresh = Customer.get_by_id(cust.id)
    assert (fresh.created_at, fresh.updated_at) == (frozen, frozen)


def test_every_timestamp_default_reads_the_clock(frozen_clock):
    for model in _all_models():
        for f in model._meta.sorted_fields:
            if isinstance(f, DateTimeField) and callable(f.default):
                assert f.default() == frozen_clock.now, f"{model.__name__}.{f.name} ignores clock.utcnow"


def test_services_stamp_rows_and_events_with_one_clock(db, actors, frozen_clock):
    start = frozen_clock.advance(hours=1)
    c = customers.create_customer(actors.clerk, CustomerInput(code="T1", name="时钟"),
                                  opening=Decimal("5.00"), reason="期初")
    assert c.created_at == start
    later = frozen_clock.advance(minutes=5)
    approvals.set_debt(actors.clerk, c.id, Decimal("7.00"), "调整", expected_version=c.version)
    times = [e.created_at for e in LedgerEntry.select().order_by(LedgerEntry.id)]
    assert times == [start, later]
    assert later - start == timedelta(minutes=5)
    assert customers.get_customer(actors.clerk, c.id).updated_at == later
