"""Money: the one parser (C05), computed amounts (C06), exact storage (C02)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jxc_tui import i18n
from jxc_tui.errors import InvalidAmount
from jxc_tui.models import AuditEvent, Customer, LedgerEntry
from jxc_tui.money import (
    MAX_AMOUNT, check_range, format_amount, from_fen, parse_amount, percent_change, to_fen,
)
from jxc_tui.services import approvals, customers
from jxc_tui.services.customers import CustomerInput

D = Decimal

# --- C05: as people type and paste them -------------------------------------------------

ACCEPTED = [
    ("1500", "1500.00"),
    ("1,500.00", "1500.00"),
    ("¥1,500.00", "1500.00"),
    ("￥1500", "1500.00"),
    (" 1500.00 ", "1500.00"),
    ("１５００", "1500.00"),
    ("１，５００．００", "1500.00"),
    ("￥１５００", "1500.00"),
    ("１，５００．５０", "1500.50"),
    ("-200", "-200.00"),
    ("－２００", "-200.00"),  # full-width minus
    ("−200", "-200.00"),  # U+2212 MINUS SIGN
    ("+1500", "1500.00"),
    ("1,234.50", "1234.50"),
    (" 1234.50 ", "1234.50"),
    ("1234.5", "1234.50"),
    ("0", "0.00"),
    ("999999999999.99", "999999999999.99"),
    ("-999,999,999,999.99", "-999999999999.99"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_amounts(text, expected):
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == D(expected)
    assert str(value) == expected  # exactly two places, sign kept


REFUSED = [
    ("1,50.00", "amount.bad_grouping"),
    ("1000,100.01", "amount.bad_grouping"),
    ("1.500,00", "amount.not_a_number"),
    ("300,00", "amount.bad_grouping"),
    ("1e5", "amount.exponent"),
    ("1E5", "amount.exponent"),
    ("12.5e3", "amount.exponent"),
    ("1_000", "amount.not_a_number"),
    ("nan", "amount.not_a_number"),
    ("NaN", "amount.not_a_number"),
    ("Infinity", "amount.not_a_number"),
    ("-inf", "amount.not_a_number"),
    ("١٢٣", "amount.not_a_number"),  # Arabic-Indic digits: Decimal would take them
    ("", "amount.empty"),
    ("   ", "amount.empty"),
    (None, "amount.empty"),
    ("60.325", "amount.too_many_decimals"),  # no silent rounding
    ("1500。50", "amount.not_a_number"),  # ideographic full stop
    ("9999999999999.99", "amount.out_of_range"),
    ("1000000000000", "amount.out_of_range"),
    ("-1000000000000.00", "amount.out_of_range"),
    ("1234.50\t88", "amount.several_values"),  # two spreadsheet cells (C10)
    ("12\n34", "amount.several_values"),
    ("+-5", "amount.not_a_number"),
    ("abc", "amount.not_a_number"),
    ("¥", "amount.not_a_number"),
]


@pytest.mark.parametrize(("text", "key"), REFUSED)
def test_refused_amounts_say_why(text, key):
    with pytest.raises(InvalidAmount) as info:
        parse_amount(text)
    assert info.value.key == key
    # The message is a sentence in the user's language, not the key.
    message = str(info.value)
    assert message and message != key
    i18n.set_language("en")
    assert str(info.value) != key and str(info.value) != message


# Characters NFKC would turn into digits: each must be refused, never read as a number.
LOOKALIKES = [
    "①1500",  # circled one: NFKC would read 11,500.00
    "⒈5",  # digit one full stop: NFKC would read 1.5
    "¹⁵⁰⁰",  # superscripts
    "²",
    "1500₀",  # subscript
    "𝟏𝟐𝟑",  # mathematical bold digits
    "ⅻ",  # roman numeral twelve
    "1\u00bd",  # vulgar fraction one half: NFKC gives "11⁄2"
    "½",
    "1\u00a0500",  # no-break space inside
    "1500\ufe52",  # small full stop
    "\ufe6915",  # small dollar sign
    "1\u200b500",  # zero-width space
    "\u00a51,500\u202400",  # one dot leader
]


@pytest.mark.parametrize("text", LOOKALIKES, ids=ascii)
def test_lookalike_digits_are_not_a_number(text):
    with pytest.raises(InvalidAmount) as info:
        parse_amount(text)
    assert info.value.key == "amount.not_a_number"


@pytest.mark.parametrize(("text", "expected"), [
    ("\u3000１５００\u3000", "1500.00"),  # ideographic spaces around, as an IME types them
    ("\uffe5１，５００．００", "1500.00"),  # full-width yen sign
    ("\uff0b１５００", "1500.00"),  # full-width plus
    ("\ufe63200", "-200.00"),  # small hyphen-minus
    ("\u2013200", "-200.00"),  # en dash
    ("0001500", "1500.00"),  # leading zeros are not digits of the value
    ("0000000000000000000000000000001.50", "1.50"),
])
def test_full_width_forms_and_minus_variants_are_read(text, expected):
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize("text", [
    "1" * 13,
    "1" * 28,
    "1" * 29,  # beyond Decimal's 28 digits: used to say "not a valid amount"
    "9" * 40 + ".99",
    "-" + "1" * 60,
    "1,000,000,000,000,000,000,000,000,000,000",
    "１" * 30,
])
def test_too_many_integer_digits_is_out_of_range(text):
    with pytest.raises(InvalidAmount) as info:
        parse_amount(text)
    assert info.value.key == "amount.out_of_range"


def test_credit_stays_negative_and_is_shown_as_such():
    value = parse_amount("－２００")
    assert value < 0
    assert format_amount(value) == "-200.00"


def test_negative_zero_is_plain_zero():
    """``-0`` typed, or 0 × a negative percent, is zero: never shown as ``-0.00``."""
    assert format_amount(parse_amount("-0")) == "0.00"
    assert format_amount(percent_change(D("0.00"), D("-19"))) == "0.00"
    assert format_amount(D("-0.00"), signed=True) == "0.00"
    assert str(parse_amount("-0.00")) == "0.00"


# --- C06: computed amounts round half up, symmetric in sign ------------------------------

@pytest.mark.parametrize(("amount", "percent", "change", "new"), [
    ("317.50", "19", "60.33", "377.83"),
    ("10.70", "25", "2.68", "13.38"),
    ("317.50", "-19", "-60.33", "257.17"),
    ("-317.50", "19", "-60.33", "-377.83"),
    ("-10.70", "-25", "2.68", "-8.02"),
    ("0.01", "50", "0.01", "0.02"),  # 0.005 -> 0.01
    ("0.01", "-50", "-0.01", "0.00"),
    ("100.00", "0", "0.00", "100.00"),
])
def test_percent_change_rounds_half_up_symmetric(amount, percent, change, new):
    delta = percent_change(D(amount), D(percent))
    assert delta == D(change) and str(delta) == change
    assert D(amount) + delta == D(new)


# --- formatting and fen ---------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (D("100.10"), "100.10"),
    (D("100.1"), "100.10"),
    (D("1500"), "1,500.00"),
    (D("-200"), "-200.00"),
    (D("0"), "0.00"),
    (D("999999999999.99"), "999,999,999,999.99"),
    (D("1000.5"), "1,000.50"),
])
def test_format_amount(value, text):
    assert format_amount(value) == text


def test_format_signed_and_from_fen():
    assert format_amount(D("5"), signed=True) == "+5.00"
    assert format_amount(D("-5"), signed=True) == "-5.00"
    assert format_amount(10010, fen=True) == "100.10"
    assert format_amount(-20000, fen=True) == "-200.00"


@pytest.mark.parametrize("text", ["999999999999.99", "-999999999999.99", "0.01", "100.10", "-0.01"])
def test_fen_roundtrip_is_exact(text):
    value = D(text)
    fen = to_fen(value)
    assert isinstance(fen, int)
    assert from_fen(fen) == value and str(from_fen(fen)) == str(value.quantize(D("0.01")))


def test_to_fen_refuses_sub_fen_and_float():
    with pytest.raises(InvalidAmount) as info:
        to_fen(D("0.005"))
    assert info.value.key == "amount.too_many_decimals"
    with pytest.raises(TypeError):
        to_fen(0.1)  # type: ignore[arg-type]


def test_check_range_bounds():
    assert check_range(MAX_AMOUNT) == MAX_AMOUNT
    assert check_range(-MAX_AMOUNT) == -MAX_AMOUNT
    for bad in (MAX_AMOUNT + D("0.01"), -MAX_AMOUNT - D("0.01"), D("9999999999999.99")):
        with pytest.raises(InvalidAmount) as info:
            check_range(bad)
        assert info.value.key == "amount.out_of_range"


# --- C02: stored exactly on every backend -------------------------------------------------

def _counts():
    return Customer.select().count(), LedgerEntry.select().count(), AuditEvent.select().count()


def test_largest_amount_stored_and_read_back_exactly(db, actors, unlimited):
    c = customers.create_customer(actors.admin, CustomerInput(code="BIG", name="大额"),
                                  opening=parse_amount("999999999999.99"), reason="期初")
    assert c.balance == D("999999999999.99")
    assert Customer.get_by_id(c.id).balance_fen == 99999999999999
    fresh = customers.get_customer(actors.admin, c.id)
    assert str(fresh.balance) == "999999999999.99"
    assert format_amount(fresh.balance) == "999,999,999,999.99"
    # And the most negative -- not in one step: one entry is an amount like
    # any other (exported, re-imported, reversed), so it stays in the range too.
    before = _counts()
    with pytest.raises(InvalidAmount) as info:
        approvals.set_debt(actors.admin, c.id, D("-999999999999.99"), "冲正", expected_version=c.version)
    assert info.value.key == "debt.change_out_of_range" and "-1,999,999,999,999.98" in info.value.message()
    assert _counts() == before
    approvals.set_debt(actors.admin, c.id, D("0.00"), "冲正一", expected_version=None)
    change = approvals.set_debt(actors.admin, c.id, D("-999999999999.99"), "冲正二", expected_version=None)
    assert change.entry.amount == D("-999999999999.99")
    assert customers.get_customer(actors.admin, c.id).balance == D("-999999999999.99")


def test_out_of_range_refused_and_nothing_written(db, actors, unlimited):
    c = customers.create_customer(actors.admin, CustomerInput(code="R1", name="范围"),
                                  opening=D("10.00"), reason="期初")
    before = _counts()
    with pytest.raises(InvalidAmount) as info:
        approvals.set_debt(actors.admin, c.id, D("9999999999999.99"), "太大", expected_version=c.version)
    assert info.value.key == "amount.out_of_range"
    with pytest.raises(InvalidAmount):
        customers.create_customer(actors.admin, CustomerInput(code="R2", name="范围2"),
                                  opening=D("9999999999999.99"), reason="期初")
    # A movement that would push the balance past the limit is refused too.
    approvals.set_debt(actors.admin, c.id, D("999999999999.00"), "接近上限", expected_version=c.version)
    mid = _counts()
    with pytest.raises(InvalidAmount) as info:
        approvals.post_movement(actors.admin, c.id, "sale", D("1.00"), "超限")
    assert info.value.key == "amount.out_of_range"
    assert _counts() == mid and mid[1] == before[1] + 1
    assert customers.get_customer(actors.admin, c.id).balance == D("999999999999.00")


def test_float_never_accepted_by_services(db, actors):
    c = customers.create_customer(actors.admin, CustomerInput(code="F1", name="浮点"))
    with pytest.raises(InvalidAmount):
        approvals.set_debt(actors.admin, c.id, 0.1, "浮点", expected_version=c.version)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        approvals.post_movement(actors.admin, c.id, "sale", 0.1, "浮点")  # type: ignore[arg-type]
    assert LedgerEntry.select().count() == 0
