"""Undo the commonest OCR confusions in scanned and faxed records, keeping every offset.

Outside records reach the chart as OCR text in which ``l``/``1``, ``O``/``0``
and ``I``/``l`` are swapped: ``ANTl-SMITH ... P0SITIVE``, ``ANTI-dsDNA 4l0``,
``MMF started 0l/2022``. The pipeline reads the repaired text; evidence is
still quoted from the note itself, which is why every repair replaces one
character with one character.

The repairs are deliberately narrow, so that ordinary typed notes come out
unchanged:

* in a number-like token (more digits than letters), ``l`` reads ``1`` and
  ``O`` reads ``0``: ``4l0``, ``0l/l8/2024``, ``20l8``;
* in a word-like token (at least four letters, one case), a ``0`` reads
  ``O``/``o`` and a ``1`` reads ``I``/``l``: ``P0SITIVE``, ``HIST0NE``,
  ``mofet1l``; lab names that really hold digits
  (``HbA1c``, ``T1DM``, ``C1q``, ``PlGF``) are left alone, and so is a digit
  that ends a lower-case word (``glycoprotein1``, so ``Postmenopausa1`` stays);
* in an upper-case word, a lower-case ``l`` reads ``I``: ``ANTl``, ``MOFETlL``;
  and ``lV``/``lll`` beside roman numerals read ``IV``/``III``.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_KEEP = re.compile(r"(?i)^(?:hba1c|a1c|t[12]dm|dm[12]|c1q|c1inh|c1|o2|plgf|g\d+p\d+\w*)$")
_DIGITISH = {"l": "1", "O": "0"}
_ROMAN = re.compile(r"^[IVXl]+$")


def repair(text: str) -> str:
    """Return ``text`` with OCR letter/digit confusions undone; same length as ``text``."""
    if not _suspect(text):
        return text
    out = _TOKEN.sub(_repair_token, text)
    assert len(out) == len(text)
    return out


def _suspect(text: str) -> bool:
    """A cheap test that skips the token pass for text with no mixed tokens or stray ``l``."""
    return bool(re.search(r"[A-Za-z][0-9]|[0-9][A-Za-z]|[A-Z]l|l[A-Z]", text))


def _repair_token(match: re.Match[str]) -> str:
    token = match.group()
    if _KEEP.match(token):
        return token
    digits = sum(c.isdigit() for c in token)
    letters = len(token) - digits
    if digits and digits >= letters and all(c.isdigit() or c in _DIGITISH for c in token):
        return "".join(_DIGITISH.get(c, c) for c in token)
    if "l" in token and len(token) >= 2 and _ROMAN.match(token) and set(token) != {"l"}:
        return token.replace("l", "I")
    if digits and letters >= 4 and all(c.isalpha() or c in "01" for c in token):
        return _word_with_digits(token)
    if "l" in token and sum(c.isupper() for c in token) >= 3 and not any(c.islower() and c != "l" for c in token):
        return token.replace("l", "I")
    return token


def _word_with_digits(token: str) -> str:
    """``P0SITIVE`` -> ``POSITIVE``, ``ANTIB0DY`` -> ``ANTIBODY``."""
    body = [c for c in token if c.isalpha()]
    upper = all(c.isupper() for c in body)
    lower = all(c.islower() for c in body[1:])
    # In a lower-case word a trailing digit is usually real ("glycoprotein1").
    if not (upper or (lower and token[-1].isalpha())):
        return token
    zero, one = ("O", "I") if upper else ("o", "l")
    return token.replace("0", zero).replace("1", one)
