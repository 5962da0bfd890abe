"""Batch modification at scale: how long a preview and a post take.

For each size (default 10,000 and 100,000 customers) builds a demo database
of that many customers (reused if it is there), then times, as a finance
user would run them:

- selection: ``batch.plan_selection`` (+100.00 on every customer) and ``batch.post``;
- file: writing a CSV of new debts, ``batch.plan_file`` and ``batch.post``;
- undo: ``batch.plan_undo`` of the selection batch and ``batch.post``;
- approval: a batch above the direct limit (every row a request),
  then ``batch.approve_batch`` of all of it;
- ``audit.verify`` at the end (must be OK).

    .venv/bin/python benchmarks/batch.py [--sizes 10000 100000] [--backend sqlite|postgresql]

Prints seconds and rows per second for each step.  The target: a 10,000-row
batch previews and posts in a few seconds (it runs in a worker thread, the
UI shows progress and stays responsive), 100,000 rows well under a minute.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jxc_tui.db import close_database, open_database  # noqa: E402
from jxc_tui.models import Customer, User  # noqa: E402
from jxc_tui.money import from_fen  # noqa: E402
from jxc_tui.services import audit, batch, demo  # noqa: E402
from jxc_tui.services.policy import Actor  # noqa: E402


def step(title: str, rows: int, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {title:<34}{rows:>9,} rows {seconds:>8.2f} s {rows / seconds if seconds else 0:>10,.0f} rows/s",
          flush=True)
    return result


def run(size: int, url: str, tmp: Path) -> None:
    open_database(url)
    start = time.perf_counter()
    summary = demo.seed_demo(None, size)
    print(f"{size:,} customers ({'reused' if summary.reused else 'seeded'} in {time.perf_counter() - start:.1f} s)")
    fin = User.get(User.username == "finance")
    admin = User.get(User.username == "admin")
    finance = Actor(fin.id, fin.username, fin.role)
    approver = Actor(admin.id, admin.username, admin.role)
    ids = [c.id for c in Customer.select(Customer.id)]
    op = batch.make_operation("increase", "100")
    plan = step("preview selection (+100.00)", size, lambda: batch.plan_selection(finance, ids, op, "基准测试"))
    done = step("post selection", plan.count,
                lambda: batch.post(finance, plan, run_again=True, confirm_credit=True))

    path = tmp / f"bench-{size}.csv"
    rows = Customer.select(Customer.code, Customer.balance_fen).tuples()
    path.write_text("客户编码,新欠款,原因\n" + "".join(f"{code},{from_fen(fen + 5000)},对账\n" for code, fen in rows),
                    encoding="utf-8")
    plan = step("preview file (new debts)", size, lambda: batch.plan_file(finance, path))
    step("post file", plan.count, lambda: batch.post(finance, plan, run_again=True, confirm_credit=True))

    undo = step("preview undo of the selection", size,
                lambda: batch.plan_undo(finance, done.batch.id, "撤销基准"))
    step("post undo", undo.count, lambda: batch.post(finance, undo, confirm_credit=True))

    big = batch.make_operation("increase", "20000")
    plan = batch.plan_selection(finance, ids, big, "大额基准")
    waiting = step("post a batch for approval", plan.count,
                   lambda: batch.post(finance, plan, run_again=True, confirm_credit=True))
    step("approve the whole batch", waiting.requested, lambda: batch.approve_batch(approver, waiting.batch.id))
    report = step("audit verify", size, lambda: audit.verify())
    print(f"  audit verify: {'OK' if report.ok else report.problems}")
    path.unlink(missing_ok=True)
    close_database()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/{name}",
                   help="PostgreSQL URL template; {name} is replaced (the database must exist)")
    p.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = p.parse_args()
    for size in args.sizes:
        name = f"jxc_bench_batch_{size}"
        url = (f"sqlite:///{args.tmp / (name + '.sqlite3')}" if args.backend == "sqlite"
               else args.pg.format(name=name))
        run(size, url, args.tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
