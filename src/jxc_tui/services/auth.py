"""Users and logins.

Passwords are Argon2id hashes.  After ``max_failed_logins`` failures in a row
an account is locked for ``lockout_minutes``.  A failed login says only
"wrong user name or password", whether or not the user exists; a locked
account says until when.  Every login, failure and lock is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import clock
from ..db import write_transaction
from ..errors import AccountLocked, AuthFailed, NotFound, ValidationError
from ..models import LoginThrottle, User
from ..text import clean_field, display_safe, has_controls
from . import audit
from .policy import ROLES, Actor, policy, require

_hasher = PasswordHasher()  # argon2id by default
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("jxc-no-such-user")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: str
    is_active: bool
    locked_until: datetime | None
    must_change_password: bool
    created_at: datetime


def _view(u: User) -> UserView:
    _, locked_until = login_state(u.username)
    if locked_until is not None and locked_until <= clock.utcnow():
        locked_until = None
    return UserView(u.id, u.username, u.role, u.is_active, locked_until,
                    u.must_change_password, u.created_at)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError("auth.password_short", field="password", min=MIN_PASSWORD)


def _clean_username(username: str) -> str:
    name = clean_field(username, field="username", required=True, max_len=64, nfkc=True)
    if any(ch.isspace() for ch in name):
        raise ValidationError("auth.username_spaces", field="username")
    return name


def _check_role(role: str) -> str:
    if role not in policy.roles:
        raise ValidationError("auth.unknown_role", field="role", role=role, roles=", ".join(sorted(policy.roles)))
    return role


def login(username: str, password: str, origin: str = "") -> Actor:
    """Check a password; return the :class:`Actor` or raise AuthFailed / AccountLocked.

    Unknown, deactivated and existing users are answered alike: the same
    message, the same Argon2 cost, and the same lock after repeated failures."""
    name = unicodedata.normalize("NFKC", username or "").strip()[:64]  # as _clean_username stored it
    if has_controls(name):  # never a user name; PostgreSQL cannot even compare a NUL
        name = display_safe(name)
    now = clock.utcnow()
    user = User.get_or_none(User.username == name) if name else None
    if user is not None and not user.is_active:
        user = None
    throttle = LoginThrottle.get_or_none(LoginThrottle.username == name)
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "") and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    entity_id = user.id if user else name
    if throttle and throttle.locked_until and throttle.locked_until > now:
        with write_transaction():
            audit.record(None, "auth.login_refused_locked", actor_name=name, entity="user",
                         entity_id=entity_id, origin=origin)
        raise AccountLocked(until=clock.format_local(throttle.locked_until))
    with write_transaction():
        if ok:
            assert user is not None
            actor = Actor(user.id, user.username, user.role, origin)
            LoginThrottle.delete().where(LoginThrottle.username == name).execute()
            if _hasher.check_needs_rehash(user.password_hash):
                User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
            audit.record(actor, "auth.login", entity="user", entity_id=user.id)
            return actor
        locked_until = _count_failure(name, now)
        audit.record(None, "auth.login_failed", actor_name=name, entity="user", entity_id=entity_id,
                     origin=origin)
        if locked_until:
            audit.record(None, "auth.locked", actor_name=name, entity="user", entity_id=entity_id,
                         after={"locked_until": clock.format_local(locked_until, seconds=True)}, origin=origin)
    if locked_until:
        raise AccountLocked(until=clock.format_local(locked_until))
    raise AuthFailed()


def _count_failure(name: str, now: datetime) -> datetime | None:
    """One more failure for ``name``; returns the lock's end when this one locks it."""
    row = LoginThrottle.get_or_none(LoginThrottle.username == name)
    failures = (row.failed_logins if row and not row.locked_until else 0) + 1
    locked_until = None
    if failures >= policy.max_failed_logins:
        locked_until, failures = now + timedelta(minutes=policy.lockout_minutes), 0
    if row is None:
        LoginThrottle.create(username=name, failed_logins=failures, locked_until=locked_until)
    else:
        LoginThrottle.update(failed_logins=failures, locked_until=locked_until).where(
            LoginThrottle.username == name).execute()
    return locked_until


def login_state(username: str) -> tuple[int, datetime | None]:
    """``(failures in a row, locked until)`` for a login name (for admins and tests)."""
    row = LoginThrottle.get_or_none(LoginThrottle.username == username)
    return (row.failed_logins, row.locked_until) if row else (0, None)


def logout(actor: Actor) -> None:
    with write_transaction():
        audit.record(actor, "auth.logout", entity="user", entity_id=actor.user_id)


def has_users() -> bool:
    return User.select().exists()


def bootstrap_admin(username: str, password: str, origin: str = "cli") -> UserView:
    """Create the first admin of an empty database (``jxc init``)."""
    name = _clean_username(username)
    check_password_rules(password)
    with write_transaction():
        if User.select().exists():
            raise ValidationError("auth.already_initialised")
        user = User.create(username=name, password_hash=hash_password(password), role="admin")
        actor = Actor(user.id, user.username, user.role, origin)
        audit.record(actor, "user.create", entity="user", entity_id=user.id,
                     after={"username": name, "role": "admin"}, reason="jxc init")
    return _view(user)


def create_user(actor: Actor, username: str, role: str, password: str) -> UserView:
    """Add a user.  Needs ``user.manage``; writes the user and a ``user.create`` event."""
    require(actor, "user.manage")
    name = _clean_username(username)
    _check_role(role)
    check_password_rules(password)
    with write_transaction():
        if User.select().where(User.username == name).exists():
            raise ValidationError("auth.username_taken", field="username", username=name)
        user = User.create(username=name, password_hash=hash_password(password), role=role)
        audit.record(actor, "user.create", entity="user", entity_id=user.id,
                     after={"username": name, "role": role})
    return _view(user)


def list_users(actor: Actor) -> list[UserView]:
    require(actor, "user.manage")
    return [_view(u) for u in User.select().order_by(User.username)]


def set_password(actor: Actor, username: str, new_password: str) -> None:
    """Change a password: your own, or anyone's with ``user.manage``.  Clears a lock."""
    username = _clean_username(username)
    if username != actor.username:
        require(actor, "user.manage")
    check_password_rules(new_password)
    with write_transaction():
        user = User.get_or_none(User.username == username)
        if user is None:
            raise NotFound("auth.no_such_user", username=username)
        User.update(password_hash=hash_password(new_password), must_change_password=False).where(
            User.id == user.id).execute()
        LoginThrottle.delete().where(LoginThrottle.username == user.username).execute()
        audit.record(actor, "user.password", entity="user", entity_id=user.id,
                     after={"username": username})


__all__ = ["ROLES", "UserView", "login", "logout", "create_user", "list_users", "set_password",
           "bootstrap_admin", "has_users", "hash_password"]
