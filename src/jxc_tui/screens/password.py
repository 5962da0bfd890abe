"""Change my password (F2), and the same dialog forced after a login with a
password an admin set (a new user's first, or a reset): nobody gets past it
without choosing their own; Esc there logs out.

Argon2 takes a noticeable moment per password, so the services that hash run
in a thread worker; a second Enter while one runs is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..errors import JxcError
from ..i18n import t
from ..services import auth, thread_connection
from .fields import ENTER, EnterPressed, FieldFlow, field_row

ResultT = TypeVar("ResultT")


class WorkingDialog(FieldFlow, ModalScreen[ResultT]):
    """A dialog whose save calls a slow service off the UI thread.

    Subclasses call :meth:`call_service` and implement :meth:`saved`; a
    refusal is shown on the dialog's ``#dlg-error`` line with focus on the
    field it names (``field_ids`` maps service field names to widget ids)."""

    field_ids: dict[str, str] = {}
    clear_on_error: frozenset[str] = frozenset()  # password fields: retyped, not edited

    def __init__(self) -> None:
        super().__init__()
        self.saving = False

    def set_error(self, message: str, widget_id: str | None = None, *, clear: bool = False) -> None:
        """Show ``message``; focus the widget it is about, emptied when ``clear``."""
        self.query_one("#dlg-error", Static).update(message)
        if widget_id is not None:
            widget = self.query_one(f"#{widget_id}")
            if clear and isinstance(widget, Input):
                with self.prevent(Input.Changed):  # the message stays until the next keystroke
                    widget.value = ""
            widget.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.set_error("")

    def call_service(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.saving:
            return
        self.saving = True
        self._run(fn, args)

    @work(thread=True, exclusive=True, group="dialog-save", exit_on_error=False)
    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            with thread_connection():
                result = fn(*args)
        except Exception as error:  # noqa: BLE001 - shown below, never raw
            self.app.call_from_thread(self._failed, error)
        else:
            self.app.call_from_thread(self._succeeded, result)

    def _failed(self, error: Exception) -> None:
        self.saving = False
        if isinstance(error, JxcError):
            widget_id = self.field_ids.get(getattr(error, "field", None) or "")
            self.set_error(error.message(), widget_id, clear=widget_id in self.clear_on_error)
        else:
            self.app.report_unexpected(error)

    def _succeeded(self, result: Any) -> None:
        self.saving = False
        self.saved(result)

    def saved(self, result: Any) -> None:
        raise NotImplementedError


def password_row(label_key: str, widget_id: str) -> Horizontal:
    return field_row(t(label_key), Input(password=True, id=widget_id, max_length=200))


class ChangePasswordDialog(WorkingDialog[bool]):
    """Old password, new password, the new one again.  ``forced``: shown right
    after the login instead of the customer list; Esc logs out."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="password.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="password.save"),
        ENTER,
    ]
    field_ids = {"old_password": "old", "new_password": "new", "password": "new"}
    clear_on_error = frozenset({"old", "new", "repeat"})

    def __init__(self, *, forced: bool = False) -> None:
        super().__init__()
        self.forced = forced

    def compose(self) -> ComposeResult:
        actor = self.app.actor
        with Vertical(classes="dialog"):
            title = t("password.forced_title" if self.forced else "password.title",
                      user=actor.username if actor else "")
            yield Static(title, classes="dialog-title", markup=False)
            if self.forced:
                yield Static(t("password.forced_note"), classes="hint", markup=False)
            yield password_row("password.old", "old")
            yield password_row("password.new", "new")
            yield password_row("password.repeat", "repeat")
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("password.forced_hint" if self.forced else "password.hint",
                           min=auth.MIN_PASSWORD), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#old", Input))

    def set_error(self, message: str, widget_id: str | None = None, *, clear: bool = False) -> None:
        """A refused new password (too short, the two differ) is typed again
        twice: both fields empty, the cursor in the first."""
        if clear and widget_id in ("new", "repeat"):
            with self.prevent(Input.Changed):
                self.query_one("#repeat", Input).value = ""
            widget_id = "new"
        super().set_error(message, widget_id, clear=clear)

    def next_field(self, field: object) -> Input | None:
        inputs = list(self.query(Input))
        index = inputs.index(field) if field in inputs else len(inputs) - 1
        return inputs[index + 1] if index + 1 < len(inputs) else None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    def action_save(self) -> None:
        old, new, repeat = (self.query_one(f"#{name}", Input).value for name in ("old", "new", "repeat"))
        for name, value in (("old", old), ("new", new), ("repeat", repeat)):
            if not value:
                self.set_error(t("password.empty"), name)
                return
        if new != repeat:
            self.set_error(t("password.differ"), "repeat", clear=True)
            return
        self.call_service(auth.change_own_password, self.app.actor, old, new)

    def saved(self, result: Any) -> None:
        self.app.notify(t("password.changed"), markup=False)
        if self.forced:
            self.app.show_customers()
        else:
            self.dismiss(True)

    def action_cancel(self) -> None:
        if self.saving:
            return
        if self.forced:
            self.app.logout()
        else:
            self.dismiss(False)
