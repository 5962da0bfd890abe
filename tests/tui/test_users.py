"""User administration with the keyboard alone at 80x24: an admin resets a
password and the user is made to choose their own at the next login; a
deactivated user cannot log in; a locked user is unlocked; a clerk is told
they may not; everyone can change their own password."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jxc_tui import clock
from jxc_tui.errors import AccountLocked, AuthFailed
from jxc_tui.screens.confirm import ConfirmDialog
from jxc_tui.screens.customers import CustomersScreen
from jxc_tui.screens.login import LoginScreen
from jxc_tui.screens.password import ChangePasswordDialog
from jxc_tui.screens.users import AddUserDialog, ResetPasswordDialog, RoleDialog, UsersScreen
from jxc_tui.services import audit, auth

from .conftest import SIZE, cells, column, login, messages, text_of, wait_for

TEMP = "temp1234"


@pytest.fixture(autouse=True)
def _cheap(fast_hashing):
    """Cheap Argon2: these tests are about the screens, not the hashing."""


async def open_users(pilot, ui) -> UsersScreen:
    app = pilot.app
    app.logged_in(ui.actors.admin)
    await pilot.pause()
    await pilot.press("escape", "U")  # search box -> results, then Shift+U
    assert isinstance(app.screen, UsersScreen)
    return app.screen


async def to_row(pilot, screen: UsersScreen, username: str) -> None:
    table = screen.query_one("#users")
    steps = column(table, 0).index(username) - table.cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    assert screen.current().username == username


def row(screen: UsersScreen, username: str) -> list[str]:
    table = screen.query_one("#users")
    return cells(table, column(table, 0).index(username))


def inside_screen(screen) -> bool:
    region = screen.query_one(".dialog").region
    return region.y >= 0 and region.bottom <= SIZE[1] and region.right <= SIZE[0]


async def test_reset_password_then_the_user_must_choose_their_own(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "admin", ui.actors.password)
        await pilot.press("escape", "U")
        users = app.screen
        assert isinstance(users, UsersScreen)
        assert column(users.query_one("#users"), 0) == ["admin", "clerk", "finance", "viewer"]
        await to_row(pilot, users, "clerk")
        await pilot.press("p")
        assert isinstance(app.screen, ResetPasswordDialog) and inside_screen(app.screen)
        await pilot.press(*TEMP, "enter", *"temp1235", "enter")  # a typo in the repeat
        assert text_of(app.screen, "#dlg-error") == "两次输入的新密码不一致"
        await pilot.press(*TEMP, "enter")
        await wait_for(pilot, lambda: app.screen is users)
        assert row(users, "clerk")[4] == "是"
        assert messages(app)[-1] == "已重置 clerk 的密码，下次登录须修改"

        await pilot.press("escape", "ctrl+o")  # back to the list, log out
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, "clerk", TEMP)
        await wait_for(pilot, lambda: isinstance(app.screen, ChangePasswordDialog))
        assert app.screen.forced and inside_screen(app.screen)
        assert "请设置新密码" in text_of(app.screen, ".dialog-title")
        # No way past it: Esc logs out.
        await pilot.press("escape")
        assert isinstance(app.screen, LoginScreen) and app.actor is None

        await login(pilot, "clerk", TEMP)
        await wait_for(pilot, lambda: isinstance(app.screen, ChangePasswordDialog))
        await pilot.press(*TEMP, "enter", *TEMP, "enter", *TEMP, "enter")  # the same one again
        await wait_for(pilot, lambda: text_of(app.screen, "#dlg-error"))
        assert text_of(app.screen, "#dlg-error") == "新密码不能与旧密码相同"
        assert app.screen.focused.id == "new"
        await pilot.press(*"mine5678", "enter", *"mine5678", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        assert "密码已修改" in messages(app)

    with pytest.raises(AuthFailed):
        auth.login("clerk", TEMP)
    clerk = auth.login("clerk", "mine5678")
    assert not auth.must_change_password(clerk)
    assert audit.verify().ok


async def test_a_deactivated_user_cannot_log_in(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        users = await open_users(pilot, ui)
        await to_row(pilot, users, "viewer")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # thought better of it
        assert app.screen is users and row(users, "viewer")[2] == "在用"
        await pilot.press("x", "y")
        assert app.screen is users
        assert row(users, "viewer")[2] == "停用"
        assert messages(app)[-1] == "已停用 viewer，该用户不能再登录"
        await to_row(pilot, users, "admin")
        await pilot.press("x", "y")  # yourself: refused, nothing changes
        assert messages(app)[-1] == "不能停用自己的账户"
        assert row(users, "admin")[2] == "在用"

        await pilot.press("escape", "ctrl+o")
        await login(pilot, "viewer", ui.actors.password)
        assert isinstance(app.screen, LoginScreen) and app.actor is None
        assert text_of(app.screen, "#login-error") == "用户名或密码错误"


async def test_unlock_a_locked_user(ui, frozen_clock):
    for _ in range(5):
        with pytest.raises((AuthFailed, AccountLocked)):
            auth.login("clerk", "wrong-password")
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        users = await open_users(pilot, ui)
        until = clock.format_local(frozen_clock.now + timedelta(minutes=15))
        assert row(users, "clerk")[3] == until
        await to_row(pilot, users, "clerk")
        await pilot.press("u")
        assert messages(app)[-1] == "已解锁 clerk"
        assert row(users, "clerk")[3] == ""
        await pilot.press("u")
        assert messages(app)[-1] == "clerk 没有被锁定，无需解锁"

        await pilot.press("escape", "ctrl+o")
        await login(pilot, "clerk", ui.actors.password)
        assert isinstance(app.screen, CustomersScreen)


async def test_admin_adds_a_user_who_must_change_the_password(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        users = await open_users(pilot, ui)
        await pilot.press("n")
        assert isinstance(app.screen, AddUserDialog) and inside_screen(app.screen)
        await pilot.press(*"zhang", "enter")
        await pilot.press("down", "enter")  # clerk (the default) -> finance
        await pilot.press(*"short", "enter", *"short", "enter")
        await wait_for(pilot, lambda: text_of(app.screen, "#dlg-error"))
        assert text_of(app.screen, "#dlg-error") == "密码至少 8 位"
        await pilot.press(*TEMP, "enter", *TEMP, "enter")
        await wait_for(pilot, lambda: app.screen is users)
        assert row(users, "zhang") == ["zhang", "财务 finance", "在用", "", "是"]
        assert messages(app)[-1] == "已新建用户 zhang（财务），首次登录须修改密码"

    zhang = auth.login("zhang", TEMP)
    assert zhang.role == "finance" and auth.must_change_password(zhang)


async def test_change_a_role_and_the_last_admin_is_kept(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        users = await open_users(pilot, ui)
        await to_row(pilot, users, "clerk")
        await pilot.press("o")
        assert isinstance(app.screen, RoleDialog) and inside_screen(app.screen)
        await pilot.press("down", "enter")  # clerk -> finance
        assert app.screen is users
        assert row(users, "clerk")[1] == "财务 finance"
        assert messages(app)[-1] == "已将 clerk 的角色改为财务"

        await to_row(pilot, users, "admin")
        await pilot.press("o", "up", "enter")  # admin -> finance: the only admin
        assert isinstance(app.screen, RoleDialog)
        assert "最后一个能管理用户的在用账户" in text_of(app.screen, "#dlg-error")
        await pilot.press("escape")
        assert row(users, "admin")[1] == "管理员 admin"
    assert auth.login("clerk", ui.actors.password).role == "finance"


async def test_a_clerk_may_not_open_users_but_may_change_their_password(ui):
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.logged_in(ui.actors.clerk)
        await pilot.pause()
        await pilot.press("escape", "U")
        assert isinstance(app.screen, CustomersScreen)
        assert messages(app) == ["没有权限：用户管理"]
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "改我的密码" in titles and "用户管理" not in titles

        await pilot.press("f2")
        assert isinstance(app.screen, ChangePasswordDialog) and not app.screen.forced
        await pilot.press(*"wrong123", "enter", *"mine5678", "enter", *"mine5678", "enter")
        await wait_for(pilot, lambda: text_of(app.screen, "#dlg-error"))
        assert text_of(app.screen, "#dlg-error") == "旧密码不正确"
        assert app.screen.focused.id == "old" and app.screen.focused.value == ""
        await pilot.press(*ui.actors.password, "enter", "enter")
        dialog = app.screen
        dialog.query_one("#new").value, dialog.query_one("#repeat").value = "short", "short"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: text_of(dialog, "#dlg-error"))
        # a refused new password is typed again twice: both emptied, the cursor in the first
        assert (dialog.query_one("#new").value, dialog.query_one("#repeat").value) == ("", "")
        assert dialog.focused.id == "new" and dialog.query_one("#old").value == ui.actors.password
        await pilot.press(*"mine5678", "enter", *"mine9999", "enter")
        assert text_of(dialog, "#dlg-error") == "两次输入的新密码不一致"
        assert (dialog.query_one("#new").value, dialog.query_one("#repeat").value) == ("", "")
        await pilot.press(*"mine5678", "enter", *"mine5678", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        assert messages(app)[-1] == "密码已修改"
    assert auth.login("clerk", "mine5678").username == "clerk"


async def test_admin_sees_users_in_the_palette_and_help(ui):
    from jxc_tui.screens.help import HelpScreen

    app = ui.app()
    async with app.run_test(size=SIZE) as pilot:
        app.logged_in(ui.actors.admin)
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"用户管理", "改我的密码"} <= titles
        await pilot.press("escape", "f1")
        assert isinstance(app.screen, HelpScreen)
        screen = app.export_screenshot()
        assert "Shift+U" in screen and "F2" in screen and "用户管理" in screen and "改我的密码" in screen


async def test_an_admin_who_gives_up_the_admin_role_logs_in_again(ui):
    ui.actors.make("admin", "admin2")
    app = ui.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        users = await open_users(pilot, ui)
        await to_row(pilot, users, "admin")
        await pilot.press("o", "up", "enter")  # admin -> finance; admin2 is still an admin
        assert isinstance(app.screen, LoginScreen) and app.actor is None
        assert messages(app)[-1] == "已将 admin 的角色改为财务 · 你的角色已变，请重新登录"
    assert auth.login("admin", ui.actors.password).role == "finance"
