"""A customer's history: every ledger entry, every change to their details,
and every approval request that did not post -- old -> new, who, when, why.
Newest first.

An approved request is its ledger row, naming requester and approver (one
row per change); pending, rejected, withdrawn and stale requests are rows of
their own, marked with their status, that moved no money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import APPROVED
from ..money import format_amount
from . import approvals, audit, ledger
from .policy import Actor, require

DETAIL_ACTIONS = ("customer.create", "customer.update", "customer.credit_limit")
HISTORY_LIMIT = 500  # rows on the history screen; older rows: the ledger pages and the change log


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str  # a ledger kind ("adjustment", ...), a detail field ("name", ...) or "request"
    old: str  # "" for none
    new: str
    change: str  # signed amount for money rows and requests, "" for detail rows
    reason: str
    source: str
    is_money: bool  # a posted ledger entry (old -> new chain, sums to the balance)
    approver: str = ""  # posted on approval: who approved (``who`` requested)
    status: str = ""  # requests: pending / rejected / cancelled / stale
    decider: str = ""  # requests: who decided, and their note
    note: str = ""
    request_id: int | None = None
    entry_id: int | None = None
    reverses_id: int | None = None
    over_credit_limit: bool = False


def customer_history(actor: Actor, customer_id: int, *, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The newest ``limit`` rows of every kind, merged by time.  Needs ``customer.view``."""
    require(actor, "customer.view")
    rows: list[tuple[datetime, int, HistoryRow]] = []
    for e in ledger.customer_entries(actor, customer_id, limit=limit):
        first = e.kind == "opening" and e.balance_before == 0
        rows.append((e.created_at, 1, HistoryRow(
            e.created_at, e.actor_name, e.kind, "" if first else format_amount(e.balance_before),
            format_amount(e.balance_after), format_amount(e.amount, signed=True), e.reason, e.source, True,
            approver=e.approved_by_name, entry_id=e.id, reverses_id=e.reverses_id,
            over_credit_limit=e.over_credit_limit)))
    for r in approvals.customer_requests(actor, customer_id, limit=limit):
        if r.status == APPROVED:
            continue  # shown as its ledger row
        rows.append((r.requested_at, 1, HistoryRow(
            r.requested_at, r.requester_name, "request", format_amount(r.seen_balance), format_amount(r.new_balance),
            format_amount(r.change, signed=True), r.reason, r.source, False, status=r.status,
            decider=r.decider_name, note=r.note, request_id=r.id, reverses_id=r.reverses_id,
            over_credit_limit=r.over_credit_limit)))
    for ev in audit.customer_events(customer_id, DETAIL_ACTIONS, limit):
        if ev.action == "customer.create":
            # Created with an opening debt: that ledger entry is the first row.
            if "opening" not in ev.after:
                rows.append((ev.created_at, 0, HistoryRow(ev.created_at, ev.actor_name, "created", "",
                                                          str(ev.after.get("name", "")), "", ev.reason,
                                                          ev.origin, False)))
            continue
        for name in sorted(ev.after):
            rows.append((ev.created_at, 0, HistoryRow(ev.created_at, ev.actor_name, name,
                                                      str(ev.before.get(name, "")), str(ev.after[name]), "",
                                                      ev.reason, ev.origin, False)))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in rows[:limit]]
