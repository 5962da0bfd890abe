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
        table.add_column(t("col.who"), width=8)
        table.add_column(t("col.what"), width=8)
        table.add_column(t("col.old"), width=13)
        table.add_column(t("col.new"), width=13)
        table.add_column(t("col.reason"), width=20)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        ok, rows = self.app.attempt(history.customer_history, self.app.actor, self.customer.id)
        table = self.query_one("#history", DataTable)
        for r in rows or []:
            what = t(f"kind.{r.what}") if r.is_money else t(f"field.{r.what}")
            old = r.old if r.old else t("history.none")
            new_style = "" if not r.is_money else "bold"
            table.add_row(cell(clock.format_local(r.when)), cell(r.who), cell(what),
                          cell(old, style="dim" if not r.old else ""), cell(r.new, style=new_style),
                          cell(r.reason))
        table.focus()
