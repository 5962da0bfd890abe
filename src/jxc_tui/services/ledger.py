"""The ledger: a debt is never overwritten.

A customer's debt is the sum of their entries; ``Customer.balance_fen`` is a
cached copy kept equal to it inside every transaction that adds an entry.
Changes arrive through ``approvals`` (which decides post-now or approval);
this module appends entries and reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import clock
from ..models import LEDGER_KINDS, Customer, LedgerEntry
from ..money import check_range, from_fen
from .bulk import insert_rows_ids, update_rows
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
    reverses_id: int | None = None  # a reversal: the entry it offsets
    approved_by_name: str = ""  # posted on approval: who approved (actor_name requested)
    over_credit_limit: bool = False  # confirmed above the customer's credit limit
    batch_id: int | None = None  # posted by a batch (批量修改)


def entry_view(e: LedgerEntry) -> EntryView:
    return EntryView(e.id, e.customer_id, e.kind, from_fen(e.amount_fen), from_fen(e.balance_before_fen),
                     from_fen(e.balance_after_fen), e.reason, e.actor_name, e.source, e.created_at,
                     e.reverses_id, e.approved_by_name, bool(e.over_credit_limit), e.batch_id)


def post_entry(actor: Actor, customer: Customer, kind: str, amount_fen: int, reason: str, *,
               source: str = "", at: datetime | None = None, reverses: int | None = None,
               over_credit_limit: bool = False, approver: Actor | None = None,
               batch: int | None = None) -> LedgerEntry:
    """Append an entry and move the cached balance.  Caller holds the write
    transaction and has checked permission and the approval route
    (``approvals.apply_change``); the caller also writes the audit event."""
    if kind not in LEDGER_KINDS:
        raise ValueError(kind)
    current = Customer.get_by_id(customer.id)
    after = current.balance_fen + amount_fen
    check_range(from_fen(after))
    now = at or clock.utcnow()
    entry = LedgerEntry.create(
        customer=current.id, kind=kind, amount_fen=amount_fen, balance_before_fen=current.balance_fen,
        balance_after_fen=after, reason=reason, actor=actor.user_id, actor_name=actor.username,
        source=source, created_at=now, reverses=reverses, over_credit_limit=over_credit_limit,
        approved_by=approver.user_id if approver else None, approved_by_name=approver.username if approver else "",
        batch=batch,
    )
    Customer.update(balance_fen=after, version=Customer.version + 1, updated_at=now).where(
        Customer.id == current.id).execute()
    return entry


@dataclass(frozen=True)
class NewEntry:
    """One entry of a bulk post: ``amount_fen`` moves ``before_fen`` (the
    customer's balance, read inside the same write transaction)."""

    customer_id: int
    kind: str
    amount_fen: int
    before_fen: int
    reason: str
    source: str = ""
    reverses: int | None = None
    over_credit_limit: bool = False

    @property
    def after_fen(self) -> int:
        return self.before_fen + self.amount_fen


_BULK_FIELDS = (LedgerEntry.customer, LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.balance_before_fen,
                LedgerEntry.balance_after_fen, LedgerEntry.reason, LedgerEntry.actor, LedgerEntry.actor_name,
                LedgerEntry.source, LedgerEntry.created_at, LedgerEntry.reverses, LedgerEntry.approved_by,
                LedgerEntry.approved_by_name, LedgerEntry.over_credit_limit, LedgerEntry.batch)


def post_entries(actor: Actor, entries: Sequence[NewEntry], *, at: datetime, batch: int | None = None,
                 approver: Actor | None = None) -> list[int]:
    """:func:`post_entry` for many customers at once (batches): the entries
    in a few multi-row statements, each customer's cached balance and
    version moved.  One entry per customer per call.  Returns the entry ids
    in order.  Caller holds the write transaction, has checked permission,
    the route of every entry and each ``before_fen``, and writes the events."""
    if len({e.customer_id for e in entries}) != len(entries):
        raise ValueError("one entry per customer per bulk post")
    for e in entries:
        if e.kind not in LEDGER_KINDS:
            raise ValueError(e.kind)
        check_range(from_fen(e.after_fen))
    approver_id, approver_name = (approver.user_id, approver.username) if approver else (None, "")
    ids = insert_rows_ids(LedgerEntry, _BULK_FIELDS, [
        (e.customer_id, e.kind, e.amount_fen, e.before_fen, e.after_fen, e.reason, actor.user_id, actor.username,
         e.source, at, e.reverses, approver_id, approver_name, e.over_credit_limit, batch) for e in entries])
    update_rows(Customer, [Customer.id, Customer.balance_fen], [(e.customer_id, e.after_fen) for e in entries],
                constants={"updated_at": at}, increment=[Customer.version])
    return ids


def customer_entries(actor: Actor, customer_id: int, *, limit: int = 200,
                     before_id: int | None = None) -> list[EntryView]:
    """A customer's entries, newest first, a page at a time.  Needs ``customer.view``."""
    require(actor, "customer.view")
    q = LedgerEntry.select().where(LedgerEntry.customer == customer_id)
    if before_id is not None:
        q = q.where(LedgerEntry.id < before_id)
    return [entry_view(e) for e in q.order_by(LedgerEntry.id.desc()).limit(limit)]
