"""Approvals (审核): the requests waiting for a second person, and your own.

Approvers see pending requests, oldest first; ``m`` switches to the requests
they made themselves.  Anyone else sees their own requests and what became of
them.  A batch's requests are one row (the batch: Enter opens it, where
finance approves or rejects it as a whole or row by row).  Enter opens a request with the customer's current balance beside the
balance the requester saw; there ``y`` approves, ``n`` rejects (with a
reason) and the requester's ``c`` withdraws it.  The services decide who may
do what; the keys only reflect it.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import clock
from ..errors import JxcError, Refused, RequestClosed, StaleRequest
from ..i18n import t
from ..money import format_amount
from ..services import approvals, batch
from ..services.approvals import RequestView
from ..services.batch import BatchView
from ..widgets.cells import cell, label, money_cell
from .prompt import TextPromptDialog


_REFUSED = object()  # a decision the service refused: the dialog closes, the request is re-read


def status_label(r: RequestView) -> str:
    return t(f"request.status.{r.status}")


class ApprovalsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="approvals.back"),
        Binding("m", "toggle_mine", t("key.mine"), id="approvals.mine"),
        Binding("f5", "refresh", t("key.refresh"), id="approvals.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = not self.app.actor.can("debt.approve") if self.app.actor else True
        self.requests: list[RequestView] = []
        self.batches: list[BatchView] = []

    def compose(self) -> ComposeResult:
        yield Static(id="approvals-title", classes="section", markup=False)
        table: DataTable[object] = DataTable(id="requests", cursor_type="row", zebra_stripes=True)
        table.add_column("#", width=4)
        table.add_column(t("col.when"), width=16)
        # 80 columns: 4+16+13+change+8+9 and 2 of padding each; Enter shows a row in full
        table.add_column(t("col.customer"), width=13)
        table.add_column(Text(t("col.change"), justify="right"))  # money: sized to the widest
        table.add_column(t("col.requester"), width=8)
        table.add_column(t("request.status"), width=9)
        yield table
        yield Static(id="approvals-status", markup=False)
        yield Static(t("approvals.hint"), classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.query_one("#requests"))

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        actor = self.app.actor
        if self.mine:
            ok, rows = self.app.attempt(approvals.my_requests, actor)
            ok, waiting = True, []
        else:
            ok, rows = self.app.attempt(approvals.pending_requests, actor, batches=False)
            ok, waiting = self.app.attempt(batch.pending_batches, actor)
        self.requests = rows or []
        self.batches = waiting or []
        title = t("approvals.title_mine") if self.mine else t("approvals.title_pending")
        self.query_one("#approvals-title", Static).update(title)
        table = self.query_one("#requests", DataTable)
        cursor = table.cursor_row
        table.clear()
        # oldest first, a batch where it was made
        entries: list[tuple[object, str, RequestView | BatchView]] = [
            *((r.requested_at, f"r{r.id}", r) for r in self.requests),
            *((b.created_at, f"b{b.id}", b) for b in self.batches)]
        if not self.mine:
            entries.sort(key=lambda e: e[0])  # type: ignore[arg-type, return-value]
        for _, key, item in entries:
            if isinstance(item, BatchView):
                table.add_row(cell(f"B{item.id}"), cell(clock.format_local(item.created_at)),
                              cell(t("batch.approvals_row", n=f"{item.pending:,}", what=item.describe())),
                              money_cell(item.pending_change, signed=True), cell(item.actor_name),
                              cell(t("request.status.pending"), style="yellow"), key=key)
            else:
                table.add_row(cell(item.id), cell(clock.format_local(item.requested_at)),
                              cell(f"{item.customer_code} {item.customer_name}"), money_cell(item.change, signed=True),
                              cell(item.requester_name), cell(status_label(item)), key=key)
        if entries:
            table.move_cursor(row=min(cursor, len(entries) - 1))
        empty = t("approvals.none_mine") if self.mine else t("approvals.none_pending")
        self.query_one("#approvals-status", Static).update(
            t("list.count", shown=len(entries), more="") if entries else empty)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.app.screen is not self:
            return  # a second Enter typed ahead: the first one has opened it
        key = str(event.row_key.value or "")
        if key.startswith("b"):
            from .batches import BatchScreen

            self.app.push_screen(BatchScreen(int(key[1:])))
        else:
            self.app.push_screen(RequestScreen(int(key[1:])))

    def action_toggle_mine(self) -> None:
        if not self.app.actor.can("debt.approve"):
            return  # only their own requests to show
        self.mine = not self.mine
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)


class RequestScreen(Screen[None]):
    """One request in full, and the decision keys that apply to it."""

    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="request.back"),
        Binding("y", "approve", t("key.approve"), id="request.approve"),
        Binding("n", "reject", t("key.reject"), id="request.reject"),
        Binding("c", "withdraw", t("key.withdraw"), id="request.withdraw"),
    ]

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.request: RequestView | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="request-body"):
            yield Static(id="request-title", classes="section", markup=False)
            yield Static(id="request-fields")
        yield Static(id="request-hint", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # decided elsewhere meanwhile: show it

    def reload(self) -> None:
        ok, r = self.app.attempt(approvals.get_request, self.app.actor, self.request_id)
        if not ok or r is None:
            self.dismiss(None)
            return
        self.request = r
        self.query_one("#request-title", Static).update(t("request.title", id=r.id))
        table = Table(show_header=False, box=None, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        moved = r.status == "pending" and not r.is_current
        rows: list[tuple[str, Text]] = [
            (t("request.customer"), label(r.customer_code, " ", r.customer_name)),
            (t("request.kind"), Text(t(f"kind.{r.kind}"))),
            (t("request.seen"), Text(format_amount(r.seen_balance))),
            (t("request.current"), Text(format_amount(r.current_balance), style="bold red" if moved else "bold")
             + (Text(" " + t("request.moved"), style="red") if moved else Text(""))),
            (t("request.new"), Text(format_amount(r.new_balance), style="bold")),
            (t("col.change"), Text(format_amount(r.change, signed=True))),
            (t("col.reason"), label(r.reason)),
            (t("request.requester"), label(r.requester_name)),
            (t("request.requested_at"), Text(clock.format_local(r.requested_at, seconds=True))),
            (t("request.status"), Text(status_label(r), style="bold yellow" if r.status == "pending" else "bold")),
        ]
        if r.reverses_id:
            rows.append((t("request.reverses"), Text(f"#{r.reverses_id}")))
        if r.over_credit_limit:
            rows.append((t("field.credit_limit"), Text(t("entry.over_credit"), style="yellow")))
        if r.status != "pending":
            rows += [(t("request.decider"), label(r.decider_name)),
                     (t("request.decided_at"), Text(clock.format_local(r.decided_at, seconds=True)
                                                    if r.decided_at else "")),
                     (t("field.note"), label(r.note))]
        for name, value in rows:
            table.add_row(Text(name), value)
        self.query_one("#request-fields", Static).update(table)
        self.query_one("#request-hint", Static).update(self._hint(r))

    def _hint(self, r: RequestView) -> str:
        actor = self.app.actor
        if r.status != "pending":
            return t("request.hint_closed")
        if r.requester_name == actor.username:
            return t("request.hint_requester")
        if actor.can("debt.approve"):
            return t("request.hint_approver")
        return t("request.hint_closed")

    def _can_decide(self, own: bool) -> bool:
        """Say at once what the service would refuse: a closed request, or
        deciding your own (``own=False``) / withdrawing someone else's."""
        r = self.request
        if r is None:
            return False
        if r.status != "pending":
            self.app.show_error(approvals.closed_error(r.id, r.status, r.decider_name, r.decided_at))
            return False
        mine = r.requester_name == self.app.actor.username
        if mine != own:
            self.app.show_error(Refused("request.not_yours" if own else "request.own"))
            return False
        return True

    def _decide(self, title: str, field_label: str, decide) -> None:
        """Ask for the note, then decide; a refusal is shown and the request re-read."""
        r = self.request
        if r is None:
            return

        def submit(note: str, _confirm: bool) -> object:
            try:
                return decide(note)
            except (StaleRequest, RequestClosed) as error:
                # decided meanwhile, or found stale: no note can change that --
                # close the dialog and show what the request has become
                self.app.show_error(error)
                return _REFUSED

        def done(result: object) -> None:
            if result is _REFUSED:
                self.reload()
            elif result is not None:
                self.dismiss(None)

        self.app.push_screen(TextPromptDialog(title, [label(r.customer_code, " ", r.customer_name, "  ",
                                                            format_amount(r.seen_balance), " → ",
                                                            format_amount(r.new_balance))],
                                              field_label, submit), done)

    def action_approve(self) -> None:
        if not self.app.require("debt.approve", t("key.approve")) or not self._can_decide(own=False):
            return
        if self.request is not None and not self.request.is_current:
            # the balance has moved since the request: approving is refused and
            # marks it stale whatever the note, so do not ask for one
            try:
                approvals.approve(self.app.actor, self.request_id, "")
            except JxcError as error:
                self.app.show_error(error)
            except Exception as error:  # noqa: BLE001 - logged, never shown raw
                self.app.report_unexpected(error)
            self.reload()
            return

        def decide(note: str) -> object:
            result = approvals.approve(self.app.actor, self.request_id, note)
            self.app.notify(t("approvals.approved", id=self.request_id, code=self.request.customer_code,
                              old=format_amount(result.old_balance), new=format_amount(result.new_balance)),
                            markup=False)
            return result

        self._decide(t("note.approve_title", id=self.request_id), t("note.optional"), decide)

    def action_reject(self) -> None:
        if not self.app.require("debt.approve", t("key.reject")) or not self._can_decide(own=False):
            return

        def decide(note: str) -> object:
            result = approvals.reject(self.app.actor, self.request_id, note)
            self.app.notify(t("approvals.rejected", id=self.request_id), markup=False)
            return result

        self._decide(t("note.reject_title", id=self.request_id), t("note.required"), decide)

    def action_withdraw(self) -> None:
        if not self._can_decide(own=True):
            return

        def decide(note: str) -> object:
            result = approvals.cancel(self.app.actor, self.request_id, note)
            self.app.notify(t("approvals.cancelled", id=self.request_id), markup=False)
            return result

        self._decide(t("note.cancel_title", id=self.request_id), t("note.optional"), decide)

    def action_back(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        return [
            ("debt.approve", t("key.approve"), self.action_approve),
            ("debt.approve", t("key.reject"), self.action_reject),
            (None, t("key.withdraw"), self.action_withdraw),
        ]
