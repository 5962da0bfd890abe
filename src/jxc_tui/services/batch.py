"""Batch modification (批量修改): many customers changed at once.

A batch is planned first and written only when the user confirms:

1. :func:`plan_selection` (one operation on marked customers), :func:`plan_file`
   (a CSV/XLSX of codes with a new debt or a change, and reasons) or
   :func:`plan_undo` (reverse every posted row of an earlier batch) read the
   customers and give a :class:`BatchPlan`: one row per customer -- current,
   new, change, and whether it posts now or needs approval -- plus the rows
   refused and why.  Nothing is written.
2. :func:`post` writes the plan in one transaction, or nothing: inside the
   writers' lock it checks again that every customer is as previewed, that
   the same batch was not run before (unless ``run_again``, which is
   recorded) and that no refused row is left (unless ``skip_refused``).

Every row is routed by :func:`approvals.decide_route` -- the same limit check
as the set-debt dialog -- with the actor's limit read once per batch; rows
above it become pending requests of the batch, which an approver decides as
a whole (:func:`approve_batch`, :func:`reject_batch`) or one by one (the
ordinary :func:`approvals.approve`).  Each entry and request carries the
batch id and has its own audit event; one more event records the batch.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from peewee import fn

from .. import clock
from ..errors import (
    BatchAlreadyRun,
    BatchCreditLimit,
    BatchRefused,
    BatchStale,
    ImportRefused,
    InvalidAmount,
    JxcError,
    NoChange,
    NotFound,
    Refused,
    ValidationError,
)
from ..i18n import t
from ..models import ADJUSTMENT, CANCELLED, PENDING, REJECTED, REVERSAL, Batch, ChangeRequest, Customer, LedgerEntry
from ..money import check_range, format_amount, from_fen, parse_amount, percent_change, to_fen
from ..text import clean_field, clean_reason
from . import approvals, audit, ledger
from .approvals import NewRequest
from .ledger import NewEntry
from .policy import Actor, checked_write, require
from .tabular import map_header, read_table

SELECTION, FILE, UNDO = "selection", "file", "undo"
OPERATIONS = ("set", "increase", "decrease", "percent", "clear")
FILE_SET, FILE_CHANGE = "file_set", "file_change"
MAX_ROWS = 200_000  # customers in one batch
MAX_PERCENT = Decimal(1000)
CHUNK = 500  # customers per lookup
POST_CHUNK = 2000  # rows per step of a post (progress is reported between steps)

# (phase, done, total); phases: "read", "check", "post".  Called from the
# thread doing the work: a UI hands it on to its own thread.
Progress = Callable[[str, int, int], None]


def _noop(_phase: str, _done: int, _total: int) -> None:
    return None


# --- operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One change applied to every customer of a selection."""

    name: str  # one of OPERATIONS
    figure: Decimal | None = None  # the amount (set / increase / decrease) or the percent

    def change_fen(self, balance_fen: int) -> int:
        """The change this operation makes to a debt of ``balance_fen``."""
        if self.name == "clear":
            return -balance_fen
        assert self.figure is not None
        if self.name == "set":
            return to_fen(self.figure) - balance_fen
        if self.name == "increase":
            return to_fen(self.figure)
        if self.name == "decrease":
            return -to_fen(self.figure)
        # percent: rounded half up, symmetric in sign (case C06)
        return to_fen(percent_change(from_fen(balance_fen), self.figure))

    def figure_text(self) -> str:
        if self.figure is None:
            return ""
        if self.name == "percent":
            return f"{self.figure.normalize():+f}"
        return format_amount(self.figure)

    def describe(self) -> str:
        return t(f"batch.op.{self.name}", figure=self.figure_text())


def make_operation(name: str, text: str = "") -> Operation:
    """Read an operation and its figure as typed.  Raises
    :class:`ValidationError` (field ``amount``) saying what is wrong."""
    if name not in OPERATIONS:
        raise ValidationError("batch.unknown_operation", field="operation", name=name)
    if name == "clear":
        return Operation(name)
    try:
        if name == "percent":
            figure = parse_amount((text or "").replace("%", "").replace("％", ""))
        else:
            figure = parse_amount(text)
    except InvalidAmount as error:
        raise ValidationError(error.key, field="amount", **error.params) from None
    if name in ("increase", "decrease") and figure <= 0:
        raise ValidationError("amount.must_be_positive", field="amount")
    if name == "percent" and (figure == 0 or abs(figure) > MAX_PERCENT):
        raise ValidationError("batch.bad_percent", field="amount", max=MAX_PERCENT)
    return Operation(name, figure)


# --- the plan ---------------------------------------------------------------------------------


NO_CHANGE, UNKNOWN_CODE, BAD_AMOUNT, BAD_CODE, DUPLICATE, NO_REASON, BAD_ROW, OUT_OF_RANGE = (
    "no_change", "unknown_code", "bad_amount", "bad_code", "duplicate", "no_reason", "bad_row", "out_of_range")
ALREADY_REVERSED, REVERSAL_WAITING = "reversed", "waiting"
# Rows that are left out without stopping the batch: there is nothing to write for them.
NOT_BLOCKING = frozenset({NO_CHANGE, ALREADY_REVERSED, REVERSAL_WAITING})


@dataclass(frozen=True)
class Refusal:
    """A row that will not be written, and why (in the user's language)."""

    line: int  # the file's line (CSV) or row (XLSX); 0 for a selection or an undo
    code: str
    kind: str
    message: str

    @property
    def blocking(self) -> bool:
        """An error in the row: the batch is all or nothing unless told to skip it."""
        return self.kind not in NOT_BLOCKING

    def text(self) -> str:
        return t("import.row", line=self.line, message=self.message) if self.line else self.message


@dataclass(frozen=True)
class PlanRow:
    customer_id: int
    code: str
    name: str
    version: int  # as previewed; posting refuses if it moved
    old_fen: int
    change_fen: int
    reason: str
    posts_now: bool  # within the actor's direct limit
    over_credit: bool  # takes the debt above the customer's credit limit
    credit_limit_fen: int | None = None
    line: int = 0
    kind: str = ADJUSTMENT
    reverses: int | None = None  # an undo: the entry this row reverses

    @property
    def new_fen(self) -> int:
        return self.old_fen + self.change_fen

    @property
    def old(self) -> Decimal:
        return from_fen(self.old_fen)

    @property
    def new(self) -> Decimal:
        return from_fen(self.new_fen)

    @property
    def change(self) -> Decimal:
        return from_fen(self.change_fen)


def describe(kind: str, operation: str, figure: str, file_name: str, undoes: int | None) -> str:
    """What a batch does, in a few words: "增加 100.00", "文件 x.csv（新欠款）", "撤销批次 #3"."""
    if kind == UNDO:
        return t("batch.op.undo", id=undoes)
    if kind == FILE:
        return t(f"batch.op.{operation}", file=file_name)
    return t(f"batch.op.{operation}", figure=figure)


@dataclass(frozen=True)
class BatchView:
    id: int
    kind: str
    operation: str
    figure: str
    reason: str
    file_name: str
    file_sha256: str
    actor_name: str
    created_at: datetime
    row_count: int
    posted_count: int
    requested_count: int
    skipped_count: int
    total_change: Decimal
    rerun_of: int | None
    undoes: int | None
    undone_by: int | None  # the undo batch that reversed some of it, or whose reversals wait
    pending: int  # its requests still waiting for approval
    undo_pending: bool = False  # undone_by has reversed nothing yet: its reversals wait for approval
    posted_change: Decimal = Decimal("0.00")  # the change its posted entries made so far
    pending_change: Decimal = Decimal("0.00")  # the change its waiting requests would make
    not_posted: int = 0  # its requests rejected, stale or withdrawn: never posted

    def describe(self) -> str:
        return describe(self.kind, self.operation, self.figure, self.file_name, self.undoes)


@dataclass
class BatchPlan:
    """What a batch would do -- the preview.  Nothing has been written."""

    kind: str
    operation: str
    figure: str
    reason: str  # the batch's reason (a file's rows may carry their own)
    fingerprint: str
    limit_fen: int | None  # the actor's direct limit the rows were routed by
    rows: list[PlanRow] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    file_name: str = ""
    file_sha256: str = ""
    undoes: int | None = None
    cancels: tuple[int, ...] = ()  # an undo: the undone batch's pending requests, withdrawn
    state: str = ""  # an undo: the undone batch's entries and requests as previewed
    earlier: BatchView | None = None  # the same batch, run before

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def posts_now_count(self) -> int:
        return sum(1 for r in self.rows if r.posts_now)

    @property
    def approval_count(self) -> int:
        return self.count - self.posts_now_count

    @property
    def over_credit_count(self) -> int:
        return sum(1 for r in self.rows if r.over_credit)

    @property
    def total_change(self) -> Decimal:
        return from_fen(sum(r.change_fen for r in self.rows))

    @property
    def blocking(self) -> list[Refusal]:
        return [r for r in self.refused if r.blocking]

    def refused_by_kind(self) -> Counter[str]:
        return Counter(r.kind for r in self.refused)

    def describe(self) -> str:
        return describe(self.kind, self.operation, self.figure, self.file_name, self.undoes)

    def summary(self) -> str:
        """The preview in one or two sentences: how many rows post now, how
        many go for approval, the total, and what was refused and why."""
        now_total = from_fen(sum(r.change_fen for r in self.rows if r.posts_now))
        text = t("batch.summary", what=self.describe(), count=f"{self.count:,}", now=f"{self.posts_now_count:,}",
                 approval=f"{self.approval_count:,}", total=format_amount(self.total_change, signed=True),
                 now_total=format_amount(now_total, signed=True))
        if self.refused:
            kinds = t("list.separator").join(f"{t('batch.refusal.' + kind)} {n:,}"
                                             for kind, n in self.refused_by_kind().most_common())
            text += t("batch.summary_refused", n=f"{len(self.refused):,}", kinds=kinds)
        if self.cancels:
            text += t("batch.summary_withdraw", n=f"{len(self.cancels):,}")
        if self.over_credit_count:
            text += t("batch.summary_credit", n=f"{self.over_credit_count:,}")
        return text


def route_label(row: PlanRow) -> str:
    return t("batch.route.now") if row.posts_now else t("batch.route.approval")


@dataclass(frozen=True)
class BatchResult:
    batch: BatchView
    posted: int
    requested: int
    cancelled: int = 0
    requested_change: Decimal = Decimal("0.00")  # waits for approval: no balance moved by it yet

    def summary(self) -> str:
        text = t("batch.posted", id=self.batch.id, posted=f"{self.posted:,}", requested=f"{self.requested:,}",
                 posted_total=format_amount(self.batch.posted_change, signed=True),
                 requested_total=format_amount(self.requested_change, signed=True))
        if self.cancelled:
            text += t("batch.cancelled_requests", n=self.cancelled)
        return text


# --- planning ----------------------------------------------------------------------------------


class _Planner:
    """Turns (customer, change) pairs into plan rows or refusals, by the rules of
    every change (:func:`approvals.check_change`) and the one limit check."""

    def __init__(self, actor: Actor, plan: BatchPlan) -> None:
        self.plan = plan
        self.limit_fen = plan.limit_fen = actor.direct_limit_fen

    def add(self, c: Customer, change_fen: int, reason: str, *, line: int = 0, kind: str = ADJUSTMENT,
            reverses: int | None = None) -> None:
        try:
            _new, over = approvals.check_change(c.balance_fen, c.credit_limit_fen, change_fen)
        except NoChange:
            self.refuse(line, c.code, NO_CHANGE, t("batch.no_change", balance=format_amount(c.balance_fen, fen=True)))
            return
        except InvalidAmount as error:
            self.refuse(line, c.code, OUT_OF_RANGE, error.message())
            return
        route = approvals.decide_route(self.limit_fen, from_fen(change_fen))
        self.plan.rows.append(PlanRow(c.id, c.code, c.name, c.version, c.balance_fen, change_fen, reason,
                                      route.post_now, over, c.credit_limit_fen, line, kind, reverses))

    def refuse(self, line: int, code: str, kind: str, message: str) -> None:
        self.plan.refused.append(Refusal(line, code, kind, message))


_CUSTOMER_COLUMNS = (Customer.id, Customer.code, Customer.name, Customer.balance_fen, Customer.version,
                     Customer.credit_limit_fen)


def _customers(key: Any, values: Sequence[Any], progress: Progress, total: int) -> dict[Any, Customer]:
    """Customers whose ``key`` (id or code) is among ``values``, a chunk at a time."""
    found: dict[Any, Customer] = {}
    for i in range(0, len(values), CHUNK):
        for c in Customer.select(*_CUSTOMER_COLUMNS).where(key.in_(values[i:i + CHUNK])):
            found[getattr(c, key.name)] = c
        progress("check", min(i + CHUNK, len(values)), total)
    return found


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _earlier(fingerprint: str) -> BatchView | None:
    b = Batch.select().where(Batch.fingerprint == fingerprint).order_by(Batch.id.desc()).first()
    return _view(b) if b else None


def plan_selection(actor: Actor, customer_ids: Iterable[int], operation: Operation, reason: str, *,
                   progress: Progress = _noop) -> BatchPlan:
    """Preview ``operation`` on the given customers.  Needs ``debt.batch``.
    Writes nothing."""
    require(actor, "debt.batch")
    reason = clean_reason(reason)
    ids = sorted(set(customer_ids))
    if not ids:
        raise ValidationError("batch.empty")
    if len(ids) > MAX_ROWS:
        raise ValidationError("batch.too_many", count=len(ids), max=MAX_ROWS)
    plan = BatchPlan(SELECTION, operation.name, operation.figure_text(), reason,
                     _fingerprint(SELECTION, operation.name, operation.figure_text(), ",".join(map(str, ids))), None)
    planner = _Planner(actor, plan)
    found = _customers(Customer.id, ids, progress, len(ids))
    for cid in ids:
        c = found.get(cid)
        if c is None:
            planner.refuse(0, f"#{cid}", UNKNOWN_CODE, t("customer.not_found"))
            continue
        planner.add(c, operation.change_fen(c.balance_fen), reason)
    plan.rows.sort(key=lambda r: r.code)
    plan.earlier = _earlier(plan.fingerprint)
    return plan


# Header spellings of a debt file, compared loosely (see tabular.header_key).
DEBT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "customercode", "customerno", "客户编码", "编码", "客户编号", "编号", "客户代码", "代码"),
    "new": ("newdebt", "newbalance", "debt", "balance", "新欠款", "欠款", "新余额", "余额", "应收", "新应收"),
    "change": ("change", "delta", "adjustment", "adjust", "变动", "变动金额", "变动额", "调整", "调整金额", "调整额",
               "增减", "增减额"),
    "reason": ("reason", "note", "memo", "remark", "remarks", "原因", "备注", "说明", "摘要", "调整原因"),
}


def plan_file(actor: Actor, path: str | os.PathLike[str], *, reason: str = "",
              progress: Progress = _noop) -> BatchPlan:
    """Preview a debt file: customer code, then a new debt *or* a change, and a
    reason (a row without one takes ``reason``).  Needs ``debt.batch`` and
    ``data.import``.  Raises :class:`ImportRefused` for a file it cannot read;
    refused rows are in the plan.  Writes nothing."""
    require(actor, "debt.batch")
    require(actor, "data.import")
    default_reason = clean_reason(reason) if (reason or "").strip() else ""
    progress("read", 0, 1)
    table = read_table(path)
    columns, _ignored = map_header(table.header, DEBT_COLUMNS, ("code",))
    if "new" in columns and "change" in columns:
        raise ImportRefused("batch.file_both", new=table.header[columns["new"]].strip(),
                            change=table.header[columns["change"]].strip())
    if "new" not in columns and "change" not in columns:
        raise ImportRefused("import.missing_columns", columns=t("batch.file_amount_columns"))
    if len(table.records) > MAX_ROWS:
        raise ImportRefused("batch.too_many", count=len(table.records), max=MAX_ROWS)
    amount_field = "new" if "new" in columns else "change"
    amount_label = table.header[columns[amount_field]].strip()
    plan = BatchPlan(FILE, FILE_SET if amount_field == "new" else FILE_CHANGE, "", default_reason,
                     _fingerprint(FILE, table.sha256), None, file_name=table.file_name, file_sha256=table.sha256)
    planner = _Planner(actor, plan)
    progress("read", 1, 1)

    def cell(cells: tuple[str, ...], name: str) -> str:
        i = columns.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    wanted: list[tuple[int, str, Decimal, str]] = []  # line, code, amount, reason
    first_line: dict[str, int] = {}
    width = len(table.header)
    for record in table.records:
        line, cells = record.line, record.cells
        raw_code = cell(cells, "code")
        try:
            code = clean_field(raw_code, field="code", required=True, max_len=64, nfkc=True)
        except JxcError as error:
            planner.refuse(line, raw_code.strip(), BAD_CODE, error.message())
            continue
        if any(c.strip() for c in cells[width:]):
            planner.refuse(line, code, BAD_ROW, t("import.extra_cells", count=len(cells) - width, columns=width))
            continue
        if code in first_line:
            planner.refuse(line, code, DUPLICATE, t("import.duplicate_in_file", code=code, first=first_line[code]))
            continue
        first_line[code] = line
        try:
            amount = check_range(parse_amount(cell(cells, amount_field)))
        except InvalidAmount as error:
            planner.refuse(line, code, BAD_AMOUNT, t("batch.cell", column=amount_label, message=error.message()))
            continue
        row_reason = cell(cells, "reason")
        try:
            row_reason = clean_reason(row_reason) if row_reason.strip() else default_reason
        except JxcError as error:
            planner.refuse(line, code, NO_REASON, error.message())
            continue
        wanted.append((line, code, amount, row_reason))  # no reason: refused below, unless nothing changes
    codes = [w[1] for w in wanted]
    found = _customers(Customer.code, codes, progress, len(codes))
    for line, code, amount, row_reason in wanted:
        c = found.get(code)
        if c is None:
            planner.refuse(line, code, UNKNOWN_CODE, t("batch.unknown_code", code=code))
            continue
        change = to_fen(amount) - c.balance_fen if amount_field == "new" else to_fen(amount)
        if change and not row_reason:  # "no change" says more than "no reason" (our own export, read back)
            planner.refuse(line, code, NO_REASON, t("batch.no_reason"))
            continue
        planner.add(c, change, row_reason, line=line)
    plan.refused.sort(key=lambda r: r.line)
    plan.earlier = _earlier(plan.fingerprint)
    return plan


def _undo_state(batch_id: int) -> tuple[list[LedgerEntry], list[int], str]:
    """The batch's posted entries, its pending requests, and a token of both
    and of the reversals of its entries, posted or waiting (posting an undo
    refuses if any of it changed since the preview)."""
    entries = list(LedgerEntry.select(LedgerEntry.id, LedgerEntry.customer, LedgerEntry.amount_fen)
                   .where(LedgerEntry.batch == batch_id).order_by(LedgerEntry.id))
    pending = [r.id for r in ChangeRequest.select(ChangeRequest.id).where(
        (ChangeRequest.batch == batch_id) & (ChangeRequest.status == PENDING)).order_by(ChangeRequest.id)]
    ids = [e.id for e in entries]
    reversed_ids = sorted(_reversals_of(batch_id))
    waiting = sorted(_reversals_waiting(batch_id).values())
    state = _fingerprint(ids, reversed_ids, pending, waiting)
    return entries, pending, state


def _entries_of(batch_id: int) -> Any:
    # a subquery, not a list of ids: 100,000 ids are more parameters than PostgreSQL takes
    return LedgerEntry.select(LedgerEntry.id).where(LedgerEntry.batch == batch_id)


def _reversals_of(batch_id: int) -> dict[int, int]:
    """The batch's entries that were reversed: entry id -> its reversal's id."""
    reversal = LedgerEntry.alias()
    return {r: i for i, r in reversal.select(reversal.id, reversal.reverses)
            .where(reversal.reverses.in_(_entries_of(batch_id))).tuples()}


def _reversals_waiting(batch_id: int) -> dict[int, int]:
    """The batch's entries whose reversal waits for approval: entry id -> the request's id."""
    return {r: i for i, r in ChangeRequest.select(ChangeRequest.id, ChangeRequest.reverses).where(
        ChangeRequest.reverses.in_(_entries_of(batch_id)) & (ChangeRequest.status == PENDING)).tuples()}


def plan_undo(actor: Actor, batch_id: int, reason: str, *, progress: Progress = _noop) -> BatchPlan:
    """Preview undoing a batch: a reversal of every posted entry of it (each
    routed by the limit check like any change), and its pending requests
    withdrawn.  Needs ``debt.batch``.  Writes nothing."""
    require(actor, "debt.batch")
    reason = clean_reason(reason)
    b = Batch.get_or_none(Batch.id == batch_id)
    if b is None:
        raise NotFound("batch.not_found", id=batch_id)
    if b.kind == UNDO:
        raise Refused("batch.undo_of_undo", id=b.id, original=b.undoes_id)
    # An earlier undo counts for what it did: its reversals posted, or waiting.
    # One that was rejected (or went stale) reversed nothing, and those rows
    # can be undone again.
    entries, pending, state = _undo_state(b.id)
    plan = BatchPlan(UNDO, "undo", "", reason, _fingerprint(UNDO, b.id), None, undoes=b.id,
                     cancels=tuple(pending), state=state)
    planner = _Planner(actor, plan)
    reversed_by = _reversals_of(b.id)
    waiting = _reversals_waiting(b.id)
    found = _customers(Customer.id, sorted({e.customer_id for e in entries}), progress, len(entries))
    for e in entries:
        c = found[e.customer_id]
        if e.id in reversed_by:
            planner.refuse(0, c.code, ALREADY_REVERSED, t("batch.already_reversed", code=c.code, entry=e.id,
                                                          by=reversed_by[e.id]))
        elif e.id in waiting:
            planner.refuse(0, c.code, REVERSAL_WAITING, t("batch.reversal_waiting", code=c.code, entry=e.id,
                                                          request=waiting[e.id]))
        else:
            planner.add(c, -e.amount_fen, reason, kind=REVERSAL, reverses=e.id)
    if not plan.rows and not plan.cancels:
        done = Batch.select().where(Batch.undoes == b.id).order_by(Batch.id.desc()).first()
        if done is not None and any(r.kind == REVERSAL_WAITING for r in plan.refused):
            raise Refused("batch.undo_waiting", id=b.id, undo=done.id, who=done.actor_name,
                          when=clock.format_local(done.created_at))
        if done is not None:
            raise Refused("batch.already_undone", id=b.id, undo=done.id, who=done.actor_name,
                          when=clock.format_local(done.created_at))
        raise Refused("batch.nothing_to_undo", id=b.id)
    plan.rows.sort(key=lambda r: r.code)
    return plan


# --- posting ---------------------------------------------------------------------------------------


def _needs(plan: BatchPlan) -> tuple[str, ...]:
    return ("debt.batch", "data.import") if plan.kind == FILE else ("debt.batch",)


def _check_unchanged(actor: Actor, plan: BatchPlan) -> None:
    """Inside the writers' lock: the customers, the actor's limit and (for an
    undo) the undone batch are as the preview showed them."""
    if actor.direct_limit_fen != plan.limit_fen:
        raise BatchStale("batch.limit_changed")
    ids = [r.customer_id for r in plan.rows]
    now = _customers(Customer.id, ids, _noop, len(ids))
    moved = [r for r in plan.rows if (now[r.customer_id].balance_fen, now[r.customer_id].version)
             != (r.old_fen, r.version)]
    if moved:
        first = moved[0]
        raise BatchStale("batch.stale", count=len(moved), code=first.code,
                         seen=format_amount(first.old_fen, fen=True),
                         current=format_amount(now[first.customer_id].balance_fen, fen=True))
    if plan.kind == UNDO:
        assert plan.undoes is not None
        # another undo since the preview -- posted or waiting -- shows in the state
        if _undo_state(plan.undoes)[2] != plan.state:
            raise BatchStale("batch.undo_stale", id=plan.undoes)


def post(actor: Actor, plan: BatchPlan, *, skip_refused: bool = False, run_again: bool = False,
         confirm_credit: bool = False, progress: Progress = _noop) -> BatchResult:
    """Write a previewed batch in one transaction -- every row, or nothing.

    Needs ``debt.batch`` (and ``data.import`` for a file).  Refused, with
    nothing written: rows with errors unless ``skip_refused``
    (:class:`BatchRefused`); the same batch run before unless ``run_again``
    (:class:`BatchAlreadyRun`); rows above a credit limit unless
    ``confirm_credit`` (:class:`BatchCreditLimit`); a customer, the actor's
    limit or the undone batch changed since the preview (:class:`BatchStale`).
    Writes the batch, its entries (posted now) and requests (above the
    limit), each with its audit event, and one ``batch.post`` (or
    ``batch.undo``) event."""
    for permission in _needs(plan):
        require(actor, permission)
    if plan.blocking and not skip_refused:
        raise BatchRefused(plan.blocking)
    if plan.earlier is not None and not run_again:  # said first: a re-run of a "set" file changes nothing
        raise _already_run(plan.earlier)
    if not plan.rows and not plan.cancels:
        raise Refused("batch.nothing")
    if plan.over_credit_count and not confirm_credit:
        first = next(r for r in plan.rows if r.over_credit)
        raise BatchCreditLimit(n=plan.over_credit_count, code=first.code, new=format_amount(first.new_fen, fen=True),
                               limit=format_amount(first.credit_limit_fen or 0, fen=True))
    total = len(plan.rows) + len(plan.cancels)
    with checked_write(actor, *_needs(plan)):
        rerun_of = None
        if plan.kind != UNDO:
            earlier = _earlier(plan.fingerprint)
            if earlier is not None and not run_again:
                raise _already_run(earlier)
            rerun_of = earlier.id if earlier else None
        _check_unchanged(actor, plan)
        now = clock.utcnow()
        b = Batch.create(
            kind=plan.kind, operation=plan.operation, amount=plan.figure, reason=plan.reason,
            file_name=plan.file_name[:300], file_sha256=plan.file_sha256, fingerprint=plan.fingerprint,
            rerun_of=rerun_of, undoes=plan.undoes, actor=actor.user_id, actor_name=actor.username, created_at=now,
            row_count=plan.count, posted_count=plan.posts_now_count, requested_count=plan.approval_count,
            skipped_count=len(plan.refused), total_change_fen=sum(r.change_fen for r in plan.rows))
        audit.append(actor, [_batch_event(actor, plan, b, now)])
        source = _source(plan, b.id)
        done = 0
        progress("post", 0, total)
        for i in range(0, len(plan.rows), POST_CHUNK):
            _post_rows(actor, plan.rows[i:i + POST_CHUNK], b.id, source, plan.limit_fen, now)
            done += len(plan.rows[i:i + POST_CHUNK])
            progress("post", done, total)
        if plan.cancels:
            _withdraw(actor, list(plan.cancels), plan.reason, b.id, now)
            progress("post", total, total)
        view = _view(Batch.get_by_id(b.id))
    return BatchResult(view, plan.posts_now_count, plan.approval_count, len(plan.cancels),
                       from_fen(sum(r.change_fen for r in plan.rows if not r.posts_now)))


def _already_run(earlier: BatchView) -> BatchAlreadyRun:
    return BatchAlreadyRun(id=earlier.id, who=earlier.actor_name, when=clock.format_local(earlier.created_at))


def _source(plan: BatchPlan, batch_id: int) -> str:
    if plan.kind == FILE:
        return f"batch:{batch_id} import:{plan.file_name}"[:300]
    return f"batch:{batch_id}"


def _batch_event(actor: Actor, plan: BatchPlan, b: Batch, at: datetime) -> dict[str, object]:
    after: dict[str, object] = {
        "kind": plan.kind, "operation": plan.operation, "count": plan.count, "posted": plan.posts_now_count,
        "requested": plan.approval_count, "skipped": len(plan.refused),
        "total_change": format_amount(plan.total_change, signed=True)}
    if plan.figure:
        after["figure"] = plan.figure
    if plan.file_name:
        after.update(file=plan.file_name, sha256=plan.file_sha256)
    if b.rerun_of_id:
        after["rerun_of"] = b.rerun_of_id
    if plan.undoes:
        after.update(undoes=plan.undoes, withdrawn=len(plan.cancels))
    if plan.over_credit_count:
        after["over_credit_limit"] = plan.over_credit_count
    return audit.event_fields(actor, "batch.undo" if plan.kind == UNDO else "batch.post", entity="batch",
                              entity_id=b.id, after=after, reason=plan.reason, at=at)


def _row_extra(row: PlanRow, batch_id: int) -> dict[str, object]:
    extra: dict[str, object] = {"batch": batch_id}
    if row.over_credit and row.credit_limit_fen is not None:
        extra["over_credit_limit"] = format_amount(row.credit_limit_fen, fen=True)
    if row.reverses is not None:
        extra["reverses"] = row.reverses
    return extra


def _post_rows(actor: Actor, rows: Sequence[PlanRow], batch_id: int, source: str, limit_fen: int | None,
               at: datetime) -> None:
    now_rows = [r for r in rows if r.posts_now]
    later = [r for r in rows if not r.posts_now]
    entry_ids = ledger.post_entries(actor, [
        NewEntry(r.customer_id, r.kind, r.change_fen, r.old_fen, r.reason, source, r.reverses, r.over_credit)
        for r in now_rows], at=at, batch=batch_id)
    request_ids = approvals.open_requests(actor, [
        NewRequest(r.customer_id, r.kind, r.old_fen, r.version, r.change_fen, r.reason, source, r.reverses,
                   r.over_credit) for r in later], at=at, batch=batch_id)
    action = "debt.reverse" if rows and rows[0].kind == REVERSAL else "debt.batch"
    limit = None if limit_fen is None else from_fen(limit_fen)
    audit.record_many(
        [approvals.entry_event(actor, action, eid, r.customer_id, r.old_fen, r.change_fen, r.reason,
                               _row_extra(r, batch_id), at) for eid, r in zip(entry_ids, now_rows)]
        + [approvals.request_event(actor, rid, r.customer_id, r.old_fen, r.change_fen, r.kind, limit, r.reason,
                                   _row_extra(r, batch_id), at) for rid, r in zip(request_ids, later)])


def _withdraw(actor: Actor, request_ids: list[int], reason: str, batch_id: int, at: datetime) -> None:
    """An undo withdraws the undone batch's requests that still wait: approved
    later, they would post what the undo took back."""
    requests = [r for i in range(0, len(request_ids), CHUNK) for r in
                ChangeRequest.select(ChangeRequest.id, ChangeRequest.customer)
                .where(ChangeRequest.id.in_(request_ids[i:i + CHUNK]))]
    approvals.close_requests(actor, CANCELLED, reason, request_ids, at=at)
    audit.record_many([audit.event_fields(actor, "debt.cancel", entity="change_request", entity_id=r.id,
                                          customer_id=r.customer_id, after={"status": CANCELLED, "batch": batch_id},
                                          reason=reason, at=at) for r in requests])


# --- deciding a batch's requests --------------------------------------------------------------------


@dataclass(frozen=True)
class BatchDecision:
    batch_id: int
    approved: int
    rejected: int
    stale: int
    stale_codes: tuple[str, ...]  # the first few customers that moved

    def summary(self) -> str:
        if self.rejected:
            return t("batch.rejected", id=self.batch_id, n=self.rejected)
        text = t("batch.approved", id=self.batch_id, n=self.approved)
        if self.stale:
            text += t("batch.approved_stale", n=self.stale, codes=t("list.separator").join(self.stale_codes))
        return text


def _pending_of(actor: Actor, batch_id: int, own: str = "request.own") -> list[ChangeRequest]:
    b = Batch.get_or_none(Batch.id == batch_id)
    if b is None:
        raise NotFound("batch.not_found", id=batch_id)
    pending = list(ChangeRequest.select().where((ChangeRequest.batch == batch_id) & (ChangeRequest.status == PENDING))
                   .order_by(ChangeRequest.id))
    if not pending:
        raise Refused("batch.none_pending", id=batch_id)
    if any(approvals.is_requester(r, actor) for r in pending):
        raise Refused(own, id=batch_id)
    return pending


def approve_batch(actor: Actor, batch_id: int, note: str = "", *, progress: Progress = _noop) -> BatchDecision:
    """Approve every request of a batch that still waits, in one transaction.
    Needs ``debt.approve``; never by the requester.  A request whose customer
    moved since it was made is not posted but marked stale, as
    :func:`approvals.approve` would; the rest post, naming both people."""
    require(actor, "debt.approve")
    note = clean_reason(note, field="note") if (note or "").strip() else ""
    with checked_write(actor, "debt.approve"):
        pending = _pending_of(actor, batch_id)
        customers = _customers(Customer.id, sorted({r.customer_id for r in pending}), _noop, len(pending))
        reversed_now = approvals.reversed_by([r.reverses_id for r in pending if r.reverses_id is not None])
        now = clock.utcnow()
        current, stale = [], []
        for r in pending:
            c = customers[r.customer_id]
            moved = (c.balance_fen, c.version) != (r.seen_balance_fen, r.seen_version)
            # a reversal whose entry was reversed meanwhile must not post twice: stale too
            (stale if moved or r.reverses_id in reversed_now else current).append(r)
        events = [audit.event_fields(actor, "batch.approve", entity="batch", entity_id=batch_id,
                                     after={"approved": len(current), "stale": len(stale),
                                            "total_change": format_amount(sum(r.change_fen for r in current),
                                                                          fen=True, signed=True)},
                                     reason=note, at=now)]
        for i in range(0, len(current), POST_CHUNK):
            part = current[i:i + POST_CHUNK]
            entry_ids = ledger.post_entries(
                approvals.requester_of(part[0]),
                [NewEntry(r.customer_id, r.kind, r.change_fen, r.seen_balance_fen, r.reason, r.source, r.reverses_id,
                          r.over_credit_limit) for r in part], at=now, batch=batch_id, approver=actor)
            approvals.close_requests(actor, approvals.APPROVED, note, [r.id for r in part], at=now, entries=entry_ids)
            events += [approvals.entry_event(actor, "debt.approve", eid, r.customer_id, r.seen_balance_fen,
                                             r.change_fen, r.reason,
                                             approvals.approval_extra(r, note, customers[r.customer_id].credit_limit_fen),
                                             now) for eid, r in zip(entry_ids, part)]
            progress("post", i + len(part), len(pending))
        if stale:
            approvals.close_requests(actor, approvals.STALE, note, [r.id for r in stale], at=now)
            events += [approvals.stale_event(actor, r, customers[r.customer_id].balance_fen,
                                             customers[r.customer_id].version, note, now) for r in stale]
        audit.append(actor, events)
    return BatchDecision(batch_id, len(current), 0, len(stale),
                         tuple(customers[r.customer_id].code for r in stale[:5]))


def reject_batch(actor: Actor, batch_id: int, note: str) -> BatchDecision:
    """Reject every request of a batch that still waits; the note (why) is
    required.  Needs ``debt.approve``; the requester undoes the batch instead."""
    require(actor, "debt.approve")
    note = clean_reason(note, field="reject_note")
    with checked_write(actor, "debt.approve"):
        pending = _pending_of(actor, batch_id, own="batch.own_reject")
        now = clock.utcnow()
        approvals.close_requests(actor, REJECTED, note, [r.id for r in pending], at=now)
        audit.append(actor, [audit.event_fields(actor, "batch.reject", entity="batch", entity_id=batch_id,
                                                after={"rejected": len(pending)}, reason=note, at=now)]
                     + [audit.event_fields(actor, "debt.reject", entity="change_request", entity_id=r.id,
                                           customer_id=r.customer_id,
                                           after={"status": REJECTED, "requester": r.requester_name,
                                                  "batch": batch_id}, reason=note, at=now) for r in pending])
    return BatchDecision(batch_id, 0, len(pending), 0, ())


# --- reading --------------------------------------------------------------------------------------------


def _view(b: Batch) -> BatchView:
    return _views([b])[0]


def get_batch(actor: Actor, batch_id: int) -> BatchView:
    require(actor, "customer.view")
    b = Batch.get_or_none(Batch.id == batch_id)
    if b is None:
        raise NotFound("batch.not_found", id=batch_id)
    return _view(b)


def _views(batches: list[Batch]) -> list[BatchView]:
    """Views with what the ledger and the requests say now: requests still
    waiting, the change posted so far, and the undo that counts -- one that
    reversed something, or whose reversals wait; a rejected or stale undo
    reversed nothing and does not."""
    ids = [b.id for b in batches]
    if not ids:
        return []
    undos = dict(Batch.select(Batch.id, Batch.undoes).where(Batch.undoes.in_(ids)).tuples())
    every = ids + list(undos)
    requests: dict[int, dict[str, tuple[int, int]]] = {}  # batch -> status -> (count, change)
    for k, status, n, total in (ChangeRequest.select(ChangeRequest.batch, ChangeRequest.status,
                                                     fn.COUNT(ChangeRequest.id), fn.SUM(ChangeRequest.change_fen))
                                .where(ChangeRequest.batch.in_(every))
                                .group_by(ChangeRequest.batch, ChangeRequest.status).tuples()):
        requests.setdefault(k, {})[status] = (int(n), int(total or 0))
    pending = {k: by[PENDING][0] for k, by in requests.items() if PENDING in by}
    posted = {k: (int(total or 0), int(n)) for k, total, n in
              LedgerEntry.select(LedgerEntry.batch, fn.SUM(LedgerEntry.amount_fen), fn.COUNT(LedgerEntry.id))
              .where(LedgerEntry.batch.in_(every)).group_by(LedgerEntry.batch).tuples()}
    undone: dict[int, tuple[int, bool]] = {}
    for undo_id in sorted(undos):  # the latest that counts wins
        did, waits = posted.get(undo_id, (0, 0))[1] > 0, pending.get(undo_id, 0) > 0
        if did or waits:
            undone[undos[undo_id]] = (undo_id, not did)
    views = []
    for b in batches:
        undo_id, waiting = undone.get(b.id, (None, False))
        views.append(BatchView(
            b.id, b.kind, b.operation, b.amount, b.reason, b.file_name, b.file_sha256, b.actor_name, b.created_at,
            b.row_count, b.posted_count, b.requested_count, b.skipped_count, from_fen(b.total_change_fen),
            b.rerun_of_id, b.undoes_id, undo_id, pending.get(b.id, 0), waiting,
            from_fen(posted.get(b.id, (0, 0))[0]),
            from_fen(requests.get(b.id, {}).get(PENDING, (0, 0))[1]),
            sum(n for status, (n, _) in requests.get(b.id, {}).items() if status in (REJECTED, approvals.STALE, CANCELLED))))
    return views


def list_batches(actor: Actor, *, limit: int = 200, before_id: int | None = None) -> list[BatchView]:
    """Batches, newest first, a page at a time.  Needs ``customer.view``."""
    require(actor, "customer.view")
    q = Batch.select()
    if before_id is not None:
        q = q.where(Batch.id < before_id)
    return _views(list(q.order_by(Batch.id.desc()).limit(limit)))


def pending_batches(actor: Actor) -> list[BatchView]:
    """Batches with requests waiting, oldest first: all of them for an
    approver, your own otherwise (as :func:`approvals.pending_requests`)."""
    require(actor, "customer.view")
    waiting = ChangeRequest.select(ChangeRequest.batch).where(
        (ChangeRequest.status == PENDING) & ChangeRequest.batch.is_null(False))
    q = Batch.select().where(Batch.id.in_(waiting))
    if not actor.can("debt.approve"):
        q = q.where(Batch.actor == actor.user_id)
    return _views(list(q.order_by(Batch.id)))


@dataclass(frozen=True)
class BatchLine:
    """One customer of a batch: what it did to them and where that stands."""

    customer_id: int
    code: str
    name: str
    kind: str
    old: Decimal
    new: Decimal
    change: Decimal
    status: str  # "posted", "approved", or a request's pending / rejected / cancelled / stale
    who: str  # requester, or requester/approver
    reason: str
    entry_id: int | None = None
    request_id: int | None = None
    reversed_by: int | None = None  # the entry that reversed it (an undo, or by hand)


def batch_lines(actor: Actor, batch_id: int) -> list[BatchLine]:
    """Every row of a batch, in code order: its entries (posted at once or on
    approval) and its requests that did not post.  Needs ``customer.view``."""
    require(actor, "customer.view")
    if Batch.get_or_none(Batch.id == batch_id) is None:
        raise NotFound("batch.not_found", id=batch_id)
    entries = list(LedgerEntry.select(LedgerEntry, Customer.id, Customer.code, Customer.name).join(Customer)
                   .where(LedgerEntry.batch == batch_id))
    reversed_ = approvals.reversed_by([e.id for e in entries])
    lines = [BatchLine(e.customer_id, e.customer.code, e.customer.name, e.kind, from_fen(e.balance_before_fen),
                       from_fen(e.balance_after_fen), from_fen(e.amount_fen),
                       "approved" if e.approved_by_name else "posted",
                       f"{e.actor_name}/{e.approved_by_name}" if e.approved_by_name else e.actor_name, e.reason,
                       entry_id=e.id, reversed_by=reversed_.get(e.id)) for e in entries]
    requests = (ChangeRequest.select(ChangeRequest, Customer.id, Customer.code, Customer.name).join(Customer)
                .where((ChangeRequest.batch == batch_id) & (ChangeRequest.status != approvals.APPROVED)))
    lines += [BatchLine(r.customer_id, r.customer.code, r.customer.name, r.kind, from_fen(r.seen_balance_fen),
                        from_fen(r.new_balance_fen), from_fen(r.change_fen), r.status, r.requester_name, r.reason,
                        request_id=r.id) for r in requests]
    lines.sort(key=lambda line: line.code)
    return lines


__all__ = ["Operation", "make_operation", "OPERATIONS", "BatchPlan", "PlanRow", "Refusal", "BatchView",
           "BatchResult", "BatchDecision", "BatchLine", "plan_selection", "plan_file", "plan_undo", "post",
           "approve_batch", "reject_batch", "get_batch", "list_batches", "pending_batches", "batch_lines",
           "DEBT_COLUMNS", "MAX_ROWS", "SELECTION", "FILE", "UNDO", "route_label", "describe"]
