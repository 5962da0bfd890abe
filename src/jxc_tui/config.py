"""Configuration: a TOML file read with ``tomllib`` and written with ``tomli-w``.

Where it lives: ``--config PATH``, else ``$JXC_CONFIG``, else the platform's
user config directory.  A missing file in the config directory means
defaults; a file named by ``--config`` or ``$JXC_CONFIG`` must exist (a
mistyped path is not silently ignored), except for ``jxc config init``,
which creates it.  The database URL:
``--db URL``, else ``$JXC_DB``, else ``[database] url``, else a SQLite file
under the user data directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from decimal import Decimal
from typing import Any

import platformdirs
import tomli_w

from .errors import InvalidAmount
from .i18n import t
from .money import parse_amount

APP_NAME = "jxc-tui"

PERMISSIONS = (
    "customer.view",
    "customer.edit",
    "ledger.post",
    "debt.adjust",
    "debt.approve",
    "debt.batch",
    "history.view",
    "data.import",
    "data.export",
    "user.manage",
    "audit.verify",
)

DEFAULT_ROLES: dict[str, list[str]] = {
    "viewer": ["customer.view", "history.view"],
    "clerk": ["customer.view", "customer.edit", "ledger.post", "debt.adjust"],
    "finance": [
        "customer.view", "customer.edit", "ledger.post", "debt.adjust", "debt.approve",
        "debt.batch", "history.view", "data.import", "data.export",
    ],
    "admin": list(PERMISSIONS),
}

# Direct limits (直接额度): the largest change, in yuan, a role may post
# without a second person's approval.  ``None``: every change needs approval.
# Written as text in the config file ("1000.00") so no float ever touches money.
DEFAULT_LIMITS: dict[str, str | None] = {
    "viewer": None,
    "clerk": "1000.00",
    "finance": "10000.00",
    "admin": "10000.00",
}


class ConfigError(Exception):
    """The config file cannot be read or holds a value that makes no sense."""


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    env = os.environ.get("JXC_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'jxc.sqlite3'}"


@dataclass
class Config:
    db_url: str = field(default_factory=default_db_url)
    language: str = "zh"
    theme: str = "textual-dark"
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    roles: dict[str, frozenset[str]] = field(
        default_factory=lambda: {r: frozenset(p) for r, p in DEFAULT_ROLES.items()}
    )
    direct_limits: dict[str, Decimal | None] = field(
        default_factory=lambda: {r: None if v is None else Decimal(v) for r, v in DEFAULT_LIMITS.items()}
    )
    log_file: Path = field(default_factory=lambda: user_data_dir() / "jxc.log")
    path: Path | None = None

    def permissions_for(self, role: str) -> frozenset[str]:
        return self.roles.get(role, frozenset())


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table")
    return value


def _read_text(path: Path) -> str | None:
    """The file's text; ``None`` if it does not exist; ConfigError if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(t("file.is_directory", path=path)) from None
    except OSError as exc:
        raise ConfigError(t("file.unreadable", path=path, reason=exc.strerror or exc)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _read_limit(role: str, value: Any) -> Decimal | None:
    """A ``[limits]`` value: an amount as text ("1000.00"), an integer, or
    "none" (every change needs approval).  A TOML float is refused: it cannot
    hold every amount exactly."""
    if isinstance(value, str) and value.strip().lower() in ("none", "无", ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f'[limits] {role}: write the amount as text, e.g. {role} = "1000.00"')
    try:
        amount = parse_amount(str(value))
    except InvalidAmount as exc:
        raise ConfigError(f"[limits] {role}: {exc}") from None
    if amount < 0:
        raise ConfigError(f"[limits] {role}: a limit cannot be negative")
    return amount


def load_config(path: Path | None = None, db_url: str | None = None, *,
                require_named: bool = True) -> Config:
    """Read the config file (if any) and apply the overrides.

    A file named by ``path`` or ``$JXC_CONFIG`` that does not exist is a
    :class:`ConfigError` unless ``require_named`` is false (``jxc config
    init``, which is about to write it).
    """
    named = path is not None or bool(os.environ.get("JXC_CONFIG"))
    path = path or default_config_path()
    cfg = Config(path=path)
    text = _read_text(path)
    if text is None and named and require_named:
        raise ConfigError(t("config.missing", path=path))
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        database = _section(data, "database")
        ui = _section(data, "ui")
        security = _section(data, "security")
        log = _section(data, "log")
        if "url" in database:
            cfg.db_url = str(database["url"])
        cfg.language = str(ui.get("language", cfg.language))
        cfg.theme = str(ui.get("theme", cfg.theme))
        try:
            cfg.max_failed_logins = int(security.get("max_failed_logins", cfg.max_failed_logins))
            cfg.lockout_minutes = int(security.get("lockout_minutes", cfg.lockout_minutes))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[security]: {exc}") from exc
        if cfg.max_failed_logins < 1 or cfg.lockout_minutes < 1:
            raise ConfigError("[security] values must be at least 1")
        if "file" in log:
            cfg.log_file = Path(str(log["file"])).expanduser()
        for role, perms in _section(data, "roles").items():
            if not isinstance(perms, list) or not all(p in PERMISSIONS for p in perms):
                raise ConfigError(f"[roles] {role}: unknown permission in {perms!r}")
            cfg.roles[role] = frozenset(perms)
        for role, value in _section(data, "limits").items():
            if role not in cfg.roles:  # a typo ("Clerk") would leave the default limit in force
                raise ConfigError(f"[limits] {role}: no such role (roles: {', '.join(sorted(cfg.roles))})")
            cfg.direct_limits[role] = _read_limit(role, value)
    if cfg.language not in ("zh", "en"):
        raise ConfigError(f"[ui] language must be 'zh' or 'en', not {cfg.language!r}")
    env_db = os.environ.get("JXC_DB")
    if db_url:
        cfg.db_url = db_url
    elif env_db:
        cfg.db_url = env_db
    return cfg


def starter_config() -> dict[str, Any]:
    return {
        "database": {"url": default_db_url()},
        "ui": {"language": "zh", "theme": "textual-dark"},
        "security": {"max_failed_logins": 5, "lockout_minutes": 15},
        "log": {"file": str(user_data_dir() / "jxc.log")},
        "roles": DEFAULT_ROLES,
        "limits": {r: ("none" if v is None else v) for r, v in DEFAULT_LIMITS.items()},
    }


def write_starter_config(path: Path, *, force: bool = False) -> Path:
    if path.is_dir():
        raise ConfigError(t("file.is_directory", path=path))
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists (use --force to overwrite)")
    header = (
        "# jxc-tui configuration (written by `jxc config init`).\n"
        "# database.url: sqlite:////path/file.sqlite3 or postgresql://user@host/db\n"
        "# ui.language: zh | en;  security: failed logins before a lock, lock minutes\n"
        "# roles: role -> permissions checked by the services on every write.\n"
        "# limits: role -> largest change posted without approval (\"1000.00\", or \"none\").\n"
        "# See config.example.toml in the source for every key explained.\n\n"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + tomli_w.dumps(starter_config()), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(t("file.unwritable", path=path, reason=exc.strerror or exc)) from None
    return path
