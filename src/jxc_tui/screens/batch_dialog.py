"""Starting a batch (批量修改): one operation for the marked customers, or a
file of new debts or changes.  Both end in the same preview
(:class:`BatchPreviewScreen`); nothing is written before it.

:func:`open_preview` is the one path from "here is how to make a plan" to the
preview and back: it plans in a worker with a progress bar, shows the
preview, and hands the posted result (or None) to ``done``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ..errors import JxcError
from ..i18n import t
from ..services import batch
from ..services.batch import BatchPlan, BatchResult, Progress
from ..text import clean_reason
from ..widgets.inputs import MoneyInput, PasteInput, TextInput
from .batch_preview import BatchPreviewScreen
from .fields import ENTER, EnterPressed, FieldFlow, field_row, reason_row
from .progress import Outcome, ProgressDialog

MakePlan = Callable[[Progress], BatchPlan]


def open_preview(app: App, make: MakePlan, done: Callable[[BatchResult | None], None]) -> None:
    """Plan (off the UI thread, with progress), preview, and maybe post."""

    def planned(outcome: Outcome) -> None:
        if outcome.error is not None:
            app.report(outcome.error)  # type: ignore[attr-defined]
        if not outcome.ok:
            done(None)
            return
        app.push_screen(BatchPreviewScreen(outcome.result, remake=make), done)

    app.push_screen(ProgressDialog(t("preview.working"), make, writes=False), planned)


class _StartDialog(FieldFlow, ModalScreen[BatchResult | None]):
    """Shared frame: fields, an error line, Enter through the fields then preview."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="batchdlg.cancel"),
        Binding("ctrl+s", "preview", t("key.preview"), id="batchdlg.preview"),
        ENTER,
    ]

    def set_error(self, message: str) -> None:
        self.query_one("#dlg-error", Static).update(message)

    def on_input_changed(self) -> None:
        self.set_error("")

    def on_paste_input_paste_refused(self, event: PasteInput.PasteRefused) -> None:
        self.set_error(t(event.key, max=event.input.max_length))

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_preview()

    def make_plan(self) -> MakePlan | None:
        """Check the fields (showing what is wrong) and return how to plan."""
        raise NotImplementedError

    def action_preview(self) -> None:
        try:
            make = self.make_plan()
        except JxcError as error:
            self.set_error(error.message())
            return
        if make is None:
            return

        def done(result: BatchResult | None) -> None:
            if result is not None:
                self.dismiss(result)

        open_preview(self.app, make, done)

    def action_cancel(self) -> None:
        self.dismiss(None)


OPERATION_KEYS = ("set", "increase", "decrease", "percent", "clear")


class BatchDialog(_StartDialog):
    """One operation -- set to, increase or decrease by, change by a
    percentage, clear to zero -- for every marked customer, with a reason."""

    def __init__(self, customer_ids: list[int]) -> None:
        super().__init__()
        self.customer_ids = customer_ids

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t("batchdlg.title", n=f"{len(self.customer_ids):,}"), classes="dialog-title", markup=False)
            with Horizontal(classes="role-row"):
                yield Label(t("batchdlg.operation"), classes="field-label")
                yield OptionList(*[Option(Text(t(f"batchdlg.op.{k}")), id=k) for k in OPERATION_KEYS],
                                 id="operation")
            yield field_row(t("batchdlg.amount"), MoneyInput(id="amount", max_length=40), label_id="amount-label")
            yield reason_row()
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("batchdlg.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#operation", OptionList).highlighted = 0
        self.set_focus(self.query_one("#operation"))

    @property
    def operation(self) -> str:
        index = self.query_one("#operation", OptionList).highlighted
        return OPERATION_KEYS[index or 0]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.set_error("")
        name = self.operation
        amount = self.query_one("#amount", MoneyInput)
        amount.disabled = name == "clear"
        self.query_one("#amount-label", Label).update(t("batchdlg.percent" if name == "percent" else "batchdlg.amount"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_enter()

    def next_field(self, field: object) -> object | None:
        amount = self.query_one("#amount", MoneyInput)
        reason = self.query_one("#reason", TextInput)
        if field is self.query_one("#operation"):
            return reason if amount.disabled else amount
        if field is amount and not reason.value.strip():
            return reason
        return None

    def make_plan(self) -> MakePlan | None:
        amount = self.query_one("#amount", MoneyInput)
        reason_input = self.query_one("#reason", TextInput)
        try:
            operation = batch.make_operation(self.operation, amount.value)
        except JxcError as error:
            self.set_error(error.message())
            amount.focus()
            return None
        try:
            reason = clean_reason(reason_input.value)
        except JxcError as error:
            self.set_error(error.message())
            reason_input.focus()
            return None
        actor, ids = self.app.actor, list(self.customer_ids)
        return lambda progress: batch.plan_selection(actor, ids, operation, reason, progress=progress)


class ImportDebtsDialog(_StartDialog):
    """A file of new debts or changes (CSV or XLSX), with a reason for rows
    that have none."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t("importdlg.title"), classes="dialog-title", markup=False)
            yield field_row(t("importdlg.path"), TextInput(id="path", max_length=1000))
            yield reason_row(t("importdlg.reason"))
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("importdlg.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#path"))

    def next_field(self, field: object) -> object | None:
        if field is self.query_one("#path"):
            return self.query_one("#reason")
        return None

    def make_plan(self) -> MakePlan | None:
        raw = self.query_one("#path", TextInput).value.strip()
        if not raw:
            self.set_error(t("importdlg.no_path"))
            self.query_one("#path").focus()
            return None
        path = Path(raw).expanduser()
        reason = self.query_one("#reason", TextInput).value
        actor = self.app.actor
        return lambda progress: batch.plan_file(actor, path, reason=reason, progress=progress)
