"""Cases from ../shared/cases/README.md as they show in the TUI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual import events

from jxc_tui.screens.customer_detail import CustomerDetailScreen
from jxc_tui.screens.customers import PAGE_SIZE, CustomersScreen
from jxc_tui.screens.set_debt import SetDebtDialog
from jxc_tui.services import customers, history
from jxc_tui.services.audit import list_events

from .conftest import C01_CUSTOMERS, SIZE, cells, column, messages, text_of, wait_for
from .test_journey import search


# --- C01: text that looks like markup ---------------------------------------------------

@pytest.fixture
def c01(ui):
    for code, name in C01_CUSTOMERS:
        ui.add_customer(code, name, "10.00", reason=f"期初 {name}")
    return ui


async def test_c01_table_detail_history_dialog_show_stored_text_literally(c01):
    ui = c01
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#customers").row_count == 10)
        table = screen.query_one("#customers")
        shown = {cells(table, r)[0]: cells(table, r)[1] for r in range(table.row_count)}
        for code, name in C01_CUSTOMERS:
            assert shown[code] == name
        # no span in any cell carries a style, link or action from the data
        for r in range(table.row_count):
            for c in table.get_row_at(r)[:3]:
                assert all(not span.style or "@click" not in str(span.style) for span in c.spans)
                assert c.spans == []

        for code, name in C01_CUSTOMERS:
            await search(pilot, code)
            assert column(table, 0)[0] == code
            await pilot.press("down", "enter")
            detail = app.screen
            assert isinstance(detail, CustomerDetailScreen)
            assert name in text_of(detail, "#detail-head") and code in text_of(detail, "#detail-head")
            assert cells(detail.query_one("#ledger"), 0)[4] == f"期初 {name}"

            await pilot.press("e")
            dialog = app.screen
            assert text_of(dialog, "#dlg-customer") == f"{code}  {name}"
            await pilot.press(*"20", "enter")
            dialog.query_one("#reason").value = name  # a reason that looks like markup
            await pilot.press("enter")
            assert app.screen is detail
            assert cells(detail.query_one("#ledger"), 0)[4] == name
            assert messages(app)[-1] == f"已保存：{code} 欠款 10.00 → 20.00"

            await pilot.press("h")
            assert cells(app.screen.query_one("#history"), 0)[5] == name
            await pilot.press("escape", "escape")
            assert isinstance(app.screen, CustomersScreen)
        assert app.is_running  # K06's [@click=app.quit] did nothing


async def test_c01_search_for_markup_characters_finds_the_code(c01):
    app = c01.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(c01.actors.clerk)
        await search(pilot, "[/]")
        assert column(app.screen.query_one("#customers"), 0) == ["C[/]01", "K06"]


async def test_c01_control_characters_never_reach_the_terminal(c01):
    # Stored by something other than this program (an old import, a SQL shell):
    from jxc_tui.models import Customer

    Customer.update(name="坏\x1b[2J名\x07字\x00").where(Customer.code == "K01").execute()
    app = c01.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(c01.actors.clerk)
        await search(pilot, "K01")
        name = cells(app.screen.query_one("#customers"), 0)[1]
        assert name == "坏\ufffd[2J名\ufffd字\ufffd"


# --- C08: permissions live in the code that writes ----------------------------------------

async def test_c08_viewer_keys_say_no_permission_and_open_nothing(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.viewer)
        await pilot.pause()
        await pilot.press("down")
        for key in ("e", "r", "n", "d"):
            await pilot.press(key)
            assert isinstance(app.screen, CustomersScreen), key
        assert messages(app) == ["没有权限：改欠款", "没有权限：收款", "没有权限：新建", "没有权限：改资料"]
        await pilot.press("enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        for key in ("e", "r", "v", "d"):
            await pilot.press(key)
            assert isinstance(app.screen, CustomerDetailScreen), key
    events_ = list_events(ui.actors.admin, limit=1000)
    assert not [e for e in events_ if e.action.startswith(("debt.", "ledger.", "customer.update"))]


async def test_c08_command_palette_lists_only_permitted_commands(ui):
    def titles(app):
        return {c.title for c in app.get_system_commands(app.screen)}

    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.viewer)
        await pilot.pause()
        viewer = titles(app)
        assert not viewer & {"改欠款", "收款", "新建", "改资料"}
        assert {"历史", "日志"} <= viewer
        app.actor = ui.actors.clerk
        clerk = titles(app)
        assert {"改欠款", "收款", "新建", "改资料"} <= clerk and "日志" not in clerk


# --- C10: paste into the amount and reason fields --------------------------------------------

async def open_dialog(pilot, ui) -> SetDebtDialog:
    app = pilot.app
    app.logged_in(ui.actors.finance)  # 3,000.00 -> 1,234.50 is within finance's direct limit
    await search(pilot, "C001")
    await pilot.press("down", "e")
    assert isinstance(app.screen, SetDebtDialog)
    return app.screen


@pytest.mark.parametrize("pasted", ["1,234.50", " 1234.50 ", "1234.50\n"])
async def test_c10_pasting_an_amount_keeps_it(ui, pasted):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, ui)
        dialog.query_one("#amount").post_message(events.Paste(pasted))
        await pilot.pause()
        assert dialog.query_one("#amount").value == pasted.strip("\n")  # inserted once, not empty
        assert text_of(dialog, "#dlg-preview") == "变动：-1,765.50"
        await pilot.press("enter", *"粘贴", "enter")
    assert customers.get_customer(ui.actors.admin, ui.ids["C001"]).balance == Decimal("1234.50")


async def test_c10_pasting_two_cells_says_so_and_inserts_nothing(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, ui)
        dialog.query_one("#amount").post_message(events.Paste("1234.50\t88"))
        await pilot.pause()
        assert dialog.query_one("#amount").value == ""
        assert text_of(dialog, "#dlg-error") == "粘贴了多个值（含制表符或换行），请只输入一个金额"


async def test_c10_two_line_reason_keeps_both_lines(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, ui)
        await pilot.press(*"100", "enter")
        dialog.query_one("#reason").post_message(events.Paste("客户退货\n第二行说明"))
        await pilot.pause()
        assert dialog.query_one("#reason").value == "客户退货 第二行说明"
        await pilot.press("enter")
    rows = history.customer_history(ui.actors.admin, ui.ids["C001"])
    assert rows[0].reason == "客户退货 第二行说明"


# --- C11: many customers -------------------------------------------------------------------

@pytest.fixture
def many(ui):
    """C00000-C19999 with debt i x 1.50, plus C99999 at -200.00 (inserted in bulk)."""
    from jxc_tui.models import Customer, database
    from jxc_tui.services.pinyin import search_key

    rows = [(f"C{i:05d}", f"客户{i}", i * 150) for i in range(20000)] + [("C99999", "预收客户", -20000)]
    with database.atomic():
        Customer.insert_many(
            [{"code": code, "name": name, "balance_fen": fen,
              "search_key": search_key(code, name, "", "kh", "kehu")} for code, name, fen in rows]
        ).execute()
    return ui


async def test_c11_list_loads_a_page_at_a_time_and_sorts_numbers(many):
    app = many.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(many.actors.clerk)
        screen = app.screen
        await wait_for(pilot, lambda: screen.page is not None and not screen._loading)
        table = screen.query_one("#customers")
        assert table.row_count == PAGE_SIZE  # not 20,004 rows
        await pilot.press("down")
        await pilot.press("s")  # debt, high to low
        await wait_for(pilot, lambda: not screen._loading and screen.sort == "debt_desc")
        assert column(table, 3)[:2] == ["29,998.50", "29,997.00"]
        await pilot.press("s")  # low to high
        await wait_for(pilot, lambda: not screen._loading and screen.sort == "debt_asc")
        # (the fixture's own C002 also owes -200.00; C11's rows have five-digit codes)
        c11 = [cells(table, r)[3] for r in range(table.row_count) if len(cells(table, r)[0]) == 6]
        assert c11[:4] == ["-200.00", "0.00", "1.50", "3.00"]
        # moving to the bottom fetches the next page, in order, without duplicates
        table.move_cursor(row=table.row_count - 1)
        await wait_for(pilot, lambda: table.row_count == 2 * PAGE_SIZE and not screen._loading)
        debts = [Decimal(v.replace(",", "")) for v in column(table, 3)]
        assert debts == sorted(debts) and len(set(column(table, 0))) == table.row_count
        await search(pilot, "C0066")  # C00660-C00669: 990.00 ... 1,003.50
        assert column(table, 3) == ["990.00", "991.50", "993.00", "994.50", "996.00", "997.50",
                                    "999.00", "1,000.50", "1,002.00", "1,003.50"]


async def test_c10_form_fields_keep_multi_line_pastes_and_refuse_oversized_ones(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "n")
        form = app.screen
        form.query_one("#name").post_message(events.Paste("杭州西湖\n茶叶有限公司"))
        await pilot.pause()
        assert form.query_one("#name").value == "杭州西湖 茶叶有限公司"
        form.query_one("#address").post_message(events.Paste("长" * 301))
        await pilot.pause()
        assert form.query_one("#address").value == ""
        assert text_of(form, "#form-error") == "粘贴的内容太长（此处最多 300 个字符），未粘贴"


async def test_c10_an_oversized_reason_paste_says_so(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, ui)
        dialog.query_one("#reason").post_message(events.Paste("很长" * 300))
        await pilot.pause()
        assert dialog.query_one("#reason").value == ""
        assert text_of(dialog, "#dlg-error") == "粘贴的内容太长（此处最多 500 个字符），未粘贴"


async def test_a_sale_past_the_largest_debt_is_refused_in_the_preview(ui):
    big = ui.add_customer("B02", "大额", "999999999999.00")
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "B02")
        await pilot.press("down", "enter", "v", *"5.00")
        assert text_of(app.screen, "#dlg-preview") == "金额超出范围（最大 ±999,999,999,999.99）"
    assert customers.get_customer(ui.actors.admin, big).balance == Decimal("999999999999.00")
