"""Tables.  Plain declarations; all behaviour lives in ``services``.

Money columns are integer fen (``BigIntegerField``).  Timestamps are naive
UTC.  ``LedgerEntry`` and ``AuditEvent`` are append-only: the application
never updates or deletes them, and database triggers refuse it too.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SQL,
    TextField,
)

from . import clock


def utcnow():
    """Looked up on ``clock`` at call time, so a test that replaces
    ``clock.utcnow`` governs the model defaults too."""
    return clock.utcnow()

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField()


class User(BaseModel):
    id = AutoField()
    username = CharField(max_length=64, unique=True)
    password_hash = TextField()
    role = CharField(max_length=32)
    is_active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "app_user"


class LoginThrottle(BaseModel):
    """Failed logins in a row, and any lock, per name typed at the login --
    existing user or not, so the answers never tell which names exist."""

    username = CharField(max_length=64, primary_key=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)


# Kinds of ledger entry (see DESIGN.md, "The ledger").
OPENING, SALE, RECEIPT, RETURN, ADJUSTMENT, REVERSAL = (
    "opening", "sale", "receipt", "return", "adjustment", "reversal",
)
LEDGER_KINDS = (OPENING, SALE, RECEIPT, RETURN, ADJUSTMENT, REVERSAL)


class Customer(BaseModel):
    id = AutoField()
    code = CharField(max_length=64, unique=True)  # text: "00123" and "123" differ
    name = CharField(max_length=200)
    contact = CharField(max_length=100, default="")
    phone = CharField(max_length=40, default="")
    address = CharField(max_length=300, default="")
    pinyin_initials = TextField(default="")  # every reading, space separated
    pinyin_full = TextField(default="")
    # code, name, phone digits and both pinyin keys, lower case, in one column:
    # a search is one LIKE over one column (see services.pinyin.search_fields).
    search_key = TextField(default="")
    balance_fen = BigIntegerField(default=0, index=True)  # == sum of ledger entries
    credit_limit_fen = BigIntegerField(null=True)  # 信用额度; None: no limit
    version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Batch(BaseModel):
    """Many customers changed at once (批量修改): from a selection, a file, or
    the undo of an earlier batch.  Written once, never changed; every ledger
    entry and request it produced carries its id.

    ``fingerprint`` identifies "the same batch" (the same file contents, or
    the same operation on the same customers) so a second run is refused
    unless asked for, and then recorded in ``rerun_of``."""

    id = AutoField()
    kind = CharField(max_length=16)  # "selection", "file" or "undo"
    operation = CharField(max_length=16)  # set / increase / decrease / percent / clear / file_set / file_change / undo
    amount = CharField(max_length=40, default="")  # the operation's figure as text ("100.00", "-19")
    reason = TextField(default="")
    file_name = CharField(max_length=300, default="")
    file_sha256 = CharField(max_length=64, default="")
    fingerprint = CharField(max_length=80, index=True)
    rerun_of = ForeignKeyField("self", null=True, on_delete="RESTRICT", backref="+")
    undoes = ForeignKeyField("self", null=True, on_delete="RESTRICT", backref="+")
    actor = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
    actor_name = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    row_count = IntegerField(default=0)  # customers changed or requested
    posted_count = IntegerField(default=0)  # posted at once
    requested_count = IntegerField(default=0)  # sent for approval
    skipped_count = IntegerField(default=0)  # refused rows left out, rows that changed nothing
    total_change_fen = BigIntegerField(default=0)  # posted and requested together


class LedgerEntry(BaseModel):
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="entries", on_delete="RESTRICT")
    kind = CharField(max_length=16)
    amount_fen = BigIntegerField()
    balance_before_fen = BigIntegerField()
    balance_after_fen = BigIntegerField()
    reason = TextField(default="")
    actor = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    actor_name = CharField(max_length=64)
    source = CharField(max_length=300, default="")
    created_at = DateTimeField(default=utcnow)
    # A reversal names the entry it offsets; the unique index makes a second
    # reversal of one entry impossible even behind the application's back.
    reverses = ForeignKeyField("self", null=True, unique=True, on_delete="RESTRICT", backref="reversed_by")
    # Posted on approval of a request: ``actor`` requested, this user approved.
    approved_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
    # Database-side defaults too: bulk inserts (import, demo) name only the columns they fill.
    approved_by_name = CharField(max_length=64, default="", constraints=[SQL("DEFAULT ''")])
    # The person posting confirmed taking the debt above the customer's credit limit.
    over_credit_limit = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    batch = ForeignKeyField(Batch, null=True, on_delete="RESTRICT", backref="entries")

    class Meta:
        indexes = ((("customer", "id"), False),)


# States of a change request (审核).  Only "pending" ever changes, once.
PENDING, APPROVED, REJECTED, CANCELLED, STALE = "pending", "approved", "rejected", "cancelled", "stale"
REQUEST_STATUSES = (PENDING, APPROVED, REJECTED, CANCELLED, STALE)


class ChangeRequest(BaseModel):
    """A change above the requester's direct limit, waiting for a second person.

    The balance does not move until approval; approving posts ``change_fen``
    as an entry of ``kind`` only if the customer's balance and version are
    still those seen when the request was made."""

    id = AutoField()
    customer = ForeignKeyField(Customer, on_delete="RESTRICT", backref="requests")
    kind = CharField(max_length=16)  # the ledger kind the change will post as
    seen_balance_fen = BigIntegerField()
    seen_version = IntegerField()
    new_balance_fen = BigIntegerField()
    change_fen = BigIntegerField()
    reason = TextField()
    reverses = ForeignKeyField(LedgerEntry, null=True, on_delete="RESTRICT", backref="+")
    over_credit_limit = BooleanField(default=False)  # requester confirmed going above the credit limit
    source = CharField(max_length=300, default="")
    requester = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
    requester_name = CharField(max_length=64)
    requested_at = DateTimeField(default=utcnow)
    status = CharField(max_length=16, default=PENDING)
    decider = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
    decider_name = CharField(max_length=64, default="")
    note = TextField(default="")
    decided_at = DateTimeField(null=True)
    entry = ForeignKeyField(LedgerEntry, null=True, on_delete="RESTRICT", backref="+")  # posted on approval
    batch = ForeignKeyField(Batch, null=True, on_delete="RESTRICT", backref="requests")

    class Meta:
        table_name = "change_request"
        indexes = ((("status", "id"), False), (("customer", "id"), False), (("requester", "id"), False),
                   (("batch", "status"), False))


class AuditEvent(BaseModel):
    id = AutoField()
    created_at = DateTimeField(index=True)
    actor = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    actor_name = CharField(max_length=64)
    action = CharField(max_length=48, index=True)
    entity = CharField(max_length=32, default="")
    entity_id = CharField(max_length=64, default="")
    customer = ForeignKeyField(Customer, null=True, on_delete="RESTRICT")
    before = TextField(default="")  # canonical JSON or ""
    after = TextField(default="")
    reason = TextField(default="")
    origin = CharField(max_length=200, default="")
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)

    class Meta:
        indexes = ((("customer", "id"), False), (("actor", "id"), False))


ALL_MODELS = [SchemaVersion, User, LoginThrottle, Customer, Batch, LedgerEntry, ChangeRequest, AuditEvent]
