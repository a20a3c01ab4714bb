"""age_18_or_older: age at the screening date, from a date of birth or a stated age."""

from __future__ import annotations

import re
from datetime import date

from nlp.criteria.common import Context, cite, result, where
from nlp.records import CriterionResult, Mention

CRITERION = "age_18_or_older"
# "diagnosed at age 16", "since age 12": an onset age, not the patient's age.
_ONSET = re.compile(r"\b(?:at|since|from|by|until|before|after|onset|diagnosed)\s*(?:the\s+)?$", re.IGNORECASE)
# "febrile seizure age 2", "dx age 20": the age of an event named just before "age N".
_EVENT_AGE = re.compile(r"\b(?:dx|diagnosis|seizures?|convulsions?|menarche)\s*$", re.IGNORECASE)
# "Infant born 08/30/2024", "her son, born 2019": another person's birth.
_OTHER_PERSON = re.compile(
    # "Her 5 y/o had slapped cheek": an age that names someone of the patient's.
    r"\b(?:infant|baby|babies|newborn|neonate|son|daughter|child|twins?)\b[^.;\n]{0,15}$|(?<!\bin\s)\b(?:her|his|their)\s+$",
    re.IGNORECASE,
)


# "her 6-year-old daughter": the age of the person named next.
_PERSON_AFTER = re.compile(
    r"\s*(?:daughter|son|child|kid|baby|infant|toddler|grand\w+|sister|brother|niece|nephew)s?\b", re.IGNORECASE
)


_TURNS_18 = re.compile(r"\b(?:turns?|turning|will\s+(?:be|turn))\s+18\b", re.IGNORECASE)


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _is_patient_age(m: Mention) -> bool:
    if m.is_family or m.is_negated or m.is_hypothetical:
        return False
    offset = m.sentence.find(m.text)
    before = m.sentence[:offset] if offset >= 0 else ""
    after = m.sentence[offset + len(m.text) :] if offset >= 0 else ""
    event_age = m.text.lower().startswith("age") and _EVENT_AGE.search(before) is not None
    return not (_ONSET.search(before) or event_age or _OTHER_PERSON.search(before) or _PERSON_AFTER.match(after))


def _last_day(born: date, precision: str) -> date:
    """The latest birthday a year- or month-precision date of birth allows."""
    if precision == "year":
        return date(born.year, 12, 31)
    following = date(born.year + (born.month == 12), born.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether the patient is 18 or older at screening."""
    # "DOB 2062/03/15 BS" (another calendar) is no birth date in the note's future.
    dobs = [
        m
        for m in mentions
        if m.concept == "date_of_birth"
        and "birth_date" in m.attrs
        and _is_patient_age(m)
        and (m.note_date is None or date.fromisoformat(m.attrs["birth_date"]) <= m.note_date)
    ]
    ages = [m for m in mentions if m.concept == "age" and "age_years" in m.attrs and _is_patient_age(m)]
    evidence: list[Mention] = []
    if dobs:
        m = dobs[-1]
        born = date.fromisoformat(m.attrs["birth_date"])
        years = _years_between(born, ctx.screening_date)
        if m.attrs.get("birth_precision") in ("year", "month"):
            # "born in 1979": the birthday may still be ahead this year.
            youngest = _years_between(_last_day(born, m.attrs["birth_precision"]), ctx.screening_date)
            if youngest < 18 <= years and not ages:
                evidence = [cite(d, CRITERION, False) for d in dobs]
                return result(
                    "unknown",
                    f"Born {born.year} ({where(m)}): {youngest} or {years} years old at screening; review needed.",
                    evidence,
                )
            if youngest < 18 <= years:
                dobs = []  # a stated age decides between the two
            else:
                years = youngest
    if dobs:
        m = dobs[-1]
        other = m.attrs.get("birth_date_other")
        # "DOB 04/09/2007" in a letter that reads dates day first, and again in
        # a later one with no such sign: the note that can tell settles it.
        settled = [
            d
            for d in dobs
            if other and not d.attrs.get("birth_date_other") and d.attrs["birth_date"] in (m.attrs["birth_date"], other)
        ]
        if settled:
            m, other = settled[-1], None
            dobs = [d for d in dobs if d is not m] + [m]
            years = _years_between(date.fromisoformat(m.attrs["birth_date"]), ctx.screening_date)
        other_years = _years_between(date.fromisoformat(other), ctx.screening_date) if other else years
        if (other_years >= 18) != (years >= 18):
            # A date of birth that reads both ways, in a note that shows no
            # convention, decides nothing (the guideline); a stated age may.
            if not ages:
                return result(
                    "unknown",
                    f"Born {m.attrs['birth_date']} or {other} ({where(m)}): the date of birth reads both ways,"
                    f" {min(years, other_years)} or {max(years, other_years)} years old at screening; review needed.",
                    [cite(d, CRITERION, False) for d in dobs],
                )
            dobs = []
    if dobs:
        m = dobs[-1]
        ok = years >= 18
        evidence = [cite(d, CRITERION, d is m and ok) for d in dobs] + [cite(a, CRITERION, False) for a in ages]
        return result(
            "met" if ok else "not_met",
            f"Born {m.attrs['birth_date']} ({where(m)}): {years} years old at screening.",
            evidence,
        )
    if ages:
        # The latest note's first stated age; age grows with time to screening.
        latest = max(ages, key=lambda a: (a.note_date or date.min, -a.start))
        base = latest.attrs["age_years"]
        gap_years = 0
        if latest.note_date is not None and latest.note_date <= ctx.screening_date:
            gap_years = int((ctx.screening_date - latest.note_date).days // 365.25)
        years = base + gap_years
        if (
            years == 17
            and _TURNS_18.search(latest.sentence)
            and latest.note_date
            and latest.note_date < ctx.screening_date
        ):
            # "17 y/o F, turns 18 this summer": she may have had the birthday by screening.
            evidence = [cite(a, CRITERION, False) for a in ages]
            return result(
                "unknown", f"Stated age {base} ({where(latest)}), turning 18 around screening; review needed.", evidence
            )
        ok = years >= 18
        evidence = [cite(a, CRITERION, a is latest and ok) for a in ages]
        shown = f"{base} years old ({where(latest)})"
        if gap_years:
            shown += f", about {years} at screening"
        return result("met" if ok else "not_met", f"Stated age {shown}.", evidence)
    return result("unknown", "No age or date of birth found in the notes.", evidence)
