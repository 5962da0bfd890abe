"""Batches (批次): every batch, newest first, and one batch row by row.

In a batch: ``y`` approves every request of it that still waits, ``n``
rejects them (with a reason) -- finance decides the batch as a whole -- and
Enter on a waiting row opens that one request to decide it alone.  ``u``
undoes the batch: a reversal of every posted row, previewed first, through
approval where a row is above the limit.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from .. import clock
from ..i18n import t
from ..money import format_amount
from ..services import batch
from ..services.batch import BatchLine, BatchResult, BatchView, Progress
from ..widgets.cells import cell, label, money_cell, money_width
from ..widgets.virtual_table import Column, VirtualTable
from .batch_dialog import open_preview
from .progress import Outcome, ProgressDialog
from .prompt import TextPromptDialog

PAGE = 200


def batch_state(b: BatchView) -> str:
    parts = []
    if b.pending:
        parts.append(t("batches.pending", n=f"{b.pending:,}"))
    if b.undone_by:
        parts.append(t("batches.undo_waiting" if b.undo_pending else "batches.undone", id=b.undone_by))
    if b.not_posted:
        parts.append(t("batches.not_posted", n=f"{b.not_posted:,}"))
    if b.rerun_of:
        parts.append(t("batches.rerun", id=b.rerun_of))
    return " ".join(parts)


class BatchesScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="batches.back"),
        Binding("f5", "refresh", t("key.refresh"), id="batches.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(t("batches.title"), classes="section", markup=False)
        yield VirtualTable(id="batches")
        yield Static(id="batches-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.batches: list[BatchView] = []
        self.reload()
        self.set_focus(self.query_one("#batches"))

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        ok, rows = self.app.attempt(batch.list_batches, self.app.actor, limit=PAGE)
        self.batches = batches = rows or []
        table = self.query_one("#batches", VirtualTable)
        cursor = table.cursor
        m = money_width((b.posted_change for b in batches), cell_len(t("batches.posted")))
        state = max((cell_len(batch_state(b)) for b in batches), default=4)
        state = min(max(state, 4), 16)
        # 80 columns: what takes the rest (Enter shows all of it)
        what = max(8, (self.size.width or 80) - 4 - 16 - 8 - 6 - m - state - 7 - 2 - 1)
        columns = [Column("#", 4, "right"), Column(t("col.when"), 16), Column(t("col.who"), 8),
                   Column(t("batches.what"), what), Column(t("batches.rows"), 6, "right"),
                   Column(t("batches.posted"), m, "right"), Column(t("request.status"), state)]
        table.set_rows(len(batches), lambda i: (
            cell(batches[i].id), cell(clock.format_local(batches[i].created_at)), cell(batches[i].actor_name),
            cell(batches[i].describe()), Text(f"{batches[i].row_count:,}"),
            money_cell(batches[i].posted_change, signed=True),
            cell(batch_state(batches[i]), style="yellow" if batches[i].pending else "")), columns)
        if batches:
            table.cursor = min(cursor, len(batches) - 1)
        self.query_one("#batches-status", Static).update(
            t("list.count", shown=len(batches), more="") if batches else t("batches.none"))

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        if self.app.screen is self:
            self.app.push_screen(BatchScreen(self.batches[event.index].id))

    def action_refresh(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)


class BatchScreen(Screen[None]):
    """One batch: what it was, and every row with where it stands."""

    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="batch.back"),
        Binding("y", "approve", t("key.approve_all"), id="batch.approve"),
        Binding("n", "reject", t("key.reject_all"), id="batch.reject"),
        Binding("u", "undo", t("key.undo_batch"), id="batch.undo"),
    ]

    def __init__(self, batch_id: int) -> None:
        super().__init__()
        self.batch_id = batch_id
        self.view: BatchView | None = None
        self.lines: list[BatchLine] = []

    def compose(self) -> ComposeResult:
        yield Static(id="batch-title", classes="section", markup=False)
        yield Static(id="batch-meta", markup=False)
        yield VirtualTable(id="batch-lines")
        yield Static(id="batch-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.query_one(VirtualTable))

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        actor = self.app.actor
        ok, view = self.app.attempt(batch.get_batch, actor, self.batch_id)
        if not ok or view is None:
            self.dismiss(None)
            return
        self.view = view
        ok, lines = self.app.attempt(batch.batch_lines, actor, self.batch_id)
        self.lines = lines or []
        self.query_one("#batch-title", Static).update(t("batch.title", id=view.id, what=view.describe()))
        meta = label((f"{t('col.who')} ", "dim"), view.actor_name, (f"  {t('col.when')} ", "dim"),
                     clock.format_local(view.created_at), (f"  {t('col.reason')} ", "dim"), view.reason or "-",
                     (f"\n{t('batch.planned')} ", "dim"), format_amount(view.total_change, signed=True),
                     (f"  {t('batch.posted_so_far')} ", "dim"), format_amount(view.posted_change, signed=True))
        if view.file_name:
            meta.append_text(label(("\n" + t("batch.file") + " ", "dim"), view.file_name,
                                   ("  SHA-256 ", "dim"), view.file_sha256[:16] + "…"))
        state = batch_state(view)
        if state:
            meta.append_text(label(("\n", ""), (state, "yellow")))
        self.query_one("#batch-meta", Static).update(meta)
        lines = self.lines
        m = money_width((a for x in lines for a in (x.old, x.new, x.change)), 8)
        columns = [Column(t("list.code"), 10), Column(t("list.name"), max(8, 80 - 10 - 3 * m - 10 - 8 - 8)),
                   Column(t("preview.col.then"), m, "right"), Column(t("preview.col.new"), m, "right"),
                   Column(t("col.change"), m, "right"), Column(t("request.status"), 10)]
        self.query_one(VirtualTable).set_rows(len(lines), lambda i: self._cells(lines[i]), columns)
        self.query_one("#batch-status", Static).update(t("batch.hint", n=f"{len(lines):,}"))

    @staticmethod
    def _cells(line: BatchLine) -> list[Text]:
        status = t(f"batch.status.{line.status}")
        if line.reversed_by:
            status += " " + t("batch.status.reversed")
        return [cell(line.code), cell(line.name), money_cell(line.old), money_cell(line.new),
                money_cell(line.change, signed=True),
                cell(status, style="yellow" if line.status == "pending" else ("dim" if line.reversed_by else ""))]

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        line = self.lines[event.index]
        if line.request_id is not None:
            from .approvals import RequestScreen

            self.app.push_screen(RequestScreen(line.request_id))
        else:
            from .customer_detail import CustomerDetailScreen

            self.app.push_screen(CustomerDetailScreen(line.customer_id))

    # --- deciding and undoing --------------------------------------------------------------------

    def _decide(self, title: str, field_label: str, decide) -> None:
        view = self.view
        if view is None:
            return
        if not view.pending:
            self.app.notify(t("batch.none_pending", id=view.id), severity="error", markup=False)
            return
        actor = self.app.actor

        def submit(note: str, _confirm: bool) -> str:
            return note

        def noted(note: object) -> None:
            if note is None:
                return

            def done(outcome: Outcome) -> None:
                if outcome.error is not None:
                    self.app.report(outcome.error)
                elif outcome.ok:
                    self.app.notify(outcome.result.summary(), markup=False, timeout=10)
                self.reload()

            self.app.push_screen(ProgressDialog(title, lambda p: decide(actor, view.id, str(note), p), writes=True),
                                 done)

        lines = [label(view.describe(), "  ", t("batches.pending", n=f"{view.pending:,}"))]
        self.app.push_screen(TextPromptDialog(title, lines, field_label, self._checked(submit, decide)), noted)

    def _checked(self, submit, decide):
        """A rejection needs a note: say so in the dialog, before any work starts."""
        if decide is not _reject:
            return submit

        def check(note: str, confirm: bool) -> str:
            from ..text import clean_reason

            clean_reason(note, field="reject_note")
            return submit(note, confirm)
        return check

    def action_approve(self) -> None:
        if self.app.require("debt.approve", t("key.approve_all")):
            self._decide(t("batch.approve_title", id=self.batch_id), t("note.optional"), _approve)

    def action_reject(self) -> None:
        if self.app.require("debt.approve", t("key.reject_all")):
            self._decide(t("batch.reject_title", id=self.batch_id), t("note.required"), _reject)

    def action_undo(self) -> None:
        if not self.app.require("debt.batch", t("key.undo_batch")) or self.view is None:
            return
        actor, batch_id = self.app.actor, self.batch_id

        def submit(reason: str, _confirm: bool) -> str:
            from ..text import clean_reason

            return clean_reason(reason)

        def reasoned(reason: object) -> None:
            if reason is None:
                return

            def done(_result: BatchResult | None) -> None:
                self.reload()

            open_preview(self.app, lambda p: batch.plan_undo(actor, batch_id, str(reason), progress=p), done)

        self.app.push_screen(TextPromptDialog(t("batch.undo_title", id=batch_id), [label(self.view.describe())],
                                              t("setdebt.reason"), submit), reasoned)

    def action_back(self) -> None:
        self.dismiss(None)


def _approve(actor, batch_id: int, note: str, progress: Progress):
    return batch.approve_batch(actor, batch_id, note, progress=progress)


def _reject(actor, batch_id: int, note: str, _progress: Progress):
    return batch.reject_batch(actor, batch_id, note)
