"""The operations of the business.  Never imports Textual.

Every write: actor -> permission check -> one transaction -> audit event.
Screens and the CLI call these functions; they return plain dataclasses
(``views``), never models.
"""

from ..db import worker_connection as thread_connection  # noqa: E402

__all__ = ["thread_connection"]
