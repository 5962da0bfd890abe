"""The product's spine with the keyboard alone at 80x24: log in, find a
customer, set a new debt with a reason, see it in the history."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets.data_table import ColumnKey

from jxc_tui.screens.change_log import ChangeLogScreen, EventDetailScreen
from jxc_tui.screens.customer_detail import CustomerDetailScreen
from jxc_tui.screens.customers import CustomersScreen
from jxc_tui.screens.details import DetailsDialog
from jxc_tui.screens.help import HelpScreen
from jxc_tui.screens.history import HistoryScreen
from jxc_tui.screens.login import LoginScreen
from jxc_tui.screens.set_debt import SetDebtDialog
from jxc_tui.services import approvals, audit, customers, history, ledger

from .conftest import SIZE, cells, column, login, messages, text_of, wait_for


async def search(pilot, query: str) -> None:
    screen = pilot.app.screen
    await pilot.press("slash")
    screen.query_one("#search").value = ""
    await pilot.press(*query)
    await wait_for(pilot, lambda: screen._timer is None and not screen._loading)


async def test_login_then_find_by_pinyin_set_debt_and_see_history(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, "clerk", ui.actors.password)
        assert isinstance(app.screen, CustomersScreen)
        await search(pilot, "bjhx")
        table = app.screen.query_one("#customers")
        assert column(table, 0) == ["C001"]
        await pilot.press("enter")  # search box -> results
        await pilot.press("enter")  # open
        assert isinstance(app.screen, CustomerDetailScreen)
        assert "3,000.00" in text_of(app.screen, "#detail-debt")

        await pilot.press("e")
        assert isinstance(app.screen, SetDebtDialog)
        await pilot.press(*"3120")
        assert text_of(app.screen, "#dlg-preview") == "变动：+120.00"
        await pilot.press("enter")  # amount -> reason
        await pilot.press(*"对账调整", "enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        assert "3,120.00" in text_of(app.screen, "#detail-debt")
        first = cells(app.screen.query_one("#ledger"), 0)
        assert first[1:6] == ["调整", "+120.00", "3,120.00", "对账调整", "clerk"]

        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        newest = cells(app.screen.query_one("#history"), 0)
        assert newest[1:] == ["clerk", "调整", "3,000.00", "3,120.00", "对账调整"]
        assert newest[0] == "2024-01-02 03:04"
        await pilot.press("enter")  # the whole row, uncut
        assert isinstance(app.screen, DetailsDialog)
        assert ("原值", "3,000.00") in app.screen.pairs and ("原因", "对账调整") in app.screen.pairs
        await pilot.press("escape", "escape", "enter")  # back to the detail; open the newest entry
        assert ("操作人", "clerk") in app.screen.pairs and ("变动", "+120.00") in app.screen.pairs

    view = customers.get_customer(ui.actors.admin, ui.ids["C001"])
    assert view.balance == Decimal("3120.00")
    assert audit.verify().ok


async def test_search_by_code_name_phone_and_fullwidth(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        table = app.screen.query_one("#customers")
        for query, expected in [("C00", ["C001", "C002", "C003"]), ("浦东", ["C002"]),
                                ("8888", ["C003"]), ("ｐｄ", ["C002"]), ("sswj", ["C003"]),
                                ("beijing", ["C001"])]:
            await search(pilot, query)
            assert column(table, 0) == expected, query


async def test_wrong_password_and_unknown_user_get_the_same_message(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "clerk", "wrong-password")
        wrong = text_of(app.screen, "#login-error")
        app.screen.query_one("#login-error").update("")
        await login(pilot, "nobody", "wrong-password")
        unknown = text_of(app.screen, "#login-error")
        assert wrong == unknown == "用户名或密码错误"
        assert app.actor is None


async def test_locked_account_says_until_when(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            app.screen.query_one("#login-error").update("")
            await login(pilot, "clerk", "wrong-password")
        assert text_of(app.screen, "#login-error") == "账户已锁定，请于 2024-01-02 03:19 之后再试"
        app.screen.query_one("#login-error").update("")
        await login(pilot, "clerk", ui.actors.password)  # right password, still locked
        assert app.actor is None
        assert "账户已锁定" in text_of(app.screen, "#login-error")


async def test_bad_amount_shows_inline_error_and_writes_nothing(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        await pilot.press("down", "e")
        assert isinstance(app.screen, SetDebtDialog)
        await pilot.press(*"60.325")
        assert text_of(app.screen, "#dlg-preview") == "金额最多两位小数（不会自动四舍五入）"
        await pilot.press("enter")
        await pilot.press(*"原因", "enter")
        assert isinstance(app.screen, SetDebtDialog)
        assert "两位小数" in text_of(app.screen, "#dlg-error")
        # the reason is required too
        app.screen.query_one("#amount").value = "100"
        app.screen.query_one("#reason").value = "   "
        await pilot.press("ctrl+s")
        assert text_of(app.screen, "#dlg-error") == "原因不能为空"
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)
    assert ledger.customer_entries(ui.actors.admin, ui.ids["C001"])[0].kind == "opening"


async def test_stale_edit_is_refused_with_the_current_balance(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        await pilot.press("down", "e")
        dialog = app.screen
        # meanwhile, another terminal changes the same customer
        approvals.set_debt(ui.actors.finance, ui.ids["C001"], Decimal("500"), "另一终端",
                        expected_version=dialog.customer.version)
        await pilot.press(*"800", "enter", *"我的修改", "enter")
        assert app.screen is dialog
        assert "当前欠款为 500.00" in text_of(dialog, "#dlg-error")
        assert "500.00" in text_of(dialog, "#dlg-current")
        assert text_of(dialog, "#dlg-preview") == "变动：+300.00"  # against the figure now in force
        entries = ledger.customer_entries(ui.actors.admin, ui.ids["C001"])
        assert [e.reason for e in entries] == ["另一终端", "期初"]


async def test_new_customer_with_opening_debt_and_edit_details(ui, frozen_clock):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "n")  # Esc leaves the search box for the results
        form = app.screen
        await pilot.press(*"N100", "enter")
        form.query_one("#name").value = "杭州新客户"
        form.query_one("#phone").value = "12a"
        form.query_one("#opening").value = "800.00"  # within a clerk's direct limit
        form.query_one("#reason").value = "期初"
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert text_of(form, "#form-error") == "电话只能包含数字、空格、-、+ 和括号"
        assert app.screen.focused is form.query_one("#phone")
        form.query_one("#phone").value = "0571-1234567"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, CustomersScreen)
        await wait_for(pilot, lambda: column(app.screen.query_one("#customers"), 0) == ["N100"])

        frozen_clock.advance(minutes=5)
        await pilot.press("d")
        form = app.screen
        form.query_one("#name").value = "杭州新客户有限公司"
        form.query_one("#reason").value = "工商变更"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, CustomersScreen)
        assert cells(app.screen.query_one("#customers"), 0)[1] == "杭州新客户有限公司"
        await pilot.press("h")
        rows = [cells(app.screen.query_one("#history"), r) for r in range(2)]
        assert rows[0] == ["2024-01-02 03:09", "clerk", "名称", "杭州新客户", "杭州新客户有限公司", "工商变更"]
        assert rows[1][1:] == ["clerk", "期初", "（无）", "800.00", "期初"]


async def test_sort_by_debt_sorts_numbers(ui):
    ui.add_customer("C004", "小额客户", "999.00")
    ui.add_customer("C005", "大额客户", "1000.50")
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        screen = app.screen
        await pilot.press("down")  # to the table
        await pilot.press("s")  # debt, high to low
        await wait_for(pilot, lambda: not screen._loading)
        assert column(screen.query_one("#customers"), 3) == [
            "3,000.00", "1,500.50", "1,000.50", "999.00", "-200.00"]
        await pilot.press("s")  # low to high
        await wait_for(pilot, lambda: not screen._loading)
        assert column(screen.query_one("#customers"), 3)[:2] == ["-200.00", "999.00"]


async def test_help_lists_every_key_of_the_screen(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.query("Static")[1].content
        text = shown.plain if hasattr(shown, "plain") else str(shown)
        for binding in CustomersScreen.BINDINGS:
            assert binding.description, binding
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)


async def test_change_log_shows_failed_logins_and_event_detail(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "admin", "not-the-password")
        app.screen.query_one("#login-error").update("")
        await login(pilot, "admin", ui.actors.password)
        await pilot.press("down", "l")
        assert isinstance(app.screen, ChangeLogScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#events").row_count > 0)
        actions = column(screen.query_one("#events"), 3)
        assert actions[:2] == ["登录", "登录失败"]
        # filter by action: a label as shown, or a code prefix
        screen.query_one("#f-action").value = "登录失败"
        screen.query_one("#f-action").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: set(column(screen.query_one("#events"), 3)) == {"登录失败"})
        screen.query_one("#f-action").value = "customer."
        screen.query_one("#f-action").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: set(column(screen.query_one("#events"), 3)) == {"新建客户"})
        await pilot.press("enter")
        assert isinstance(app.screen, EventDetailScreen)
        assert app.screen.event.action == "customer.create"
        assert ("动作", "新建客户 (customer.create)") in app.screen.pairs


async def test_clerk_cannot_open_change_log(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("down", "l")
        assert isinstance(app.screen, CustomersScreen)
        assert messages(app) == ["没有权限：日志"]


async def test_unexpected_error_is_logged_not_shown_as_traceback(ui, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        monkeypatch.setattr(approvals, "set_debt", broken)
        await pilot.press("down", "e", *"1", "enter", *"x", "enter")
        assert isinstance(app.screen, SetDebtDialog)  # still running, nothing lost
        assert messages(app) == [f"发生意外错误，未保存任何内容。详情已写入日志：{ui.log_file}"]
    log = ui.log_file.read_text(encoding="utf-8")
    assert "RuntimeError: disk on fire" in log and "Traceback" in log


async def test_list_shows_changes_made_in_the_detail_screen(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        await pilot.press("down", "enter", "e", *"2000", "enter", *"对账", "enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)
        assert cells(app.screen.query_one("#customers"), 0)[3] == "2,000.00"
        await pilot.press("e")  # the dialog starts from the figure now in force
        assert "2,000.00" in text_of(app.screen, "#dlg-current")
        await pilot.press(*"1500", "enter", *"再对账", "enter")
        assert isinstance(app.screen, CustomersScreen)
    assert customers.get_customer(ui.actors.admin, ui.ids["C001"]).balance == Decimal("1500.00")


def burst(app, *keys: str) -> None:
    """Hand keys to the app all at once, as a terminal does with a fast typist
    or a laggy SSH link (Pilot's press() waits for each key to be handled)."""
    from textual import events

    for key in keys:
        character = {"enter": "\r", "space": " ", "slash": "/"}.get(key, key if len(key) == 1 else None)
        app._driver.send_message(events.Key(key, character))


async def test_keys_typed_ahead_land_where_they_were_meant(ui):
    """Keys sent in one burst after Enter go to the next field: at the login,
    and in a dialog ("900<Enter>burst typed<Enter>" saves 900.00 with that reason)."""
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, *"clerk", "enter", *ui.actors.password, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen) and not app.screen._searching)
        await search(pilot, "C003")
        await pilot.press("down", "e")
        assert isinstance(app.screen, SetDebtDialog)
        burst(app, *"900", "enter", *"burst", "space", *"typed", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
    assert customers.get_customer(ui.actors.admin, ui.ids["C003"]).balance == Decimal("900.00")
    assert history.customer_history(ui.actors.admin, ui.ids["C003"])[0].reason == "burst typed"


async def test_form_fields_take_keys_typed_ahead(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "n", *"K900", "enter", *"TypeAhead Co", "enter", *"Zhang", "enter")
        form = app.screen
        assert [form.query_one(f"#{f}").value for f in ("code", "name", "contact")] == ["K900", "TypeAhead Co", "Zhang"]


async def test_an_empty_password_is_not_a_failed_attempt(ui):
    from jxc_tui.services import auth

    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"clerk", "enter")
        for _ in range(6):
            await pilot.press("enter")
        assert text_of(app.screen, "#login-error") == "请输入密码"
    assert auth.login_state("clerk") == (0, None)


async def test_change_log_date_filters_take_odd_dates_without_crashing(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.admin)
        await pilot.pause()
        await pilot.press("escape", "l")
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#events").row_count > 0)
        for since, until, status in [("0001-01-01", "9999-12-31", None), ("２０２４－０１－０２", "", None),
                                     ("2024-13-45", "", "日期格式应为 YYYY-MM-DD")]:
            screen.query_one("#f-since").value = since
            screen.query_one("#f-until").value = until
            screen.query_one("#f-since").focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: not screen._loading)
            assert app.is_running
            if status:
                assert text_of(screen, "#log-status") == status
            else:
                assert screen.query_one("#events").row_count > 0, since


async def test_large_amounts_are_never_cut(ui, unlimited):
    big = ui.add_customer("B01", "大额", "999999999999.99")
    approvals.post_movement(ui.actors.admin, big, "receipt", Decimal("12345678.91"), "大额收款")
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "B01")
        table = app.screen.query_one("#customers")
        assert cells(table, 0)[3] == "999,987,654,321.08"
        debt = table.columns[ColumnKey("debt")]
        assert debt.get_render_width(table) >= len("999,987,654,321.08") + 2  # the figure plus padding
        await pilot.press("down", "enter")
        ledger_table = app.screen.query_one("#ledger")
        for index, figure in ((2, "-12,345,678.91"), (3, "999,987,654,321.08")):
            column = ledger_table.ordered_columns[index]
            assert column.get_render_width(ledger_table) >= len(figure) + 2, figure


async def test_detail_pages_through_a_long_ledger_to_the_opening_entry(ui):
    from jxc_tui.screens.customer_detail import LEDGER_PAGE

    for i in range(LEDGER_PAGE + 10):
        approvals.post_movement(ui.actors.admin, ui.ids["C002"], "sale", Decimal("1.00"), f"第{i}笔")
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C002")
        await pilot.press("down", "enter")
        screen = app.screen
        table = screen.query_one("#ledger")
        assert table.row_count == LEDGER_PAGE and "还有更多" in text_of(screen, "#ledger-status")
        table.move_cursor(row=table.row_count - 1)
        await wait_for(pilot, lambda: table.row_count == LEDGER_PAGE + 11)
        assert cells(table, table.row_count - 1)[1] == "期初"
        assert "还有更多" not in text_of(screen, "#ledger-status")


async def test_slash_in_a_burst_focuses_the_search_before_the_keys_behind_it(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await wait_for(pilot, lambda: not app.screen._searching)
        await pilot.press("escape")  # the results have focus
        burst(app, "slash", *"C002")
        await wait_for(pilot, lambda: app.screen.query_one("#search").value == "C002")
        await wait_for(pilot, lambda: not app.screen._searching and app.screen._timer is None)
        assert column(app.screen.query_one("#customers"), 0) == ["C002"]


async def test_slash_is_typed_inside_a_query_but_not_first(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        search = app.screen.query_one("#search")
        await pilot.press("slash", "slash", *"A", "slash", "B")
        assert search.value == "A/B"


async def test_a_changed_debt_is_shown_in_full_in_the_list(ui, unlimited):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.finance)
        await search(pilot, "C001")
        await pilot.press("down", "e", *"999999999999.99", "enter", *"大额", "enter")
        assert cells(app.screen.query_one("#customers"), 0)[3] == "999,999,999,999.99"
        table = app.screen.query_one("#customers")
        assert table.columns[ColumnKey("debt")].get_render_width(table) >= len("999,999,999,999.99") + 2


async def test_an_old_hold_timeout_does_not_release_a_newer_hold(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.hold_keys(seconds=0.2)
        app.release_keys()
        app.hold_keys(seconds=5)
        await pilot.pause(0.5)
        assert app._held_keys is not None  # still holding for the newer search
        app.release_keys()


async def test_the_change_log_fits_80_columns(ui):
    """Every column of the change log on screen at 80x24: the last one was cut."""
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.admin)
        await pilot.pause()
        await pilot.press("escape", "l")
        table = app.screen.query_one("#events")
        await wait_for(pilot, lambda: table.row_count > 0)
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= SIZE[0] - 1  # and a scrollbar
