"""The change log for admins and auditors: every audit event, newest first,
paged from the database, with filters; Enter shows one event in full."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from .. import clock
from ..i18n import MESSAGES, get_language, t
from ..services import audit, thread_connection
from ..services.audit import EventFilter, EventView
from ..widgets.cells import cell
from .details import DetailsDialog

PAGE_SIZE = 100
FILTERS = ("since", "until", "user", "action", "customer")


def action_label(action: str) -> str:
    """An audit action in the user's language (the code itself when it has no label)."""
    label_text = t(f"action.{action}")
    return action if label_text == f"action.{action}" else label_text


def action_code(text: str) -> str:
    """What was typed in the action filter: a label (改欠款) or a code prefix (debt.)."""
    for key, value in MESSAGES[get_language()].items():
        if key.startswith("action.") and value == text:
            return key.removeprefix("action.")
    return text


_SUMMARY_FIRST = ("balance", "change", "opening", "name", "code", "role", "username")


def _summary(ev: EventView) -> str:
    """One line for the table: the most telling fields first, old -> new."""
    keys = [k for k in dict.fromkeys([*ev.before, *ev.after]) if ev.before.get(k) or ev.after.get(k)]
    keys.sort(key=lambda k: _SUMMARY_FIRST.index(k) if k in _SUMMARY_FIRST else len(_SUMMARY_FIRST))
    parts = []
    for k in keys[:3]:
        old, new = ev.before.get(k), ev.after.get(k, "")
        parts.append(f"{k}: {old} → {new}" if old is not None else f"{k}: {new}")
    return "; ".join(parts) or ev.reason


class ChangeLogScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", t("key.back"), id="log.back"),
        Binding("f", "focus_filters", t("key.filter"), id="log.filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[int, EventView] = {}
        self.filters = EventFilter()
        self.has_more = False
        self._loading = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Static(t("log.title"), classes="section", markup=False)
        with Horizontal(id="log-filters"):
            for name in FILTERS:
                key = {"user": "log.filter.user", "customer": "log.filter.customer"}.get(name, f"log.filter.{name}")
                yield Input(placeholder=t(key), id=f"f-{name}", classes="filter")
        table: DataTable[object] = DataTable(id="events", cursor_type="row", zebra_stripes=True)
        table.add_column("#", width=5)
        table.add_column(t("col.when"), width=16)
        table.add_column(t("col.who"), width=8)
        table.add_column(t("col.action"), width=12)
        table.add_column(t("col.customer"), width=8)
        table.add_column(t("col.change"), width=18)  # 80 columns: 5+16+8+12+8+18 and 2 of padding each
        yield table
        yield Static(id="log-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.query_one("#events"))

    def action_focus_filters(self) -> None:
        self.query_one("#f-since", Input).focus()

    @staticmethod
    def _date(text: str, *, end: bool) -> datetime | None:
        """A typed date (full-width digits too) as a UTC bound; ValueError if it is none."""
        text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            return None
        day = datetime.strptime(text, "%Y-%m-%d")
        try:
            return clock.local_date_to_utc(day + timedelta(days=1) if end else day)
        except OverflowError:  # 9999-12-31 as an end date: no later day exists
            return None if end else clock.local_date_to_utc(day)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {name: self.query_one(f"#f-{name}", Input).value.strip() for name in FILTERS}
        try:
            since = self._date(values["since"], end=False)
            until = self._date(values["until"], end=True)
        except ValueError:
            self.query_one("#log-status", Static).update(t("log.bad_date"))
            return
        self.filters = EventFilter(since=since, until=until, actor_name=values["user"],
                                   action=action_code(values["action"]), customer_code=values["customer"])
        self.reload()
        self.set_focus(self.query_one("#events"))

    def reload(self) -> None:
        self._generation += 1
        self._loading = True
        self.fetch(self.filters, None, self._generation)

    @work(thread=True, exclusive=True, group="log", exit_on_error=False)
    def fetch(self, filters: EventFilter, before_id: int | None, generation: int) -> None:
        worker = get_current_worker()
        try:
            with thread_connection():
                rows = audit.list_events(self.app.actor, filters, limit=PAGE_SIZE + 1, before_id=before_id)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self._failed, error)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, rows, before_id is None, generation)

    def _failed(self, error: Exception) -> None:
        self._loading = False
        self.app.report(error)

    def _show(self, rows: list[EventView], first: bool, generation: int) -> None:
        if generation != self._generation:
            return
        self._loading = False
        table = self.query_one("#events", DataTable)
        if first:
            table.clear()
            self.events.clear()
        self.has_more = len(rows) > PAGE_SIZE
        for ev in rows[:PAGE_SIZE]:
            self.events[ev.id] = ev
            table.add_row(cell(ev.id), cell(clock.format_local(ev.created_at)), cell(ev.actor_name),
                          cell(action_label(ev.action)), cell(ev.customer_code), cell(_summary(ev)),
                          key=str(ev.id))
        more = t("list.count_more") if self.has_more else ""
        self.query_one("#log-status", Static).update(t("log.loaded", n=len(self.events), more=more))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one("#events", DataTable)
        if self.has_more and not self._loading and event.cursor_row >= table.row_count - 5 and self.events:
            self._loading = True
            self.fetch(self.filters, min(self.events), self._generation)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            ev = self.events.get(int(event.row_key.value))
            if ev is not None:
                self.app.push_screen(EventDetailScreen(ev))


class EventDetailScreen(DetailsDialog):
    """One audit event: before, after, reason, where from."""

    def __init__(self, event: EventView) -> None:
        ev = event
        pairs: list[tuple[str, object]] = [
            (t("col.when"), clock.format_local(ev.created_at, seconds=True)),
            (t("col.who"), ev.actor_name),
            (t("col.action"), f"{action_label(ev.action)} ({ev.action})"),
        ]
        if ev.customer_code:
            pairs.append((t("col.customer"), f"{ev.customer_code} {ev.customer_name}"))
        if ev.entity:
            pairs.append((t("event.entity"), f"{ev.entity} #{ev.entity_id}"))
        for key, title in (("before", t("event.before")), ("after", t("event.after"))):
            for k, v in getattr(ev, key).items():
                pairs.append((f"{title} {k}", v))
        pairs += [(t("col.reason"), ev.reason), (t("event.origin"), ev.origin),
                  (t("event.hash"), ev.hash[:16] + "…")]
        super().__init__(t("event.title", id=ev.id), pairs)
        self.event = event
