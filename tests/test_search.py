"""Customer search (C11, C01): one page at a time, keyset paging, numeric
sorting, pinyin, full-width input, literal ``%``/``_``/brackets, phone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jxc_tui.errors import PermissionDenied
from jxc_tui.models import Customer
from jxc_tui.money import format_amount
from jxc_tui.services import customers
from jxc_tui.services.customers import SORTS, CustomerInput
from jxc_tui.services.pinyin import pinyin_keys, search_key

D = Decimal

# Names cycle through these; every 10th customer is a 北京华夏.
NAMES = ["北京华夏商贸有限公司", "上海光明食品店", "广州顺达贸易", "深圳南山电子", "杭州西湖茶庄",
         "成都天府粮油", "武汉长江五金", "南京金陵布艺", "西安古城建材", "天津海河水产"]


_COLUMNS = ("code", "name", "contact", "phone", "address", "pinyin_initials", "pinyin_full",
            "search_key", "balance_fen", "version", "created_at", "updated_at")


def bulk_insert(db, rows: list[dict]) -> None:
    """Insert customers fast (raw multi-row inserts, no ledger entries), with
    the pinyin search keys the service would compute."""
    keys: dict[str, tuple[str, str]] = {}
    stamp = "2024-01-01 00:00:00"
    values = []
    for row in rows:
        name = row["name"]
        if name not in keys:
            keys[name] = pinyin_keys(name)
        phone = row.get("phone", "")
        values.append((row["code"], name, "", phone, "", *keys[name],
                       search_key(row["code"], name, phone, *keys[name]), row["balance_fen"], 1, stamp, stamp))
    sql = f"INSERT INTO customer ({', '.join(_COLUMNS)}) VALUES "
    with db.atomic():
        cursor = db.cursor()
        if db.jxc_backend == "sqlite":
            cursor.executemany(sql + "(" + ", ".join("?" * len(_COLUMNS)) + ")", values)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, sql + "%s", values, page_size=2000)


@pytest.fixture
def many(db):
    """C11: C00000-C19999 with debt i x 1.50, plus C99999 at -200.00."""
    rows = [{"code": f"C{i:05d}", "name": NAMES[i % len(NAMES)], "balance_fen": i * 150} for i in range(20000)]
    rows.append({"code": "C99999", "name": "预收客户", "balance_fen": -20000})
    bulk_insert(db, rows)
    assert Customer.select().count() == len(rows)
    return len(rows)


def _all_pages(actor, query="", sort="code", limit=1000):
    rows, cursor, pages = [], None, 0
    while True:
        page = customers.search_customers(actor, query, sort=sort, limit=limit, after=cursor)
        assert len(page.rows) <= limit
        pages += 1
        rows += page.rows
        if not page.has_more:
            return rows, pages
        assert len(page.rows) == limit and page.cursor is not None
        cursor = page.cursor


def test_a_search_returns_one_page_not_every_row(db, actors, many):
    page = customers.search_customers(actors.viewer, "", limit=50)
    assert len(page.rows) == 50 and page.has_more and page.first
    assert [r.code for r in page.rows[:3]] == ["C00000", "C00001", "C00002"]
    hx = customers.search_customers(actors.viewer, "bjhx", limit=50)
    assert len(hx.rows) == 50 and hx.has_more
    assert all(r.name == "北京华夏商贸有限公司" for r in hx.rows)
    small = customers.search_customers(actors.viewer, "C9999", limit=50)
    assert [r.code for r in small.rows] == ["C99999"] and not small.has_more
    # Sorting by debt is numeric, not text.
    asc = customers.search_customers(actors.viewer, "", sort="debt_asc", limit=700).rows
    assert [format_amount(r.balance) for r in asc[:4]] == ["-200.00", "0.00", "1.50", "3.00"]
    assert asc[0].is_credit
    shown = [format_amount(r.balance) for r in asc]
    assert shown.index("1,000.50") == shown.index("999.00") + 1
    desc = customers.search_customers(actors.viewer, "", sort="debt_desc", limit=3).rows
    assert [format_amount(r.balance) for r in desc] == ["29,998.50", "29,997.00", "29,995.50"]


def test_keyset_paging_yields_every_row_once_in_every_sort(db, actors, many):
    for sort in SORTS:
        rows, pages = _all_pages(actors.viewer, sort=sort)
        codes = [r.code for r in rows]
        assert len(codes) == many == len(set(codes)), sort
        assert pages == 21, sort
        balances = [r.balance for r in rows]
        if sort == "debt_asc":
            assert balances == sorted(balances)
        elif sort == "debt_desc":
            assert balances == sorted(balances, reverse=True)
        elif sort == "code":
            assert codes == sorted(codes)
        else:
            assert [r.name for r in rows] == sorted(r.name for r in rows)
    # A filtered search pages the same way.
    rows, _ = _all_pages(actors.viewer, "bjhx", sort="debt_desc", limit=300)
    assert len(rows) == 2000 == len({r.code for r in rows})
    assert rows[0].balance == D("29985.00")  # i = 19990


def test_search_needs_view_permission_and_a_known_sort(db, actors):
    from jxc_tui.services.policy import Actor

    with pytest.raises(PermissionDenied):
        customers.search_customers(Actor(None, "x", "nobody"), "")
    with pytest.raises(ValueError):
        customers.search_customers(actors.viewer, "", sort="balance; DROP TABLE customer")


# --- matching ------------------------------------------------------------------------------

C01 = [("K01", "王五[VIP]"), ("K02", "Acme [bold]Ltd"), ("C[/]01", "退货[/"), ("K04", "张三[/red]"),
       ("K05", "[link=x]点我"), ("K06", "[@click=app.quit]点我[/]"), ("K07", "Smith [old account]")]


@pytest.fixture
def shop(db, actors):
    """A handful of customers created through the service (keys computed by it)."""
    made = {}
    people = C01 + [
        ("B001", "北京华夏商贸有限公司"), ("B002", "单志思"), ("B003", "重庆银行"),
        ("P001", "百分百%商行"), ("P002", "百分之五十"), ("U_1", "测试_客户"), ("UA1", "普通客户"),
    ]
    for code, name in people:
        made[code] = customers.create_customer(actors.clerk, CustomerInput(code=code, name=name)).id
    customers.create_customer(actors.clerk, CustomerInput(code="T001", name="电话客户", phone="138-0013-8000"))
    customers.create_customer(actors.clerk, CustomerInput(code="T002", name="座机客户", phone="(010) 6552 1234"))
    return made


def _codes(actor, query, limit=100):
    return [r.code for r in customers.search_customers(actor, query, limit=limit).rows]


def test_pinyin_initials_and_full_pinyin(db, actors, shop):
    for query in ["bjhx", "BJHX", "beijing", "huaxia", "ＢＪＨＸ", "ｂｅｉｊｉｎｇ", "bj hx"]:
        assert _codes(actors.viewer, query) == ["B001"], query


def test_polyphonic_surname_found_by_every_reading(db, actors, shop):
    for query in ["szs", "dzs", "shanzhisi", "danzhisi"]:
        assert _codes(actors.viewer, query) == ["B002"], query


def test_phrase_reading(db, actors, shop):
    assert _codes(actors.viewer, "cqyh") == ["B003"]
    assert _codes(actors.viewer, "chongqing") == ["B003"]


def test_chinese_name_substring(db, actors, shop):
    cases = [("华夏", ["B001"]), ("百分", ["P001", "P002"]), ("点我", ["K05", "K06"]),
             ("客户", ["T001", "T002", "U_1", "UA1"])]
    for query, expected in cases:
        assert set(_codes(actors.viewer, query)) == set(expected), query


def test_percent_and_underscore_are_literal(db, actors, shop):
    assert _codes(actors.viewer, "%") == ["P001"]
    assert _codes(actors.viewer, "百分百%") == ["P001"]
    assert _codes(actors.viewer, "％") == ["P001"]  # full-width, NFKC
    assert _codes(actors.viewer, "U_") == ["U_1"]
    assert _codes(actors.viewer, "_") == ["U_1"]
    assert _codes(actors.viewer, "\\") == []


def test_markup_like_text_is_found_literally(db, actors, shop):
    cases = [("[/]", ["C[/]01", "K06"]), ("C[/]01", ["C[/]01"]), ("[VIP]", ["K01"]), ("[bold]", ["K02"]),
             ("[@click", ["K06"]), ("[/red]", ["K04"]), ("C[/]", ["C[/]01"]), ("退货[/", ["C[/]01"]),
             ("[old account]", ["K07"])]
    for query, expected in cases:
        assert _codes(actors.viewer, query) == expected, query


def test_c01_strings_come_back_character_for_character(db, actors, shop):
    for code, name in C01:
        (row,) = customers.search_customers(actors.viewer, code).rows
        assert (row.code, row.name) == (code, name)


def test_phone_substring(db, actors, shop):
    cases = [("0013", ["T001"]), ("138-0013", ["T001"]), ("13800138000", ["T001"]), ("138 0013 8000", ["T001"]),
             ("6552", ["T002"]), ("65521234", ["T002"]), ("(010)", ["T002"]), ("010-6552", ["T002"])]
    for query, expected in cases:
        assert _codes(actors.viewer, query) == expected, query


def test_code_prefix_and_full_width_code(db, actors, shop):
    assert _codes(actors.viewer, "K0") == ["K01", "K02", "K04", "K05", "K06", "K07"]
    assert _codes(actors.viewer, "ｋ０１") == ["K01"]
    assert _codes(actors.viewer, "  K01  ") == ["K01"]


def test_renaming_updates_the_pinyin_keys(db, actors, shop):
    cid = shop["B002"]
    v = customers.get_customer(actors.clerk, cid).version
    customers.update_customer(actors.clerk, cid, v, CustomerInput(code="B002", name="曾小贤"))
    assert _codes(actors.viewer, "szs") == []
    assert _codes(actors.viewer, "zxx") == ["B002"]


def test_matches_that_begin_with_the_query_come_first_and_paging_covers_all(db, actors):
    """``bjh``: 北极火 (bjh...) before 微播江湖 (wbjh), whatever their codes;
    every match still arrives exactly once across pages."""
    from jxc_tui.services.customers import CustomerInput, create_customer

    for code, name in [("A01", "微播江湖"), ("A02", "北极火锅"), ("A03", "汇保车汇"), ("A04", "白金汉宫"),
                       ("A05", "百酒汇"), ("A06", "北京华夏"), ("A07", "无关客户"), ("BJH9", "别的")]:
        create_customer(actors.clerk, CustomerInput(code=code, name=name))
    first = customers.search_customers(actors.clerk, "bjh", limit=3)
    assert [c.name for c in first.rows] == ["北极火锅", "白金汉宫", "百酒汇"]
    assert first.has_more
    seen = [c.code for c in first.rows]
    page = first
    while page.has_more:
        page = customers.search_customers(actors.clerk, "bjh", limit=3, after=page.cursor)
        seen += [c.code for c in page.rows]
    # begins with bjh (code order), then contains it: 微播江湖 wbjh, 汇保车汇 hbjh (车 read ju)
    assert seen == ["A02", "A04", "A05", "A06", "BJH9", "A01", "A03"]
