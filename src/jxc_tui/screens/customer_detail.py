"""One customer: details, what they owe, their credit limit, and their
transactions (newest first).  ``x`` reverses the highlighted entry (冲销);
``c`` sets the credit limit (finance)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import clock
from ..errors import Refused, StaleVersion
from ..i18n import t
from ..money import format_amount
from ..services import approvals, customers, ledger
from ..services.customers import CustomerView
from ..services.ledger import EntryView
from ..widgets.cells import CREDIT_STYLE, cell, label, money_cell

LEDGER_PAGE = 200
_CHANGED = object()  # a reversal refused because something changed meanwhile: re-read, dialog closed


class CustomerDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="detail.back"),
        Binding("e", "set_debt", t("key.set_debt"), id="detail.set_debt"),
        Binding("r", "receipt", t("key.receipt"), id="detail.receipt"),
        Binding("v", "sale", t("key.sale"), id="detail.sale"),
        Binding("d", "edit_details", t("key.edit"), id="detail.edit"),
        Binding("h", "history", t("key.history"), id="detail.history"),
        Binding("x", "reverse", t("key.reverse"), id="detail.reverse"),
        Binding("c", "credit_limit", t("field.credit_limit"), id="detail.credit_limit"),
        Binding("X", "export", t("key.export"), id="detail.export", show=False),
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
        table.add_column(t("col.reason"), width=11)
        table.add_column(t("col.who"), width=13)  # "requester/approver"
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
        limit = format_amount(customer.credit_limit) if customer.credit_limit is not None else t("credit.none")
        over = customer.credit_limit is not None and customer.balance > customer.credit_limit
        self.query_one("#detail-debt", Static).update(
            label((f"{t('detail.debt')}: ", "bold"), "") + debt
            + label((f"    {t('field.credit_limit')}: ", "dim"), (limit, "bold red" if over else "")))
        self.query_one("#ledger", DataTable).clear()
        self.entries = {}
        self.reversed: dict[int, int] = {}
        self.load_entries()

    def load_entries(self) -> None:
        """The next page of entries, older than those shown (newest first)."""
        before = min(self.entries) if self.entries else None
        ok, entries = self.app.attempt(ledger.customer_entries, self.app.actor, self.customer_id,
                                       limit=LEDGER_PAGE + 1, before_id=before)
        entries = entries or []
        self.more = len(entries) > LEDGER_PAGE
        table = self.query_one("#ledger", DataTable)
        page = entries[:LEDGER_PAGE]
        ok, reversed_ = self.app.attempt(approvals.reversed_by, [e.id for e in page])
        self.reversed = {**getattr(self, "reversed", {}), **(reversed_ or {})}
        for e in page:
            self.entries[e.id] = e
            kind = cell(t(f"kind.{e.kind}"), style="dim strike" if e.id in self.reversed else "")
            who = f"{e.actor_name}/{e.approved_by_name}" if e.approved_by_name else e.actor_name
            table.add_row(cell(clock.format_local(e.created_at)), kind,
                          money_cell(e.amount, signed=True), money_cell(e.balance_after),
                          cell(e.reason), cell(who), key=str(e.id))
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
            *self._links(e),
        ]))

    def _links(self, e: EntryView) -> list[tuple[str, object]]:
        """Approver, reversal links and a confirmed credit-limit excess, where they apply."""
        extra: list[tuple[str, object]] = []
        if e.approved_by_name:
            extra.append((t("entry.approved_by"), e.approved_by_name))
        if e.reverses_id:
            extra.append((t("key.reverse"), t("entry.reverses", id=e.reverses_id)))
        if e.id in self.reversed:
            extra.append((t("key.reverse"), t("entry.reversed_by", id=self.reversed[e.id])))
        if e.over_credit_limit:
            extra.append((t("field.credit_limit"), t("entry.over_credit")))
        return extra

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

    def action_reverse(self) -> None:
        """Reverse the highlighted entry: an offsetting entry, linked, with a reason."""
        from .prompt import TextPromptDialog
        from .set_debt import notify_requested

        table = self.query_one("#ledger", DataTable)
        if self.customer is None or not self.app.require("debt.adjust", t("key.reverse")):
            return
        if table.row_count == 0:
            self.app.notify(t("reversal.pick"), markup=False)
            return
        e = self.entries.get(int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0))
        if e is None:
            return
        ok, _ = self.app.attempt(approvals.check_reversible, self.app.actor, e.id)
        if not ok:  # a reversal, reversed already, or one waiting: said at once, nothing to type
            self.reload()
            return
        customer = self.customer
        new = customer.balance - e.amount
        plan = approvals.route_change(self.app.actor, -e.amount)
        notice = plan.explain()
        if approvals.credit_warning(customer.credit_limit, customer.balance, new):
            notice += "\n" + t("credit.preview", limit=format_amount(customer.credit_limit))

        def submit(reason: str, confirm_credit: bool) -> object:
            try:
                return approvals.reverse_entry(self.app.actor, e.id, reason, expected_version=customer.version,
                                               confirm_credit=confirm_credit)
            except (StaleVersion, Refused) as error:
                # the customer or the entry changed meanwhile: no reason can fix that
                self.app.show_error(error)
                return _CHANGED

        def done(result: object) -> None:
            if result is _CHANGED:
                self.reload()  # show the figures as they are now
                return
            if result is None:
                return
            if result.pending:
                notify_requested(self.app, customer, result)
            else:
                self.app.notify(t("reversal.saved", code=customer.code, old=format_amount(result.old_balance),
                                  new=format_amount(result.new_balance)), markup=False)
            self.reload()

        lines = [label(customer.code, " ", customer.name),
                 label(t("reversal.what", kind=t(f"kind.{e.kind}"), amount=format_amount(e.amount, signed=True),
                         when=clock.format_local(e.created_at),
                         who=f"{e.actor_name}/{e.approved_by_name}" if e.approved_by_name else e.actor_name)),
                 label(t("reversal.effect", old=format_amount(customer.balance), new=format_amount(new)))]
        self.app.push_screen(TextPromptDialog(t("reversal.title", id=e.id), lines, t("setdebt.reason"), submit,
                                              notice=notice,
                                              notice_class="route-now" if plan.post_now else "route-approval"),
                             done)

    def action_credit_limit(self) -> None:
        from .credit_limit import CreditLimitDialog

        if self.customer and self.app.require("debt.approve", t("field.credit_limit")):
            self.app.push_screen(CreditLimitDialog(self.customer), self._after_change)

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        return [
            ("debt.adjust", t("key.reverse"), self.action_reverse),
            ("debt.approve", t("field.credit_limit"), self.action_credit_limit),
            ("debt.adjust", t("key.set_debt"), self.action_set_debt),
            ("ledger.post", t("key.receipt"), self.action_receipt),
            ("ledger.post", t("key.sale"), self.action_sale),
            ("customer.edit", t("key.edit"), self.action_edit_details),
            (None, t("key.history"), self.action_history),
            ("data.export", t("key.export"), self.action_export),
        ]

    def action_export(self) -> None:
        from .export_dialog import export_customer_history

        if self.customer:
            export_customer_history(self.app, self.customer)
