"""Dates and durations in clinical text.

Parses absolute dates (``03/14/2024``, ``2024-03-14``, ``March 2023``),
partial dates (``03/2023``, ``2/2024``, ``in 2016``), relative expressions
resolved against the note date (``3 weeks ago``, ``last month``) and
durations (``x 6 months``, ``for 2 weeks``, ``~9 months``). Partial dates
resolve to the first day of the period they name and keep their precision,
so callers can tell ``2016`` from ``2016-06-01``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Precision = Literal["day", "month", "year"]

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            (),
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}
# Number words shared with the age reader (nlp.pipeline.values).
CARDINAL_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
# Durations: "one" to "twelve" and the vague counts ("a few weeks" = 3).
_NUMBER_WORDS = {
    **{word: n for word, n in CARDINAL_WORDS.items() if n <= 12},
    "a": 1,
    "an": 1,
    "several": 3,
    "few": 3,
    "a few": 3,
    "couple": 2,
    "a couple of": 2,
}
_NUM = r"(?:\d+(?:\.\d+)?|(?:a few|a couple of|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few)(?=[\s-]))"
_UNIT = r"(?P<unit>d(?:ays?)?|wks?|weeks?|mo(?:s|nths?)?|y(?:rs?|ears?)?)"

DATE_RE = re.compile(
    r"(?P<iso>\b(?P<iy>(?:19|20)\d\d)-(?P<im>0?[1-9]|1[0-2])(?:-(?P<id>\d{1,2}))?\b)"
    r"|(?P<us>\b(?P<um>\d{1,2})/(?P<ud>\d{1,2})/(?P<uy>(?:19|20)?\d\d)\b)"
    # European "17-04-1989", "15.03.2024", "01-2023", "06.2022": four-digit years only.
    r"|(?P<eu>(?<![\d.])\b(?P<ed>\d{1,2})(?P<esep>[.-])(?P<em>\d{1,2})(?P=esep)(?P<ey>(?:19|20)\d\d)\b(?![.-]\d))"
    r"|(?P<my>\b(?P<mm>\d{1,2})/(?P<myy>(?:19|20)\d\d)\b)"
    r"|(?P<emy>(?<![\d.])\b(?P<emm>0[1-9]|1[0-2])[.-](?P<emyy>(?:19|20)\d\d)\b(?![.-]\d))"
    rf"|(?P<named>\b(?:(?P<nd1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?)?[\s-]*(?P<nm>{_MONTH_RE})[\s-]+(?:(?P<nd2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?:of\s+)?(?P<ny>(?:19|20)\d\d|['\u2019]\d\d))\b"
    r"|(?P<year>\b(?P<yy>(?:19|20)\d\d)\b(?![-/](?:0?[1-9]|1[0-2])\b))",
    re.IGNORECASE,
)
_SEASON_MONTH = {
    "spring": 3,
    "summer": 6,
    "fall": 9,
    "autumn": 9,
    "winter": 1,
    "early": 2,
    "mid": 6,
    "late": 10,
    "end of": 12,
    "beginning of": 1,
}
SEASON_RE = re.compile(
    r"\b(?P<season>spring|summer|fall|autumn|winter|early|mid|late|end of|beginning of)[\s-]+(?:of\s+)?(?P<year>(?:19|20)\d\d)\b"
    r"|\b(?P<last>last|this past)\s+(?P<lseason>spring|summer|fall|autumn|winter)\b",
    re.IGNORECASE,
)
RELATIVE_RE = re.compile(
    rf"\b(?P<n>{_NUM})\s*{_UNIT}\s+ago\b"
    r"|\b(?P<last>last|past|previous)\s+(?P<lunit>week|month|year)\b"
    r"|\b(?P<this>this|current)\s+(?P<tunit>month|year)\b",
    re.IGNORECASE,
)
_FUTURE_BEFORE = re.compile(
    r"(?:\b(?:at|in|within|every|q|by|until|follow[- ]?up|f/u|return|recheck|reassess|repeat|revisit|see (?:her|him|you))"
    r"|\b(?:follow[- ]?up|f/u|return|recheck|reassess|repeat|revisit|labs?|visit)\s+(?:in|at|after|within))\s*$",
    re.IGNORECASE,
)
DURATION_RE = re.compile(
    rf"(?:\bx\s*|\bfor\s+(?:about\s+|approximately\s+|approx\.?\s+|over\s+|roughly\s+|~\s*)?|~\s*|\babout\s+|\bapproximately\s+|\b)(?P<n>{_NUM})(?:\s*(?:-|to)\s*(?P<n2>\d+))?[\s-]*{_UNIT}\b(?!\s+ago)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date found in text, with its character span and precision."""

    value: date
    precision: Precision
    start: int
    end: int

    @property
    def period_end(self) -> date:
        """Last day of the period the date names (same day for full dates)."""
        if self.precision == "day":
            return self.value
        if self.precision == "month":
            last = calendar.monthrange(self.value.year, self.value.month)[1]
            return self.value.replace(day=last)
        return self.value.replace(month=12, day=31)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number(text: str) -> float:
    text = text.lower().strip()
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text])
    return float(text)


def _unit_days(unit: str) -> float:
    u = unit.lower()
    if u.startswith("d"):
        return _UNIT_DAYS["day"]
    if u.startswith("w"):
        return _UNIT_DAYS["week"]
    if u.startswith("m"):
        return _UNIT_DAYS["month"]
    return _UNIT_DAYS["year"]


_MONTH_SPAN_RE = re.compile(
    r"\b(?P<m1>"
    + _MONTH_RE
    + r")(?!\s*\d)\s*(?:-|\u2013|to|through|thru|until)\s*(?P<m2>"
    + _MONTH_RE
    + r")\s+(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


# A month named without a year after a preposition ("in December", "since
# March", "last June"), resolved against the note date.
_BARE_MONTH_RE = re.compile(
    r"\b(?:in|since|last|from|during|until|through|by|early|mid|late|of)\s+(?:(?:early|mid|late)[\s-]+)?"
    r"(?P<bm>" + _MONTH_RE + r")(?![\s,/.-]*(?:\d|['\u2019]\d))(?!\w)",
    re.IGNORECASE,
)


_DAY_FIRST: ContextVar[bool] = ContextVar("day_first", default=False)
_DAY_FIRST_HINT = re.compile(
    r"\b(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2])/(?:19|20)?\d\d\b"
    r"|\b(?:1[3-9]|2\d|3[01])-(?:0?[1-9]|1[0-2])-(?:19|20)\d\d\b"
    r"|\b\d{1,2}\.\d{1,2}\.(?:19|20)\d\d\b"
)


@contextmanager
def day_first_dates(enabled: bool) -> Iterator[None]:
    """Read ambiguous numeric dates ("12/04/2023") day first inside the block.

    A note from a system that writes dates day first says so only through its
    unambiguous dates ("clinic 14/01/2025"); :func:`writes_day_first` finds
    them, and the extraction of that note runs inside this block.
    """
    token = _DAY_FIRST.set(enabled)
    try:
        yield
    finally:
        _DAY_FIRST.reset(token)


def reading_day_first() -> bool:
    """Whether the current block reads ambiguous dates day first (see :func:`day_first_dates`)."""
    return _DAY_FIRST.get()


def _own_date_day_first(text: str, note_date: date | None) -> bool:
    """Whether ``text`` holds the note's own date written day first ("08/04/2025" on 8 April)."""
    if note_date is None or note_date.day == note_date.month:
        return False
    d, m, y = note_date.day, note_date.month, note_date.year
    return re.search(rf"\b0?{d}/0?{m}/(?:{y}|{y % 100:02d})\b|\b0?{d}(?P<sep>[.-])0?{m}(?P=sep){y}\b", text) is not None


# Conventions of countries that write dates day first (UK, Ireland, Australia,
# New Zealand, Europe, India, South Africa): British spellings, prednisolone,
# letters to the GP, IFCC HbA1c. Canada, which writes both ways, shares
# mg/mmol and umol/L, so those do not count.
_DAY_FIRST_LOCALE = re.compile(
    r"\b(?P<spelling>(?i:haem\w*|oedema\w*|anaemi\w*|paediatric\w*|tumour\w*|coeliac|oestr\w*|"
    r"haematuria|leucopenia|programme|centre|organis(?:e|ed|ation)|randomis\w*|behaviour\w*))\b"
    r"|\b(?P<pred>(?i:prednisolone))\b"
    r"|\b(?P<gp>GP|NHS|(?i:Dear\s+colleague|general\s+practitioner|consultant\s+rheumatologist))\b"
    r"|(?P<ifcc>\bmmol/mol\b)"
    # British dosing and letter words: "500 mg bd", "reducing fortnightly", "Kind regards".
    r"|\b(?P<usage>bd|BD|tds|TDS|nocte|mum|(?i:fortnightly|yours\s+sincerely|kind\s+regards))\b",
)


_NUMERIC_DAY_MONTH = re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b")


def _day_first_locale(text: str) -> bool:
    """Whether ``text`` shows at least two kinds of day-first-country conventions."""
    kinds: set[str | None] = set()
    for m in _DAY_FIRST_LOCALE.finditer(text):
        kinds.add(m.lastgroup)  # each alternative is one named group
        # A British spelling and prednisolone are a writer's habits, not a
        # place: with nothing else ("DOB 05/06/2007"), they leave it open.
        if len(kinds) >= 2 and kinds != {"spelling", "pred"}:
            return True
    return False


def writes_day_first(text: str, note_date: date | None = None) -> bool:
    """Whether ``text`` writes numeric dates day first.

    True when some date can only be read day first ("16/12/2024") and none
    only month first ("12/16/2024"), or, failing both, when the note writes
    its own date day first ("Barwon Health, 08/04/2025" on 8 April 2025), or
    when it follows the conventions of a country that writes dates day first
    (prednisolone in a letter to the GP) and no date is only month first.
    """
    day_first = month_first = own_day_first = False
    if not _NUMERIC_DAY_MONTH.search(text):
        return False  # no date written with both a day and a month in figures: nothing to read either way
    locale = _day_first_locale(text)
    if not locale and not _DAY_FIRST_HINT.search(text) and not _own_date_day_first(text, note_date):
        return False  # most notes: no date that can only be, or is the note's own, day first
    for m in DATE_RE.finditer(text):
        if m.group("us") or m.group("eu"):
            first, second = (
                (int(m.group("um")), int(m.group("ud"))) if m.group("us") else (int(m.group("ed")), int(m.group("em")))
            )
            if m.group("eu") and m.group("esep") == ".":
                day_first = True  # "15.03.2024" is written only day first
                continue
            if first > 12 >= second:
                day_first = True
            elif second > 12 >= first:
                month_first = True
            elif note_date is not None and first != second:
                year = int(m.group("uy") or m.group("ey"))
                year += 2000 if year < 100 else 0
                if (year, second, first) == (note_date.year, note_date.month, note_date.day):
                    own_day_first = True
                elif (year, first, second) == (note_date.year, note_date.month, note_date.day):
                    month_first = True
    return (day_first or own_day_first or locale) and not month_first


def hints_day_first(text: str) -> bool:
    """Whether ``text`` shows any sign of a day-first country's conventions (one is not enough to decide)."""
    return bool(_DAY_FIRST_LOCALE.search(text))


def shows_month_first(text: str, note_date: date | None = None) -> bool:
    """Whether ``text`` shows that it writes numeric dates month first.

    A date that can only be read month first ("04/29/2025"), or the note's
    own date written month first.
    """
    for m in DATE_RE.finditer(text):
        if not m.group("us"):
            continue
        first, second = int(m.group("um")), int(m.group("ud"))
        if second > 12 >= first:
            return True
        if note_date is not None and first != second:
            year = int(m.group("uy"))
            year += 2000 if year < 100 else 0
            if (year, first, second) == (note_date.year, note_date.month, note_date.day):
                return True
    return False


def find_dates(text: str, reference: date | None = None) -> list[DateMention]:
    """Find absolute, partial and relative dates in ``text``.

    Parameters
    ----------
    text:
        The text to search (usually one sentence).
    reference:
        The note date; relative expressions are resolved against it and
        skipped when it is ``None``.

    Returns
    -------
    list of DateMention
        In text order; impossible dates (``02/30/2024``) are skipped.
    """
    found: list[DateMention] = []
    for m in DATE_RE.finditer(text):
        d: date | None = None
        precision: Precision = "day"
        if m.group("iso"):
            if m.group("id"):
                d = _safe_date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
            else:
                d = _safe_date(int(m.group("iy")), int(m.group("im")), 1)
                precision = "month"
        elif m.group("us"):
            year = int(m.group("uy"))
            if year < 100:
                year += 2000 if year < 50 else 1900
            month, day = int(m.group("um")), int(m.group("ud"))
            if month > 12 >= day or (_DAY_FIRST.get() and day <= 12):
                month, day = day, month  # "17/05/1990" can only be day-first
            d = _safe_date(year, month, day)
        elif m.group("eu"):
            first, second = int(m.group("ed")), int(m.group("em"))
            # Dotted dates are European and so day first; dashed ones read like "/" ones.
            day_first = m.group("esep") == "." or first > 12 >= second or (_DAY_FIRST.get() and second <= 12)
            day, month = (first, second) if day_first else (second, first)
            d = _safe_date(int(m.group("ey")), month, day)
        elif m.group("emy"):
            d = _safe_date(int(m.group("emyy")), int(m.group("emm")), 1)
            precision = "month"
        elif m.group("my"):
            d = _safe_date(int(m.group("myy")), int(m.group("mm")), 1)
            precision = "month"
        elif m.group("named"):
            month = _MONTHS[m.group("nm").lower().rstrip(".")]
            # "Jan '24": an apostrophe year is this century's.
            year = int(m.group("ny").lstrip("'\u2019")) + (2000 if m.group("ny")[0] in "'\u2019" else 0)
            day_text = m.group("nd1") or m.group("nd2")
            if day_text:
                d = _safe_date(year, month, int(day_text))
            else:
                d = _safe_date(year, month, 1)
                precision = "month"
        elif m.group("year"):
            d = _safe_date(int(m.group("yy")), 1, 1)
            precision = "year"
        if d is not None:
            found.append(DateMention(d, precision, m.start(), m.end()))
    for m in SEASON_RE.finditer(text):
        if m.group("year"):
            d = date(int(m.group("year")), _SEASON_MONTH[m.group("season").lower()], 1)
        elif reference is not None:
            month = _SEASON_MONTH[m.group("lseason").lower()]
            # "last spring" means the most recent spring that has ended.
            year = reference.year if month + 3 <= reference.month else reference.year - 1
            d = date(year, month, 1)
        else:
            continue
        # A season names a quarter: drop the bare year the main pattern also found.
        found = [dm for dm in found if not (dm.precision == "year" and m.start() <= dm.start < m.end())]
        found.append(DateMention(d, "month", m.start(), m.end()))
    for m in _MONTH_SPAN_RE.finditer(text):
        # "MTX Jan-Sep 2024": the first month takes the year of the second
        # (the year before when it comes later in the calendar).
        if m.group("m1") == "may":
            continue  # "symptoms may-" is the verb
        first, second = _MONTHS[m.group("m1").lower().rstrip(".")], _MONTHS[m.group("m2").lower().rstrip(".")]
        year = int(m.group("y")) - (first > second)
        found.append(DateMention(date(year, first, 1), "month", m.start("m1"), m.end("m1")))
    if reference is not None:
        for m in RELATIVE_RE.finditer(text):
            if m.group("n"):
                n = _number(m.group("n"))
                unit_days = _unit_days(m.group("unit"))
                if unit_days < 30:
                    d, precision = shift_days(reference, -round(n * unit_days)), "day"
                else:  # months and years: calendar arithmetic, not 30.44-day months
                    d, precision = add_months(reference, -round(n * (12 if unit_days > 300 else 1))), "month"
            elif m.group("last"):
                unit = m.group("lunit").lower()
                if unit == "week":
                    d = shift_days(reference, -7)
                else:
                    d = add_months(reference, -12 if unit == "year" else -1)
                precision = "month"
            else:
                d = reference
                precision = "month"
            found.append(DateMention(d, precision, m.start(), m.end()))
        for m in _BARE_MONTH_RE.finditer(text):
            # "A1c 9.4% in December" in a May note: the December just past.
            name = m.group("bm")
            if name.lower() == "may" and not name[0].isupper():
                continue  # "in may" is a verb far more often than a month
            month = _MONTHS[name.lower().rstrip(".")]
            year = reference.year - (month > reference.month)
            found.append(DateMention(date(year, month, 1), "month", m.start("bm"), m.end("bm")))
    found.sort(key=lambda dm: dm.start)
    return found


@dataclass(frozen=True, slots=True)
class Duration:
    """A stated length of time (``x 6 months``), in days."""

    days: int
    start: int
    end: int


def find_durations(text: str) -> list[Duration]:
    """Find durations such as ``x 6 months``, ``for 2 weeks`` or ``~9 months``.

    A range (``3-4 months``) takes its lower bound: the tool must not
    overstate exposure.
    """
    out: list[Duration] = []
    for m in DURATION_RE.finditer(text):
        # "twice a day", "once a week": a frequency, not a length of use.
        if re.match(r"\s*an?\s", m.group(0), re.IGNORECASE) and re.search(
            r"\b(?:once|twice|thrice|times)\s*$", text[max(0, m.start() - 12) : m.start()], re.IGNORECASE
        ):
            continue
        # "reassess at 6 months", "follow up in 3 months": a time to come, not a length of use.
        if not re.match(
            r"\s*(?:x|for|~|about|approx|roughly|over)", m.group(0), re.IGNORECASE
        ) and _FUTURE_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        try:
            n = _number(m.group("n"))
        except ValueError:
            continue
        days = round(n * _unit_days(m.group("unit")))
        if days <= 0:
            continue
        out.append(Duration(days, m.start(), m.end()))
    return out


def add_months(d: date, months: int) -> date:
    """Return ``d`` shifted by ``months`` calendar months (day clamped to month end).

    Results outside the calendar (before year 1, after 9999) are clamped, so
    an absurd note date never stops a batch.
    """
    month_index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(month_index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def shift_days(d: date, days: int) -> date:
    """Return ``d`` moved by ``days``, clamped to the calendar's range."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def parse_iso_date(text: str) -> date | None:
    """Parse a strict ``YYYY-MM-DD`` string; ``None`` when it is not one."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if not m:
        return None
    return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
