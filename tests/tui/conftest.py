"""Fixtures for Pilot and snapshot tests of the TUI at 80x24.

``ui`` gives a SQLite database file with one user of each role and a few
customers (including the case C01 names), an app factory, and helpers to
log in, read table cells as plain text and collect notifications.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from jxc_tui.config import Config

SIZE = (80, 24)

# Case C01: codes and names that look like markup.
C01_CUSTOMERS = [
    ("K01", "王五[VIP]"),
    ("K02", "Acme [bold]Ltd"),
    ("C[/]01", "退货[/"),
    ("K04", "张三[/red]"),
    ("K05", "[link=x]点我"),
    ("K06", "[@click=app.quit]点我[/]"),
    ("K07", "Smith [old account]"),
]


@dataclass
class UI:
    tmp_path: Path
    actors: object
    db_url: str
    log_file: Path
    ids: dict[str, int] = field(default_factory=dict)

    def config(self) -> Config:
        return Config(db_url=self.db_url, log_file=self.log_file)

    def app(self):
        from jxc_tui.app import JxcApp, setup_logging

        setup_logging(self.log_file)
        return JxcApp(self.config())

    def add_customer(self, code: str, name: str, opening: str = "0", phone: str = "", reason: str = "期初") -> int:
        from jxc_tui.services import customers
        from jxc_tui.services.policy import policy

        amount = Decimal(opening)
        # Setup data, not a user's change: posted at once whatever its size.
        limits, policy.direct_limits = policy.direct_limits, {r: 10**15 for r in policy.direct_limits}
        try:
            view = customers.create_customer(
                self.actors.admin, customers.CustomerInput(code=code, name=name, phone=phone),
                amount if amount else None, reason)
        finally:
            policy.direct_limits = limits
        self.ids[code] = view.id
        return view.id


@pytest.fixture
def db(sqlite_db):
    """UI tests run on SQLite only (the services are tested on both backends)."""
    return sqlite_db


@pytest.fixture
def ui(db, actors, tmp_path, frozen_clock, monkeypatch) -> UI:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    u = UI(tmp_path, actors, db.jxc_url, tmp_path / "jxc.log")
    u.add_customer("C001", "北京华夏科技有限公司", "3000.00", phone="010-62345678")
    u.add_customer("C002", "上海浦东发展贸易", "-200.00", phone="13912345678")
    u.add_customer("C003", "单氏五金商行", "1500.50", phone="0571-8888666")
    return u


def cells(table, row: int) -> list[str]:
    """A row's cells as plain text -- without the customer list's mark column
    (``*``), which :func:`marks` reads, so column 0 is the code everywhere."""
    keys = [c.key.value for c in table.ordered_columns]
    return [getattr(c, "plain", str(c)) for k, c in zip(keys, table.get_row_at(row)) if k != "mark"]


def marks(table) -> list[bool]:
    """Which rows of the customer list are marked for a batch."""
    return [getattr(table.get_cell_at((r, 0)), "plain", "") == "*" for r in range(table.row_count)]


def column(table, index: int) -> list[str]:
    return [cells(table, r)[index] for r in range(table.row_count)]


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def login(pilot, username: str, password: str) -> None:
    app = pilot.app
    app.screen.query_one("#username").value = ""
    app.screen.query_one("#username").focus()
    await pilot.press(*username, "enter")
    await pilot.press(*password, "enter")
    await wait_for(pilot, lambda: app.actor is not None or str(text_of(app.screen, "#login-error")).strip())


def text_of(screen, selector: str) -> str:
    """The plain text a Static shows."""
    content = screen.query_one(selector).content
    return getattr(content, "plain", str(content))


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    """Let workers finish: poll until ``predicate()`` holds (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        try:
            if predicate():
                return
        except Exception:  # a widget not mounted yet
            pass
    raise AssertionError("condition not reached in time")


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
