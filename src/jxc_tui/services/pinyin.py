"""Pinyin search keys for Chinese names, computed once when a customer is saved.

``initials`` holds the phrase-aware reading first (重庆 -> cq, 银行 -> yh),
then other readings of polyphonic characters (单 -> d or s, 曾 -> c or z),
space separated, so ``bjhx`` finds 北京华夏 and ``szs`` finds 单志思.
``full`` holds the full pinyin the same way.  ASCII letters and digits in a
name count as themselves; other punctuation is skipped.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

MAX_VARIANTS = 8


@lru_cache(maxsize=1)
def _pypinyin():  # imported lazily: ~0.25 s
    import pypinyin
    from pypinyin.pinyin_dict import pinyin_dict

    return pypinyin, pinyin_dict


def _strip_tone(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFKD", syllable)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower().replace("v", "u")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0002ffff"


@lru_cache(maxsize=8192)
def _readings(ch: str) -> tuple[str, ...]:
    _, table = _pypinyin()
    raw = table.get(ord(ch), "")
    return tuple(dict.fromkeys(_strip_tone(r) for r in raw.split(",") if r))


def pinyin_keys(name: str) -> tuple[str, str]:
    """``(initials, full)`` search keys for ``name`` (lower case, space-separated variants)."""
    pypinyin, _ = _pypinyin()
    text = unicodedata.normalize("NFKC", name).lower()
    han = [c for c in text if _is_han(c)]
    default = pypinyin.lazy_pinyin("".join(han), errors="ignore") if han else []
    default_iter = iter(default)
    # Per position: (default syllable, alternative syllables)
    slots: list[tuple[str, tuple[str, ...]]] = []
    for ch in text:
        if _is_han(ch):
            syl = _strip_tone(next(default_iter, ""))
            alts = tuple(r for r in _readings(ch) if r and r != syl)
            slots.append((syl, alts))
        elif ch.isascii() and ch.isalnum():
            slots.append((ch, ()))
    if not slots:
        return "", ""

    def initial(s: str) -> str:
        return s[:1]

    def combine(pick) -> str:
        # The default reading, then one polyphonic character read otherwise at
        # a time, earliest first (surnames lead a name).
        base = [pick(d) for d, _ in slots]
        variants = ["".join(base)]
        for i, (_, alts) in enumerate(slots):
            for alt in alts:
                if len(variants) >= MAX_VARIANTS:
                    break
                variants.append("".join(base[:i] + [pick(alt)] + base[i + 1:]))
        return " ".join(dict.fromkeys(variants))

    return combine(initial), combine(lambda s: s)


FIELD_SEPARATOR = "\x1f"  # never in a query: control characters are dropped from searches


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def search_key(code: str, name: str, phone: str, initials: str, full: str) -> str:
    """Every searchable value, each one led by the separator, so ``contains(q)``
    finds q anywhere and ``contains(SEP + q)`` finds values that begin with q."""
    values = [code.lower(), name.lower(), phone_digits(phone), *initials.split(), *full.split()]
    return "".join(FIELD_SEPARATOR + v for v in values if v)


def search_fields(code: str, name: str, phone: str) -> tuple[str, str, str]:
    """``(pinyin_initials, pinyin_full, search_key)`` stored with a customer."""
    initials, full = pinyin_keys(name)
    return initials, full, search_key(code, name, phone, initials, full)
