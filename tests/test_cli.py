"""The ``jxc`` command line, run as a person would (in-process, and through
the real sqlite3 shell for tampering)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jxc_tui.cli import main
from jxc_tui.db import close_database

ADMIN_PW = "admin-pass-1"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run ``jxc`` against a fresh SQLite file, with a private config and log."""
    db_path = tmp_path / "jxc.sqlite3"
    monkeypatch.setenv("JXC_DB", f"sqlite:///{db_path}")
    (tmp_path / "config.toml").write_text("", encoding="utf-8")  # a named config file must exist
    monkeypatch.setenv("JXC_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("JXC_USER", raising=False)
    monkeypatch.delenv("JXC_PASSWORD", raising=False)

    def run(*args: str, stdin: str = "", user: str | None = None, password: str | None = None) -> int:
        if user:
            monkeypatch.setenv("JXC_USER", user)
            monkeypatch.setenv("JXC_PASSWORD", password or "")
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            return main(list(args))
        finally:
            close_database()
            monkeypatch.delenv("JXC_USER", raising=False)
            monkeypatch.delenv("JXC_PASSWORD", raising=False)

    run.db_path = db_path
    return run


def test_init_creates_the_first_admin_once(cli, capsys):
    assert cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 0
    assert "管理员：admin" in capsys.readouterr().out
    assert cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 1
    assert "数据库已有用户" in capsys.readouterr().err


def test_user_add_list_and_passwd(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("user", "add", "zhang", "--role", "clerk", "--password-stdin", stdin="clerk-pass-1\n",
               user="admin", password=ADMIN_PW) == 0
    assert cli("user", "add", "li", "--role", "boss", "--password-stdin", stdin="boss-pass-11\n",
               user="admin", password=ADMIN_PW) == 1
    assert "未知角色 boss" in capsys.readouterr().err
    assert cli("user", "list", user="admin", password=ADMIN_PW) == 0
    out = capsys.readouterr().out
    assert "zhang" in out and "clerk" in out and "li " not in out
    # the admin chose zhang's first password, so zhang must choose their own before anything else
    assert cli("user", "list", user="zhang", password="clerk-pass-1") == 1
    assert "请先修改密码" in capsys.readouterr().err
    assert cli("user", "passwd", "zhang", "--password-stdin", stdin="clerk-pass-2\n",
               user="zhang", password="clerk-pass-1") == 0
    # a clerk may not add users; the check is in the service, not the menu
    assert cli("user", "add", "wang", "--role", "admin", "--password-stdin", stdin="x-pass-123\n",
               user="zhang", password="clerk-pass-2") == 1
    assert "没有权限" in capsys.readouterr().err
    assert cli("user", "list", user="zhang", password="clerk-pass-2") == 1  # logs in, lacks user.manage


def test_user_role_deactivate_activate_and_unlock(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    cli("user", "add", "zhang", "--role", "clerk", "--password-stdin", stdin="clerk-pass-0\n",
        user="admin", password=ADMIN_PW)
    cli("user", "passwd", "zhang", "--password-stdin", stdin="clerk-pass-1\n", user="zhang", password="clerk-pass-0")
    capsys.readouterr()
    assert cli("user", "role", "zhang", "finance", user="admin", password=ADMIN_PW) == 0
    assert "已将 zhang 的角色改为财务" in capsys.readouterr().out
    assert cli("user", "role", "admin", "clerk", user="admin", password=ADMIN_PW) == 1  # the only admin
    assert "最后一个能管理用户的在用账户" in capsys.readouterr().err
    assert cli("user", "role", "zhang", "admin", user="zhang", password="clerk-pass-1") == 1
    assert "没有权限" in capsys.readouterr().err

    assert cli("user", "deactivate", "zhang", user="admin", password=ADMIN_PW) == 0
    assert cli("user", "list", user="zhang", password="clerk-pass-1") == 1
    assert "用户名或密码错误" in capsys.readouterr().err
    assert cli("user", "activate", "zhang", user="admin", password=ADMIN_PW) == 0
    assert "已重新启用 zhang" in capsys.readouterr().out

    for _ in range(5):
        cli("audit", "verify", user="zhang", password="wrong-password")
    assert cli("user", "list", user="admin", password=ADMIN_PW) == 0
    assert "locked until" in capsys.readouterr().out
    assert cli("user", "unlock", "zhang", user="admin", password=ADMIN_PW) == 0
    assert "已解锁 zhang" in capsys.readouterr().out
    assert cli("user", "unlock", "zhang", user="admin", password=ADMIN_PW) == 1
    assert "zhang 没有被锁定" in capsys.readouterr().err
    assert cli("audit", "verify", user="admin", password=ADMIN_PW) == 0


def test_user_reset_makes_the_user_choose_a_new_password_first(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    cli("user", "add", "zhang", "--role", "clerk", "--password-stdin", stdin="clerk-pass-1\n",
        user="admin", password=ADMIN_PW)
    assert cli("user", "reset", "zhang", "--password-stdin", stdin="temp-pass-9\n",
               user="admin", password=ADMIN_PW) == 0
    assert "已重置 zhang 的密码" in capsys.readouterr().out
    assert cli("user", "list", user="admin", password=ADMIN_PW) == 0
    assert "must-change-password" in capsys.readouterr().out
    # the temporary password is good only for choosing one's own
    assert cli("audit", "verify", user="zhang", password="temp-pass-9") == 1
    assert "jxc user passwd zhang" in capsys.readouterr().err
    assert cli("user", "passwd", "zhang", "--password-stdin", stdin="zhang-own-1\n",
               user="zhang", password="temp-pass-9") == 0
    assert cli("user", "list", user="admin", password=ADMIN_PW) == 0
    assert "must-change-password" not in capsys.readouterr().out
    assert cli("user", "reset", "admin", "--password-stdin", stdin="temp-pass-9\n",
               user="admin", password=ADMIN_PW) == 1  # your own: passwd, not reset
    assert "不能重置自己的密码" in capsys.readouterr().err


def test_wrong_password_on_the_command_line_is_refused(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("audit", "verify", user="admin", password="wrong") == 1
    assert "用户名或密码错误" in capsys.readouterr().err


def test_acting_user_is_required(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("audit", "verify") == 1
    assert "--user" in capsys.readouterr().err


def _sqlite3(db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sqlite3", str(db), sql], capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 shell")
def test_tampering_through_the_sqlite3_shell_is_refused_then_detected(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("audit", "verify", user="admin", password=ADMIN_PW) == 0
    out = capsys.readouterr().out
    assert "通过：审计链完整" in out and "已检查审计事件" in out  # in the user's language
    db = cli.db_path
    # The append-only trigger refuses a plain edit ...
    refused = _sqlite3(db, "UPDATE audit_event SET reason='改过' WHERE id=1")
    assert refused.returncode != 0 and "append-only" in refused.stderr
    # ... so a tamperer drops it first; verify then names the edited row.
    edited = _sqlite3(db, "DROP TRIGGER audit_event_no_update; UPDATE audit_event SET reason='改过' WHERE id=2")
    assert edited.returncode == 0, edited.stderr
    assert cli("audit", "verify", user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err
    assert "audit_event #2" in err and "未通过" in err


def test_config_init_writes_a_readable_starter_file(cli, tmp_path, capsys):
    (tmp_path / "config.toml").unlink()  # $JXC_CONFIG names a file that does not exist yet
    assert cli("config", "init") == 0
    written = tmp_path / "config.toml"
    import tomllib

    data = tomllib.loads(written.read_text(encoding="utf-8"))
    assert data["security"]["max_failed_logins"] == 5
    assert cli("config", "init") == 1  # never overwrites without --force


def test_bad_config_is_a_clear_message(cli, tmp_path, capsys):
    (tmp_path / "config.toml").write_text("[ui]\nlanguage = 'fr'\n", encoding="utf-8")
    assert cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 1
    assert "language" in capsys.readouterr().err


def test_unsupported_database_url(cli, capsys, monkeypatch):
    monkeypatch.setenv("JXC_DB", "mysql://nowhere/db")
    assert cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 1
    err = capsys.readouterr().err
    assert "unsupported database URL" in err and "Traceback" not in err and "意外" not in err


def test_unreachable_database_is_a_clear_message(cli, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("JXC_DB", f"sqlite:///{tmp_path}/not-a-dir.sqlite3/x.sqlite3")
    (tmp_path / "not-a-dir.sqlite3").write_text("a file, not a folder")
    assert cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 1
    err = capsys.readouterr().err
    assert "cannot open the database" in err or "无法" in err, err


def test_demo_refuses_a_real_database(cli, capsys):
    cli("init", "--admin", "boss", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("demo", "--customers", "5", "--no-open", "--db", f"sqlite:///{cli.db_path}") == 1
    assert "不会写入演示数据" in capsys.readouterr().err


def test_demo_creates_then_reuses_and_verifies(cli, tmp_path, capsys):
    demo_db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert cli("demo", "--customers", "40", "--no-open", "--db", demo_db) == 0
    out = capsys.readouterr().out
    assert "新建 40 个客户" in out
    assert cli("demo", "--customers", "40", "--no-open", "--db", demo_db) == 0
    assert "已有 40 个客户" in capsys.readouterr().out
    assert cli("--db", demo_db, "audit", "verify", user="admin", password="admin123") == 0


def test_import_names_every_bad_line_once(cli, tmp_path, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    f = tmp_path / "c.csv"
    f.write_text("客户编码,客户名称,期初欠款\r\nA1,甲,100\r\nA2,,5\r\nA3,丙,1e5\r\n", encoding="gbk")
    assert cli("import", "customers", str(f), user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err
    assert err.count("第 3 行") == 1 and err.count("第 4 行") == 1
    assert cli("import", "customers", str(f), "--dry-run", user="admin", password=ADMIN_PW) == 1
    f.write_text("客户编码,客户名称,期初欠款\r\nA1,甲,100\r\n", encoding="gbk")
    assert cli("import", "customers", str(f), user="admin", password=ADMIN_PW) == 0


def test_a_short_admin_password_creates_nothing(cli, capsys):
    assert cli("init", "--password-stdin", stdin="short\n") == 1
    assert "密码至少 8 位" in capsys.readouterr().err
    assert not cli.db_path.exists()


def test_opening_the_tui_on_a_database_without_users_says_run_init(cli, capsys):
    from jxc_tui.db import open_database

    open_database(f"sqlite:///{cli.db_path}")  # a database that exists, with no users
    close_database()
    assert cli() == 1
    err = capsys.readouterr().err
    assert "还没有用户" in err and "jxc init" in err


def test_demo_prints_the_logins(cli, tmp_path, capsys):
    assert cli("demo", "--customers", "3", "--no-open", "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}") == 0
    assert "admin/admin123" in capsys.readouterr().out


def test_import_refusing_the_whole_file_names_both_columns(cli, tmp_path, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    f = tmp_path / "dup.csv"
    f.write_text("code,name,编码\r\nA1,甲,A1\r\n", encoding="utf-8")
    assert cli("import", "customers", str(f), user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err
    assert "表头有两列表示同一内容：code 和 编码" in err, err
    assert cli("--lang", "en", "import", "customers", str(f), user="admin", password=ADMIN_PW) == 1
    assert "Two header columns mean the same thing: code and 编码" in capsys.readouterr().err


def test_import_row_errors_print_the_summary_once_then_each_line(cli, tmp_path, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    f = tmp_path / "rows.csv"
    f.write_text("code,name,opening\r\nA1,,1\r\nA2,乙,1e5\r\n", encoding="utf-8")
    assert cli("import", "customers", str(f), user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("导入被拒绝：2 行有错误") and "第" not in err[0]
    assert [line.split("：")[0].strip() for line in err[1:]] == ["第 2 行", "第 3 行"]


def test_demo_refuses_a_database_made_by_init_even_with_an_admin_called_admin(cli, capsys):
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert cli("demo", "--customers", "5", "--no-open", "--db", f"sqlite:///{cli.db_path}") == 1
    assert "不会写入演示数据" in capsys.readouterr().err


# --- mistyped paths: nothing is created, the message says what is wrong -------------------

@pytest.mark.parametrize("args", [
    (),  # bare jxc opens the TUI
    ("audit", "verify"),
    ("user", "list"),
    ("user", "add", "zhang", "--role", "clerk", "--password-stdin"),
    ("user", "passwd", "admin", "--password-stdin"),
    ("import", "customers", "c.csv"),
])
def test_a_database_file_that_does_not_exist_is_not_created(cli, tmp_path, capsys, args):
    typo = tmp_path / "x" / "typo.sqlite3"
    assert cli("--db", f"sqlite:///{typo}", *args, stdin="new-pass-123\n", user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err
    assert f"没有找到数据库 {typo}" in err and "jxc init" in err, err
    assert "意外" not in err and "密码" not in err
    assert not typo.exists() and not typo.parent.exists()
    assert not cli.db_path.exists()


def test_no_database_message_in_english(cli, tmp_path, capsys):
    typo = tmp_path / "typo.sqlite3"
    assert cli("--lang", "en", "--db", f"sqlite:///{typo}", "audit", "verify", user="admin", password="x") == 1
    err = capsys.readouterr().err
    assert f"There is no database at {typo}" in err and "jxc init" in err, err
    assert not typo.exists()


def test_init_and_demo_still_create_their_database(cli, tmp_path):
    new = tmp_path / "new" / "dir" / "jxc.sqlite3"
    assert cli("--db", f"sqlite:///{new}", "init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 0
    assert new.exists()
    assert cli("--db", f"sqlite:///{new}", "audit", "verify", user="admin", password=ADMIN_PW) == 0
    demo_db = tmp_path / "demo" / "d.sqlite3"
    assert cli("demo", "--customers", "3", "--no-open", "--db", f"sqlite:///{demo_db}") == 0
    assert demo_db.exists()


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_named_config_file_must_exist(cli, tmp_path, capsys, monkeypatch, how):
    missing = tmp_path / "nonexistent.toml"
    args = ("--config", str(missing)) if how == "option" else ()
    if how == "env":
        monkeypatch.setenv("JXC_CONFIG", str(missing))
    assert cli(*args, "init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 1
    err = capsys.readouterr().err
    assert f"配置文件 {missing} 不存在" in err and "jxc config init" in err, err
    assert not cli.db_path.exists()
    assert cli("--lang", "en", *args, "audit", "verify", user="admin", password=ADMIN_PW) == 1
    assert f"There is no config file {missing}" in capsys.readouterr().err
    # ... except for the command that creates it
    assert cli(*args, "config", "init") == 0
    assert missing.exists()
    assert cli(*args, "init", "--password-stdin", stdin=f"{ADMIN_PW}\n") == 0


def test_a_config_path_that_is_a_directory_is_a_clear_message(cli, tmp_path, capsys):
    assert cli("--config", str(tmp_path), "audit", "verify", user="admin", password=ADMIN_PW) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path} 是目录，不是文件" in err and "意外" not in err, err
    assert cli("--config", str(tmp_path), "config", "init", "--force") == 1
    err = capsys.readouterr().err
    assert f"{tmp_path} 是目录，不是文件" in err and "意外" not in err, err


@pytest.mark.parametrize(("make", "expected"), [
    (lambda d: d / "nonexistent.txt", "找不到文件"),
    (lambda d: d, "是目录，不是文件"),
    (lambda d: (d / "empty.txt", (d / "empty.txt").write_text(""))[0], "没有可用的名称"),
    (lambda d: (d / "blank.txt", (d / "blank.txt").write_text("\n\n  \n"))[0], "没有可用的名称"),
    (lambda d: (d / "bin.dat", (d / "bin.dat").write_bytes(bytes(range(256)) * 64))[0], "没有可用的名称"),
    (lambda d: (d / "elf", (d / "elf").write_bytes(b"\x7fELF\x02\x01\x00\x00\nsome text line\nAnother\n"))[0],
     "没有可用的名称"),
])
def test_demo_names_file_mistakes_are_clear_and_create_nothing(cli, tmp_path, capsys, make, expected):
    names_dir = tmp_path / "names"
    names_dir.mkdir()
    names = make(names_dir)
    demo_db = tmp_path / "demo.sqlite3"
    assert cli("demo", "--names", str(names), "--customers", "3", "--no-open", "--db", f"sqlite:///{demo_db}") == 1
    err = capsys.readouterr().err
    assert expected in err and str(names) in err and "意外" not in err and "Error" not in err, err
    assert not demo_db.exists()


def test_demo_names_mistake_in_english(cli, tmp_path, capsys):
    demo_db = tmp_path / "demo.sqlite3"
    assert cli("--lang", "en", "demo", "--names", str(tmp_path / "none.txt"), "--no-open",
               "--db", f"sqlite:///{demo_db}") == 1
    assert f"No such file: {tmp_path / 'none.txt'}" in capsys.readouterr().err
    assert not demo_db.exists()


def test_a_password_an_admin_sets_with_passwd_must_be_changed_like_a_reset(cli, capsys):
    """``jxc user passwd bob --user admin`` used to clear must-change: the admin
    then knew a password bob would keep, and could act as bob."""
    cli("init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    cli("user", "add", "bob", "--role", "finance", "--password-stdin", stdin="bob-own-pass-1\n",
        user="admin", password=ADMIN_PW)
    assert cli("user", "passwd", "bob", "--password-stdin", stdin="admin-knows-1\n",
               user="admin", password=ADMIN_PW) == 0
    capsys.readouterr()
    assert cli("audit", "verify", user="bob", password="admin-knows-1") == 1
    assert "jxc user passwd bob" in capsys.readouterr().err
    # and bob cannot keep it by "changing" it to itself
    assert cli("user", "passwd", "bob", "--password-stdin", stdin="admin-knows-1\n",
               user="bob", password="admin-knows-1") == 1
    assert "新密码不能与旧密码相同" in capsys.readouterr().err
    assert cli("user", "passwd", "bob", "--password-stdin", stdin="bob-own-pass-2\n",
               user="bob", password="admin-knows-1") == 0
    assert cli("user", "list", user="admin", password=ADMIN_PW) == 0
    assert "must-change-password" not in capsys.readouterr().out
