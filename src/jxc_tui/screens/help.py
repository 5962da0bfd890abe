"""F1: every key of the screen underneath, with what it does."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..i18n import t


def _key_label(key: str) -> str:
    return ", ".join(_one_key(part) for part in key.split(","))


def _one_key(key: str) -> str:
    if len(key) == 1 and key.isupper():  # "U" is typed with Shift
        return f"Shift+{key}"
    if re.fullmatch(r"f\d{1,2}", key):  # function keys: F1, F2 ...
        return key.upper()
    if re.fullmatch(r"ctrl\+[a-z]", key):  # as printed on the key: Ctrl+S
        return "Ctrl+" + key[-1].upper()
    return (key.replace("ctrl+", "Ctrl+").replace("slash", "/").replace("escape", "Esc")
            .replace("enter", "Enter").replace("space", "Space").replace("asterisk", "*"))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", t("key.back"))]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        seen: set[str] = set()
        bindings: list[Binding] = [*self.under.BINDINGS, *self.app.BINDINGS]  # type: ignore[list-item]
        for b in bindings:
            if isinstance(b, tuple) or not b.description or b.key in seen:
                continue
            seen.add(b.key)
            table.add_row(Text(_key_label(b.key)), Text(b.description))
        table.add_row(Text("Ctrl+P"), Text("命令面板 / command palette"))
        with VerticalScroll(id="help-box"):
            yield Static(t("help.title"), classes="dialog-title", markup=False)
            yield Static(table)
            yield Static(t("help.close"), classes="hint", markup=False)
