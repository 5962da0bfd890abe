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

from peewee import fn

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


def insert_rows_ids(model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[int]:
    """:func:`insert_rows`, returning the new rows' ids in the order given.

    Writers are serialised (``write_transaction``), so the rows inserted in
    this transaction are exactly those above the largest id before."""
    pk = model._meta.primary_key
    before = model.select(fn.MAX(pk)).scalar() or 0
    insert_rows(model, fields, rows)
    ids = [r[0] for r in model.select(pk).where(pk > before).order_by(pk).tuples()]
    if len(ids) != len(rows):  # pragma: no cover - someone wrote past the writers' lock
        raise RuntimeError(f"{model._meta.table_name}: inserted {len(rows)} rows but found {len(ids)}")
    return ids


def update_rows(model: Any, values: Sequence[Any], rows: Sequence[Sequence[Any]], *,
                constants: dict[str, Any] | None = None, increment: Sequence[Any] = (),
                chunk: int = CHUNK) -> None:
    """Set, row by row, ``values[1:]`` of the row whose primary key is the
    first item of each of ``rows``; also ``constants`` (field name -> one
    value for every row) and ``increment`` (fields raised by one).

    One ``WITH v(...) AS (VALUES ...) UPDATE ... FROM v`` per chunk (SQLite
    3.33+ and PostgreSQL).  Per-row values must be integers or text: they
    travel untyped in VALUES."""
    db = model._meta.database
    table = model._meta.table_name
    pk = model._meta.primary_key.column_name
    names = [f"k{i}" for i in range(len(values))]
    sets = [f'"{f.column_name}" = v.{n}' for f, n in zip(values[1:], names[1:])]
    params_const: list[Any] = []
    for name, value in (constants or {}).items():
        f = model._meta.fields[name]
        sets.append(f'"{f.column_name}" = {db.param}')
        params_const.append(f.db_value(value))
    sets += [f'"{f.column_name}" = "{table}"."{f.column_name}" + 1' for f in increment]
    row_marks = "(" + ", ".join([db.param] * len(values)) + ")"
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        sql = (f'WITH v({", ".join(names)}) AS (VALUES {", ".join([row_marks] * len(part))}) '
               f'UPDATE "{table}" SET {", ".join(sets)} FROM v WHERE "{table}"."{pk}" = v.k0')
        params = [v for row in part for v in row]
        db.execute_sql(sql, params + params_const)
