"""The ``jxc`` command.  The CLI and the TUI call the same services.

Commands that act on the data run as a user: ``--user NAME`` (or
``$JXC_USER``); the password comes from ``$JXC_PASSWORD`` or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .config import Config, ConfigError, load_config, user_data_dir, write_starter_config
from .errors import JxcError
from .i18n import set_language, t

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A message for the person at the terminal; exit status 1."""


def _global_options(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--config", type=Path, default=default,
                   help="config file (default: $JXC_CONFIG or the user config dir)")
    p.add_argument("--db", default=default,
                   help="database URL: sqlite:///PATH or postgresql://... (default: $JXC_DB or config)")
    p.add_argument("--lang", choices=("zh", "en"), default=default,
                   help="interface language (default from config: zh)")


class _Parser(argparse.ArgumentParser):
    """Every subcommand also takes the global options (``jxc demo --db URL``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if kwargs.get("prog", "").count(" ") >= 1:  # a subcommand's parser
            _global_options(self, argparse.SUPPRESS)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jxc", description="jxc-tui: customer receivables (客户欠款) back office")
    p.add_argument("--version", action="version", version=f"jxc-tui {__version__}")
    _global_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def acting(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--user", default=os.environ.get("JXC_USER"),
                        help="act as this user (default $JXC_USER); password from $JXC_PASSWORD or a prompt")

    init = sub.add_parser("init", help="create the database and the first admin")
    init.add_argument("--admin", default="admin", help="user name of the first admin (default: admin)")
    init.add_argument("--password-stdin", action="store_true", help="read the admin password from stdin")

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", metavar="ACTION")
    add = user.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="viewer, clerk, finance or admin")
    add.add_argument("--password-stdin", action="store_true", help="read the new user's password from stdin")
    acting(add)
    acting(user.add_parser("list", help="list users"))
    passwd = user.add_parser("passwd", help="set a user's password (your own, or anyone's as admin)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the new password from stdin")
    acting(passwd)
    role = user.add_parser("role", help="give a user another role")
    role.add_argument("name")
    role.add_argument("role", help="viewer, clerk, finance or admin")
    acting(role)
    reset = user.add_parser("reset", help="reset a user's password; they must change it at the next login")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the new password from stdin")
    acting(reset)
    for name, what in (("deactivate", "deactivate a user (they can no longer log in)"),
                       ("activate", "reactivate a deactivated user"),
                       ("unlock", "end a login lock early")):
        one = user.add_parser(name, help=what)
        one.add_argument("name")
        acting(one)

    imp = sub.add_parser("import", help="import data").add_subparsers(dest="import_command", metavar="WHAT")
    ic = imp.add_parser("customers", help="import customers from CSV (UTF-8/BOM or GBK), all or nothing")
    ic.add_argument("file", type=Path)
    ic.add_argument("--dry-run", action="store_true", help="check every row and show what would happen")
    acting(ic)
    idb = imp.add_parser("debts", help="set or change debts from CSV/XLSX: previewed, all or nothing, approvable")
    idb.add_argument("file", type=Path)
    idb.add_argument("--reason", default="", help="reason for rows whose reason cell is empty")
    _batch_options(idb)
    acting(idb)

    bat = sub.add_parser("batch", help="batches of debt changes").add_subparsers(dest="batch_command",
                                                                                  metavar="ACTION")
    acting(bat.add_parser("list", help="batches, newest first"))
    show = bat.add_parser("show", help="one batch, row by row")
    show.add_argument("id", type=int)
    acting(show)
    undo = bat.add_parser("undo", help="reverse every posted row of a batch (through approval where required)")
    undo.add_argument("id", type=int)
    undo.add_argument("--reason", required=True)
    _batch_options(undo, skip=False, again=False)
    acting(undo)
    appr = bat.add_parser("approve", help="approve every pending request of a batch")
    appr.add_argument("id", type=int)
    appr.add_argument("--note", default="")
    acting(appr)
    rej = bat.add_parser("reject", help="reject every pending request of a batch")
    rej.add_argument("id", type=int)
    rej.add_argument("--note", required=True, help="why (required)")
    acting(rej)

    exp = sub.add_parser("export", help="export to CSV (UTF-8 with BOM) or XLSX").add_subparsers(
        dest="export_command", metavar="WHAT")
    ec = exp.add_parser("customers", help="customers (all, or those matching --query)")
    ec.add_argument("file", type=Path)
    ec.add_argument("--query", default="", help="as typed in the search box")
    ec.add_argument("--force", action="store_true", help="overwrite an existing file")
    acting(ec)
    eh = exp.add_parser("history", help="ledger history (everyone, or --customer CODE)")
    eh.add_argument("file", type=Path)
    eh.add_argument("--customer", default="", help="one customer's code")
    eh.add_argument("--force", action="store_true", help="overwrite an existing file")
    acting(eh)

    aud = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_command", metavar="ACTION")
    acting(aud.add_parser("verify", help="check the hash chain and that every balance equals its ledger"))

    demo = sub.add_parser("demo", help="create (or reuse) a demo database and open it")
    demo.add_argument("--names", type=Path, help="a names file (one company name per line)")
    demo.add_argument("--customers", type=int, default=3000, help="how many customers (default 3000)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument("--no-open", action="store_true", help="create the database but do not open the TUI")

    conf = sub.add_parser("config", help="configuration").add_subparsers(dest="config_command", metavar="ACTION")
    ci = conf.add_parser("init", help="write a commented starter config file")
    ci.add_argument("--force", action="store_true", help="overwrite an existing file")
    return p


def _batch_options(p: argparse.ArgumentParser, *, skip: bool = True, again: bool = True) -> None:
    p.add_argument("--dry-run", action="store_true", help="preview every row; write nothing")
    p.add_argument("--yes", action="store_true", help="run without asking (after checking a --dry-run)")
    if skip:
        p.add_argument("--skip-bad", action="store_true",
                       help="leave out rows with errors instead of refusing the whole batch")
    if again:
        p.add_argument("--again", action="store_true", help="run a batch that was run before once more (recorded)")
    p.add_argument("--confirm-credit-limit", action="store_true",
                   help="go ahead where a row takes a debt above its credit limit (recorded)")


def _read_new_password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for a password: use --password-stdin")
    first = getpass.getpass(prompt)
    if getpass.getpass("again / 再次输入: ") != first:
        raise CliError("the two passwords differ / 两次密码不一致")
    return first


def _login(args: argparse.Namespace, *, changing_own_password: bool = False):  # -> Actor
    """Log in as ``--user``.  A password an admin set (new user, reset) is
    good only for choosing one's own, as in the TUI: ``jxc user passwd NAME``."""
    from .services import auth

    if not args.user:
        raise CliError("who is acting? pass --user NAME or set JXC_USER")
    password = os.environ.get("JXC_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise CliError("no terminal to ask for the password of --user: set JXC_PASSWORD")
        password = getpass.getpass(f"{args.user} password / 密码: ")
    actor = auth.login(args.user, password, origin="cli")
    if not changing_own_password and auth.must_change_password(actor):
        raise CliError(f"{actor.username} must choose a new password first: jxc user passwd {actor.username}"
                       f" / 请先修改密码")
    return actor


def _open(cfg: Config, *, create: bool = False) -> None:
    """Open the configured database.  Only ``jxc init`` and ``jxc demo`` pass
    ``create``: for every other command a SQLite file that does not exist is a
    mistyped path, said as such (DatabaseMissing), not a new empty database."""
    import peewee

    from .db import open_database
    from .services.policy import configure

    configure(cfg)
    try:
        open_database(cfg.db_url, create=create)
    except (peewee.OperationalError, peewee.InterfaceError, ImportError, OSError) as error:
        raise CliError(f"cannot open the database {cfg.db_url}: {error}") from error


def run_tui(cfg: Config, hint: str = "") -> int:
    from .app import JxcApp, setup_logging

    setup_logging(cfg.log_file)
    app = JxcApp(cfg, login_hint=hint)
    app.run()
    return app.return_code or 0


# --- commands ---------------------------------------------------------------------

def cmd_tui(cfg: Config) -> int:
    from .services import auth

    _open(cfg)
    if not auth.has_users():  # a login that can never succeed helps nobody
        raise CliError(t("cli.no_users", url=cfg.db_url))
    return run_tui(cfg)


def cmd_init(args: argparse.Namespace, cfg: Config) -> int:
    from .services import auth

    password = _read_new_password(args.password_stdin, f"{args.admin} password / 密码: ")
    auth.check_password_rules(password)  # before any file is created
    _open(cfg, create=True)
    if auth.has_users():
        raise CliError(t("auth.already_initialised"))
    user = auth.bootstrap_admin(args.admin, password)
    print(t("cli.initialised", url=cfg.db_url, user=user.username))
    return EXIT_OK


def cmd_user(args: argparse.Namespace, cfg: Config) -> int:
    from .services import auth

    _open(cfg)
    if args.user_command == "add":
        actor = _login(args)
        password = _read_new_password(args.password_stdin, f"{args.name} password / 密码: ")
        # a password the admin knows, as in the TUI: the user chooses their own first
        u = auth.create_user(actor, args.name, args.role, password, must_change_password=True)
        print(t("cli.user_added", user=u.username, role=u.role))
    elif args.user_command == "list":
        actor = _login(args)
        for u in auth.list_users(actor):
            state = "active" if u.is_active else "inactive"
            lock = f" locked until {u.locked_until:%Y-%m-%d %H:%M} UTC" if u.locked_until else ""
            change = " must-change-password" if u.must_change_password else ""
            print(f"{u.username:<20} {u.role:<8} {state}{lock}{change}")
    elif args.user_command == "passwd":
        args.user = args.user or args.name
        actor = _login(args, changing_own_password=args.user == args.name)
        password = _read_new_password(args.password_stdin, f"new password for {args.name} / 新密码: ")
        auth.set_password(actor, args.name, password)
        print(t("cli.password_changed", user=args.name))
    elif args.user_command == "role":
        u = auth.change_role(_login(args), args.name, args.role)
        print(t("users.role_changed", username=u.username, role=auth.role_label(u.role)))
    elif args.user_command == "reset":
        actor = _login(args)
        password = _read_new_password(args.password_stdin, f"new password for {args.name} / 新密码: ")
        u = auth.reset_password(actor, args.name, password)
        print(t("users.reset_done", username=u.username))
    elif args.user_command in ("deactivate", "activate"):
        active = args.user_command == "activate"
        u = auth.set_active(_login(args), args.name, active)
        print(t("users.activated" if active else "users.deactivated", username=u.username))
    elif args.user_command == "unlock":
        u = auth.unlock(_login(args), args.name)
        print(t("users.unlocked", username=u.username))
    else:
        raise CliError("jxc user add|list|passwd|role|reset|deactivate|activate|unlock")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, cfg: Config) -> int:
    from .errors import ImportRefused
    from .services import batch, io

    if args.import_command not in ("customers", "debts"):
        raise CliError("jxc import customers|debts FILE")
    _open(cfg)
    actor = _login(args)
    if args.import_command == "debts":
        try:
            plan = batch.plan_file(actor, args.file, reason=args.reason, progress=_progress)
        except ImportRefused as refused:
            print(refused.message(), file=sys.stderr)
            return EXIT_FAIL
        return _run_plan(args, actor, plan)
    try:
        report = io.import_customers(actor, args.file, dry_run=args.dry_run)
    except ImportRefused as refused:
        if refused.key == "import.refused":  # the summary; every row error follows, the first included
            print(t(refused.key, **dict(refused.params, first="")).strip(), file=sys.stderr)
        else:  # the whole file (encoding, header, CSV shape): its own message, whole
            print(refused.message(), file=sys.stderr)
        for line in refused.lines():
            print(f"  {line}", file=sys.stderr)
        return EXIT_FAIL
    print(report.summary())
    return EXIT_OK


def _progress(phase: str, done: int, total: int) -> None:
    if sys.stderr.isatty() or os.environ.get("JXC_PROGRESS") == "1":
        print(f"\r  {t('cli.progress.' + phase)} {done:,}/{total:,}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)


def _print_refusals(lines: list[str]) -> None:
    for line in lines:
        print(f"  {line}", file=sys.stderr)


def _print_plan(plan, *, rows: bool) -> None:
    from .money import format_amount
    from .services import batch

    print(plan.summary())
    if plan.refused:
        _print_refusals([r.text() for r in plan.refused])
    if rows:
        for r in plan.rows:
            line = f"{r.line:>6}  " if r.line else ""
            print(f"  {line}{_cells(r.code, 12)} {_cells(r.name, 20)} {format_amount(r.old):>18} {format_amount(r.new):>18} "
                  f"{format_amount(r.change, signed=True):>18}  {batch.route_label(r)}")


def _cells(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal columns (a Chinese character takes two)."""
    from rich.cells import set_cell_size

    return set_cell_size(text, width)


def _local(ts) -> str:
    from . import clock

    return clock.format_local(ts)


def _already_run_text(plan) -> str:
    e = plan.earlier
    return t("batch.already_run", id=e.id, who=e.actor_name, when=_local(e.created_at))


def _run_plan(args: argparse.Namespace, actor, plan) -> int:
    """Preview, ask (or --yes), post.  Every refusal of the service is said as is."""
    from .errors import BatchAlreadyRun, BatchRefused
    from .services import batch

    _print_plan(plan, rows=args.dry_run)
    if args.dry_run:
        if plan.earlier is not None:
            print(f"{_already_run_text(plan)} {t('cli.batch_again')}")
        return EXIT_FAIL if plan.blocking else EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(t("cli.batch_needs_yes"))
        if input(t("cli.batch_confirm")).strip().lower() not in ("y", "yes", "是"):
            print(t("cli.batch_not_run"))
            return EXIT_FAIL
    try:
        result = batch.post(actor, plan, skip_refused=getattr(args, "skip_bad", False),
                            run_again=getattr(args, "again", False), confirm_credit=args.confirm_credit_limit,
                            progress=_progress)
    except BatchRefused as refused:  # its rows were listed with the preview above
        print(t("batch.refused", count=len(refused.refusals), first="").strip(), file=sys.stderr)
        return EXIT_FAIL
    except BatchAlreadyRun as error:
        print(f"jxc: {error.message()} {t('cli.batch_again')}", file=sys.stderr)
        return EXIT_FAIL
    print(result.summary())
    return EXIT_OK


def cmd_batch(args: argparse.Namespace, cfg: Config) -> int:
    from .money import format_amount
    from .services import batch

    _open(cfg)
    command = args.batch_command
    if command not in ("list", "show", "undo", "approve", "reject"):
        raise CliError("jxc batch list|show|undo|approve|reject")
    actor = _login(args)
    if command == "list":
        batches = batch.list_batches(actor)
        if not batches:
            print(t("batches.none"))
        for b in batches:
            state = t("cli.batch_undo_waiting" if b.undo_pending else "cli.batch_undone", id=b.undone_by) \
                if b.undone_by else ""
            pending = t("cli.batch_pending", n=f"{b.pending:,}") if b.pending else ""
            print(f"#{b.id:<5} {_local(b.created_at)}  {_cells(b.actor_name, 10)} {b.describe()}  "
                  f"{t('cli.batch_rows', n=f'{b.row_count:,}')}  "
                  f"{t('cli.batch_posted', amount=format_amount(b.posted_change, signed=True))}{pending}{state}")
    elif command == "show":
        b = batch.get_batch(actor, args.id)
        print(f"#{b.id} {_local(b.created_at)} {b.actor_name} {b.describe()}  {t('col.reason')}: {b.reason}")
        for line in batch.batch_lines(actor, args.id):
            status = t("batch.status." + line.status)
            if line.reversed_by:
                status += " " + t("batch.status.reversed")
            print(f"  {_cells(line.code, 12)} {_cells(line.name, 20)} {format_amount(line.old):>18} "
                  f"{format_amount(line.new):>18} {format_amount(line.change, signed=True):>18}  {status}  {line.who}")
    elif command == "undo":
        return _run_plan(args, actor, batch.plan_undo(actor, args.id, args.reason, progress=_progress))
    elif command == "approve":
        print(batch.approve_batch(actor, args.id, args.note, progress=_progress).summary())
    else:
        print(batch.reject_batch(actor, args.id, args.note).summary())
    return EXIT_OK


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    from .services import customers, export

    if args.export_command not in ("customers", "history"):
        raise CliError("jxc export customers|history FILE")
    _open(cfg)
    actor = _login(args)
    if args.export_command == "customers":
        report = export.export_customers(actor, args.file, query=args.query, overwrite=args.force)
    else:
        customer_id = None
        if args.customer:
            found = customers.find_by_code(actor, args.customer)
            if found is None:
                raise CliError(t("batch.unknown_code", code=args.customer))
            customer_id = found.id
        report = export.export_history(actor, args.file, customer_id=customer_id, overwrite=args.force)
    print(report.summary())
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, cfg: Config) -> int:
    from .services import audit

    if args.audit_command != "verify":
        raise CliError("jxc audit verify")
    _open(cfg)
    actor = _login(args)
    report = audit.verify(actor)
    print(t("cli.verify_counts", events=f"{report.events:,}", customers=f"{report.customers:,}",
            entries=f"{report.entries:,}"))
    if report.ok:
        print(t("cli.verify_ok", head=report.head))
        return EXIT_OK
    for problem in report.problems:
        print(t("cli.verify_failed", problem=problem), file=sys.stderr)
    return EXIT_FAIL


def _read_names(path: Path) -> list[str]:
    """The names in a ``demo --names`` file, or a CliError saying what is wrong with it."""
    from .services import demo

    try:
        names = demo.read_names(path)
    except FileNotFoundError:
        raise CliError(t("file.not_found", path=path)) from None
    except IsADirectoryError:
        raise CliError(t("file.is_directory", path=path)) from None
    except OSError as error:
        raise CliError(t("file.unreadable", path=path, reason=error.strerror or error)) from None
    if not names:
        raise CliError(t("demo.no_names", path=path))
    return names


def cmd_demo(args: argparse.Namespace, cfg: Config, explicit_db: str | None) -> int:
    from .services import demo

    if args.customers < 1:
        raise CliError("--customers must be at least 1")
    cfg.db_url = explicit_db or f"sqlite:///{user_data_dir() / 'demo.sqlite3'}"
    names = _read_names(args.names) if args.names else demo.sample_names()  # before a file is created
    _open(cfg, create=True)

    def progress(done: int, total: int) -> None:
        print(f"\r  {done:,}/{total:,} customers", end="", file=sys.stderr, flush=True)

    summary = demo.seed_demo(names, args.customers, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(summary.describe(cfg.db_url))
    if summary.login_hint():
        print(summary.login_hint())
    if args.no_open:
        return EXIT_OK
    return run_tui(cfg, hint=summary.login_hint())


def cmd_config(args: argparse.Namespace, cfg: Config) -> int:
    if args.config_command != "init":
        raise CliError("jxc config init")
    assert cfg.path is not None
    path = write_starter_config(cfg.path, force=args.force)
    print(f"wrote {path}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.lang:  # before the config is read, so its errors are in this language too
            set_language(args.lang)
        # `config init` writes the named file; every other command needs it to exist
        cfg = load_config(args.config, args.db, require_named=args.command != "config")
        set_language(args.lang or cfg.language)
        cfg.language = args.lang or cfg.language
        commands: dict[str | None, Callable[[], int]] = {
            None: lambda: cmd_tui(cfg),
            "init": lambda: cmd_init(args, cfg),
            "user": lambda: cmd_user(args, cfg),
            "import": lambda: cmd_import(args, cfg),
            "audit": lambda: cmd_audit(args, cfg),
            "batch": lambda: cmd_batch(args, cfg),
            "export": lambda: cmd_export(args, cfg),
            "demo": lambda: cmd_demo(args, cfg, args.db),
            "config": lambda: cmd_config(args, cfg),
        }
        return commands[args.command]()
    except (CliError, ConfigError) as error:
        print(f"jxc: {error}", file=sys.stderr)
        return EXIT_FAIL
    except JxcError as error:
        print(f"jxc: {error.message()}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - log it, never a traceback on screen
        return _unexpected(error)


def _unexpected(error: Exception) -> int:
    import logging

    from .app import setup_logging

    try:
        cfg_log = load_config().log_file
    except ConfigError:
        cfg_log = user_data_dir() / "jxc.log"
    setup_logging(cfg_log)
    logging.getLogger("jxc_tui").error("unexpected error in the command line", exc_info=error)
    print(f"jxc: {t('error.unexpected', path=cfg_log)}: {type(error).__name__}: {error}", file=sys.stderr)
    return EXIT_FAIL
