"""Bulk inserts for imports and seeding: many rows, few statements.

peewee's query builder costs several microseconds per value, which is most
of the time of a 10k-row import.  :func:`insert_rows` builds one multi-row
``INSERT`` per chunk size and passes each value through its field's
``db_value``, so rows are stored exactly as the ORM would store them.  The
caller holds the write transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CHUNK = 500  # rows per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 parameters at 65 columns


def insert_rows(model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]], chunk: int = CHUNK) -> None:
    """Insert ``rows`` (tuples ordered like ``fields``) into ``model``'s table."""
    db = model._meta.database
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    row_marks = "(" + ", ".join([db.param] * len(fields)) + ")"
    convert = [f.db_value for f in fields]
    statements: dict[int, str] = {}
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        sql = statements.get(len(part))
        if sql is None:
            sql = statements[len(part)] = (f'INSERT INTO "{table}" ({columns}) VALUES '
                                           + ", ".join([row_marks] * len(part)))
        db.execute_sql(sql, [conv(v) for row in part for conv, v in zip(convert, row)])
