"""New customer (n) and edit details (d): one form, validated by the service."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..errors import InvalidAmount, JxcError, ValidationError
from ..i18n import t
from ..money import format_amount, parse_amount
from ..services import approvals, customers
from ..services.customers import CustomerInput, CustomerView
from ..widgets.inputs import MoneyInput, PasteInput, TextInput
from .fields import ENTER, EnterPressed, FieldFlow, field_row, reason_row

FIELDS = (("code", 64), ("name", 200), ("contact", 100), ("phone", 40), ("address", 300))


class CustomerFormScreen(FieldFlow, ModalScreen[CustomerView | None]):
    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="form.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="form.save"),
        ENTER,
    ]

    def __init__(self, customer: CustomerView | None) -> None:
        super().__init__()
        self.customer = customer

    @property
    def is_new(self) -> bool:
        return self.customer is None

    def compose(self) -> ComposeResult:
        title = t("form.new_title") if self.is_new else t("form.edit_title")
        with Vertical(classes="dialog"):
            yield Static(title, classes="dialog-title", markup=False)
            for name, max_len in FIELDS:
                value = getattr(self.customer, name) if self.customer else ""
                yield field_row(t(f"field.{name}"), TextInput(value=value, id=name, max_length=max_len))
            if self.is_new:
                yield field_row(t("field.opening"), MoneyInput(id="opening", max_length=40))
                yield Static(id="form-route", markup=False)  # post now, or approval and why
            yield reason_row(t("form.opening_reason") if self.is_new else t("field.reason"))
            yield Static(id="form-error", classes="error", markup=False)
            yield Static(t("form.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#code" if self.is_new else "#name", Input))

    def next_field(self, field: object) -> Input | None:
        inputs = list(self.query(Input))
        index = inputs.index(field) if field in inputs else len(inputs) - 1
        return inputs[index + 1] if index + 1 < len(inputs) else None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "opening":
            return
        route = self.query_one("#form-route", Static)
        try:
            opening = self._opening()
        except InvalidAmount:
            opening = None
        if not opening:
            route.update("")
            route.set_classes("")
            return
        plan = approvals.route_change(self.app.actor, opening)
        route.update(plan.explain())
        route.set_classes("route-now" if plan.post_now else "route-approval")

    def on_paste_input_paste_refused(self, event: PasteInput.PasteRefused) -> None:
        self._error(t(event.key, max=event.input.max_length), event.input)

    def _error(self, message: str, widget: Input | None = None) -> None:
        self.query_one("#form-error", Static).update(message)
        if widget is not None:
            widget.focus()

    def _opening(self) -> Decimal | None:
        if not self.is_new:
            return None
        raw = self.query_one("#opening", MoneyInput).value
        return parse_amount(raw) if raw.strip() else None

    def action_save(self) -> None:
        data = CustomerInput(**{name: self.query_one(f"#{name}", Input).value for name, _ in FIELDS})
        reason = self.query_one("#reason", TextInput).value
        actor = self.app.actor
        try:
            opening = self._opening()
            if self.customer is None:
                result = customers.create_customer(actor, data, opening, reason)
            else:
                result = customers.update_customer(actor, self.customer.id, self.customer.version, data, reason)
        except InvalidAmount as error:
            self._error(error.message(), self.query_one("#opening", Input))
            return
        except ValidationError as error:
            target = error.field if error.field in {n for n, _ in FIELDS} else "reason"
            self._error(error.message(), self.query_one(f"#{target}", Input))
            return
        except JxcError as error:
            self._error(error.message())
            return
        except Exception as error:  # noqa: BLE001
            self.app.report_unexpected(error)
            return
        if self.is_new and opening and result.balance != opening:  # above the limit: a request, not an entry
            self.app.notify(t("form.opening_requested", code=result.code, amount=format_amount(opening)),
                            markup=False, timeout=8)
        else:
            key = "form.saved_new" if self.is_new else "form.saved_edit"
            self.app.notify(t(key, code=result.code), markup=False)
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
