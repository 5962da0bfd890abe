"""User administration: change role, reset a password, deactivate /
reactivate, unlock, and a user changing their own password.  Every rule is
the service's; every change is audited in its own transaction, without a
password or a hash; a refusal changes nothing."""

from __future__ import annotations

import pytest

from jxc_tui.errors import AccountLocked, AuthFailed, NotFound, PermissionDenied, ValidationError
from jxc_tui.models import AuditEvent, LoginThrottle, User
from jxc_tui.services import audit, auth
from jxc_tui.services.policy import Actor

NEW_PASSWORD = "temporary-42"


@pytest.fixture(autouse=True)
def _cheap(fast_hashing):
    """Logins and password changes with cheap Argon2 (not what these tests are about)."""


def _state() -> list[tuple]:
    """Everything a user-admin change may touch: users, throttles, the audit log."""
    users = [(u.username, u.role, u.is_active, u.must_change_password, u.password_hash)
             for u in User.select().order_by(User.id)]
    throttles = [(r.username, r.failed_logins, r.locked_until) for r in LoginThrottle.select()]
    return [users, throttles, AuditEvent.select().count()]


def _last_event() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.id.desc()).first()


def _user(name: str) -> User:
    return User.get(User.username == name)


def _lock(name: str, password: str = "wrong-password") -> None:
    for _ in range(5):
        with pytest.raises((AuthFailed, AccountLocked)):
            auth.login(name, password)
    assert auth.login_state(name)[1] is not None


def _no_secrets(event: AuditEvent, *passwords: str) -> None:
    text = event.before + event.after + event.reason
    assert "$argon2" not in text
    for password in passwords:
        assert password not in text


# --- permission: only user.manage, for every function --------------------------------------

ADMIN_CALLS = {
    "create_user": lambda actor: auth.create_user(actor, "newbie", "clerk", NEW_PASSWORD),
    "change_role": lambda actor: auth.change_role(actor, "viewer", "finance"),
    "reset_password": lambda actor: auth.reset_password(actor, "viewer", NEW_PASSWORD),
    "deactivate": lambda actor: auth.set_active(actor, "viewer", False),
    "unlock": lambda actor: auth.unlock(actor, "viewer"),
    "list_users": lambda actor: auth.list_users(actor),
}


@pytest.mark.parametrize("role", ["viewer", "clerk", "finance"])
@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_only_user_managers_may_administer_users(db, actors, frozen_clock, role, call):
    _lock("viewer")
    before = _state()
    with pytest.raises(PermissionDenied) as info:
        ADMIN_CALLS[call](actors[role])
    assert "user.manage" in str(info.value)
    assert _state() == before


# --- change_role ------------------------------------------------------------------------------

def test_change_role_takes_effect_at_the_next_login_and_is_audited(db, actors):
    view = auth.change_role(actors.admin, "clerk", "finance")
    assert (view.username, view.role) == ("clerk", "finance")
    assert auth.login("clerk", actors.password).role == "finance"
    ev = AuditEvent.get(AuditEvent.action == "user.role")
    assert (ev.actor_name, ev.entity, ev.entity_id) == ("admin", "user", str(actors.clerk.user_id))
    assert '"role":"clerk"' in ev.before and '"role":"finance"' in ev.after
    assert audit.verify().ok


@pytest.mark.parametrize("role, key", [("boss", "auth.unknown_role"), ("clerk", "auth.role_unchanged")])
def test_change_role_refuses_an_unknown_role_and_a_no_op(db, actors, role, key):
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.change_role(actors.admin, "clerk", role)
    assert info.value.key == key
    assert _state() == before


def test_change_role_of_an_unknown_user_is_not_found(db, actors):
    before = _state()
    with pytest.raises(NotFound) as info:
        auth.change_role(actors.admin, "ghost", "clerk")
    assert "ghost" in str(info.value)
    assert _state() == before


def test_the_last_admin_cannot_demote_themselves(db, actors):
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.change_role(actors.admin, "admin", "finance")
    assert info.value.key == "auth.last_admin"
    assert "admin" in str(info.value)
    assert _state() == before
    # With a second active admin it is allowed; then that one is the last.
    actors.make("admin", "admin2")
    assert auth.change_role(actors.admin, "admin", "finance").role == "finance"
    with pytest.raises(ValidationError):
        auth.change_role(actors["admin2"], "admin2", "clerk")
    assert _user("admin2").role == "admin"


def test_a_deactivated_admin_does_not_count(db, actors):
    actors.make("admin", "admin2")
    auth.set_active(actors.admin, "admin2", False)
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.change_role(actors.admin, "admin", "clerk")
    assert info.value.key == "auth.last_admin"
    assert _state() == before
    # Demoting a deactivated admin takes nothing away.
    assert auth.change_role(actors.admin, "admin2", "viewer").role == "viewer"


def test_a_demoted_admin_session_can_no_longer_manage_users(db, actors):
    """admin2 was demoted while their session still says admin: permissions
    are read from the database, so the session is refused and the last admin stays."""
    admin2 = actors.make("admin", "admin2")
    auth.change_role(actors.admin, "admin2", "finance")
    before = _state()
    with pytest.raises(PermissionDenied) as info:
        auth.set_active(admin2, "admin", False)
    assert info.value.params["permission"] == "user.manage"
    with pytest.raises(PermissionDenied):
        auth.change_role(admin2, "admin", "viewer")
    assert _state() == before


# --- reset_password ----------------------------------------------------------------------------

def test_reset_password_makes_the_user_change_it_and_lifts_a_lock(db, actors, frozen_clock):
    _lock("clerk")
    view = auth.reset_password(actors.admin, "clerk", NEW_PASSWORD)
    assert view.must_change_password and view.locked_until is None
    assert auth.login_state("clerk") == (0, None)
    with pytest.raises(AuthFailed):
        auth.login("clerk", actors.password)  # the old password is gone
    clerk = auth.login("clerk", NEW_PASSWORD)
    assert auth.must_change_password(clerk)
    ev = AuditEvent.get(AuditEvent.action == "user.reset_password")
    assert (ev.actor_name, ev.entity_id) == ("admin", str(actors.clerk.user_id))
    assert '"must_change_password":true' in ev.after and "locked_until" in ev.before
    _no_secrets(ev, NEW_PASSWORD)
    assert audit.verify().ok


def test_reset_password_refusals_change_nothing(db, actors):
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.reset_password(actors.admin, "clerk", "short")
    assert info.value.key == "auth.password_short"
    with pytest.raises(NotFound):
        auth.reset_password(actors.admin, "ghost", NEW_PASSWORD)
    with pytest.raises(ValidationError) as info:  # your own: change it, with the old one
        auth.reset_password(actors.admin, "admin", NEW_PASSWORD)
    assert info.value.key == "auth.reset_self"
    assert _state() == before


# --- set_active ----------------------------------------------------------------------------------

def test_a_deactivated_user_cannot_log_in_nor_write_and_can_be_reactivated(db, actors):
    clerk_session = auth.login("clerk", actors.password)
    view = auth.set_active(actors.admin, "clerk", False)
    assert not view.is_active
    with pytest.raises(AuthFailed):
        auth.login("clerk", actors.password)
    with pytest.raises(PermissionDenied) as info:  # the session still open can no longer write
        auth.change_own_password(clerk_session, actors.password, NEW_PASSWORD)
    assert str(info.value) == "该账户已停用"
    ev = AuditEvent.get(AuditEvent.action == "user.deactivate")
    assert (ev.actor_name, ev.entity_id) == ("admin", str(actors.clerk.user_id))
    assert '"active":true' in ev.before and '"active":false' in ev.after

    assert auth.set_active(actors.admin, "clerk", True).is_active
    assert auth.login("clerk", actors.password).username == "clerk"
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("user.")
                                                            & (AuditEvent.entity_id == str(actors.clerk.user_id)))]
    assert actions[-2:] == ["user.deactivate", "user.activate"]
    assert audit.verify().ok


def test_set_active_refusals_change_nothing(db, actors):
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.set_active(actors.admin, "admin", False)
    assert info.value.key == "auth.deactivate_self"
    with pytest.raises(ValidationError) as info:
        auth.set_active(actors.admin, "clerk", True)
    assert info.value.key == "auth.already_active"
    with pytest.raises(NotFound):
        auth.set_active(actors.admin, "ghost", False)
    assert _state() == before
    auth.set_active(actors.admin, "clerk", False)
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.set_active(actors.admin, "clerk", False)
    assert info.value.key == "auth.already_inactive"
    assert _state() == before


# --- unlock ------------------------------------------------------------------------------------------

def test_unlock_lets_a_locked_user_log_in_at_once(db, actors, frozen_clock):
    _lock("clerk")
    with pytest.raises(AccountLocked):
        auth.login("clerk", actors.password)
    assert auth.list_users(actors.admin)[1].locked_until is not None  # sorted: admin, clerk, ...
    view = auth.unlock(actors.admin, "clerk")
    assert view.locked_until is None
    assert auth.login_state("clerk") == (0, None)
    assert auth.login("clerk", actors.password).username == "clerk"
    ev = AuditEvent.get(AuditEvent.action == "user.unlock")
    assert (ev.actor_name, ev.entity_id) == ("admin", str(actors.clerk.user_id))
    assert "locked_until" in ev.before
    assert audit.verify().ok


def test_unlock_refuses_a_user_who_is_not_locked(db, actors, frozen_clock):
    with pytest.raises(AuthFailed):
        auth.login("clerk", "wrong-password")  # one failure is no lock
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.unlock(actors.admin, "clerk")
    assert str(info.value) == "clerk 没有被锁定，无需解锁"
    assert _state() == before
    _lock("finance")
    frozen_clock.advance(minutes=16)  # the lock has run out by itself
    with pytest.raises(ValidationError):
        auth.unlock(actors.admin, "finance")
    with pytest.raises(NotFound):
        auth.unlock(actors.admin, "ghost")


# --- change_own_password ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "clerk", "finance", "admin"])
def test_every_user_can_change_their_own_password(db, actors, role):
    me = auth.login(role, actors.password)
    auth.change_own_password(me, actors.password, NEW_PASSWORD)
    with pytest.raises(AuthFailed):
        auth.login(role, actors.password)
    assert auth.login(role, NEW_PASSWORD).username == role
    ev = AuditEvent.select().where(AuditEvent.action == "user.password").order_by(AuditEvent.id.desc()).first()
    assert (ev.actor_name, ev.entity_id) == (role, str(me.user_id))
    _no_secrets(ev, NEW_PASSWORD, actors.password)


def test_change_own_password_refusals_change_nothing(db, actors):
    me = actors.clerk
    before = _state()
    with pytest.raises(ValidationError) as info:
        auth.change_own_password(me, actors.password, "short")
    assert info.value.key == "auth.password_short"
    with pytest.raises(ValidationError) as info:
        auth.change_own_password(me, actors.password, actors.password)
    assert str(info.value) == "新密码不能与旧密码相同"
    assert _state() == before
    # A wrong old password: refused, and the attempt is in the log (nothing else changes).
    with pytest.raises(ValidationError) as info:
        auth.change_own_password(me, "not-my-password", NEW_PASSWORD)
    assert (info.value.key, info.value.field) == ("auth.old_password_wrong", "old_password")
    assert _state()[:2] == before[:2]
    ev = _last_event()
    assert (ev.action, ev.actor_name) == ("user.password_refused", "clerk")
    _no_secrets(ev, "not-my-password", NEW_PASSWORD)


def test_changing_the_password_ends_must_change(db, actors):
    auth.reset_password(actors.admin, "viewer", NEW_PASSWORD)
    viewer = auth.login("viewer", NEW_PASSWORD)
    assert auth.must_change_password(viewer)
    auth.change_own_password(viewer, NEW_PASSWORD, "my-own-secret")
    assert not auth.must_change_password(viewer)
    assert not auth.must_change_password(auth.login("viewer", "my-own-secret"))


def test_a_user_created_with_an_initial_password_must_change_it(db, actors):
    view = auth.create_user(actors.admin, "zhang", "clerk", NEW_PASSWORD, must_change_password=True)
    assert view.must_change_password
    assert auth.must_change_password(auth.login("zhang", NEW_PASSWORD))
    ev = AuditEvent.select().where(AuditEvent.action == "user.create").order_by(AuditEvent.id.desc()).first()
    assert '"username":"zhang"' in ev.after and '"must_change_password":true' in ev.after
    _no_secrets(ev, NEW_PASSWORD)
    # The default (jxc user add, tests) stays as before.
    assert not auth.create_user(actors.admin, "li", "clerk", NEW_PASSWORD).must_change_password


def test_must_change_password_of_an_actor_without_a_user(db):
    assert auth.must_change_password(Actor(None, "system", "admin")) is False


def test_labels_for_the_new_actions_in_both_languages(english):
    from jxc_tui.screens.change_log import action_label

    assert [action_label(a) for a in ("user.role", "user.reset_password", "user.deactivate",
                                      "user.activate", "user.unlock", "user.password_refused")] == [
        "role changed", "password reset", "user deactivated", "user reactivated", "user unlocked",
        "password change refused"]


def test_admin_functions_refuse_a_deactivated_admin(db, actors):
    admin2 = actors.make("admin", "admin2")
    auth.set_active(actors.admin, "admin2", False)
    before = _state()
    with pytest.raises(PermissionDenied):
        auth.change_role(admin2, "clerk", "finance")
    with pytest.raises(PermissionDenied) as info:
        auth.set_active(admin2, "clerk", False)
    assert str(info.value) == "该账户已停用"
    assert _state() == before
