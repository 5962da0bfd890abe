"""The audit log: an append-only hash chain of every event.

Each event stores the previous event's hash and its own, computed over a
canonical JSON encoding of its fields.  The chain head is read inside the
writer's transaction (writers are serialised by ``write_transaction``), so
the chain cannot fork.  :func:`verify` walks it and checks the books.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peewee import JOIN, fn

from .. import clock
from ..db import read_snapshot
from ..errors import NotFound, PermissionDenied
from ..i18n import t
from ..models import AuditEvent, Customer, LedgerEntry, User
from .bulk import insert_rows
from .policy import Actor, require

GENESIS = "0" * 64
_BATCH = 5000


def to_json(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _ts(value: datetime | str) -> str:
    if isinstance(value, str):  # SQLite hands back text for odd rows
        value = datetime.fromisoformat(value)
    return value.isoformat(timespec="microseconds")


def event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical encoding of an event's fields (prev_hash included)."""
    canonical = json.dumps(
        {
            "created_at": _ts(fields["created_at"]),
            "actor_id": fields["actor_id"],
            "actor_name": fields["actor_name"],
            "action": fields["action"],
            "entity": fields["entity"],
            "entity_id": fields["entity_id"],
            "customer_id": fields["customer_id"],
            "before": fields["before"],
            "after": fields["after"],
            "reason": fields["reason"],
            "origin": fields["origin"],
            "prev_hash": fields["prev_hash"],
        },
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _head_hash() -> str:
    row = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).first()
    return row.hash if row else GENESIS


def _check_active(actor: Actor | None) -> None:
    if actor is None or actor.user_id is None:
        return
    user = User.get_or_none(User.id == actor.user_id)
    if user is None or not user.is_active:
        raise PermissionDenied("auth.inactive")


def event_fields(actor: Actor | None, action: str, *, actor_name: str | None = None, entity: str = "",
                 entity_id: Any = "", customer_id: int | None = None,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                 reason: str = "", at: datetime | None = None, origin: str | None = None) -> dict[str, Any]:
    return {
        "created_at": at or clock.utcnow(),
        "actor_id": actor.user_id if actor else None,
        "actor_name": actor_name if actor_name is not None else (actor.username if actor else ""),
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id) if entity_id is not None else "",
        "customer_id": customer_id,
        "before": to_json(before),
        "after": to_json(after),
        "reason": reason,
        "origin": origin if origin is not None else (actor.origin if actor else ""),
    }


def record(actor: Actor | None, action: str, **kwargs: Any) -> int:
    """Append one event.  Must run inside ``write_transaction``; the caller's
    write and this event commit or roll back together.  Refuses a deactivated actor."""
    return append(actor, [event_fields(actor, action, **kwargs)])[-1]


def append(actor: Actor | None, events: list[dict[str, Any]]) -> list[int]:
    """Append prepared events (:func:`event_fields`) acted by ``actor``, as
    :func:`record` does one.  Refuses a deactivated actor."""
    _check_active(actor)
    return record_many(events)


_COLUMNS = ("created_at", "actor_id", "actor_name", "action", "entity", "entity_id", "customer_id",
            "before", "after", "reason", "origin", "prev_hash", "hash")


def record_many(events: Iterable[dict[str, Any]]) -> list[int]:
    """Append prepared events (from :func:`event_fields`) in order, chained.

    Caller holds ``write_transaction``; writers are serialised, so the ids
    handed out here are consecutive."""
    prev = _head_hash()
    rows: list[tuple[Any, ...]] = []
    for event in events:
        event = dict(event, prev_hash=prev)
        event["hash"] = prev = event_hash(event)
        rows.append(tuple(event[c] for c in _COLUMNS))
    if not rows:
        return []
    fields = [getattr(AuditEvent, c.removesuffix("_id") if c in ("actor_id", "customer_id") else c)
              for c in _COLUMNS]
    insert_rows(AuditEvent, fields, rows)
    last = AuditEvent.select(fn.MAX(AuditEvent.id)).scalar()
    return list(range(last - len(rows) + 1, last + 1))


# --- reading -----------------------------------------------------------------

@dataclass(frozen=True)
class EventView:
    id: int
    created_at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    customer_id: int | None
    customer_code: str
    customer_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    origin: str
    hash: str


@dataclass(frozen=True)
class EventFilter:
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive
    actor_name: str = ""
    action: str = ""  # prefix, e.g. "auth." or "debt.set"
    customer_code: str = ""


def _loads(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"?": text}
    return value if isinstance(value, dict) else {"?": value}


def _view(row: AuditEvent) -> EventView:
    cust = row.customer if row.customer_id else None
    return EventView(
        id=row.id, created_at=row.created_at, actor_name=row.actor_name, action=row.action,
        entity=row.entity, entity_id=row.entity_id, customer_id=row.customer_id,
        customer_code=cust.code if cust else "", customer_name=cust.name if cust else "",
        before=_loads(row.before), after=_loads(row.after), reason=row.reason,
        origin=row.origin, hash=row.hash,
    )


def list_events(actor: Actor, filters: EventFilter = EventFilter(), *, limit: int = 100,
                before_id: int | None = None) -> list[EventView]:
    """Newest first, ``limit`` at a time (keyset on id).  Needs ``history.view``."""
    require(actor, "history.view")
    query = (AuditEvent.select(AuditEvent, Customer)
             .join(Customer, JOIN.LEFT_OUTER, on=(AuditEvent.customer == Customer.id)))
    if filters.since:
        query = query.where(AuditEvent.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.created_at < filters.until)
    if filters.actor_name:
        query = query.where(AuditEvent.actor_name == filters.actor_name)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action))
    if filters.customer_code:
        query = query.where(Customer.code == filters.customer_code)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [_view(r) for r in query.order_by(AuditEvent.id.desc()).limit(limit)]


def get_event(actor: Actor, event_id: int) -> EventView:
    require(actor, "history.view")
    row = (AuditEvent.select(AuditEvent, Customer)
           .join(Customer, JOIN.LEFT_OUTER, on=(AuditEvent.customer == Customer.id))
           .where(AuditEvent.id == event_id).first())
    if row is None:
        raise NotFound("error.not_found")
    return _view(row)


def customer_events(customer_id: int, actions: tuple[str, ...], limit: int) -> list[EventView]:
    """Events about one customer (used by the customer history; caller checks permission)."""
    rows = (AuditEvent.select(AuditEvent, Customer)
            .join(Customer, JOIN.LEFT_OUTER, on=(AuditEvent.customer == Customer.id))
            .where((AuditEvent.customer == customer_id) & (AuditEvent.action.in_(actions)))
            .order_by(AuditEvent.id.desc()).limit(limit))
    return [_view(r) for r in rows]


def action_names() -> list[str]:
    return [r.action for r in AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action)]


# --- verification --------------------------------------------------------------

@dataclass
class VerifyReport:
    events: int = 0
    customers: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_events() -> Iterator[tuple[Any, ...]]:
    """``(id, hash, *fields in _HASHED order)`` in id order, a batch at a time."""
    cols = [AuditEvent.id, AuditEvent.hash] + [
        getattr(AuditEvent, c.removesuffix("_id") if c in ("actor_id", "customer_id") else c) for c in _HASHED]
    last = 0
    while True:
        rows = list(AuditEvent.select(*cols).where(AuditEvent.id > last).order_by(AuditEvent.id)
                    .limit(_BATCH).tuples())
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


_HASHED = ("created_at", "actor_id", "actor_name", "action", "entity", "entity_id", "customer_id",
           "before", "after", "reason", "origin", "prev_hash")


def verify(actor: Actor | None = None) -> VerifyReport:
    """Walk the hash chain and check that every balance equals its ledger sum.

    Names the first altered, removed or inserted event, then the first
    customer whose cached balance disagrees with its ledger, the first
    ledger entry whose before/after figures do not follow on, and the first
    entry that differs from the figures its audit event recorded.  Needs
    ``audit.verify`` when an actor is given (the CLI passes the logged-in user).
    """
    if actor is not None:
        require(actor, "audit.verify")
    # One consistent view of chain, ledger and balances: a check run while
    # others post must not see an entry without its event or a balance
    # without its entry (a false alarm of tampering).
    with read_snapshot():
        return _verify()


def _verify() -> VerifyReport:
    report = VerifyReport()
    prev = GENESIS
    recorded: dict[int, tuple[int, int, int]] = {}  # ledger entry id -> (event id, change, balance after)
    for row in _iter_events():
        report.events += 1
        event_id, stored_hash, fields = row[0], row[1], dict(zip(_HASHED, row[2:]))
        if fields["prev_hash"] != prev:
            report.problems.append(t("verify.chain_broken", id=event_id))
            break
        if event_hash(fields) != stored_hash:
            report.problems.append(t("verify.altered", id=event_id))
            break
        prev = stored_hash
        _note_ledger_figures(event_id, fields, recorded)
    report.head = prev
    if report.problems:
        return report

    sums = (LedgerEntry.select(LedgerEntry.customer, fn.SUM(LedgerEntry.amount_fen).alias("total"),
                               fn.COUNT(LedgerEntry.id).alias("n"))
            .group_by(LedgerEntry.customer))
    ledger_total = {r.customer_id: (int(r.total), int(r.n)) for r in sums}
    for cust in Customer.select(Customer.id, Customer.code, Customer.balance_fen).order_by(Customer.id).iterator():
        report.customers += 1
        total, n = ledger_total.get(cust.id, (0, 0))
        report.entries += n
        if total != cust.balance_fen:
            report.problems.append(
                t("verify.balance", id=cust.id, code=cust.code, balance=cust.balance_fen, total=total))
            break

    bad = next(iter(LedgerEntry.raw(
        "SELECT id FROM (SELECT id, amount_fen, balance_before_fen, balance_after_fen, "
        "LAG(balance_after_fen) OVER (PARTITION BY customer_id ORDER BY id) AS prev_after "
        "FROM ledger_entry) t WHERE balance_after_fen - balance_before_fen != amount_fen "
        "OR (prev_after IS NOT NULL AND prev_after != balance_before_fen) "
        "OR (prev_after IS NULL AND balance_before_fen != 0) ORDER BY id LIMIT 1"
    )), None)
    if bad is not None:
        report.problems.append(t("verify.figures", id=bad.id))
    problem = _entries_match_events(recorded)
    if problem:
        report.problems.append(problem)
    return report


def _fen(text: str) -> int:
    """A figure as ``format_amount`` wrote it ("+1,234.50") -> fen."""
    return int(text.replace(",", "").replace(".", ""))


def _note_ledger_figures(event_id: int, fields: dict[str, Any], recorded: dict[int, tuple[int, int, int]]) -> None:
    """Remember the figures a (hash-protected) event recorded for a ledger entry."""
    if fields["entity"] == "ledger_entry" and fields["entity_id"].isdigit():
        after = _loads(fields["after"])
        if "change" in after and "balance" in after:
            recorded[int(fields["entity_id"])] = (event_id, _fen(after["change"]), _fen(after["balance"]))
    elif fields["action"] == "customer.create":
        after = _loads(fields["after"])  # a key, not text: a customer may be *named* "ledger_entry"
        if "ledger_entry" in after and "opening" in after:
            opening = _fen(after["opening"])
            recorded[int(after["ledger_entry"])] = (event_id, opening, opening)


def _entries_match_events(recorded: dict[int, tuple[int, int, int]]) -> str | None:
    """Every ledger entry carries the figures its audit event recorded: an entry
    edited behind the application's back (with its balances made to agree)
    still disagrees with the hash-protected event."""
    last = 0
    while True:
        rows = list(LedgerEntry.select(LedgerEntry.id, LedgerEntry.amount_fen, LedgerEntry.balance_after_fen)
                    .where(LedgerEntry.id > last).order_by(LedgerEntry.id).limit(_BATCH).tuples())
        if not rows:
            break
        for entry_id, amount, after in rows:
            seen = recorded.pop(entry_id, None)
            if seen is None:
                return t("verify.no_event", id=entry_id)
            if (seen[1], seen[2]) != (amount, after):
                return t("verify.differs", id=entry_id, event=seen[0])
        last = rows[-1][0]
    if recorded:
        entry_id = min(recorded)
        return t("verify.missing", id=entry_id, event=recorded[entry_id][0])
    return None
