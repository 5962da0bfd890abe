"""Every change to a balance, and its approval (审核).

One function decides whether a change posts now or waits for a second
person: :func:`route_change`.  Every write path that can move a balance --
the set-debt dialog, receipts and sales, reversals, opening debts of new or
imported customers, and later batches -- passes through :func:`apply_change`,
which calls it.  A change within the actor's direct limit posts at once; a
larger one becomes a pending :class:`~jxc_tui.models.ChangeRequest` and the
balance does not move.

A request is decided once, by someone holding ``debt.approve`` who is not
the requester.  Approval posts the change only if the customer's balance
and version are still those the requester saw; otherwise the request is
marked stale and the requester re-submits with the current figure.  Every
state change is an audit event; an approved entry names both people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import clock
from ..errors import (
    CreditLimitExceeded,
    InvalidAmount,
    NoChange,
    NotFound,
    Refused,
    RequestClosed,
    StaleRequest,
    StaleVersion,
)
from ..i18n import t
from ..models import (
    ADJUSTMENT,
    APPROVED,
    CANCELLED,
    PENDING,
    RECEIPT,
    REJECTED,
    RETURN,
    REVERSAL,
    SALE,
    STALE,
    ChangeRequest,
    Customer,
    LedgerEntry,
)
from ..money import MAX_AMOUNT, check_range, format_amount, from_fen, to_fen
from ..text import clean_reason
from . import audit
from .bulk import insert_rows_ids, update_rows
from .ledger import EntryView, entry_view, post_entry
from .policy import Actor, checked_write, require

# --- the one decision ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where a change goes: posted now, or to a second person for approval."""

    post_now: bool
    change: Decimal
    limit: Decimal | None  # the actor's direct limit; None: every change needs approval

    def explain(self) -> str:
        """One line for the dialog: what will happen and why."""
        if self.post_now:
            return t("route.post_now")
        if self.limit is None:
            return t("route.no_limit")
        return t("route.above_limit", limit=format_amount(self.limit))


def decide_route(limit_fen: int | None, change: Decimal) -> Route:
    """THE limit check: a change whose size (either sign) is within the
    direct limit posts now; anything larger needs approval.  ``limit_fen``
    None: every change needs approval."""
    post_now = limit_fen is not None and abs(to_fen(change)) <= limit_fen
    return Route(post_now, change, None if limit_fen is None else from_fen(limit_fen))


def route_change(actor: Actor, change: Decimal) -> Route:
    """:func:`decide_route` with the actor's direct limit as it is now.  A
    batch reads the limit once and asks :func:`decide_route` per row."""
    return decide_route(actor.direct_limit_fen, change)


def credit_warning(credit_limit: Decimal | None, old: Decimal, new: Decimal) -> bool:
    """True when a change raises the debt above the customer's credit limit."""
    return credit_limit is not None and new > old and new > credit_limit


# --- results ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    kind: str
    seen_balance: Decimal
    seen_version: int
    new_balance: Decimal
    change: Decimal
    reason: str
    requester_name: str
    requested_at: datetime
    status: str
    decider_name: str
    note: str
    decided_at: datetime | None
    over_credit_limit: bool
    reverses_id: int | None
    entry_id: int | None
    source: str
    current_balance: Decimal  # the customer's balance now
    current_version: int
    batch_id: int | None = None  # part of a batch (批量修改)

    @property
    def is_current(self) -> bool:
        """The customer is as the requester saw it: approving would post."""
        return (self.current_balance, self.current_version) == (self.seen_balance, self.seen_version)


def _request_view(r: ChangeRequest, c: Customer | None = None) -> RequestView:
    c = c or Customer.get_by_id(r.customer_id)
    return RequestView(
        r.id, c.id, c.code, c.name, r.kind, from_fen(r.seen_balance_fen), r.seen_version,
        from_fen(r.new_balance_fen), from_fen(r.change_fen), r.reason, r.requester_name, r.requested_at,
        r.status, r.decider_name, r.note, r.decided_at, r.over_credit_limit, r.reverses_id, r.entry_id,
        r.source, from_fen(c.balance_fen), c.version, r.batch_id)


@dataclass(frozen=True)
class DebtChange:
    """What a change did: an entry posted now, or a request waiting for approval."""

    entry: EntryView | None
    old_balance: Decimal
    new_balance: Decimal  # posted, or requested
    version: int  # the customer's version after the call
    request: RequestView | None = None

    @property
    def pending(self) -> bool:
        return self.request is not None


# --- the gate -------------------------------------------------------------------


def entry_event(actor: Actor, action: str, entry_id: int, customer_id: int, before_fen: int, change_fen: int,
                reason: str, extra: dict[str, object] | None = None, at: datetime | None = None) -> dict[str, object]:
    """The event of a posted entry, with the figures verify() checks the
    entry against (balance after and change)."""
    return audit.event_fields(
        actor, action, entity="ledger_entry", entity_id=entry_id, customer_id=customer_id,
        before={"balance": format_amount(before_fen, fen=True)},
        after={"balance": format_amount(before_fen + change_fen, fen=True),
               "change": format_amount(change_fen, fen=True, signed=True), **(extra or {})},
        reason=reason, at=at)


def request_event(actor: Actor, request_id: int, customer_id: int, seen_fen: int, change_fen: int, kind: str,
                  limit: Decimal | None, reason: str, extra: dict[str, object] | None = None,
                  at: datetime | None = None) -> dict[str, object]:
    """The ``debt.request`` event of a change sent for approval."""
    return audit.event_fields(
        actor, "debt.request", entity="change_request", entity_id=request_id, customer_id=customer_id,
        before={"balance": format_amount(seen_fen, fen=True)},
        after={"requested_balance": format_amount(seen_fen + change_fen, fen=True),
               "change": format_amount(change_fen, fen=True, signed=True), "kind": kind,
               "limit": "none" if limit is None else format_amount(limit), **(extra or {})},
        reason=reason, at=at)


@dataclass(frozen=True)
class NewRequest:
    """One request of a bulk request (batches): ``change_fen`` on the
    customer as seen (balance and version) inside the same transaction."""

    customer_id: int
    kind: str
    seen_balance_fen: int
    seen_version: int
    change_fen: int
    reason: str
    source: str = ""
    reverses: int | None = None
    over_credit_limit: bool = False


_REQUEST_FIELDS = (ChangeRequest.customer, ChangeRequest.kind, ChangeRequest.seen_balance_fen,
                   ChangeRequest.seen_version, ChangeRequest.new_balance_fen, ChangeRequest.change_fen,
                   ChangeRequest.reason, ChangeRequest.reverses, ChangeRequest.over_credit_limit,
                   ChangeRequest.source, ChangeRequest.requester, ChangeRequest.requester_name,
                   ChangeRequest.requested_at, ChangeRequest.status, ChangeRequest.decider_name,
                   ChangeRequest.note, ChangeRequest.batch)


def open_requests(actor: Actor, requests: Sequence[NewRequest], *, at: datetime,
                  batch: int | None = None) -> list[int]:
    """Pending requests for many customers at once; returns their ids in
    order.  The caller holds the write transaction, routed each change with
    :func:`decide_route` and writes the events (:func:`request_event`)."""
    return insert_rows_ids(ChangeRequest, _REQUEST_FIELDS, [
        (r.customer_id, r.kind, r.seen_balance_fen, r.seen_version, r.seen_balance_fen + r.change_fen,
         r.change_fen, r.reason, r.reverses, r.over_credit_limit, r.source, actor.user_id, actor.username, at,
         PENDING, "", "", batch) for r in requests])


def close_requests(actor: Actor, status: str, note: str, request_ids: Sequence[int], *, at: datetime,
                   entries: Sequence[int] | None = None) -> None:
    """Decide many pending requests at once (``entries``: the entry each
    approved one posted, in the same order)."""
    constants = {"status": status, "decider": actor.user_id, "decider_name": actor.username, "note": note,
                 "decided_at": at}
    if entries is None:
        update_rows(ChangeRequest, [ChangeRequest.id], [(i,) for i in request_ids], constants=constants)
    else:
        update_rows(ChangeRequest, [ChangeRequest.id, ChangeRequest.entry], list(zip(request_ids, entries)),
                    constants=constants)


def check_change(balance_fen: int, credit_limit_fen: int | None, change_fen: int) -> tuple[int, bool]:
    """The checks every change passes before it is routed: it changes
    something (:class:`NoChange`), it and the debt it leaves are possible
    amounts (:class:`InvalidAmount`).  Returns the new balance and whether it raises
    the debt above the credit limit (which the caller must have confirmed)."""
    if change_fen == 0:
        raise NoChange("debt.no_change", balance=format_amount(balance_fen, fen=True))
    if abs(from_fen(change_fen)) > MAX_AMOUNT:  # one entry is an amount like any other
        raise InvalidAmount("debt.change_out_of_range", change=format_amount(change_fen, fen=True, signed=True))
    new_fen = balance_fen + change_fen
    check_range(from_fen(new_fen))
    return new_fen, credit_limit_fen is not None and change_fen > 0 and new_fen > credit_limit_fen


def apply_change(actor: Actor, c: Customer, kind: str, change_fen: int, reason: str, *,
                 action: str | None, source: str, confirm_credit: bool = False,
                 reverses: int | None = None) -> tuple[LedgerEntry | None, ChangeRequest | None]:
    """Post ``change_fen`` on customer ``c`` now, or open a request -- as
    :func:`route_change` decides.  The caller holds the write transaction,
    has checked the permission and cleaned the reason.

    Posting writes the entry and, unless ``action`` is None (the caller
    records it, as ``customer.create`` does for an opening debt), an audit
    event ``action``.  A request writes a ``debt.request`` event.  A change
    taking the debt above the customer's credit limit raises
    :class:`CreditLimitExceeded` unless ``confirm_credit``; a confirmed one is
    recorded as such on the entry or request and in the event."""
    new_fen, over = check_change(c.balance_fen, c.credit_limit_fen, change_fen)
    if over and not confirm_credit:
        raise CreditLimitExceeded(limit=format_amount(c.credit_limit_fen, fen=True),
                                  new=format_amount(new_fen, fen=True))
    extra: dict[str, object] = {}
    if over:
        extra["over_credit_limit"] = format_amount(c.credit_limit_fen, fen=True)
    if reverses is not None:
        extra["reverses"] = reverses
    route = route_change(actor, from_fen(change_fen))
    if route.post_now:
        entry = post_entry(actor, c, kind, change_fen, reason, source=source, reverses=reverses,
                           over_credit_limit=over)
        if action is not None:
            audit.append(actor, [entry_event(actor, action, entry.id, c.id, c.balance_fen, change_fen, reason,
                                             extra)])
        return entry, None
    req = ChangeRequest.create(
        customer=c.id, kind=kind, seen_balance_fen=c.balance_fen, seen_version=c.version,
        new_balance_fen=new_fen, change_fen=change_fen, reason=reason, reverses=reverses,
        over_credit_limit=over, source=source, requester=actor.user_id, requester_name=actor.username,
        requested_at=clock.utcnow(), status=PENDING)
    audit.append(actor, [request_event(actor, req.id, c.id, c.balance_fen, change_fen, kind, route.limit, reason,
                                       extra)])
    return None, req


def _load(customer_id: int, expected_version: int | None) -> Customer:
    c = Customer.get_or_none(Customer.id == customer_id)
    if c is None:
        raise NotFound("customer.not_found")
    if expected_version is not None and c.version != expected_version:
        raise StaleVersion("debt.stale", balance=format_amount(c.balance_fen, fen=True))
    return c


def _outcome(c: Customer, entry: LedgerEntry | None, req: ChangeRequest | None) -> DebtChange:
    fresh = Customer.get_by_id(c.id)
    if entry is not None:
        return DebtChange(entry_view(entry), from_fen(c.balance_fen), from_fen(entry.balance_after_fen),
                          fresh.version)
    assert req is not None
    return DebtChange(None, from_fen(c.balance_fen), from_fen(req.new_balance_fen), fresh.version,
                      _request_view(req, fresh))


# --- the ways to change a balance ---------------------------------------------


def set_debt(actor: Actor, customer_id: int, new_balance: Decimal, reason: str, *,
             expected_version: int | None, source: str = "tui", confirm_credit: bool = False) -> DebtChange:
    """Set a customer's debt to ``new_balance``.  Needs ``debt.adjust``.

    Posts an adjustment of new minus current with a ``debt.set`` event, or --
    above the actor's limit -- opens a request.  Refused when nothing would
    change, or when the customer changed since ``expected_version`` (the
    message gives the current balance)."""
    require(actor, "debt.adjust")
    if not isinstance(new_balance, Decimal):
        raise InvalidAmount("amount.not_a_number")
    check_range(new_balance)
    new_fen = to_fen(new_balance)
    reason = clean_reason(reason)
    with checked_write(actor, "debt.adjust"):
        c = _load(customer_id, expected_version)
        entry, req = apply_change(actor, c, ADJUSTMENT, new_fen - c.balance_fen, reason, action="debt.set",
                                  source=source, confirm_credit=confirm_credit)
        return _outcome(c, entry, req)


# Movement kinds and the sign they carry: a sale on credit raises the debt,
# a receipt or a return lowers it.
MOVEMENTS = {SALE: 1, RECEIPT: -1, RETURN: -1}


def post_movement(actor: Actor, customer_id: int, kind: str, amount: Decimal, reason: str, *,
                  expected_version: int | None = None, source: str = "tui",
                  confirm_credit: bool = False) -> DebtChange:
    """Record a sale on credit, a receipt or a return of ``amount`` (> 0).
    Needs ``ledger.post``.  One entry and one ``ledger.<kind>`` event, or a
    request when the amount is above the actor's limit."""
    require(actor, "ledger.post")
    if kind not in MOVEMENTS:
        raise ValueError(kind)
    if not isinstance(amount, Decimal) or amount <= 0:
        raise InvalidAmount("amount.must_be_positive")
    check_range(amount)
    reason = clean_reason(reason)
    with checked_write(actor, "ledger.post"):
        c = _load(customer_id, expected_version)
        entry, req = apply_change(actor, c, kind, MOVEMENTS[kind] * to_fen(amount), reason,
                                  action=f"ledger.{kind}", source=source, confirm_credit=confirm_credit)
        return _outcome(c, entry, req)


def _reversible(entry_id: int) -> LedgerEntry:
    e = LedgerEntry.get_or_none(LedgerEntry.id == entry_id)
    if e is None:
        raise NotFound("entry.not_found")
    if e.kind == REVERSAL:
        raise Refused("reversal.of_reversal")
    done = LedgerEntry.get_or_none(LedgerEntry.reverses == e.id)
    if done is not None:
        raise Refused("reversal.done", who=done.actor_name, when=clock.format_local(done.created_at),
                      entry=done.id)
    waiting = ChangeRequest.get_or_none((ChangeRequest.reverses == e.id) & (ChangeRequest.status == PENDING))
    if waiting is not None:
        raise Refused("reversal.waiting", request=waiting.id, who=waiting.requester_name)
    return e


def check_reversible(actor: Actor, entry_id: int) -> None:
    """Raise what :func:`reverse_entry` would refuse about the entry itself
    (a reversal, reversed already, a reversal waiting) -- so a screen says it
    before asking for a reason.  :func:`reverse_entry` checks again."""
    require(actor, "debt.adjust")
    _reversible(entry_id)


def reverse_entry(actor: Actor, entry_id: int, reason: str, *, expected_version: int | None = None,
                  source: str = "tui", confirm_credit: bool = False) -> DebtChange:
    """Offset a posted entry with a reversal (冲销) linked to it.  Needs
    ``debt.adjust``; above the actor's limit it becomes a request.  A
    reversal is never reversed, and no entry is reversed twice (nor while a
    reversal of it waits for approval)."""
    require(actor, "debt.adjust")
    reason = clean_reason(reason)
    with checked_write(actor, "debt.adjust"):
        e = _reversible(entry_id)
        c = _load(e.customer_id, expected_version)
        entry, req = apply_change(actor, c, REVERSAL, -e.amount_fen, reason, action="debt.reverse",
                                  source=source, confirm_credit=confirm_credit, reverses=e.id)
        return _outcome(c, entry, req)


# --- deciding requests -------------------------------------------------------------


def _open_request(request_id: int) -> ChangeRequest:
    r = ChangeRequest.get_or_none(ChangeRequest.id == request_id)
    if r is None:
        raise NotFound("request.not_found")
    if r.status != PENDING:
        raise closed_error(r.id, r.status, r.decider_name, r.decided_at)
    return r


def closed_error(request_id: int, status: str, decider: str, decided_at: datetime | None) -> RequestClosed:
    """"Already decided by X at T" -- for a stale request, what that means:
    the balance had moved, nothing was posted, the requester re-submits."""
    key = "request.already_stale" if status == STALE else "request.already_decided"
    return RequestClosed(key, who=decider, when=clock.format_local(decided_at) if decided_at else "",
                         status=t(f"request.status.{status}"), id=request_id)


def is_requester(r: ChangeRequest, actor: Actor) -> bool:
    if r.requester_id is not None and actor.user_id is not None:
        return r.requester_id == actor.user_id
    return r.requester_name == actor.username


def _close(r: ChangeRequest, actor: Actor, status: str, note: str, entry: LedgerEntry | None = None) -> None:
    ChangeRequest.update(status=status, decider=actor.user_id, decider_name=actor.username, note=note,
                         decided_at=clock.utcnow(), entry=entry.id if entry else None).where(
        (ChangeRequest.id == r.id) & (ChangeRequest.status == PENDING)).execute()


def _optional_note(note: str | None) -> str:
    return clean_reason(note) if (note or "").strip() else ""


def requester_of(r: ChangeRequest) -> Actor:
    """The requester, as the actor an approved entry names."""
    return Actor(r.requester_id, r.requester_name, "")


def approval_extra(r: ChangeRequest, note: str, credit_limit_fen: int | None) -> dict[str, object]:
    """What a ``debt.approve`` event records beyond the figures."""
    extra: dict[str, object] = {"request": r.id, "requester": r.requester_name}
    if note:
        extra["note"] = note
    if r.over_credit_limit and credit_limit_fen is not None:
        extra["over_credit_limit"] = format_amount(credit_limit_fen, fen=True)
    if r.reverses_id is not None:
        extra["reverses"] = r.reverses_id
    if r.batch_id is not None:
        extra["batch"] = r.batch_id
    return extra


def stale_event(actor: Actor, r: ChangeRequest, balance_fen: int, version: int, note: str,
                at: datetime | None = None) -> dict[str, object]:
    """The ``debt.request_stale`` event: the customer as seen, and as it is now."""
    return audit.event_fields(
        actor, "debt.request_stale", entity="change_request", entity_id=r.id, customer_id=r.customer_id,
        before={"balance": format_amount(r.seen_balance_fen, fen=True), "version": r.seen_version},
        after={"balance": format_amount(balance_fen, fen=True), "version": version}, reason=note, at=at)


def approve(actor: Actor, request_id: int, note: str = "") -> DebtChange:
    """Approve a pending request: post its change, naming requester and
    approver.  Needs ``debt.approve``; never by the requester.  If the
    customer moved since the request, nothing is posted: the request is
    marked stale and :class:`StaleRequest` gives both balances."""
    require(actor, "debt.approve")
    note = _optional_note(note)
    stale: tuple[ChangeRequest, Customer] | None = None
    with checked_write(actor, "debt.approve"):
        r = _open_request(request_id)
        if is_requester(r, actor):
            raise Refused("request.own")
        c = Customer.get_by_id(r.customer_id)
        if (c.balance_fen, c.version) != (r.seen_balance_fen, r.seen_version):
            _close(r, actor, STALE, note)
            audit.append(actor, [stale_event(actor, r, c.balance_fen, c.version, note)])
            stale = (r, c)
        else:
            if r.reverses_id is not None and LedgerEntry.select().where(
                    LedgerEntry.reverses == r.reverses_id).exists():
                raise Refused("reversal.done_short", entry=r.reverses_id)
            entry = post_entry(requester_of(r), c, r.kind, r.change_fen, r.reason, source=r.source,
                               reverses=r.reverses_id, over_credit_limit=r.over_credit_limit, approver=actor,
                               batch=r.batch_id)
            _close(r, actor, APPROVED, note, entry)
            audit.append(actor, [entry_event(actor, "debt.approve", entry.id, c.id, c.balance_fen, r.change_fen,
                                             r.reason, approval_extra(r, note, c.credit_limit_fen))])
            return _outcome(c, entry, None)
    assert stale is not None
    r, c = stale
    # Same figure but a newer version: the details (or the debt, there and back) changed.
    key = "request.stale" if c.balance_fen != r.seen_balance_fen else "request.stale_changed"
    raise StaleRequest(key, code=c.code, seen=format_amount(r.seen_balance_fen, fen=True),
                       current=format_amount(c.balance_fen, fen=True))


def reject(actor: Actor, request_id: int, note: str) -> RequestView:
    """Reject a pending request; the note (why) is required.  Needs
    ``debt.approve``; the requester cancels instead."""
    require(actor, "debt.approve")
    note = clean_reason(note, field="reject_note")
    with checked_write(actor, "debt.approve"):
        r = _open_request(request_id)
        if is_requester(r, actor):
            raise Refused("request.own_reject")
        _close(r, actor, REJECTED, note)
        audit.record(actor, "debt.reject", entity="change_request", entity_id=r.id, customer_id=r.customer_id,
                     after={"status": REJECTED, "requester": r.requester_name}, reason=note)
        return _request_view(ChangeRequest.get_by_id(r.id))


def cancel(actor: Actor, request_id: int, note: str = "") -> RequestView:
    """Withdraw your own pending request."""
    require(actor, "customer.view")
    note = _optional_note(note)
    with checked_write(actor, "customer.view"):
        r = _open_request(request_id)
        if not is_requester(r, actor):
            raise Refused("request.not_yours")
        _close(r, actor, CANCELLED, note)
        audit.record(actor, "debt.cancel", entity="change_request", entity_id=r.id, customer_id=r.customer_id,
                     after={"status": CANCELLED}, reason=note)
        return _request_view(ChangeRequest.get_by_id(r.id))


# --- reading requests -----------------------------------------------------------------


def _views(query) -> list[RequestView]:
    rows = list(query)
    customers = {c.id: c for c in Customer.select().where(Customer.id.in_({r.customer_id for r in rows}))} \
        if rows else {}
    return [_request_view(r, customers[r.customer_id]) for r in rows]


def pending_requests(actor: Actor, *, limit: int = 500, batches: bool = True) -> list[RequestView]:
    """Pending requests, oldest first: all of them for an approver, your own
    otherwise.  ``batches=False`` leaves out the requests of batches (the
    approvals screen shows each batch as one row: see ``batch.pending_batches``)."""
    require(actor, "customer.view")
    q = ChangeRequest.select().where(ChangeRequest.status == PENDING)
    if not batches:
        q = q.where(ChangeRequest.batch.is_null())
    if not actor.can("debt.approve"):
        q = q.where(ChangeRequest.requester == actor.user_id)
    return _views(q.order_by(ChangeRequest.id).limit(limit))


def my_requests(actor: Actor, *, limit: int = 500) -> list[RequestView]:
    """Your own requests in every state, newest first."""
    require(actor, "customer.view")
    q = ChangeRequest.select().where(ChangeRequest.requester == actor.user_id)
    return _views(q.order_by(ChangeRequest.id.desc()).limit(limit))


def customer_requests(actor: Actor, customer_id: int, *, limit: int = 500) -> list[RequestView]:
    """A customer's requests in every state, newest first (for the history)."""
    require(actor, "customer.view")
    q = ChangeRequest.select().where(ChangeRequest.customer == customer_id)
    return _views(q.order_by(ChangeRequest.id.desc()).limit(limit))


def get_request(actor: Actor, request_id: int) -> RequestView:
    """One request with the customer's current balance.  Approvers see any;
    others only their own."""
    require(actor, "customer.view")
    r = ChangeRequest.get_or_none(ChangeRequest.id == request_id)
    if r is None or (not actor.can("debt.approve") and not is_requester(r, actor)):
        raise NotFound("request.not_found")
    return _request_view(r)


def awaiting_count(actor: Actor) -> int:
    """Pending requests this actor could decide (the badge): 0 without ``debt.approve``."""
    if not actor.can("debt.approve"):
        return 0
    q = ChangeRequest.select().where(ChangeRequest.status == PENDING)
    if actor.user_id is not None:
        q = q.where((ChangeRequest.requester.is_null()) | (ChangeRequest.requester != actor.user_id))
    return q.count()


def reversed_by(entry_ids: list[int]) -> dict[int, int]:
    """For each given entry that has been reversed: the id of its reversal."""
    if not entry_ids:
        return {}
    q = LedgerEntry.select(LedgerEntry.id, LedgerEntry.reverses).where(LedgerEntry.reverses.in_(entry_ids))
    return {e.reverses_id: e.id for e in q}


__all__ = ["Route", "route_change", "apply_change", "credit_warning", "DebtChange", "RequestView", "set_debt",
           "post_movement", "reverse_entry", "approve", "reject", "cancel", "pending_requests", "my_requests",
           "customer_requests", "get_request", "awaiting_count", "reversed_by", "MOVEMENTS",
           "APPROVED", "REJECTED", "CANCELLED", "STALE", "PENDING", "REVERSAL", "RECEIPT", "RETURN", "SALE"]
