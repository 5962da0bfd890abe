"""Tables in files: CSV and XLSX read into rows of text, and written back.

Reading hands every cell over as the text the file holds, never as a number:
codes stay text (``00123`` is not ``123``) and amounts go to
:func:`money.parse_amount` like anything a person types.

- CSV: UTF-8 with or without a BOM, else GB18030 (a superset of GBK and
  GB2312, what Excel on a Chinese Windows writes); strict quoting, so a quote
  left open is named instead of swallowing the rest of the file.
- XLSX: the first sheet, read from its XML with ``zipfile`` and ElementTree.
  openpyxl's reader turns a numeric cell into a binary float before anyone
  can see its digits; the XML holds the digits themselves ("2300.5"), so the
  reading is done here.  A code typed as a number in a column formatted
  ``00000`` is given back its leading zeros, as Excel shows it.

Writing (exports): CSV in UTF-8 *with* a BOM and CRLF line ends, so Excel on
a Chinese Windows opens it with the Chinese intact; XLSX through openpyxl's
write-only workbook.  Text is never turned into a formula: in XLSX it is
stored as a string cell, in CSV a cell starting with ``= + - @`` gets a
leading apostrophe (the usual guard against formula injection).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from ..errors import ImportRefused
from ..i18n import t
from ..text import safe_file_name

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_XLSX_XML_BYTES = 256 * 1024 * 1024  # what the sheet unpacks to: a guard against zip bombs
MAX_COLUMNS = 256  # a row with a cell at column XFD would otherwise become 16,384 cells


@dataclass(frozen=True)
class Record:
    """One row of a file: the line a text editor shows (CSV; header = 1) or the
    spreadsheet row number (XLSX), and the cells as text."""

    line: int
    cells: tuple[str, ...]


@dataclass
class Table:
    path: Path
    file_name: str
    sha256: str
    format: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    header: tuple[str, ...] = ()
    records: list[Record] = field(default_factory=list)  # the rows below the header


def read_table(path: str | os.PathLike[str]) -> Table:
    """Read a CSV or XLSX file: the first non-blank row is the header.

    Raises :class:`ImportRefused` when the file cannot be read, is not a
    supported format or encoding, is malformed, or has no data rows."""
    p = Path(path)
    try:
        if not p.exists():
            raise ImportRefused("file.not_found", path=str(p))
        if not p.is_file():  # a folder, a device (/dev/zero never ends), a pipe (never answers)
            raise ImportRefused("import.not_regular", path=str(p))
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ImportRefused("import.too_large", path=p.name, max=MAX_FILE_BYTES // (1024 * 1024))
        data = p.read_bytes()
    except ImportRefused:
        raise
    except (OSError, ValueError):
        raise ImportRefused("import.not_a_file", path=str(p)) from None
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls
        raise ImportRefused("import.old_xls", path=p.name)
    if data.startswith(b"PK\x03\x04"):
        rows, fmt = _xlsx_rows(data, p.name), "xlsx"
    elif is_xlsx(p):
        raise ImportRefused("import.bad_xlsx", path=p.name)  # named .xlsx, but not a workbook
    else:
        text, fmt = _decode(data)
        rows = _csv_rows(text)
    table = Table(p, safe_file_name(p.name), digest, fmt)  # stored with the batch and shown: no controls
    for record in rows:
        if not any(cell.strip() for cell in record.cells):
            continue  # blank line, or a row of empty cells as spreadsheets write them
        if not table.header:
            table.header = record.cells
        else:
            table.records.append(record)
    if not table.records:
        raise ImportRefused("import.empty")
    return table


# --- CSV ---------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: not supported, say so
        raise ImportRefused("import.bad_encoding")
    text: str | None = None
    encoding = ""
    try:
        text = data.decode("utf-8-sig")  # strict
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as error:
        before = data[:error.start]
        if before.startswith(b"\xef\xbb\xbf") or any(b >= 0x80 for b in before):
            # valid UTF-8 Chinese up to here, then a byte that is not: a damaged
            # UTF-8 file, not a GBK one (read as GBK it would be silent mojibake)
            raise ImportRefused("import.bad_utf8", line=before.count(b"\n") + 1) from None
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise ImportRefused("import.bad_encoding") from None
    if "\x00" in text:
        raise ImportRefused("import.bad_encoding")
    return text, encoding


def _csv_rows(text: str) -> list[Record]:
    # strict: a quote left open would otherwise swallow the rest of the file into one cell, silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Record] = []
    consumed = 0  # physical lines read so far
    try:
        for cells in reader:
            start = consumed + 1
            consumed = reader.line_num
            rows.append(Record(start, tuple(cells)))
    except csv.Error as exc:
        raise _csv_refusal(exc, consumed + 1) from None
    return rows


def _csv_refusal(exc: csv.Error, line: int) -> ImportRefused:
    """The csv module's complaint about the record starting on ``line``, in the user's words."""
    detail = str(exc)
    if "unexpected end of data" in detail:  # a quote opened and never closed
        return ImportRefused("import.unclosed_quote", line=line)
    if "expected after" in detail:  # "甲"乙: text after a closing quote
        return ImportRefused("import.text_after_quote", line=line)
    return ImportRefused("import.bad_csv", line=line, detail=detail)


# --- XLSX ----------------------------------------------------------------------------

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _local(tag: str) -> str:
    """``{namespace}name`` -> ``name`` (transitional and strict OOXML use different namespaces)."""
    return tag.rsplit("}", 1)[-1]


def _xlsx_rows(data: bytes, name: str) -> list[Record]:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in book.infolist()) > MAX_XLSX_XML_BYTES:
            raise ImportRefused("import.too_large", path=name, max=MAX_XLSX_XML_BYTES // (1024 * 1024))
        sheet, strings, styles = _xlsx_parts(book)
        return list(_sheet_rows(book, sheet, _shared_strings(book, strings), _number_styles(book, styles)))
    except ImportRefused:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, OSError, EOFError):
        raise ImportRefused("import.bad_xlsx", path=name) from None


def _rels(book: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target as a path in the package)."""
    if path in ("", "/"):  # the package itself
        folder, rels_path = PurePosixPath(""), "_rels/.rels"
    else:
        folder = PurePosixPath(path).parent
        rels_path = _normpath(folder / "_rels" / (PurePosixPath(path).name + ".rels"))
    if rels_path not in book.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(book.read(rels_path)):
        target = rel.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else _normpath(folder / target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return out


def _normpath(p: PurePosixPath) -> str:
    parts: list[str] = []
    for part in p.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def _xlsx_parts(book: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    """Paths of the first sheet, the shared strings and the styles."""
    workbook = next((target for kind, target in _rels(book, "/").values() if kind.endswith("/officeDocument")),
                    "xl/workbook.xml")
    rels = _rels(book, workbook)
    root = ElementTree.fromstring(book.read(workbook))
    sheets = [el for el in root.iter() if _local(el.tag) == "sheet"]
    if not sheets:
        raise ImportRefused("import.empty")
    rel_id = next((v for k, v in sheets[0].attrib.items() if _local(k) == "id"), "")
    sheet = rels[rel_id][1]
    strings = next((target for kind, target in rels.values() if kind.endswith("/sharedStrings")), None)
    styles = next((target for kind, target in rels.values() if kind.endswith("/styles")), None)
    return sheet, strings, styles


def _text_of(item: ElementTree.Element) -> str:
    """The text of a shared or inline string: its runs, without phonetic guides (<rPh>)."""
    out: list[str] = []

    def walk(el: ElementTree.Element) -> None:
        name = _local(el.tag)
        if name == "rPh":
            return
        if name == "t" and el.text:
            out.append(el.text)
        for child in el:
            walk(child)

    walk(item)
    return "".join(out)


def _shared_strings(book: zipfile.ZipFile, path: str | None) -> list[str]:
    if not path or path not in book.namelist():
        return []
    strings: list[str] = []
    with book.open(path) as f:
        for _event, el in ElementTree.iterparse(f, events=("end",)):
            if _local(el.tag) == "si":
                strings.append(_text_of(el))
                el.clear()
    return strings


# Built-in number formats (ECMA-376 18.8.30, and the CJK ones Chinese Excel uses)
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_PERCENT_FORMAT_IDS = {9, 10}
_QUOTED_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escapes, [Red] / [$-804]

# What a number cell's style makes of it: ("pad", width) for all-zero formats
# (Excel shows 123 as 00123 under 00000), ("date", 0), ("percent", 0).
NumberStyle = tuple[str, int]


def _format_kind(code: str) -> NumberStyle | None:
    bare = _QUOTED_RE.sub("", code)
    if bare and set(bare) == {"0"}:
        return ("pad", len(bare))
    if "%" in bare:
        return ("percent", 0)
    if re.search(r"[yYmMdDhHsS年月日时分秒]", bare.split(";")[0]):
        return ("date", 0)
    return None


def _number_styles(book: zipfile.ZipFile, path: str | None) -> dict[int, NumberStyle]:
    """Style index -> what it does to a number, for the styles that change
    what a number cell means: zero padding, dates, percentages."""
    if not path or path not in book.namelist():
        return {}
    root = ElementTree.fromstring(book.read(path))
    kinds: dict[str, NumberStyle] = {str(i): ("date", 0) for i in _DATE_FORMAT_IDS}
    kinds.update({str(i): ("percent", 0) for i in _PERCENT_FORMAT_IDS})
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            kind = _format_kind(el.get("formatCode") or "")
            if kind:
                kinds[el.get("numFmtId", "")] = kind
            else:
                kinds.pop(el.get("numFmtId", ""), None)
    styles: dict[int, NumberStyle] = {}
    for section in root.iter():
        if _local(section.tag) == "cellXfs":
            for index, xf in enumerate(x for x in section if _local(x.tag) == "xf"):
                kind = kinds.get(xf.get("numFmtId", ""))
                if kind:
                    styles[index] = kind
    return styles


def _as_shown(value: str, style: NumberStyle | None) -> str:
    """A number cell as Excel shows it, where that differs in meaning: a
    date is not an amount (45296 is 2024-01-05), nor is 0.1 under 0% (10%)."""
    if style is None:
        return value
    kind, width = style
    try:
        number = Decimal(value)
    except ArithmeticError:
        return value
    if kind == "pad" and value.isdigit():
        return value.zfill(width)
    if kind == "date" and number.is_finite() and 0 <= number < 3_000_000:
        return (date(1899, 12, 30) + timedelta(days=int(number))).isoformat()
    if kind == "percent" and number.is_finite():
        return f"{(number * 100).normalize():f}%"
    return value


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _sheet_rows(book: zipfile.ZipFile, path: str, strings: list[str],
                styles: dict[int, NumberStyle]) -> Iterator[Record]:
    with book.open(path) as f:
        row_number = 0
        for _event, el in ElementTree.iterparse(f, events=("end",)):
            if _local(el.tag) != "row":
                continue
            row_number = int(el.get("r") or row_number + 1)
            cells: dict[int, str] = {}
            position = 0
            for c in el:
                if _local(c.tag) != "c":
                    continue
                ref = _CELL_REF.fullmatch(c.get("r", ""))
                position = _column_index(ref.group(1)) if ref else position
                text = _cell_text(c, strings, styles)
                if text:  # an empty cell (only a style, as Excel writes far to the right) holds nothing
                    if position >= MAX_COLUMNS:
                        raise ImportRefused("import.too_many_columns", max=MAX_COLUMNS, line=row_number)
                    cells[position] = text
                position += 1
            el.clear()
            width = max(cells) + 1 if cells else 0
            yield Record(row_number, tuple(cells.get(i, "") for i in range(width)))


def _cell_text(c: ElementTree.Element, strings: list[str], styles: dict[int, NumberStyle]) -> str:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        inline = next((x for x in c if _local(x.tag) == "is"), None)
        return _text_of(inline) if inline is not None else ""
    value = next((x.text or "" for x in c if _local(x.tag) == "v"), "")
    if kind == "s":
        return strings[int(value)] if value.strip().isdigit() and int(value) < len(strings) else ""
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    if kind == "n":
        style = c.get("s") or "0"
        return _as_shown(value, styles.get(int(style)) if style.isdigit() else None)
    return value  # numbers as the digits the file holds, formula results, error codes (#N/A)


# --- headers ---------------------------------------------------------------------------

def header_key(text: str) -> str:
    """A header cell compared loosely: NFKC, lower case, no spaces, ``_`` or ``-``."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text or "")).lower()


def map_header(header: Sequence[str], aliases: dict[str, tuple[str, ...]],
               required: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds which field: ``({field: index}, [ignored header cells])``.
    Two columns for one field, or a required field missing, is refused."""
    index = {header_key(alias): name for name, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        name = index.get(header_key(cell))
        if name is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if name in columns:
            raise ImportRefused("import.duplicate_column", first=header[columns[name]].strip(), second=cell.strip())
        columns[name] = i
    missing = [f for f in required if f not in columns]
    if missing:
        raise ImportRefused("import.missing_columns",
                            columns=", ".join(f"{t('field.' + f)} ({f})" for f in missing))
    return columns, ignored


# --- writing -----------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_xlsx(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() == ".xlsx"


def write_table(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                progress: Callable[[int], None] | None = None) -> int:
    """Write ``header`` and ``rows`` to ``path`` -- XLSX when it ends in
    ``.xlsx``, else CSV (UTF-8 with a BOM).  Cells are ``str``, ``int`` or
    ``Decimal`` (written as a number) or None.  Returns the number of rows."""
    if is_xlsx(path):
        return _write_xlsx(Path(path), header, rows, progress)
    return _write_csv(Path(path), header, rows, progress)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]],
               progress: Callable[[int], None] | None) -> int:
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            n += 1
            if progress and n % 1000 == 0:
                progress(n)
    return n


def _write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]],
                progress: Callable[[int], None] | None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()

    def cell(value: Any) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, Decimal):
            c.number_format = "#,##0.00"
            # openpyxl writes numbers with "%.16g" of a float: 9435.14 became
            # 9435.139999999999.  The digits themselves, as text, keep the cell
            # numeric (t="n") and exact.
            c._value = str(value)
        return c

    sheet.append([cell(h) for h in header])
    n = 0
    for row in rows:
        sheet.append([None if v is None else cell(v) for v in row])
        n += 1
        if progress and n % 1000 == 0:
            progress(n)
    book.save(path)
    return n


__all__ = ["Record", "Table", "read_table", "map_header", "header_key", "write_table", "is_xlsx",
           "MAX_FILE_BYTES"]
