"""A customer's history: every change, old -> new, who, when, why."""

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
    BINDINGS = [Binding("escape", "app.pop_screen", t("key.back"), id="history.back")]

    def __init__(self, customer: CustomerView) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        yield Static(label((t("history.title", code="", name="").strip() + " ", "bold"),
                           self.customer.code, " ", self.customer.name), id="history-head")
        table: DataTable[object] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        table.add_column(t("col.when"), width=16)
        table.add_column(t("col.who"), width=7)
        table.add_column(t("col.what"), width=6)
        # old/new hold amounts: sized to the widest, never cut
        table.add_column(t("col.old"))
        table.add_column(t("col.new"))
        table.add_column(t("col.reason"), width=13)
        yield table
        yield Static(id="history-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        ok, rows = self.app.attempt(history.customer_history, self.app.actor, self.customer.id,
                                    limit=history.HISTORY_LIMIT)
        self.history_rows = rows or []
        table = self.query_one("#history", DataTable)
        for r in self.history_rows:
            what = t(f"kind.{r.what}") if r.is_money else t(f"field.{r.what}")
            old = r.old if r.old else t("history.none")
            new_style = "" if not r.is_money else "bold"
            table.add_row(cell(clock.format_local(r.when)), cell(r.who), cell(what),
                          cell(old, style="dim" if not r.old else ""), cell(r.new, style=new_style),
                          cell(r.reason))
        capped = len(self.history_rows) >= history.HISTORY_LIMIT
        self.query_one("#history-status", Static).update(
            t("history.capped", n=len(self.history_rows)) if capped else t("list.count", shown=len(self.history_rows), more=""))
        self.set_focus(table)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .details import DetailsDialog

        r = self.history_rows[event.cursor_row]
        what = t(f"kind.{r.what}") if r.is_money else t(f"field.{r.what}")
        self.app.push_screen(DetailsDialog(f"{self.customer.code} {self.customer.name}", [
            (t("col.when"), clock.format_local(r.when, seconds=True)), (t("col.who"), r.who),
            (t("col.what"), what), (t("col.old"), r.old or t("history.none")), (t("col.new"), r.new),
            (t("col.change"), r.change), (t("col.reason"), r.reason), (t("col.source"), r.source),
        ]))
