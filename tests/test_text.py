"""Text rules: what people type is stored exactly or refused with the field
named; control characters never get in; a pasted two-line reason keeps both
lines (C01, C10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jxc_tui.errors import ValidationError
from jxc_tui.models import AuditEvent, Customer, LedgerEntry
from jxc_tui.services import approvals, audit, customers, history
from jxc_tui.services.customers import CustomerInput
from jxc_tui.text import clean_field, clean_reason, display_safe, has_controls

D = Decimal

C01 = [("K01", "王五[VIP]"), ("K02", "Acme [bold]Ltd"), ("C[/]01", "退货[/"), ("K04", "张三[/red]"),
       ("K05", "[link=x]点我"), ("K06", "[@click=app.quit]点我[/]"), ("K07", "Smith [old account]")]

CONTROLS = ["\x1b[2J", "\x07", "\x00", "\x1b]52;c;ZXZpbA==\x07", "\u202e", "\x9b", "\x7f"]


def _counts():
    return Customer.select().count(), LedgerEntry.select().count(), AuditEvent.select().count()


def test_c01_strings_round_trip_through_every_service(db, actors):
    for code, name in C01:
        c = customers.create_customer(actors.clerk, CustomerInput(code=code, name=name, contact=name,
                                                                  address=name),
                                      opening=D("1.00"), reason=name)
        fresh = customers.get_customer(actors.viewer, c.id)
        assert (fresh.code, fresh.name, fresh.contact, fresh.address) == (code, name, name, name)
        assert customers.find_by_code(actors.viewer, code).id == c.id
        change = approvals.set_debt(actors.clerk, c.id, D("2.00"), name, expected_version=fresh.version)
        assert change.entry.reason == name
        rows = history.customer_history(actors.viewer, c.id)
        assert [r.reason for r in rows] == [name, name]
        v = customers.get_customer(actors.viewer, c.id).version
        customers.update_customer(actors.clerk, c.id, v, CustomerInput(code=code, name=name + "2", contact=name,
                                                                         address=name), reason=name)
        detail = [r for r in history.customer_history(actors.viewer, c.id) if not r.is_money]
        assert [(r.what, r.old, r.new, r.reason) for r in detail] == [("name", name, name + "2", name)]
    events = audit.list_events(actors.admin, limit=1000)
    assert {e.reason for e in events if e.action == "debt.set"} == {n for _, n in C01}
    assert audit.verify().ok


@pytest.mark.parametrize("bad", CONTROLS, ids=[repr(c) for c in CONTROLS])
def test_control_characters_in_a_name_are_refused_naming_the_field(db, actors, bad):
    before = _counts()
    with pytest.raises(ValidationError) as info:
        customers.create_customer(actors.clerk, CustomerInput(code="X1", name=f"坏{bad}名字"))
    assert info.value.key == "field.control_chars" and info.value.field == "name"
    assert "名称" in str(info.value)
    assert _counts() == before


@pytest.mark.parametrize("field", ["code", "name", "contact", "address", "phone"])
def test_control_characters_refused_in_every_detail_field(db, actors, field):
    c = customers.create_customer(actors.clerk, CustomerInput(code="OK1", name="正常"))
    before = _counts()
    values = {"code": "X1", "name": "名字", "contact": "", "address": "", "phone": ""}
    values[field] = "138\x1b[2J0000" if field == "phone" else f"a\x1b[2Jb"
    with pytest.raises(ValidationError) as info:
        customers.create_customer(actors.clerk, CustomerInput(**values))
    assert info.value.field == field
    values["code"] = "OK1" if field != "code" else values["code"]
    with pytest.raises(ValidationError) as info:
        customers.update_customer(actors.clerk, c.id, c.version, CustomerInput(**values))
    assert info.value.field == field
    assert _counts() == before


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u2061", "\u2064", "\ufeff", "\u00ad", "\u180e",
             "\u206f", "\ufff9", "\U000e0041", "\U0001d173", "\u3164", "\uffa0", "\u115f"]


@pytest.mark.parametrize("bad", INVISIBLE, ids=ascii)
def test_invisible_characters_are_refused_in_single_line_fields(bad):
    for value in (f"G001{bad}", f"坏{bad}名字", bad, f"{bad}{bad}"):
        with pytest.raises(ValidationError) as info:
            clean_field(value, field="name", required=True)
        assert info.value.key == "field.invisible_chars" and info.value.field == "name"
        assert "名称" in str(info.value) and "不可见" in str(info.value)
    with pytest.raises(ValidationError) as info:
        clean_reason(f"原因{bad}")
    assert info.value.field == "reason"
    assert has_controls(bad)
    assert display_safe(f"a{bad}b") == "a\ufffdb"


def test_invisible_characters_are_refused_in_english(english):
    with pytest.raises(ValidationError) as info:
        clean_field("G001\u200b", field="code")
    assert str(info.value) == "Code contains invisible characters (such as a zero-width space) and was refused"


def test_every_format_character_of_this_python_counts_as_invisible():
    """The refused set is written out as ranges (fast); it must cover category Cf."""
    import sys
    import unicodedata

    missed = [f"U+{cp:04X}" for cp in range(sys.maxunicode + 1)
              if unicodedata.category(chr(cp)) == "Cf" and not has_controls(chr(cp))]
    assert missed == []


def test_visible_text_is_untouched():
    for ok in ("王五[VIP]", "Smith [old account]", "café", "👍好", "a b", "１２３", "عربي", "ไทย"):
        assert clean_field(ok, field="name") == ok
        assert not has_controls(ok) and display_safe(ok) == ok


def test_a_code_with_a_zero_width_space_does_not_shadow_the_real_one(db, actors):
    customers.create_customer(actors.clerk, CustomerInput(code="G001", name="真的"))
    before = _counts()
    for code, name, field in (("G001\u200b", "假的", "code"), ("\u2060G001", "假的", "code"),
                              ("G002", "\u200b", "name"), ("G003", "\ufeff\u200d", "name")):
        with pytest.raises(ValidationError) as info:
            customers.create_customer(actors.clerk, CustomerInput(code=code, name=name))
        assert (info.value.key, info.value.field) == ("field.invisible_chars", field)
    assert _counts() == before
    assert [c.code for c in Customer.select()] == ["G001"]


@pytest.mark.parametrize("bad", ["\x1b[2J", "\x07", "\x00", "\u202e"], ids=repr)
def test_control_characters_in_any_reason_are_refused(db, actors, bad):
    c = customers.create_customer(actors.clerk, CustomerInput(code="R1", name="原因"), opening=D("1.00"),
                                  reason="期初")
    before = _counts()
    attempts = [
        lambda: approvals.set_debt(actors.clerk, c.id, D("5.00"), f"改{bad}", expected_version=c.version),
        lambda: approvals.post_movement(actors.clerk, c.id, "receipt", D("1.00"), f"收{bad}"),
        lambda: customers.create_customer(actors.clerk, CustomerInput(code="R2", name="新"), opening=D("1.00"),
                                          reason=f"期初{bad}"),
        lambda: customers.create_customer(actors.clerk, CustomerInput(code="R3", name="新"), reason=f"新建{bad}"),
        lambda: customers.update_customer(actors.clerk, c.id, c.version, CustomerInput(code="R1", name="改名"),
                                          reason=f"改名{bad}"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as info:
            attempt()
        assert info.value.field == "reason"
    assert _counts() == before


def test_a_two_line_reason_keeps_both_lines(db, actors):
    c = customers.create_customer(actors.clerk, CustomerInput(code="M1", name="多行"), opening=D("1.00"),
                                  reason="期初")
    change = approvals.set_debt(actors.clerk, c.id, D("2.00"), "客户退货\n第二行说明", expected_version=c.version)
    assert change.entry.reason == "客户退货 第二行说明"
    assert LedgerEntry.get_by_id(change.entry.id).reason == "客户退货 第二行说明"
    change = approvals.post_movement(actors.clerk, c.id, "receipt", D("1.00"), "第一行\r\n\r\n\t第二行  ")
    assert change.entry.reason == "第一行 第二行"
    v = customers.get_customer(actors.clerk, c.id).version
    customers.update_customer(actors.clerk, c.id, v, CustomerInput(code="M1", name="改名"), reason="更名\n原因")
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().reason == "更名 原因"


def test_update_reason_is_optional(db, actors):
    c = customers.create_customer(actors.clerk, CustomerInput(code="O1", name="可选"))
    customers.update_customer(actors.clerk, c.id, c.version, CustomerInput(code="O1", name="可选2"))
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().reason == ""


# --- field rules ----------------------------------------------------------------------------

def test_clean_reason_and_clean_field_rules():
    assert clean_reason("客户退货\n第二行说明") == "客户退货 第二行说明"
    assert clean_reason("  a \u2028 b\u2029c  ") == "a b c"
    with pytest.raises(ValidationError) as info:
        clean_reason(" \n\t ")
    assert (info.value.key, info.value.field) == ("field.required", "reason")
    assert clean_field("  Smith [old account]  ", field="name") == "Smith [old account]"
    assert clean_field("ＡＢＣ１２３", field="code", nfkc=True) == "ABC123"
    with pytest.raises(ValidationError) as info:
        clean_field("x" * 201, field="name")
    assert info.value.key == "field.too_long" and info.value.params["max"] == 200
    with pytest.raises(ValidationError):
        clean_field("两行\n名字", field="name")  # a single-line field does not take a line break


def test_display_safe_neutralises_whatever_got_in():
    assert display_safe("a\x1b[2Jb\x07c\x00") == "a\ufffd[2Jb\ufffdc\ufffd"
    assert display_safe("王五[VIP]") == "王五[VIP]"
    assert display_safe(None) == ""
    assert display_safe("abcdef", max_len=4) == "abc…"
    assert not has_controls(display_safe("\u202eevil\x9b"))


@pytest.mark.parametrize("phone", ["13800138000", "138-0013-8000", "138 0013 8000", "+86 138 0013 8000",
                                   "(010) 6552 1234", "010-65521234", "１３８００１３８０００"])
def test_phone_formats_people_type_are_accepted(db, actors, phone):
    c = customers.create_customer(actors.clerk, CustomerInput(code="P1", name="电话", phone=phone))
    assert c.phone  # stored (NFKC for full-width digits)


@pytest.mark.parametrize("phone", ["call me", "12", "138@0013", "--138"])
def test_phone_that_is_not_a_number_is_refused(db, actors, phone):
    with pytest.raises(ValidationError) as info:
        customers.create_customer(actors.clerk, CustomerInput(code="P1", name="电话", phone=phone))
    assert info.value.field == "phone"
    assert Customer.select().count() == 0


@pytest.mark.parametrize(("code", "field_key"), [("", "field.required"), ("A B", "customer.code_spaces")])
def test_code_rules(db, actors, code, field_key):
    with pytest.raises(ValidationError) as info:
        customers.create_customer(actors.clerk, CustomerInput(code=code, name="名"))
    assert info.value.key == field_key and info.value.field == "code"


def test_codes_are_text_leading_zeros_kept(db, actors):
    a = customers.create_customer(actors.clerk, CustomerInput(code="00123", name="甲"))
    b = customers.create_customer(actors.clerk, CustomerInput(code="123", name="乙"))
    assert customers.find_by_code(actors.viewer, "00123").id == a.id
    assert customers.find_by_code(actors.viewer, "123").id == b.id
    with pytest.raises(ValidationError) as info:
        customers.create_customer(actors.clerk, CustomerInput(code="００１２３", name="丙"))  # NFKC -> 00123
    assert info.value.key == "customer.code_taken"


@pytest.mark.parametrize("query", ["a\x00b", "\x1b[2J", "原\x00因", "\t"], ids=repr)
def test_a_search_query_with_control_characters_does_not_fail(db, actors, query):
    customers.create_customer(actors.clerk, CustomerInput(code="AB1", name="原因ab"))
    page = customers.search_customers(actors.viewer, query)
    assert len(page.rows) <= 1
