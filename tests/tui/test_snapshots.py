"""What the main screens look like at 80x24 (pytest-textual-snapshot).

After an intended visual change: ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from .conftest import SIZE, wait_for


def _logged_in(ui, role: str = "clerk"):
    async def run_before(pilot) -> None:
        pilot.app.logged_in(ui.actors[role])
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "page", None) is not None)
        await pilot.press("escape")  # to the results

    return run_before


def test_login_screen(ui, snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press(*"clerk")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_customer_list(ui, snap_compare):
    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=_logged_in(ui))


def test_customer_detail(ui, snap_compare):
    async def run_before(pilot) -> None:
        await _logged_in(ui)(pilot)
        await pilot.press("enter")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_set_debt_dialog(ui, snap_compare):
    async def run_before(pilot) -> None:
        await _logged_in(ui)(pilot)
        await pilot.press("e", *"3,120", "enter", *"对账调整 [b]")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def _with_requests(ui) -> None:
    from decimal import Decimal

    from jxc_tui.services import approvals

    approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("22000.00"), "补录发货单 [b]", expected_version=None)
    approvals.post_movement(ui.actors.clerk, ui.ids["C003"], "receipt", Decimal("1500.50"), "银行转账")


def test_approvals_screen(ui, snap_compare):
    _with_requests(ui)

    async def run_before(pilot) -> None:
        pilot.app.logged_in(ui.actors.finance)
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "page", None) is not None)
        await pilot.press("escape", "a")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_request_screen_with_a_moved_balance(ui, snap_compare):
    from decimal import Decimal

    from jxc_tui.services import approvals

    _with_requests(ui)
    approvals.set_debt(ui.actors.clerk, ui.ids["C001"], Decimal("3100.00"), "小额", expected_version=None)

    async def run_before(pilot) -> None:
        pilot.app.logged_in(ui.actors.finance)
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "page", None) is not None)
        await pilot.press("escape", "a", "enter")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_customer_list_of_an_approver_with_requests_waiting(ui, snap_compare):
    """The badge and the toast after login, with the debt column in full."""
    _with_requests(ui)

    async def run_before(pilot) -> None:
        pilot.app.logged_in(ui.actors.finance)
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "page", None) is not None)
        await pilot.pause(0.2)

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_batch_dialog(ui, snap_compare):
    async def run_before(pilot) -> None:
        await _logged_in(ui, "finance")(pilot)
        await pilot.press("space", "space", "b", "down", "enter", *"100", "enter", *"对账 [b]")

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)


def test_batch_preview_with_a_row_for_approval_and_one_refused(ui, snap_compare):
    """Marked rows: one posts now, one needs approval (above finance's
    10,000.00), one has no change (refused, counted, not written)."""
    from jxc_tui.screens.batch_preview import BatchPreviewScreen

    ui.add_customer("C004", "杭州[red]新[/red]客户", "20000.00")

    async def run_before(pilot) -> None:
        await _logged_in(ui, "finance")(pilot)
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: len(pilot.app.screen.marked) == 4)
        await pilot.press("b", "enter", *"20000", "enter", *"年终对账", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BatchPreviewScreen))

    assert snap_compare(ui.app(), terminal_size=SIZE, run_before=run_before)
