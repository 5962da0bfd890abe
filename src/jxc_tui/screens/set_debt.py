"""Dialogs that move a customer's balance: set the debt to a new amount, or
record a receipt / sale on credit.  Both show the current debt, preview the
change as you type -- and whether it will post now or go for approval, and
why -- require a reason, and save with Enter or Ctrl+S.  A change that takes
the debt above the customer's credit limit asks for confirmation first."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..errors import CreditLimitExceeded, InvalidAmount, JxcError, StaleVersion
from ..i18n import t
from ..money import check_range, format_amount, parse_amount
from ..services import approvals, customers
from ..services.approvals import DebtChange
from ..services.customers import CustomerView
from ..text import clean_reason
from ..widgets.cells import label, money_cell
from ..widgets.inputs import MoneyInput, PasteInput, TextInput
from .confirm import ConfirmDialog
from .fields import ENTER, EnterPressed, FieldFlow, field_row, reason_row


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
            yield field_row(t(self.amount_key), MoneyInput(id="amount", max_length=40))
            yield Static(id="dlg-preview", markup=False)
            yield Static(id="dlg-route", markup=False)
            yield reason_row()
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

    def new_balance(self, amount: Decimal) -> Decimal:
        """The debt this amount would leave (checked to be a possible one)."""
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
        route = self.query_one("#dlg-route", Static)
        route.update("")
        route.set_classes("")
        if not value.strip():
            preview.update("")
            return
        try:
            amount = parse_amount(value)
            preview.update(self.preview(amount))
            preview.remove_class("error")
            self._show_route(self.new_balance(amount))
        except InvalidAmount as error:
            preview.update(error.message())
            preview.add_class("error")

    def _show_route(self, new: Decimal) -> None:
        """Before saving: will this post now or wait for approval, and why;
        and whether it takes the debt above the credit limit."""
        change = new - self.customer.balance
        if change == 0:
            return
        plan = approvals.route_change(self.app.actor, change)
        lines = [plan.explain()]
        if approvals.credit_warning(self.customer.credit_limit, self.customer.balance, new):
            lines.append(t("credit.preview", limit=format_amount(self.customer.credit_limit)))
        route = self.query_one("#dlg-route", Static)
        route.update("\n".join(lines))
        route.set_classes("route-now" if plan.post_now and len(lines) == 1 else "route-approval")

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

    def submit(self, amount: Decimal, reason: str, confirm_credit: bool) -> DebtChange:
        raise NotImplementedError

    def action_save(self, confirm_credit: bool = False) -> None:
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
            result = self.submit(amount, reason, confirm_credit)
        except CreditLimitExceeded as error:
            # Nothing saved; ask, and save again only on an explicit yes.
            def answered(yes: bool | None) -> None:
                if yes:
                    self.action_save(confirm_credit=True)
            self.app.push_screen(ConfirmDialog(t("credit.title"), error.message() + "\n" + t("credit.confirm")),
                                 answered)
            return
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

    def new_balance(self, amount: Decimal) -> Decimal:
        return amount

    def submit(self, amount: Decimal, reason: str, confirm_credit: bool) -> DebtChange:
        return approvals.set_debt(self.app.actor, self.customer.id, amount, reason,
                                  expected_version=self.customer.version, confirm_credit=confirm_credit)

    def notify_saved(self, result: DebtChange) -> None:
        if result.pending:
            notify_requested(self.app, self.customer, result)
            return
        self.app.notify(t("setdebt.saved", code=self.customer.code, old=format_amount(result.old_balance),
                          new=format_amount(result.new_balance)), markup=False)


def notify_requested(app, customer: CustomerView, result: DebtChange) -> None:
    """A change that went for approval: say so plainly -- the debt has not moved."""
    assert result.request is not None
    app.notify(t("request.sent", id=result.request.id, code=customer.code, old=format_amount(result.old_balance),
                 new=format_amount(result.new_balance)), markup=False, timeout=8)


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
        new = self.new_balance(amount)
        return t("setdebt.change", change=format_amount(new - self.customer.balance, signed=True)) + \
            f" → {format_amount(new)}"

    def new_balance(self, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise InvalidAmount("amount.must_be_positive")
        new = self.customer.balance + approvals.MOVEMENTS[self.kind] * amount
        check_range(new)  # the debt it would leave must be a possible one
        return new

    def submit(self, amount: Decimal, reason: str, confirm_credit: bool) -> DebtChange:
        return approvals.post_movement(self.app.actor, self.customer.id, self.kind, amount, reason,
                                       expected_version=self.customer.version, confirm_credit=confirm_credit)

    def notify_saved(self, result: DebtChange) -> None:
        if result.pending:
            notify_requested(self.app, self.customer, result)
            return
        self.app.notify(t("movement.saved", code=self.customer.code, kind=t(f"kind.{self.kind}"),
                          amount=format_amount(abs(result.entry.amount)),
                          new=format_amount(result.new_balance)), markup=False)
