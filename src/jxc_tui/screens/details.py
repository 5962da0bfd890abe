"""A dialog showing every field of one row in full (tables cut long text to
fit 80 columns): a ledger entry, a history row, an audit event."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import t
from ..widgets.cells import label


class DetailsDialog(ModalScreen[None]):
    """Every field of one row, in full (the tables cut long text to fit 80 columns)."""

    BINDINGS = [Binding("escape,enter", "dismiss", t("key.back"), id="details.back")]

    def __init__(self, title: str, pairs: list[tuple[str, object]]) -> None:
        super().__init__()
        self.title_text = title
        self.pairs = pairs

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for name, value in self.pairs:
            table.add_row(Text(name), label(str(value)))
        with VerticalScroll(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(table)
            yield Static(t("help.close"), classes="hint", markup=False)
