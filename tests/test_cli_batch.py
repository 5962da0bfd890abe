"""``jxc import debts``, ``jxc batch ...`` and ``jxc export ...`` run as a
person would: preview, confirmation, refusals said with line numbers,
nothing written until confirmed.  Case C04 through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from jxc_tui.models import Batch, Customer, LedgerEntry
from jxc_tui.db import open_database, close_database

from .test_cli import ADMIN_PW, cli  # noqa: F401 - the fixture

FIXTURES = Path(__file__).parent / "fixtures"
FIN_PW = "finance-pass-1"


@pytest.fixture
def books(cli, tmp_path):
    """An admin, a finance user and customers C001, C002, 00123, C004 in the CLI's database."""
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    cli("user", "add", "fin", "--role", "finance", "--password-stdin", stdin=f"{FIN_PW}\n",
        user="admin", password=ADMIN_PW)
    cli("user", "passwd", "fin", "--password-stdin", stdin=f"{FIN_PW}x\n", user="fin", password=FIN_PW)
    path = tmp_path / "customers.csv"
    path.write_text("客户编码,客户名称,期初欠款\nC001,北京华夏,100.00\nC002,上海浦东,0\n00123,零头,1.00\n"
                    "C004,大客户,1000.00\n", encoding="utf-8")
    assert cli("import", "customers", str(path), user="admin", password=ADMIN_PW) == 0
    return cli


def _balances(cli) -> dict[str, int]:
    open_database(f"sqlite:///{cli.db_path}")
    try:
        return {c.code: c.balance_fen for c in Customer.select()}
    finally:
        close_database()


def _count(cli, model) -> int:
    open_database(f"sqlite:///{cli.db_path}")
    try:
        return model.select().count()
    finally:
        close_database()


def test_a_dry_run_previews_every_row_and_writes_nothing(books, capsys):
    before = _balances(books)
    assert books("import", "debts", str(FIXTURES / "set-debts-gbk.csv"), "--dry-run",
                 user="fin", password=FIN_PW + "x") == 0
    out = capsys.readouterr().out
    assert "2 位客户，2 笔立即入账" in out and "+3,700.50" in out
    assert "C001" in out and "1,500.00" in out and "立即入账" in out
    assert _balances(books) == before and _count(books, Batch) == 0


def test_without_a_terminal_a_batch_needs_yes(books, capsys):
    assert books("import", "debts", str(FIXTURES / "set-debts-gbk.csv"), user="fin", password=FIN_PW + "x") == 1
    assert "--yes" in capsys.readouterr().err
    assert _count(books, Batch) == 0


def test_c04_import_then_a_rerun_is_refused_naming_the_earlier_batch(books, capsys, tmp_path):
    file = FIXTURES / "set-debts-utf8-bom.csv"
    assert books("import", "debts", str(file), "--yes", user="fin", password=FIN_PW + "x") == 0
    assert "批次 #1 已执行：2 笔已入账" in capsys.readouterr().out
    assert _balances(books)["C002"] == 230050
    changes = tmp_path / "changes.csv"
    changes.write_text("客户编码,变动,原因\nC002,+100,补差\n", encoding="utf-8")
    assert books("import", "debts", str(changes), "--yes", user="fin", password=FIN_PW + "x") == 0
    capsys.readouterr()
    for again in (file, changes):
        assert books("import", "debts", str(again), "--yes", user="fin", password=FIN_PW + "x") == 1
        err = capsys.readouterr().err
        assert "fin" in err and "--again" in err
    assert _count(books, Batch) == 2 and _balances(books)["C002"] == 240050
    assert books("import", "debts", str(changes), "--yes", "--again", user="fin", password=FIN_PW + "x") == 0
    assert _count(books, Batch) == 3 and _balances(books)["C002"] == 250050


def test_c04_a_zero_stripped_code_refuses_the_file_with_its_line(books, capsys):
    assert books("import", "debts", str(FIXTURES / "set-debts-zero-stripped.csv"), "--yes",
                 user="fin", password=FIN_PW + "x") == 1
    err = capsys.readouterr().err
    assert "第 2 行" in err and "123" in err and "未写入任何内容" in err
    assert _balances(books)["00123"] == 100 and _count(books, LedgerEntry) == 3


def test_c09_an_import_above_the_limit_waits_and_finance_approves_the_batch(books, capsys, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("客户编码,新欠款,原因\nC004,20000.00,补录\n", encoding="utf-8")
    assert books("import", "debts", str(path), "--yes", user="admin", password=ADMIN_PW) == 0
    assert "1 笔提交审核" in capsys.readouterr().out
    assert _balances(books)["C004"] == 100000
    assert books("batch", "approve", "1", user="admin", password=ADMIN_PW) == 1
    assert "不能审核自己" in capsys.readouterr().err
    assert books("batch", "approve", "1", "--note", "核对无误", user="fin", password=FIN_PW + "x") == 0
    assert _balances(books)["C004"] == 2000000
    assert books("batch", "show", "1", user="fin", password=FIN_PW + "x") == 0
    assert "admin/fin" in capsys.readouterr().out


def test_undo_a_batch_from_the_command_line(books, capsys):
    books("import", "debts", str(FIXTURES / "set-debts-gbk.csv"), "--yes", user="fin", password=FIN_PW + "x")
    before_undo = _balances(books)
    assert before_undo["C001"] == 150000
    assert books("batch", "undo", "1", "--reason", "导错文件", "--yes", user="fin", password=FIN_PW + "x") == 0
    after = _balances(books)
    assert (after["C001"], after["C002"]) == (10000, 0)
    assert books("batch", "undo", "1", "--reason", "再撤", "--yes", user="fin", password=FIN_PW + "x") == 1
    assert "已于" in capsys.readouterr().err
    assert books("batch", "list", user="fin", password=FIN_PW + "x") == 0
    out = capsys.readouterr().out
    assert "#2" in out and "撤销批次 #1" in out
    assert books("audit", "verify", user="admin", password=ADMIN_PW) == 0


def test_exports_need_the_permission_and_are_audited(books, capsys, tmp_path):
    books("user", "add", "clerk1", "--role", "clerk", "--password-stdin", stdin="clerk-pass-1\n",
          user="admin", password=ADMIN_PW)
    books("user", "passwd", "clerk1", "--password-stdin", stdin="clerk-pass-2\n", user="clerk1",
          password="clerk-pass-1")
    capsys.readouterr()
    out = tmp_path / "c.csv"
    assert books("export", "customers", str(out), user="clerk1", password="clerk-pass-2") == 1
    assert "没有权限" in capsys.readouterr().err and not out.exists()
    assert books("export", "customers", str(out), "--query", "华夏", user="fin", password=FIN_PW + "x") == 0
    assert "已导出 1 行" in capsys.readouterr().out
    assert "北京华夏" in out.read_text(encoding="utf-8-sig")
    assert books("export", "customers", str(out), user="fin", password=FIN_PW + "x") == 1
    assert "已存在" in capsys.readouterr().err
    assert books("export", "customers", str(tmp_path / "c.txt"), user="fin", password=FIN_PW + "x") == 1
    assert "须以 .csv 或 .xlsx 结尾" in capsys.readouterr().err and not (tmp_path / "c.txt").exists()
    xlsx = tmp_path / "h.xlsx"
    assert books("export", "history", str(xlsx), "--customer", "C001", user="fin", password=FIN_PW + "x") == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx, read_only=True).active  # a real workbook, not a CSV named .xlsx
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)][:1] == ["C001"]
    assert books("export", "history", str(tmp_path / "n.csv"), "--customer", "NOPE",
                 user="fin", password=FIN_PW + "x") == 1
    open_database(f"sqlite:///{books.db_path}")
    try:
        from jxc_tui.models import AuditEvent

        actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("export."))]
        every = {e.action for e in AuditEvent.select(AuditEvent.action).distinct()}
    finally:
        close_database()
    assert actions == ["export.customers", "export.history"]
    # the change log names each of them in words, never as a raw key
    from jxc_tui.i18n import MESSAGES

    for lang in ("zh", "en"):
        assert not [a for a in every if f"action.{a}" not in MESSAGES[lang]], lang


def test_file_names_with_terminal_controls_or_bad_bytes_are_stored_and_shown_safely(books, tmp_path, capsys):
    """Found by an attack: a file named with ESC sequences put them in the
    batch, the ledger source and the audit log (then into every terminal that
    listed batches, and broke XLSX exports for good); a name that is not
    UTF-8 (a GBK name from a Windows zip) ended in "unexpected error"."""
    import os

    evil = tmp_path / "evil\x1b[31mRED\x1b[0m\x07.csv"
    evil.write_text("客户编码,变动,原因\nC001,1.00,对账\n", encoding="utf-8")
    assert books("import", "debts", str(evil), "--yes", user="fin", password=FIN_PW + "x") == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert books("batch", "list", user="fin", password=FIN_PW + "x") == 0
    listed = capsys.readouterr().out
    assert "\x1b" not in listed and "evil\ufffd[31mRED" in listed
    history = tmp_path / "h.xlsx"
    assert books("export", "history", str(history), user="fin", password=FIN_PW + "x") == 0
    capsys.readouterr()
    gbk = os.fsdecode(bytes(tmp_path) + b"/\xb6\xd4\xd5\xcb.csv")  # "对账" in GBK: not UTF-8
    Path(gbk).write_text("客户编码,变动,原因\nC001,1.00,再对账\n", encoding="utf-8")
    assert books("import", "debts", gbk, "--yes", user="fin", password=FIN_PW + "x") == 0
    assert "批次 #2 已执行" in capsys.readouterr().out
    exported = os.fsdecode(bytes(tmp_path) + b"/exp\xb6\xd4.csv")
    assert books("export", "customers", exported, user="fin", password=FIN_PW + "x") == 0
    assert Path(exported).exists() and "已导出" in capsys.readouterr().out
    open_database(f"sqlite:///{books.db_path}")
    try:
        from jxc_tui.models import Batch

        names = [b.file_name for b in Batch.select().order_by(Batch.id)]
    finally:
        close_database()
    assert names[0] == "evil\ufffd[31mRED\ufffd[0m\ufffd.csv" and "\ufffd" in names[1]


def test_an_export_never_touches_a_file_beside_it(books, tmp_path):
    """Its temporary file has a name of its own: .victim.partial.csv was overwritten, then deleted."""
    precious = tmp_path / ".victim.partial.csv"
    precious.write_text("precious", encoding="utf-8")
    assert books("export", "customers", str(tmp_path / "victim.csv"), user="fin", password=FIN_PW + "x") == 0
    assert precious.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == [".victim.partial.csv"]
