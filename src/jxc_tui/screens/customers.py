"""The main screen: a search box on top, matching customers below.

Typing searches as you type, off the UI thread; a newer keystroke supersedes
the older search.  Results arrive a page at a time; moving near the bottom
fetches the next page.

Marks (for a batch change): Space toggles the highlighted customer, ``*``
marks every result of the current search (all pages, fetched as ids off the
UI thread) or, pressed again, unmarks them; the status line always says how
many are marked.  ``b`` starts a batch for the marked customers, ``i`` one
from a file; ``X`` exports the current search.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from ..i18n import t
from ..services import approvals, batch, customers, export, thread_connection
from ..services.batch import BatchResult
from ..services.customers import CustomerView, SearchPage
from ..widgets.cells import cell, label, money_cell
from .batch_dialog import BatchDialog, ImportDebtsDialog
from .customer_detail import CustomerDetailScreen
from .customer_form import CustomerFormScreen
from .fields import ENTER, EnterPressed, FieldFlow
from .history import HistoryScreen
from .set_debt import MovementDialog, SetDebtDialog

PAGE_SIZE = 60
SORT_CYCLE = ("code", "debt_desc", "debt_asc", "name")
SEARCH_DELAY = 0.12
BADGE_REFRESH = 30.0  # seconds between re-counting the requests waiting for approval


class SearchInput(Input):
    """The search box.  ``/`` focuses it from anywhere; typed inside a query
    (``[/]`` finds ``C[/]01``) it is a character, but not as the first one."""

    class Slash(Message):
        pass

    def on_search_input_slash(self, message: "SearchInput.Slash") -> None:
        message.stop()
        if self.value:
            self.insert_text_at_cursor("/")


class CustomerTable(DataTable[object]):
    """Rows keyed by customer id."""

    BINDINGS = [Binding("enter", "select_cursor", t("key.open"), show=False)]


class CustomersScreen(FieldFlow, Screen[None]):
    AUTO_FOCUS = "#search"

    BINDINGS = [
        Binding("slash", "focus_search", t("key.search"), id="customers.search", priority=True),
        Binding("e", "set_debt", t("key.set_debt"), id="customers.set_debt"),
        Binding("r", "receipt", t("key.receipt"), id="customers.receipt"),
        Binding("n", "new_customer", t("key.new"), id="customers.new"),
        Binding("d", "edit_details", t("key.edit"), id="customers.edit"),
        Binding("h", "history", t("key.history"), id="customers.history"),
        Binding("space", "toggle_mark", t("key.mark"), id="customers.mark", show=False),
        Binding("asterisk", "mark_all", t("key.mark_all"), id="customers.mark_all", show=False),
        Binding("b", "batch", t("key.batch"), id="customers.batch"),
        Binding("a", "approvals", t("key.approvals"), id="customers.approvals"),
        Binding("l", "change_log", t("key.log"), id="customers.log"),
        # on 80 columns the footer holds the keys above; F1 lists every key
        Binding("i", "import_debts", t("key.import_debts"), id="customers.import", show=False),
        Binding("B", "batches", t("key.batches"), id="customers.batches", show=False),
        Binding("X", "export", t("key.export"), id="customers.export", show=False),
        Binding("s", "sort", t("key.sort"), id="customers.sort", show=False),
        Binding("ctrl+o", "logout", t("key.logout"), id="customers.logout", show=False),
        Binding("U", "users", t("key.users"), id="customers.users", show=False),
        Binding("f2", "change_password", t("key.password"), id="customers.password", show=False),
        ENTER,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "code"
        self.page: SearchPage | None = None
        self.rows: dict[int, CustomerView] = {}
        self._generation = 0
        self._timer: Timer | None = None
        self._loading = False  # any page on its way
        self._searching = False  # the first page of a new search on its way
        self._deferred: list[Callable[[], None]] = []  # keys pressed before it arrived
        self.marked: set[int] = set()
        self._marking = False

    def compose(self) -> ComposeResult:
        yield Static(id="topbar", markup=False)
        yield SearchInput(placeholder=t("list.search"), id="search", max_length=customers.MAX_QUERY)
        table = CustomerTable(id="customers", cursor_type="row", zebra_stripes=True)
        table.add_column("*", key="mark", width=1)
        table.add_column(t("list.code"), key="code", width=10)
        table.add_column(t("list.name"), key="name", width=27)
        table.add_column(t("list.phone"), key="phone", width=13)
        # money columns size to their widest figure: an amount is never cut
        table.add_column(Text(t("list.debt"), justify="right"), key="debt")
        yield table
        yield Static(id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_topbar()
        self.start_search()
        waiting = self.awaiting()
        if waiting:
            # after the first paint: a toast raised while the list is first laid
            # out left the debt column cut to a few characters
            self.call_after_refresh(self.app.notify, t("approvals.waiting", n=waiting), markup=False, timeout=8)
        self.set_interval(BADGE_REFRESH, self.show_topbar)

    def on_screen_resume(self) -> None:
        self.show_topbar()

    def awaiting(self) -> int:
        """Requests this user could decide: the badge (0 for those who cannot approve)."""
        actor = self.app.actor
        if actor is None or not actor.can("debt.approve"):
            return 0
        ok, n = self.app.attempt(approvals.awaiting_count, actor)
        return n or 0

    def show_topbar(self) -> None:
        actor = self.app.actor
        role = t(f"role.{actor.current_role() or actor.role}") if actor else ""  # as it is now, not at login
        bar = label((t("app.title") + "  ", "bold"), t("status.user", user=actor.username if actor else "", role=role))
        waiting = self.awaiting()
        if waiting:
            bar.append("  ")
            bar.append(f" {t('approvals.badge', n=waiting)} ", style="bold reverse yellow")
        self.query_one("#topbar", Static).update(bar)

    # --- searching ------------------------------------------------------------

    @property
    def table(self) -> CustomerTable:
        return self.query_one(CustomerTable)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.start_search)

    def next_field(self, field: object) -> CustomerTable | None:
        if field is self.query_one("#search"):
            self._searching = True
            self.app.hold_keys()  # keys typed from here on are meant for this search's results
            return self.table
        return None

    def on_enter_pressed(self, event: EnterPressed) -> None:
        if not event.moved:
            self.action_open()
        elif self._timer is not None or self._searching:  # search what was typed, now
            if self._timer is not None:
                self._timer.stop()
            self.start_search()

    def _when_ready(self, action: Callable[[], None]) -> None:
        """Run a key's action on the row it was meant for: after the pending search."""
        if self._timer is not None or self._searching:
            self._deferred.append(action)
        else:
            action()

    def on_key(self, event: events.Key) -> None:
        if event.key in ("down", "escape") and self.focused is self.query_one("#search"):
            event.stop()
            self.set_focus(self.table)

    def start_search(self) -> None:
        self._timer = None
        self._generation += 1
        self._loading = self._searching = True
        self.query_one("#status", Static).update(t("list.searching"))
        self.fetch(self.query_one("#search", Input).value, self.sort, None, self._generation)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def fetch(self, query: str, sort: str, after: tuple[object, ...] | None, generation: int) -> None:
        worker = get_current_worker()
        actor = self.app.actor
        try:
            with thread_connection():
                page = customers.search_customers(actor, query, sort=sort, after=after, limit=PAGE_SIZE)
        except Exception as error:  # noqa: BLE001
            if not worker.is_cancelled:
                self.app.call_from_thread(self._fetch_failed, error)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_page, page, generation)

    def _fetch_failed(self, error: Exception) -> None:
        self._loading = self._searching = False
        self._deferred.clear()
        self.app.release_keys()
        self.app.report(error)

    def _show_page(self, page: SearchPage, generation: int) -> None:
        if generation != self._generation:
            return  # a newer search has started
        self._loading = False
        table = self.table
        if page.first:
            table.clear()
            self.rows.clear()
        for c in page.rows:
            if c.id in self.rows:
                continue
            self.rows[c.id] = c
            table.add_row(self._mark_cell(c.id), cell(c.code), cell(c.name), cell(c.phone), money_cell(c.balance),
                          key=str(c.id))
        self.page = page
        self._update_status()
        if page.first:
            self._searching = False
            deferred, self._deferred = self._deferred, []
            for action in deferred:
                action()
            self.app.release_keys()

    def _update_status(self) -> None:
        shown = len(self.rows)
        if shown == 0 and self.page is not None:
            text = t("list.none")
        else:
            more = t("list.count_more") if self.page and self.page.has_more else ""
            text = t("list.count", shown=shown, more=more)
        status = label(f"{text} · {t('list.sort', sort=t('sort.' + self.sort))} · ",
                       (t("list.marked", n=f"{len(self.marked):,}"), "bold yellow" if self.marked else ""))
        self.query_one("#status", Static).update(status)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        page = self.page
        if page is None or not page.has_more or self._loading:
            return
        if event.cursor_row >= self.table.row_count - 5:
            self._loading = True
            self.fetch(page.query, page.sort, page.cursor, self._generation)

    # --- the highlighted customer -------------------------------------------------

    def current(self) -> CustomerView | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.rows.get(int(row_key.value)) if row_key.value is not None else None

    def refresh_rows(self) -> None:
        """Re-read every customer on screen and redraw the rows that changed:
        after approvals and batches, decided on other screens, the list shows
        the balances as they are now."""
        if not self.rows:
            return
        ok, fresh = self.app.attempt(customers.get_customers, self.app.actor, list(self.rows))
        if not ok or fresh is None:
            return
        for customer_id, now in fresh.items():
            if now != self.rows.get(customer_id):
                self.rows[customer_id] = now
                self._draw_row(customer_id, now)

    def _draw_row(self, customer_id: int, c: CustomerView) -> None:
        key = str(customer_id)
        table = self.table
        table.update_cell(key, "mark", self._mark_cell(customer_id))
        table.update_cell(key, "code", cell(c.code))
        table.update_cell(key, "name", cell(c.name))
        table.update_cell(key, "phone", cell(c.phone))
        table.update_cell(key, "debt", money_cell(c.balance), update_width=True)  # never cut a figure

    def refresh_customer(self, customer_id: int) -> None:
        """Re-read one customer and redraw its row (after a change made elsewhere)."""
        ok, fresh = self.app.attempt(customers.get_customer, self.app.actor, customer_id)
        if not ok or fresh is None or customer_id not in self.rows:
            return
        self.rows[customer_id] = fresh
        self._draw_row(customer_id, fresh)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # --- actions ----------------------------------------------------------------

    def action_focus_search(self) -> None:
        search = self.query_one("#search", SearchInput)
        if self.focused is search:
            search.post_message(SearchInput.Slash())  # in order with the keys before it
        else:
            self.set_focus(search)  # at once: the keys typed next go to the box

    def _on_current(self, make: Callable[[CustomerView], Screen[object]], permission: str | None = None,
                    what: str = "") -> None:
        """Open ``make(customer)`` for the highlighted row -- once a pending search
        has shown it -- and redraw that row when the screen closes."""
        def run() -> None:
            c = self.current()
            if c is None or (permission and not self.app.require(permission, what)):
                return
            self.app.push_screen(make(c), lambda _: self.refresh_customer(c.id))

        self._when_ready(run)

    def action_open(self) -> None:
        self._on_current(lambda c: CustomerDetailScreen(c.id))

    def action_set_debt(self) -> None:
        self._on_current(SetDebtDialog, "debt.adjust", t("key.set_debt"))

    def action_receipt(self) -> None:
        self._on_current(lambda c: MovementDialog(c, "receipt"), "ledger.post", t("key.receipt"))

    def action_edit_details(self) -> None:
        self._on_current(CustomerFormScreen, "customer.edit", t("key.edit"))

    def action_history(self) -> None:
        self._on_current(HistoryScreen)

    def action_new_customer(self) -> None:
        if not self.app.require("customer.edit", t("key.new")):
            return

        def created(view: CustomerView | None) -> None:
            if view is not None:
                search = self.query_one("#search", Input)
                search.value = view.code
                self.start_search()
                self.table.focus()

        self.app.push_screen(CustomerFormScreen(None), created)

    def action_change_log(self) -> None:
        from .change_log import ChangeLogScreen

        if self.app.require("history.view", t("key.log")):
            self.app.push_screen(ChangeLogScreen())

    def action_approvals(self) -> None:
        from .approvals import ApprovalsScreen

        actor = self.app.actor
        if actor is not None and not any(actor.can(p) for p in ("debt.approve", "debt.adjust", "ledger.post")):
            self.app.require("debt.approve", t("key.approvals"))  # says "no permission"; nothing opens
            return
        self.app.push_screen(ApprovalsScreen(), lambda _: self.refresh_rows())

    # --- marks and batches --------------------------------------------------------

    def _mark_cell(self, customer_id: int) -> Text:
        return Text("*" if customer_id in self.marked else " ", style="bold yellow")

    def _redraw_marks(self) -> None:
        table = self.table
        for customer_id in self.rows:
            table.update_cell(str(customer_id), "mark", self._mark_cell(customer_id))
        self._update_status()

    def action_toggle_mark(self) -> None:
        def run() -> None:
            c = self.current()
            if c is None:
                return
            self.marked.symmetric_difference_update({c.id})
            self.table.update_cell(str(c.id), "mark", self._mark_cell(c.id))
            self._update_status()
            self.table.action_cursor_down()  # Space, Space, Space marks a run of rows

        self._when_ready(run)

    def action_mark_all(self) -> None:
        if self._marking:
            return
        self._marking = True
        self.query_one("#status", Static).update(t("list.marking"))
        self._fetch_ids(self.query_one("#search", Input).value)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _fetch_ids(self, query: str) -> None:
        try:
            with thread_connection():
                ids = customers.matching_ids(self.app.actor, query, limit=batch.MAX_ROWS)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self._marked_all, None, error)
            return
        self.app.call_from_thread(self._marked_all, ids, None)

    def _marked_all(self, ids: list[int] | None, error: Exception | None) -> None:
        self._marking = False
        if error is not None or ids is None or len(ids) > batch.MAX_ROWS:
            self._update_status()  # "marking..." gives way to the count again
            if error is not None:
                self.app.report(error)
            else:
                self.app.notify(t("list.mark_too_many", max=f"{batch.MAX_ROWS:,}"), severity="error", markup=False)
            return
        found = set(ids)
        if found and found <= self.marked:
            self.marked -= found
            message = t("list.unmarked_all", n=f"{len(found):,}")
        else:
            self.marked |= found
            message = t("list.marked_all", n=f"{len(found):,}")
        self._redraw_marks()
        self.app.notify(message, markup=False)

    def _batch_done(self, result: BatchResult | None) -> None:
        """After a batch ran: the marks are spent; every figure on screen is re-read."""
        if result is None:
            return
        self.marked.clear()
        self.start_search()

    def action_batch(self) -> None:
        if not self.app.require("debt.batch", t("key.batch")):
            return
        if not self.marked:
            self.app.notify(t("batch.empty"), severity="error", markup=False)
            return
        self.app.push_screen(BatchDialog(sorted(self.marked)), self._batch_done)

    def action_import_debts(self) -> None:
        if self.app.require("debt.batch", t("key.import_debts")):
            self.app.push_screen(ImportDebtsDialog(), self._batch_done)

    def action_batches(self) -> None:
        from .batches import BatchesScreen

        self.app.push_screen(BatchesScreen(), lambda _: self.refresh_rows())

    def action_export(self) -> None:
        from .export_dialog import start_export

        if not self.app.require("data.export", t("key.export")):
            return
        actor, query, sort = self.app.actor, self.query_one("#search", Input).value, self.sort
        start_export(self.app, t("export.customers_title"), "customers",
                     lambda path, overwrite, progress: export.export_customers(
                         actor, path, query=query, sort=sort, overwrite=overwrite, progress=progress))

    def action_sort(self) -> None:
        self.sort = SORT_CYCLE[(SORT_CYCLE.index(self.sort) + 1) % len(SORT_CYCLE)]
        self.start_search()

    def action_logout(self) -> None:
        self.app.logout()

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        """(permission, title, callback) for the command palette; filtered by the app."""
        return [
            ("debt.adjust", t("key.set_debt"), self.action_set_debt),
            ("ledger.post", t("key.receipt"), self.action_receipt),
            ("customer.edit", t("key.new"), self.action_new_customer),
            ("customer.edit", t("key.edit"), self.action_edit_details),
            ("history.view", t("key.log"), self.action_change_log),
            ("debt.adjust", t("key.approvals"), self.action_approvals),
            ("debt.batch", t("key.batch"), self.action_batch),
            ("debt.batch", t("key.import_debts"), self.action_import_debts),
            (None, t("key.mark_all"), self.action_mark_all),
            (None, t("key.batches"), self.action_batches),
            ("data.export", t("key.export"), self.action_export),
            (None, t("key.history"), self.action_history),
            (None, t("key.sort"), self.action_sort),
            (None, t("key.logout"), self.action_logout),
            ("user.manage", t("key.users"), self.action_users),
            (None, t("key.password"), self.action_change_password),
        ]

    def action_users(self) -> None:
        from .users import UsersScreen

        if self.app.require("user.manage", t("key.users")):
            self.app.push_screen(UsersScreen())

    def action_change_password(self) -> None:
        from .password import ChangePasswordDialog

        self.app.push_screen(ChangePasswordDialog())
