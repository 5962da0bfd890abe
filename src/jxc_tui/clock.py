"""Time, in one place: stored in UTC (naive), shown in local time.

Tests replace :func:`utcnow` to get stable timestamps.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(ts: datetime) -> datetime:
    """A stored naive-UTC timestamp as a naive local-time one."""
    return ts.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def format_local(ts: datetime | None, *, seconds: bool = False) -> str:
    if ts is None:
        return ""
    return to_local(ts).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_date_to_utc(dt: datetime) -> datetime:
    """A naive local-time datetime (as typed in a filter) -> naive UTC."""
    return dt.astimezone(timezone.utc).replace(tzinfo=None)
