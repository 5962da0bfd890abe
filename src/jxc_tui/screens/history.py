"""A customer's history: every change, old -> new, who, when, why -- and
the approval requests: an approved change is one row naming requester and
approver ("clerk/finance"); pending and refused requests show their status."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import clock
from ..i18n import t
from ..services import history
from ..services.customers import CustomerView
from ..widgets.cells import cell, label


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", t("key.back"), id="history.back"),
        Binding("X", "export", t("key.export"), id="history.export"),
    ]

    def action_export(self) -> None:
        from .export_dialog import export_customer_history

        export_customer_history(self.app, self.customer)

    def __init__(self, customer: CustomerView) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        yield Static(label((t("history.title", code="", name="").strip() + " ", "bold"),
                           self.customer.code, " ", self.customer.name), id="history-head")
        table: DataTable[object] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        table.add_column(t("col.when"), width=16)
        table.add_column(t("col.who"), width=13)  # "requester/approver"
        table.add_column(t("col.what"), width=8)  # "信用额度"
        # old/new hold amounts: sized to the widest, never cut
        table.add_column(t("col.old"))
        table.add_column(t("col.new"))
        table.add_column(t("col.reason"), width=9)  # Enter shows it in full
        yield table
        yield Static(id="history-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        ok, rows = self.app.attempt(history.customer_history, self.app.actor, self.customer.id,
                                    limit=history.HISTORY_LIMIT)
        self.history_rows = rows or []
        table = self.query_one("#history", DataTable)
        for r in self.history_rows:
            old = r.old if r.old else t("history.none")
            new_style = "bold" if r.is_money else ("italic" if r.status else "")
            table.add_row(cell(clock.format_local(r.when)), cell(who_label(r)),
                          cell(what_label(r), style="yellow" if r.status else ""),
                          cell(old, style="dim" if not r.old else ""), cell(r.new, style=new_style),
                          cell(r.reason))
        capped = len(self.history_rows) >= history.HISTORY_LIMIT
        self.query_one("#history-status", Static).update(
            t("history.capped", n=len(self.history_rows)) if capped else t("list.count", shown=len(self.history_rows), more=""))
        self.set_focus(table)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .details import DetailsDialog

        r = self.history_rows[event.cursor_row]
        pairs: list[tuple[str, object]] = [
            (t("col.when"), clock.format_local(r.when, seconds=True)),
            (t("request.requester") if (r.approver or r.status) else t("col.who"), r.who),
        ]
        if r.approver:
            pairs.append((t("entry.approved_by"), r.approver))
        pairs += [(t("col.what"), what_label(r)), (t("col.old"), r.old or t("history.none")), (t("col.new"), r.new),
                  (t("col.change"), r.change), (t("col.reason"), r.reason), (t("col.source"), r.source)]
        if r.status and r.decider:
            pairs += [(t("request.decider"), r.decider), (t("field.note"), r.note)]
        if r.request_id:
            pairs.append((t("field.request"), f"#{r.request_id}"))
        if r.reverses_id:
            pairs.append((t("request.reverses"), f"#{r.reverses_id}"))
        if r.over_credit_limit:
            pairs.append((t("field.credit_limit"), t("entry.over_credit")))
        self.app.push_screen(DetailsDialog(f"{self.customer.code} {self.customer.name}", pairs))


def who_label(r: history.HistoryRow) -> str:
    """The person; for a change posted on approval, requester/approver."""
    return f"{r.who}/{r.approver}" if r.approver else r.who


def what_label(r: history.HistoryRow) -> str:
    if r.status:
        return t(f"request.status.{r.status}")
    return t(f"kind.{r.what}") if r.is_money else t(f"field.{r.what}")
