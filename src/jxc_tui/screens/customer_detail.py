"""One customer: details, what they owe, and their transactions (newest first)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import clock
from ..i18n import t
from ..money import format_amount
from ..services import customers, ledger
from ..services.customers import CustomerView
from ..services.ledger import EntryView
from ..widgets.cells import CREDIT_STYLE, cell, label, money_cell

LEDGER_PAGE = 200


class CustomerDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="detail.back"),
        Binding("e", "set_debt", t("key.set_debt"), id="detail.set_debt"),
        Binding("r", "receipt", t("key.receipt"), id="detail.receipt"),
        Binding("v", "sale", t("key.sale"), id="detail.sale"),
        Binding("d", "edit_details", t("key.edit"), id="detail.edit"),
        Binding("h", "history", t("key.history"), id="detail.history"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer: CustomerView | None = None
        self.entries: dict[int, EntryView] = {}
        self.more = False

    def compose(self) -> ComposeResult:
        yield Static(id="detail-head", markup=False)
        yield Static(id="detail-debt", markup=False)
        yield Static(t("detail.ledger"), classes="section", markup=False)
        table: DataTable[object] = DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        table.add_column(t("col.date"), width=16)
        table.add_column(t("col.kind"), width=4)
        # money columns size to their widest figure: an amount is never cut
        table.add_column(Text(t("col.change"), justify="right"))
        table.add_column(Text(t("col.balance"), justify="right"))
        table.add_column(t("col.reason"), width=13)
        table.add_column(t("col.who"), width=7)
        yield table
        yield Static(id="ledger-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.query_one("#ledger"))

    def reload(self) -> None:
        actor = self.app.actor
        ok, customer = self.app.attempt(customers.get_customer, actor, self.customer_id)
        if not ok or customer is None:
            self.app.pop_screen()
            return
        self.customer = customer
        self.query_one("#detail-head", Static).update(label(
            (f"{t('list.code')} ", "dim"), customer.code, "  ", (customer.name, "bold"), ("\n", ""),
            (f"{t('field.contact')} ", "dim"), customer.contact or "-",
            (f"  {t('field.phone')} ", "dim"), customer.phone or "-", ("\n", ""),
            (f"{t('field.address')} ", "dim"), customer.address or "-",
        ))
        debt = money_cell(customer.balance, credit_marker=True)
        debt.stylize("bold" + (f" {CREDIT_STYLE}" if customer.is_credit else ""))
        self.query_one("#detail-debt", Static).update(label((f"{t('detail.debt')}: ", "bold"), "") + debt)
        self.query_one("#ledger", DataTable).clear()
        self.entries = {}
        self.load_entries()

    def load_entries(self) -> None:
        """The next page of entries, older than those shown (newest first)."""
        before = min(self.entries) if self.entries else None
        ok, entries = self.app.attempt(ledger.customer_entries, self.app.actor, self.customer_id,
                                       limit=LEDGER_PAGE + 1, before_id=before)
        entries = entries or []
        self.more = len(entries) > LEDGER_PAGE
        table = self.query_one("#ledger", DataTable)
        for e in entries[:LEDGER_PAGE]:
            self.entries[e.id] = e
            table.add_row(cell(clock.format_local(e.created_at)), cell(t(f"kind.{e.kind}")),
                          money_cell(e.amount, signed=True), money_cell(e.balance_after),
                          cell(e.reason), cell(e.actor_name), key=str(e.id))
        more = t("list.count_more") if self.more else ""
        self.query_one("#ledger-status", Static).update(t("list.count", shown=len(self.entries), more=more))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.more and event.cursor_row >= event.data_table.row_count - 3:
            self.load_entries()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .details import DetailsDialog

        e = self.entries.get(int(event.row_key.value or 0))
        if e is None or self.customer is None:
            return
        self.app.push_screen(DetailsDialog(t("entry.title", id=e.id), [
            (t("col.customer"), f"{self.customer.code} {self.customer.name}"),
            (t("col.date"), clock.format_local(e.created_at, seconds=True)), (t("col.kind"), t(f"kind.{e.kind}")),
            (t("col.change"), format_amount(e.amount, signed=True)),
            (t("col.old"), format_amount(e.balance_before)), (t("col.balance"), format_amount(e.balance_after)),
            (t("col.reason"), e.reason), (t("col.who"), e.actor_name), (t("col.source"), e.source),
        ]))

    def action_back(self) -> None:
        # dismiss (not pop_screen) so the list's callback redraws this customer's row
        self.dismiss(None)

    def _after_change(self, _result: object) -> None:
        self.reload()

    def action_set_debt(self) -> None:
        from .set_debt import SetDebtDialog

        if self.customer and self.app.require("debt.adjust", t("key.set_debt")):
            self.app.push_screen(SetDebtDialog(self.customer), self._after_change)

    def action_receipt(self) -> None:
        self._movement("receipt")

    def action_sale(self) -> None:
        self._movement("sale")

    def _movement(self, kind: str) -> None:
        from .set_debt import MovementDialog

        if self.customer and self.app.require("ledger.post", t(f"key.{kind}")):
            self.app.push_screen(MovementDialog(self.customer, kind), self._after_change)

    def action_edit_details(self) -> None:
        from .customer_form import CustomerFormScreen

        if self.customer and self.app.require("customer.edit", t("key.edit")):
            self.app.push_screen(CustomerFormScreen(self.customer), self._after_change)

    def action_history(self) -> None:
        from .history import HistoryScreen

        if self.customer:
            self.app.push_screen(HistoryScreen(self.customer))

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        return [
            ("debt.adjust", t("key.set_debt"), self.action_set_debt),
            ("ledger.post", t("key.receipt"), self.action_receipt),
            ("ledger.post", t("key.sale"), self.action_sale),
            ("customer.edit", t("key.edit"), self.action_edit_details),
            (None, t("key.history"), self.action_history),
        ]
