"""Long work -- a batch preview or post, an export -- off the UI thread, with
a progress bar.

:class:`ProgressDialog` runs ``work(progress)`` in a thread worker (with its
own database connection) while the interface keeps drawing and answering
keys.  ``progress(phase, done, total)`` moves the bar from that thread.
Reading work can be stopped with Esc (the next progress call stops it);
writing work cannot -- its transaction commits whole or not at all -- and
the dialog says so.  The dialog closes with an :class:`Outcome`: the
work's result, or the error it raised (the caller shows it, or handles the
ones it expects), or that it was stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static
from textual.worker import get_current_worker

from ..i18n import t
from ..services import thread_connection

Progress = Callable[[str, int, int], None]


class Stopped(Exception):
    """The user pressed Esc during reading work."""


@dataclass(frozen=True)
class Outcome:
    result: Any = None
    error: Exception | None = None
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stopped


class ProgressDialog(ModalScreen[Outcome]):
    BINDINGS = [Binding("escape", "stop", t("key.cancel"), id="progress.stop")]

    def __init__(self, title: str, work_fn: Callable[[Progress], Any], *, writes: bool) -> None:
        super().__init__()
        self.title_text = title
        self.work_fn = work_fn
        self.writes = writes
        self._stop = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(t("progress.starting"), id="progress-phase", markup=False)
            yield ProgressBar(id="progress-bar", show_eta=False)
            yield Static(t("progress.hint_write" if self.writes else "progress.hint_read"), classes="hint",
                         markup=False)

    def on_mount(self) -> None:
        self.run()

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def run(self) -> None:
        worker = get_current_worker()

        def progress(phase: str, done: int, total: int) -> None:
            if self._stop and not self.writes:
                raise Stopped()
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show, phase, done, total)

        try:
            with thread_connection():
                result = self.work_fn(progress)
        except Stopped:
            self.app.call_from_thread(self.dismiss, Outcome(stopped=True))
            return
        except Exception as error:  # noqa: BLE001 - the caller shows it (app.report logs the unexpected)
            self.app.call_from_thread(self.dismiss, Outcome(error=error))
            return
        self.app.call_from_thread(self.dismiss, Outcome(result))

    def _show(self, phase: str, done: int, total: int) -> None:
        """``total`` 0: not known in advance (an export); the bar just moves."""
        if self._stop:
            return  # "stopping" stays up
        name = t(f"cli.progress.{phase}")
        text = (t("progress.phase", phase=name, done=f"{done:,}", total=f"{total:,}") if total > 0
                else t("progress.phase_open", phase=name, done=f"{done:,}"))
        self.query_one("#progress-phase", Static).update(text)
        self.query_one("#progress-bar", ProgressBar).update(total=total if total > 0 else None, progress=done)

    def action_stop(self) -> None:
        if self.writes:
            self.app.notify(t("progress.cannot_stop"), markup=False)
            return
        self._stop = True
        self.query_one("#progress-phase", Static).update(t("progress.stopping"))
