"""Values read from the text around a mention: lab results, drug exposure,
ages, A1c, nephritis class, proteinuria, gestational age, attributions.

Each reader takes plain strings (the sentence, the mention's offsets inside
it) so it can be tested without spaCy. Patterns that are clinical knowledge
live in ``pipelines/lab_results.json`` and ``pipelines/protocol.json``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from nlp.resources import load_json, pipelines_dir, protocol
from nlp.temporal import (
    CARDINAL_WORDS,
    SEASON_RE,
    TENS_WORDS,
    DateMention,
    add_months,
    find_dates,
    find_durations,
)


@dataclass(frozen=True, slots=True)
class LabPatterns:
    pending: re.Pattern[str]
    negative: re.Pattern[str]
    positive: re.Pattern[str]
    filler: re.Pattern[str]
    prefix: re.Pattern[str]
    reference: re.Pattern[str]
    number: re.Pattern[str]
    titer: re.Pattern[str]


@lru_cache(maxsize=1)
def lab_patterns() -> LabPatterns:
    """Compile the result patterns from ``pipelines/lab_results.json`` once."""
    raw = load_json(pipelines_dir() / "lab_results.json")
    return LabPatterns(**{key: re.compile(raw[key], re.IGNORECASE) for key in LabPatterns.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class LabResult:
    """A lab result read from text."""

    result: str  # "positive" | "negative" | "pending"
    detail: str
    uncertain: bool = False


# Tests the rules do not target may stand between two that they do and still
# share the list's result: "anti-Sm, anti-dsDNA, antineutrophil cytoplasmic,
# and anticardiolipin antibodies were negative".
_UNTARGETED_TEST = (
    r"\banti[\w()/.-]*(?:\s+(?:cytoplasmic|nuclear|neutrophil|antibod(?:y|ies)|abs?|Ig[AGM]))*"
    r"|\bANCA\b|\bRF\b|\brheumatoid\s+factor\b"
)
_CONNECTOR = re.compile(r"^(?:\s|,|/|&|\+|\(|\)|\band\b|\bor\b|-|" + _UNTARGETED_TEST + r")*$", re.IGNORECASE)


_ONE_LINE_ASIDE = re.compile(r"\([^()\n]*\)")


def _cut_window(text: str) -> str:
    """Stop a result window at clause breaks so it reads one test's result.

    Breaks inside a closed parenthesis ("(Farr send-out, collected 07/28)") do not count.
    """
    m = re.search(
        r"[;\n]|(?<![.\d])\.\s|,\s+(?!Ig[GMA]\b)(?=[A-Za-z]{2,}\s*(?:[:=]|\d))",
        _ONE_LINE_ASIDE.sub(lambda a: " " * len(a.group(0)), text),
    )
    return text[: m.start()] if m else text


_RESULT_CONTEXT_WORD = r"(?:at|in|on|since|per|by|from|x|twice|again|before|when|during|with|ever|initially)\b"


_VERSUS_CUTOFF = re.compile(
    r"[\s,]*(?:[a-zA-Z/%]+[\s,]+)?(?:well\s+|just\s+|far\s+)?(?P<side>above|over|exceeds|exceeding|higher\s+than|below|under|within)"
    r"\s+(?:the\s+)?(?:lab'?s\s+)?(?:\d+(?:\.\d+)?\s+)?(?:cut-?off|upper\s+limit|reference|normal|positive\s+threshold)",
    re.IGNORECASE,
)


_MISREPORTED = re.compile(
    r"\s*(?:was|were|is|had\s+been)?\s*(?:mis-?reported|erroneously\s+reported|incorrectly\s+reported|reported\s+in\s+error)"
    r"\b[^.\n]{0,80}?\bcorrected(?:\s+(?:result|value))?\s*(?:to|is|was|of|:|=)?",
    re.IGNORECASE,
)


_TREND_ARROW = re.compile(
    r"(?:->|-->|=>|\u2192)\s*(?:now|then|today|currently|latest|most\s+recently)?\s*(?=[<>]?\s*\d)", re.IGNORECASE
)
# "<10 IU/ml on 07/06/2024, then 58 IU/ml on 05/09/2024": a sequence in words,
# after a value (not "prednisone 40 mg (tapering, now 20 mg)").
_TREND_WORD = re.compile(
    r"[,;]\s*(?:and\s+)?(?:then|now|later|subsequently|most\s+recently)\b(?:\s+(?:rose|fell|up|down)\s+to)?"
    r"\s*(?=[<>]?\s*\d)",
    re.IGNORECASE,
)
_AFTER_A_VALUE = re.compile(
    r"(?:\d|\b(?:H|L|high|low|pos(?:itive)?|neg(?:ative)?|[IE]?U/m[lL]|AI|titer|titre)\)?)\s*\)?\s*$", re.IGNORECASE
)


def last_trend_step(text: str) -> int:
    """Where the last step of a trend on the first line of ``text`` starts ("56 -> now 8"), or 0."""
    line = text.split("\n", 1)[0]
    steps = [m.end() for m in _TREND_ARROW.finditer(line)]
    steps += [m.end() for m in _TREND_WORD.finditer(line) if _AFTER_A_VALUE.search(line, 0, m.start())]
    return max(steps, default=0)


def _as_columns(after: str) -> tuple[str, bool]:
    """The text after a test name with any export row's separators as spaces,
    and whether it is a CSV or pipe row (whose bare ``lo-hi`` is a reference).

    Table cells ("| anti-dsDNA | 156 IU/mL | <30 | H |"), CSV rows
    ("anti-Smith,positive,negative,A"), quoted CSV exports and HL7 OBX
    segments then read like the spaced columns of a printed lab report.
    """
    first_line = after.split("\n", 1)[0]
    if '","' in first_line[:40]:
        # A quoted CSV export: '"DSDNA AB IGG","187","IU/mL","<=9","H"'.
        after = first_line.replace('"', "")
    csv_row = bool(re.match(r"[^,\n]{0,12},(?=\S)", after)) and after.count(",") >= 2
    if csv_row:
        after = after.split("\n", 1)[0].replace(",", "  ")
    pipe_row = "|" in first_line[:20]
    if pipe_row:
        # "SMITH AB IGG^L||0.3|AI|0.0-0.9|N": the coding-system suffix is no result.
        after = re.sub(r"^[^|\n]{0,12}?\^\w*", " ", after)
    return after.replace("|", " "), csv_row or pipe_row


_TIME_UNIT = re.compile(r"\s*(?:mo|mos|months?|wks?|weeks?|days?|yrs?|years?)\b", re.IGNORECASE)


def read_postfix_result(
    after: str, cutoff: float | None = None, panel: Callable[[], tuple[float, str | None] | None] | None = None
) -> LabResult | None:
    """Read the result that follows a test name (``anti-dsDNA 87 IU/mL (H)``).

    Parameters
    ----------
    after:
        The text right after the test name, up to the next test in the sentence.
    cutoff:
        Positive-at-or-above cutoff used only for a bare number with no
        reference range and no flag; such results are marked uncertain.
    panel:
        Looks up the cutoff and unit a panel header states for its rows
        ("positive cutoff 1.0 AI unless stated"), e.g. :func:`panel_cutoff`;
        it decides a bare number in that unit before the default cutoff does.
        Called only for such a number, so most results never search above.
    """
    pats = lab_patterns()
    # Exported notes keep HTML entities ("Anti-Sm &lt;0.2 AI"); the ";" in them
    # is no clause break.
    after = html.unescape(after)
    # "dsDNA 56 (H) 10/2024 -> now 8 (ref <10) on 11/5/24": the trend's last value is the result.
    trend = last_trend_step(after)
    if trend:
        after = " " + after[trend:]
    # "was misreported as negative ...; corrected result 3.9 AI, POSITIVE":
    # the corrected result is the result.
    misreported = _MISREPORTED.match(after)
    if misreported:
        after = " " + after[misreported.end() :]
    # A detached one-dot leader ("anti-chromatin . 28 U/mL") is no full stop.
    after = re.sub(r"^[ \t]+\.(?=[ \t])", " ", after)
    columns, row = _as_columns(after)
    window = _cut_window(columns)[:120]
    if re.match(r"\s*\+\s+(?!" + _RESULT_CONTEXT_WORD + r")(?:anti-?\s*)?[A-Za-z]{2,}", window, re.IGNORECASE):
        return None  # "dsDNA + Sm specimen hemolyzed": "+" joins two tests; not "anti-Sm+ at dx"
    pending = pats.pending.search(window[:60])
    if pending:
        # "negative (<1:10) - ordered by rheum": a result before the word wins.
        stated = [m for m in (pats.negative.search(window), pats.positive.search(window)) if m]
        if not any(m.start() < pending.start() for m in stated):
            return LabResult("pending", "pending")
    labelled = _labelled_result(window)
    if labelled is not None:
        return labelled
    lead = pats.filler.match(window)
    rest = window[lead.end() if lead else 0 :]
    if not rest.strip():
        return None
    head = rest[:40]
    first_word = None
    for pat, label in ((pats.negative, "negative"), (pats.positive, "positive")):
        m = pat.match(head) or pat.match(head.lstrip())
        if m:
            first_word = (label, m.group(0).strip())
            break
    if first_word:
        return LabResult(first_word[0], first_word[1])
    titer = re.match(r"\s*" + pats.titer.pattern, rest, re.IGNORECASE)
    if titer:
        den = int(titer.group("den"))
        threshold = protocol()["antibodies"]["titer_positive_at_or_above"]
        below = titer.group("op") and titer.group("op").startswith("<")
        label = "negative" if below or den < threshold else "positive"
        return LabResult(label, titer.group(0).strip())
    num = pats.number.match(rest.lstrip())
    if not num:
        # Word results a few words on: "anti-Sm antibody was reported as negative".
        # A word at the very end of the window is the next test's prefix
        # ("positive ANA, negative dsDNA"), not this test's result.
        if rest.lstrip()[:1] in (",", ";", "/"):
            return None
        # The first 30 characters, to the end of a word: a cut "has" is no "H" flag.
        # Searched in the whole rest so that the cut is no line end ("... admission - result not in chart").
        near = 30 + re.match(r"\S*", rest[30:]).end()
        for pat, label in ((pats.negative, "negative"), (pats.positive, "positive")):
            m = pat.search(rest)
            if m and m.start() < near and rest[m.end() :].strip().lower() not in ("", "for"):
                return LabResult(label, m.group(0).strip())
        return None
    value = float(num.group("num").replace(",", ""))
    op = num.group("op") or ""
    tail = rest.lstrip()[num.end() :][:60]
    if _TIME_UNIT.match(tail):
        return None  # "recheck dsDNA 3 mo off drug": a time, not a value
    detail = (op + num.group("num")).strip()
    flag = re.match(
        # "(neg <10; pos >15)" labels a reference range, it is no flag.
        r"\s*(?:[a-zA-Z/%.]+\s*){0,2}[(\[]?\s*(?<![A-Za-z])([HL]|high|low|pos(?:itive)?|neg(?:ative)?)"
        r"(?!\s*(?:[<>=\u2264\u2265]|\d))\s*[)\]]?(?:\s|$|[,.;'\"\u2019\u201d])",
        tail,
        re.IGNORECASE,
    )
    if flag:
        word = flag.group(1).lower()
        if word in ("h", "high") or word.startswith("pos"):
            return LabResult("positive", f"{detail} ({flag.group(1)})")
        if word.startswith("neg"):
            return LabResult("negative", f"{detail} ({flag.group(1)})")
    # "3.9 AI, POSITIVE.", "4 - negative": the word closes the value's clause.
    closing = re.match(
        r"\s*(?:[a-zA-Z/%.]+\s*)?(?:,|\s[-\u2013\u2014])\s*(positive|negative|pos|neg)\s*(?:[.;)]|$)",
        tail,
        re.IGNORECASE,
    )
    if closing:
        label = "positive" if closing.group(1).lower().startswith("pos") else "negative"
        return LabResult(label, f"{detail} ({closing.group(1)})")
    column_flag = re.match(
        r"\s*(?:[a-zA-Z/%.]+\s*)?(?:\(?[<>\u2264]\s*\d+(?:\.\d+)?\)?\s*)?(?<![A-Za-z])([HL])\b", tail
    )
    if column_flag:
        label = "positive" if column_flag.group(1) == "H" else "negative"
        return LabResult(label, f"{detail} ({column_flag.group(1)})")
    # "3.2, well above the lab's 1.0 cutoff": the note compares the value for us.
    compared = _VERSUS_CUTOFF.match(tail)
    if compared:
        above = compared.group("side").lower() in ("above", "over", "exceeds", "exceeding", "higher than")
        return LabResult("positive" if above else "negative", f"{detail} ({compared.group('side')} cutoff)")
    # The bands' own ";" is no clause break: read them from the uncut text.
    value_end = len(window) - len(rest.lstrip()) + num.end()
    banded = _banded_result(value, columns[value_end : value_end + 80])
    if banded is not None and not op.startswith("<"):
        return LabResult(banded[0], f"{detail} ({banded[1]})")
    ref = (
        pats.reference.search(tail)
        or re.match(r"^[\s\d.,\-\u2013()HL]*?(?P<op><=?|\u2264)\s*(?P<lo>\d+(?:\.\d+)?)(?P<hi>)\s*$", tail)
        or re.match(r"\s*(?:[a-zA-Z/%.]+\s*)?(?P<op><=?|\u2264)\s*(?P<lo>\d+(?:\.\d+)?)(?P<hi>)", tail)
        # A CSV row's reference column: "Sm Ab,0.3,AI,0.0-0.9,,2025-10-20".
        or (
            row
            and re.match(
                r"\s*(?:[a-zA-Z/%.]+\s+)?(?P<op>)(?P<lo>\d+(?:\.\d+)?)\s*[-\u2013]\s*(?P<hi>\d+(?:\.\d+)?)(?!\d|/)",
                tail,
            )
        )
    )
    if ref:
        lo = float(ref.group("lo"))
        hi = float(ref.group("hi")) if ref.group("hi") else None
        limit = hi if hi is not None else lo
        ref_op = ref.groupdict().get("op") or ""
        ref_text = f"{detail} (ref {ref_op}{ref.group('lo')}" + (f"-{ref.group('hi')})" if hi is not None else ")")
        if op.startswith("<"):
            return LabResult("negative", ref_text)
        upper_bound = hi is not None or ref_op.startswith(("<", "\u2264", "less", "under", "up"))
        above = value > limit if upper_bound else value >= limit
        return LabResult("positive" if above else "negative", ref_text)
    if op.startswith("<"):
        return LabResult("negative", detail)
    # The panel's cutoff reads a value in its unit, or one printed with no unit.
    stated = panel() if panel is not None else None
    if stated is not None and (
        stated[1] is None
        or re.match(r"\s*" + re.escape(stated[1]) + r"\b", tail, re.IGNORECASE)
        or re.match(r"\s*(?:[,;)]|$)", tail)
    ):
        return LabResult("positive" if value >= stated[0] else "negative", f"{detail} (panel cutoff {stated[0]:g})")
    if cutoff is None:
        return None
    return LabResult(
        "positive" if value >= cutoff else "negative", f"{detail} (default cutoff {cutoff:g})", uncertain=True
    )


_PANEL_CUTOFF = re.compile(
    r"\b(?:positive\s+)?cut-?off\s*(?:of\s+|is\s+|[:=]\s*|>=?\s*|\u2265\s*)?(?P<num>\d+(?:\.\d+)?)"
    r"\s*(?P<unit>AI|U/mL|IU/mL|EU/mL|EU|units?)?",
    re.IGNORECASE,
)


_PANEL_CUTOFF_TRAILING = re.compile(
    r"\(\s*(?P<unit>AI|U/mL|IU/mL|EU/mL|EU|units?)?\s*,?\s*pos(?:itive)?\s*(?:>=|\u2265|>)\s*(?P<num>\d+(?:\.\d+)?)"
    r"\s*(?:unless\s+(?:otherwise\s+)?stated|for\s+all)\s*\)",
    re.IGNORECASE,
)


def _lines_above(text: str, pos: int, limit: int) -> list[str]:
    """Up to ``limit`` lines above the one holding ``pos``, nearest first,
    within its block (no blank line between): where a table's header is."""
    line_start = text.rfind("\n", 0, pos)
    if line_start < 0:
        return []
    block_start = max(text.rfind("\n\n", 0, pos), 0)
    return text[block_start:line_start].split("\n")[-limit:][::-1]


def panel_cutoff(text: str, start: int) -> tuple[float, str | None] | None:
    """The cutoff a panel's header states for the rows under it.

    "LAB (multiplex, collected 06/11/2024), positive cutoff 1.0 AI unless
    stated:" then "Sm ...... 0.5 AI": the row has no range of its own, so the
    header's cutoff reads it. Only the lines above the row in the same block
    (no blank line between) are searched, nearest first.
    """
    # "... Chromatin 0.4, Sm 4.8 H (AI, pos >=1.0 unless stated)": a panel
    # written on one line states its cutoff after the rows.
    line_end = text.find("\n", start)
    same_line = text[start : len(text) if line_end < 0 else line_end]
    trailing = _PANEL_CUTOFF_TRAILING.search(same_line)
    if trailing:
        return float(trailing.group("num")), trailing.group("unit")
    for line in _lines_above(text, start, 12):
        m = _PANEL_CUTOFF.search(line)
        if m:
            return float(m.group("num")), m.group("unit")
    return None


_PANEL_LIST = re.compile(
    r"\bENA\b[\w ]{0,20}?(?:\s+(?P<pre>negative|positive|neg|pos))?\s*\((?:incl(?:uding|\.)?\s+)?[^()\n]{0,60}\)\s*"
    r"(?P<post>negative|positive|neg|pos)?",
    re.IGNORECASE,
)


def panel_list_result(text: str, start: int, end: int) -> LabResult | None:
    """The result an ENA panel states for the tests listed in its parentheses.

    "ENA screen (Sm, RNP, Ro, La) negative", "ENA screen negative (incl. Sm)":
    ``text[start:end]`` is one listed test; the panel's word is its result.
    """
    open_paren = text.rfind("(", max(0, start - 40), start)
    if open_paren < 0 or ")" in text[open_paren:start]:
        return None
    for m in _PANEL_LIST.finditer(text, max(0, open_paren - 40), min(len(text), end + 80)):
        if m.start() <= start and end <= m.end():
            word = (m.group("pre") or m.group("post") or "").lower()
            if word:
                return LabResult("positive" if word.startswith("pos") else "negative", f"ENA panel {word}")
    return None


_BAND_POSITIVE = re.compile(r"\bpos(?:itive)?\s*[:=]?\s*(>=|\u2265|>)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
# "Reference: <10 negative, 10-15 equivocal, >15 positive": the band's bound before its label.
_BAND_POSITIVE_AFTER = re.compile(
    r"(>=|\u2265|>)\s*(\d+(?:\.\d+)?)\s*(?:[A-Za-z/]+\s*)?(?:[:=]\s*)?pos(?:itive)?\b", re.IGNORECASE
)
_BAND_WEAK_POSITIVE = re.compile(
    r"\bweak(?:ly)?\s*pos(?:itive)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)", re.IGNORECASE
)
_BAND_NEGATIVE = re.compile(r"\bneg(?:ative)?\s*[:=]?\s*(<=|\u2264|<)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def _banded_result(value: float, tail: str) -> tuple[str, str] | None:
    """Read a value against labelled bands: ``212 IU/mL (neg <10; equivocal 10-15; pos >15)``.

    The positive band decides when it is given, so an equivocal value is not
    positive; otherwise anything above the negative band is.
    """
    band = tail.split("\n", 1)[0]
    weak = _BAND_WEAK_POSITIVE.search(band)
    if weak and float(weak.group(1)) <= value <= float(weak.group(2)):
        # "(neg <30, weak pos 30-60, pos >60)": a weak positive is positive.
        return ("positive", f"weak positive band {weak.group(1)}-{weak.group(2)}")
    pos = _BAND_POSITIVE.search(band) or _BAND_POSITIVE_AFTER.search(band)
    if pos:
        limit = float(pos.group(2))
        above = value > limit if pos.group(1) == ">" else value >= limit
        return ("positive" if above else "negative", f"positive band {pos.group(1)}{pos.group(2)}")
    neg = _BAND_NEGATIVE.search(band)
    if neg:
        limit = float(neg.group(2))
        below = value < limit if neg.group(1) == "<" else value <= limit
        return ("negative" if below else "positive", f"negative band {neg.group(1)}{neg.group(2)}")
    return None


_FIELD_RESULT = re.compile(r"\bResult\s*[:=]\s*(?P<op>[<>]=?)?\s*(?P<num>\d+(?:\.\d+)?)", re.IGNORECASE)
_FIELD_FLAG = re.compile(
    r"\bFlag\s*[:=]\s*(?P<flag>H(?:igh|I)?|L(?:ow|O)?|A(?:bnormal)?|N(?:ormal)?|\(?none\)?|-)?", re.IGNORECASE
)
_FIELD_REF = re.compile(
    r"\bRef(?:erence)?(?:\s+range)?\s*[:=]\s*(?P<op>>=|<=|[<>]|\u2264|\u2265)?\s*(?P<lo>\d+(?:\.\d+)?)(?:\s*-\s*(?P<hi>\d+(?:\.\d+)?))?",
    re.IGNORECASE,
)


def _labelled_result(window: str) -> LabResult | None:
    """Read results laid out as labelled fields: ``Ref: <=9 | Result: 14 | Flag: H``."""
    value = _FIELD_RESULT.search(window)
    if value is None:
        return None
    detail = (value.group("op") or "") + value.group("num")
    flag = _FIELD_FLAG.search(window)
    if flag and flag.group("flag") and flag.group("flag")[0].upper() in "HA":
        return LabResult("positive", f"{detail} (flag {flag.group('flag')})")
    ref = _FIELD_REF.search(window)
    if ref:
        number = float(value.group("num"))
        limit = float(ref.group("hi") or ref.group("lo"))
        op = ref.group("op") or ""
        above = number > limit if (ref.group("hi") or op.startswith(("<", "\u2264"))) else number >= limit
        if (value.group("op") or "").startswith("<"):
            above = False
        return LabResult("positive" if above else "negative", f"{detail} (ref {op}{ref.group('lo')})")
    if flag and flag.group("flag"):
        return LabResult("negative", f"{detail} (flag {flag.group('flag')})")
    return None


def read_prefix_result(before: str) -> LabResult | None:
    """Read a result written before the test name (``positive for anti-Sm``)."""
    m = lab_patterns().prefix.search(html.unescape(before[-48:])[-40:])
    if not m or "\n" in m.group(0):
        return None  # "... 31 IU/mL  HIGH\n  Smith": the last line's flag, not a prefix
    word = m.group(0).strip().lower()
    if word.startswith(("neg", "undetect", "nonreact", "(-", "-")):
        return LabResult("negative", m.group(0).strip())
    return LabResult("positive", m.group(0).strip())


def is_connector(text: str) -> bool:
    """True when ``text`` only joins list items (commas, slashes, "and")."""
    return bool(_CONNECTOR.match(text))


_DIAGNOSIS_FEATURES = re.compile(
    r"\b(?:diagnos\w*|dx|dx'd|criteria|classified)\b[^()\n;]{0,60}\((?P<items>[^()\n]*)$", re.IGNORECASE
)


def listed_as_diagnostic_feature(before: str) -> bool:
    """True when a test name stands in the list of features a diagnosis was made on.

    "SLE diagnosed in 2019 (arthritis, lymphopenia, anti-dsDNA and anti-Smith
    antibodies)": a feature of the diagnosis is a positive result, even with
    no result word. ``before`` is the sentence text up to the test name.
    """
    m = _DIAGNOSIS_FEATURES.search(before[-160:])
    return bool(m) and not re.search(r"\b(?:pending|ordered|sent|check|neg\w*|not)\b", m.group("items"), re.I)


# ---------------------------------------------------------------- dates near a mention


_EARLIER_VALUE = re.compile(
    # Not "negative at the last visit (06/03/2025)": that dates the result itself.
    r"\b(?:was|were|previously|(?<!at\sthe\s)(?<!at\sher\s)(?<!at\shis\s)(?:prior|previous|last)|from|vs\.?|compared)\b"
    r"[^\d]{0,12}(?:\d[\d.,]*\s*\w*\s*)?(?:in|on)?\s*$",
    re.IGNORECASE,
)


_PAST_ASIDE = re.compile(r"\(\s*(?:s/p|h/o|hx\b|status\s+post|history\s+of)[^()]*\)", re.IGNORECASE)


_TODAY = re.compile(r"\b(?:today|this\s+morning|in\s+clinic\s+today)\b", re.IGNORECASE)


def result_date(sentence: str, note_date: date | None, *, trend: bool = False) -> DateMention | None:
    """The first date in the text that is not after the note date.

    A date that dates an earlier value ("[was 12 in 07/2023]") is skipped.
    With ``trend``, a trend's last step is read ("<10 on 07/06/2024, then 58
    on 05/09/2024" is dated 05/09/2024), as :func:`read_postfix_result` reads its value.
    """
    step = last_trend_step(sentence) if trend else 0
    if step:
        sentence = " " * step + sentence[step:]
    clause = re.split(r";|(?<![.\d])\.\s", sentence, maxsplit=1)[0]
    # A parenthesis that closes before opening ends the aside the mention is in:
    # "(dx 2018; anti-dsDNA+, low C3) and LN (biopsy 2021)" dates nothing 2021.
    close = re.match(r"[^()]*\)", clause)
    if close:
        clause = clause[: close.end()]
    # "hCG neg 6/20 (s/p BTL 2012)": an aside about a past procedure dates that procedure.
    clause = _PAST_ASIDE.sub(lambda m: " " * len(m.group(0)), clause)
    for dm in find_dates(clause, note_date):
        if _TODAY.search(clause, 0, dm.start):
            return None  # "Urine hCG today negative (SAB 11/2024)": today's result; the date is the SAB's
        if _EARLIER_VALUE.search(sentence[max(0, dm.start - 25) : dm.start]):
            continue
        if note_date is None or dm.value <= note_date:
            return dm
    return None


_PRIOR_ASIDE = re.compile(
    r"[ \t]*\(\s*(?:prior|previous|last|most\s+recent|was)\b\s*(?P<body>[^()\n]{1,60})\)", re.IGNORECASE
)


def prior_result_aside(after: str, note_date: date | None) -> tuple[LabResult, DateMention | None] | None:
    """The earlier result an aside gives a test that is pending now.

    "Pending at discharge: anti-dsDNA (prior 1/2025: 310 IU/mL H)": the test
    is pending, and its latest result is the prior one, dated by the aside.
    """
    aside = _PRIOR_ASIDE.match(after)
    if not aside:
        return None
    body = aside.group("body")
    dates = [d for d in find_dates(body, note_date) if note_date is None or d.value <= note_date]
    for d in dates:
        body = body[: d.start] + " " * (d.end - d.start) + body[d.end :]
    read = read_postfix_result(" " + re.sub(r"^[\s:,-]+|(?<=\s)(?:on|in|at)\s*$", " ", body).strip())
    if read is None or read.result not in ("positive", "negative"):
        return None
    return read, (dates[0] if dates else None)


def blank_parentheses(text: str) -> str:
    """``text`` with each closed ``(...)`` aside blanked, offsets kept."""
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), text)


def date_before(before: str, note_date: date | None) -> DateMention | None:
    """The last date in the clause that leads up to a mention (offsets into ``before``).

    "Renal biopsy 03/2023: class IV LN" dates the class; a date later in the
    sentence ("UPCR 4.1 g/g - LN flare (class III, biopsy-proven 2022)") is
    another event's.
    """
    clause = re.split(r";|(?<![.\d])\.\s", before)[-1]
    offset = len(before) - len(clause)
    # A closed aside dates what it stands beside: "LN (biopsy 03/2023), partial
    # renal response" leaves the response undated, that is current.
    clause = blank_parentheses(clause)
    found = [dm for dm in find_dates(clause, note_date) if note_date is None or dm.value <= note_date]
    if not found:
        return None
    last = found[-1]
    return replace(last, start=last.start + offset, end=last.end + offset)


# ---------------------------------------------------------------- flowsheets

# One cell of a flowsheet row: a value with its flag ("41  H", "<10", "1:160 *").
_CELL = re.compile(
    r"(?<![\w.:/])(?:(?:[<>]=?\s*)?(?:1:\d+|\d+(?:\.\d+)?)(?![\w.:/])(?:\s{0,3}(?:\(?[HL]\)?|\*|[Hh]igh|[Ll]ow)(?!\w))?"
    r"|(?:pos(?:itive)?|neg(?:ative)?|(?:not\s)?detected|(?:non-?)?reactive)(?!\w))",
    re.IGNORECASE,
)
# A row's cells with "--" for a date that has no value.
_CELL_OR_BLANK = re.compile(_CELL.pattern + r"|(?<!\S)(?P<blank>--|\u2013|\u2014)(?!\S)", re.IGNORECASE)
# A reference column at the end of a row: "[ref 0-9]", "(ref <1.0)".
_ROW_REFERENCE = re.compile(
    r"\s*(?:[\[(]\s*ref(?:erence)?\.?\s*:?\s*(?:[<>]=?\s*)?\d+(?:\.\d+)?(?:\s*[-\u2013]\s*\d+(?:\.\d+)?)?\s*[\])]"
    r"|\s+ref(?:erence)?\.?\s*:?\s*(?:[<>]=?\s*)?\d+(?:\.\d+)?(?:\s*[-\u2013]\s*\d+(?:\.\d+)?)?)\s*$",
    re.IGNORECASE,
)
# What may follow the test name before the cells: "(IU/mL)", a unit, "Ab".
_ROW_LABEL_TAIL = re.compile(
    r"^\s*(?:\([^()\n]*\)\s*)*(?:(?!(?:pos|neg|not|detected|reactive|non)\w*)[A-Za-z/%]+\s*)?", re.IGNORECASE
)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end offsets of the line(s) holding ``text[start:end]``."""
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end


def _strip_spans(text: str, dates: list[DateMention]) -> str:
    """``text`` with each of ``dates`` replaced by a space."""
    for dm in reversed(dates):
        text = text[: dm.start] + " " + text[dm.end :]
    return text


# HL7 v2 result statuses (OBX-11) that carry no result yet or any more.
# I: specimen in lab, result pending; X: cannot be obtained; D: deleted; W: wrong, discarded.
_HL7_NO_RESULT = {"I": " pending", "X": "", "D": "", "W": ""}


def hl7_obx_cell(text: str, start: int) -> str | None:
    """The result an HL7 v2 OBX segment gives the test named at ``start``.

    "OBX|1|NM|DSDNA^Anti-dsDNA Ab (EIA)||45|IU/mL|<30|H|||P" reads as
    " 45 IU/mL (ref <30) H"; a segment whose status (OBX-11) is in process or
    deleted, or whose value (OBX-5) is empty, gives "pending" or nothing.
    ``None`` when the test is not the observation identifier (OBX-3) of an OBX line.
    """
    line_start = text.rfind("\n", 0, start) + 1
    if not text.startswith("OBX|", line_start):
        return None
    line_end = text.find("\n", start)
    fields = text[line_start : len(text) if line_end < 0 else line_end].split("|")
    if len(fields) < 6 or text.count("|", line_start, start) != 3:
        return None
    value, units, ref, flag = (fields + [""] * 9)[5:9]
    status = fields[11].strip()[:1].upper() if len(fields) > 11 else ""
    if status in _HL7_NO_RESULT or not value.strip():
        return _HL7_NO_RESULT.get(status, "")
    return f" {value} {units}" + (f" (ref {ref})" if ref.strip() else "") + (f" {flag}" if flag.strip() else "")


_HL7_TIMESTAMP = re.compile(r"((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")


def _hl7_day(field: str) -> date | None:
    found = _HL7_TIMESTAMP.match(field.strip())
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:  # 20240231
        return None


def hl7_obx_date(text: str, start: int, note_date: date | None) -> DateMention | None:
    """When the OBX segment holding ``start`` was observed: its OBX-14, else its order's OBR-7.

    A lab interface message is dated by its own segments, not by the note the
    message was pasted into: "OBR|1||...|20240730081500" above the OBX lines
    dates their results 2024-07-30. ``None`` when neither field holds a
    date, or the date is after the note.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    fields = text[line_start : len(text) if line_end < 0 else line_end].split("|")
    day = _hl7_day(fields[14]) if len(fields) > 14 else None
    pos = line_start - 1
    while day is None and pos > 0:
        above_start = text.rfind("\n", 0, pos) + 1
        above = text[above_start:pos]
        if above.startswith("OBR|"):
            obr = above.split("|")
            day = _hl7_day(obr[7]) if len(obr) > 7 else None
            break
        if above.startswith("MSH|") or not re.match(r"[A-Z][A-Z0-9]{2}\|", above):
            break  # the message, or the pasted block, starts here
        pos = above_start - 1
    if day is None or (note_date is not None and day > note_date):
        return None
    return DateMention(day, "day", line_start, line_start)


def flowsheet_cell(text: str, start: int, end: int, note_date: date | None) -> tuple[str, DateMention] | None:
    """The latest cell of a flowsheet row whose columns are dated by a header line.

    ``text[start:end]`` is the row's test name. In a layout such as::

        LAB FLOWSHEET     05/09/23    02/20/24    01/13/25
        dsDNA Ab (IU/mL)      8         41  H       145  H

    the row holds one value per header date, so the value under the latest
    date is the result (here "145  H", dated 2025-01-13). ``None`` when the
    row does not hold several values or no header above has as many dates.
    """
    line_start, line_end = line_bounds(text, start, end)
    row = text[end:line_end]
    # "64 H   [ref 0-9]": a reference column after the cells reads every cell.
    reference = _ROW_REFERENCE.search(row)
    if reference:
        row = row[: reference.start()]
    label = _ROW_LABEL_TAIL.match(row)
    cells = list(_CELL_OR_BLANK.finditer(row, label.end() if label else 0))
    # "Anti-histone (U, <1.0) | -- | 0.4": a reference in the label reads an unflagged cell.
    label_reference = None if reference or not label else _label_reference(label.group(0))
    if len(cells) < 2 or row[cells[-1].end() :].strip():
        return None
    if text[line_start:start].strip():
        return None  # the test name does not start the row
    # The header is the nearest line above (within a few) that holds dates.
    pos = line_start - 1
    for _ in range(8):
        if pos <= 0:
            return None
        above_start = text.rfind("\n", 0, pos) + 1
        above = text[above_start:pos]
        dates = [d for d in find_dates(above, note_date) if note_date is None or d.value <= note_date]
        if len(dates) == 1 or re.search(r"\b(?:DOB|D\.O\.B|born)\b", above, re.IGNORECASE):
            # "LAB (collected 06/02/2025)   Result   Ref": the table's own header
            # dates it once; a line with a birth date heads no columns.
            return None
        # A header is dates under a short label, not a sentence that holds two dates.
        if len(dates) >= 2 and len(re.findall(r"[A-Za-z]{2,}", _strip_spans(above, dates))) <= 4:
            if len(dates) != len(cells):
                return None
            filled = [i for i in range(len(dates)) if cells[i].group("blank") is None]
            if not filled:
                return None
            latest = max(filled, key=lambda i: dates[i].value)
            cell = cells[latest].group(0)
            if reference:
                return f"{cell} {reference.group(0).strip()}", dates[latest]
            return (f"{cell} {label_reference}" if label_reference else cell), dates[latest]
        pos = above_start - 1
    return None


_GAP = re.compile(r"\S+(?: \S+)*")  # cells: runs of text separated by two or more spaces


def _cells(line: str) -> list[tuple[int, int, str]]:
    """The cells of a table line: spaced columns, or a pipe table's ``| a | b |``."""
    if line.count("|") >= 2:
        return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^|\s](?:[^|]*[^|\s])?", line)]
    return [(m.start(), m.end(), m.group(0)) for m in _GAP.finditer(line.replace("\t", "  "))]


_RULE_ROW = re.compile(r"^[\s|:+=-]*$")
# A reference range inside a label's parentheses: "(<30)", "(ref <1.0)", "(U, <1.0)", "(IU/mL; ref <30)".
_LABEL_REFERENCE = re.compile(
    r"\((?:[^()\n]*?[,;]\s*)?(?:ref(?:erence)?\.?\s*:?\s*)?(?P<ref>(?:<=|>=|[<>\u2264\u2265])\s*\d+(?:\.\d+)?)\s*\)",
    re.IGNORECASE,
)


def _label_reference(label: str) -> str | None:
    """A label's reference range as a reference cell ("(ref <1.0)"), or ``None``."""
    found = _LABEL_REFERENCE.search(label)
    return f"(ref {found.group('ref')})" if found else None


def flowsheet_row_cell(text: str, start: int, end: int, note_date: date | None) -> tuple[str, DateMention] | None:
    """The latest value under a column header, in a flowsheet whose rows are dated.

    ``text[start:end]`` is a test name in a header line such as::

        Date          dsDNA (IU/mL)   Sm     Chromatin
        2023-08-01    210 H           POS    --
        2024-06-28    95 H            POS    POS

    Each following line that starts with a date and has as many cells as the
    header is a row; the result is the cell of the latest dated row that has
    a value in this column ("--" and blanks are no value). ``None`` when the
    line is not such a header.
    """
    line_start, line_end = line_bounds(text, start, end)
    header = _cells(text[line_start:line_end])
    if len(header) < 3:
        return None
    column = next((i for i, (a, b, _) in enumerate(header) if a <= start - line_start < b), None)
    if column is None or column == 0:
        return None
    if any(dm.start == 0 for dm in find_dates(header[0][2], note_date)):
        return None  # "03/2023  anti-Sm  0.1 AI  <1.0" is itself a dated row, not a header
    best: tuple[str, DateMention] | None = None
    pos = line_end + 1
    while pos < len(text):
        nxt = text.find("\n", pos)
        nxt = len(text) if nxt < 0 else nxt
        if _RULE_ROW.match(text[pos:nxt]) and "-" in text[pos:nxt]:
            pos = nxt + 1  # a pipe table's "|---|---|" rule
            continue
        row = _cells(text[pos:nxt])
        if not row:
            break
        dates = find_dates(row[0][2], note_date)
        if not dates or dates[0].start != 0 or len(row) != len(header):
            break
        cell, when = row[column][2], dates[0]
        # "| dsDNA IU/mL (<30) |": the header's reference range reads the cells.
        reference = _label_reference(header[column][2])
        if reference and not _LABEL_REFERENCE.search(cell):
            cell = f"{cell} {reference}"
        if (
            (note_date is None or when.value <= note_date)
            and cell.strip("-\u2013\u2014 ")
            and (best is None or when.value >= best[1].value)
        ):
            best = (cell, when)
        pos = nxt + 1
    return best


def date_label(before: str, note_date: date | None) -> DateMention | None:
    """A date that labels what follows it: the last date in ``before`` when only
    a colon or dash separates it from the mention ("4 wks ago: urine hCG")."""
    dates = find_dates(before[-60:], note_date)
    if not dates or not re.fullmatch(r"\s*[:\u2013-]\s*", before[-60:][dates[-1].end :]):
        return None
    return dates[-1]


_DIAGNOSED = re.compile(r"\b(?:dx|dx'd|diagnosed|diagnosis)\b(?:\s+(?:in|on|of|at))?[\s:]*", re.IGNORECASE)


def diagnosis_date(before: str, note_date: date | None) -> DateMention | None:
    """The date a diagnosis is given in ``before`` ("SLE (dx 2018: ...", "diagnosed 03/2019")."""
    for cue in reversed(list(_DIAGNOSED.finditer(before))):
        dates = find_dates(before[cue.end() : cue.end() + 12], note_date)
        if dates and dates[0].start == 0:
            return dates[0]
    return None


_ADDENDUM = re.compile(r"\baddend(?:um|a)\b[^\n]{0,40}", re.IGNORECASE)


def addendum_date(before: str, note_date: date | None) -> DateMention | None:
    """The date of the addendum a result is written in, if any.

    "ADDENDUM 04/22/2024 (Dr. Osei): anti-dsDNA returned 64 IU/mL (H)": a
    result added after the visit is as old as its addendum, which may be
    later than the note's own date.
    """
    headers = list(_ADDENDUM.finditer(before))
    if not headers:
        return None
    dates = find_dates(headers[-1].group(0), note_date)
    return dates[0] if dates else None


_DATED_ENTRY = re.compile(r"[ \t]*[:=][ \t]*")


_LIST_ENTRY_VALUE = re.compile(r"[ \t]+(?=[<>]?\d)")


def _list_entry(line: str, dm: DateMention) -> re.Match[str] | None:
    """A value after a date that opens an item of a ``;`` list ("...: 2019 68 H; 03/2023 31 H")."""
    if not line[: dm.start].rstrip().endswith((";", ":")):
        return None
    return _LIST_ENTRY_VALUE.match(line, dm.end)


def dated_row_cell(after: str, note_date: date | None) -> tuple[str, DateMention] | None:
    """The latest result of a row that dates each of its values.

    ``after`` is the text after a test name; in a row such as
    ``anti-dsDNA (Farr)  06/2024: 88 IU/mL (H)   12/2024: cancelled`` each
    ``DATE:`` opens an entry, and the latest entry on or before the note date
    that states a result is the result (a cancelled or pending one is none).
    ``None`` unless the first line holds at least two such entries.
    """
    line = after.split("\n", 1)[0]
    entries = [
        (dm, entry.end())
        for dm in find_dates(line, note_date)
        if (entry := _DATED_ENTRY.match(line, dm.end) or _list_entry(line, dm))
        and (note_date is None or dm.value <= note_date)
    ]
    if len(entries) < 2:
        return None
    best: tuple[str, DateMention] | None = None
    # "Anti-dsDNA (Farr, ref <7 IU/mL): 2019 68 H; 10/2024 4": the label's reference reads each value.
    reference = _label_reference(line[: entries[0][0].start])
    for k, (dm, cell_start) in enumerate(entries):
        cell = line[cell_start : entries[k + 1][0].start if k + 1 < len(entries) else len(line)]
        if reference and not _LABEL_REFERENCE.search(cell):
            cell = f"{cell.rstrip(' ;,')} {reference}"
        read = read_postfix_result(" " + cell)
        if read is not None and read.result != "pending" and (best is None or dm.value >= best[1].value):
            best = (" " + cell, dm)
    return best


# ---------------------------------------------------------------- medications

_START_CUE = re.compile(
    r"(?:since|started|starting|start(?:ed)? date|initiated|began|begun|from|commenced|on it since|beginning|restarted|resumed|introduced|added)\s*(?:on|in|at|around|about|approximately|~)?\s*$",
    re.IGNORECASE,
)
_END_CUE = re.compile(
    r"(?:to|until|till|through|thru|-|\u2013|stop(?:\s+date)?|end\s+date|stopped|discontinued|d/c(?:'?d)?|dc'?d|off since|ended|held|completed|finished|tapered off|switched|ceased|through)\s*(?:on|in|at|around|about|approximately|~|more\s+than|over)?\s*$",
    re.IGNORECASE,
)
_STOPPED = re.compile(
    # Not "never stopped" / "has not stopped it".
    r"(?<!never )(?<!not )(?<!n't )\b(?:stopped|discontinued|d/c(?:'?d)?|dc'?d|held|off\b|tapered off|switched(?!\s+from)|ceased|completed|finished|no longer|intoleran\w*|not tolerated|did not tolerate|could not tolerate|unable to tolerate|failed|self-discontinued|ran out)",
    re.IGNORECASE,
)
_CURRENT = re.compile(
    r"\b(?:currently|continues?|continuing|remains? on|still on|on (?:stable )?(?:dose|\d)|daily|b\.?i\.?d|t\.?i\.?d|q\.?d|weekly|monthly|every \d|q\d|\d+(?:\.\d+)?\s*(?:mg|g|mcg)\b)",
    re.IGNORECASE,
)
# "progressed despite CYC and MMF; HD since 04/2022": after a semicolon the
# dates belong to another subject unless a start/stop word leads the clause.
_OTHER_CLAUSE = re.compile(
    r";(?!\s*(?:started|start|since|from|stopped|stop|discontinued|d/c|held|restarted|resumed|began|begun|"
    r"initiated|ended|until|through|to|last|x\s*\d|\d|(?:for|over)\s+\d"
    r"|(?:prior|previous|earlier|first)\s+(?:course|cycle|dose|infusion)s?))",
    re.IGNORECASE,
)
# Only after "since": "started 05/16" in a May note is more often the 16th.
_SINCE_MONTH_SHORT_YEAR = re.compile(r"\b(since)\s+(0?[1-9]|1[0-2])/(\d{2})\b(?![/\d])", re.I)
_RESTARTED = re.compile(r"\b(?:restarted|resumed|re-?started|reinitiated)\b", re.IGNORECASE)
_PRIOR_COURSE = re.compile(r"\b(?:prior|previous|earlier|first)\s+(?:course|cycle|dose|infusion)s?\s*:?\s*$", re.I)
_RANGE_NEXT = re.compile(
    r"\s*(?:to|-|\u2013|through|thru|until)\s*(?:\d{1,2}/)?(?:\d{1,2}/\d{2,4}|(?:19|20)\d\d|[A-Z][a-z]{2,8}\.?\s+(?:19|20)\d\d)",
)
_HOLD = re.compile(r"\b(?:hold|held|holding|pause[ds]?|paused|suspend(?:ed)?)\b[^.;\n]{0,12}$", re.IGNORECASE)
_YEAR_TO_MONTH_YEAR = re.compile(r"\b((?:19|20)\d\d)-(0?[1-9]|1[0-2])/((?:19|20)\d\d)\b")
# "(3/28 - 8/29/2023)": a range whose first day takes the year of its last.
_DAY_RANGE_ONE_YEAR = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})(\s*(?:-|\u2013|to|through|thru)\s*)(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)\b"
)


def _year_for_range_start(m: re.Match[str]) -> str:
    first, last, year = (int(m.group(1)), int(m.group(2))), (int(m.group(4)), int(m.group(5))), int(m.group(6))
    # "11/20 - 2/12/2024" began the year before.
    start_year = year - 1 if first > last else year
    return f"{m.group(1)}/{m.group(2)}/{start_year}{m.group(3)}{m.group(4)}/{m.group(5)}/{m.group(6)}"


_CONTINUING = re.compile(
    r"\b(?:remains?|still|continues?|continuing|has\s+continued|stays?)\s+(?:on|taking|to\s+take|with)?\s*"
    r"(?:(?:monthly|weekly|daily|fortnightly|four-weekly|4-weekly|oral|IV|SC|subcutaneous)\s+)?$",
    re.IGNORECASE,
)
_ALLERGY = re.compile(r"\b(?:allerg\w*|anaphyla\w*|hypersensitivity)\b", re.IGNORECASE)
_EARLY_STOP = re.compile(
    r"\b(?:after|within|x|for)\s+(?:only\s+)?(?:about\s+)?(\d+|one|two|three|four|five|six|a few)\s*(days?|weeks?|wks?)\b",
    re.IGNORECASE,
)


_SHORT_HOLD = re.compile(
    r"\b(?:held|hold|paused|interrupted)\s+(?:for\s+|x\s*)?\d+\s*(?:days?|d|weeks?|wks?)\b[^;,)\n]*", re.IGNORECASE
)
_SWITCHED_TO = re.compile(
    r"(?:\b(?:switched|changed|converted|transitioned)\s+(?:over\s+)?to|->|\u2192|=>)\s*$", re.IGNORECASE
)


_DOUBTED_DATE = re.compile(
    r"\b(?:unsure|not\s+sure|uncertain|cannot\s+recall|can't\s+recall)\b[^.;\n]{0,30}$|\bsome\s?time\s+(?:in\s+|during\s+)?$",
    re.IGNORECASE,
)
# 'Benlysta started "last fall" at the infusion center - cannot recall which month'.
_DOUBTED_AFTER = re.compile(
    r"[^.;\n]{0,50}?\b(?:cannot|can't|could\s+not|unable\s+to)\s+(?:recall|remember|say)\s+(?:which|what|the\s+exact)\s+"
    r"(?:month|date|day|year)|[^.;\n]{0,50}?\b(?:unsure|not\s+sure)\s+(?:of\s+)?(?:which|the\s+exact)\s+(?:month|date)"
    # "'started last year sometime' per pt - unsure of dates or gaps".
    # "given at the Children's Hospital in 2024 - dates and doses awaited".
    r"|[^.;\n]{0,10}?\b(?:exact\s+)?(?:dates?|timing)\s+(?:and\s+doses?\s+)?(?:awaited|pending|unknown|not\s+(?:known|available|documented)|to\s+follow|requested)\b"
    r"|[ \t]*some\s?time\b|[^.;\n]{0,50}?\b(?:unsure|not\s+sure|uncertain)\s+(?:of|about)\s+(?:the\s+)?(?:exact\s+)?(?:dates?|timing)\b",
    re.IGNORECASE,
)
_SWITCHED_AT_DATE = re.compile(
    r"\b(?:switched|changed|converted|transitioned)\s+(?:on\s+|in\s+)?[\w/.-]{3,10}\s+to\s*$", re.IGNORECASE
)
_SWITCHED_AT = re.compile(r"\b(?:switched|changed|converted|transitioned)\s+(?:on\s+|in\s+)?$", re.IGNORECASE)
# "switched to azathioprine for GI intolerance": the reason the previous drug stopped.
_SWITCH_REASON = re.compile(r"^\s*(?:\([^()]*\)\s*)?(?:for|due\s+to|because\s+of)\s+(?:\w+\s+){0,2}intoleran\w*", re.I)
_SWITCHED_FROM = re.compile(
    r"\b(?:switched|changed|transitioned|converted|moved)\s+(?:over\s+)?from\s*$", re.IGNORECASE
)
# "on anifrolumab, brought in for 3 d of confusion": a symptom's length, not the drug's.
_SYMPTOM_LENGTH = re.compile(
    r"\s+of\s+(?!(?:therapy|treatment|tx|use|it|the\s+drug|dosing|infusions?|injections?|doses?)\b)[a-z]", re.IGNORECASE
)
# "received IV cyclophosphamide in 2016", "NIH IV cyclophosphamide x6 (2020)": given then.
_GIVEN_IN = re.compile(
    r"[\s(:,-]*(?:(?:back\s+)?in|during|x\s?\d{1,2}|\d{1,2}\s*(?:doses?|cycles?|pulses?|infusions?))[\s(:,-]*$",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"\b(?:discrepancy|corrected|correction|actually)\b|,\s*not\s+[\"'\u201c\u2018]", re.IGNORECASE
)


def switch_end(rest_of_sentence: str, note_date: date | None, start: str | None) -> str | None:
    """The day a drug ended by a switch dated after the next drug's name, as an ISO date.

    "MMF (taken since Feb 2023) switched to azathioprine 100 mg daily on
    12/10/24": the switch's date ends MMF. ``rest_of_sentence`` runs from
    the end of the drug's name to the end of its sentence.
    """
    switch = _SWITCHED_TO_ON.match(rest_of_sentence[:140])
    ends = find_dates(switch.group("d"), note_date) if switch else []
    if ends and (start is None or ends[0].value.isoformat() > start):
        return ends[0].value.isoformat()
    return None


_SWITCHED_TO_ON = re.compile(
    r"[^.;\n]{0,40}?\b(?:switched|changed|transitioned)\s+(?:over\s+)?to\s+[A-Za-z][\w-]*"
    r"(?:\s+[\d.]+\s*(?:mg|g)\b)?(?:\s+(?:daily|qd|od|bid|bd|weekly))?\s+(?:on|from)\s+(?P<d>[\w/.-]{4,12})",
    re.IGNORECASE,
)
# "AZA course in 2023", "a trial during 2022": given within that time, not begun then.
_COURSE_IN = re.compile(r"\W{0,3}(?:course|trial)\s+(?:in|during)\s+$", re.IGNORECASE)
_AT_ONE_POINT = re.compile(r"^\W{0,3}(?:at\s+(?:one|some)\s+(?:point|stage)|at\s+some\s+time)\b", re.IGNORECASE)
_VAGUE_LENGTH = re.compile(r"\bfor\s+(?:a\s+(?:while|bit|time)|some\s+time|a\s+period)\b", re.IGNORECASE)
_HEDGED_LENGTH = re.compile(r"\b(?:maybe|perhaps|thinks|not\s+sure|unsure|or\s+two|or\s+so)\b|\?", re.IGNORECASE)
# "since 05/2023" right before a date: use that began then and goes on.
_SINCE_BEFORE = re.compile(r"\bsince\s*$", re.IGNORECASE)
# "CellCept | not taking since ~04/2025 (cost)": the date is the stop, not a start.
_STOPPED_SINCE = re.compile(
    # "CellCept not since 2021": the drug's name, then "not since".
    r"\b(?:not\s+(?:taking|on)|off|stopped|no\s+longer\s+(?:taking|on))\b[^.;|\n]{0,20}?\bsince\s*~?\s*$|^\W{0,3}not\s+since\s*~?\s*$",
    re.IGNORECASE,
)


_STOPPED_MONTH_DAY = re.compile(
    r"\b(?:stopped|discontinued|d/c(?:'?d)?|held|ended)\s+(?:on\s+)?(\d{1,2})/(\d{1,2})\b(?!/|\d)", re.IGNORECASE
)


def _month_day_before(month: int, day: int, note_date: date) -> date | None:
    """The last ``month/day`` on or before ``note_date``, or None if not a real day."""
    for year in (note_date.year, note_date.year - 1):
        try:
            d = date(year, month, day)
        except ValueError:
            return None
        if d <= note_date:
            return d
    return None


def _only_paused(text: str) -> bool:
    """Whether every stop word in ``text`` is the pause "held", none an end."""
    words = [m.group(0).lower() for m in _STOPPED.finditer(text)]
    return bool(words) and all(w == "held" for w in words)


_TABLE_START_COLUMN = re.compile(r"^(?:start(?:ed)?|start\s+date|begun|began|from)$", re.IGNORECASE)
_TABLE_ACTIVE = re.compile(r"^(?:active|current|taking|ongoing|continued?)$", re.IGNORECASE)
_TABLE_END_COLUMN = re.compile(
    r"^(?:end(?:ed)?|end\s+date|stop(?:ped)?|stop\s+date|d/c|discontinued|to)$", re.IGNORECASE
)


def _pipe_cells(line: str) -> list[str]:
    """A pipe table line's cells, empty ones kept so columns stay aligned."""
    return [c.strip() for c in line.strip().strip("|").split("|")]


def med_table_row(text: str, line_start: int, line_end: int) -> tuple[str, str] | None:
    """A medication table row's cells after the drug, with their column's meaning.

    In a pipe table whose header names Start and End (or Stop) columns::

        Drug | Start | Stop | Status
        Mycophenolate mofetil | 03/2020 | 11/2022 | Discontinued

    the second date is when use ended, not a further date of use. Returns the
    first cell and the rest of the row, with "started"/"stopped" written
    before those columns' cells and "currently taking" for an "Active" status
    (" started 03/2020, stopped 11/2022, Discontinued," reads as prose does),
    or ``None`` when the line is no such row.
    """
    row = text[line_start:line_end]
    if row.count("|") < 2:
        return None
    for line in _lines_above(text, line_start, 14):
        if line.count("|") < 2:
            continue
        header = _pipe_cells(line)
        starts = [i for i, c in enumerate(header) if _TABLE_START_COLUMN.match(c)]
        ends = [i for i, c in enumerate(header) if _TABLE_END_COLUMN.match(c)]
        if not starts and not ends:
            continue
        cells = _pipe_cells(row)
        if len(cells) > len(header):
            return None
        first_cell_rest = row.lstrip().lstrip("|").split("|", 1)[0]
        words = []
        for i, cell in enumerate(cells[1:], start=1):
            if not cell.strip("-\u2013\u2014 ") or cell.lower() in ("n/a", "na", "none"):
                continue  # "--": no stop date
            if _TABLE_ACTIVE.match(cell):
                words.append("currently taking,")
            elif i in starts:
                words.append(f"started {cell},")
            elif i in ends:
                words.append(f"stopped {cell},")
            else:
                words.append(f"{cell},")
        return first_cell_rest, " " + " ".join(words)
    return None


_STOP_UNKNOWN = re.compile(
    r"\b(?:stop|end)\s+date\s+(?:is\s+)?(?:not\s+(?:in|known|documented|recorded)|unknown|unclear)"
    r"|\b(?:(?:pt|patient)\s+)?(?:unsure|not\s+sure|uncertain)\s+(?:whether|if|when)\s+(?:she|he|they|the\s+patient)\s+"
    r"(?:kept\s+taking|continued|stopped|still\s+takes?)"
    r"|\bunknown\s+(?:stop|end)\s+date\b|\bunclear\s+when\s+(?:she|he|they|it\s+was)\s+stopped\b"
    r"|\b(?:cannot|can't|could\s+not|unable\s+to)\s+(?:say|recall|remember|tell)\s+when\s+(?:she|he|they)\s+(?:stopped|restarted)",
    re.IGNORECASE,
)
_SUPPLY = re.compile(r"\b(\d{1,3})[\s-]*days?[\s-]+supply\b", re.IGNORECASE)
_DOSE_NUMBER = re.compile(
    r"\b(?:dose|infusion|injection|cycle)\s*(?:#|no\.?|number)\s*(?P<n>\d{1,2})\b"
    r"|\b(?P<n2>\d{1,2})(?:st|nd|rd|th)\s+(?:dose|infusion|injection)\b",
    re.IGNORECASE,
)
_NEVER_DID = r"\bnever\s+(?:actually\s+)?(?:started|took|taken|filled|received|began|picked\s+up)\s+"
_NEVER_TAKEN_IT = re.compile(_NEVER_DID + r"(?:it|them|this|the\s+drug)\b", re.IGNORECASE)
# "In retrospect she never took the azathioprine": the drug named after the denial.
_NEVER_TOOK_THE = re.compile(_NEVER_DID + r"(?:the|her|his|any)?\s*$", re.IGNORECASE)
# "azathioprine has never been used", "MMF - never taken".
_HAS_NEVER_BEEN = re.compile(
    r"\s*(?:-\s*)?(?:(?:has|have|was|were)\s+)?never\s+(?:been\s+)?(?:used|taken|tried|given|started|prescribed|received)\b",
    re.IGNORECASE,
)
# "the Benlysta plan above is carried over from December; it was never started":
# the next clause's "it" is the drug.
_IT_WAS_NEVER = re.compile(
    r"[;,.]\s*(?:but\s+)?(?:it|this|that)\s+(?:was|were|has\s+been)\s+never\s+(?:actually\s+)?(?:started|given|filled|received|begun)\b",
    re.IGNORECASE,
)
# A medication administration record's row: "| 09/24/2024 | NOT GIVEN - order cancelled",
# "| 12/10/2024 | ORDERED - prior auth pending, not started"; not "one dose not given".
_NOT_GIVEN = re.compile(
    r"[^;.\n]{0,50}?(?:(?<!dose\s)(?<!doses\s)\bnot\s+given\b|\border\s+(?:was\s+)?cancell?ed\b"
    r"|\bordered\b[^|\n]{0,40}\bnot\s+(?:yet\s+)?started\b)"
    # "anifrolumab still not started (auth denied)".
    r"|[\s,-]*(?:(?:is|was|has|had)\s+)?(?:still\s+)?not\s+(?:yet\s+)?(?:been\s+)?(?:started|begun|initiated|received)\b",
    re.IGNORECASE,
)
# The verbs that end a drug on a named day ("held the same day", "d/c'd today").
_STOP_VERB = r"\b(?:stopped|discontinued|held|d/c'?d|dc'?d)"
_SAME_DAY = re.compile(
    rf"^[^.;]{{0,60}}{_STOP_VERB}\s+(?:on\s+)?(?:the\s+same\s+day|that\s+(?:same\s+)?day)\b",
    re.IGNORECASE,
)
_STOPPED_TODAY = re.compile(
    rf"{_STOP_VERB}\s+(?:as\s+of\s+)?(?:today|this\s+morning|at\s+this\s+visit)\b",
    re.IGNORECASE,
)


def _same_day_stop(window: str, earlier: str, note_date: date | None) -> str | None:
    """The day a drug "was stopped the same day" as an event the text before dates.

    "... a positive pregnancy test on 23rd January 2024. (LMP 19th December
    2023). Mycophenolate ... was stopped the same day": the last date of the
    earlier text outside parentheses, an aside's date is no event.
    """
    if not _SAME_DAY.search(window):
        return None
    dates = [dm for dm in find_dates(blank_parentheses(earlier), note_date) if dm.precision == "day"]
    return dates[-1].value.isoformat() if dates else None


def _set_latest_stop(out: dict[str, Any], window: str, dates: list[DateMention]) -> None:
    """The latest day an imprecise stop can mean, when later than the one used.

    "MMF 2021 -> stopped 'spring 2023'": use is counted to 1 March, but may
    have gone on to 31 May; a trial on the window's edge is then undecided.
    """
    stop = out["end"] or out["last_use"]
    if stop is None:
        return
    for dm in dates:
        if stop not in (dm.value.isoformat(), dm.period_end.isoformat()):
            continue
        latest = dm.period_end
        if SEASON_RE.match(window, dm.start):
            latest = add_months(dm.value, 3) - timedelta(days=1)
        if latest.isoformat() > stop:
            out["end_latest"] = latest.isoformat()
        return


# A timeline row that opens with its dates: "2019 to 08/2022 - Methotrexate",
# "- 03/2023 - 09/2023: azathioprine", "07/2023 to present - Belimumab".
_ROW_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u00b7][ \t]*)?")
_ROW_RANGE_JOIN = re.compile(r"\s*(?:-|\u2013|\u2014|to|through|thru|until)?\s*", re.IGNORECASE)
_ROW_OPEN_END = re.compile(
    r"\s*(?:-|\u2013|\u2014|to|through|thru|until)\s*(?:present|now|current|ongoing|today|date)\b", re.IGNORECASE
)
_ROW_DATE_START = re.compile(r"\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)
_ROW_SEPARATOR = re.compile(r"\s*(?:[-:|\u2013\u2014]|\)|->)\s")


def row_lead_dates(lead: str, note_date: date | None) -> tuple[DateMention, DateMention | None, bool] | None:
    """The dates a timeline row opens with, when the row's first drug follows them.

    ``lead`` is the row's text from its start up to the drug. Returns the
    first date, the range's end date (or ``None``) and whether the range is
    open ("to present"); ``None`` when the row does not open with a date set
    off by a separator ("06/03/2025 RHEUMATOLOGY NEW PATIENT" does not).
    """
    bullet = _ROW_BULLET.match(lead)
    if bullet is None or not _ROW_DATE_START.match(lead, bullet.end()):
        return None  # most lines start with a word: no date scan
    dates = find_dates(lead, note_date)
    if not dates or dates[0].start != bullet.end():
        return None
    first, last, open_end = dates[0], None, False
    if len(dates) > 1 and _ROW_RANGE_JOIN.fullmatch(lead, first.end, dates[1].start):
        last = dates[1]
    open_match = _ROW_OPEN_END.match(lead, first.end) if last is None else None
    open_end = open_match is not None
    rest_at = last.end if last is not None else open_match.end() if open_match is not None else first.end
    if not _ROW_SEPARATOR.match(lead, rest_at):
        return None
    if any(dm.start >= rest_at for dm in dates[2 if last is not None else 1 :]):
        return None  # another date between the row's dates and the drug is that drug's own
    return first, last, open_end


_TOPICAL_AFTER = re.compile(
    r"[ \t]*(?:\d+(?:\.\d+)?[ \t]*%[ \t]*)?(?:topical|ointment|oint\b|cream|gel|lotion|foam|ophthalmic|eye[ \t]*drops|"
    r"inhaled|inhaler|nasal[ \t]+spray|intralesional|enema|suppositor)",
    re.IGNORECASE,
)
_TOPICAL_BEFORE = re.compile(r"\b(?:topical|intralesional|inhaled|ophthalmic|nasal)[ \t]+$", re.IGNORECASE)
# "pt 30 wk pregnant", "at 14 weeks' gestation": a pregnancy's age, not a length of use.
_GESTATION_AFTER = re.compile(
    r"['\u2019]?\s*(?:pregnant|gestation\w*|GA\b|EGA\b|postpartum|post-partum|pp\b)", re.IGNORECASE
)
_LAST_DOSE = re.compile(
    r"\b(?:last|latest|most\s+recent)\s+(?:infusion|dose|injection|fill|cycle|pulse)(?:\s+(?:was\s+)?(?:given|on|in))?\W{0,3}$",
    re.IGNORECASE,
)
# "from 12 wks", "until 6 months"; not "stopped at 3 months": that is how long it was taken.
_AT_TIME_POINT = re.compile(
    r"(?<!stopped )(?<!discontinued )(?<!ceased )(?<!held )\b(?:from|at|until|till|before)\s+(?:~\s*)?$", re.IGNORECASE
)


def _other_reading(window: str, dates: list[DateMention], iso: str) -> date | None:
    """The day-month swap of the numeric date in ``dates`` read as ``iso``, when it can be read both ways."""
    for dm in dates:
        if dm.value.isoformat() != iso or dm.precision != "day":
            continue
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}", window[dm.start : dm.end])
        if m and int(m.group(1)) <= 12 and int(m.group(2)) <= 12 and m.group(1) != m.group(2):
            return _safe_swap(dm.value)
    return None


def drug_exposure(
    before: str, after: str, note_date: date | None, after_drug: bool = False, earlier: str = "", row_lead: str = ""
) -> dict[str, Any]:
    """Read dates, durations and status around one drug mention.

    Parameters
    ----------
    before:
        Sentence text between the previous drug mention (or sentence start) and this one.
    after:
        Sentence text between this drug mention and the next one (or sentence end).
    note_date:
        The note's date, for relative dates.
    after_drug:
        Whether ``before`` starts at a previous drug mention rather than at
        the sentence start.
    earlier:
        The note text of the sentences before this one, which "stopped the
        same day" refers back to.
    row_lead:
        The text from the start of the drug's line up to the drug when no
        other drug comes between; a timeline row's leading dates date it.

    Returns
    -------
    dict
        Keys ``start``, ``end`` (ISO dates or ``None``), ``start_precision``,
        ``duration_days`` (``None`` when not stated), ``stopped`` (bool),
        ``current`` (bool) and ``allergy`` (bool).
    """
    out: dict[str, Any] = {
        "start": None,
        "end": None,
        "last_use": None,
        "ongoing": False,
        "start_precision": None,
        "duration_days": None,
        "stopped": False,
        "current": False,
        "allergy": False,
    }
    # "taken 2022-12/2023" is a range, 2022 to 12/2023, not December 2022.
    window = _YEAR_TO_MONTH_YEAR.sub(r"\1 - \2/\3", after[:160])
    window = _DAY_RANGE_ONE_YEAR.sub(_year_for_range_start, window)
    # "AZA 150 qd (since 1/23)": after "since", M/YY is a month and year.
    window = _SINCE_MONTH_SHORT_YEAR.sub(r"\1 \2/20\3", window)
    other = _OTHER_CLAUSE.search(window)
    if other:
        window = window[: other.start()]
    # "(since 01/2024; held 5 days 12/2024)": a short pause inside ongoing use
    # is neither a stop nor the length of use.
    window = _SHORT_HOLD.sub(lambda m: " " * len(m.group(0)), window)
    dates = find_dates(window, note_date)
    held = _HOLD.search(window[: dates[0].start] if dates else window[:30]) or _HOLD.search(before[-12:])
    if held and dates and _SINCE_BEFORE.search(window[: dates[0].start]):
        # "MMF (HELD since 2023 - pt not taking)": stopped then, not paused.
        out["end"] = dates[0].period_end.isoformat()
        out["stopped"] = True
        return out
    if held:
        # "hold 03/04-03/18/2025": a pause in use, not the use itself.
        dates = []
    # "started by her previous rheumatologist - pt unsure when ("last year
    # sometime?")": a date the note itself doubts gives no start.
    kept = [
        dm
        for dm in dates
        if not _DOUBTED_DATE.search(window[: dm.start])
        and not window[dm.end :].startswith(("?", " sometime?"))
        and not _DOUBTED_AFTER.match(window, dm.end)
    ]
    if len(kept) < len(dates):
        out["doubted"] = True
    dates = kept
    # "Off mycophenolate since 05/2024 (taken since 2021)": the first "since" dates the stop.
    off_before = bool(re.search(r"\b(?:off|stopped|discontinued)\s*$", before[-15:], re.IGNORECASE))
    stop_is_bound = False
    range_end: int | None = None  # where a "2017 - Sept 2022" range closes
    for dm in dates:
        lead = window[: dm.start]
        if out["end"] is None and (_STOPPED_SINCE.search(lead) or (off_before and _SINCE_BEFORE.search(lead))):
            out["end"] = dm.period_end.isoformat()
            out["stopped"] = True
            continue
        # "100 mg daily - 12/2023 to 07/2024": a dash that sets off a range
        # opens it; the range's first date is the start.
        opens_range = out["start"] is None and bool(_RANGE_NEXT.match(window, dm.end))
        if opens_range and range_end is None:
            range_end = _RANGE_NEXT.match(window, dm.end).end()
        if (
            _END_CUE.search(lead)
            and not opens_range
            and (out["start"] is not None or not re.search(r"\bfrom\s*$", lead, re.I))
        ):
            # "stopped more than 2 years ago": before that day, not within its month.
            bound = bool(re.search(r"(?:more\s+than|over)\s*$", lead, re.IGNORECASE))
            stop = dm.value if bound else dm.period_end
            stop_is_bound = stop_is_bound or bound
            if out["end"] is None:
                out["end"] = stop.isoformat()
            elif out["end"][:4] == stop.isoformat()[:4] and stop.isoformat() < out["end"]:
                # "AZA 2022-2023, stopped more than 2 years ago": the finer stop inside the year.
                out["end"] = stop.isoformat()
        elif out["start"] is not None and _PRIOR_COURSE.search(lead) and dm.value.isoformat() < out["start"]:
            # "rituximab 1 g x2 (03/18/2025; prior course 09/2024)": use began earlier.
            out["last_use"] = max(out["last_use"] or out["start"], out["start"])
            out["start"], out["start_precision"] = dm.value.isoformat(), dm.precision
        elif _LAST_DOSE.search(lead):
            # "Benlysta (last infusion 13/02/2024)": a date of use, not its start.
            if out["last_use"] is None or dm.value.isoformat() > out["last_use"]:
                out["last_use"] = dm.value.isoformat()
        elif out["start"] is None:
            out["start"] = dm.value.isoformat()
            out["start_precision"] = dm.precision
            # "since 05/2023" means still taking it at the note date.
            out["ongoing"] = bool(_SINCE_BEFORE.search(lead))
            # "started 02/2024", not "dose #7 given 09/2024": use began then.
            out["start_cued"] = bool(_START_CUE.search(lead))
            # "CYC 2013": a bare date by the drug says when it was given, not
            # that use began then and went on.
            # Not "MTX (06/2023-)" (open range) nor "MMF -> AZA 03/2025" (a switch).
            out["bare_date"] = (
                not _START_CUE.search(lead)
                and (not lead.strip(" \t:,(-") or bool(_COURSE_IN.match(lead)) or bool(_GIVEN_IN.match(lead)))
                and not re.match(r"\s*[-\u2013]\s*(?:\)|$|present|now|current|ongoing|today)", window[dm.end :], re.I)
                and not _SWITCHED_TO.search(before)
            )
        elif _SINCE_BEFORE.search(lead) and dm.value.isoformat() < out["start"]:
            # "resumed 03/19/2025 ... and otherwise taken continuously since 2020"
            out["start"], out["start_precision"], out["ongoing"] = dm.value.isoformat(), dm.precision, True
        else:
            # "(C1 07/25/2024, C2 08/26/2024)": a further date of use, not a stop.
            last = out.get("last_use")
            if last is None or dm.value.isoformat() > last:
                out["last_use"] = dm.value.isoformat()
    if out["start"] and out["last_use"] and out["last_use"] < out["start"]:
        # "started in June 2023 ... fourth infusion given on 01/08/2023": only the
        # day-first reading (1 August) comes after the start.
        other = _other_reading(window, dates, out["last_use"])
        if other is not None and out["start"] <= other.isoformat() and (note_date is None or other <= note_date):
            out["last_use"] = other.isoformat()
    if out["end"] and note_date is not None and out["end"] > note_date.isoformat() and _STOPPED.search(window[:120]):
        # "was stopped on 12/06/2023" in a note of July 2023: a stop already
        # made cannot be in December; only the day-first reading (12 June) fits.
        other = _other_reading(window, dates, out["end"])
        if other is not None and other <= note_date and (out["start"] is None or out["start"] <= other.isoformat()):
            out["end"] = other.isoformat()
    if not stop_is_bound:
        _set_latest_stop(out, window, dates)
    if out["start"] and out["end"] and out["end"] < out["start"]:
        # "rituximab x2 - Completed - 2023-11-02, 2023-11-16": the dates of
        # use after a stop word, not a start after its end.
        out["start"], out["last_use"], out["end"] = out["end"], out["start"], None
    no_dates_yet = row_lead and not dates and out["start"] is None and out["end"] is None
    row = row_lead_dates(row_lead, note_date) if no_dates_yet else None
    if row is not None:
        first, last, open_end = row
        out["start"], out["start_precision"] = first.value.isoformat(), first.precision
        if last is not None:
            out["end"] = last.period_end.isoformat()
        out["ongoing"] = open_end
        # "2016 - cyclophosphamide x 6 mo": given then, not begun then and still going.
        out["bare_date"] = last is None and not open_end
    if out["start"] is None:
        # "azathioprine since 2022; prednisone 10 mg": a start before a
        # semicolon is the previous drug's.
        lead_in = before[-60:]
        lead_in = lead_in[lead_in.rfind(";") + 1 :]
        for dm in find_dates(lead_in, note_date):
            if _SWITCHED_AT.search(lead_in[: dm.start]) and re.fullmatch(r"\s+to\s+", lead_in[dm.end :]):
                # "switched 03/2021 to azathioprine": the switch starts it, and it goes on.
                out["start"], out["start_precision"], out["start_cued"] = dm.value.isoformat(), dm.precision, True
                break
            if after_drug and re.match(r"\s*\)?\s*,", lead_in[dm.end :]):
                continue  # "belimumab since 08/2023, prednisone 5 mg": belimumab's start
            if re.search(r",\s+(?:to|and|who|which|now|here)\b", lead_in[dm.end :]):
                continue  # "lupus since 2014, to request coverage of anifrolumab": the disease's date
            if _START_CUE.search(lead_in[: dm.start]):
                out["start"] = dm.value.isoformat()
                out["start_precision"] = dm.precision
    durations = [] if held else find_durations(window)  # "held 2 weeks": the pause's length
    # "ASA 81 mg from 12 wks", "at 20 weeks": a point in time (of a pregnancy), not a length of use.
    durations = [
        d
        for d in durations
        if not _AT_TIME_POINT.search(window[max(0, d.start - 20) : d.start])
        and not _GESTATION_AFTER.match(window, d.end)
        and not _SYMPTOM_LENGTH.match(window, d.end)
    ]
    if out["ongoing"] and dates:
        # "on mycophenolate (since 06/2024), adm with severe HA x2 d": past the
        # start and a clause break, a length is another thing's.
        durations = [
            d for d in durations if not re.search(r"[,;]|\bwith\b", window[dates[0].end : max(d.start, dates[0].end)])
        ]
    # "4 pens = 28-day supply: filled 06/02/23, 07/05/23, 09/12/23": each fill
    # lasts the supply; use runs from the first fill to the last one's end.
    supply = _SUPPLY.search(window)
    if supply and dates:
        durations = [d for d in durations if not (supply.start() <= d.start < supply.end())]
        last_fill = max(dm.value for dm in dates)
        if out["start"] is not None and last_fill.isoformat() >= out["start"]:
            out["last_use"] = (last_fill + timedelta(days=int(supply.group(1)) - 1)).isoformat()
    # "Saphnelo ... dose #8": seven doses came before, so use went on.
    dose = _DOSE_NUMBER.search(window[:80]) or _DOSE_NUMBER.search(before[-20:])
    if dose:
        out["dose_number"] = int(dose.group("n") or dose.group("n2"))
    # "leflunomide started 06/12/2024; stop date not in the records, and pt is
    # unsure whether she kept taking it": use began then and ended who knows when.
    if out["start"] is not None and out["end"] is None and _STOP_UNKNOWN.search(after[:200]):
        out["stop_unknown"] = True
        out["ongoing"] = False
    elif out["start"] is None and out["end"] is None and _STOP_UNKNOWN.match(after[:60].lstrip(" -:\u2013")):
        # "Tacrolimus - pt unsure whether she still takes it": no listing of current use.
        out["doubted"] = True
    if out["start"] is not None and _CORRECTION.search(before[-80:] + " " + window[:100]):
        # "DISCREPANCY: CellCept first dispensed 01/08/2025, not 'last year'":
        # the start an earlier account gave is corrected.
        out["corrected_start"] = True
        if out["last_use"] is not None and out["last_use"] < out["start"]:
            out["last_use"] = None
    # "Benlysta: approved 03/2023 but pt states she never started it".
    out["never_taken"] = bool(
        _NEVER_TAKEN_IT.search(window[:120])
        or _NOT_GIVEN.match(window)
        or _IT_WAS_NEVER.search(after[:120])
        or _NEVER_TOOK_THE.search(before[-40:])
        or bool(_HAS_NEVER_BEEN.match(after))
    )
    # "CellCept 'for about a year, maybe less'", "thinks she took it 'a year or two'":
    # a length the note itself doubts is not documented use.
    doubted = [d for d in durations if _HEDGED_LENGTH.search(window[max(0, d.start - 25) : d.end + 15])]
    if doubted:
        durations = [d for d in durations if d not in doubted]
        out["doubted"] = True
    if durations:
        out["duration_days"] = durations[0].days
    elif _VAGUE_LENGTH.search(window[:60]) and not out.get("start_cued"):
        # "Was on tacrolimus for a while last year": use without a length or a start.
        out["doubted"] = True
    if _AT_ONE_POINT.match(after):
        # 'she was on azathioprine "at one point"': a use the note cannot place.
        out["doubted"] = True
        out["start"] = out["start_precision"] = None
    # A parenthesis closed before the drug belongs to the drug before it:
    # "AZA 10/2021-08/2023 (stopped for leukopenia), then MMF since 09/2023".
    own = before[before.rfind(")") + 1 :]
    early = _EARLY_STOP.search(window)
    if early and _STOPPED.search(window + " " + own[-40:]):
        out["duration_days"] = durations[0].days if durations else None
    # "AZA 2022-2024, switched to MMF in May 2024": the switch starts MMF.
    switched_to = _SWITCHED_TO.search(own) or _SWITCHED_AT_DATE.search(own)
    # "MMF ... was stopped the same day and azathioprine started": a stop
    # joined on before this drug is the previous drug's; so is the reason
    # for a switch ("to azathioprine for GI intolerance (AZA continues)").
    own_stops = re.sub(r"\b(?:for|due\s+to|because\s+of)\s+(?:\w+\s+){0,2}intoleran\w*", " ", own, flags=re.I)
    stop_words = list(_STOPPED.finditer(own_stops[-30:]))
    stopped_before = (
        bool(stop_words)
        and not switched_to
        and not re.search(r"\b(?:and|then|but)\b|[;,]", own_stops[-30:][stop_words[-1].end() :])
    )
    # "AZA since 11/2022 (switched from cellcept ...)": the drug switched from has ended.
    switched_from = bool(_SWITCHED_FROM.search(before[-30:]))
    # The drug switched to, "for GI intolerance", carries the previous drug's reason, not a stop.
    switch_target = bool(_SWITCHED_TO.search(before[-40:]) or _SWITCHED_AT_DATE.search(before[-40:]))
    stop_word = _STOPPED.search(window[:120])
    if stop_word and switch_target and _SWITCH_REASON.match(window):
        stop_word = _STOPPED.search(window[:120], _SWITCH_REASON.match(window).end())
    out["stopped"] = not held and bool(stop_word or stopped_before or switched_from)
    month_day = _STOPPED_MONTH_DAY.search(window[:120]) if out["stopped"] and out["end"] is None else None
    if month_day and note_date is not None:
        # "(stopped 04/20)" in a 2024 note: April 20 of the note's year (or the
        # year before when that day is still ahead), not April 2020.
        end = _month_day_before(int(month_day.group(1)), int(month_day.group(2)), note_date)
        if end is not None and (out["start"] is None or end.isoformat() >= out["start"]):
            out["end"] = end.isoformat()
    if out["stopped"] and out["end"] is None and _RESTARTED.search(window[:40]) and _only_paused(window[:120]):
        # "restarted 07/09/2024 (held during pregnancy)": the pause came before.
        out["stopped"] = False
        out["ongoing"] = True
    if out["stopped"] and out["ongoing"] and out["end"] is None and _only_paused(window[:120]):
        # "mycophenolate (since 01/2024; held during CYC)": taken from then
        # until a pause that is still going on, not a trial that ended then.
        out["stopped"] = False
    if out["stopped"] and out["end"] is None and note_date is not None and _STOPPED_TODAY.search(window[:100]):
        out["end"] = note_date.isoformat()  # "since 04/2022 - stopped today given renal flare"
    if out["stopped"] and out["end"] is None and earlier:
        out["end"] = _same_day_stop(window[:100], earlier, note_date)
    # "Azathioprine 100 mg daily 2017 - Sept 2022, ineffective": a closed range is past use.
    closed_range = range_end is not None and not re.match(
        r"\s*(?:\)|,)?\s*(?:-|to)?\s*(?:present|now|current|ongoing|today)", window[range_end:], re.IGNORECASE
    )
    out["current"] = (
        (bool(_CURRENT.search(window[:80])) or out["ongoing"])
        and not out["stopped"]
        and not out.get("stop_unknown")
        and not closed_range
    )
    out["allergy"] = bool(_ALLERGY.search(window[:60]) or _ALLERGY.search(own[-30:]))
    # "tacrolimus 0.1% ointment to face", "inhaled budesonide": not systemic therapy.
    out["topical"] = bool(_TOPICAL_AFTER.match(window) or _TOPICAL_BEFORE.search(before[-25:]))
    # "remains on MMF": taken without a break since the chart last listed it.
    out["continuing"] = bool(_CONTINUING.search(before[-40:])) and not out["stopped"]
    return out


# ---------------------------------------------------------------- age

_AGE_NUM = re.compile(r"\d{1,3}")
# A checklist's threshold before the age it checks: "Age >= 18 (29 y)".
_AGE_THRESHOLD = re.compile(r"^\s*age\s*(?:>=|\u2265|>|at\s+least)\s*18\b", re.IGNORECASE)
_DOB_DATE = re.compile(
    r"(?:DOB|D\.O\.B\.|date\s+of\s+birth|year\s+of\s+birth|birth\s+year|YOB|born(?:\s+(?:on|in))?|\bb\.|\bgeb\.|\bn[\u00e9e]e?\s+le)(?:[:\s]|\?\s*\|)+(.*)$",
    re.IGNORECASE,
)
_DECADE = re.compile(
    r"\b(?:(?P<part>early|mid|late)[\s-]*)?(?:(?P<word>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)|(?P<num>[2-9]0)'?s)\b",
    re.IGNORECASE,
)
_PART_OFFSET = {"early": 0, "mid": 3, "late": 6}
_MONTHS_AGE = re.compile(r"(\d{2,3})[\s-]*(?:months?|mos?)\b", re.IGNORECASE)


def age_years(span_text: str) -> int | None:
    """The age in years stated by an age mention (``34 y/o`` -> 34).

    Also ``thirty-nine-year-old``, ``Age 206 months`` (17) and ``in her early
    thirties`` (30: the least the words allow).
    """
    decade = _DECADE.search(span_text)
    if decade:
        base = TENS_WORDS[decade.group("word").lower()[:-3] + "y"] if decade.group("word") else int(decade.group("num"))
        return base + _PART_OFFSET.get((decade.group("part") or "").lower(), 0)
    words = _number_words(span_text)
    if words is not None:
        return words
    threshold = _AGE_THRESHOLD.match(span_text)
    m = _AGE_NUM.search(span_text, threshold.end() if threshold else 0)
    if not m:
        return None
    months = _MONTHS_AGE.search(span_text, m.start())
    years = int(months.group(1)) // 12 if months and months.start() == m.start() else int(m.group(0))
    return years if 0 <= years <= 120 else None


def _number_words(text: str) -> int | None:
    """``thirty-nine`` -> 39, ``seventeen`` -> 17; ``None`` without number words."""
    total = None
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in TENS_WORDS:
            total = (total or 0) + TENS_WORDS[word]
        elif word in CARDINAL_WORDS:
            total = (total or 0) + CARDINAL_WORDS[word]
    return total


def other_birth_reading(span_text: str, dm: DateMention) -> date | None:
    """The day-month swap of a numeric date of birth that reads both ways ("05/06/2007"), else ``None``."""
    found = re.search(r"\b(\d{1,2})[/-](\d{1,2})[/-](?:19|20)?\d\d\b", span_text)
    if dm.precision != "day" or not found:
        return None
    first, second = int(found.group(1)), int(found.group(2))
    if first > 12 or second > 12 or first == second:
        return None
    return _safe_swap(dm.value)


def _safe_swap(day: date) -> date | None:
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def birth_date(span_text: str) -> DateMention | None:
    """The date of birth stated by a DOB mention."""
    m = _DOB_DATE.search(span_text)
    if not m:
        return None
    # "2nd of July 2006": an ordinal day reads as the day.
    stated = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\s+(?:of\s+)?", r"\1 ", m.group(1), flags=re.IGNORECASE)
    dates = find_dates(stated)
    return dates[0] if dates else None


# ---------------------------------------------------------------- A1c

_A1C = re.compile(
    # "A1c now 7.1", "last A1c in our system 9.5%", a CSV row's '"HbA1c","7.1","%"'.
    r"^[\s\",]*(?:(?:in|on)\s+(?:our\s+|the\s+)?(?:system|file|chart|record|EHR)\s*(?:was|is|=|:)?\s*)?"
    r"(?:level|value|result)?\s*(?:of|was|is|=|:|-|today|now|down\s+to|improved\s+to)?\s*(?:was|is|of|=|:)?[\s\",]*"
    r"(?P<v>\d{1,2}(?:\.\d{1,2})?)\s*%?",
    re.IGNORECASE,
)


_A1C_IFCC = re.compile(
    r"^\s*(?:level|value|result)?\s*(?:of|was|is|=|:|-|today)?\s*(?:was|is|of|=|:)?\s*(?P<v>\d{2,3})\s*mmol/mol\b",
    re.IGNORECASE,
)


def a1c_value(after: str) -> float | None:
    """The HbA1c percentage right after an A1c mention.

    IFCC units are converted to the NGSP percentage the protocol's
    thresholds use: "HbA1c 84 mmol/mol" is 9.8%.
    """
    # "A1c 12/2024 6.9%", "A1c (03/2025) 7.1": the date first, then the value.
    after = re.sub(r"^\s*[(:]?\s*\d{1,2}/\d{2,4}(?:/\d{2,4})?\s*\)?:?", " ", after, count=1)
    ifcc = _A1C_IFCC.match(after[:40])
    if ifcc:
        return round(0.0915 * int(ifcc.group("v")) + 2.15, 1)
    m = _A1C.match(after[:40])
    if not m:
        return None
    value = float(m.group("v"))
    return value if 3.0 <= value <= 20.0 else None


# ---------------------------------------------------------------- nephritis

_CLASS = re.compile(
    r"\bclass(?:es)?\s*(?P<c>(?:IV|VI|V|I{1,3}|[1-6])\b(?:\s*(?:[-/+&]|and|\+)\s*(?:IV|VI|V|I{1,3}|[1-6])\b)*)",
    re.IGNORECASE,
)
_ARABIC = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
_PROTEIN = re.compile(
    # "12-20 mg/mmol": a range takes its upper value and its unit.
    r"(?:\d+(?:\.\d+)?\s*(?:-|\u2013|to)\s*(?=\d))?(?P<v>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+|,\d{1,2}(?!\d))?)(?![\d.])\s*(?P<u>mg/mmol|g/g|g/gm|mg/mg|g/day|g/d|g/24\s*h(?:rs?|ours?)?|g\b|mg/g|mg/gm|mg/day|mg/24\s*h(?:rs?|ours?)?|mg\b)?"
    # "Repeat UA/UPCR in 4 wk": a time, not an amount.
    r"(?!\s*(?:-\s*\d+\s*)?(?:wks?|weeks?|days?|d\b|months?|mos?\b|hours?|hrs?))",
    re.IGNORECASE,
)


def nephritis_classes(sentence: str) -> list[str]:
    """ISN/RPS classes named in a sentence, as roman numerals (``['III', 'V']``)."""
    classes: list[str] = []
    for m in _CLASS.finditer(sentence):
        # "class II (mesangial), no class III/IV lesions": the denied classes are not found.
        if re.search(
            r"\b(?:no|without|not|negative\s+for)\s+(?:\w+\s+)?$", sentence[max(0, m.start() - 20) : m.start()], re.I
        ):
            continue
        # "The preliminary impression of class IV is revised: final class II": the revised class is gone.
        if re.match(
            r"\s*(?:\([^()]*\)\s*)?(?:is|was|has\s+been)\s+(?:now\s+)?(?:revised|overturned|retracted)\b",
            sentence[m.end() :],
            re.I,
        ):
            continue
        for part in re.split(r"\s*(?:[-/+&]|and|\+)\s*", m.group("c")):
            part = part.strip().upper()
            roman = _ARABIC.get(part, part)
            if roman in _ARABIC.values() and roman not in classes:
                classes.append(roman)
    return classes


_MG_PER_MMOL_TO_G_PER_G = 1 / 113.12


def proteinuria_g(after: str) -> float | None:
    """Proteinuria in g/g (or g/day) from the text after a UPCR/proteinuria mention."""
    window = after[:50]
    lead = re.match(r"^[^\d]{0,25}", window)
    m = _PROTEIN.match(window, lead.end() if lead else 0)
    if not m:
        return None
    figure = m.group("v")
    # "1,250 mg" has a thousands comma; "4,2 g/24h" a decimal one.
    value = float(figure.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", figure) else figure.replace(",", "."))
    unit = (m.group("u") or "").lower()
    if unit in ("mg/mg",):
        return value
    if unit == "mg/mmol":
        # UK/Australian units: 1 mmol creatinine is 113 mg, so 100 mg/mmol ~ 0.88 g/g.
        return round(value * _MG_PER_MMOL_TO_G_PER_G, 3)
    if unit.startswith("mg"):
        return round(value / 1000.0, 3)
    if not unit and value >= 30:
        return round(value / 1000.0, 3)
    return value


# ---------------------------------------------------------------- attribution

_ATTRIBUTED = re.compile(
    r"\b(?:due to|secondary to|2/2|attributed to|attributable to|from|related to|caused by|in the setting of|triggered by|c/w|consistent with|likely|felt to be|thought to be|from)\s+(?P<cause>(?:[^,.;()]|\.(?=\s?[a-z])){2,60})",
    re.IGNORECASE,
)
_UNRELATED = re.compile(
    r"\b(?:not (?:felt|thought|believed|considered|judged) to be(?=\s+(?:her |his |the )?(?:lupus|SLE|NPSLE)\b)|unrelated to|not (?:felt to be |thought to be |considered |believed to be )?(?:related|due|secondary|attributable|attributed) to|not (?:a )?(?:manifestation|feature) of|independent of)\s+(?:her |his |the )?(?:lupus|SLE|systemic lupus|NPSLE|CNS lupus|autoimmune disease)",
    re.IGNORECASE,
)
# "acute symptomatic (provoked) seizure", "Seizure last month was hyponatremic":
# a kind of event that names its own non-lupus cause.
_OTHER_KIND = (
    r"(?:provoked|metabolic|hyponatr[ae]mic|hypoglyc[ae]mic|alcohol[\s-]related|withdrawal|syncopal|eclamptic|uraemic|uremic|"
    r"non-?epileptic|psychogenic|functional|dissociative|conversion|(?:steroid|drug|medication)[\s-]induced)"
)
_OTHER_KIND_BEFORE = re.compile(
    r"\b" + _OTHER_KIND + r"\)?[\s-]+(?:\(?[\w-]+\)?\s+){0,2}$"
    # "PRES with seizures", "eclampsia complicated by seizure": the condition named first caused it.
    r"|\b(?:PRES|eclampsia|hyponatr[ae]mia|hypoglyc[ae]mia|sepsis|meningitis|encephalitis|stroke|ha?emorrhage|"
    r"tumou?r|withdrawal|toxicity)\b[^.;\n]{0,40}?\s(?:with|causing|complicated\s+by)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_OTHER_KIND_AFTER = re.compile(
    r"[^.;]{0,30}?\b(?:was|were|is|felt|deemed|thought)\s+(?:to\s+be\s+|likely\s+)?(?:an?\s+)?" + _OTHER_KIND + r"\b",
    re.IGNORECASE,
)
_EPILEPSY_CONTEXT = re.compile(
    r"(?<!\bno )(?<!\bno history of )(?<!\bwithout )(?<!\bdenies )(?<!\bnot )"
    r"\b(?:(?:juvenile\s+myoclonic\s+|generali[sz]ed\s+|focal\s+|post-?traumatic\s+)?epilepsy|JME|seizure\s+(?:disorder|d/o)|breakthrough\s+(?:GTC\s+)?seizures?)\b",
    re.IGNORECASE,
)
_LUPUS_CAUSE = re.compile(
    r"\b(?:lupus|SLE|NPSLE|cerebritis|CNS vasculitis|neuropsychiatric|autoimmune|vasculitis)\b", re.IGNORECASE
)


def attribution(sentence: str, span_text: str) -> str | None:
    """What a neurological symptom is attributed to: ``"lupus"``, ``"other"`` or ``None``."""
    if re.match(r"lupus\b|SLE\b", span_text, re.IGNORECASE):
        return "lupus"
    if _UNRELATED.search(sentence):
        return "other"
    # "juvenile myoclonic epilepsy on LEV + LTG; breakthrough GTC seizures": the epilepsy's.
    if span_text.lower() != "epilepsy" and _EPILEPSY_CONTEXT.search(sentence):
        return "other"
    # "postpartum (puerperal) psychosis": a psychiatric illness of its own.
    if re.search(r"\b(?:puerperal|post-?partum)\s+(?:\(\w+\)\s+)?" + re.escape(span_text), sentence, re.IGNORECASE):
        return "other"
    # "childhood febrile seizures": a fever's, not lupus's.
    if re.search(r"\bfebrile\s+" + re.escape(span_text), sentence, re.IGNORECASE):
        return "other"
    at = sentence.find(span_text)
    if at >= 0 and (
        _OTHER_KIND_BEFORE.search(sentence[:at]) or _OTHER_KIND_AFTER.match(sentence[at + len(span_text) :])
    ):
        return "other"
    induced = re.search(
        r"\b([\w-]+?)[\s-]+(?:induced|related|associated)\s+" + re.escape(span_text.split()[0]), sentence, re.IGNORECASE
    )
    if induced:
        return "lupus" if _LUPUS_CAUSE.search(induced.group(1)) else "other"
    for m in _ATTRIBUTED.finditer(sentence):
        # "due to prednisone rather than lupus": the cause ends at the contrast.
        # "attributed to preeclampsia - no features of NPSLE": so does a dash or a "no".
        cause = re.split(
            r"\b(?:rather than|instead of|and not|not|but|no)\b|\s[-\u2013\u2014]\s", m.group("cause"), maxsplit=1
        )[0]
        if _LUPUS_CAUSE.search(cause):
            return "lupus"
        if not re.match(r"\s*(?:be|have|a|an|the)?\s*$", cause):
            return "other"
    return None


# ---------------------------------------------------------------- pregnancy

_WEEKS = re.compile(
    r"(?P<w>\d{1,2})(?:\s*w\s*\d\s*d\b|(?:\s*\+\s*\d|\s+\d/7)?\s*(?:weeks?|wks?|w)\b)|(?:GA|EGA|gestational\s+age)[:\s]+(?P<w2>\d{1,2})",
    re.IGNORECASE,
)


def gestational_weeks(text: str) -> int | None:
    """Weeks of gestation stated in ``text`` (``G2P1 at 22 weeks`` -> 22)."""
    m = _WEEKS.search(text)
    if not m:
        return None
    weeks = int(m.group("w") or m.group("w2"))
    return weeks if 1 <= weeks <= 44 else None


# ---------------------------------------------------------------- chronic illness

_ILLNESS_KINDS = (
    ("diabetes", r"diabet|\bDM\d?\b|T[12]DM|IDDM|NIDDM|A1c|glyc|glucose|sugars|DKA|ketoacidosis|hyperosmolar"),
    (
        "hypertension",
        r"hypertens|\bHTN\b|\bHPN\b|blood\s+pressure|\bBP\b|(?<![/\d])\b(?:[7-9]\d|[12]\d\d)s?/\d{2,3}s?\b(?!/\d)",
    ),
    ("heart failure", r"heart\s+failure|\bCHF\b|\bHF|ADHF|NYHA"),
    (
        "cancer",
        r"cancer|carcinoma|malignan|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|tumou?r|chemo|neoplasia|\bGTN\b|choriocarcinoma"
        r"|myelodysplastic|\b(?-i:DLBCL|AML|CLL|CML|MDS|NSCLC|SCLC|HCC|RCC|IDC|ILC)\b"
        r"|taxel|citabine|platin\b|FOLF|CAPOX|XELOX|CHOP|ABVD|trastuzumab|pembrolizumab|nivolumab",
    ),
    ("lung disease", r"asthma|COPD"),
    ("liver disease", r"cirrhosis|liver|hepatic|variceal|ascites"),
    (
        "infection",
        r"tuberculosis|\bP?TB\b|\bATT\b|RHZE|HRZE|lupus\s+vulgaris|hepatitis|HBV|HCV|HIV|\bART\b|\bHAART\b|antiretroviral|\bVL\b|viral\s+load",
    ),
    ("thyroid disease", r"thyroid"),
    ("epilepsy", r"epilep|seizure"),
    ("psychiatric illness", r"schizo|bipolar|depressi|\bMDD\b"),
)


def illness_kind(text: str, last: bool = False) -> str:
    """Which major chronic illness ``text`` is about; with ``last``, the one named last in it."""
    found = [(m.start(), kind) for kind, pattern in _ILLNESS_KINDS if (m := _last_match(pattern, text))]
    if not found:
        return "other"
    if last:
        return max(found)[1]
    return found[0][1]  # the first kind in the table's order, as a mention names one illness


def _last_match(pattern: str, text: str) -> re.Match[str] | None:
    matches = list(re.finditer(pattern, text, re.IGNORECASE))
    return matches[-1] if matches else None


_SLEDAI = re.compile(r"(?:SLEDAI[\w\s-]*?|score|=|:|of|is|was)\s*(?P<v>\d{1,3})\s*$", re.IGNORECASE)


_SEROLOGY_ITEM = (
    r"(?:(?:low|high|elevated|raised)\s+)?(?:(?:anti-?\s*)?(?:ds)?DNA|C3|C4|complements?|hypocomplementemia)"
)
_SEROLOGY_ONLY = re.compile(
    r"^\s*[(\[,;-]?\s*(?:from\s+|for\s+|all\s+from\s+)?(?:" + _SEROLOGY_ITEM + r"|serolog\w*)"
    r"(?:\s*(?:\+|/|,|and)\s*" + _SEROLOGY_ITEM + r")*\s*(?:only|alone)\b"
    # "SLEDAI-2K 4 - all serologic (anti-dsDNA 74 H; C3 0.71 L)".
    r"|^\s*[-,;]?\s*(?:all|entirely|purely|only)\s+serolog\w*"
    # "SLEDAI-2K 2 (low C3)", "SLEDAI 4 (dsDNA 2, low complement 2)": every item listed is serology.
    r"|^\s*\(\s*" + _SEROLOGY_ITEM + r"(?:\s*\d+)?(?:\s*(?:\+|/|,|and)\s*" + _SEROLOGY_ITEM + r"(?:\s*\d+)?)*\s*\)",
    re.IGNORECASE,
)


def sledai_from_serology_only(after: str) -> bool:
    """Whether the text after a SLEDAI score says it comes from serology alone.

    "SLEDAI-2K 2 (anti-dsDNA only)" scores a laboratory finding, not the
    clinical activity the refractory criterion asks for.
    """
    return bool(_SEROLOGY_ONLY.match(after))


def sledai_score(span_text: str) -> int | None:
    """The score in an activity-index mention: ``SLEDAI-2K 10`` -> 10, ``CLASI-A 9`` -> 9.

    A BILAG grade reads as 1 for an active organ (A or B) and 0 otherwise (C-E).
    """
    if re.match(r"\s*BILAG\b", span_text, re.IGNORECASE):
        grade = re.search(r"\b([A-E])\s*$", span_text)
        if grade:
            return int(grade.group(1).upper() in "AB")
    elif not re.match(r"\s*(?:(?:SELENA[\s-]*)?SLEDAI|CLASI)", span_text, re.IGNORECASE):
        return None
    m = re.search(r"(\d{1,3})\s*$", span_text)
    return int(m.group(1)) if m else None
