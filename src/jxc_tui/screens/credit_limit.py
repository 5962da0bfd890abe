"""Set a customer's credit limit (信用额度): an amount, or empty for none,
and the reason.  Finance's decision (``debt.approve``), checked by the service."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..errors import JxcError
from ..i18n import t
from ..money import format_amount, parse_amount
from ..services import customers
from ..services.customers import CustomerView
from ..widgets.cells import label
from ..widgets.inputs import MoneyInput, PasteInput, TextInput
from .fields import ENTER, EnterPressed, FieldFlow, field_row, reason_row


class CreditLimitDialog(FieldFlow, ModalScreen[CustomerView | None]):
    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="credit.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="credit.save"),
        ENTER,
    ]

    def __init__(self, customer: CustomerView) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        c = self.customer
        now = format_amount(c.credit_limit) if c.credit_limit is not None else t("credit.none")
        with Vertical(classes="dialog"):
            yield Static(t("field.credit_limit"), classes="dialog-title", markup=False)
            yield Static(label((c.code, "bold"), "  ", c.name), markup=False)
            yield Static(t("credit.current", limit=now, debt=format_amount(c.balance)), markup=False)
            yield field_row(t("field.credit_limit"),
                            MoneyInput(id="limit", max_length=40, placeholder=t("credit.empty_is_none")))
            yield reason_row()
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("setdebt.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#limit", MoneyInput))

    def next_field(self, field: object) -> TextInput | None:
        reason = self.query_one("#reason", TextInput)
        return reason if field is self.query_one("#limit") and not reason.value.strip() else None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    def on_input_changed(self) -> None:
        self.query_one("#dlg-error", Static).update("")

    def on_paste_input_paste_refused(self, event: PasteInput.PasteRefused) -> None:
        self.query_one("#dlg-error", Static).update(t(event.key, max=event.input.max_length))

    def action_save(self) -> None:
        text = self.query_one("#limit", MoneyInput).value
        try:
            limit: Decimal | None = parse_amount(text) if text.strip() else None
            result = customers.set_credit_limit(self.app.actor, self.customer.id, limit,
                                                self.query_one("#reason", TextInput).value,
                                                expected_version=self.customer.version)
        except JxcError as error:
            self.query_one("#dlg-error", Static).update(error.message())
            return
        except Exception as error:  # noqa: BLE001 - logged, never shown raw
            self.app.report_unexpected(error)
            return
        shown = format_amount(result.credit_limit) if result.credit_limit is not None else t("credit.none")
        self.app.notify(t("credit.saved", code=result.code, limit=shown), markup=False)
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
