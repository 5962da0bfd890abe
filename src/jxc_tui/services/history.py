"""A customer's history: every ledger entry and every change to their
details, old -> new, who, when, why -- newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..money import format_amount
from . import audit, ledger
from .policy import Actor, require

DETAIL_ACTIONS = ("customer.create", "customer.update")
HISTORY_LIMIT = 500  # rows on the history screen; older rows: the ledger pages and the change log


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str  # a ledger kind ("adjustment", ...) or a detail field ("name", ...)
    old: str  # "" for none
    new: str
    change: str  # signed amount for money rows, "" for detail rows
    reason: str
    source: str
    is_money: bool


def customer_history(actor: Actor, customer_id: int, *, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The newest ``limit`` rows of both kinds, merged by time.  Needs ``customer.view``."""
    require(actor, "customer.view")
    rows: list[tuple[datetime, int, HistoryRow]] = []
    for e in ledger.customer_entries(actor, customer_id, limit=limit):
        first = e.kind == "opening" and e.balance_before == 0
        rows.append((e.created_at, 1, HistoryRow(
            e.created_at, e.actor_name, e.kind, "" if first else format_amount(e.balance_before),
            format_amount(e.balance_after), format_amount(e.amount, signed=True), e.reason, e.source, True)))
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
