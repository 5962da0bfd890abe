"""A dialog with a few lines of context and one line of text to type -- the
reason for a reversal, the note on an approval or a rejection.  Enter (or
Ctrl+S) calls ``submit(text, confirm_credit)``; its result closes the dialog,
its error stays in the dialog with nothing changed.  A change that would take
a debt above the credit limit asks first and is saved again only on ``y``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..errors import CreditLimitExceeded, JxcError
from ..i18n import t
from ..widgets.inputs import PasteInput, TextInput
from .confirm import ConfirmDialog
from .fields import ENTER, EnterPressed, FieldFlow, field_row

Submit = Callable[[str, bool], object]


class TextPromptDialog(FieldFlow, ModalScreen[object]):
    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="prompt.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="prompt.save"),
        ENTER,
    ]

    def __init__(self, title: str, lines: Sequence[Text | str], field_label: str, submit: Submit, *,
                 notice: str = "", notice_class: str = "", value: str = "", max_length: int = 500) -> None:
        super().__init__()
        self.value = value
        self.max_length = max_length
        self.title_text = title
        self.lines = list(lines)
        self.field_label = field_label
        self.submit = submit
        self.notice = notice
        self.notice_class = notice_class

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            for line in self.lines:
                yield Static(line, classes="prompt-line", markup=False)
            if self.notice:
                yield Static(self.notice, id="dlg-route", classes=self.notice_class, markup=False)
            yield field_row(self.field_label, TextInput(self.value, id="text", max_length=self.max_length))
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("note.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#text", TextInput))

    def next_field(self, field: object) -> None:
        return None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        self.action_save()

    def on_input_changed(self) -> None:
        self.set_error("")

    def on_paste_input_paste_refused(self, event: PasteInput.PasteRefused) -> None:
        self.set_error(t(event.key, max=event.input.max_length))

    def set_error(self, message: str) -> None:
        self.query_one("#dlg-error", Static).update(message)

    def action_save(self, confirm_credit: bool = False) -> None:
        text = self.query_one("#text", TextInput).value
        try:
            result = self.submit(text, confirm_credit)
        except CreditLimitExceeded as error:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.action_save(confirm_credit=True)
            self.app.push_screen(ConfirmDialog(t("credit.title"), error.message() + "\n" + t("credit.confirm")),
                                 answered)
            return
        except JxcError as error:
            self.set_error(error.message())
            return
        except Exception as error:  # noqa: BLE001 - logged, never shown raw
            self.app.report_unexpected(error)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
