"""A demo database: users of every role and customers with a year of history.

Names come from a bundled sample of real short Chinese company names (see
``data/demo/SOURCE.md``) or any names file read with :func:`read_names`.
Codes, people, phones, addresses and amounts are generated from
``random.Random(seed)``, so the same seed and clock give the same books.

Every customer's history is written the way the services write it: ledger
entries whose before/after figures follow on, ``Customer.balance_fen`` equal
to the ledger sum, and an audit event per change (``customer.create`` with
the opening debt, ``ledger.sale`` / ``ledger.receipt`` / ``ledger.return``,
``debt.set`` for adjustments) on the hash chain.  Customers are written a
block at a time (one transaction per block, bulk inserts inside); within a
block the entries and events go in in time order, so ids follow time there.
The timestamps lie in the past year, earlier than the events already on the
chain -- the chain is in id order, not time order.
"""

from __future__ import annotations

import os
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from peewee import fn

from .. import clock
from ..errors import ValidationError
from ..db import write_transaction
from ..i18n import t
from ..models import ADJUSTMENT, OPENING, RECEIPT, RETURN, SALE, AuditEvent, Customer, LedgerEntry, User
from ..money import format_amount, from_fen
from ..text import has_controls
from . import audit
from .auth import hash_password
from .bulk import insert_rows
from .pinyin import search_fields
from .policy import Actor

SAMPLE_RESOURCE = ("data", "demo", "company-names-sample.txt")
DEMO_USERS = (  # username, password, role -- for a demo database only
    ("admin", "admin123", "admin"),
    ("finance", "finance123", "finance"),
    ("clerk", "clerk123", "clerk"),
    ("viewer", "viewer123", "viewer"),
)
ORIGIN = "demo"
BLOCK = 10_000  # customers per transaction: bounds memory and the size of one commit
MAX_NAME = 200  # Customer.name

ProgressFn = Callable[[int, int], Any]


# --- names ------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}\s*[./\-年]\s*\d{1,2}\s*[./\-月]\s*\d{1,2}\s*日?$")
_HEADER_WORDS = {"name", "names", "company", "companyname", "名称", "公司名称", "企业名称", "客户名称", "名字"}
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _looks_like_header(line: str) -> bool:
    """A byline ("By@...", an address with @), a date, or a column title."""
    if "@" in line or line.lower().startswith("by ") or line.lower().startswith("by@"):
        return True
    if _DATE_RE.match(line):
        return True
    return re.sub(r"[\s_\-:：]+", "", line).lower() in _HEADER_WORDS


def _usable(line: str) -> bool:
    """A name a customer can carry: no control characters, not too long, holds a letter."""
    return (0 < len(line) <= MAX_NAME and not has_controls(line)
            and any(ch.isalpha() for ch in line))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def parse_names(text: str) -> list[str]:
    """Names from the text of a names file (see :func:`read_names`)."""
    text = text.lstrip("\ufeff")
    names: list[str] = []
    seen: set[str] = set()
    in_header = True  # until the first name: skip bylines, dates, titles and blanks
    for raw in _LINE_BREAK_RE.split(text):
        line = unicodedata.normalize("NFC", raw).strip()
        if not line:
            continue
        if in_header and _looks_like_header(line):
            continue
        in_header = False
        if not _usable(line) or line in seen:
            continue
        seen.add(line)
        names.append(line)
    return names


def read_names(path: str | os.PathLike[str] | resources.abc.Traversable) -> list[str]:
    """One name per line, in file order, each once.

    Copes with a UTF-8 BOM (or GB18030), CRLF/CR/LF, and header lines at the
    top -- a byline, a date, a column title, blanks -- which are recognised,
    not counted off, so a plain list loses nothing.  Blank lines, lines with
    control characters, lines without a letter and repeats are skipped.  A
    file holding NUL bytes is not text (a program, an image, UTF-16): no names.
    """
    if hasattr(path, "read_bytes"):
        data = path.read_bytes()  # Path or importlib.resources Traversable
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    if b"\x00" in data:  # its "lines" between the binary would pass as names
        return []
    return parse_names(_decode(data))


def sample_names() -> list[str]:
    """The bundled sample of ~5,000 company names (``data/demo``)."""
    return read_names(resources.files("jxc_tui").joinpath(*SAMPLE_RESOURCE))


# --- generated details ---------------------------------------------------------------

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宇浩凯晨鑫斌波宁欣怡婷雪琳颖佳"
          "俊峰海燕梅莉志国春晓东亮林成龙云岚鹤松柏秋冬")
_TITLES = ("经理", "总", "老板", "主任", "会计", "姐", "哥")
_PLACES = (
    ("北京市", "", ("朝阳区", "海淀区", "丰台区", "通州区", "大兴区")),
    ("上海市", "", ("浦东新区", "闵行区", "嘉定区", "宝山区", "松江区")),
    ("天津市", "", ("河西区", "南开区", "滨海新区")),
    ("重庆市", "", ("渝北区", "江北区", "沙坪坝区", "九龙坡区")),
    ("广东省", "广州市", ("天河区", "白云区", "番禺区", "海珠区")),
    ("广东省", "深圳市", ("南山区", "宝安区", "龙岗区", "福田区")),
    ("浙江省", "杭州市", ("西湖区", "余杭区", "萧山区", "拱墅区")),
    ("浙江省", "义乌市", ("稠城街道", "北苑街道", "佛堂镇")),
    ("江苏省", "苏州市", ("工业园区", "吴中区", "相城区")),
    ("江苏省", "南京市", ("鼓楼区", "江宁区", "秦淮区")),
    ("山东省", "济南市", ("历下区", "槐荫区", "天桥区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "成华区", "郫都区")),
    ("湖北省", "武汉市", ("江汉区", "洪山区", "汉阳区")),
    ("河南省", "郑州市", ("金水区", "二七区", "中原区")),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区")),
    ("陕西省", "西安市", ("雁塔区", "未央区", "碑林区")),
)
_ROADS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "工业路", "长江路", "黄河路",
          "胜利路", "光明路", "环城北路", "学府路", "金桥路", "科技大道", "商贸街", "五一路", "青年路", "滨江路")
_AREA_CODES = ("010", "021", "022", "023", "020", "0755", "0571", "0579", "0512", "025", "0531", "028",
               "027", "0371", "0592", "029")
_RECEIPT_WAYS = ("现金收款", "银行转账", "微信收款", "支付宝收款", "承兑汇票", "对公转账")
_RETURN_WHY = ("质量问题", "规格不符", "客户多订", "运输破损", "过期退回")
_ADJUST_WHY = {
    "round": "抹零（客户结账时协商）",
    "diff": "对账差异调整（双方对账单确认）",
    "writeoff": "坏账核销（经理批准）",
    "typo": "更正录入错误（原单据金额有误）",
}
_OPENING_REASON = "期初余额（系统上线前旧账迁移）"


def _person(rng: random.Random) -> str:
    surname = rng.choice(_SURNAMES)
    if rng.random() < 0.2:
        return surname + rng.choice(_TITLES)
    return surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.15:
        area = rng.choice(_AREA_CODES)
        digits = 8 if len(area) == 3 else rng.choice((7, 8))
        return f"{area}-{rng.randrange(2 * 10 ** (digits - 1), 10 ** digits)}"
    return f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"


def _address(rng: random.Random) -> str:
    province, city, districts = rng.choice(_PLACES)
    text = f"{province}{city}{rng.choice(districts)}{rng.choice(_ROADS)}{rng.randint(1, 999)}号"
    r = rng.random()
    if r < 0.3:
        text += f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}{rng.randint(1, 20):02d}室"
    elif r < 0.45:
        text += f"{rng.choice('ABCDEFG')}区{rng.randint(1, 400)}铺"
    return text


# --- a customer's year ------------------------------------------------------------

@dataclass
class _Entry:
    at: datetime
    kind: str
    amount_fen: int
    before_fen: int
    after_fen: int
    reason: str
    actor: int  # index into the role actors
    action: str  # the audit action; "" for the opening entry (part of customer.create)


@dataclass
class _Plan:
    code: str
    name: str
    contact: str
    phone: str
    address: str
    created_at: datetime
    creator: int
    opening_fen: int
    entries: list[_Entry] = field(default_factory=list)  # opening first, when there is one

    @property
    def balance_fen(self) -> int:
        return self.entries[-1].after_fen if self.entries else 0


_ADMIN, _FINANCE, _CLERK = 0, 1, 2


def _yuan(rng: random.Random, low_exp: float, high_exp: float, *, round_to: int = 1,
          cents: float = 0.3) -> int:
    """A plausible amount in fen, log-uniform between 10**low_exp and 10**high_exp yuan."""
    yuan = int(10 ** rng.uniform(low_exp, high_exp))
    yuan = max(round_to, yuan - yuan % round_to)
    fen = rng.randrange(1, 100) if rng.random() < cents else 0
    return yuan * 100 + fen


def _times(rng: random.Random, today: datetime, created_days_ago: int, n: int) -> list[datetime]:
    """Creation time then ``n`` strictly later times, all in office hours (UTC+8) before today."""
    def at(days_ago: int) -> datetime:
        return today - timedelta(days=days_ago, seconds=-rng.randrange(3600, 10 * 3600))  # 09:00-18:00 CST

    times = [at(created_days_ago)]
    later = sorted((at(rng.randint(1, created_days_ago - 1)) for _ in range(n)))
    for ts in later:
        if ts <= times[-1]:
            ts = times[-1] + timedelta(seconds=rng.randint(30, 900))
        times.append(ts)
    return times


def _plan(rng: random.Random, index: int, name: str, today: datetime) -> _Plan:
    n_moves = rng.choice((0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 9))
    created_days_ago = rng.randint(120, 365)
    times = _times(rng, today, created_days_ago, n_moves + 1)  # +1 for a possible final settlement
    migrated = rng.random() < 0.75
    opening = _yuan(rng, 2.3, 5.4, round_to=rng.choice((1, 10, 100)), cents=0.25) if migrated else 0
    if migrated and rng.random() < 0.04:
        opening = -_yuan(rng, 2.5, 4.0, round_to=100, cents=0)  # a deposit carried over (预收)
    plan = _Plan(code=f"C{index:06d}", name=name, contact=_person(rng), phone=_phone(rng),
                 address=_address(rng), created_at=times[0],
                 creator=_FINANCE if migrated else _CLERK, opening_fen=opening)
    balance = 0

    def add(at: datetime, kind: str, amount: int, reason: str, who: int, action: str) -> None:
        nonlocal balance
        plan.entries.append(_Entry(at, kind, amount, balance, balance + amount, reason, who, action))
        balance += amount

    if opening:
        add(times[0], OPENING, opening, _OPENING_REASON, plan.creator, "")
    last_sale = 0
    for at in times[1:-1]:
        day = (at + timedelta(hours=8)).strftime("%Y%m%d")
        clerk = _FINANCE if rng.random() < 0.15 else _CLERK
        r = rng.random()
        if balance <= 0 and r < 0.8 or balance > 0 and r < 0.45:
            last_sale = _yuan(rng, 2.0, 4.7)
            add(at, SALE, last_sale, f"销售单 XS{day}-{rng.randint(1, 9999):04d}", clerk, "ledger.sale")
        elif last_sale and r < 0.52 and balance > 0:
            amount = max(100, last_sale * rng.randint(5, 50) // 100)
            add(at, RETURN, -amount, f"退货单 TH{day}-{rng.randint(1, 9999):04d}，{rng.choice(_RETURN_WHY)}",
                clerk, "ledger.return")
        elif r < 0.58:
            kind = rng.choice(tuple(_ADJUST_WHY))
            if kind == "round" and balance > 10000:
                new = balance - balance % 10000  # drop the odd yuan below a hundred
            elif kind == "writeoff" and balance > 0:
                new = 0
            else:
                new = balance + rng.choice((-1, 1)) * _yuan(rng, 0.5, 2.7)
            if new != balance:
                who = rng.choice((_CLERK, _FINANCE))
                add(at, ADJUSTMENT, new - balance, _ADJUST_WHY[kind], who, "debt.set")
        else:
            way = rng.choice(_RECEIPT_WAYS)
            if balance <= 0:
                amount = _yuan(rng, 3.0, 4.3, round_to=100, cents=0)  # paid in advance
            elif rng.random() < 0.35:
                amount = balance
            elif rng.random() < 0.06:
                amount = balance + _yuan(rng, 2.5, 3.7, round_to=100, cents=0)  # paid more than owed
            else:
                amount = balance * rng.randint(20, 90) // 100
                amount -= amount % 10000
                amount = amount or balance
            add(at, RECEIPT, -amount, way, clerk, "ledger.receipt")
    if balance > 0 and rng.random() < 0.2:  # settled in full
        add(times[-1], RECEIPT, -balance, f"{rng.choice(_RECEIPT_WAYS)}（结清）", _CLERK, "ledger.receipt")
    return plan


# --- writing -----------------------------------------------------------------------

@dataclass(frozen=True)
class DemoSummary:
    users_created: tuple[str, ...]
    customers: int  # customers in the database afterwards
    customers_created: int
    entries: int  # ledger entries written by this call
    events: int  # audit events written by this call
    total_balance: Decimal  # sum of all balances afterwards
    reused: bool  # the database already had customers: nothing was written
    seconds: float
    demo_users: bool = False  # the DEMO_USERS accounts exist (so the login hint applies)

    def describe(self, url: str = "") -> str:
        if self.reused:
            return t("demo.reused", url=url, customers=f"{self.customers:,}")
        return t("demo.created", url=url, customers=f"{self.customers_created:,}", entries=f"{self.entries:,}",
                 events=f"{self.events:,}", seconds=f"{self.seconds:.1f}")

    def login_hint(self) -> str:
        """The demo accounts, when this database has them; "" otherwise."""
        return t("demo.login_hint") if self.demo_users else ""


def _role_actors() -> list[Actor]:
    """Users acting in the demo history, indexed _ADMIN, _FINANCE, _CLERK."""
    users = list(User.select().where(User.is_active == True).order_by(User.id))  # noqa: E712
    if not users:
        users = list(User.select().order_by(User.id))
    by_role: dict[str, User] = {}
    for u in users:
        by_role.setdefault(u.role, u)
    fallback = by_role.get("admin") or users[0]
    picks = [by_role.get(r) or fallback for r in ("admin", "finance", "clerk")]
    return [Actor(u.id, u.username, u.role, ORIGIN) for u in picks]


def _create_users(at: datetime) -> tuple[str, ...]:
    hashes = [(name, hash_password(password), role) for name, password, role in DEMO_USERS]
    with write_transaction():
        if User.select().exists():
            return ()
        admin: Actor | None = None
        events = []
        for name, pw_hash, role in hashes:
            user = User.create(username=name, password_hash=pw_hash, role=role, created_at=at)
            if admin is None:
                admin = Actor(user.id, user.username, user.role, ORIGIN)
            events.append(audit.event_fields(admin, "user.create", entity="user", entity_id=user.id,
                                             after={"username": name, "role": role}, reason="demo", at=at))
        audit.record_many(events)
    return tuple(name for name, _, _ in DEMO_USERS)


def _has_demo_users() -> bool:
    """Whether every DEMO_USERS account exists, active, with its demo role and password."""
    users = {u.username: u for u in User.select().where(User.username.in_([n for n, _, _ in DEMO_USERS]))}
    checker = PasswordHasher()
    for name, password, role in DEMO_USERS:
        user = users.get(name)
        if user is None or not user.is_active or user.role != role:
            return False
        try:
            checker.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return True


def _customer_count() -> int:
    return Customer.select().count()


def _total_balance() -> Decimal:
    return from_fen(Customer.select(fn.COALESCE(fn.SUM(Customer.balance_fen), 0)).scalar() or 0)


_CUSTOMER_FIELDS = [Customer.code, Customer.name, Customer.contact, Customer.phone, Customer.address,
                    Customer.pinyin_initials, Customer.pinyin_full, Customer.search_key, Customer.balance_fen,
                    Customer.version,
                    Customer.created_at, Customer.updated_at]
_ENTRY_FIELDS = [LedgerEntry.customer, LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.balance_before_fen,
                 LedgerEntry.balance_after_fen, LedgerEntry.reason, LedgerEntry.actor, LedgerEntry.actor_name,
                 LedgerEntry.source, LedgerEntry.created_at]


def _write_block(plans: list[_Plan], actors: list[Actor]) -> tuple[int, int]:
    """One transaction: the block's customers, then entries and events in time order."""
    keys = [search_fields(p.code, p.name, p.phone) for p in plans]  # pure CPU, before taking the lock
    # Time order across the block; per customer the entries keep their order (times increase).
    items: list[tuple[datetime, int, int, int]] = []  # (at, seq, plan index, entry index or -1)
    seq = 0
    for pi, p in enumerate(plans):
        items.append((p.created_at, seq, pi, -1))
        seq += 1
        for ei, e in enumerate(p.entries):
            if e.kind != OPENING:  # the opening goes in with customer.create
                items.append((e.at, seq, pi, ei))
                seq += 1
    items.sort()
    with write_transaction():
        start_id = Customer.select(fn.MAX(Customer.id)).scalar() or 0
        insert_rows(Customer, _CUSTOMER_FIELDS, [
            (p.code, p.name, p.contact, p.phone, p.address, *index, p.balance_fen,
             1 + len(p.entries), p.created_at, p.entries[-1].at if p.entries else p.created_at)
            for p, index in zip(plans, keys)])
        ids = {r.code: r.id for r in Customer.select(Customer.id, Customer.code).where(Customer.id > start_id)}
        cids = [ids[p.code] for p in plans]

        ordered: list[tuple[int, _Entry]] = []  # (plan index, entry) in insertion order
        for _, _, pi, ei in items:
            entries = plans[pi].entries
            if ei == -1:
                if entries and entries[0].kind == OPENING:
                    ordered.append((pi, entries[0]))
            else:
                ordered.append((pi, entries[ei]))
        start_entry = LedgerEntry.select(fn.MAX(LedgerEntry.id)).scalar() or 0
        insert_rows(LedgerEntry, _ENTRY_FIELDS, [
            (cids[pi], e.kind, e.amount_fen, e.before_fen, e.after_fen, e.reason, actors[e.actor].user_id,
             actors[e.actor].username, ORIGIN, e.at) for pi, e in ordered])
        entry_ids = [r.id for r in LedgerEntry.select(LedgerEntry.id).where(LedgerEntry.id > start_entry)
                     .order_by(LedgerEntry.id)]
        assert len(entry_ids) == len(ordered)
        entry_id = {id(e): eid for (_, e), eid in zip(ordered, entry_ids)}

        def events() -> Iterable[dict[str, Any]]:
            for _, _, pi, ei in items:
                p, cid = plans[pi], cids[pi]
                if ei == -1:
                    after: dict[str, Any] = {"code": p.code, "name": p.name, "contact": p.contact,
                                             "phone": p.phone, "address": p.address}
                    reason = ""
                    if p.entries and p.entries[0].kind == OPENING:
                        opening = p.entries[0]
                        after.update(opening=format_amount(opening.amount_fen, fen=True),
                                     ledger_entry=entry_id[id(opening)])
                        reason = opening.reason
                    yield audit.event_fields(actors[p.creator], "customer.create", entity="customer",
                                             entity_id=cid, customer_id=cid, after=after, reason=reason,
                                             at=p.created_at)
                    continue
                e = p.entries[ei]
                change = format_amount(e.amount_fen, fen=True, signed=True)
                yield audit.event_fields(
                    actors[e.actor], e.action, entity="ledger_entry", entity_id=entry_id[id(e)],
                    customer_id=cid, before={"balance": format_amount(e.before_fen, fen=True)},
                    after={"balance": format_amount(e.after_fen, fen=True), "change": change},
                    reason=e.reason, at=e.at)

        n_events = len(audit.record_many(events()))
    return len(ordered), n_events


def _seed_approvals(actors: list[Actor]) -> int:
    """A few things for finance to look at, made through the real services:
    credit limits on some customers and requests above the clerk's limit
    waiting for approval.  Returns the number of audit events written."""
    from . import approvals, customers as customer_service

    before = AuditEvent.select().count()
    admin, finance, clerk = actors
    owing = list(Customer.select().where(Customer.balance_fen > 500000).order_by(Customer.id).limit(5))
    for c in owing[:3]:
        limit = from_fen((c.balance_fen + 999_99) // 100_000 * 100_000)  # just above today's debt
        customer_service.set_credit_limit(finance, c.id, limit, "年度授信（演示）", expected_version=None)
    if len(owing) >= 5 and clerk.role != finance.role:
        c = Customer.get_by_id(owing[3].id)
        approvals.set_debt(clerk, c.id, from_fen(c.balance_fen + 1_500_000), "补录发货单 XS-DEMO-0001（演示）",
                           expected_version=None, confirm_credit=True)
        approvals.post_movement(clerk, owing[4].id, "receipt", from_fen(owing[4].balance_fen // 2),
                                "银行转账（演示，金额超出柜台额度）", confirm_credit=True)
    return AuditEvent.select().count() - before


def seed_demo(names: Sequence[str] | None, customers: int, *, seed: int = 42,
              progress: ProgressFn | None = None, block: int = BLOCK) -> DemoSummary:
    """Fill an empty database with demo users and ``customers`` customers.

    With no users yet, creates one per role (``DEMO_USERS``: admin/admin123,
    finance/finance123, clerk/clerk123, viewer/viewer123).  A database that
    already has customers is left alone (``reused``).  ``names`` (``None``:
    the bundled sample) are used in a shuffled order, repeating when there
    are fewer names than customers; codes are ``C000001``... ``progress`` is
    called with ``(done, total)`` after each committed block.

    This is a set-up tool (``jxc demo``), not a user operation: it takes no
    actor and checks no permission; the caller decides when it may run.
    """
    started = time.perf_counter()
    if customers < 0:
        raise ValueError("customers must be >= 0")
    demo_names = [n for n, _, _ in DEMO_USERS]
    if User.select().exists() and (User.select().where(User.username.not_in(demo_names)).exists()
                                   or not _has_demo_users()):
        # Never fill a real database with invented history signed by real people:
        # only an empty database, or one whose users are exactly the demo accounts.
        raise ValidationError("demo.not_demo")
    if _customer_count():
        return DemoSummary((), _customer_count(), 0, 0, 0, _total_balance(), True,
                           time.perf_counter() - started, _has_demo_users())
    pool = [n for n in (unicodedata.normalize("NFC", s).strip() for s in
                        (sample_names() if names is None else names)) if _usable(n)]
    if customers and not pool:
        raise ValueError("no usable names")
    rng = random.Random(seed)
    rng.shuffle(pool)
    now = clock.utcnow()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    users = () if User.select().exists() else _create_users(today - timedelta(days=370))
    actors = _role_actors()
    if progress:
        progress(0, customers)
    entries = events = 0
    for start in range(0, customers, block):
        plans = [_plan(rng, i + 1, pool[i % len(pool)], today)
                 for i in range(start, min(start + block, customers))]
        n_entries, n_events = _write_block(plans, actors)
        entries += n_entries
        events += n_events
        if progress:
            progress(start + len(plans), customers)
    events += _seed_approvals(actors)
    total = _total_balance()
    return DemoSummary(users, _customer_count(), customers, entries, events + len(users), total, False,
                       time.perf_counter() - started, _has_demo_users())


__all__ = ["DEMO_USERS", "DemoSummary", "parse_names", "read_names", "sample_names", "seed_demo"]
