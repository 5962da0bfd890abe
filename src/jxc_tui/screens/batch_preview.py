"""The preview of a batch (批量修改), and the one key that writes it.

One row per customer -- code, name, current, new, change, and whether it
posts now or needs approval -- drawn a line at a time, so 100,000 rows show
at once; ``f`` switches to the rows that will not be written and why.
Nothing is written until ``y``.  The service then checks everything again
inside the writers' lock; what it refuses is said here with what to do:
rows with errors (``s`` leaves them out), the same batch run before (``g``
runs it again, recorded), debts above credit limits (asked, recorded),
customers changed since the preview (``r`` previews again).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from .. import clock
from ..errors import BatchAlreadyRun, BatchCreditLimit, BatchRefused, BatchStale, JxcError
from ..i18n import t
from ..money import format_amount
from ..services import batch
from ..services.batch import BatchPlan, BatchResult, Progress
from ..widgets.cells import cell, money_cell, money_width
from ..widgets.virtual_table import Column, VirtualTable
from .confirm import ConfirmDialog
from .progress import Outcome, ProgressDialog

Remake = Callable[[Progress], BatchPlan]


def route_cell(row: batch.PlanRow) -> Text:
    text = batch.route_label(row) + ("!" if row.over_credit else "")
    return Text(text, style="green" if row.posts_now and not row.over_credit else "bold yellow", no_wrap=True)


class BatchPreviewScreen(Screen[BatchResult | None]):
    BINDINGS = [
        Binding("y", "post", t("key.run_batch"), id="preview.post"),
        Binding("f", "toggle_refused", t("key.refused_rows"), id="preview.refused"),
        Binding("s", "toggle_skip", t("key.skip_bad"), id="preview.skip"),
        Binding("g", "toggle_again", t("key.run_again"), id="preview.again"),
        Binding("r", "remake", t("key.repreview"), id="preview.remake"),
        Binding("escape", "back", t("key.back"), id="preview.back"),
    ]

    def __init__(self, plan: BatchPlan, remake: Remake | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.remake = remake
        self.showing_refused = False
        self.skip_refused = False
        self.run_again = False

    def compose(self) -> ComposeResult:
        yield Static(id="preview-title", classes="section", markup=False)
        yield Static(id="preview-summary", markup=False)
        yield Static(id="preview-warnings", classes="route-approval", markup=False)
        yield VirtualTable(id="preview-table")
        yield Static(id="preview-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_plan()
        self.set_focus(self.query_one(VirtualTable))

    # --- showing ---------------------------------------------------------------------------

    def show_plan(self) -> None:
        plan = self.plan
        self.query_one("#preview-title", Static).update(t("preview.title", what=plan.describe()))
        self.query_one("#preview-summary", Static).update(plan.summary())
        self._show_table()
        self._show_flags()

    def _show_table(self) -> None:
        table = self.query_one(VirtualTable)
        plan = self.plan
        width = max(40, self.size.width or 80)
        if self.showing_refused:
            refused = plan.refused
            columns = [Column(t("preview.col.line"), 6, "right"), Column(t("list.code"), 12),
                       Column(t("preview.col.problem"), max(10, width - 23))]
            table.set_rows(len(refused), lambda i: (cell(refused[i].line or "-"), cell(refused[i].code),
                                                    cell(refused[i].message)), columns)
            return
        rows = plan.rows
        m = money_width(a for r in rows for a in (r.old, r.new, r.change))
        route = 9
        name = max(8, width - 10 - 3 * m - route - 8)
        columns = [Column(t("list.code"), 10), Column(t("list.name"), name),
                   Column(t("preview.col.current"), m, "right"), Column(t("preview.col.new"), m, "right"),
                   Column(t("col.change"), m, "right"), Column(t("preview.col.route"), route)]
        table.set_rows(len(rows), lambda i: (cell(rows[i].code), cell(rows[i].name), money_cell(rows[i].old),
                                             money_cell(rows[i].new), money_cell(rows[i].change, signed=True),
                                             route_cell(rows[i])), columns)

    def _show_flags(self) -> None:
        plan = self.plan
        lines: list[str] = []
        if plan.earlier is not None:
            e = plan.earlier
            lines.append(t("preview.again_on") if self.run_again else
                         t("preview.earlier", id=e.id, who=e.actor_name, when=clock.format_local(e.created_at)))
        blocking = len(plan.blocking)
        if blocking:
            lines.append(t("preview.skipping", n=blocking) if self.skip_refused else t("preview.blocking", n=blocking))
        if plan.over_credit_count:
            lines.append(t("preview.credit", n=plan.over_credit_count))
        warnings = self.query_one("#preview-warnings", Static)
        warnings.update("\n".join(lines))
        warnings.display = bool(lines)
        view = t("preview.showing_refused" if self.showing_refused else "preview.showing_rows",
                 rows=plan.count, refused=len(plan.refused))
        self.query_one("#preview-status", Static).update(view + " · " + t("preview.hint"))

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        """Enter: the row in full -- the reason (a file's rows carry their own), the line, the route."""
        from .details import DetailsDialog

        if self.app.screen is not self:
            return
        if self.showing_refused:
            r = self.plan.refused[event.index]
            pairs: list[tuple[str, object]] = [(t("preview.col.line"), r.line or "-"), (t("list.code"), r.code),
                                               (t("preview.col.problem"), r.message)]
            self.app.push_screen(DetailsDialog(r.code, pairs))
            return
        row = self.plan.rows[event.index]
        pairs = [(t("list.code"), row.code), (t("list.name"), row.name),
                 (t("preview.col.current"), format_amount(row.old)), (t("preview.col.new"), format_amount(row.new)),
                 (t("col.change"), format_amount(row.change, signed=True)), (t("col.reason"), row.reason),
                 (t("preview.col.route"), batch.route_label(row))]
        if row.line:
            pairs.append((t("preview.col.line"), row.line))
        if row.over_credit and row.credit_limit_fen is not None:
            pairs.append((t("field.credit_limit"), format_amount(row.credit_limit_fen, fen=True)))
        self.app.push_screen(DetailsDialog(f"{row.code} {row.name}", pairs))

    # --- keys ----------------------------------------------------------------------------------

    def action_toggle_refused(self) -> None:
        self.showing_refused = not self.showing_refused
        self._show_table()
        self._show_flags()

    def action_toggle_skip(self) -> None:
        if not self.plan.blocking:
            self.app.notify(t("preview.no_errors"), markup=False)
            return
        self.skip_refused = not self.skip_refused
        self._show_flags()

    def action_toggle_again(self) -> None:
        if self.plan.earlier is None:
            self.app.notify(t("preview.not_a_rerun"), markup=False)
            return
        self.run_again = not self.run_again
        self._show_flags()

    def action_back(self) -> None:
        self.app.notify(t("preview.nothing_written"), markup=False)
        self.dismiss(None)

    def action_remake(self) -> None:
        if self.remake is None:
            return
        remake = self.remake

        def done(outcome: Outcome) -> None:
            if outcome.error is not None:
                self.app.report(outcome.error)
            elif outcome.ok:
                self.plan = outcome.result
                self.skip_refused = self.run_again = False
                self.show_plan()

        self.app.push_screen(ProgressDialog(t("preview.working"), remake, writes=False), done)

    def action_post(self, confirm_credit: bool = False) -> None:
        if not self.app.require("debt.batch", t("key.run_batch")):
            return
        actor, plan = self.app.actor, self.plan
        skip, again = self.skip_refused, self.run_again

        def work(progress: Progress) -> BatchResult:
            return batch.post(actor, plan, skip_refused=skip, run_again=again, confirm_credit=confirm_credit,
                              progress=progress)

        self.app.push_screen(ProgressDialog(t("preview.posting"), work, writes=True), self._posted)

    def _posted(self, outcome: Outcome) -> None:
        error = outcome.error
        if isinstance(error, BatchCreditLimit):
            def answered(yes: bool | None) -> None:
                if yes:
                    self.action_post(confirm_credit=True)
            self.app.push_screen(ConfirmDialog(t("credit.title"), error.message() + "\n" + t("credit.confirm")),
                                 answered)
        elif isinstance(error, BatchRefused):
            self.app.show_error(JxcError("preview.refused_hint", n=len(error.refusals)))
        elif isinstance(error, BatchAlreadyRun):
            self.app.notify(error.message() + " " + t("preview.press_g"), severity="error", markup=False,
                            timeout=10)
        elif isinstance(error, BatchStale):
            hint = " " + t("preview.press_r") if self.remake is not None else ""
            self.app.notify(error.message() + hint, severity="error", markup=False, timeout=10)
        elif error is not None:
            self.app.report(error)
        elif outcome.ok:
            result: BatchResult = outcome.result
            self.app.notify(result.summary(), markup=False, timeout=10)
            self.dismiss(result)

    def palette_commands(self) -> list[tuple[str | None, str, object]]:
        return [("debt.batch", t("key.run_batch"), self.action_post),
                (None, t("key.refused_rows"), self.action_toggle_refused)]
