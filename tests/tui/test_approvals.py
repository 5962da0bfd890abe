"""Approval (审核) with the keyboard alone at 80x24: a clerk's large change
goes for approval, finance approves it from the approvals screen, and the
history shows one row naming both; stale, self- and double approval are
refused on screen; reversals and the credit-limit confirmation."""

from __future__ import annotations

from decimal import Decimal

from jxc_tui.screens.approvals import ApprovalsScreen, RequestScreen
from jxc_tui.screens.confirm import ConfirmDialog
from jxc_tui.screens.customer_detail import CustomerDetailScreen
from jxc_tui.screens.customers import CustomersScreen
from jxc_tui.screens.history import HistoryScreen
from jxc_tui.screens.login import LoginScreen
from jxc_tui.screens.prompt import TextPromptDialog
from jxc_tui.screens.set_debt import MovementDialog, SetDebtDialog
from jxc_tui.services import approvals, customers, history

from .conftest import SIZE, cells, login, messages, text_of
from .test_journey import search


def shown(screen) -> str:
    """The request's fields as the user reads them."""
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(screen.query_one("#request-fields").content)
    return console.export_text()


def _balance(ui, code: str = "C001") -> Decimal:
    return customers.get_customer(ui.actors.admin, ui.ids[code]).balance


async def _open_request(pilot, app) -> RequestScreen:
    if app.screen.focused is app.screen.query_one("#search"):
        await pilot.press("escape")  # from the search box to the list, where keys are commands
    await pilot.press("a")
    assert isinstance(app.screen, ApprovalsScreen)
    await pilot.press("enter")
    assert isinstance(app.screen, RequestScreen)
    return app.screen


async def test_done_when_clerk_requests_finance_approves_history_names_both(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "clerk", ui.actors.password)
        await search(pilot, "C001")
        await pilot.press("enter", "e", *"22000")
        dialog = app.screen
        assert isinstance(dialog, SetDebtDialog)
        assert text_of(dialog, "#dlg-preview") == "变动：+19,000.00"
        assert text_of(dialog, "#dlg-route").startswith("需要审核：超出您的直接额度 1,000.00")
        await pilot.press("enter", *"补录发货单", "enter")
        assert isinstance(app.screen, CustomersScreen)
        assert any(m.startswith("已提交审核（申请 #") and "审核通过前欠款不变" in m for m in messages(app))
        assert cells(app.screen.query_one("#customers"), 0)[3] == "3,000.00"  # unchanged
        assert _balance(ui) == Decimal("3000.00")
        await pilot.press("a")  # the clerk sees their own request
        assert isinstance(app.screen, ApprovalsScreen)
        row = cells(app.screen.query_one("#requests"), 0)
        assert row[3:] == ["+19,000.00", "clerk", "待审核"]
        await pilot.press("enter", "y")  # a clerk cannot approve
        assert isinstance(app.screen, RequestScreen)
        assert messages(app)[-1] == "没有权限：批准"
        await pilot.press("escape", "escape", "ctrl+o")
        assert isinstance(app.screen, LoginScreen)
        assert messages(app) == []  # the clerk's messages are not shown to the next user

        await login(pilot, "finance", ui.actors.password)
        assert isinstance(app.screen, CustomersScreen)
        assert "待审核 1" in text_of(app.screen, "#topbar")
        assert "有 1 条申请等待您审核（按 Esc 离开搜索框，再按 a 查看）" in messages(app)
        request = await _open_request(pilot, app)
        body = shown(request)
        assert "北京华夏科技有限公司" in body and "22,000.00" in body and "补录发货单" in body
        await pilot.press("y")
        assert isinstance(app.screen, TextPromptDialog)
        await pilot.press(*"已核对", "enter")
        assert isinstance(app.screen, ApprovalsScreen)
        assert messages(app)[-1] == "已批准申请 #1：C001 欠款 3,000.00 → 22,000.00"
        assert app.screen.query_one("#requests").row_count == 0
        assert _balance(ui) == Decimal("22000.00")
        await pilot.press("escape")
        assert "待审核" not in text_of(app.screen, "#topbar")

        await search(pilot, "C001")
        await pilot.press("enter", "h")
        assert isinstance(app.screen, HistoryScreen)
        rows = [cells(app.screen.query_one("#history"), r) for r in range(app.screen.query_one("#history").row_count)]
        named = [r for r in rows if "finance" in r[1]]
        assert len(named) == 1 and named[0][1:] == ["clerk/finance", "调整", "3,000.00", "22,000.00", "补录发货单"]


async def test_stale_approval_is_refused_with_both_numbers(ui):
    r = approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("20000.00"), "补录", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await pilot.pause()
        request = await _open_request(pilot, app)
        # meanwhile, at the counter: a small change posts at once
        approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("3200.00"), "小额", expected_version=None)
        await pilot.press("y", "enter")
        # no note can change a refusal: the dialog closes and the request shows what it became
        assert app.screen is request
        error = messages(app)[-1]
        assert "3,000.00" in error and "3,200.00" in error and "已标记为过期" in error
        assert "已过期" in shown(request)
        await pilot.press("y")  # again: says what happened, in words
        assert "已过期" in messages(app)[-1] and "重新提交" in messages(app)[-1]
    assert _balance(ui) == Decimal("3200.00")
    assert approvals.get_request(ui.actors.admin, r.request.id).status == "stale"


async def test_a_request_whose_balance_already_moved_is_refused_without_asking_for_a_note(ui):
    r = approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("20000.00"), "补录", expected_version=None)
    approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("3200.00"), "小额", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await pilot.pause()
        request = await _open_request(pilot, app)
        assert "已变动" in shown(request) or "3,200.00" in shown(request)
        await pilot.press("y")
        assert app.screen is request  # nothing to type: it cannot be approved
        assert "已标记为过期" in messages(app)[-1]
        assert "已过期" in shown(request)
    assert approvals.get_request(ui.actors.admin, r.request.id).status == "stale"


async def test_self_approval_is_refused_on_screen(ui):
    approvals.set_debt(ui.actors.finance, ui.ids["C002"], Decimal("50000.00"), "大额", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await pilot.pause()
        assert "待审核" not in text_of(app.screen, "#topbar")  # nothing they may decide
        request = await _open_request(pilot, app)
        assert text_of(request, "#request-hint") == "c 撤回 · Esc 返回"
        await pilot.press("y")
        assert app.screen is request  # refused at once, nothing to type
        assert messages(app)[-1] == "不能审核自己提交的申请（需要另一位有审核权限的人）"
    assert _balance(ui, "C002") == Decimal("-200.00")


async def test_double_approval_is_refused_with_who_and_when(ui):
    r = approvals.set_debt(ui.actors.clerk, ui.ids["C003"], Decimal("9000.00"), "补录", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await pilot.pause()
        request = await _open_request(pilot, app)
        approvals.approve(ui.actors.admin, r.request.id)  # another terminal got there first
        await pilot.press("y", "enter")
        assert app.screen is request  # the dialog closed: nothing left to decide
        assert messages(app)[-1].startswith(f"申请 #{r.request.id} 已处理：admin 于 2024-01-02 03:04 已批准")
        assert "已批准" in shown(request)  # re-read: what it became
    entries = [row for row in history.customer_history(ui.actors.admin, ui.ids["C003"]) if row.is_money]
    assert len(entries) == 2  # the opening and one approved change, not two


async def test_reject_needs_a_reason_then_the_requester_sees_it(ui):
    approvals.set_debt(ui.actors.clerk, ui.ids["C003"], Decimal("9000.00"), "补录", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await pilot.pause()
        await _open_request(pilot, app)
        await pilot.press("n", "enter")
        assert text_of(app.screen, "#dlg-error") == "驳回理由不能为空"
        await pilot.press(*"没有单据", "enter")
        assert isinstance(app.screen, ApprovalsScreen) and messages(app)[-1] == "已驳回申请 #1"
        await pilot.press("m")  # finance's own requests: none
        assert text_of(app.screen, "#approvals-status") == "您还没有提交过申请"
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "a")
        assert cells(app.screen.query_one("#requests"), 0)[-1] == "已驳回"
        await pilot.press("enter")
        assert "没有单据" in shown(app.screen)
    assert _balance(ui, "C003") == Decimal("1500.50")


async def test_a_viewer_gets_no_permission_for_approvals(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.viewer)
        await pilot.pause()
        await pilot.press("escape", "a")
        assert isinstance(app.screen, CustomersScreen)
        assert messages(app)[-1] == "没有权限：审核"


async def test_reverse_an_entry_from_the_detail_screen(ui):
    wrong = approvals.post_movement(ui.actors.clerk, ui.ids["C001"], "receipt", Decimal("300.00"), "记错").entry
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        await pilot.press("x")  # the newest entry: the wrong receipt
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog)
        assert text_of(prompt, "#dlg-route") == "保存后立即生效"
        await pilot.press("enter")
        assert text_of(prompt, "#dlg-error") == "原因不能为空"
        await pilot.press(*"重复录入", "enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        assert messages(app)[-1] == "已冲销：C001 欠款 2,700.00 → 3,000.00"
        ledger_rows = app.screen.query_one("#ledger")
        assert cells(ledger_rows, 0)[1:5] == ["冲销", "+300.00", "3,000.00", "重复录入"]
        detail = app.screen
        await pilot.press("down", "x")  # the receipt again: refused at once, before any reason is typed
        assert app.screen is detail and "不能重复冲销" in messages(app)[-1]
        await pilot.press("up", "x")  # the reversal itself
        assert app.screen is detail and "冲销" in messages(app)[-1]
        # reversed from another terminal while the dialog is open: the dialog closes, the list is re-read
        other = approvals.post_movement(ui.actors.clerk, ui.ids["C001"], "receipt", Decimal("5.00"), "零钱").entry
        detail.reload()
        await pilot.pause()
        await pilot.press("home", "x")
        assert isinstance(app.screen, TextPromptDialog)
        approvals.reverse_entry(ui.actors.admin, other.id, "另一终端")
        await pilot.press(*"我也冲", "enter")
        assert app.screen is detail and "不能重复冲销" in messages(app)[-1]
        await pilot.pause()
        assert cells(detail.query_one("#ledger"), 0)[4] == "另一终端"
    assert _balance(ui) == Decimal("3000.00")
    assert approvals.reversed_by([wrong.id])


async def test_going_above_the_credit_limit_asks_and_records_the_yes(ui):
    customers.set_credit_limit(ui.actors.finance, ui.ids["C001"], Decimal("3500.00"), "授信", expected_version=None)
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await search(pilot, "C001")
        await pilot.press("enter", "enter", "v", *"800")
        assert isinstance(app.screen, MovementDialog)
        assert "将超出信用额度 3,500.00" in text_of(app.screen, "#dlg-route")
        await pilot.press("enter", *"赊销", "enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # declined: nothing saved, the dialog stays
        assert isinstance(app.screen, MovementDialog)
        assert _balance(ui) == Decimal("3000.00")
        await pilot.press("ctrl+s", "y")
        assert isinstance(app.screen, CustomerDetailScreen)
        assert "信用额度: 3,500.00" in text_of(app.screen, "#detail-debt")
    row = next(r for r in history.customer_history(ui.actors.admin, ui.ids["C001"]) if r.is_money)
    assert row.new == "3,800.00" and row.over_credit_limit


async def test_finance_sets_a_credit_limit_from_the_detail_screen(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.finance)
        await search(pilot, "C003")
        await pilot.press("enter", "enter", "c", *"5000", "enter", *"年度授信", "enter")
        assert isinstance(app.screen, CustomerDetailScreen)
        assert "信用额度: 5,000.00" in text_of(app.screen, "#detail-debt")
        await pilot.press("escape")
        app.actor = ui.actors.clerk
        await pilot.press("enter", "c")
        assert messages(app)[-1] == "没有权限：信用额度"
    assert customers.get_customer(ui.actors.admin, ui.ids["C003"]).credit_limit == Decimal("5000.00")


async def test_a_new_customer_whose_opening_debt_went_for_approval_says_so(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "n")
        form = app.screen
        await pilot.press(*"N001", "enter")
        form.query_one("#name").value = "新客户"
        form.query_one("#opening").value = "5000"
        form.query_one("#reason").value = "期初"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, CustomersScreen)
        assert messages(app)[-1] == "已新建客户 N001；期初欠款 5,000.00 超出您的直接额度，已提交审核（审核通过前欠款为 0.00）"
    assert customers.find_by_code(ui.actors.admin, "N001").balance == Decimal("0.00")


async def test_the_new_customer_form_says_before_saving_where_an_opening_debt_goes(ui):
    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "n")
        form = app.screen
        form.query_one("#opening").focus()
        await pilot.press(*"800")
        assert text_of(form, "#form-route") == "保存后立即生效"
        await pilot.press(*"0")
        assert text_of(form, "#form-route").startswith("需要审核：超出您的直接额度 1,000.00")
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        assert text_of(form, "#form-route") == ""
