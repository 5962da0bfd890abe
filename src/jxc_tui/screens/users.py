"""Users (admins, ``user.manage``): who may log in, with which role, and
whether they are locked out or still have to choose their own password.

n add · o change role · p reset password · x deactivate / reactivate ·
u unlock · Esc back.  Every rule is the service's (auth); this screen asks,
shows the answer, and redraws the list.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import clock
from ..errors import JxcError
from ..i18n import t
from ..services import auth
from ..services.auth import UserView
from ..text import display_safe
from ..widgets.cells import cell, label
from ..widgets.inputs import TextInput
from .confirm import ConfirmDialog
from .fields import ENTER, EnterPressed, FieldFlow, field_row
from .password import WorkingDialog, password_row


def role_text(role: str) -> str:
    """A role as label and code ("柜台 clerk"); just the code where they are the same."""
    label_text = auth.role_label(role)
    return role if label_text == role else f"{label_text} {role}"


class RoleList(OptionList):
    """The configured roles, one per line: label and code ("柜台 clerk")."""

    def __init__(self, current: str | None = None, **kwargs: Any) -> None:
        codes = auth.roles()
        super().__init__(*[Option(Text(role_text(r)), id=r) for r in codes], **kwargs)
        self._initial = codes.index(current) if current in codes else 0

    def on_mount(self) -> None:
        self.highlighted = self._initial

    @property
    def role(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id


class UsersScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", t("key.back"), id="users.back"),
        Binding("n", "add_user", t("key.add_user"), id="users.add"),
        Binding("o", "change_role", t("key.role"), id="users.role"),
        Binding("p", "reset_password", t("key.reset_password"), id="users.reset_password"),
        Binding("x", "toggle_active", t("key.toggle_active"), id="users.toggle_active"),
        Binding("u", "unlock", t("key.unlock"), id="users.unlock"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, UserView] = {}

    def compose(self) -> ComposeResult:
        yield Static(t("users.title"), classes="section", markup=False)
        table: DataTable[object] = DataTable(id="users", cursor_type="row", zebra_stripes=True)
        # 18 + 14 + 8 + 16 + 9 and a cell's padding: 75 of 80 columns
        table.add_column(t("users.col.name"), key="name", width=18)
        table.add_column(t("users.col.role"), key="role", width=14)
        table.add_column(t("users.col.state"), key="state", width=8)
        table.add_column(t("users.col.locked"), key="locked", width=16)
        table.add_column(t("users.col.must_change"), key="must_change", width=9)
        yield table
        yield Static(id="users-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.table)

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#users", DataTable)

    def reload(self, select: str | None = None) -> None:
        """Read the users again and redraw, keeping the cursor on ``select``
        (or on the row it was on)."""
        select = select or (self.current().username if self.current() else None)
        ok, rows = self.app.attempt(auth.list_users, self.app.actor)
        if not ok or rows is None:
            return
        table = self.table
        table.clear()
        self.users = {u.username: u for u in rows}
        for u in rows:
            table.add_row(
                cell(u.username),
                cell(role_text(u.role)),
                cell(t("users.active") if u.is_active else t("users.inactive"),
                     style="" if u.is_active else "bold red"),
                cell(clock.format_local(u.locked_until) if u.locked_until else ""),
                cell(t("users.yes") if u.must_change_password else ""),
                key=u.username)
        if select in self.users:
            table.move_cursor(row=table.get_row_index(select))
        self.query_one("#users-status", Static).update(t("users.count", n=len(rows)))

    def current(self) -> UserView | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.users.get(str(row_key.value)) if row_key.value is not None else None

    def _done(self, message: str, select: str | None = None) -> None:
        self.reload(select)
        self.app.notify(message, markup=False)

    # --- actions ----------------------------------------------------------------

    def action_add_user(self) -> None:
        def added(view: UserView | None) -> None:
            if view is not None:
                self._done(t("users.added", username=view.username, role=auth.role_label(view.role)),
                           view.username)

        self.app.push_screen(AddUserDialog(), added)

    def action_change_role(self) -> None:
        user = self.current()
        if user is None:
            return

        def changed(view: UserView | None) -> None:
            if view is None:
                return
            message = t("users.role_changed", username=view.username, role=auth.role_label(view.role))
            actor = self.app.actor
            if actor is not None and view.id == actor.user_id:
                # This session's permissions came from the old role: start again with the new one.
                self.app.notify(message + " · " + t("users.own_role_changed"), markup=False)
                self.app.logout()
                return
            self._done(message, view.username)

        self.app.push_screen(RoleDialog(user), changed)

    def action_reset_password(self) -> None:
        user = self.current()
        if user is None:
            return

        def reset(view: UserView | None) -> None:
            if view is not None:
                self._done(t("users.reset_done", username=view.username), view.username)

        self.app.push_screen(ResetPasswordDialog(user), reset)

    def action_toggle_active(self) -> None:
        user = self.current()
        if user is None:
            return
        activate = not user.is_active
        what = "activate" if activate else "deactivate"
        dialog = ConfirmDialog(t(f"users.confirm_{what}_title", username=display_safe(user.username)),
                               t(f"users.confirm_{what}"))

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            ok, view = self.app.attempt(auth.set_active, self.app.actor, user.username, activate)
            if ok and view is not None:
                self._done(t("users.activated" if activate else "users.deactivated", username=view.username),
                           view.username)
            else:
                self.reload()

        self.app.push_screen(dialog, confirmed)

    def action_unlock(self) -> None:
        user = self.current()
        if user is None:
            return
        ok, view = self.app.attempt(auth.unlock, self.app.actor, user.username)
        if ok and view is not None:
            self._done(t("users.unlocked", username=view.username), view.username)
        else:
            self.reload()

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        """(permission, title, callback) for the command palette; filtered by the app."""
        return [
            ("user.manage", t("key.add_user"), self.action_add_user),
            ("user.manage", t("key.role"), self.action_change_role),
            ("user.manage", t("key.reset_password"), self.action_reset_password),
            ("user.manage", t("key.toggle_active"), self.action_toggle_active),
            ("user.manage", t("key.unlock"), self.action_unlock),
        ]


# --- dialogs ---------------------------------------------------------------------------

class AddUserDialog(WorkingDialog[UserView | None]):
    """User name, role, initial password (twice).  The new user must choose
    their own password at the first login."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="adduser.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="adduser.save"),
        ENTER,
    ]
    field_ids = {"username": "username", "role": "role", "password": "password"}
    clear_on_error = frozenset({"password"})

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t("users.add_title"), classes="dialog-title", markup=False)
            yield field_row(t("users.field.username"), TextInput(id="username", max_length=64))
            with Horizontal(classes="role-row"):
                yield Label(t("users.field.role"), classes="field-label")
                yield RoleList("clerk", id="role")
            yield password_row("users.field.password", "password")
            yield password_row("password.repeat", "repeat")
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("users.add_hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#username", Input))

    def next_field(self, field: object) -> Any:
        order = [self.query_one("#username"), self.query_one("#role"), self.query_one("#password"),
                 self.query_one("#repeat")]
        index = order.index(field) if field in order else len(order) - 1
        return order[index + 1] if index + 1 < len(order) else None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    def action_save(self) -> None:
        username = self.query_one("#username", Input).value
        role = self.query_one("#role", RoleList).role
        password = self.query_one("#password", Input).value
        repeat = self.query_one("#repeat", Input).value
        if not username.strip():
            self.set_error(t("password.empty"), "username")
            return
        if not password:
            self.set_error(t("password.empty"), "password")
            return
        if password != repeat:
            self.set_error(t("password.differ"), "repeat", clear=True)
            return
        self.call_service(lambda: auth.create_user(self.app.actor, username, role or "", password,
                                                   must_change_password=True))

    def saved(self, result: Any) -> None:
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)


class ResetPasswordDialog(WorkingDialog[UserView | None]):
    """A new password for someone else (twice); they must change it at the next login."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="reset.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="reset.save"),
        ENTER,
    ]
    field_ids = {"password": "password", "username": "password"}
    clear_on_error = frozenset({"password"})

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(label(t("users.reset_title"), ("  " + self.user.username, "bold")),
                         classes="dialog-title")
            yield Static(t("users.reset_note"), classes="hint", markup=False)
            yield password_row("password.new", "password")
            yield password_row("password.repeat", "repeat")
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("password.hint", min=auth.MIN_PASSWORD), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#password", Input))

    def next_field(self, field: object) -> Input | None:
        password = self.query_one("#password", Input)
        return self.query_one("#repeat", Input) if field is password else None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_save()

    def action_save(self) -> None:
        password = self.query_one("#password", Input).value
        if not password:
            self.set_error(t("password.empty"), "password")
            return
        if password != self.query_one("#repeat", Input).value:
            self.set_error(t("password.differ"), "repeat", clear=True)
            return
        self.call_service(auth.reset_password, self.app.actor, self.user.username, password)

    def saved(self, result: Any) -> None:
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)


class RoleDialog(FieldFlow, ModalScreen[UserView | None]):
    """Pick another role for a user (↑↓, Enter)."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="role.cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="role.save"),
        ENTER,
    ]

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(label(t("users.role_title"), ("  " + self.user.username, "bold")),
                         classes="dialog-title")
            yield Static(t("users.current_role", role=auth.role_label(self.user.role)), markup=False)
            with Horizontal(classes="role-row"):
                yield Label(t("users.field.role"), classes="field-label")
                yield RoleList(self.user.role, id="role")
            yield Static(id="dlg-error", classes="error", markup=False)
            yield Static(t("users.role_hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#role", RoleList))

    def next_field(self, field: object) -> None:
        return None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        self.action_save()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#dlg-error", Static).update("")

    def action_save(self) -> None:
        role = self.query_one("#role", RoleList).role
        try:
            view = auth.change_role(self.app.actor, self.user.username, role or "")
        except JxcError as error:
            self.query_one("#dlg-error", Static).update(error.message())
            return
        except Exception as error:  # noqa: BLE001
            self.app.report_unexpected(error)
            return
        self.dismiss(view)

    def action_cancel(self) -> None:
        self.dismiss(None)
