"""Rules for text that people type and the database holds.

Input: :func:`clean_field` refuses control characters (ESC, BEL, NUL, bidi
overrides ...) and invisible characters (zero-width spaces and joiners, the
BOM, soft hyphens, every other Unicode format character, Hangul fillers) in
single-line fields; :func:`clean_reason` turns line breaks and tabs into
spaces (a pasted two-line reason keeps both lines) and refuses the rest.
Output: :func:`display_safe` makes any stored text harmless for a terminal,
whatever got into the database by other means.

Invisible characters are refused because they make two values that look the
same differ (a code ``G001`` + U+200B next to ``G001``) and let a "required"
field hold nothing a person can see.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

# C0, DEL, C1 controls and the bidi embedding/override/isolate characters.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Invisible: every Unicode format character (category Cf; the bidi ones above
# are reported as controls) written as ranges so the check stays one regex --
# tests/test_text.py checks these cover Cf of the running Python -- plus
# characters that are letters or marks on paper but show nothing: the combining
# grapheme joiner, Hangul fillers, Khmer inherent vowels, the blank braille cell.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200d\u2060-\u2065\u206a-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0]"
)
_BREAKS_RE = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]+")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a control or an invisible character (never stored)."""
    return bool(_CONTROL_RE.search(text) or _INVISIBLE_RE.search(text))


def clean_field(text: str | None, *, field: str, required: bool = False, max_len: int = 200,
                nfkc: bool = False) -> str:
    """A single-line value: stripped; control and invisible characters refused with a message."""
    value = (text or "")
    if nfkc:
        value = unicodedata.normalize("NFKC", value)
    value = value.strip()
    if _CONTROL_RE.search(value):
        raise ValidationError("field.control_chars", field=field)
    if _INVISIBLE_RE.search(value):
        raise ValidationError("field.invisible_chars", field=field)
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
    """Stored text as it may reach a terminal: control and invisible characters shown as
    U+FFFD, optionally cut with '…'."""
    value = "" if text is None else str(text)
    value = _INVISIBLE_RE.sub("\ufffd", _CONTROL_RE.sub("\ufffd", value))
    if max_len is not None and len(value) > max_len:
        value = value[: max(0, max_len - 1)] + "…"
    return value


def safe_file_name(name: str) -> str:
    """A file's name as it may be stored and shown: bytes that are not UTF-8
    (a GBK name from a Windows zip arrives as lone surrogates) and control or
    invisible characters (``\x1b[31m`` in a name) become U+FFFD."""
    fixed = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return display_safe(fixed)

