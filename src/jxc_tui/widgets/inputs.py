"""Inputs with the paste behaviour people expect (case C10).

``Input`` keeps only the first line of a paste.  A reason pasted over two
lines must keep both, and two spreadsheet cells pasted into an amount must
say so instead of silently keeping one of them.
"""

from __future__ import annotations

import re

from textual import events
from textual.message import Message
from textual.widgets import Input

_SEVERAL = re.compile(r"[\t\r\n]")


class _PasteInput(Input):
    def _insert_pasted(self, text: str) -> None:
        if not text:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)


class MoneyInput(_PasteInput):
    """An amount field.  Parsing is left to ``money.parse_amount``."""

    class PasteRefused(Message):
        """Several cells or lines were pasted; nothing was inserted."""

        def __init__(self, input: "MoneyInput") -> None:
            super().__init__()
            self.input = input

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        text = event.text.strip("\r\n")
        if _SEVERAL.search(text):
            self.post_message(self.PasteRefused(self))
            return
        self._insert_pasted(text)


class ReasonInput(_PasteInput):
    """A reason or note: a multi-line paste keeps every line, joined by spaces."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        lines = [line.strip() for line in re.split(r"[\r\n]+", event.text)]
        self._insert_pasted(" ".join(line for line in lines if line).replace("\t", " "))
