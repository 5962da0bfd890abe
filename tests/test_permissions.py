"""C08: permissions live in the code that writes.

Every write service, called directly by every role that lacks the permission,
raises PermissionDenied and leaves every table exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import pytest

from jxc_tui.config import DEFAULT_ROLES
from jxc_tui.errors import PermissionDenied
from jxc_tui.models import User
from jxc_tui.services import approvals, audit, auth, batch, customers, export, history, io, ledger
from jxc_tui.services.customers import CustomerInput
from jxc_tui.services.policy import ROLES, Actor, policy

D = Decimal


@dataclass
class Ctx:
    actor: Actor
    customer_id: int
    version: int
    other_username: str
    csv_path: str
    request_id: int = 0
    entry_id: int = 0
    batch_id: int = 0
    plan: Any = None
    debts_path: str = ""
    out_dir: str = ""


@dataclass(frozen=True)
class Op:
    name: str
    permission: str
    call: Callable[[Ctx], Any]


OPS = [
    Op("customers.create_customer", "customer.edit",
       lambda c: customers.create_customer(c.actor, CustomerInput(code="NEW", name="新客户"))),
    Op("customers.create_customer+opening", "customer.edit",
       lambda c: customers.create_customer(c.actor, CustomerInput(code="NEW", name="新客户"),
                                           opening=D("10.00"), reason="期初")),
    Op("customers.update_customer", "customer.edit",
       lambda c: customers.update_customer(c.actor, c.customer_id, c.version,
                                           CustomerInput(code="C001", name="改过的名字"), reason="改名")),
    Op("approvals.set_debt", "debt.adjust",
       lambda c: approvals.set_debt(c.actor, c.customer_id, D("20000.00"), "改欠款", expected_version=c.version)),
    Op("approvals.post_movement(receipt)", "ledger.post",
       lambda c: approvals.post_movement(c.actor, c.customer_id, "receipt", D("1.00"), "收款")),
    Op("approvals.post_movement(sale)", "ledger.post",
       lambda c: approvals.post_movement(c.actor, c.customer_id, "sale", D("1.00"), "赊销")),
    Op("approvals.approve", "debt.approve", lambda c: approvals.approve(c.actor, c.request_id, "批准")),
    Op("approvals.reject", "debt.approve", lambda c: approvals.reject(c.actor, c.request_id, "驳回")),
    Op("approvals.reverse_entry", "debt.adjust", lambda c: approvals.reverse_entry(c.actor, c.entry_id, "冲销")),
    Op("customers.set_credit_limit", "debt.approve",
       lambda c: customers.set_credit_limit(c.actor, c.customer_id, D("5000.00"), "授信", expected_version=None)),
    Op("auth.create_user", "user.manage",
       lambda c: auth.create_user(c.actor, "mallory", "admin", "password-123")),
    Op("auth.set_password(other user)", "user.manage",
       lambda c: auth.set_password(c.actor, c.other_username, "password-123")),
    Op("auth.list_users", "user.manage", lambda c: auth.list_users(c.actor)),
    Op("auth.change_role", "user.manage", lambda c: auth.change_role(c.actor, c.other_username, "viewer")),
    Op("auth.reset_password", "user.manage",
       lambda c: auth.reset_password(c.actor, c.other_username, "password-123")),
    Op("auth.set_active", "user.manage", lambda c: auth.set_active(c.actor, c.other_username, False)),
    Op("auth.unlock", "user.manage", lambda c: auth.unlock(c.actor, c.other_username)),
    Op("audit.verify", "audit.verify", lambda c: audit.verify(c.actor)),
    Op("audit.list_events", "history.view", lambda c: audit.list_events(c.actor)),
    Op("audit.get_event", "history.view", lambda c: audit.get_event(c.actor, 1)),
    Op("io.import_customers", "data.import", lambda c: io.import_customers(c.actor, c.csv_path)),
    Op("io.import_customers(dry_run)", "data.import",
       lambda c: io.import_customers(c.actor, c.csv_path, dry_run=True)),
    Op("batch.plan_selection", "debt.batch",
       lambda c: batch.plan_selection(c.actor, [c.customer_id], batch.make_operation("increase", "1"), "批量")),
    Op("batch.plan_file", "debt.batch", lambda c: batch.plan_file(c.actor, c.debts_path)),
    Op("batch.post", "debt.batch", lambda c: batch.post(c.actor, c.plan)),
    Op("batch.plan_undo", "debt.batch", lambda c: batch.plan_undo(c.actor, c.batch_id, "撤销")),
    Op("batch.approve_batch", "debt.approve", lambda c: batch.approve_batch(c.actor, c.batch_id)),
    Op("batch.reject_batch", "debt.approve", lambda c: batch.reject_batch(c.actor, c.batch_id, "驳回")),
    Op("export.export_customers", "data.export",
       lambda c: export.export_customers(c.actor, f"{c.out_dir}/c.csv", overwrite=True)),
    Op("export.export_history", "data.export",
       lambda c: export.export_history(c.actor, f"{c.out_dir}/h.csv", customer_id=c.customer_id, overwrite=True)),
]

DENIED = [(op, role) for op in OPS for role in ROLES if op.permission not in DEFAULT_ROLES[role]]


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    return {t: [tuple(r) for r in db.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()]
            for t in sorted(db.get_tables())}


@pytest.fixture
def world(db, actors, tmp_path):
    c = customers.create_customer(actors.admin, CustomerInput(code="C001", name="北京华夏商贸"),
                                  opening=D("1000.00"), reason="期初")
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text("编码,名称,期初欠款\r\nI001,导入客户,5.00\r\n", encoding="utf-8-sig")
    # a pending request by someone who is none of the roles under test, and an entry to reverse
    requester = actors.make("clerk", "requester")
    request = approvals.set_debt(requester, c.id, D("50000.00"), "大额", expected_version=None).request
    debts_path = tmp_path / "debts.csv"
    debts_path.write_text("客户编码,新欠款,原因\r\nC001,900.00,对账\r\n", encoding="utf-8-sig")
    # a batch of someone else's waiting for approval, and a plan to post
    batcher = actors.make("finance", "batcher")
    pending = batch.post(batcher, batch.plan_selection(batcher, [c.id], batch.make_operation("increase", "50000"),
                                                       "大额批量"))
    world_ids.update(request_id=request.id, entry_id=ledger.customer_entries(actors.admin, c.id)[0].id,
                     batch_id=pending.batch.id, debts_path=str(debts_path), out_dir=str(tmp_path),
                     plan=batch.plan_selection(actors.admin, [c.id], batch.make_operation("increase", "1"), "x"))
    return customers.get_customer(actors.admin, c.id), str(csv_path)


world_ids: dict[str, int] = {}


def test_the_denial_table_covers_viewer_and_clerk():
    roles_denied = {(op.name, role) for op, role in DENIED}
    assert ("approvals.set_debt", "viewer") in roles_denied
    assert ("audit.list_events", "clerk") in roles_denied  # a clerk cannot see the global log
    assert ("auth.create_user", "finance") in roles_denied
    assert not any(role == "admin" for _, role in roles_denied)


@pytest.mark.parametrize(("op", "role"), DENIED, ids=[f"{op.name}-{role}" for op, role in DENIED])
def test_write_service_refuses_role_without_permission(db, actors, world, op, role):
    c, csv_path = world
    ctx = Ctx(actors[role], c.id, c.version, "finance" if role != "finance" else "clerk", csv_path, **world_ids)
    before = snapshot(db)
    with pytest.raises(PermissionDenied) as info:
        op.call(ctx)
    assert info.value.params.get("permission") == op.permission
    assert op.permission in str(info.value)  # the message names what is missing
    assert snapshot(db) == before


@pytest.mark.parametrize("role", ROLES)
def test_roles_with_permission_are_not_refused(db, actors, world, role):
    """The other half of the table: the same calls go through for roles that hold the permission."""
    c, csv_path = world
    for op in OPS:
        if op.permission not in DEFAULT_ROLES[role] or op.name.startswith("io."):
            continue
        fresh = customers.get_customer(actors.admin, c.id)
        ctx = Ctx(actors[role], c.id, fresh.version, "finance" if role != "finance" else "clerk", csv_path,
                  **world_ids)
        try:
            op.call(ctx)
        except PermissionDenied:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{role} refused {op.name}")
        except Exception:
            pass  # e.g. NEW already created on the second call; not about permissions
        if op.name == "auth.create_user":
            User.delete().where(User.username == "mallory").execute()


def test_anyone_may_change_their_own_password(db, actors):
    auth.set_password(actors.viewer, "viewer", "another-pass-1")
    assert User.get(User.username == "viewer").password_hash.startswith("$argon2id$")


def test_clerk_cannot_see_the_global_log_but_sees_customer_history(db, actors, world):
    c, _ = world
    with pytest.raises(PermissionDenied):
        audit.list_events(actors.clerk)
    assert history.customer_history(actors.clerk, c.id)  # per-customer history is customer.view
    assert audit.list_events(actors.viewer)


def test_unknown_role_has_no_permissions(db, actors, world):
    c, _ = world
    # a role the config no longer lists (the user row still names it)
    User.update(role="retired-role").where(User.id == actors.clerk.user_id).execute()
    ghost = actors.clerk
    with pytest.raises(PermissionDenied):
        customers.get_customer(ghost, c.id)
    with pytest.raises(PermissionDenied):
        approvals.set_debt(ghost, c.id, D("1.00"), "x", expected_version=c.version)


def test_permissions_follow_the_configured_policy(db, actors, world):
    c, _ = world
    policy.roles = dict(policy.roles, clerk=frozenset({"customer.view"}))
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        approvals.set_debt(actors.clerk, c.id, D("5.00"), "x", expected_version=c.version)
    assert snapshot(db) == before


def test_deactivated_user_with_an_open_session_cannot_write(db, actors, world):
    c, _ = world
    User.update(is_active=False).where(User.id == actors.clerk.user_id).execute()
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        approvals.set_debt(actors.clerk, c.id, D("5.00"), "x", expected_version=c.version)
    with pytest.raises(PermissionDenied):
        approvals.post_movement(actors.clerk, c.id, "receipt", D("5.00"), "x")
    with pytest.raises(PermissionDenied):
        customers.update_customer(actors.clerk, c.id, c.version, CustomerInput(code="C001", name="x"))
    assert snapshot(db) == before


# Writes read-only lookups and checks are not; these are the writes.
WRITES = [op for op in OPS if not op.name.startswith(("audit.", "auth.list_users", "batch.plan_"))
          and not op.name.endswith("(dry_run)")]


@pytest.mark.parametrize("op", WRITES, ids=[op.name for op in WRITES])
def test_every_write_checks_its_permission_again_inside_the_writers_lock(db, actors, world, op, monkeypatch):
    """A user demoted (or deactivated) by an admin while their write waited
    for the lock must be refused: the check has to run inside the
    transaction, where no other writer can commit between check and write."""
    from jxc_tui.services import policy as policy_module

    c, csv_path = world
    checked: list[tuple[str, bool]] = []
    real = policy_module.require

    def spy(actor, permission):
        checked.append((permission, db.in_transaction()))
        return real(actor, permission)

    monkeypatch.setattr(policy_module, "require", spy)
    fresh = customers.get_customer(actors.admin, c.id)
    ctx = Ctx(actors.admin, c.id, fresh.version, "finance", csv_path, **world_ids)
    try:
        op.call(ctx)
    except PermissionDenied:  # pragma: no cover
        pytest.fail(f"admin refused {op.name}")
    except Exception:
        pass  # a rule of the operation itself; the check before it is what counts
    assert (op.permission, True) in checked, checked
