"""Users and logins: Argon2id, one message for every failure, lockout, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jxc_tui import clock
from jxc_tui.errors import AccountLocked, AuthFailed, ValidationError
from jxc_tui.models import AuditEvent, User
from jxc_tui.services import audit, auth
from jxc_tui.services.policy import policy


def _events(action_prefix: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action.startswith(action_prefix)).order_by(AuditEvent.id))


def _fail(username: str, password: str = "wrong-password") -> Exception:
    with pytest.raises((AuthFailed, AccountLocked)) as info:
        auth.login(username, password)
    return info.value


def test_passwords_are_argon2id_hashes(db):
    auth.bootstrap_admin("root", "s3cret-pass")
    stored = User.get(User.username == "root").password_hash
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass" not in stored


def test_login_returns_the_actor_and_rehashes_weak_hashes(db, actors):
    actor = auth.login("clerk", actors.password, origin="tty1")
    assert (actor.user_id, actor.username, actor.role, actor.origin) == (
        actors.clerk.user_id, "clerk", "clerk", "tty1")
    # The fixture's cheap hash is replaced by one with the production parameters.
    stored = User.get_by_id(actors.clerk.user_id).password_hash
    assert stored.startswith("$argon2id$") and not auth._hasher.check_needs_rehash(stored)
    ev = _events("auth.login")[-1]
    assert (ev.action, ev.actor_id) == ("auth.login", actors.clerk.user_id)


def test_wrong_password_unknown_user_and_inactive_user_look_the_same(db, actors):
    User.update(is_active=False).where(User.id == actors.viewer.user_id).execute()
    wrong = _fail("clerk")
    unknown = _fail("no-such-user")
    inactive = _fail("viewer", actors.password)  # right password, deactivated account
    empty = _fail("", "")
    for err in (wrong, unknown, inactive, empty):
        assert type(err) is AuthFailed
        assert str(err) == str(wrong)
        assert err.params == {}
    assert str(wrong) == "用户名或密码错误"


def test_five_failures_lock_for_fifteen_minutes_saying_until_when(db, actors, frozen_clock):
    assert (policy.max_failed_logins, policy.lockout_minutes) == (5, 15)
    for _ in range(4):
        assert isinstance(_fail("clerk"), AuthFailed)
    locked = _fail("clerk")
    assert isinstance(locked, AccountLocked)
    until = frozen_clock.now + timedelta(minutes=15)
    assert auth.login_state("clerk") == (0, until)
    assert clock.format_local(until) in str(locked)
    # Even the right password is refused while locked, with the same "until".
    frozen_clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccountLocked) as info:
        auth.login("clerk", actors.password)
    assert clock.format_local(until) in str(info.value)
    # Other users are not affected.
    assert auth.login("finance", actors.password).username == "finance"


def test_lock_expires(db, actors, frozen_clock):
    for _ in range(5):
        _fail("clerk")
    frozen_clock.advance(minutes=15, seconds=1)
    assert auth.login("clerk", actors.password).username == "clerk"
    assert auth.login_state("clerk") == (0, None)


def test_after_a_lock_expires_one_failure_does_not_lock_again(db, actors, frozen_clock):
    for _ in range(5):
        _fail("clerk")
    frozen_clock.advance(minutes=16)
    assert isinstance(_fail("clerk"), AuthFailed)


def test_success_resets_the_failure_counter(db, actors, frozen_clock):
    for _ in range(4):
        _fail("clerk")
    auth.login("clerk", actors.password)
    for _ in range(4):
        assert isinstance(_fail("clerk"), AuthFailed)
    assert auth.login_state("clerk") == (4, None)


def test_failed_logins_and_locks_are_in_the_audit_log(db, actors, frozen_clock):
    _fail("ghost")
    for _ in range(5):
        _fail("clerk")
    with pytest.raises(AccountLocked):
        auth.login("clerk", actors.password)
    failed = [(e.actor_name, e.actor_id) for e in _events("auth.login_failed")]
    assert failed == [("ghost", None)] + [("clerk", None)] * 5
    (lock,) = _events("auth.locked")
    assert lock.entity_id == str(actors.clerk.user_id)
    assert "locked_until" in lock.after
    assert len(_events("auth.login_refused_locked")) == 1
    # Visible through the service that shows the global log, and the chain holds.
    shown = [e.action for e in audit.list_events(actors.admin, audit.EventFilter(action="auth."))]
    assert shown.count("auth.login_failed") == 6
    assert audit.verify().ok


def test_logout_is_audited(db, actors):
    auth.logout(actors.clerk)
    assert _events("auth.logout")[-1].actor_id == actors.clerk.user_id


def test_username_typed_full_width_or_with_spaces_logs_in(db, actors):
    """User names are NFKC-normalised when created; logging in must read them the same way."""
    auth.create_user(actors.admin, "ａｌｉｃｅ", "clerk", actors.password)
    assert User.get(User.username == "alice")
    assert auth.login("ａｌｉｃｅ", actors.password).username == "alice"
    assert auth.login(" alice ", actors.password).username == "alice"


# --- managing users --------------------------------------------------------------------

def test_bootstrap_only_once(db, actors):
    with pytest.raises(ValidationError) as info:
        auth.bootstrap_admin("second", "password-2")
    assert info.value.key == "auth.already_initialised"


@pytest.mark.parametrize(("username", "role", "password", "field"), [
    ("bob", "clerk", "short", "password"),
    ("bob", "superuser", "password-1", "role"),
    ("b o b", "clerk", "password-1", "username"),
    ("", "clerk", "password-1", "username"),
    ("bob\x1b[2J", "clerk", "password-1", "username"),
    ("clerk", "clerk", "password-1", "username"),  # taken
    ("clerk/finance", "clerk", "password-1", "username"),  # would read as "requested by clerk, approved by finance"
])
def test_create_user_refusals_name_the_field(db, actors, username, role, password, field):
    before = User.select().count()
    with pytest.raises(ValidationError) as info:
        auth.create_user(actors.admin, username, role, password)
    assert info.value.field == field
    assert User.select().count() == before


def test_admin_resets_a_password_and_clears_a_lock(db, actors, frozen_clock):
    for _ in range(5):
        _fail("clerk")
    auth.set_password(actors.admin, "clerk", "brand-new-pass")
    assert auth.login("clerk", "brand-new-pass").username == "clerk"
    _fail("clerk", actors.password)  # the old password no longer works
    assert _events("user.password")[-1].actor_id == actors.admin.user_id


@pytest.mark.parametrize("username", ["cl\x00erk", "clerk\x1b[2J", "\x00"], ids=repr)
def test_control_characters_in_the_user_name_are_just_a_failed_login(db, actors, username):
    with pytest.raises(AuthFailed):
        auth.login(username, actors.password)
    assert _events("auth.login_failed")[-1].actor_name == username.replace("\x00", "\ufffd").replace("\x1b", "\ufffd")
    assert audit.verify().ok


def test_unknown_names_lock_like_real_ones(db, actors, frozen_clock):
    """The answers never tell which user names exist (the lock included)."""
    answers = {}
    for name in ("clerk", "nosuch"):
        answers[name] = [type(_fail(name)).__name__ for _ in range(6)]
    assert answers["clerk"] == answers["nosuch"] == ["AuthFailed"] * 4 + ["AccountLocked"] * 2
    assert auth.login_state("nosuch")[1] == frozen_clock.now + timedelta(minutes=15)
