"""Faults found by attacking the approval flow, each kept as a test: audit
verify under concurrent writers and with odd customer text, a demotion racing
an approval, and messages that must not claim what did not happen."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal as D

import pytest

from jxc_tui.errors import StaleRequest
from jxc_tui.services import approvals, audit, auth, customers, io
from jxc_tui.services.customers import CustomerInput

WRITER = r"""
import sys, time
from decimal import Decimal
from jxc_tui.db import open_database
from jxc_tui.services import approvals
from jxc_tui.services.policy import Actor
open_database(sys.argv[1])
actor = Actor(int(sys.argv[2]), "clerk", "clerk")
stop = time.time() + float(sys.argv[4])
open(sys.argv[5], "w").close()
while time.time() < stop:
    approvals.post_movement(actor, int(sys.argv[3]), "sale", Decimal("1.00"), "w")
"""


def test_verify_gives_no_false_alarm_while_others_write(db, actors, tmp_path):
    """Chain, ledger sums and balances were read at different moments: a sale
    posted in between looked like tampering (about 2 runs in 3 failed)."""
    c = customers.create_customer(actors.admin, CustomerInput(code="K1", name="甲"), D("100"), "期初")
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    ready = tmp_path / "ready"
    p = subprocess.Popen([sys.executable, str(script), db.jxc_url, str(actors.clerk.user_id), str(c.id), "4",
                          str(ready)])
    problems: list[str] = []
    runs = 0
    try:
        while not ready.exists() and p.poll() is None:
            time.sleep(0.01)
        deadline = time.time() + 3
        while time.time() < deadline:
            problems += audit.verify().problems
            runs += 1
    finally:
        p.wait()
    assert p.returncode == 0
    assert runs > 3 and problems == []
    assert audit.verify().ok


@pytest.mark.parametrize("field", ["name", "address", "contact", "code"])
def test_verify_survives_a_customer_whose_text_is_ledger_entry(db, actors, field):
    """verify matched the text '"ledger_entry"' in an event, not the key: KeyError."""
    customers.create_customer(actors.clerk, CustomerInput(**{"code": "K1", "name": "甲公司", field: "ledger_entry"}))
    assert audit.verify().ok


def test_verify_survives_an_imported_customer_named_ledger_entry(db, actors, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("code,name\nK1,ledger_entry\n", encoding="utf-8")
    io.import_customers(actors.finance, f)
    assert audit.verify().ok


def test_a_stale_message_does_not_claim_a_balance_move_that_did_not_happen(db, actors):
    c = customers.create_customer(actors.finance, CustomerInput(code="K1", name="甲"), D("3000"), "期初")
    r = approvals.set_debt(actors.clerk, c.id, D("9000"), "大额", expected_version=None).request
    now = customers.get_customer(actors.admin, c.id)
    customers.update_customer(actors.clerk, c.id, now.version, CustomerInput(code="K1", name="甲", phone="010-1234567"))
    with pytest.raises(StaleRequest) as info:
        approvals.approve(actors.finance, r.id)
    message = str(info.value)
    assert "3,000.00 变为 3,000.00" not in message
    assert "资料或往来有过变动" in message and "欠款仍为 3,000.00" in message


def test_an_import_dry_run_does_not_claim_requests_were_submitted(db, actors, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("code,name,opening\nK1,甲,50000\n", encoding="utf-8")
    report = io.import_customers(actors.finance, f, dry_run=True)
    assert "已提交审核" not in report.summary() and "导入时将提交审核" in report.summary()


APPROVER = r"""
import sys, time
from jxc_tui.db import open_database
from jxc_tui.services import approvals
from jxc_tui.services.policy import Actor
open_database(sys.argv[1])
actor = Actor(int(sys.argv[2]), "finance", "finance")
open(sys.argv[5], "w").close()
time.sleep(float(sys.argv[4]))
try:
    approvals.approve(actor, int(sys.argv[3]))
    print("APPROVED")
except Exception as e:
    print(type(e).__name__)
"""


def test_an_approver_demoted_while_waiting_for_the_lock_cannot_approve(db, actors, tmp_path):
    """The permission was checked before the write lock: an approval waiting
    behind the admin's demotion went through once the demotion committed."""
    from jxc_tui.db import write_transaction

    c = customers.create_customer(actors.admin, CustomerInput(code="K1", name="甲"))
    req = approvals.set_debt(actors.clerk, c.id, D("50000"), "大额", expected_version=None).request
    script = tmp_path / "approver.py"
    script.write_text(APPROVER, encoding="utf-8")
    ready = tmp_path / "ready"
    p = subprocess.Popen([sys.executable, str(script), db.jxc_url, str(actors.finance.user_id), str(req.id), "1.0",
                          str(ready)], stdout=subprocess.PIPE, text=True)
    while not ready.exists() and p.poll() is None:
        time.sleep(0.01)
    with write_transaction():
        auth.change_role(actors.admin, "finance", "clerk")
        time.sleep(2.5)  # the approver asks for the lock meanwhile
    out, _ = p.communicate()
    assert out.strip() == "PermissionDenied"
    assert approvals.get_request(actors.admin, req.id).status == "pending"
