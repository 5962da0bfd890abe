"""Customer import from a file (CSV or XLSX, read by :mod:`.tabular`).

A file is read whole and every row is checked before anything is written:
one bad row refuses the whole file (:class:`ImportRefused` lists every
problem with the line number a text editor shows, header = line 1), and a
good file goes in as one transaction -- the customers, an opening ledger
entry for each non-zero opening debt, and the audit events.

CSV in UTF-8 with or without a BOM, or GB18030 (GBK); XLSX.  Codes stay text: ``00123``
and ``123`` are different customers.  Amounts go through
:func:`money.parse_amount` and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from .. import clock
from ..errors import ImportRefused, JxcError
from ..i18n import t
from ..models import OPENING, PENDING, ChangeRequest, Customer, LedgerEntry
from ..money import check_range, format_amount, from_fen, parse_amount, to_fen
from . import approvals, audit
from .bulk import insert_rows
from .customers import CustomerInput
from .pinyin import search_fields
from .policy import Actor, checked_write, require
from .tabular import map_header, read_table

CHUNK = 500  # rows per statement and per code lookup

FIELDS = ("code", "name", "contact", "phone", "address", "opening")
REQUIRED = ("code", "name")

# Header spellings, compared after NFKC, lower-casing and dropping spaces, "_" and "-".
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "customercode", "customerno", "客户编码", "编码", "客户编号", "编号", "客户代码", "代码"),
    "name": ("name", "customername", "customer", "客户名称", "名称", "客户名", "客户", "公司名称", "单位名称"),
    "contact": ("contact", "contactperson", "联系人"),
    "phone": ("phone", "tel", "telephone", "mobile", "电话", "手机", "联系电话", "手机号", "电话号码"),
    "address": ("address", "addr", "地址", "联系地址", "客户地址"),
    "opening": ("openingdebt", "opening", "openingbalance", "debt", "期初欠款", "欠款", "期初", "期初余额",
                "期初应收"),
}


class RowError(NamedTuple):
    """One problem in a file: the line a text editor shows (header = 1) and the message."""

    line: int
    message: str


@dataclass(frozen=True)
class ParsedRow:
    line: int  # first line of the record as a text editor numbers it
    values: dict[str, str]  # raw cell text per field in FIELDS ("" when absent)
    extra: tuple[str, ...] = ()  # non-empty cells beyond the header


@dataclass
class ParsedFile:
    path: Path
    file_name: str
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig" or "gb18030"
    columns: dict[str, str]  # field -> header text as written in the file
    ignored_columns: list[str]
    header_width: int
    rows: list[ParsedRow] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    sha256: str
    encoding: str
    count: int  # customers created (or that would be, for a dry run)
    opening_count: int  # of those, with a non-zero opening debt
    total_opening: Decimal
    dry_run: bool
    event_id: int | None = None  # the ``import.customers`` event; None for a dry run
    ignored_columns: tuple[str, ...] = ()
    requested_count: int = 0  # openings above the importer's direct limit: requests, not entries

    def summary(self) -> str:
        """One sentence for the user, in their language."""
        text = t("import.summary_dry" if self.dry_run else "import.summary", file=self.file_name,
                 count=self.count, opening_count=self.opening_count, total=format_amount(self.total_opening))
        if self.requested_count:
            text += t("import.requested_dry" if self.dry_run else "import.requested", n=self.requested_count)
        return text


# --- reading -------------------------------------------------------------------

def read_customer_file(path: str | os.PathLike[str]) -> ParsedFile:
    """Read a customer file (CSV or XLSX): decode it, map its header, split it into rows.

    Checks only the file's shape (readable, encoding, required columns, at
    least one row); the rows themselves are checked by :func:`import_customers`.
    Raises :class:`ImportRefused` with a message key otherwise.
    """
    table = read_table(path)
    columns, ignored = map_header(table.header, _ALIASES, REQUIRED)
    parsed = ParsedFile(table.path, table.file_name, table.sha256, table.format,
                        {f: table.header[i].strip() for f, i in columns.items()}, ignored, len(table.header))
    width = len(table.header)
    for record in table.records:
        cells = record.cells
        values = {f: (cells[i] if i < len(cells) else "") for f, i in columns.items()}
        for f in FIELDS:
            values.setdefault(f, "")
        extra = tuple(c for c in cells[width:] if c.strip())
        parsed.rows.append(ParsedRow(record.line, values, extra))
    return parsed


# --- checking --------------------------------------------------------------------

@dataclass
class _Good:
    line: int
    values: dict[str, str]  # cleaned code, name, contact, phone, address
    opening_fen: int


def _check_rows(parsed: ParsedFile) -> tuple[list[_Good], list[RowError]]:
    good: list[_Good] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for row in parsed.rows:
        v = row.values
        ok = True
        if row.extra:
            errors.append(RowError(row.line, t("import.extra_cells", count=len(row.extra),
                                               columns=parsed.header_width)))
            ok = False
        try:
            cleaned = CustomerInput(code=v["code"], name=v["name"], contact=v["contact"], phone=v["phone"],
                                    address=v["address"]).cleaned()
        except JxcError as exc:
            errors.append(RowError(row.line, exc.message()))
            cleaned = None
            ok = False
        opening_fen = 0
        if v["opening"].strip():
            try:
                opening_fen = to_fen(check_range(parse_amount(v["opening"])))
            except JxcError as exc:
                errors.append(RowError(row.line, t("import.cell", field="opening", message=exc.message())))
                ok = False
        if cleaned is not None:
            code = cleaned["code"]
            if code in first_line:
                errors.append(RowError(row.line, t("import.duplicate_in_file", code=code,
                                                   first=first_line[code])))
                ok = False
            else:
                first_line[code] = row.line
        if ok and cleaned is not None:
            good.append(_Good(row.line, cleaned, opening_fen))
    return good, errors


def _existing_codes(codes: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(codes), CHUNK):
        chunk = codes[i:i + CHUNK]
        found.update(r.code for r in Customer.select(Customer.code).where(Customer.code.in_(chunk)))
    return found


def _code_errors(good: list[_Good]) -> list[RowError]:
    taken = _existing_codes([g.values["code"] for g in good])
    return [RowError(g.line, t("import.code_exists", code=g.values["code"]))
            for g in good if g.values["code"] in taken]


def _refuse(errors: list[RowError]) -> ImportRefused:
    errors = sorted(errors, key=lambda e: e.line)
    first = t("import.row", line=errors[0].line, message=errors[0].message)
    return ImportRefused("import.refused", errors=errors, count=len(errors),
                         lines=len({e.line for e in errors}), first=first)


# --- importing -------------------------------------------------------------------

def import_customers(actor: Actor, path: str | os.PathLike[str], *, dry_run: bool = False) -> ImportReport:
    """Create the customers a CSV file lists.  Needs ``data.import``.

    Every row is checked first (fields, opening amount, codes repeated in the
    file or already in the database); any problem raises
    :class:`ImportRefused` whose ``errors`` lists ``(line, message)`` for all
    of them, and nothing is written.  Otherwise one transaction writes the
    customers, an opening entry per non-zero opening debt (source
    ``import:<file name>``), one ``import.customers`` event and one
    ``customer.create`` event per customer.  ``dry_run`` checks and reports
    without writing.
    """
    require(actor, "data.import")
    parsed = read_customer_file(path)
    good, errors = _check_rows(parsed)
    if errors:
        raise _refuse(errors + _code_errors(good))
    total_fen = sum(g.opening_fen for g in good)
    opening_count = sum(1 for g in good if g.opening_fen)
    # The same limit check as every other change: above it, an opening debt waits for approval.
    requested = sum(1 for g in good if g.opening_fen and not approvals.route_change(actor, from_fen(g.opening_fen)).post_now)
    report = dict(file_name=parsed.file_name, sha256=parsed.sha256, encoding=parsed.encoding,
                  count=len(good), opening_count=opening_count,
                  total_opening=from_fen(total_fen),
                  ignored_columns=tuple(parsed.ignored_columns), requested_count=requested)
    if dry_run:
        code_errors = _code_errors(good)
        if code_errors:
            raise _refuse(code_errors)
        return ImportReport(dry_run=True, **report)

    # Pinyin keys are pure CPU: compute them before taking the write lock.
    keys = [search_fields(g.values["code"], g.values["name"], g.values["phone"]) for g in good]
    source = f"import:{parsed.file_name}"[:300]
    reason = t("import.reason", file=parsed.file_name)[:500]
    with checked_write(actor, "data.import"):
        code_errors = _code_errors(good)  # authoritative: inside the writers' lock
        if code_errors:
            raise _refuse(code_errors)
        now = clock.utcnow()
        event_id = audit.record(
            actor, "import.customers", entity="file", entity_id=parsed.sha256,
            after={"file": parsed.file_name, "sha256": parsed.sha256, "count": len(good),
                   "total_opening": format_amount(total_fen, fen=True), "opening_count": opening_count},
            reason=reason, at=now)
        for start in range(0, len(good), CHUNK):
            _insert_chunk(actor, good[start:start + CHUNK], keys[start:start + CHUNK], now, source, reason)
    return ImportReport(dry_run=False, event_id=event_id, **report)


def _insert_chunk(actor: Actor, chunk: list[_Good], keys: list[tuple[str, str]], now, source: str,
                  reason: str) -> None:
    # Openings within the importer's direct limit post now; larger ones become
    # requests (the customer starts at 0.00), decided by approvals.route_change.
    waits = {g.values["code"] for g in chunk
             if g.opening_fen and not approvals.route_change(actor, from_fen(g.opening_fen)).post_now}
    insert_rows(Customer, [Customer.code, Customer.name, Customer.contact, Customer.phone, Customer.address,
                           Customer.pinyin_initials, Customer.pinyin_full, Customer.search_key,
                           Customer.balance_fen, Customer.version, Customer.created_at, Customer.updated_at],
                [(g.values["code"], g.values["name"], g.values["contact"], g.values["phone"],
                  g.values["address"], *index, 0 if g.values["code"] in waits else g.opening_fen, 1, now, now)
                 for g, index in zip(chunk, keys)])
    codes = [g.values["code"] for g in chunk]
    ids = {r.code: r.id for r in Customer.select(Customer.id, Customer.code).where(Customer.code.in_(codes))}
    request_ids = _request_openings(actor, [g for g in chunk if g.values["code"] in waits], ids, now, source,
                                    reason)
    with_opening = [g for g in chunk if g.opening_fen and g.values["code"] not in waits]
    entry_ids: dict[int, int] = {}
    if with_opening:
        insert_rows(LedgerEntry, [LedgerEntry.customer, LedgerEntry.kind, LedgerEntry.amount_fen,
                                  LedgerEntry.balance_before_fen, LedgerEntry.balance_after_fen,
                                  LedgerEntry.reason, LedgerEntry.actor, LedgerEntry.actor_name,
                                  LedgerEntry.source, LedgerEntry.created_at],
                    [(ids[g.values["code"]], OPENING, g.opening_fen, 0, g.opening_fen, reason, actor.user_id,
                      actor.username, source, now) for g in with_opening])
        cids = [ids[g.values["code"]] for g in with_opening]
        entry_ids = {r.customer_id: r.id for r in LedgerEntry.select(LedgerEntry.id, LedgerEntry.customer)
                     .where(LedgerEntry.customer.in_(cids) & (LedgerEntry.kind == OPENING))}
    events = []
    for g in chunk:
        cid = ids[g.values["code"]]
        after: dict[str, object] = dict(g.values)
        if cid in request_ids:
            after.update(opening_requested=format_amount(g.opening_fen, fen=True), request=request_ids[cid])
        elif g.opening_fen:
            after.update(opening=format_amount(g.opening_fen, fen=True), ledger_entry=entry_ids[cid])
        events.append(audit.event_fields(actor, "customer.create", entity="customer", entity_id=cid,
                                         customer_id=cid, after=after, reason=reason, at=now))
    audit.record_many(events)


def _request_openings(actor: Actor, rows: list[_Good], ids: dict[str, int], now, source: str,
                      reason: str) -> dict[int, int]:
    """Pending opening-debt requests for ``rows`` (customer id -> request id),
    each with its ``debt.request`` event."""
    if not rows:
        return {}
    limit = actor.direct_limit_fen
    insert_rows(ChangeRequest, [ChangeRequest.customer, ChangeRequest.kind, ChangeRequest.seen_balance_fen,
                                ChangeRequest.seen_version, ChangeRequest.new_balance_fen, ChangeRequest.change_fen,
                                ChangeRequest.reason, ChangeRequest.over_credit_limit, ChangeRequest.source,
                                ChangeRequest.requester, ChangeRequest.requester_name, ChangeRequest.requested_at,
                                ChangeRequest.status, ChangeRequest.decider_name, ChangeRequest.note],
                [(ids[g.values["code"]], OPENING, 0, 1, g.opening_fen, g.opening_fen, reason, False, source,
                  actor.user_id, actor.username, now, PENDING, "", "") for g in rows])
    cids = [ids[g.values["code"]] for g in rows]
    request_ids = {r.customer_id: r.id for r in ChangeRequest.select(ChangeRequest.id, ChangeRequest.customer)
                   .where(ChangeRequest.customer.in_(cids) & (ChangeRequest.status == PENDING))}
    audit.record_many([audit.event_fields(
        actor, "debt.request", entity="change_request", entity_id=request_ids[ids[g.values["code"]]],
        customer_id=ids[g.values["code"]], before={"balance": format_amount(0, fen=True)},
        after={"requested_balance": format_amount(g.opening_fen, fen=True),
               "change": format_amount(g.opening_fen, fen=True, signed=True), "kind": OPENING,
               "limit": "none" if limit is None else format_amount(limit, fen=True)},
        reason=reason, at=now) for g in rows])
    return request_ids


__all__ = ["ParsedFile", "ParsedRow", "ImportReport", "RowError", "read_customer_file", "import_customers"]
