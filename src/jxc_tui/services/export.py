"""Exports: customers (the current search, or all) and the ledger history
(one customer, or everyone), to CSV (UTF-8 with a BOM, for Excel) or XLSX.

An export needs ``data.export`` and is audited: the file is written beside
its destination under a temporary name, the ``export.*`` event (file name,
rows, SHA-256 of the contents) is recorded, and only then is the file put in
place -- an export that could not be recorded leaves no file behind.  Rows
are read a page at a time inside one snapshot, so a large export neither
holds them all in memory nor mixes two moments of the books.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import clock
from ..db import read_snapshot
from ..errors import JxcError, NotFound, ValidationError
from ..i18n import t
from ..models import Customer, LedgerEntry
from ..money import from_fen
from ..text import safe_file_name
from . import audit, customers
from .policy import Actor, checked_write, require
from .tabular import write_table

PAGE = 2000

# (rows written so far); called from the thread doing the work.
ExportProgress = Callable[[int], None]


@dataclass(frozen=True)
class ExportReport:
    path: Path
    rows: int
    sha256: str
    event_id: int

    def summary(self) -> str:
        return t("export.done", rows=self.rows, path=self.path)


class ExportFailed(JxcError):
    key = "file.unwritable"


def _target(path: str | os.PathLike[str], overwrite: bool) -> Path:
    p = Path(path).expanduser()
    if p.suffix.lower() not in (".csv", ".xlsx") and not p.is_dir():
        raise ValidationError("export.bad_suffix", path=p, suffix=p.suffix or "-")  # .txt would be a CSV in disguise
    if p.is_dir():
        raise ValidationError("file.is_directory", path=p)
    if p.exists() and not overwrite:
        raise ValidationError("export.exists", path=p)
    if not p.parent.is_dir():
        raise ValidationError("export.no_folder", path=p.parent)
    return p


def _write(actor: Actor, action: str, path: Path, header: list[str], rows: Iterator[list[Any]],
           details: dict[str, Any], progress: ExportProgress | None, permissions: tuple[str, ...]) -> ExportReport:
    try:
        # a name of our own beside the target (never someone's file), ending as
        # the target does: the suffix says CSV or XLSX
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
        os.close(fd)
        partial = Path(name)
    except OSError as error:
        raise ExportFailed(path=path, reason=error.strerror or error) from None
    try:
        with read_snapshot():
            count = write_table(partial, header, rows, progress=progress)
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        with checked_write(actor, *permissions):
            event_id = audit.record(actor, action, entity="file", entity_id=digest,
                                    after={"file": safe_file_name(path.name), "rows": count, "sha256": digest,
                                           **details})
            os.replace(partial, path)
    except OSError as error:
        raise ExportFailed(path=path, reason=error.strerror or error) from None
    finally:
        partial.unlink(missing_ok=True)
    return ExportReport(path, count, digest, event_id)


def customer_header() -> list[str]:
    return [t("field.code"), t("field.name"), t("field.contact"), t("field.phone"), t("field.address"),
            t("export.debt"), t("field.credit_limit")]


def export_customers(actor: Actor, path: str | os.PathLike[str], *, query: str = "", sort: str = "code",
                     overwrite: bool = False, progress: ExportProgress | None = None) -> ExportReport:
    """The customers matching ``query`` (all when empty), in the order the
    list shows them.  Needs ``data.export``; records ``export.customers``."""
    require(actor, "data.export")
    target = _target(path, overwrite)

    def rows() -> Iterator[list[Any]]:
        after = None
        while True:
            page = customers.search_customers(actor, query, sort=sort, limit=PAGE, after=after)
            for c in page.rows:
                yield [c.code, c.name, c.contact, c.phone, c.address, c.balance, c.credit_limit]
            if not page.has_more:
                return
            after = page.cursor

    details: dict[str, Any] = {"query": customers.normalise_query(query)} if query.strip() else {}
    return _write(actor, "export.customers", target, customer_header(), rows(), details, progress,
                  ("data.export",))


def history_header() -> list[str]:
    return [t("col.when"), t("field.code"), t("field.name"), t("col.kind"), t("col.change"), t("col.old"),
            t("col.new"), t("col.reason"), t("col.who"), t("entry.approved_by"), t("col.source"),
            t("export.batch"), t("export.entry"), t("request.reverses")]


def export_history(actor: Actor, path: str | os.PathLike[str], *, customer_id: int | None = None,
                   overwrite: bool = False, progress: ExportProgress | None = None) -> ExportReport:
    """Every ledger entry -- of one customer, or of everyone (which also needs
    ``history.view``) -- oldest first, old -> new, who, approver, why.  Needs
    ``data.export``; records ``export.history``."""
    require(actor, "data.export")
    if customer_id is None:
        require(actor, "history.view")
    elif Customer.get_or_none(Customer.id == customer_id) is None:
        raise NotFound("customer.not_found")
    target = _target(path, overwrite)

    def rows() -> Iterator[list[Any]]:
        last = 0
        while True:
            q = (LedgerEntry.select(LedgerEntry, Customer.id, Customer.code, Customer.name).join(Customer)
                 .where(LedgerEntry.id > last))
            if customer_id is not None:
                q = q.where(LedgerEntry.customer == customer_id)
            page = list(q.order_by(LedgerEntry.id).limit(PAGE))
            for e in page:
                yield [clock.format_local(e.created_at, seconds=True), e.customer.code, e.customer.name,
                       t(f"kind.{e.kind}"), from_fen(e.amount_fen), from_fen(e.balance_before_fen),
                       from_fen(e.balance_after_fen), e.reason, e.actor_name, e.approved_by_name, e.source,
                       e.batch_id, e.id, e.reverses_id]
            if len(page) < PAGE:
                return
            last = page[-1].id

    details: dict[str, Any] = {}
    if customer_id is not None:
        details["customer"] = Customer.get_by_id(customer_id).code
    needs = ("data.export",) if customer_id is not None else ("data.export", "history.view")
    return _write(actor, "export.history", target, history_header(), rows(), details, progress, needs)


__all__ = ["ExportReport", "export_customers", "export_history", "customer_header", "history_header"]
