"""The one place that turns stored values into things a widget may show.

Every string from the database goes through :func:`cell` or :func:`label`:
literal ``rich.text.Text`` (square brackets are never markup), control
characters replaced.  Money goes through :func:`money_cell`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rich.text import Text

from ..i18n import t
from ..money import format_amount
from ..text import display_safe

CREDIT_STYLE = "bold cyan"


def cell(value: object, max_len: int | None = None, style: str = "") -> Text:
    return Text(display_safe(value, max_len), style=style, no_wrap=True, overflow="ellipsis")


def money_cell(amount: Decimal, *, signed: bool = False, credit_marker: bool = False) -> Text:
    """Right-aligned amount; a negative debt (credit, 预收) is styled and optionally marked."""
    text = format_amount(amount, signed=signed)
    style = CREDIT_STYLE if amount < 0 and not signed else ""
    if credit_marker and amount < 0:
        text = f"{text} {t('detail.credit')}"
    return Text(text, style=style, justify="right", no_wrap=True)


def label(*parts: tuple[str, str] | str) -> Text:
    """Assemble ``("fixed label", style)`` pieces and stored strings (made safe) into one Text."""
    out = Text(no_wrap=False)
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0], style=part[1])
        else:
            out.append(display_safe(part))
    return out


def money_width(amounts: Iterable[Decimal], minimum: int = 6) -> int:
    """A column wide enough for the widest of ``amounts`` with a sign: a figure is never cut."""
    return max(minimum, max((len(format_amount(abs(a))) + 1 for a in amounts), default=0))

