"""A fast sentence splitter for clinical note layout.

medspaCy's default splitter (PyRuSH) runs character rules in pure Python and
dominates pipeline time. Clinical notes are mostly line-structured, so this
splitter decides boundaries from the layout first (headings, list items,
table and vitals lines, blank lines) and only then splits prose lines at
sentence punctuation, skipping abbreviations, initials and decimals.
``sentence_starts`` is a pure function so that its table of cases can be
tested without spaCy.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u00b7+>]|\d{1,2}[.)]|\(\d{1,2}\)|[a-zA-Z][.)](?=\s))\s*")
_HEADING = re.compile(r"^\s*[A-Za-z][A-Za-z0-9 /&(),'-]{0,48}:")
_CAPS_LINE = re.compile(r"^\s*[A-Z][A-Z0-9 /&(),'-]{2,48}\s*$")
_TABLE_ROW = re.compile(r"\.{3,}|\t|\S {3,}\S|^\s*[A-Za-z][\w /%()-]{0,30}\s*[:=]?\s*[<>]?\d")
_TERMINAL = re.compile(r"[.!?:;]\s*$")
# A new sentence starts with a capital or digit, or with a query ("?early LN").
_PUNCT_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9]|\?\w)")
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "vs",
        "v",
        "e.g",
        "i.e",
        "etc",
        "approx",
        "appt",
        "mg",
        "no",
        "nos",
        "st",
        "jr",
        "sr",
        "pt",
        "pts",
        "hx",
        "dx",
        "tx",
        "rx",
        "sx",
        "fx",
        "fig",
        "wk",
        "wks",
        "yr",
        "yrs",
        "mo",
        "mos",
        "min",
        "max",
        "avg",
        "ref",
        "inc",
        "ca",
        "cf",
        "al",
        "dept",
        "est",
        "a.m",
        "p.m",
        "u.s",
        "m.d",
        "ph.d",
        "d.o",
        "r.n",
        "n.p",
        "sig",
        "approx.",
        "vol",
        "oz",
        "lb",
        "lbs",
        "ft",
        "hrs",
        "hr",
        "sec",
        "temp",
        "resp",
        "pulm",
        "cardio",
        "neuro",
        "gi",
        "gu",
        "ext",
        "dept.",
        "univ",
        "co",
        "corp",
        "ltd",
        "assoc",
        "prof",
        "sgt",
        "gen",
        "col",
        "capt",
        "mt",
        "ave",
        "blvd",
    ]
)
_WRAP_WIDTH = 55


def _ends_sentence(line_text: str, cut: int) -> bool:
    """Whether the period before ``cut`` really ends a sentence."""
    before = line_text[:cut].rstrip()
    before = before.rstrip("\"')]")
    if not before.endswith((".", "!", "?")):
        return False
    if before.endswith(("!", "?")):
        return True
    # A detached dot ("anti-chromatin . 28 U/mL") is a one-dot leader.
    if re.search(r"\s\.$", before):
        return False
    word = re.search(r"(\S+)\.$", before)
    if word is None:
        return True
    token = word.group(1).lower().lstrip("([\"'")
    if token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS:
        return False
    # Dotted leaders and ellipses ("Anti-dsDNA ...... 87") are not stops.
    if before.endswith(".."):
        return False
    # Initials ("J. Smith"). Dotted frequencies ("b.i.d.") do end sentences.
    if len(token) == 1 and token.isalpha():
        return False
    # A bare list number at the start of the line ("1. Lupus") is a marker.
    return not (token.isdigit() and before[: word.start()].strip() == "")


def _line_starts_sentence(prev: str, line: str) -> bool:
    """Whether ``line`` opens a new sentence given the previous non-blank line."""
    if _LIST_ITEM.match(line) or _HEADING.match(line) or _CAPS_LINE.match(line):
        return True
    if (_HEADING.match(prev) and prev.rstrip().endswith(":")) or _CAPS_LINE.match(prev):
        return True
    if _TERMINAL.search(prev):
        return True
    if _TABLE_ROW.search(line) and _TABLE_ROW.search(prev):
        return True
    first = line.lstrip()[:1]
    # Hard-wrapped prose: a long line with no closing punctuation continues.
    return not (first.islower() or len(prev.rstrip()) >= _WRAP_WIDTH)


def sentence_starts(text: str) -> list[int]:
    """Return the character offsets where sentences start, in order.

    Each offset points at the first non-space character of a sentence.
    """
    starts: list[int] = []
    prev_line: str | None = None
    blank_since_prev = True
    offset = 0
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            blank_since_prev = True
            offset += len(raw_line)
            continue
        lead = len(line) - len(line.lstrip())
        if prev_line is None or blank_since_prev or _line_starts_sentence(prev_line, line):
            starts.append(offset + lead)
        for m in _PUNCT_SPLIT.finditer(line, lead):
            if _ends_sentence(line, m.start()):
                starts.append(offset + m.end())
        prev_line = line
        blank_since_prev = False
        offset += len(raw_line)
    return starts


@Language.component("clinical_sentences")
def clinical_sentences(doc: Doc) -> Doc:
    """Set ``Token.is_sent_start`` from :func:`sentence_starts`."""
    starts = sentence_starts(doc.text)
    j = 0
    n = len(starts)
    for i, token in enumerate(doc):
        while j < n and starts[j] < token.idx:
            j += 1
        if i == 0 or (j < n and starts[j] == token.idx):
            token.is_sent_start = True
        else:
            token.is_sent_start = False
    return doc
