"""Who may do what, and the settings that shape the rules.

``configure`` is called once at start-up from the config file; the defaults
match DESIGN.md.  Permission checks live here and are called by every write
service -- hiding a key in the UI is a convenience, not a control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from decimal import Decimal

from ..config import DEFAULT_LIMITS, DEFAULT_ROLES, Config
from ..money import to_fen
from ..errors import PermissionDenied


@dataclass
class Policy:
    roles: dict[str, frozenset[str]] = field(
        default_factory=lambda: {r: frozenset(p) for r, p in DEFAULT_ROLES.items()}
    )
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # role -> largest change in fen posted without approval; None: every change needs one
    direct_limits: dict[str, int | None] = field(
        default_factory=lambda: {r: None if v is None else to_fen(Decimal(v)) for r, v in DEFAULT_LIMITS.items()}
    )


policy = Policy()


def configure(cfg: Config) -> None:
    policy.roles = dict(cfg.roles)
    policy.max_failed_logins = cfg.max_failed_logins
    policy.lockout_minutes = cfg.lockout_minutes
    policy.direct_limits = {r: None if v is None else to_fen(v) for r, v in cfg.direct_limits.items()}


@dataclass(frozen=True)
class Actor:
    """The person acting, as established by a login; ``origin`` says from where."""

    user_id: int | None
    username: str
    role: str
    origin: str = ""

    @property
    def permissions(self) -> frozenset[str]:
        return policy.roles.get(self.role, frozenset())

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def direct_limit_fen(self) -> int | None:
        """The largest change this actor may post without approval (None: none at all)."""
        return policy.direct_limits.get(self.role)


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission``."""
    if not actor.can(permission):
        raise PermissionDenied(permission=permission)


ROLES = ("viewer", "clerk", "finance", "admin")
