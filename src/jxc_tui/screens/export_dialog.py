"""Exporting from the TUI: the current search's customers, or one customer's
history, to a CSV (UTF-8 with BOM) or XLSX file.

:func:`start_export` asks where to save (a path under the home folder is
offered), asks before overwriting, writes off the UI thread with a progress
bar (Esc stops it; a stopped export leaves no file and no audit event), and
says how many rows went where.  The service checks the export permission and
records the audit event; this only asks and shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App

from .. import clock
from ..errors import ValidationError
from ..i18n import t
from ..services.export import ExportReport
from .confirm import ConfirmDialog
from .progress import Outcome, Progress, ProgressDialog
from .prompt import TextPromptDialog

# (path, overwrite, rows-written callback) -> report; runs in a worker thread
Export = Callable[[Path, bool, Callable[[int], None]], ExportReport]


def default_path(stem: str) -> str:
    """``~/<stem>-YYYYMMDD-HHMM.csv``: a new name each minute, in a folder that exists."""
    stamp = clock.to_local(clock.utcnow()).strftime("%Y%m%d-%H%M")
    return str(Path.home() / f"{stem}-{stamp}.csv")


def start_export(app: App, title: str, stem: str, export: Export) -> None:
    def submit(text: str, _confirm: bool) -> Path:
        raw = text.strip()
        if not raw:
            raise ValidationError("export.no_path")
        return Path(raw).expanduser()

    def run(path: Path, overwrite: bool) -> None:
        def work(progress: Progress) -> Any:
            return export(path, overwrite, lambda n: progress("export", n, 0))

        def done(outcome: Outcome) -> None:
            if outcome.error is not None:
                app.report(outcome.error)  # type: ignore[attr-defined]
            elif outcome.ok:
                app.notify(outcome.result.summary(), markup=False, timeout=10)

        app.push_screen(ProgressDialog(t("export.working"), work, writes=False), done)

    def chosen(path: object) -> None:
        if not isinstance(path, Path):
            return
        if path.is_file():
            def answered(yes: bool | None) -> None:
                if yes:
                    run(path, True)
            app.push_screen(ConfirmDialog(t("export.overwrite_title"), t("export.overwrite", path=path)), answered)
        else:
            run(path, False)

    app.push_screen(TextPromptDialog(title, [t("export.path_hint")], t("export.path"), submit,
                                     value=default_path(stem), max_length=1000), chosen)


def export_customer_history(app: App, customer: Any) -> None:
    """``X`` on a customer (detail or history): every ledger entry of theirs."""
    from ..services import export

    if not app.require("data.export", t("key.export")):  # type: ignore[attr-defined]
        return
    actor, customer_id = app.actor, customer.id  # type: ignore[attr-defined]
    start_export(app, t("export.history_title", code=customer.code, name=customer.name), "history",
                 lambda path, overwrite, progress: export.export_history(
                     actor, path, customer_id=customer_id, overwrite=overwrite, progress=progress))
