"""Dialogs that move a customer's balance: set the debt to a new amount, or
record a receipt / sale on credit.  Both show the current debt, preview the
change as you type, require a reason, and save with Enter or Ctrl+S."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..errors import InvalidAmount, JxcError, StaleVersion
from ..i18n import t
from ..money import check_range, format_amount, parse_amount
from ..services import customers, ledger
from ..services.customers import CustomerView
from ..services.ledger import DebtChange
from ..text import clean_reason
from ..widgets.cells import label, money_cell
from ..widgets.inputs import MoneyInput, PasteInput, TextInput
from .fields import ENTER, EnterPressed, FieldFlow


class AmountDialog(FieldFlow, ModalScreen[DebtChange | None]):
    """Shared frame: customer, current debt, amount, live preview, reason."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="dialog.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="dialog.save"),
        ENTER,
    ]
    title_key = ""
    amount_key = ""

    def __init__(self, customer: CustomerView) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t(self.title_key), classes="dialog-title", markup=False)
            yield Static(label((self.customer.code, "bold"), "  ", self.customer.name), id="dlg-customer")
            yield Static(id="dlg-current", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(t(self.amount_key), classes="field-label")
                yield MoneyInput(id="amount", max_length=40)
            yield Static(id="dlg-preview", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(t("setdebt.reason"), classes="field-label")
                yield TextInput(id="reason", max_length=500)
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("setdebt.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self._show_current()
        self.set_focus(self.query_one("#amount", MoneyInput))

    def _show_current(self) -> None:
        self.query_one("#dlg-current", Static).update(
            label(t("setdebt.current", amount="")) + money_cell(self.customer.balance, credit_marker=True))

    # --- preview and errors --------------------------------------------------------

    def preview(self, amount: Decimal) -> str:
        raise NotImplementedError

    def set_error(self, message: str) -> None:
        self.query_one("#dlg-error", Static).update(message)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.set_error("")
        if event.input.id == "amount":
            self._update_preview()

    def _update_preview(self) -> None:
        value = self.query_one("#amount", MoneyInput).value
        preview = self.query_one("#dlg-preview", Static)
        if not value.strip():
            preview.update("")
            return
        try:
            preview.update(self.preview(parse_amount(value)))
            preview.remove_class("error")
        except InvalidAmount as error:
            preview.update(error.message())
            preview.add_class("error")

    def on_paste_input_paste_refused(self, event: PasteInput.PasteRefused) -> None:
        self.set_error(t(event.key, max=event.input.max_length))

    def next_field(self, field: object) -> TextInput | None:
        reason = self.query_one("#reason", TextInput)
        if field is self.query_one("#amount") and not reason.value.strip():
            return reason
        return None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    # --- saving -------------------------------------------------------------------

    def submit(self, amount: Decimal, reason: str) -> DebtChange:
        raise NotImplementedError

    def action_save(self) -> None:
        amount_input = self.query_one("#amount", MoneyInput)
        reason_input = self.query_one("#reason", TextInput)
        try:
            amount = parse_amount(amount_input.value)
        except InvalidAmount as error:
            self.set_error(error.message())
            amount_input.focus()
            return
        try:
            reason = clean_reason(reason_input.value)
        except JxcError as error:
            self.set_error(error.message())
            reason_input.focus()
            return
        try:
            result = self.submit(amount, reason)
        except StaleVersion as error:
            # Someone else moved this customer: show the figure now in force;
            # a second save is a deliberate decision against it.
            self.set_error(error.message())
            ok, fresh = self.app.attempt(customers.get_customer, self.app.actor, self.customer.id)
            if ok and fresh is not None:
                self.customer = fresh
                self._show_current()
                self._update_preview()
            return
        except JxcError as error:
            self.set_error(error.message())
            return
        except Exception as error:  # noqa: BLE001
            self.app.report_unexpected(error)
            return
        self.notify_saved(result)
        self.dismiss(result)

    def notify_saved(self, result: DebtChange) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class SetDebtDialog(AmountDialog):
    """Set the debt to a new amount (posts an adjustment of new minus current)."""

    title_key = "setdebt.title"
    amount_key = "setdebt.new"

    def preview(self, amount: Decimal) -> str:
        change = amount - self.customer.balance
        if change == 0:
            return t("debt.no_change", balance=format_amount(amount))
        return t("setdebt.change", change=format_amount(change, signed=True))

    def submit(self, amount: Decimal, reason: str) -> DebtChange:
        return ledger.set_debt(self.app.actor, self.customer.id, amount, reason,
                               expected_version=self.customer.version)

    def notify_saved(self, result: DebtChange) -> None:
        self.app.notify(t("setdebt.saved", code=self.customer.code, old=format_amount(result.old_balance),
                          new=format_amount(result.new_balance)), markup=False)


class MovementDialog(AmountDialog):
    """A receipt (lowers the debt) or a sale on credit (raises it)."""

    amount_key = "movement.amount"

    def __init__(self, customer: CustomerView, kind: str) -> None:
        super().__init__(customer)
        self.kind = kind
        self.title_key = f"movement.title.{kind}"

    def preview(self, amount: Decimal) -> str:
        if amount <= 0:
            return t("amount.must_be_positive")
        new = self.customer.balance + ledger.MOVEMENTS[self.kind] * amount
        check_range(new)  # the debt it would leave must be a possible one
        return t("setdebt.change", change=format_amount(new - self.customer.balance, signed=True)) + \
            f" → {format_amount(new)}"

    def submit(self, amount: Decimal, reason: str) -> DebtChange:
        return ledger.post_movement(self.app.actor, self.customer.id, self.kind, amount, reason,
                                    expected_version=self.customer.version)

    def notify_saved(self, result: DebtChange) -> None:
        self.app.notify(t("movement.saved", code=self.customer.code, kind=t(f"kind.{self.kind}"),
                          amount=format_amount(abs(result.entry.amount)),
                          new=format_amount(result.new_balance)), markup=False)
