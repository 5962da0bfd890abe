"""Inputs with the paste behaviour people expect (case C10).

``Input`` keeps only the first line of a paste and silently drops a paste
longer than ``max_length``.  Here a text field keeps every pasted line
(joined by spaces), an amount field says so when two spreadsheet cells were
pasted, and a paste that does not fit says so -- nothing is ever silently
cut or lost.
"""

from __future__ import annotations

import re

from textual import events
from textual.message import Message
from textual.widgets import Input

_SEVERAL = re.compile(r"[\t\r\n]")


class PasteInput(Input):
    """Base: inserts a paste once, or posts :class:`PasteRefused` with the reason."""

    class PasteRefused(Message):
        """Nothing was inserted; ``key`` names the message to show."""

        def __init__(self, input: "PasteInput", key: str) -> None:
            super().__init__()
            self.input = input
            self.key = key

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        text, refusal = self.prepare_paste(event.text)
        if refusal:
            self.post_message(self.PasteRefused(self, refusal))
            return
        selection = self.selection
        kept = len(self.value) - abs(selection.end - selection.start)
        if self.max_length and kept + len(text) > self.max_length:
            self.post_message(self.PasteRefused(self, "field.paste_too_long"))
            return
        if not text:
            return
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    def prepare_paste(self, text: str) -> tuple[str, str | None]:
        """``(text to insert, refusal message key or None)``."""
        lines = [line.strip() for line in re.split(r"[\r\n]+", text)]
        return " ".join(line for line in lines if line).replace("\t", " "), None


class MoneyInput(PasteInput):
    """An amount field.  Parsing is left to ``money.parse_amount``."""

    def prepare_paste(self, text: str) -> tuple[str, str | None]:
        text = text.strip("\r\n")
        if _SEVERAL.search(text):
            return "", "amount.several_values"
        return text, None


class TextInput(PasteInput):
    """A single-line text field (name, reason, note): a multi-line paste keeps
    every line, joined by spaces."""
