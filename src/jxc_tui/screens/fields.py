"""Enter for screens with fields, safe for keys typed ahead.

Textual hands each key to the focused widget's queue as it reads it, so in a
burst ("900<Enter>reason<Enter>" from a fast typist or a laggy SSH link) the
keys after Enter are queued to the old field before it handles Enter.  Here
Enter is a priority binding handled as the key is read: focus moves to the
next field at once (``Screen.set_focus`` is immediate), so later keys go
there; and an :class:`EnterPressed` message is queued behind the keys the
old field still has to apply, so a save reads complete values.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label

from ..i18n import t
from ..widgets.inputs import TextInput

ENTER = Binding("enter", "enter", t("key.enter"), show=False, priority=True)


class EnterPressed(Message):
    """Enter was pressed in ``field``; ``moved`` says whether focus moved on."""

    def __init__(self, field: Widget | None, moved: bool) -> None:
        super().__init__()
        self.field = field
        self.moved = moved


class FieldFlow:
    """Mixin for a Screen: put ``ENTER`` in BINDINGS, implement ``next_field``
    and ``on_enter_pressed``."""

    def next_field(self, field: Widget | None) -> Widget | None:
        """Where Enter in ``field`` moves focus, or None to stay (and act)."""
        raise NotImplementedError

    def action_enter(self) -> None:
        field = self.focused  # type: ignore[attr-defined]
        target = self.next_field(field)
        if target is not None:
            self.set_focus(target)  # type: ignore[attr-defined]
        (field or self).post_message(EnterPressed(field, target is not None))  # type: ignore[attr-defined]


def field_row(label: str, field: Widget, *, label_id: str | None = None) -> Horizontal:
    """One labelled field of a dialog: the label on the left, the field filling the rest."""
    return Horizontal(Label(label, id=label_id, classes="field-label"), field, classes="field-row")


def reason_row(label: str | None = None) -> Horizontal:
    """The required reason every change to money asks for (``#reason``)."""
    return field_row(label or t("setdebt.reason"), TextInput(id="reason", max_length=500))

