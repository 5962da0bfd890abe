"""Customers: create, edit details, look up, search.

Search matches a code or name substring, a phone substring, and
pinyin initials or full pinyin (``bjhx`` / ``beijing`` find 北京华夏...).  The
query is NFKC-normalised first (full-width input), ``%`` and ``_`` are
literal, and results come one page at a time (keyset pagination), never all
rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from peewee import Expression, fn

from .. import clock
from ..errors import NotFound, StaleVersion, ValidationError
from ..models import OPENING, Customer
from ..money import check_range, format_amount, from_fen, to_fen
from ..text import clean_field, clean_reason, has_controls
from . import approvals, audit
from .pinyin import FIELD_SEPARATOR, phone_digits, search_fields
from .policy import Actor, checked_write, require

DETAIL_FIELDS = ("code", "name", "contact", "phone", "address")
_PHONE_RE = re.compile(r"^\+?[0-9(][0-9 \-()]*$")  # "(010) 6552 1234" too
SORTS = ("code", "debt_asc", "debt_desc", "name")
MAX_QUERY = 100  # characters; SQLite refuses very long LIKE patterns


@dataclass(frozen=True)
class CustomerView:
    id: int
    code: str
    name: str
    contact: str
    phone: str
    address: str
    balance: Decimal
    version: int
    created_at: datetime
    updated_at: datetime
    credit_limit: Decimal | None = None  # 信用额度; None: no limit

    @property
    def is_credit(self) -> bool:
        return self.balance < 0


def view(c: Customer) -> CustomerView:
    return CustomerView(c.id, c.code, c.name, c.contact, c.phone, c.address, from_fen(c.balance_fen),
                        c.version, c.created_at, c.updated_at,
                        None if c.credit_limit_fen is None else from_fen(c.credit_limit_fen))


@dataclass
class CustomerInput:
    """Details as typed in the form or read from a file row."""

    code: str = ""
    name: str = ""
    contact: str = ""
    phone: str = ""
    address: str = ""

    def cleaned(self) -> dict[str, str]:
        """Validated, normalised values; raises ValidationError naming the field."""
        code = clean_field(self.code, field="code", required=True, max_len=64, nfkc=True)
        if any(ch.isspace() for ch in code):
            raise ValidationError("customer.code_spaces", field="code")
        phone = clean_field(self.phone, field="phone", max_len=40, nfkc=True)
        if phone and (not _PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < 3):
            raise ValidationError("customer.phone_digits", field="phone")
        return {
            "code": code,
            "name": clean_field(self.name, field="name", required=True, max_len=200),
            "contact": clean_field(self.contact, field="contact", max_len=100),
            "phone": phone,
            "address": clean_field(self.address, field="address", max_len=300),
        }


def _optional_reason(reason: str | None) -> str:
    """A reason that may be left empty, under the same rules as a required one
    (line breaks joined, control characters refused)."""
    return clean_reason(reason) if (reason or "").strip() else ""


def _get(customer_id: int) -> Customer:
    c = Customer.get_or_none(Customer.id == customer_id)
    if c is None:
        raise NotFound("customer.not_found")
    return c


def get_customer(actor: Actor, customer_id: int) -> CustomerView:
    require(actor, "customer.view")
    return view(_get(customer_id))


def get_customers(actor: Actor, customer_ids: Sequence[int]) -> dict[int, CustomerView]:
    """The customers of ``customer_ids`` as they are now (missing ones left
    out): what the list re-reads after changes made on other screens."""
    require(actor, "customer.view")
    found: dict[int, CustomerView] = {}
    ids = list(customer_ids)
    for i in range(0, len(ids), 500):
        for c in Customer.select().where(Customer.id.in_(ids[i:i + 500])):
            found[c.id] = view(c)
    return found


def find_by_code(actor: Actor, code: str) -> CustomerView | None:
    require(actor, "customer.view")
    c = Customer.get_or_none(Customer.code == code)
    return view(c) if c else None


def create_customer(actor: Actor, data: CustomerInput, opening: Decimal | None = None,
                    reason: str = "", source: str = "tui") -> CustomerView:
    """Add a customer.  Needs ``customer.edit`` (and ``debt.adjust`` for a
    non-zero opening debt, which becomes an opening ledger entry).  Writes the
    customer, the entry and a ``customer.create`` event in one transaction."""
    require(actor, "customer.edit")
    values = data.cleaned()
    if opening is not None and opening != 0:
        require(actor, "debt.adjust")
        check_range(opening)
        reason = clean_reason(reason or "")
    else:
        reason = _optional_reason(reason)
    needs = ("customer.edit", "debt.adjust") if opening is not None and opening != 0 else ("customer.edit",)
    with checked_write(actor, *needs):
        if Customer.select().where(Customer.code == values["code"]).exists():
            raise ValidationError("customer.code_taken", field="code", code=values["code"])
        initials, full, key = search_fields(values["code"], values["name"], values["phone"])
        now = clock.utcnow()
        c = Customer.create(**values, pinyin_initials=initials, pinyin_full=full, search_key=key,
                            created_at=now, updated_at=now)
        after = dict(values)
        if opening is not None and opening != 0:
            # Above the actor's direct limit the customer starts at 0.00 and
            # the opening debt waits for approval like any other change.
            entry, request = approvals.apply_change(actor, c, OPENING, to_fen(opening), reason, action=None,
                                                    source=source, confirm_credit=True)
            if entry is not None:
                after.update(opening=format_amount(opening), ledger_entry=entry.id)
            else:
                after.update(opening_requested=format_amount(opening), request=request.id)
            c = Customer.get_by_id(c.id)
        audit.record(actor, "customer.create", entity="customer", entity_id=c.id, customer_id=c.id,
                     after=after, reason=reason)
    return view(c)


def update_customer(actor: Actor, customer_id: int, expected_version: int, data: CustomerInput,
                    reason: str = "") -> CustomerView:
    """Change details.  Needs ``customer.edit``.  Refused if the customer changed
    since ``expected_version``.  Records each changed field old -> new."""
    require(actor, "customer.edit")
    values = data.cleaned()
    reason = _optional_reason(reason)
    with checked_write(actor, "customer.edit"):
        c = _get(customer_id)
        if c.version != expected_version:
            raise StaleVersion("customer.stale", balance=format_amount(c.balance_fen, fen=True))
        before = {k: getattr(c, k) for k in DETAIL_FIELDS if getattr(c, k) != values[k]}
        after = {k: values[k] for k in before}
        if not after:
            raise ValidationError("customer.nothing_changed")
        if "code" in after and Customer.select().where(
                (Customer.code == after["code"]) & (Customer.id != c.id)).exists():
            raise ValidationError("customer.code_taken", field="code", code=after["code"])
        updates: dict[Any, Any] = {getattr(Customer, k): v for k, v in after.items()}
        if after.keys() & {"code", "name", "phone"}:
            (updates[Customer.pinyin_initials], updates[Customer.pinyin_full],
             updates[Customer.search_key]) = search_fields(values["code"], values["name"], values["phone"])
        updates[Customer.version] = Customer.version + 1
        updates[Customer.updated_at] = clock.utcnow()
        Customer.update(updates).where(Customer.id == c.id).execute()
        audit.record(actor, "customer.update", entity="customer", entity_id=c.id, customer_id=c.id,
                     before=before, after=after, reason=reason)
        return view(_get(c.id))


def set_credit_limit(actor: Actor, customer_id: int, limit: Decimal | None, reason: str, *,
                     expected_version: int | None) -> CustomerView:
    """Set (or with ``None`` remove) a customer's credit limit (信用额度).  Needs
    ``debt.approve``: how much credit a customer gets is finance's decision.
    A reason is required; recorded old -> new in the customer's history."""
    require(actor, "debt.approve")
    if limit is not None:
        if not isinstance(limit, Decimal):
            raise ValidationError("amount.not_a_number", field="credit_limit")
        check_range(limit)
        if limit < 0:
            raise ValidationError("credit.negative", field="credit_limit")
    reason = clean_reason(reason)
    new_fen = None if limit is None else to_fen(limit)
    with checked_write(actor, "debt.approve"):
        c = _get(customer_id)
        if expected_version is not None and c.version != expected_version:
            raise StaleVersion("customer.stale", balance=format_amount(c.balance_fen, fen=True))
        if c.credit_limit_fen == new_fen:
            raise ValidationError("customer.nothing_changed")
        Customer.update(credit_limit_fen=new_fen, version=Customer.version + 1, updated_at=clock.utcnow()).where(
            Customer.id == c.id).execute()
        shown = "" if c.credit_limit_fen is None else format_amount(c.credit_limit_fen, fen=True)
        audit.record(actor, "customer.credit_limit", entity="customer", entity_id=c.id, customer_id=c.id,
                     before={"credit_limit": shown},
                     after={"credit_limit": "" if new_fen is None else format_amount(new_fen, fen=True)},
                     reason=reason)
        return view(_get(c.id))


# --- search ---------------------------------------------------------------------

@dataclass(frozen=True)
class SearchPage:
    rows: list[CustomerView]
    has_more: bool
    cursor: tuple[Any, ...] | None = None  # pass back as ``after`` for the next page
    query: str = ""
    sort: str = "code"
    first: bool = field(default=True)


def normalise_query(query: str) -> str:
    """NFKC, trimmed, control characters dropped (no stored value holds one,
    and PostgreSQL refuses a NUL in a query outright)."""
    text = unicodedata.normalize("NFKC", query or "")
    return "".join(ch for ch in text if not has_controls(ch)).strip()


def _match(q: str) -> Expression:
    """Code, name, phone digits, pinyin initials or full pinyin contain ``q``."""
    needle = q.lower()
    cond = Customer.search_key.contains(needle)
    compact = needle.replace(" ", "")
    if compact != needle and compact:
        cond |= Customer.search_key.contains(compact)  # "bj hx" as typed with a space
    digits = phone_digits(q)
    if len(digits) >= 3 and re.fullmatch(r"[0-9 \-()+]+", q) and digits != needle:
        cond |= Customer.search_key.contains(digits)  # "138-0013" finds 13800138000
    return cond


def _order(sort: str) -> tuple[list[Any], list[Any]]:
    """(ORDER BY columns, the values a cursor holds) for a sort key."""
    if sort == "debt_asc":
        return [Customer.balance_fen, Customer.id], [Customer.balance_fen, Customer.id]
    if sort == "debt_desc":
        return [Customer.balance_fen.desc(), Customer.id.desc()], [Customer.balance_fen, Customer.id]
    if sort == "name":
        return [Customer.name, Customer.id], [Customer.name, Customer.id]
    return [Customer.code], [Customer.code]


def _after(sort: str, cursor: tuple[Any, ...]) -> Expression:
    if sort == "code":
        return Customer.code > cursor[0]
    col = {"debt_asc": Customer.balance_fen, "debt_desc": Customer.balance_fen, "name": Customer.name}[sort]
    if sort == "debt_desc":
        return (col < cursor[0]) | ((col == cursor[0]) & (Customer.id < cursor[1]))
    return (col > cursor[0]) | ((col == cursor[0]) & (Customer.id > cursor[1]))


def search_customers(actor: Actor, query: str = "", *, sort: str = "code", limit: int = 50,
                     after: tuple[Any, ...] | None = None) -> SearchPage:
    """One page of customers matching ``query`` in ``sort`` order.  Needs ``customer.view``."""
    require(actor, "customer.view")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    q = normalise_query(query)[:MAX_QUERY]
    if q and sort == "code":
        return _ranked(q, limit, after)
    order, cursor_cols = _order(sort)
    select = Customer.select()
    if q:
        select = select.where(_match(q))
    if after is not None:
        select = select.where(_after(sort, after))
    rows = list(select.order_by(*order).limit(limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = tuple(getattr(rows[-1], c.name) for c in cursor_cols) if rows else None
    return SearchPage([view(r) for r in rows], has_more, cursor, q, sort, after is None)


def _starts(q: str) -> Expression:
    """Matches that begin with what was typed: code, name, phone or a pinyin reading."""
    return Customer.search_key.contains(FIELD_SEPARATOR + q.lower())


def _ranked(q: str, limit: int, after: tuple[Any, ...] | None) -> SearchPage:
    """Code order, but matches that begin with the query come first: ``bjh``
    shows 北极火 before 微播江湖.  The cursor says which part it is in:
    ``("starts", code)`` or ``("rest", code)``."""
    part, last = after if after is not None else ("starts", None)
    rows: list[Customer] = []
    if part == "starts":
        select = Customer.select().where(_starts(q))
        if last is not None:
            select = select.where(Customer.code > last)
        rows = list(select.order_by(Customer.code).limit(limit + 1))
        if len(rows) > limit:
            rows = rows[:limit]
            return SearchPage([view(r) for r in rows], True, ("starts", rows[-1].code), q, "code", after is None)
        part, last = "rest", None
    select = Customer.select().where(_match(q) & ~_starts(q))
    if last is not None:
        select = select.where(Customer.code > last)
    need = limit - len(rows)
    rest = list(select.order_by(Customer.code).limit(need + 1))
    has_more = len(rest) > need
    rest = rest[:need]
    cursor = ("rest", rest[-1].code if rest else last)  # ("rest", None): the rest from its start
    return SearchPage([view(r) for r in rows + rest], has_more, cursor, q, "code", after is None)


def matching_ids(actor: Actor, query: str = "", *, limit: int) -> list[int]:
    """The ids of every customer matching ``query`` (all when empty), at most
    ``limit`` + 1 of them (so the caller can tell there were more): what
    "mark all search results" marks.  Needs ``customer.view``."""
    require(actor, "customer.view")
    q = normalise_query(query)[:MAX_QUERY]
    select = Customer.select(Customer.id)
    if q:
        select = select.where(_match(q))
    return [row[0] for row in select.order_by(Customer.id).limit(limit + 1).tuples()]


def count_customers(actor: Actor) -> int:
    require(actor, "customer.view")
    return Customer.select().count()


def total_debt(actor: Actor) -> Decimal:
    """The sum of every customer's debt (credits count negative), exact: summed
    in integer fen by the database.  Needs ``customer.view``."""
    require(actor, "customer.view")
    total = Customer.select(fn.SUM(Customer.balance_fen)).scalar()
    return from_fen(int(total or 0))
