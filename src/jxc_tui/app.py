"""The Textual application: login first, then the customer list.

Screens call services; this module holds what every screen shares: the
logged-in actor, the way user-caused errors and unexpected faults are shown
(never a traceback), and the command palette filtered by permission.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .config import Config
from .errors import JxcError
from .i18n import t
from .services.policy import Actor

log = logging.getLogger("jxc_tui")
T = TypeVar("T")


def terminal_origin() -> str:
    """Where a TUI session comes from, for the audit log."""
    ssh = os.environ.get("SSH_CLIENT", "").split(" ")[0]
    host = socket.gethostname()
    return f"tui {host}" + (f" ssh {ssh}" if ssh else "")


class JxcApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "jxc"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("ctrl+q", "quit", t("key.quit"), id="quit", priority=True),
        # priority: a modal dialog does not pass the app's keys on, and F1 is never typed text
        Binding("f1", "help", t("key.help"), id="help", priority=True),
    ]

    def __init__(self, config: Config, *, login_hint: str = "") -> None:
        super().__init__()
        self.config = config
        self.login_hint = login_hint
        self.actor: Actor | None = None
        self._held_keys: list[tuple[str, str | None]] | None = None
        self._hold_generation = 0  # a stale hold's timeout must not release a newer hold
        self.title = t("app.title")
        if config.theme in self.available_themes:
            self.theme = config.theme

    # --- flow -----------------------------------------------------------------

    def on_mount(self) -> None:
        from .screens.login import LoginScreen

        self.push_screen(LoginScreen(hint=self.login_hint))

    def logged_in(self, actor: Actor) -> None:
        """After a login: the customer list, or first -- with a password an
        admin set (a new user's, or a reset one) -- the dialog that makes the
        user choose their own; there is no way past it but that or logging out."""
        from .screens.password import ChangePasswordDialog
        from .services import auth

        self.actor = actor
        ok, must_change = self.attempt(auth.must_change_password, actor)
        if not ok:
            self.logout()
        elif must_change:
            self.switch_screen(ChangePasswordDialog(forced=True))
        else:
            self.show_customers()

    def show_customers(self) -> None:
        from .screens.customers import CustomersScreen

        self.switch_screen(CustomersScreen())

    def logout(self) -> None:
        from .screens.login import LoginScreen
        from .services import auth

        if self.actor is not None:
            self.attempt(auth.logout, self.actor)
        self.actor = None
        self.clear_notifications()  # the last user's messages are not the next one's
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen(hint=self.login_hint))

    def require(self, permission: str, what: str) -> bool:
        """A friendly early "no permission"; the service checks again when it writes."""
        if self.actor is not None and self.actor.can(permission):
            return True
        self.notify(t("no_permission", what=what), severity="error", markup=False)
        return False

    # --- type-ahead -------------------------------------------------------------

    def hold_keys(self, seconds: float = 3.0) -> None:
        """Keep the keys typed from now on until :meth:`release_keys` (or a
        timeout): typed ahead of a search's results, they are meant for them."""
        if self._held_keys is None:
            self._held_keys = []
            self._hold_generation += 1
            generation = self._hold_generation
            self.set_timer(seconds, lambda: self.release_keys() if generation == self._hold_generation else None)

    def release_keys(self) -> None:
        keys, self._held_keys = self._held_keys, None
        if keys:
            self.run_worker(self._replay(keys), group="typeahead")

    async def _replay(self, keys: list[tuple[str, str | None]]) -> None:
        from textual._wait import wait_for_idle

        for key, character in keys:
            if self._driver is None:
                return
            self._driver.send_message(events.Key(key, character))
            await wait_for_idle(0)
            # until the key is handled and whatever it opened has mounted and taken focus
            for round_ in range(12):
                before = (self.screen, self.screen.focused)
                await self._settle()
                if round_ >= 2 and (self.screen, self.screen.focused) == before and before[1] is not None:
                    break

    async def _settle(self) -> None:
        """Wait until the app and the current screen's widgets have handled what
        is queued now: 'e' must have opened its dialog before '9' is typed."""
        done = asyncio.Event()
        pending = 0

        def one_done() -> None:
            nonlocal pending
            pending -= 1
            if pending == 0:
                done.set()

        for node in [self, *self.screen.walk_children(with_self=True)]:
            if node.call_later(one_done):
                pending += 1
        if pending:
            try:
                await asyncio.wait_for(done.wait(), timeout=2)
            except asyncio.TimeoutError:
                pass

    async def on_event(self, event: events.Event) -> None:
        if (self._held_keys is not None and isinstance(event, events.Key) and not event.is_forwarded
                and event.key not in ("ctrl+q", "ctrl+c")):
            self._held_keys.append((event.key, event.character))
            return
        await super().on_event(event)

    # --- errors -----------------------------------------------------------------

    def show_error(self, error: JxcError) -> None:
        self.notify(error.message(), severity="error", markup=False, timeout=8)

    def report_unexpected(self, error: BaseException) -> None:
        log.error("unexpected error", exc_info=error)
        self.notify(t("error.unexpected", path=self.config.log_file), severity="error",
                    markup=False, timeout=12)

    def report(self, error: BaseException) -> None:
        """Show any error from a worker: the user's in their language, anything else logged."""
        if isinstance(error, JxcError):
            self.show_error(error)
        else:
            self.report_unexpected(error)

    def attempt(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[bool, T | None]:
        """Call a service; show its error (user-caused or not) and return ``(ok, result)``."""
        try:
            return True, fn(*args, **kwargs)
        except JxcError as error:
            self.show_error(error)
        except Exception as error:  # noqa: BLE001 - anything else is logged, never shown raw
            self.report_unexpected(error)
        return False, None

    def _handle_exception(self, error: Exception) -> None:
        # Last line of defence: log the traceback to the file and leave with a
        # one-line message instead of painting a traceback on the terminal.
        log.error("unhandled error, exiting", exc_info=error)
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._return_code = 1
        self.exit(return_code=1, message=t("error.unexpected", path=self.config.log_file))

    # --- keys and commands ---------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)  # F1 again closes it
        else:
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands = getattr(screen, "palette_commands", None)
        if commands is None or self.actor is None:
            return
        for permission, title, action in commands():
            if permission is None or self.actor.can(permission):
                yield SystemCommand(title, title, action)


def setup_logging(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("jxc_tui")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
