"""A yes/no question that needs a deliberate key: ``y`` confirms, ``n`` or
Esc declines.  Enter does neither, so an Enter typed ahead in a burst can
never confirm something the user has not read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import t


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", t("key.yes"), id="confirm.yes"),
        Binding("n,escape", "answer(False)", t("key.no"), id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            yield Static(t("confirm.hint"), classes="hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
