"""Log in: user name, password, Enter."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from ..errors import JxcError
from ..i18n import t
from ..services import auth, thread_connection
from ..services.policy import Actor
from ..app import terminal_origin
from .fields import ENTER, EnterPressed, FieldFlow


class LoginScreen(FieldFlow, Screen[None]):
    AUTO_FOCUS = "#username"
    BINDINGS = [ENTER]

    def __init__(self, hint: str = "") -> None:
        super().__init__()
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Label(t("app.title"), id="login-title")
            yield Input(placeholder=t("login.username"), id="username", max_length=64)
            yield Input(placeholder=t("login.password"), password=True, id="password")
            yield Static("", id="login-error", markup=False)
            yield Static(t("login.hint"), id="login-hint", markup=False)
            if self.hint:
                yield Static(self.hint, id="login-demo", markup=False)
        yield Footer()

    def next_field(self, field: object) -> Input | None:
        password = self.query_one("#password", Input)
        return None if field is password else password

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if event.moved:
            return
        username = self.query_one("#username", Input)
        password = self.query_one("#password", Input)
        if not username.value.strip():
            self.set_focus(username)
            return
        if not password.value:  # an empty password is no attempt: nothing is counted
            self.query_one("#login-error", Static).update(t("login.password_required"))
            return
        self.query_one("#login-error", Static).update("")
        self.check_password(username.value, password.value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check_password(self, username: str, password: str) -> None:
        # Argon2 takes tens of milliseconds: off the UI thread.
        try:
            with thread_connection():
                actor = auth.login(username, password, terminal_origin())
        except JxcError as error:
            self.app.call_from_thread(self._failed, error.message())
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_unexpected, error)
        else:
            self.app.call_from_thread(self._succeeded, actor)

    def _failed(self, message: str) -> None:
        self.query_one("#login-error", Static).update(message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    def _succeeded(self, actor: Actor) -> None:
        self.app.logged_in(actor)
