"""Search latency at scale: what one keystroke costs in the customer list.

Builds (or reuses) a demo database of N customers from the company-names
corpus, then times `customers.search_customers` -- the call each keystroke
makes from a worker thread -- for typical queries, and the next page.

    .venv/bin/python benchmarks/search.py [--customers 267000] [--names FILE] [--db PATH]

Prints one line per query: median and worst of several runs, rows returned.
The target: every keystroke well under 100 ms at 267,000 customers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jxc_tui.db import open_database  # noqa: E402
from jxc_tui.services import customers, demo  # noqa: E402
from jxc_tui.services.policy import Actor  # noqa: E402

DEFAULT_NAMES = ROOT.parent / "shared" / "data" / "company-names" / "company-names-28w.txt"
QUERIES = [
    ("pinyin initials, 1 key", "b"),
    ("pinyin initials, 2 keys", "bj"),
    ("pinyin initials, 3 keys", "bjh"),
    ("pinyin initials, rare", "zzzq"),
    ("full pinyin", "beijing"),
    ("name substring", "华夏"),
    ("name, rare", "鑫龘"),
    ("code prefix", "C0123"),
    ("phone digits", "13912"),
    ("no match at all", "qqqqqqqq"),
    ("empty (browse)", ""),
]


def timed(fn, runs: int = 5) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=267000)
    p.add_argument("--names", type=Path, default=DEFAULT_NAMES)
    p.add_argument("--db", type=Path, default=Path("/tmp/jxc-bench-search.sqlite3"))
    args = p.parse_args()

    open_database(f"sqlite:///{args.db}")
    start = time.perf_counter()
    names = demo.read_names(args.names) if args.names.exists() else demo.sample_names()
    summary = demo.seed_demo(names, args.customers)
    print(f"database: {args.db} ({summary.customers:,} customers; ready in {time.perf_counter() - start:.1f} s)")
    actor = Actor(None, "bench", "admin")
    print(f"{'query':<28}{'text':<12}{'median ms':>10}{'worst ms':>10}{'rows':>6}")
    worst = 0.0
    for title, q in QUERIES:
        med, mx, page = timed(lambda: customers.search_customers(actor, q, limit=60))
        worst = max(worst, med)
        print(f"{title:<28}{q:<12}{med:>10.1f}{mx:>10.1f}{len(page.rows):>6}")
    page = customers.search_customers(actor, "b", limit=60)
    med, mx, nxt = timed(lambda: customers.search_customers(actor, "b", limit=60, after=page.cursor))
    print(f"{'next page (keyset)':<28}{'b':<12}{med:>10.1f}{mx:>10.1f}{len(nxt.rows):>6}")
    for sort in ("debt_desc", "debt_asc"):
        med, mx, pg = timed(lambda: customers.search_customers(actor, "", sort=sort, limit=60))
        print(f"{'sorted ' + sort:<28}{'':<12}{med:>10.1f}{mx:>10.1f}{len(pg.rows):>6}")
    print(f"slowest median keystroke: {worst:.1f} ms")
    from jxc_tui.services import audit

    start = time.perf_counter()
    report = audit.verify()
    print(f"audit verify: {report.events:,} events, {report.customers:,} customers, "
          f"{report.entries:,} ledger entries in {time.perf_counter() - start:.1f} s -> "
          f"{'OK' if report.ok else report.problems}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
