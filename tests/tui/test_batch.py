"""Batch modification (批量修改) and export with the keyboard alone at 80x24:
mark customers, choose one operation, preview, run; a file imported from the
TUI, its bad row named and its re-run refused; a batch above the limit
approved as a whole by a second person; undo; 10,000 customers at once in a
worker with a progress bar while the interface keeps answering keys; exports
of the current search and of one customer's history; and the roles that may
not do any of it."""

from __future__ import annotations

import csv
import shutil
import threading
from decimal import Decimal
from pathlib import Path

from jxc_tui.models import Customer
from jxc_tui.screens.approvals import ApprovalsScreen
from jxc_tui.screens.batch_dialog import BatchDialog, ImportDebtsDialog
from jxc_tui.screens.batch_preview import BatchPreviewScreen
from jxc_tui.screens.batches import BatchesScreen, BatchScreen
from jxc_tui.screens.confirm import ConfirmDialog
from jxc_tui.screens.customer_detail import CustomerDetailScreen
from jxc_tui.screens.customers import CustomersScreen
from jxc_tui.screens.progress import ProgressDialog
from jxc_tui.screens.prompt import TextPromptDialog
from jxc_tui.services import audit, batch, customers, history
from jxc_tui.services.pinyin import search_fields

from .conftest import SIZE, cells, login, marks, messages, text_of, wait_for
from .test_journey import search

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def shown_row(table, index: int) -> list[str]:
    """A VirtualTable row as the user reads it."""
    return [c.plain for c in table._row(index)]


def balance(ui, code: str) -> Decimal:
    return customers.get_customer(ui.actors.admin, ui.ids[code]).balance


def ledger_matches_balances() -> bool:
    return audit.verify().ok


async def to_list(pilot) -> None:
    """From the search box to the list, where letters are commands."""
    screen = pilot.app.screen
    if screen.focused is screen.query_one("#search"):
        await pilot.press("escape")


async def finance_in_the_list(pilot, ui, query: str = "C00") -> None:
    """Logged in as finance, the search done, the keys going to the list."""
    await login(pilot, "finance", ui.actors.password)
    await search(pilot, query)
    await to_list(pilot)


async def wait_preview(pilot) -> BatchPreviewScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BatchPreviewScreen))
    return pilot.app.screen


async def wait_back(pilot, screen_type=CustomersScreen):
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    return pilot.app.screen


async def test_mark_two_rows_increase_preview_and_run(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        screen = app.screen
        assert "已标记 0" in text_of(screen, "#status")
        await pilot.press("space", "space")  # C001, then C002 (Space moves down)
        assert "已标记 2" in text_of(screen, "#status")
        table = screen.query_one("#customers")
        assert marks(table) == [True, True, False]
        await pilot.press("up", "space")  # unmark C002 again
        assert "已标记 1" in text_of(screen, "#status")
        await pilot.press("up", "space")  # and mark it again; C003 stays unmarked
        await pilot.press("b")
        dialog = app.screen
        assert isinstance(dialog, BatchDialog)
        assert "2 位" in text_of(dialog, ".dialog-title")
        await pilot.press("down", "enter", *"100", "enter", *"对账调整", "enter")  # increase by 100.00
        preview = await wait_preview(pilot)
        summary = text_of(preview, "#preview-summary")
        assert "2 位客户" in summary and "2 笔立即入账" in summary and "+200.00" in summary
        assert balance(ui, "C001") == Decimal("3000.00")  # nothing written before y
        await pilot.press("y")
        await wait_back(pilot)
        await wait_for(pilot, lambda: not app.screen._loading)
        assert balance(ui, "C001") == Decimal("3100.00")
        assert balance(ui, "C002") == Decimal("-100.00")
        assert balance(ui, "C003") == Decimal("1500.50")
        assert "已标记 0" in text_of(app.screen, "#status")  # the marks are spent
        assert cells(app.screen.query_one("#customers"), 0)[3] == "3,100.00"  # the list shows the new figure
        assert any(m.startswith("批次 #1 已执行：2 笔已入账") for m in messages(app))
        rows = history.customer_history(ui.actors.admin, ui.ids["C001"])
        assert (rows[0].reason, rows[0].old, rows[0].new) == ("对账调整", "3,000.00", "3,100.00")
        assert ledger_matches_balances()


async def test_escape_from_the_preview_writes_nothing(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("space", "b", "down", "down", "down", "down", "enter", *"清账", "enter")  # clear
        preview = await wait_preview(pilot)
        assert "清零" in text_of(preview, "#preview-title")
        await pilot.press("escape")  # back to the dialog, to change the operation or leave
        await wait_back(pilot, BatchDialog)
        assert "未写入任何内容" in messages(app)[-1]
        await pilot.press("escape")
        await wait_back(pilot)
        assert balance(ui, "C001") == Decimal("3000.00")
        assert batch.list_batches(ui.actors.admin) == []


async def test_batch_dialog_refuses_bad_input_in_place(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("b")
        assert isinstance(app.screen, CustomersScreen)  # nothing marked: nothing opens
        assert "没有选中任何客户" in messages(app)[-1]
        await pilot.press("space", "b", "down", "down", "down", "enter", *"0", "enter", *"调价", "enter")  # 0 %
        dialog = app.screen
        assert isinstance(dialog, BatchDialog)
        assert "百分比不能为 0" in text_of(dialog, "#dlg-error")
        dialog.query_one("#amount").value = "1e3"
        await pilot.press("ctrl+s")
        assert "科学计数法" in text_of(dialog, "#dlg-error")
        dialog.query_one("#amount").value = "10"
        dialog.query_one("#reason").value = "   "
        await pilot.press("ctrl+s")
        assert app.screen is dialog and text_of(dialog, "#dlg-error")  # a reason is required
        assert balance(ui, "C001") == Decimal("3000.00")


async def test_percentage_rounds_half_up_symmetric_case_c06(ui):
    ui.add_customer("P1", "百分比甲", "0.05")
    ui.add_customer("P2", "百分比乙", "-0.05")
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui, "百分比")
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 2" in text_of(app.screen, "#status"))
        await pilot.press("b", "down", "down", "down", "enter", *"10", "enter", *"调价", "enter")  # +10 %
        preview = await wait_preview(pilot)
        await pilot.press("y")
        await wait_back(pilot)
        # 0.05 * 10 % = 0.005 -> 0.01 away from zero, for either sign
        assert balance(ui, "P1") == Decimal("0.06")
        assert balance(ui, "P2") == Decimal("-0.06")
        assert preview.plan.count == 2


async def test_mark_all_then_again_unmarks(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui, "")
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 3" in text_of(app.screen, "#status"))
        assert "已标记全部 3 位" in messages(app)[-1]
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 0" in text_of(app.screen, "#status"))


async def test_above_the_limit_goes_for_approval_and_admin_approves_the_batch_as_a_whole(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 3" in text_of(app.screen, "#status"))
        await pilot.press("b", "enter", *"20000", "enter", *"年终对账", "enter")  # set to 20,000.00
        preview = await wait_preview(pilot)
        assert "3 笔需要审核" in text_of(preview, "#preview-summary")
        await pilot.press("y")
        await wait_back(pilot)
        assert balance(ui, "C001") == Decimal("3000.00")  # waits for approval
        app.logout()
        await wait_for(pilot, lambda: app.actor is None)
        await login(pilot, "admin", ui.actors.password)
        await wait_back(pilot)
        await to_list(pilot)
        await pilot.press("a")
        approvals_screen = app.screen
        assert isinstance(approvals_screen, ApprovalsScreen)
        table = approvals_screen.query_one("#requests")
        assert table.row_count == 1  # the batch is one row, not three
        assert cells(table, 0)[0] == "B1" and cells(table, 0)[2].startswith("3 笔 · 设为 20,000.00")
        assert cells(table, 0)[5] == "待审核"
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= SIZE[0] - 1  # fits 80 columns
        await pilot.press("enter")
        screen = await wait_back(pilot, BatchScreen)
        assert "3 行" in text_of(screen, "#batch-status")
        await pilot.press("y")
        assert isinstance(app.screen, TextPromptDialog)
        await pilot.press(*"已核对", "enter")
        await wait_back(pilot, BatchScreen)
        assert all(balance(ui, c) == Decimal("20000.00") for c in ("C001", "C002", "C003"))
        assert any("批次 #1：已批准 3 笔" in m for m in messages(app))
        rows = history.customer_history(ui.actors.admin, ui.ids["C002"])
        assert (rows[0].who, rows[0].approver, rows[0].new) == ("finance", "admin", "20,000.00")  # both named
        await pilot.press("escape")
        await wait_back(pilot, ApprovalsScreen)
        assert approvals_screen.query_one("#requests").row_count == 0
        await pilot.press("escape")  # the list shows the approved balances, without searching again
        await wait_back(pilot)
        assert cells(app.screen.query_one("#customers"), 0)[3] == "20,000.00"
        assert ledger_matches_balances()


async def test_reject_all_needs_a_reason(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("space", "b", "enter", *"50000", "enter", *"大额", "enter")
        await wait_preview(pilot)
        await pilot.press("y")
        await wait_back(pilot)
        app.logout()
        await wait_for(pilot, lambda: app.actor is None)
        await login(pilot, "admin", ui.actors.password)
        await wait_back(pilot)
        app.push_screen(BatchScreen(1))
        await wait_back(pilot, BatchScreen)
        await pilot.press("n", "enter")
        dialog = app.screen
        assert isinstance(dialog, TextPromptDialog) and text_of(dialog, "#dlg-error")  # required
        await pilot.press(*"金额不对", "enter")
        await wait_back(pilot, BatchScreen)
        assert balance(ui, "C001") == Decimal("3000.00")
        assert batch.get_batch(ui.actors.admin, 1).pending == 0


async def import_file(pilot, path: Path, reason: str = "") -> None:
    await to_list(pilot)
    await pilot.press("i")
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportDebtsDialog)
    dialog.query_one("#path").value = str(path)
    dialog.query_one("#reason").value = reason
    await pilot.press("ctrl+s")


async def test_import_a_file_with_a_bad_row_names_it_writes_nothing_and_skips_it_on_request(ui, tmp_path):
    path = tmp_path / "对账.csv"
    path.write_text("客户编码,新欠款,原因\nC001,3500.00,对账\nC999,10.00,对账\nC003,1600.50,对账\n",
                    encoding="utf-8-sig")
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "finance", ui.actors.password)
        await import_file(pilot, path)
        preview = await wait_preview(pilot)
        warnings = text_of(preview, "#preview-warnings")
        assert "1 行有错误" in warnings
        await pilot.press("y")
        await wait_for(pilot, lambda: any("有 1 行错误，未写入任何内容" in m for m in messages(app)))
        assert app.screen is preview
        assert balance(ui, "C001") == Decimal("3000.00")  # all or nothing: nothing
        await pilot.press("f")  # the rows not written, and why
        table = preview.query_one("#preview-table")
        assert table.row_count == 1
        line, code, why = (c.plain for c in table._row(0))
        assert (line, code) == ("3", "C999") and "没有编码为 C999 的客户" in why
        await pilot.press("f", "enter")  # a row in full: its own reason
        from jxc_tui.screens.details import DetailsDialog

        assert isinstance(app.screen, DetailsDialog)
        assert ("原因", "对账") in [(k, str(v)) for k, v in app.screen.pairs]
        await pilot.press("escape", "s", "y")
        await wait_back(pilot)
        assert balance(ui, "C001") == Decimal("3500.00")
        assert balance(ui, "C003") == Decimal("1600.50")
        # the same file again: refused with the earlier batch, unless chosen on purpose
        await import_file(pilot, path)
        preview = await wait_preview(pilot)
        assert "批次 #1" in text_of(preview, "#preview-warnings")
        await pilot.press("s", "y")
        await wait_for(pilot, lambda: any("已于" in m and "批次 #1" in m and "按 g" in m for m in messages(app)))
        assert len(batch.list_batches(ui.actors.admin)) == 1
        assert ledger_matches_balances()


async def test_import_case_c04_gbk_file_from_the_tui(ui, tmp_path):
    """Case C04: a GBK file whose codes are text (00123 is not 123)."""
    ui.add_customer("00123", "零零一二三商行", "100.00")
    ui.add_customer("123", "一二三商行", "100.00")
    source = next(p for p in FIXTURES.glob("*.csv") if "gbk" in p.name.lower())
    path = tmp_path / source.name
    shutil.copy(source, path)
    with open(path, encoding="gbk", newline="") as f:
        codes = [row[0] for row in list(csv.reader(f))[1:]]
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "finance", ui.actors.password)
        await import_file(pilot, path, reason="迁移")
        preview = await wait_preview(pilot)
        shown = [r.code for r in preview.plan.rows] + [r.code for r in preview.plan.refused]
        assert sorted(shown) == sorted(codes)  # every row accounted for, codes as written


async def test_undo_a_batch_from_the_batches_screen_restores_every_balance(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 3" in text_of(app.screen, "#status"))
        await pilot.press("b", "down", "down", "enter", *"33.33", "enter", *"错价", "enter")  # decrease
        await wait_preview(pilot)
        await pilot.press("y")
        await wait_back(pilot)
        assert balance(ui, "C002") == Decimal("-233.33")
        await pilot.press("B")
        batches_screen = app.screen
        assert isinstance(batches_screen, BatchesScreen)
        await pilot.press("enter")
        await wait_back(pilot, BatchScreen)
        await pilot.press("u", *"减错了", "enter")
        preview = await wait_preview(pilot)
        assert preview.plan.count == 3
        await pilot.press("y")
        await wait_back(pilot, BatchScreen)
        assert [balance(ui, c) for c in ("C001", "C002", "C003")] == [
            Decimal("3000.00"), Decimal("-200.00"), Decimal("1500.50")]
        await pilot.press("escape")
        await wait_back(pilot, BatchesScreen)
        table = batches_screen.query_one("#batches")
        assert table.row_count == 2
        assert "已撤销（#2）" in shown_row(table, 1)[6]
        assert shown_row(table, 1)[5] == "-99.99"  # what its entries posted
        assert sum(c.width for c in table.columns) + len(table.columns) + 2 <= SIZE[0]  # fits 80 columns
        assert ledger_matches_balances()


async def test_clerk_and_viewer_cannot_batch_import_or_export(ui):
    """Case C08: the keys say "no permission" and open nothing; the services
    refuse too (tests/test_permissions.py)."""
    for role in ("clerk", "viewer"):
        app = ui.app()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await login(pilot, role, ui.actors.password)
            await search(pilot, "C00")
            await to_list(pilot)
            await pilot.press("space")
            for key in ("b", "i", "X"):
                await pilot.press(key)
                assert isinstance(app.screen, CustomersScreen), (role, key)
                assert "没有权限" in messages(app)[-1], (role, key)


async def test_export_the_current_search_then_overwrite_only_when_confirmed(ui, tmp_path):
    target = tmp_path / "客户.csv"
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("X")
        dialog = app.screen
        assert isinstance(dialog, TextPromptDialog)
        assert dialog.query_one("#text").value.endswith(".csv")  # a path is offered
        dialog.query_one("#text").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("已导出 3 行" in m for m in messages(app)))
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Chinese right
        assert "北京华夏科技有限公司" in data.decode("utf-8-sig")
        target.write_text("keep", encoding="utf-8")
        await pilot.press("X")
        app.screen.query_one("#text").value = str(target)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert target.read_text(encoding="utf-8") == "keep"
        await pilot.press("X")
        app.screen.query_one("#text").value = str(target)
        await pilot.press("enter", "y")
        await wait_for(pilot, lambda: target.read_bytes().startswith(b"\xef\xbb\xbf"))
        events = [e for e in audit.list_events(ui.actors.admin) if e.action == "export.customers"]
        assert len(events) == 2


async def test_export_one_customers_history_from_its_detail(ui, tmp_path):
    target = tmp_path / "history.xlsx"
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "finance", ui.actors.password)
        await search(pilot, "C001")
        await pilot.press("enter", "enter")  # to the list, then the detail
        assert isinstance(app.screen, CustomerDetailScreen)
        await pilot.press("X")
        app.screen.query_one("#text").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("已导出 1 行" in m for m in messages(app)))
        from openpyxl import load_workbook

        rows = list(load_workbook(target).active.iter_rows(values_only=True))
        assert rows[0][:3] == ("时间", "编码", "名称") and rows[1][1] == "C001"  # one entry: the opening debt


def _many_customers(n: int) -> None:
    rows = []
    for i in range(n):
        code, name = f"M{i:05d}", f"批量客户{i}"
        initials, full, key = search_fields(code, name, "")
        rows.append({"code": code, "name": name, "pinyin_initials": initials, "pinyin_full": full,
                     "search_key": key})
    for start in range(0, n, 500):
        Customer.insert_many(rows[start:start + 500]).execute()


async def test_ten_thousand_customers_preview_and_post_in_a_worker_while_keys_are_answered(ui, monkeypatch):
    """Done when: 10,000 customers preview and post from the TUI without the
    interface freezing.  The post is held in its worker until the test has
    pressed Esc on the progress dialog and seen the answer -- proof that the
    interface answers keys while the batch is written."""
    _many_customers(10_000)
    release, entered = threading.Event(), threading.Event()
    real_post = batch.post

    def held_post(*args, **kwargs):
        entered.set()
        assert release.wait(20)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(batch, "post", held_post)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finance_in_the_list(pilot, ui, "批量客户")
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: "已标记 10,000" in text_of(app.screen, "#status"), timeout=30)
        await pilot.press("b", "down", "enter", *"1", "enter", *"全体加一元", "enter")
        preview = await wait_preview(pilot)
        assert preview.plan.count == 10_000
        assert preview.query_one("#preview-table").row_count == 10_000
        await pilot.press("end")  # the last row, drawn at once
        assert preview.query_one("#preview-table").cursor == 9_999
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressDialog) and entered.is_set())
        await pilot.press("escape")  # answered while the batch is in its worker
        await wait_for(pilot, lambda: any("不能中途停止" in m for m in messages(app)))
        assert isinstance(app.screen, ProgressDialog)
        release.set()
        screen = await wait_back(pilot)
        await wait_for(pilot, lambda: "已标记 0" in text_of(screen, "#status") and not screen._loading, timeout=30)
    assert Customer.select().where(Customer.balance_fen == 100).count() == 10_000
    assert ledger_matches_balances()


async def test_f1_opens_the_help_inside_a_dialog_and_closes_it_again(ui):
    """F1 did nothing in the batch dialog: a modal dialog does not pass the app's keys on."""
    from jxc_tui.screens.help import HelpScreen

    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        await finance_in_the_list(pilot, ui)
        await pilot.press("space", "b")
        dialog = app.screen
        assert isinstance(dialog, BatchDialog)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        for static in app.screen.query("Static"):
            console.print(static.content)
        shown = console.export_text()
        assert "Ctrl+S" in shown and "预览" in shown and "下一项" in shown
        await pilot.press("f1")
        assert app.screen is dialog
