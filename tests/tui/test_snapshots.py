"""What the main screens look like at 80x24 (pytest-textual-snapshot).

After an intended visual change: ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from .conftest import SIZE, wait_for


def _logged_in(ui):
    async def run_before(pilot) -> None:
        pilot.app.logged_in(ui.actors.clerk)
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
