"""Reading and writing tables (services/tabular.py): CSV in the encodings
Chinese Excel writes, XLSX read from its XML so numbers are never floats,
exports that Excel opens with the Chinese intact and no formula injected."""

from __future__ import annotations

import os
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest

from jxc_tui.errors import ImportRefused
from jxc_tui.services import tabular

FIXTURES = Path(__file__).parent / "fixtures"


def _xlsx(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    book.save(path)
    return path


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _hand_xlsx(path: Path, sheet_data: str, shared_strings: str | None = None) -> Path:
    """A workbook written by hand, XML part by XML part: what openpyxl would never write."""
    rels = f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_strings is not None:
        rels += f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", f'<Relationships xmlns="{package}">'
                   f'<Relationship Id="r1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
                   '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}">{rels}</Relationships>')
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">{shared_strings}</sst>')
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_data}</sheetData></worksheet>')
    return path


def test_csv_utf8_bom_and_gbk_read_the_same(tmp_path):
    bom = tabular.read_table(FIXTURES / "set-debts-utf8-bom.csv")
    gbk = tabular.read_table(FIXTURES / "set-debts-gbk.csv")
    assert bom.format == "utf-8-sig" and gbk.format == "gb18030"
    assert bom.header == gbk.header == ("客户编码", "新欠款", "原因")
    assert [r.cells[:2] for r in bom.records] == [r.cells[:2] for r in gbk.records] == [
        ("C001", "1500.00"), ("C002", "2,300.50")]
    assert [r.line for r in bom.records] == [2, 3]


def test_xlsx_cells_come_as_the_text_the_file_holds(tmp_path):
    path = _xlsx(tmp_path / "d.xlsx", [["客户编码", "新欠款", "原因"], [123, 2300.5, "对账调整"],
                                       ["00124", "1,500.00", "补录"], [None, None, None], ["C9", 7, "x"]],
                 formats={"A2": "00000"})
    table = tabular.read_table(path)
    assert table.format == "xlsx" and table.header == ("客户编码", "新欠款", "原因")
    assert [(r.line, r.cells) for r in table.records] == [
        (2, ("00123", "2300.5", "对账调整")), (3, ("00124", "1,500.00", "补录")), (5, ("C9", "7", "x"))]


def test_xlsx_shared_strings_skip_phonetic_guides_and_sparse_cells_keep_their_column(tmp_path):
    path = _hand_xlsx(tmp_path / "hand.xlsx",
                      '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                      '<row r="4"><c r="C4" t="s"><v>1</v></c><c r="D4" t="inlineStr"><is><t>行内</t></is></c>'
                      '<c r="E4" t="b"><v>1</v></c><c r="F4"><f>1+1</f><v>2</v></c></row>',
                      shared_strings='<si><t>编码</t></si>'
                      '<si><r><t>单氏</t></r><r><t>五金</t></r><rPh sb="0" eb="1"><t>シャン</t></rPh></si>')
    table = tabular.read_table(path)
    assert table.header == ("编码",)
    assert [(r.line, r.cells) for r in table.records] == [(4, ("", "", "单氏五金", "行内", "TRUE", "2"))]


@pytest.mark.parametrize("name, data, key", [
    ("bad.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "import.old_xls"),
    ("bad.xlsx", b"PK\x03\x04not really a zip", "import.bad_xlsx"),
    ("fake.xlsx", "客户编码,变动\nC001,1.00\n".encode(), "import.bad_xlsx"),  # named .xlsx, holds a CSV
    ("bad.csv", b"\xff\xfea\x00b\x00", "import.bad_encoding"),
    ("bad.csv", b"\xe5\xae\xa2\x00\x01", "import.bad_encoding"),
    ("bad.csv", b"code\n\n", "import.empty"),
    # UTF-8 Chinese, then one stray Latin-1 byte: not silently read as GBK mojibake
    ("stray.csv", "code,change,reason\nC030,1.00,对账调整 ".encode() + b"\xe9A\n", "import.bad_utf8"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, data, key):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportRefused) as info:
        tabular.read_table(path)
    assert info.value.key == key


@pytest.mark.parametrize("path, key", [
    ("/dev/zero", "import.not_regular"),  # would be read for ever
    (".", "import.not_regular"),
    ("no-such-file.csv", "file.not_found"),
])
def test_a_path_that_is_not_a_file_is_refused_before_reading(tmp_path, monkeypatch, path, key):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImportRefused) as info:
        tabular.read_table(path)
    assert info.value.key == key


def test_a_fifo_is_refused_instead_of_waiting_for_ever(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ImportRefused) as info:
        tabular.read_table(fifo)
    assert info.value.key == "import.not_regular"


def test_xlsx_dates_and_percentages_are_what_excel_shows_not_amounts(tmp_path):
    """A date cell holds a serial number (45296) and 10% holds 0.1: read as
    amounts they would post silently.  They come as Excel shows them, which
    no amount parser accepts."""
    import datetime

    path = _xlsx(tmp_path / "d.xlsx", [["客户编码", "变动", "原因"], ["C001", datetime.date(2024, 1, 5), "x"],
                                       ["C002", 0.1, "y"], ["C003", 0.125, "z"], ["C004", 12.5, "w"]],
                 formats={"B3": "0%", "B4": "0.0%", "B5": "#,##0.00"})
    cells = [r.cells[1] for r in tabular.read_table(path).records]
    assert cells == ["2024-01-05", "10%", "12.5%", "12.5"]


def test_a_row_with_a_cell_at_column_xfd_is_refused_not_expanded(tmp_path):
    rows = "".join(f'<row r="{i}"><c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(1, 50))
    path = _hand_xlsx(tmp_path / "wide.xlsx", rows)
    with pytest.raises(ImportRefused) as info:
        tabular.read_table(path)
    assert info.value.key == "import.too_many_columns"


def test_xlsx_export_writes_the_exact_digits_and_reads_back(tmp_path):
    """openpyxl writes numbers as "%.16g" of a float: 9435.14 became 9435.139999999999."""
    path = tmp_path / "e.xlsx"
    tabular.write_table(path, ["code", "debt"], [["C1", D("9435.14")], ["C2", D("-8233.56")], ["C3", D("0.10")]])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>9435.14</v>" in xml and "<v>-8233.56</v>" in xml and "9999" not in xml
    assert [r.cells for r in tabular.read_table(path).records] == [("C1", "9435.14"), ("C2", "-8233.56"),
                                                                   ("C3", "0.10")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_XML_BYTES", 1000)
    path = _xlsx(tmp_path / "big.xlsx", [["code"], *[[f"C{i}"] for i in range(200)]])
    with pytest.raises(ImportRefused) as info:
        tabular.read_table(path)
    assert info.value.key == "import.too_large"


def test_csv_export_has_a_bom_crlf_and_guards_formulas(tmp_path):
    path = tmp_path / "out.csv"
    n = tabular.write_table(path, ["客户编码", "名称", "欠款"], [
        ["00123", "=HYPERLINK(\"http://x\")", D("-200.00")], ["C2", "北京华夏", D("1500.50")]])
    data = path.read_bytes()
    assert n == 2 and data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    back = tabular.read_table(path)
    assert back.records[0].cells == ("00123", "'=HYPERLINK(\"http://x\")", "-200.00")
    assert back.records[1].cells == ("C2", "北京华夏", "1500.50")


def test_xlsx_export_keeps_codes_and_formula_looking_text_as_text(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    tabular.write_table(path, ["code", "name", "debt"], [["00123", "=1+1", D("999999999999.99")]])
    sheet = load_workbook(path).active
    assert [c.data_type for c in sheet[2]] == ["s", "s", "n"]
    assert (sheet["A2"].value, sheet["B2"].value) == ("00123", "=1+1")
    # what the sheet's XML holds, read back without floats:
    assert tabular.read_table(path).records[0].cells == ("00123", "=1+1", "999999999999.99")
