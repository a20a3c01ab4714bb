"""Undo one- and two-letter misspellings of drug names, keeping every offset.

Notes typed in a hurry misspell the drugs the refractory criterion counts:
``azathiaprine``, ``tacrolimis``, ``mycophenylate``. A misspelling that keeps
the word's length (a wrong letter, not a missing one) is read as the drug
it is closest to, so the drug rules match it; evidence is still quoted from
the note itself, which is why a repair replaces letters one for one.

The repair is deliberately narrow, so that ordinary words come out unchanged:
only words of at least eight letters are read, only against single-word drug
names of the same length with the same first two letters, and only within
one wrong letter (two from ten letters up). A word that is itself a drug
name is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.resources import protocol

_WORD = re.compile(r"[A-Za-z]{8,}")
_MIN_LENGTH = 8


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], dict[tuple[int, str], tuple[str, ...]]]:
    """Every single-word drug name, and the names by (length, first two letters)."""
    known: set[str] = set()
    for drugs in protocol()["medications"].values():
        for synonyms in drugs.values():
            known.update(s.lower() for s in synonyms if s.isalpha() and len(s) >= _MIN_LENGTH)
    by_shape: dict[tuple[int, str], list[str]] = {}
    for name in sorted(known):
        by_shape.setdefault((len(name), name[:2]), []).append(name)
    return frozenset(known), {key: tuple(names) for key, names in by_shape.items()}


def _allowed(length: int) -> int:
    return 2 if length >= 10 else 1


def _closest(word: str) -> str | None:
    """The drug name ``word`` misspells, or ``None``."""
    known, by_shape = _names()
    lower = word.lower()
    if lower in known:
        return None
    # The nearest name wins: "prednisome" is prednisone, one letter off, not
    # prednisona (a listed Spanish name), two off.
    best: tuple[int, str] | None = None
    for name in by_shape.get((len(lower), lower[:2]), ()):
        distance = sum(a != b for a, b in zip(lower, name, strict=True))
        if distance <= _allowed(len(name)) and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


def _in_case_of(name: str, word: str) -> str:
    if word.isupper():
        return name.upper()
    if word[0].isupper():
        return name[0].upper() + name[1:]
    return name


def repair(text: str) -> str:
    """Return ``text`` with misspelt drug names spelt right; same length as ``text``."""

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        name = _closest(word)
        return word if name is None else _in_case_of(name, word)

    out = _WORD.sub(fix, text)
    assert len(out) == len(text)
    return out
