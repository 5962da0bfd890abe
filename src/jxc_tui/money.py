"""Money: the one parser, formatter and arithmetic for amounts.

Storage is integer fen (分); code uses ``Decimal`` with two places; ``float``
is never involved.  Every amount a person types or a file holds goes through
:func:`parse_amount`, which refuses anything ambiguous instead of guessing.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidAmount

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
ZERO = Decimal("0.00")

# What Chinese input methods type: the full-width forms of ASCII (U+FF01-U+FF5E,
# e.g. "１，５００．００"), the ideographic space and the full-width yen sign;
# plus the minus signs people paste from word processors.  Deliberately not
# NFKC: that also turns "①" into "1", "¹" into "1", "⒈" into "1." and "𝟏" into
# "1", so "①1500" would be read as 11,500.00.  Anything else that is not ASCII
# (except "¥") makes the amount "not a number".
_INPUT_METHOD_FORMS = str.maketrans(
    {**{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},
     "\u3000": " ", "\uffe5": "¥",
     "\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"})
MAX_INTEGER_DIGITS = 12  # 999,999,999,999

# ASCII digits only: ``Decimal`` would happily accept Arabic-Indic digits.
_GROUPED = r"[0-9]{1,3}(?:,[0-9]{3})+"
_PLAIN = r"[0-9]+"
_AMOUNT_RE = re.compile(
    rf"^(?P<sign1>[+-]?)¥?(?P<sign2>[+-]?)(?P<int>{_GROUPED}|{_PLAIN})(?:\.(?P<frac>[0-9]+))?$"
)


def _normalise(text: str) -> str:
    return text.translate(_INPUT_METHOD_FORMS).strip()


def parse_amount(text: str | None) -> Decimal:
    """Read an amount typed or pasted by a person, or held in a file.

    Accepts surrounding spaces, a leading sign, thousands separators, a
    leading ¥/￥ and the full-width forms of ASCII an input method types;
    any other non-ASCII character is refused.  Raises :class:`InvalidAmount`
    with a message key saying why otherwise.  Never rounds.
    """
    if text is None:
        raise InvalidAmount("amount.empty")
    if "\t" in text or "\n" in text.strip("\r\n") or "\r" in text.strip("\r\n"):
        raise InvalidAmount("amount.several_values")
    s = _normalise(text)
    if not s:
        raise InvalidAmount("amount.empty")
    if not all(ch.isascii() or ch == "¥" for ch in s):
        raise InvalidAmount("amount.not_a_number")
    lowered = s.lower()
    if any(word in lowered for word in ("nan", "inf")):
        raise InvalidAmount("amount.not_a_number")
    if re.search(r"[0-9.]e[+-]?[0-9]", lowered):
        raise InvalidAmount("amount.exponent")
    match = _AMOUNT_RE.match(s)
    if not match:
        if re.fullmatch(r"[+-]?¥?[+-]?[0-9][0-9,]*(\.[0-9]+)?", s):
            raise InvalidAmount("amount.bad_grouping")
        raise InvalidAmount("amount.not_a_number")
    if match["sign1"] and match["sign2"]:
        raise InvalidAmount("amount.not_a_number")
    frac = match["frac"]
    if frac is not None and len(frac) > 2:
        raise InvalidAmount("amount.too_many_decimals")
    sign = "-" if "-" in (match["sign1"] + match["sign2"]) else ""
    digits = match["int"].replace(",", "").lstrip("0") or "0"
    if len(digits) > MAX_INTEGER_DIGITS:  # before Decimal, whose 28 digits would say "not a number"
        raise InvalidAmount("amount.out_of_range")
    try:
        value = Decimal(f"{sign}{digits}.{frac or '0'}").quantize(CENT) + ZERO  # + ZERO: -0 -> 0
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise InvalidAmount("amount.not_a_number") from None
    check_range(value)
    return value


def check_range(value: Decimal) -> Decimal:
    """Refuse amounts beyond ±999,999,999,999.99."""
    if abs(value) > MAX_AMOUNT:
        raise InvalidAmount("amount.out_of_range")
    return value


def to_fen(value: Decimal) -> int:
    """Decimal yuan -> integer fen; refuses sub-fen values rather than rounding."""
    if not isinstance(value, Decimal):
        raise TypeError("money must be Decimal")
    quantized = value.quantize(CENT)
    if quantized != value:
        raise InvalidAmount("amount.too_many_decimals")
    return int(quantized * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(CENT)


def format_amount(value: Decimal | int, *, fen: bool = False, signed: bool = False) -> str:
    """``Decimal('1500')`` -> ``'1,500.00'``; ``fen=True`` reads an integer in fen.

    ``signed`` prefixes ``+`` on positive values (used for changes).
    """
    amount = (from_fen(value) if fen else Decimal(value).quantize(CENT)) + ZERO  # never "-0.00"
    text = f"{amount:,.2f}"
    if signed and amount > 0:
        text = "+" + text
    return text


def percent_change(amount: Decimal, percent: Decimal) -> Decimal:
    """``amount × percent / 100`` rounded half up, symmetric in sign (case C06)."""
    return (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP) + ZERO
