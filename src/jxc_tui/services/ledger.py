"""The ledger: a debt is never overwritten.

A customer's debt is the sum of their entries; ``Customer.balance_fen`` is a
cached copy kept equal to it inside every transaction that adds an entry.
"Set the debt to X" posts an adjustment of X minus the current balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import clock
from ..db import write_transaction
from ..errors import InvalidAmount, NoChange, NotFound, StaleVersion
from ..models import ADJUSTMENT, LEDGER_KINDS, RECEIPT, RETURN, SALE, Customer, LedgerEntry
from ..money import check_range, format_amount, from_fen, to_fen
from ..text import clean_reason
from . import audit
from .policy import Actor, require


@dataclass(frozen=True)
class EntryView:
    id: int
    customer_id: int
    kind: str
    amount: Decimal
    balance_before: Decimal
    balance_after: Decimal
    reason: str
    actor_name: str
    source: str
    created_at: datetime


def _entry_view(e: LedgerEntry) -> EntryView:
    return EntryView(e.id, e.customer_id, e.kind, from_fen(e.amount_fen), from_fen(e.balance_before_fen),
                     from_fen(e.balance_after_fen), e.reason, e.actor_name, e.source, e.created_at)


def post_entry(actor: Actor, customer: Customer, kind: str, amount_fen: int, reason: str, *,
               source: str = "", at: datetime | None = None) -> LedgerEntry:
    """Append an entry and move the cached balance.  Caller holds the write
    transaction and has checked permission; the caller also writes the audit event."""
    if kind not in LEDGER_KINDS:
        raise ValueError(kind)
    current = Customer.get_by_id(customer.id)
    after = current.balance_fen + amount_fen
    check_range(from_fen(after))
    now = at or clock.utcnow()
    entry = LedgerEntry.create(
        customer=current.id, kind=kind, amount_fen=amount_fen, balance_before_fen=current.balance_fen,
        balance_after_fen=after, reason=reason, actor=actor.user_id, actor_name=actor.username,
        source=source, created_at=now,
    )
    Customer.update(balance_fen=after, version=Customer.version + 1, updated_at=now).where(
        Customer.id == current.id).execute()
    return entry


def _load(customer_id: int, expected_version: int | None) -> Customer:
    c = Customer.get_or_none(Customer.id == customer_id)
    if c is None:
        raise NotFound("customer.not_found")
    if expected_version is not None and c.version != expected_version:
        raise StaleVersion("debt.stale", balance=format_amount(c.balance_fen, fen=True))
    return c


@dataclass(frozen=True)
class DebtChange:
    entry: EntryView
    old_balance: Decimal
    new_balance: Decimal
    version: int


def set_debt(actor: Actor, customer_id: int, new_balance: Decimal, reason: str, *,
             expected_version: int | None, source: str = "tui") -> DebtChange:
    """Set a customer's debt to ``new_balance``.  Needs ``debt.adjust``.

    Posts one adjustment entry (new minus current) and a ``debt.set`` audit
    event in one transaction.  Refused when nothing would change, or when the
    customer changed since ``expected_version`` (the message gives the
    current balance)."""
    require(actor, "debt.adjust")
    if not isinstance(new_balance, Decimal):
        raise InvalidAmount("amount.not_a_number")
    check_range(new_balance)
    new_fen = to_fen(new_balance)
    reason = clean_reason(reason)
    with write_transaction():
        c = _load(customer_id, expected_version)
        if new_fen == c.balance_fen:
            raise NoChange("debt.no_change", balance=format_amount(c.balance_fen, fen=True))
        entry = post_entry(actor, c, ADJUSTMENT, new_fen - c.balance_fen, reason, source=source)
        audit.record(actor, "debt.set", entity="ledger_entry", entity_id=entry.id, customer_id=c.id,
                     before={"balance": format_amount(c.balance_fen, fen=True)},
                     after={"balance": format_amount(new_fen, fen=True),
                            "change": format_amount(new_fen - c.balance_fen, fen=True, signed=True)},
                     reason=reason)
        fresh = Customer.get_by_id(c.id)
    return DebtChange(_entry_view(entry), from_fen(c.balance_fen), from_fen(new_fen), fresh.version)


# Movement kinds and the sign they carry: a sale on credit raises the debt,
# a receipt or a return lowers it.
MOVEMENTS = {SALE: 1, RECEIPT: -1, RETURN: -1}


def post_movement(actor: Actor, customer_id: int, kind: str, amount: Decimal, reason: str, *,
                  expected_version: int | None = None, source: str = "tui") -> DebtChange:
    """Record a sale on credit, a receipt or a return of ``amount`` (> 0).
    Needs ``ledger.post``.  One entry and one ``ledger.<kind>`` event."""
    require(actor, "ledger.post")
    if kind not in MOVEMENTS:
        raise ValueError(kind)
    if not isinstance(amount, Decimal) or amount <= 0:
        raise InvalidAmount("amount.must_be_positive")
    check_range(amount)
    reason = clean_reason(reason)
    delta = MOVEMENTS[kind] * to_fen(amount)
    with write_transaction():
        c = _load(customer_id, expected_version)
        entry = post_entry(actor, c, kind, delta, reason, source=source)
        audit.record(actor, f"ledger.{kind}", entity="ledger_entry", entity_id=entry.id, customer_id=c.id,
                     before={"balance": format_amount(c.balance_fen, fen=True)},
                     after={"balance": format_amount(entry.balance_after_fen, fen=True),
                            "change": format_amount(delta, fen=True, signed=True)},
                     reason=reason)
        fresh = Customer.get_by_id(c.id)
    return DebtChange(_entry_view(entry), from_fen(c.balance_fen), from_fen(entry.balance_after_fen),
                      fresh.version)


def customer_entries(actor: Actor, customer_id: int, *, limit: int = 200,
                     before_id: int | None = None) -> list[EntryView]:
    """A customer's entries, newest first, a page at a time.  Needs ``customer.view``."""
    require(actor, "customer.view")
    q = LedgerEntry.select().where(LedgerEntry.customer == customer_id)
    if before_id is not None:
        q = q.where(LedgerEntry.id < before_id)
    return [_entry_view(e) for e in q.order_by(LedgerEntry.id.desc()).limit(limit)]
