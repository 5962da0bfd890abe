"""Users and logins.

Passwords are Argon2id hashes.  After ``max_failed_logins`` failures in a row
an account is locked for ``lockout_minutes``.  A failed login says only
"wrong user name or password", whether or not the user exists; a locked
account says until when.  Every login, failure and lock is audited.

User administration (``user.manage``): add, change role, reset a password
(the user must change it at the next login), deactivate / reactivate,
unlock.  Each writes its audit event in the same transaction, never a
password or a hash, and none may leave the system without an active user
who can manage users.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import clock
from ..db import write_transaction
from ..errors import AccountLocked, AuthFailed, NotFound, PermissionDenied, ValidationError
from ..i18n import t
from ..models import LoginThrottle, User
from ..text import clean_field, display_safe, has_controls
from . import audit
from .policy import checked_write, ROLES, Actor, policy, require

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


def create_user(actor: Actor, username: str, role: str, password: str, *,
                must_change_password: bool = False) -> UserView:
    """Add a user.  Needs ``user.manage``; writes the user and a ``user.create`` event.

    ``must_change_password``: the password is an initial one, told to the
    user by the admin; they must choose their own at the first login."""
    require(actor, "user.manage")
    name = _clean_username(username)
    if "/" in name:  # the history writes "requester/approver": a name must not look like two
        raise ValidationError("auth.username_slash", field="username")
    _check_role(role)
    check_password_rules(password)
    with checked_write(actor, "user.manage"):
        if User.select().where(User.username == name).exists():
            raise ValidationError("auth.username_taken", field="username", username=name)
        user = User.create(username=name, password_hash=hash_password(password), role=role,
                           must_change_password=must_change_password)
        after: dict[str, object] = {"username": name, "role": role}
        if must_change_password:
            after["must_change_password"] = True
        audit.record(actor, "user.create", entity="user", entity_id=user.id, after=after)
    return _view(user)


def list_users(actor: Actor) -> list[UserView]:
    require(actor, "user.manage")
    return [_view(u) for u in User.select().order_by(User.username)]


def set_password(actor: Actor, username: str, new_password: str) -> None:
    """Set a password: your own (the session proves the old one; the new one
    must differ), or anyone's with ``user.manage`` -- then it is a password
    the admin knows, so the user must change it at the next login, as after
    :func:`reset_password`.  Clears a lock."""
    username = _clean_username(username)
    own = username == actor.username
    if not own:
        require(actor, "user.manage")
    check_password_rules(new_password)
    with checked_write(actor, *([] if own else ["user.manage"])):
        user = User.get_or_none(User.username == username)
        if user is None:
            raise NotFound("auth.no_such_user", username=username)
        if own and _matches(user.password_hash, new_password):
            raise ValidationError("auth.password_same", field="new_password")
        User.update(password_hash=hash_password(new_password), must_change_password=not own).where(
            User.id == user.id).execute()
        LoginThrottle.delete().where(LoginThrottle.username == user.username).execute()
        audit.record(actor, "user.password", entity="user", entity_id=user.id,
                     after={"username": username, "must_change_password": not own})


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- user administration -------------------------------------------------------------

def role_label(role: str) -> str:
    """A role in the user's language (the code itself for a role only the config knows)."""
    text = t(f"role.{role}")
    return role if text == f"role.{role}" else text


def roles() -> list[str]:
    """The configured roles, in the order of the defaults first (viewer ... admin)."""
    known = [r for r in ROLES if r in policy.roles]
    return known + sorted(r for r in policy.roles if r not in ROLES)


def _user(username: str) -> User:
    """The user named ``username``, read inside the caller's transaction."""
    name = _clean_username(username)
    user = User.get_or_none(User.username == name)
    if user is None:
        raise NotFound("auth.no_such_user", username=name)
    return user


def _current_lock(username: str) -> LoginThrottle | None:
    row = LoginThrottle.get_or_none(LoginThrottle.username == username)
    if row is None or row.locked_until is None or row.locked_until <= clock.utcnow():
        return None
    return row


def _keep_a_manager(user: User, *, role: str, active: bool) -> None:
    """Refuse a change that would leave no active user holding ``user.manage``
    (nobody could then add, unlock or reset anyone).  Runs inside the write
    transaction, so two admins demoting each other at once cannot both pass."""
    managing = [r for r, permissions in policy.roles.items() if "user.manage" in permissions]
    if not (user.is_active and user.role in managing) or (active and role in managing):
        return  # not a manager now, or still one afterwards
    others = (User.select().where(User.is_active == True, User.role.in_(managing),  # noqa: E712
                                  User.id != user.id).count())
    if others == 0:
        raise ValidationError("auth.last_admin", username=user.username)


def change_role(actor: Actor, username: str, role: str) -> UserView:
    """Give a user another role.  Needs ``user.manage``; refuses an unknown
    role, the role the user already has, and taking ``user.manage`` from the
    last active user holding it.  Writes a ``user.role`` event (old -> new)."""
    require(actor, "user.manage")
    _check_role(role)
    with checked_write(actor, "user.manage"):
        user = _user(username)
        if user.role == role:
            raise ValidationError("auth.role_unchanged", field="role", username=user.username,
                                  role=role_label(role))
        _keep_a_manager(user, role=role, active=user.is_active)
        User.update(role=role).where(User.id == user.id).execute()
        audit.record(actor, "user.role", entity="user", entity_id=user.id,
                     before={"username": user.username, "role": user.role},
                     after={"username": user.username, "role": role})
        user.role = role
    return _view(user)


def reset_password(actor: Actor, username: str, new_password: str) -> UserView:
    """Set another user's password to one the admin tells them; they must
    change it at the next login.  Needs ``user.manage``; clears any login
    lock.  Your own password is changed with :func:`change_own_password`
    (which asks for the old one).  Writes a ``user.reset_password`` event."""
    require(actor, "user.manage")
    check_password_rules(new_password)
    with checked_write(actor, "user.manage"):
        user = _user(username)
        if user.id == actor.user_id:
            raise ValidationError("auth.reset_self", field="username")
        lock = _current_lock(user.username)
        User.update(password_hash=hash_password(new_password), must_change_password=True).where(
            User.id == user.id).execute()
        LoginThrottle.delete().where(LoginThrottle.username == user.username).execute()
        before: dict[str, object] = {"username": user.username, "must_change_password": user.must_change_password}
        if lock is not None:
            before["locked_until"] = clock.format_local(lock.locked_until, seconds=True)
        audit.record(actor, "user.reset_password", entity="user", entity_id=user.id, before=before,
                     after={"username": user.username, "must_change_password": True})
        user.must_change_password = True
    return _view(user)


def set_active(actor: Actor, username: str, active: bool) -> UserView:
    """Deactivate a user (they can no longer log in, and a session they still
    have can no longer write) or reactivate one.  Needs ``user.manage``; you
    cannot deactivate yourself, nor the last active user holding
    ``user.manage``.  Writes ``user.deactivate`` or ``user.activate``."""
    require(actor, "user.manage")
    with checked_write(actor, "user.manage"):
        user = _user(username)
        if user.is_active == active:
            raise ValidationError("auth.already_active" if active else "auth.already_inactive",
                                  username=user.username)
        if not active and user.id == actor.user_id:
            raise ValidationError("auth.deactivate_self")
        _keep_a_manager(user, role=user.role, active=active)
        User.update(is_active=active).where(User.id == user.id).execute()
        audit.record(actor, "user.activate" if active else "user.deactivate", entity="user",
                     entity_id=user.id, before={"username": user.username, "active": user.is_active},
                     after={"username": user.username, "active": active})
        user.is_active = active
    return _view(user)


def unlock(actor: Actor, username: str) -> UserView:
    """End a login lock early (and forget the failures behind it).  Needs
    ``user.manage``; refuses a user who is not locked.  Writes ``user.unlock``."""
    require(actor, "user.manage")
    with checked_write(actor, "user.manage"):
        user = _user(username)
        lock = _current_lock(user.username)
        if lock is None:
            raise ValidationError("auth.not_locked", username=user.username)
        LoginThrottle.delete().where(LoginThrottle.username == user.username).execute()
        audit.record(actor, "user.unlock", entity="user", entity_id=user.id,
                     before={"username": user.username,
                             "locked_until": clock.format_local(lock.locked_until, seconds=True)},
                     after={"username": user.username, "locked_until": ""})
    return _view(user)


def change_own_password(actor: Actor, old_password: str, new_password: str) -> None:
    """The logged-in user changes their own password: the old one must be
    right (a wrong one is audited as ``user.password_refused``), the new one
    must follow the rules and differ from it.  Clears ``must_change_password``.
    Writes a ``user.password`` event.  Needs no permission beyond being an
    active user."""
    user = User.get_or_none(User.id == actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("auth.no_such_user", username=actor.username)
    if not user.is_active:
        raise PermissionDenied("auth.inactive")
    try:
        ok = _hasher.verify(user.password_hash, old_password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with write_transaction():
            audit.record(actor, "user.password_refused", entity="user", entity_id=user.id,
                         after={"username": user.username})
        raise ValidationError("auth.old_password_wrong", field="old_password")
    check_password_rules(new_password)
    if new_password == old_password:
        raise ValidationError("auth.password_same", field="new_password")
    with write_transaction():
        User.update(password_hash=hash_password(new_password), must_change_password=False).where(
            User.id == user.id).execute()
        audit.record(actor, "user.password", entity="user", entity_id=user.id,
                     before={"username": user.username, "must_change_password": user.must_change_password},
                     after={"username": user.username, "must_change_password": False})


def must_change_password(actor: Actor) -> bool:
    """Whether the logged-in user has to choose a new password before anything
    else (an initial password, or one reset by an admin)."""
    if actor.user_id is None:
        return False
    user = User.get_or_none(User.id == actor.user_id)
    return bool(user and user.must_change_password)


__all__ = ["ROLES", "UserView", "login", "logout", "create_user", "list_users", "set_password",
           "bootstrap_admin", "has_users", "hash_password", "check_password_rules", "login_state",
           "role_label", "roles", "change_role", "reset_password", "set_active", "unlock",
           "change_own_password", "must_change_password"]
