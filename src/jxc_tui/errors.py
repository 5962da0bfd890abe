"""Errors a user can cause.  Each carries a message key (see ``i18n``) and the
values the message needs; screens and the CLI show them in the user's
language.  They are expected outcomes, not log noise."""

from __future__ import annotations

from typing import Any


class JxcError(Exception):
    """Base: ``key`` names the message, ``params`` fill it in."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key, params)

    def message(self) -> str:
        from .i18n import t

        return t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message()


class InvalidAmount(JxcError):
    key = "amount.not_a_number"


class ValidationError(JxcError):
    """Bad input in a form field or file row; ``field`` says which."""

    key = "error.validation"

    def __init__(self, key: str | None = None, *, field: str | None = None, **params: Any) -> None:
        if field is not None:
            params["field"] = field
        super().__init__(key, **params)
        self.field = field


class PermissionDenied(JxcError):
    key = "error.permission"


class AuthFailed(JxcError):
    key = "auth.failed"


class AccountLocked(JxcError):
    key = "auth.locked"


class NotFound(JxcError):
    key = "error.not_found"


class StaleVersion(JxcError):
    """The record changed since the user looked at it; nothing was written."""

    key = "error.stale"


class NoChange(JxcError):
    key = "debt.no_change"


class ImportRefused(JxcError):
    """A file was refused and nothing was imported.  ``errors`` holds
    ``(line, message)`` for every bad row (empty for a problem with the whole file)."""

    key = "import.refused"

    def __init__(self, key: str | None = None, *, errors: Any = (), **params: Any) -> None:
        super().__init__(key, **params)
        self.errors = list(errors)

    def lines(self) -> list[str]:
        """Each row problem as a sentence naming its line, in line order."""
        from .i18n import t

        return [t("import.row", line=line, message=message) for line, message in self.errors]


class DatabaseBusy(JxcError):
    """Another terminal held the database too long; nothing was written."""

    key = "error.busy"


class DatabaseMissing(JxcError):
    """A SQLite file that does not exist, named to a command that does not create one
    (only ``jxc init`` and ``jxc demo`` do): most likely a mistyped path."""

    key = "db.missing"


class Refused(JxcError):
    """A rule says no (your own request, an entry already reversed...); nothing changed."""

    key = "error.refused"


class RequestClosed(Refused):
    """The request was already decided (or cancelled): decided once, by one person."""

    key = "request.already_decided"


class StaleRequest(Refused):
    """The customer's balance moved since the request was made; it is now marked stale."""

    key = "request.stale"


class CreditLimitExceeded(JxcError):
    """The change takes the debt above the customer's credit limit and was
    not confirmed.  Nothing changed; confirming and saving again records the
    confirmation."""

    key = "credit.exceeded"


class BatchRefused(JxcError):
    """A batch holds rows with errors (unknown code, bad amount...) and was to
    be all or nothing: nothing was written.  ``refusals`` lists every such row."""

    key = "batch.refused"

    def __init__(self, refusals: Any) -> None:
        self.refusals = list(refusals)
        super().__init__(count=len(self.refusals), first=self.refusals[0].text() if self.refusals else "")

    def lines(self) -> list[str]:
        return [r.text() for r in self.refusals]


class BatchAlreadyRun(Refused):
    """The same file, or the same operation on the same customers, was run
    before: refused unless the user asks to run it again."""

    key = "batch.already_run"


class BatchStale(StaleVersion):
    """A customer (or the actor's limit, or the batch being undone) changed
    since the preview; nothing was written: preview again."""

    key = "batch.stale"


class BatchCreditLimit(CreditLimitExceeded):
    """Rows of a batch take debts above their credit limits and the batch was
    not confirmed as such; nothing was written."""

    key = "batch.credit"
