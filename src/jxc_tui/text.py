"""Rules for text that people type and the database holds.

Input: :func:`clean_field` refuses control characters (ESC, BEL, NUL, bidi
overrides ...) in single-line fields; :func:`clean_reason` turns line breaks
and tabs into spaces (a pasted two-line reason keeps both lines) and refuses
the rest.  Output: :func:`display_safe` makes any stored text harmless for a
terminal, whatever got into the database by other means.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

# C0, DEL, C1 controls and the bidi embedding/override/isolate characters.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_BREAKS_RE = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]+")


def has_controls(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def clean_field(text: str | None, *, field: str, required: bool = False, max_len: int = 200,
                nfkc: bool = False) -> str:
    """A single-line value: stripped; control characters refused with a message."""
    value = (text or "")
    if nfkc:
        value = unicodedata.normalize("NFKC", value)
    value = value.strip()
    if has_controls(value):
        raise ValidationError("field.control_chars", field=field)
    if required and not value:
        raise ValidationError("field.required", field=field)
    if len(value) > max_len:
        raise ValidationError("field.too_long", field=field, max=max_len)
    return value


def clean_reason(text: str | None, *, field: str = "reason", max_len: int = 500) -> str:
    """A reason or note: required; line breaks become spaces, other controls refused."""
    value = _BREAKS_RE.sub(" ", text or "").strip()
    value = re.sub(r" {2,}", " ", value)
    return clean_field(value, field=field, required=True, max_len=max_len)


def display_safe(text: object, max_len: int | None = None) -> str:
    """Stored text as it may reach a terminal: controls shown as U+FFFD, optionally cut with '…'."""
    value = "" if text is None else str(text)
    value = _CONTROL_RE.sub("\ufffd", value)
    if max_len is not None and len(value) > max_len:
        value = value[: max(0, max_len - 1)] + "…"
    return value
