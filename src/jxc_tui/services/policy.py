"""Who may do what, and the settings that shape the rules.

``configure`` is called once at start-up from the config file; the defaults
match DESIGN.md.  Permission checks live here and are called by every write
service -- hiding a key in the UI is a convenience, not a control.

A check reads the user's role as it is now in the database, not as it was at
login: an admin who demotes or deactivates someone takes effect on that
person's open session at their next action.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from ..config import DEFAULT_LIMITS, DEFAULT_ROLES, Config
from ..db import write_transaction
from ..errors import PermissionDenied
from ..models import User
from ..money import to_fen


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

    def current_role(self) -> str | None:
        """The role the user holds now; None for a deactivated or removed user.
        An actor without a user row (a system task) keeps the role it was given."""
        if self.user_id is None:
            return self.role
        row = User.select(User.role, User.is_active).where(User.id == self.user_id).first()
        return row.role if row is not None and row.is_active else None

    @property
    def permissions(self) -> frozenset[str]:
        role = self.current_role()
        return policy.roles.get(role, frozenset()) if role is not None else frozenset()

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def direct_limit_fen(self) -> int | None:
        """The largest change this actor may post without approval (None: none at all)."""
        role = self.current_role()
        return policy.direct_limits.get(role) if role is not None else None


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission`` now."""
    role = actor.current_role()
    if role is None:
        raise PermissionDenied("auth.inactive", permission=permission)
    if permission not in policy.roles.get(role, frozenset()):
        raise PermissionDenied(permission=permission)


@contextlib.contextmanager
def checked_write(actor: Actor, *permissions: str) -> Iterator[None]:
    """The write transaction of a service that needs ``permissions``: they
    are checked again inside the writers' lock, where no other writer -- an
    admin demoting or deactivating this actor -- can commit between the check
    and the write.  (Services also check before, for a quick refusal.)"""
    with write_transaction():
        for permission in permissions:
            require(actor, permission)
        yield


ROLES = ("viewer", "clerk", "finance", "admin")
