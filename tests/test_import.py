"""Customer CSV import (services/io.py): all or nothing, line numbers as an
editor shows them, codes kept as text, amounts through the one parser."""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal

import pytest

from jxc_tui.errors import ImportRefused, PermissionDenied
from jxc_tui.models import OPENING, AuditEvent, Customer, LedgerEntry
from jxc_tui.services import audit, customers, history, io
from jxc_tui.services.customers import CustomerInput

HEADER = "客户编码,客户名称,联系人,电话,地址,期初欠款"
ROWS = [
    '00123,北京华夏商贸,张三,13800138000,北京市朝阳区建国路1号,"2,300.50"',
    "123,上海单氏五金,李四,021-62345678,上海市,",
    "C-9,重庆曾记,王五,,,-150",
    "0,广州银行路店,,,,0",
]
EXPECTED = [  # code, name, contact, phone, address, balance_fen
    ("0", "广州银行路店", "", "", "", 0),
    ("00123", "北京华夏商贸", "张三", "13800138000", "北京市朝阳区建国路1号", 230050),
    ("123", "上海单氏五金", "李四", "021-62345678", "上海市", 0),
    ("C-9", "重庆曾记", "王五", "", "", -15000),
]


def write_csv(path, lines, *, encoding="utf-8-sig", newline="\r\n"):
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def dump_customers():
    return sorted((c.code, c.name, c.contact, c.phone, c.address, c.balance_fen) for c in Customer.select())


def counts():
    return Customer.select().count(), LedgerEntry.select().count(), AuditEvent.select().count()


# --- encodings and shapes -------------------------------------------------------------

@pytest.mark.parametrize("encoding,newline", [("gbk", "\r\n"), ("utf-8-sig", "\r\n"), ("utf-8", "\n"),
                                              ("gb18030", "\n")])
def test_encodings_import_identically(db, actors, tmp_path, encoding, newline):
    path = write_csv(tmp_path / "客户.csv", [HEADER, *ROWS], encoding=encoding, newline=newline)
    report = io.import_customers(actors.finance, path)
    assert report.count == 4
    assert report.opening_count == 2
    assert report.total_opening == Decimal("2150.50")
    assert dump_customers() == EXPECTED
    assert audit.verify().ok


def test_gbk_and_utf8_bom_files_parse_to_the_same_rows(tmp_path):
    gbk = io.read_customer_file(write_csv(tmp_path / "a.csv", [HEADER, *ROWS], encoding="gbk"))
    bom = io.read_customer_file(write_csv(tmp_path / "b.csv", [HEADER, *ROWS], encoding="utf-8-sig"))
    assert (gbk.encoding, bom.encoding) == ("gb18030", "utf-8-sig")
    assert gbk.rows == bom.rows
    assert gbk.columns == bom.columns
    assert [r.line for r in gbk.rows] == [2, 3, 4, 5]


def test_english_headers_any_case_and_spacing(db, actors, tmp_path):
    path = write_csv(tmp_path / "en.csv", [" Code ,NAME,Contact, phone ,Address,Opening Debt,notes",
                                           "A1,Acme Trading,Ann,+86 138 0000 0000,Somewhere,¥1000,x"])
    report = io.import_customers(actors.admin, path)
    assert report.ignored_columns == ("notes",)
    c = Customer.get(Customer.code == "A1")
    assert (c.name, c.phone, c.balance_fen) == ("Acme Trading", "+86 138 0000 0000", 100000)


def test_missing_required_column_is_a_clear_error(db, actors, tmp_path, english):
    path = write_csv(tmp_path / "x.csv", ["编码,联系人", "1,张三"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert exc.value.key == "import.missing_columns"
    assert "Name" in str(exc.value)
    assert counts()[0] == 0


def test_header_only_file_is_empty(db, actors, tmp_path):
    path = write_csv(tmp_path / "x.csv", [HEADER, "", ",,,,,"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert exc.value.key == "import.empty"


def test_unreadable_and_undecodable_files(db, actors, tmp_path):
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, tmp_path / "missing.csv")
    assert exc.value.key == "file.not_found"  # says it does not exist, not just "cannot read"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(HEADER.encode("utf-16"))
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, bad)
    assert exc.value.key == "import.bad_encoding"


# --- all or nothing, and the line numbers -----------------------------------------------

def test_one_bad_row_imports_nothing_and_names_the_line(db, actors, tmp_path):
    before = counts()
    # line 1 header, line 2 blank, lines 3-4 good, line 5 bad (three decimals), line 6 good
    path = write_csv(tmp_path / "bad.csv", [HEADER, "", ROWS[0], ROWS[1], "X1,坏行,,,,12.345", ROWS[2]])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert [e.line for e in exc.value.errors] == [5]
    assert "第 5 行" in str(exc.value)
    assert "期初欠款" in exc.value.errors[0].message
    assert counts() == before


def test_line_numbers_follow_quoted_line_breaks(db, actors, tmp_path):
    # A quoted cell spanning two lines: the next record starts on line 4 in an editor.
    path = write_csv(tmp_path / "ml.csv", [HEADER, 'A1,"两行\n名称",,,,', "A2,好,,,,1e5"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert [e.line for e in exc.value.errors] == [2, 4]


@pytest.mark.parametrize(("lines", "line"), [
    (["code,name", 'Q1,"unterminated'], 2),
    (["code,name", "Q0,好", 'Q1,"unterminated', "Q2,乙", "Q3,丙"], 3),  # swallows the rest of the file
    ([HEADER, 'A1,"两行\n名称",,,,', 'A2,"没有闭合,,,,'], 4),  # counted in editor lines
])
def test_an_unterminated_quote_refuses_the_file_naming_its_line(db, actors, tmp_path, lines, line):
    path = write_csv(tmp_path / "quote.csv", lines)
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert exc.value.key == "import.unclosed_quote" and exc.value.params["line"] == line
    assert f"第 {line} 行" in str(exc.value) and "引号" in str(exc.value)
    assert counts()[0] == 0


def test_text_after_a_closing_quote_refuses_the_file(db, actors, tmp_path, english):
    path = write_csv(tmp_path / "quote.csv", ["code,name", "Q0,ok", 'Q1,"甲"乙'])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert exc.value.key == "import.text_after_quote" and exc.value.params["line"] == 3
    assert str(exc.value).startswith("Line 3: text follows a closing quote")
    assert counts()[0] == 0


def test_every_problem_is_listed(db, actors, tmp_path):
    path = write_csv(tmp_path / "many.csv", [HEADER, ",无编码,,,,", "B1,,,,,", "B2,好,,abc,,", "B3,好,,,,NaN",
                                             "B4,好,,,,2,300.50"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert [e.line for e in exc.value.errors] == [2, 3, 4, 5, 6]
    assert "编码" in exc.value.errors[0].message
    assert "名称" in exc.value.errors[1].message
    assert "引号" in exc.value.errors[4].message  # unquoted thousands separator split the cell
    assert counts()[0] == 0


def test_opening_amounts_with_lookalike_digits_are_refused(db, actors, tmp_path):
    # NFKC would read these as 11500, 1.5, 1500 and 123; full-width digits stay accepted.
    path = write_csv(tmp_path / "looks.csv", [HEADER, "L1,甲,,,,①1500", "L2,乙,,,,⒈5", "L3,丙,,,,¹⁵⁰⁰",
                                              "L4,丁,,,,𝟏𝟐𝟑", "L5,戊,,,,１５００"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    assert [e.line for e in exc.value.errors] == [2, 3, 4, 5]
    assert all("期初欠款" in e.message and "不是有效的金额" in e.message for e in exc.value.errors)
    assert counts()[0] == 0


def test_duplicate_code_within_file(db, actors, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [HEADER, ROWS[0], ROWS[1], "00123,又一个,,,,"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    (err,) = exc.value.errors
    assert err.line == 4
    assert "00123" in err.message and "2" in err.message  # first seen on line 2
    assert counts()[0] == 0


def test_code_already_in_database(db, actors, tmp_path):
    customers.create_customer(actors.clerk, CustomerInput(code="123", name="已有"))
    before = counts()
    path = write_csv(tmp_path / "exists.csv", [HEADER, *ROWS])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    (err,) = exc.value.errors
    assert err.line == 3 and "123" in err.message
    assert counts() == before
    # a dry run says the same
    with pytest.raises(ImportRefused):
        io.import_customers(actors.finance, path, dry_run=True)


def test_leading_zero_codes_stay_text(db, actors, tmp_path):
    path = write_csv(tmp_path / "z.csv", [HEADER, "00123,甲,,,,", "123,乙,,,,", "0012,丙,,,,", "１２,丁,,,,"])
    io.import_customers(actors.finance, path)
    assert sorted(c.code for c in Customer.select()) == ["0012", "00123", "12", "123"]
    assert Customer.get(Customer.code == "00123").name == "甲"
    assert Customer.get(Customer.code == "123").name == "乙"


def test_control_characters_in_a_name_are_refused(db, actors, tmp_path):
    path = write_csv(tmp_path / "ctl.csv", [HEADER, "A1,好名字,,,,", "A2,坏\x1b[31m名字,,,,"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, path)
    (err,) = exc.value.errors
    assert err.line == 3 and "名称" in err.message and "控制字符" in err.message
    assert counts()[0] == 0


# --- what a good import writes ------------------------------------------------------------

def test_dry_run_writes_nothing(db, actors, tmp_path):
    before = counts()
    path = write_csv(tmp_path / "dry.csv", [HEADER, *ROWS])
    report = io.import_customers(actors.finance, path, dry_run=True)
    assert report.dry_run and report.event_id is None
    assert (report.count, report.opening_count, report.total_opening) == (4, 2, Decimal("2150.50"))
    assert counts() == before


def test_opening_debt_is_an_opening_entry_with_the_file_as_source(db, actors, tmp_path):
    path = write_csv(tmp_path / "open.csv", [HEADER, *ROWS])
    io.import_customers(actors.finance, path)
    c = Customer.get(Customer.code == "00123")
    (entry,) = LedgerEntry.select().where(LedgerEntry.customer == c.id)
    assert (entry.kind, entry.amount_fen, entry.balance_before_fen, entry.balance_after_fen) == (
        OPENING, 230050, 0, 230050)
    assert entry.source == "import:open.csv"
    assert entry.actor_name == "finance"
    rows = history.customer_history(actors.finance, c.id)
    assert len(rows) == 1
    (row,) = rows
    assert (row.what, row.old, row.new, row.source) == ("opening", "", "2,300.50", "import:open.csv")
    # a customer without an opening debt has no entry and shows as created
    plain = Customer.get(Customer.code == "123")
    assert not LedgerEntry.select().where(LedgerEntry.customer == plain.id).exists()
    (row,) = history.customer_history(actors.finance, plain.id)
    assert (row.what, row.new) == ("created", "上海单氏五金")


def test_audit_events_and_chain(db, actors, tmp_path):
    path = write_csv(tmp_path / "audit.csv", [HEADER, *ROWS])
    report = io.import_customers(actors.finance, path)
    summary = AuditEvent.get_by_id(report.event_id)
    assert summary.action == "import.customers" and summary.actor_name == "finance"
    after = json.loads(summary.after)
    assert after["file"] == "audit.csv"
    assert after["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert after["count"] == 4 and after["total_opening"] == "2,150.50"
    creates = list(AuditEvent.select().where(AuditEvent.action == "customer.create").order_by(AuditEvent.id))
    assert len(creates) == 4
    by_code = {Customer.get_by_id(e.customer_id).code: json.loads(e.after) for e in creates}
    assert by_code["00123"]["opening"] == "2,300.50"
    assert by_code["00123"]["name"] == "北京华夏商贸"
    assert "opening" not in by_code["123"]
    entry = LedgerEntry.get(LedgerEntry.customer == Customer.get(Customer.code == "00123").id)
    assert by_code["00123"]["ledger_entry"] == entry.id
    assert audit.verify().ok


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_without_data_import_permission_nothing_is_written(db, actors, tmp_path, role):
    before = counts()
    path = write_csv(tmp_path / "p.csv", [HEADER, *ROWS])
    for dry_run in (False, True):
        with pytest.raises(PermissionDenied):
            io.import_customers(actors[role], path, dry_run=dry_run)
    assert counts() == before


def test_thousands_of_rows(db, actors, tmp_path):
    n = 3000
    lines = [HEADER] + [f"K{i:05d},测试客户{i},联系人,1380000{i:04d},地址{i},\"{i:,}.{i % 100:02d}\""
                        for i in range(n)]
    path = write_csv(tmp_path / "big.csv", lines)
    started = time.perf_counter()
    report = io.import_customers(actors.finance, path)
    elapsed = time.perf_counter() - started
    assert report.count == n
    expected_total = sum(i * 100 + i % 100 for i in range(n))
    assert report.total_opening * 100 == expected_total
    assert Customer.select().count() == n
    assert LedgerEntry.select().count() == n - 1  # row 0 has 0.00
    assert audit.verify().ok
    assert elapsed < 30, elapsed  # ~1-2 s here; a per-row ORM loop would be several times slower


def test_messages_for_the_cli(db, actors, tmp_path, english):
    path = write_csv(tmp_path / "ok.csv", [HEADER, *ROWS])
    assert io.import_customers(actors.finance, path, dry_run=True).summary() == (
        "Dry run: ok.csv would import 4 customers (2 with an opening debt, 2,150.50 in all); nothing was written")
    assert io.import_customers(actors.finance, path).summary() == (
        "Imported 4 customers from ok.csv (2 with an opening debt, 2,150.50 in all)")
    bad = write_csv(tmp_path / "bad.csv", [HEADER, "Z1,,,,,", "Z2,ok,,,,1.234"])
    with pytest.raises(ImportRefused) as exc:
        io.import_customers(actors.finance, bad)
    lines = exc.value.lines()
    assert lines[0].startswith("line 2: ") and "Name" in lines[0]
    assert lines[1].startswith("line 3: ") and "Opening debt" in lines[1]
    assert str(exc.value).startswith("Import refused: 2 line(s)")
