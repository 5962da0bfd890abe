"""The operations of the business.  Never imports Textual.

Every write: actor -> permission check -> one transaction -> audit event.
Screens and the CLI call these functions; they return plain dataclasses
(``views``), never models.
"""
