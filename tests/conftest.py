"""Shared fixtures for the whole suite.

``db``
    A fresh, empty, migrated database bound to the models, closed after the
    test.  Parametrized over the backends: ``db[sqlite]`` (a file in
    ``tmp_path``, so thread workers and other processes can open it too) and
    ``db[postgresql]`` (one uniquely named database per test session on
    127.0.0.1:5432, emptied between tests).  The fixture value is the peewee
    ``Database``; ``db.jxc_url`` is the URL it was opened with (hand it to a
    subprocess) and ``db.jxc_backend`` is ``"sqlite"`` or ``"postgresql"``.

    If PostgreSQL cannot be reached the PostgreSQL cases are skipped with the
    reason, unless ``JXC_REQUIRE_PG=1`` is set, then they fail.  Point the
    suite at another server with ``JXC_TEST_PG_URL`` (a URL of a database the
    user may connect to and create databases from; default
    ``postgresql://postgres@127.0.0.1:5432/test``).

    A test that only needs SQLite (UI/Pilot tests) uses ``sqlite_db``, or
    narrows ``db`` with ``@pytest.mark.parametrize("db", ["sqlite"], indirect=True)``.

``actors``
    Users of every role, created through the services (``auth.bootstrap_admin``
    then ``auth.create_user``) and returned as ``Actor`` objects without a
    login: ``actors.admin``, ``actors.finance``, ``actors.clerk``,
    ``actors.viewer`` (also ``actors["clerk"]``); ``actors.make(role, name)``
    adds one more.  Every user's password is ``actors.password``
    (``PASSWORD``).  Hashes are made with cheap Argon2id parameters to keep
    the suite fast; a real ``auth.login`` still verifies them (and rehashes
    with the production parameters).

``frozen_clock``
    Freezes ``jxc_tui.clock.utcnow`` (used by every service and by the model
    timestamp defaults; a module that imported ``utcnow`` by name is patched
    too) at 2024-01-02 03:04:05 UTC (naive).  ``frozen_clock.now`` is
    the current value; ``frozen_clock.set(dt)`` and
    ``frozen_clock.advance(minutes=16)`` move it.

Global state that a test may change (the permission policy, the message
language) is restored after every test.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import peewee
import pytest

from jxc_tui import clock, i18n
from jxc_tui.db import close_database, open_database
from jxc_tui.services import policy as policy_module
from jxc_tui.services.policy import Actor

PASSWORD = "correct-horse-9"
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


# --- PostgreSQL: one database per session --------------------------------------------

class _PgServer:
    """Creates one throw-away database for the session and drops it at the end."""

    def __init__(self) -> None:
        self.admin_url = os.environ.get("JXC_TEST_PG_URL", DEFAULT_PG_URL)
        self.url: str | None = None
        self.error: str | None = None
        self._name: str | None = None

    def _admin_connect(self):
        import psycopg2

        parsed = urlparse(self.admin_url)
        conn = psycopg2.connect(
            host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
            user=parsed.username or "postgres", password=parsed.password,
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres", connect_timeout=3,
        )
        conn.autocommit = True
        return conn

    def ensure(self) -> str:
        if self.url is not None:
            return self.url
        if self.error is None:
            try:
                conn = self._admin_connect()
                _drop_abandoned(conn)
                name = f"jxc_test_{os.getpid()}_{secrets.token_hex(4)}"
                with conn.cursor() as cur:
                    cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
                conn.close()
                self._name = name
                self.url = urlunparse(urlparse(self.admin_url)._replace(path=f"/{name}"))
                return self.url
            except Exception as exc:  # psycopg2 missing, refused, auth ...
                self.error = f"PostgreSQL not reachable at {self.admin_url}: {exc}".strip()
        if os.environ.get("JXC_REQUIRE_PG") == "1":
            pytest.fail(f"JXC_REQUIRE_PG=1 but {self.error}", pytrace=False)
        pytest.skip(f"{self.error} (set JXC_REQUIRE_PG=1 to make this an error)")

    def drop(self) -> None:
        if self._name is None:
            return
        try:
            conn = self._admin_connect()
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            conn.close()
        except Exception:  # pragma: no cover - best effort at session end
            pass


def _drop_abandoned(conn) -> None:
    """Drop test databases left by a session that was killed (its process is
    gone and nobody is connected); a database still in use is left alone."""
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'jxc\\_test\\_%'")
        names = [r[0] for r in cur.fetchall()]
        for name in names:
            try:
                pid = int(name.split("_")[2])
                os.kill(pid, 0)
                continue  # that session is still running
            except ProcessLookupError:
                pass
            except (ValueError, IndexError, PermissionError):
                continue
            try:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')  # refused while anyone is connected
            except Exception:
                pass


@pytest.fixture(scope="session")
def pg_server():
    server = _PgServer()
    yield server
    close_database()
    server.drop()


def _empty_postgres(db: peewee.Database) -> None:
    """Remove every row of every table and every trigger change a test made.

    TRUNCATE does not fire the row-level append-only triggers.  The schema
    version row goes too, so the next ``open_database`` re-runs the initial
    migration, which (re)creates the append-only triggers a tamper test may
    have dropped.
    """
    tables = db.get_tables()
    if tables:
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


# --- the database fixture -----------------------------------------------------------

def _open(backend: str, tmp_path: Path, pg_server: _PgServer) -> peewee.Database:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'jxc-test.sqlite3'}"
        db = open_database(url)
    elif backend == "postgresql":
        url = pg_server.ensure()
        db = open_database(url)
        if db.in_transaction():  # pragma: no cover - defensive
            db.rollback()
        _empty_postgres(db)
        db.close()
        db = open_database(url)
    else:  # pragma: no cover
        raise ValueError(backend)
    db.jxc_url = url
    db.jxc_backend = backend
    return db


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, pg_server):
    """A fresh database on each backend (see the module docstring)."""
    database = _open(request.param, tmp_path, pg_server)
    try:
        yield database
    finally:
        try:
            if not database.is_closed() and database.in_transaction():
                database.rollback()
        finally:
            close_database()


@pytest.fixture
def sqlite_db(tmp_path, pg_server):
    """Just the SQLite case of ``db`` (for UI tests)."""
    database = _open("sqlite", tmp_path, pg_server)
    try:
        yield database
    finally:
        close_database()


# --- users ------------------------------------------------------------------------------

class Actors:
    """One user of each role, as ``Actor`` objects (see the module docstring)."""

    password = PASSWORD

    def __init__(self) -> None:
        from jxc_tui.services import auth

        self._auth = auth
        self._by_role: dict[str, Actor] = {}
        with self._cheap_hashes():
            view = auth.bootstrap_admin("admin", PASSWORD)
            self.admin = Actor(view.id, view.username, view.role)
            self._by_role["admin"] = self.admin
            for role in ("finance", "clerk", "viewer"):
                self._by_role[role] = self._create(role, role)
        self.finance = self._by_role["finance"]
        self.clerk = self._by_role["clerk"]
        self.viewer = self._by_role["viewer"]

    def _cheap_hashes(self):
        from argon2 import PasswordHasher

        auth = self._auth

        class _Swap:
            def __enter__(self_inner):
                self_inner.saved = auth._hasher
                auth._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)

            def __exit__(self_inner, *exc):
                auth._hasher = self_inner.saved

        return _Swap()

    def _create(self, username: str, role: str) -> Actor:
        view = self._auth.create_user(self.admin, username, role, PASSWORD)
        return Actor(view.id, view.username, view.role)

    def make(self, role: str, username: str | None = None) -> Actor:
        """Another user of ``role`` (named ``<role>2``, ``<role>3``... unless given)."""
        if username is None:
            n = 2
            while f"{role}{n}" in {a.username for a in self._by_role.values()}:
                n += 1
            username = f"{role}{n}"
        with self._cheap_hashes():
            actor = self._create(username, role)
        self._by_role[username] = actor
        return actor

    def __getitem__(self, role: str) -> Actor:
        return self._by_role[role]

    def all(self) -> list[Actor]:
        return [self.viewer, self.clerk, self.finance, self.admin]


@pytest.fixture
def actors(db) -> Actors:
    """Users of every role in ``db`` (see the module docstring)."""
    return Actors()


@pytest.fixture
def fast_hashing(monkeypatch):
    """Argon2id with the cheapest parameters for the whole test (hashing and
    verifying ~0.5 ms instead of ~100 ms).  For tests that log in or set
    passwords but are not about hashing; ``test_auth`` uses the real one."""
    from argon2 import PasswordHasher

    from jxc_tui.services import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))


# --- time -------------------------------------------------------------------------------

class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


FROZEN_AT = datetime(2024, 1, 2, 3, 4, 5)


@pytest.fixture
def frozen_clock(monkeypatch) -> FrozenClock:
    """Freeze ``clock.utcnow`` for services and model defaults (naive UTC)."""
    fake = FrozenClock(FROZEN_AT)
    original = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", fake)
    # A module that did ``from ..clock import utcnow`` holds its own reference.
    for name, module in list(sys.modules.items()):
        if name.startswith("jxc_tui.") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", fake)
    return fake


# --- global state -------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _restore_globals():
    saved_policy = dataclasses.replace(policy_module.policy)
    saved_language = i18n.get_language()
    i18n.set_language("zh")
    yield
    for f in dataclasses.fields(saved_policy):
        setattr(policy_module.policy, f.name, getattr(saved_policy, f.name))
    i18n.set_language(saved_language)


@pytest.fixture
def unlimited():
    """Direct limits high enough that every change posts at once -- for tests
    about something else (ranges, totals) that move large amounts.  Restored
    afterwards by the autouse fixture."""
    policy_module.policy.direct_limits = {role: 10**15 for role in policy_module.ROLES}


@pytest.fixture
def english():
    """Messages in English for the test (restored afterwards by the autouse fixture)."""
    i18n.set_language("en")

