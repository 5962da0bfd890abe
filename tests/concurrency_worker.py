"""One "terminal" for tests/test_concurrency.py, run as a separate process.

    python concurrency_worker.py ROLE DB_URL SYNC_DIR USER_ID USERNAME MINE THEIRS LOOPS

ROLE ``A`` reads customer MINE, waits 1 s as a person would with the dialog
open, then saves; ROLE ``B`` saves customer MINE while A waits.  Then the same
with A holding its write transaction open for the second.  Then both save
LOOPS times, alternating between the two customers.  Prints one JSON line:
counts of outcomes and every unexpected error.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

from jxc_tui.db import close_database, open_database, write_transaction
from jxc_tui.errors import DatabaseBusy, StaleVersion
from jxc_tui.services import approvals, customers
from jxc_tui.services.policy import Actor

CENT = Decimal("0.01")


def wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited too long for {path.name}")
        time.sleep(0.005)


def main(argv: list[str]) -> dict:
    role, url, sync, user_id, username, mine, theirs, loops = argv
    sync_dir = Path(sync)
    actor = Actor(int(user_id), username, "clerk", origin=f"proc-{role}")
    mine_id, theirs_id = int(mine), int(theirs)
    result = {"role": role, "ok": 0, "stale": 0, "busy": 0, "errors": [], "phases": {}}
    open_database(url)

    def save(customer_id: int, *, version: int | None = None) -> str:
        """One save as the set-debt dialog does it: the version read earlier, balance + 0.01."""
        try:
            if version is None:
                version = customers.get_customer(actor, customer_id).version
            current = customers.get_customer(actor, customer_id).balance
            approvals.set_debt(actor, customer_id, current + CENT, f"{role} 保存", expected_version=version)
            result["ok"] += 1
            return "ok"
        except StaleVersion:
            result["stale"] += 1
            return "stale"
        except DatabaseBusy:
            result["busy"] += 1
            return "busy"
        except Exception:  # anything else is a failure of the product
            result["errors"].append(traceback.format_exc())
            return "error"

    # Phase 1: A's dialog is open for 1 s (no transaction); B saves another customer meanwhile.
    if role == "A":
        version = customers.get_customer(actor, mine_id).version
        (sync_dir / "a_read").touch()
        time.sleep(1.0)
        result["phases"]["b_saved_during_a_wait"] = (sync_dir / "b_saved").exists()
        result["phases"]["a_first_save"] = save(mine_id, version=version)
    else:
        wait_for(sync_dir / "a_read")
        result["phases"]["b_first_save"] = save(mine_id)
        (sync_dir / "b_saved").touch()

    # Phase 2: A holds its write transaction for 1 s; B's save must wait, not fail.
    if role == "A":
        wait_for(sync_dir / "b_saved")
        try:
            with write_transaction():
                version = customers.get_customer(actor, mine_id).version
                (sync_dir / "a_locked").touch()
                time.sleep(1.0)
                result["phases"]["a_locked_save"] = save(mine_id, version=version)
        except Exception:
            result["errors"].append(traceback.format_exc())
        (sync_dir / "a_unlocked").touch()
    else:
        wait_for(sync_dir / "a_locked")
        started = time.monotonic()
        result["phases"]["b_save_while_locked"] = save(mine_id)
        result["phases"]["b_waited_s"] = round(time.monotonic() - started, 3)
        result["phases"]["a_done_before_b_returned"] = (sync_dir / "a_unlocked").exists()

    # Phase 3: both loop, alternating customers so they collide.
    (sync_dir / f"ready_{role}").touch()
    wait_for(sync_dir / "ready_A")
    wait_for(sync_dir / "ready_B")
    for i in range(int(loops)):
        save(mine_id if i % 2 == 0 else theirs_id)
    close_database()
    return result


if __name__ == "__main__":
    try:
        out = main(sys.argv[1:])
    except Exception:
        out = {"fatal": traceback.format_exc()}
    print(json.dumps(out, ensure_ascii=False))
