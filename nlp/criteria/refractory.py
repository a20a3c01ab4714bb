"""refractory_active_disease: active SLE despite glucocorticoids plus at least
two other immunosuppressives, each used >= 84 days within 24 months.

Exposure intervals come from every note: explicit start/stop dates,
durations, and notes that list a drug as current (consecutive listings are
joined when close enough, see ``pipelines/protocol.json``). Planned drugs,
allergies, negated drugs and trials stopped early add nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from nlp.criteria import cns, nephritis
from nlp.criteria.common import Context, cite, event_date, result, sort_key, where
from nlp.records import CriterionResult, Mention
from nlp.temporal import add_months, shift_days

CRITERION = "refractory_active_disease"
# The longest usual spacing of repeated doses (monthly infusions, with slack).
_MAX_DOSE_INTERVAL_DAYS = 35
# A single infusion course keeps working for months (B-cell depletion).
_COURSE_DAYS = {"rituximab": 182, "obinutuzumab": 182}


@dataclass(slots=True)
class Interval:
    start: date
    end: date
    open_end: bool  # the drug was still being taken at ``end``
    mention: Mention

    @property
    def continued(self) -> bool:
        """The note says use went on unbroken ("remains on MMF")."""
        return bool(self.mention.attrs.get("continuing"))

    @property
    def doses_before(self) -> int:
        """How many doses the note says came before this one ("dose #8": 7)."""
        return max(0, int(self.mention.attrs.get("dose_number") or 0) - 1)


# "Treated with prednisone 1 mg/kg then IVIG x2": a course of treatment told in full.
_TREATED_WITH = re.compile(r"\b(?:treated|managed)\s+(?:with|on)\b", re.IGNORECASE)


def _usable(m: Mention) -> bool:
    return not (
        m.is_negated
        or m.is_hypothetical
        or m.is_family
        or m.is_uncertain
        or m.section == "allergies"
        or m.attrs.get("allergy")
        or m.attrs.get("never_taken")
        or m.attrs.get("topical")
    )


def exposure_interval(m: Mention, ctx: Context) -> Interval | None:
    """The interval of use a single drug mention documents, if any."""
    a = m.attrs
    # A med list copied forward from an earlier visit tells that visit's use.
    note_day = date.fromisoformat(a["as_of"]) if a.get("as_of") else m.note_date or ctx.screening_date
    start = date.fromisoformat(a["start"]) if a.get("start") else None
    end = date.fromisoformat(a["end"]) if a.get("end") else None
    duration = a.get("duration_days")
    current = (not m.is_historical or bool(a.get("ongoing"))) and (
        bool(a.get("current")) or (m.section == "medications" and not a.get("stopped"))
    )
    if start and end:
        return Interval(start, max(start, end), False, m)
    if start and (a.get("stop_unknown") or a.get("doubted")):
        return Interval(start, start, False, m)  # began then; how long is not known
    last_use = date.fromisoformat(a["last_use"]) if a.get("last_use") else None
    if start and last_use and a.get("drug") in _COURSE_DAYS:
        # "Rituximab | 03/07/2023 + 03/21/2023 | Completed": the course works
        # for months after its last infusion, not just between the two.
        return Interval(start, max(shift_days(start, _COURSE_DAYS[a["drug"]]), last_use), False, m)
    if start and last_use and not duration:
        # Doses on several dates ("C1 07/25, C2 08/26"), given again today if current.
        end_day = max(last_use, note_day) if current else last_use
        return Interval(start, max(start, end_day), current, m)
    # "rituximab 1 g x 2 doses 2 weeks apart in 03/2024": the doses' spacing
    # is not how long the course works (see the course rule below).
    if start and duration and a.get("drug") not in _COURSE_DAYS:
        return Interval(start, shift_days(start, duration), False, m)
    if end and duration:
        return Interval(shift_days(end, -(duration)), end, False, m)
    if start:
        if a.get("drug") in _COURSE_DAYS:
            # "rituximab 1 g x2 (01/2024)": the course works for months after
            # the infusions, whether or not the note lists it as current.
            course_end = shift_days(start, _COURSE_DAYS[a["drug"]])
            if not current:
                return Interval(start, course_end, False, m)
            return Interval(start, max(course_end, note_day), True, m)
        if (a.get("stopped") or m.is_historical or a.get("bare_date")) and not current:
            return Interval(start, start, False, m)  # past use, stop date unknown
        return Interval(start, max(start, note_day), True, m)
    if last_use and not duration:
        # "rituximab weekly x4, last dose 04/2024", "Benlysta (last infusion 13/02/2024)":
        # a dated dose with no start; a course works for months after it.
        if a.get("drug") in _COURSE_DAYS:
            return Interval(last_use, shift_days(last_use, _COURSE_DAYS[a["drug"]]), False, m)
        return Interval(last_use, max(last_use, note_day) if current else last_use, current, m)
    if duration:
        if m.is_historical and not current:
            return None  # an undated past trial cannot be placed in the window
        return Interval(shift_days(note_day, -(duration)), note_day, current, m)
    if m.is_historical or a.get("stopped") or a.get("doubted"):
        return None  # "unsure of dose, start, or whether she is still taking it": no listing
    return Interval(note_day, note_day, True, m)


def _retells_ended_trial(iv: Interval, earlier: list[Interval]) -> bool:
    """Whether an undated "azathioprine (6 weeks)" retells a trial an earlier note dated.

    A duration with no date is placed so that it ends on its note's day; when
    an earlier note already dated a trial of the drug that ended before that,
    the later mention is the same trial told again, not a second one.
    """
    a = iv.mention.attrs
    if iv.open_end or not a.get("duration_days"):
        return False
    if a.get("start") and a.get("start_precision") == "year" and not any(a.get(k) for k in ("end", "last_use")):
        # "only ~2 months taken in 2024" after fills dated 03/2024 and 04/2024:
        # the same trial, told with less precision.
        return any(
            e.start.year == iv.start.year and e.mention.note_id != iv.mention.note_id and e.mention.attrs.get("start")
            for e in earlier
        )
    if any(a.get(k) for k in ("start", "end", "last_use")):
        return False
    return any(not e.open_end and e.end < iv.start and e.mention.note_id != iv.mention.note_id for e in earlier)


def _point(iv: Interval) -> bool:
    """True when the mention gave no start, stop, last use or duration at all."""
    a = iv.mention.attrs
    return iv.start == iv.end and not any(a.get(k) for k in ("start", "end", "last_use", "duration_days"))


def _close_open_stops(by_drug: dict[str, list[Interval]], drugs: list[Mention]) -> None:
    """Give a use whose note dates only its start the stop another mention dates.

    "MMF since 2020 ... was stopped for conception" and, in the medication
    list, "mycophenolate (HELD since 2023)": one trial, 2020 to 2023.
    """
    stops: dict[str, list[date]] = {}
    for m in drugs:
        a = m.attrs
        if a.get("end") and not a.get("start") and not a.get("duration_days"):
            stops.setdefault(a["drug"], []).append(date.fromisoformat(a["end"]))
    for drug, ivs in by_drug.items():
        for i, iv in enumerate(ivs):
            a = iv.mention.attrs
            # Also a course planned from a date ("monthly IV CYC, first dose
            # 8/22/24") that a later note ends ("CYC x6 completed 01/2025").
            # So is one a note lists as current from its start ("first dose
            # 5/12/2023" four days before the note) until that later stop.
            if (iv.start != iv.end and not iv.open_end) or not a.get("start") or a.get("end"):
                continue
            # A stop before the day a note still listed the drug is another course's.
            later = [d for d in stops.get(drug, []) if d > (iv.end if iv.open_end else iv.start)]
            if later:
                ivs[i] = Interval(iv.start, min(later), False, iv.mention)


def _at_latest(iv: Interval) -> Interval:
    """The interval with its imprecise stop read as late as it can be."""
    latest = iv.mention.attrs.get("end_latest")
    if not latest or iv.open_end:
        return iv
    end = max(iv.end, date.fromisoformat(latest))
    if iv.mention.attrs.get("duration_days"):
        # "stopped last winter after ~6 wks": the length is known; only its place moves.
        return Interval(shift_days(end, -iv.mention.attrs["duration_days"]), end, iv.open_end, iv.mention)
    return Interval(iv.start, end, iv.open_end, iv.mention)


_ONLY_SINCE = re.compile(r"\b(?:immuno\w*|DMARDs?|agents?|drugs?|therapy|treatment)\s+since\b", re.IGNORECASE)
_ONLY_EVER = re.compile(
    r"\bonly\s+ever\s+(?:been\s+)?(?:on|taken|received|had|used)\b|\bnever\s+(?:been\s+)?on\s+anything\s+(?:but|other\s+than|except)\b",
    re.IGNORECASE,
)
_CONTINUED_JOIN_DAYS = 365


def merge(intervals: list[Interval], join_gap_days: int) -> list[tuple[date, date]]:
    """Union of intervals; current-use listings close in time are joined."""
    spans: list[tuple[date, date, bool]] = []
    # A numbered dose goes first among listings of one day, so it can reach back.
    for iv in sorted(intervals, key=lambda i: (i.start, i.end, -i.doses_before)):
        if spans:
            s, e, open_end = spans[-1]
            gap = (iv.start - e).days
            # A listing that says use went on ("remains on MMF") joins the
            # previous current listing however far apart the notes are.
            # A start the note dates after the listing ("leflunomide trial
            # 02/2024" after "Plan: add leflunomide" in 11/2023) says use
            # began then: the listing was a prescription, not use in between.
            a = iv.mention.attrs
            dated_start = bool(a.get("start")) and not iv.continued and (bool(a.get("start_cued")) or not iv.open_end)
            # "continues monthly Benlysta (last infusion 13/02/2024)" months after
            # "fourth infusion 01/08/2023": use went on between them.
            continued_closed = iv.continued and gap <= _CONTINUED_JOIN_DAYS
            if (
                gap <= 0
                or continued_closed
                or (open_end and not dated_start and (gap <= join_gap_days or iv.continued))
            ):
                spans[-1] = (s, max(e, iv.end), iv.open_end if iv.end >= e else open_end)
                continue
            if iv.doses_before and gap <= iv.doses_before * _MAX_DOSE_INTERVAL_DAYS:
                # "Saphnelo dose #8" months after doses #1 and #2: the doses
                # between them were given, at most about monthly.
                spans[-1] = (s, max(e, iv.end), iv.open_end)
                continue
        spans.append((iv.start, iv.end, iv.open_end))
    return [(s, e) for s, e, _ in spans]


def days_in_window(spans: list[tuple[date, date]], lo: date, hi: date) -> int:
    """Days of use (inclusive) inside ``[lo, hi]``."""
    total = 0
    for s, e in spans:
        s2, e2 = max(s, lo), min(e, hi)
        if e2 >= s2:
            total += (e2 - s2).days + 1
    return total


_UNDECIDED = re.compile(r"\b(?:undetermined|undecided|indeterminate)\b|\b(?:vs\.?|versus)\s", re.IGNORECASE)
_DIFFERENTIAL = re.compile(
    r"\b(?:vs\.?|versus)\s|\b(?:cannot|can't|unable\s+to)\s+(?:distinguish|tell|differentiate)|\bunclear\s+(?:whether|if)\b",
    re.IGNORECASE,
)
# "extrarenal SLE quiet; renal disease active": quiet outside one organ is not quiet disease.
_PARTIAL_QUIET = re.compile(
    r"\b(?:extra-?\s?renal|non-?\s?renal|extra-?\s?cutaneous)\s+(?:SLE|lupus|disease)?\s*(?:is\s+)?(?:quiet|quiescent|inactive|controlled)"
    # "LN remains in remission": the kidneys' state, not the disease's.
    r"|\b(?:LN|(?:lupus\s+)?nephritis|renal(?:\s+disease)?|kidneys?)\s+(?:remains?\s+|is\s+|still\s+)*(?:in\s+)?"
    r"(?:complete\s+|partial\s+|sustained\s+)?(?:remission|quiet|quiescent)\b",
    re.IGNORECASE,
)


def _partial_quiet(m: Mention) -> bool:
    """Whether a remission mention speaks of one organ only ("LN remains in remission")."""
    return any(m.text.lower() in found.group(0).lower() for found in _PARTIAL_QUIET.finditer(m.sentence))


def _activity(mentions: list[Mention], ctx: Context) -> tuple[bool | None, Mention | None]:
    """Whether the latest notes document active disease (None: not stated, or left open by a later note)."""
    events: list[tuple[Mention, bool]] = []
    for m in mentions:
        if m.is_family or m.is_hypothetical or m.is_uncertain:
            continue
        when = event_date(m)
        if when is not None and when > ctx.screening_date:
            continue
        if m.concept == "disease_active" and not m.is_historical:
            events.append((m, not m.is_negated))
        elif m.concept == "disease_inactive" and not m.is_negated and not _partial_quiet(m):
            events.append((m, False))
        elif m.concept == "disease_inactive" and not m.is_historical and _denies_inactivity(m):
            # "not in remission", "no longer quiescent": active disease.
            events.append((m, True))
        elif m.concept == "sledai" and "sledai" in m.attrs and not m.is_historical:
            events.append((m, m.attrs["sledai"] > 0 and not m.attrs.get("serology_only")))
    if not events:
        return None, None
    events.sort(key=lambda e: sort_key(e[0]))
    # The latest note that speaks to activity decides: "flare" there wins over
    # "remission" elsewhere in it, and an older flare never outweighs it.
    last_note = [e for e in events if e[0].note_id == events[-1][0].note_id]
    # "A: flare. Attending attestation: possible mild flare vs non-lupus causes":
    # the attestation is the note's last word on activity.
    last_id = events[-1][0].note_id
    attested = [
        m
        for m in mentions
        if m.note_id == last_id
        and m.attrs.get("attestation")
        and m.concept in ("disease_active", "disease_inactive", "sledai")
        and not (m.is_family or m.is_hypothetical or m.is_historical)
    ]
    if attested:
        said = [e for e in last_note if e[0].attrs.get("attestation")]
        if any(m.is_uncertain and m.concept == "disease_active" and not m.is_negated for m in attested) and not any(
            active for _, active in said
        ):
            return None, attested[-1]
        if said:
            last_note = said
    # "Quiet, SLEDAI 2 (low C3)" or "synovitis" in September, then in December
    # "possible lupus flare vs post-viral arthralgia": the later note leaves it open.
    # So does an assessment that, after the note's own quiet findings, asks
    # "?lupus flare vs fibromyalgia - can't tell today".
    last_day = events[-1][0].note_date or date.min
    any_active = any(active for _, active in last_note)
    open_since = [
        m
        for m in mentions
        if m.concept == "disease_active"
        and m.is_uncertain
        and not (m.is_negated or m.is_family or m.is_hypothetical or m.is_historical)
        and (
            (m.note_date or date.min) > last_day
            or (
                not any_active
                and m.note_id == events[-1][0].note_id
                # "possible serositis flare vs cardiogenic; no synovitis, no rash":
                # findings noted absent do not close the question the note left open.
                and (
                    sort_key(m) > sort_key(events[-1][0])
                    or (all(e.is_negated for e, _ in last_note) and _UNDECIDED.search(m.sentence))
                )
            )
        )
    ]
    if open_since:
        return None, open_since[-1]
    if any_active:
        # "10 days of polyarthritis ... Lupus flare vs acute parvovirus
        # arthritis - cannot distinguish today": the assessment after the
        # findings leaves open whether they are lupus.
        last_active = max((e for e, active in last_note if active), key=sort_key)
        differential = [
            m
            for m in mentions
            if m.concept == "disease_active"
            and m.is_uncertain
            and not (m.is_negated or m.is_family or m.is_hypothetical or m.is_historical)
            and m.note_id == last_active.note_id
            and sort_key(m) > sort_key(last_active)
            and _DIFFERENTIAL.search(m.sentence)
        ]
        if differential:
            return None, differential[-1]
        return True, next(m for m, active in reversed(last_note) if active)
    return False, last_note[-1][0]


def _only_absent_findings(activity: list[Mention], verdict: Mention | None) -> bool:
    """Whether "inactive" rests only on findings noted as absent ("MSK: no synovitis").

    Such a note says nothing against an active nephritis or NPSLE it treats.
    """
    if verdict is None:
        return False
    same_note = [m for m in activity if m.note_id == verdict.note_id and not m.is_hypothetical and not m.is_family]
    return all(m.concept == "disease_active" and m.is_negated for m in same_note)


def _denies_inactivity(m: Mention) -> bool:
    """Whether the negation of a remission mention is its own ("not in remission").

    A "no" that opens a list ("no joint sx, SLE remains quiescent") reaches the
    remission mention without denying it.
    """
    pattern = r"\b(?:not|no\s+longer|never)\s+(?:yet\s+)?(?:in\s+)?" + re.escape(m.text)
    return bool(re.search(pattern, m.sentence, re.IGNORECASE))


def _organ_activity(mentions: list[Mention], ctx: Context) -> Mention | None:
    """The evidence of active lupus nephritis or NPSLE, which is active lupus."""
    for organ in (nephritis.resolve, cns.resolve):
        found = organ(mentions, ctx)
        supporting = [m for m in found.evidence if m.supports]
        if found.status == "met" and supporting:
            return max(supporting, key=sort_key)
    return None


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide refractory active disease."""
    rules = ctx.protocol["refractory"]
    drugs = [m for m in mentions if m.concept == "drug"]
    activity = [m for m in mentions if m.concept in ("disease_active", "disease_inactive", "sledai")]
    lo = add_months(ctx.screening_date, -int(rules["window_months"]))
    hi = ctx.screening_date

    by_drug: dict[str, list[Interval]] = {}
    undated: set[str] = set()  # past use the notes give no dates for
    doubted: set[str] = set()  # use whose dates or length the notes themselves doubt
    # "In retrospect she never took the azathioprine ... never filled it":
    # the med lists that showed it before are withdrawn.
    never_taken = {
        m.attrs["drug"]: sort_key(m)
        for m in sorted(drugs, key=sort_key)
        if m.attrs.get("never_taken") and not m.is_family
    }
    # "DISCREPANCY: CellCept first dispensed 01/08/2025, not 'last year'":
    # a corrected start replaces the accounts of that use given before it.
    corrected = {
        m.attrs["drug"]: (sort_key(m), m.note_id)
        for m in sorted(drugs, key=sort_key)
        if m.attrs.get("corrected_start") and _usable(m)
    }
    for m in sorted(drugs, key=sort_key):
        if not _usable(m) or sort_key(m) < never_taken.get(m.attrs["drug"], sort_key(m)):
            continue
        fix = corrected.get(m.attrs["drug"])
        if fix is not None and m.note_id != fix[1] and sort_key(m) < fix[0]:
            continue  # an earlier note's account of the use a later note corrected
        iv = exposure_interval(m, ctx)
        if iv is not None and _retells_ended_trial(iv, by_drug.get(m.attrs["drug"], [])):
            iv = None
        if iv is not None:
            by_drug.setdefault(m.attrs["drug"], []).append(iv)
        if (iv is None or iv.start == iv.end) and m.is_historical and m.attrs["drug_class"] == "immunosuppressives":
            undated.add(m.attrs["drug"])
        if (m.attrs.get("doubted") or m.attrs.get("stop_unknown")) and m.attrs["drug_class"] == "immunosuppressives":
            # "pt thinks she took CellCept 'a year or two'": a length the note doubts.
            doubted.add(m.attrs["drug"])
    _close_open_stops(by_drug, [m for m in drugs if _usable(m)])
    drug_class = {m.attrs["drug"]: m.attrs["drug_class"] for m in drugs}
    join_gap = int(rules["assume_continuous_use_between_notes_days"])
    days = {drug: days_in_window(merge(ivs, join_gap), lo, hi) for drug, ivs in by_drug.items()}
    # "stopped 'spring 2023'" on the window's edge: a drug that qualifies only
    # if its imprecise stop means the period's last day is undecided.
    for drug, ivs in by_drug.items():
        if drug_class[drug] != "immunosuppressives" or not any(iv.mention.attrs.get("end_latest") for iv in ivs):
            continue
        latest = days_in_window(merge([_at_latest(iv) for iv in ivs], join_gap), lo, hi)
        if days[drug] < rules["min_days_per_immunosuppressive"] <= latest:
            doubted.add(drug)
    qualifying = sorted(
        (
            d
            for d, n in days.items()
            if drug_class[d] == "immunosuppressives" and n >= rules["min_days_per_immunosuppressive"]
        ),
        key=lambda d: -days[d],
    )
    short = sorted(
        d
        for d, n in days.items()
        if drug_class[d] == "immunosuppressives" and n < rules["min_days_per_immunosuppressive"]
    )
    steroids = [
        d
        for d, n in days.items()
        if drug_class[d] == "glucocorticoids" and n >= max(1, rules["min_days_glucocorticoid"])
    ]
    active, activity_mention = _activity(activity, ctx)
    weak = active is None or (active is False and _only_absent_findings(activity, activity_mention))
    organ = _organ_activity(mentions, ctx) if active is not True else None
    if (
        organ is not None
        and not weak
        and activity_mention is not None
        and sort_key(organ) <= sort_key(activity_mention)
    ):
        # A remission noted after the organ finding stands; one noted before
        # it ("partial remission 2022 ... then: relapse, UPCR 5.2") does not.
        organ = None
    if organ is not None:
        # No note speaks to activity in general, but a current lupus nephritis
        # or NPSLE that excludes the patient is active disease all the same.
        active, activity_mention = True, organ

    counted = set(qualifying) | set(steroids)
    evidence = [cite(m, CRITERION, m.attrs["drug"] in counted and _usable(m)) for m in drugs]
    evidence += [cite(m, CRITERION, active is True and m is activity_mention) for m in activity]
    if organ is not None:
        evidence.append(cite(organ, CRITERION, True))

    enough = len(qualifying) >= rules["min_immunosuppressives"]
    has_steroid = bool(steroids) or not rules["require_glucocorticoid"]
    # A drug only ever named, with no date or duration, counts for the note's
    # day alone: say so rather than report "1 day" of use.
    undocumented = {d for d, ivs in by_drug.items() if all(_point(iv) for iv in ivs)}

    def use(d: str) -> str:
        if d in undocumented and days[d] <= 1:
            return f"{d} (no dates or duration documented)"
        return f"{d} ({days[d]} day{'' if days[d] == 1 else 's'})"

    drug_text = ", ".join(use(d) for d in qualifying) or "none"
    parts = [
        f"immunosuppressives >= {rules['min_days_per_immunosuppressive']} days within {rules['window_months']} months: {drug_text}"
    ]
    if short:
        parts.append("too short or outside the window: " + ", ".join(use(d) for d in short))
    parts.append("glucocorticoid: " + (", ".join(steroids) if steroids else "none documented"))
    if organ is not None:
        parts.append(f'active disease: "{organ.text}" ({where(organ)})')
    elif active is True and activity_mention is not None:
        parts.append(f"active disease ({where(activity_mention)})")
    elif active is False and activity_mention is not None:
        parts.append(f"latest notes describe inactive disease ({where(activity_mention)})")
    else:
        parts.append("disease activity not stated")
    detail = "; ".join(parts) + "."
    detail = detail[0].upper() + detail[1:]

    # Too few drugs is a finding only when the chart shows a treatment
    # history: an immunosuppressive named, a medication list, or "no prior
    # immunosuppressants". A vague "some immunosuppressant for a few months"
    # with no drug named is no history to judge.
    named = any(m.attrs["drug_class"] == "immunosuppressives" for m in drugs)
    history_shown = (
        named
        or any(_TREATED_WITH.search(m.sentence) for m in drugs if _usable(m))
        or any(m.concept == "medication_list" for m in mentions)
        or any(m.concept == "treatment_class" and m.is_negated for m in mentions)
        # "no steroids for now per pt preference": the note states what is not given.
        or any(m.is_negated and not m.is_hypothetical and not m.is_family for m in drugs)
    )
    # "was on 'some immunosuppressant' ... Plan: consider MMF": a plan names no drug of that history.
    named_taken = any(m.attrs["drug_class"] == "immunosuppressives" and not m.is_hypothetical for m in drugs)
    vague_history = not named_taken and any(m.concept == "treatment_class" and not m.is_negated for m in mentions)
    evidence += [
        cite(m, CRITERION, False)
        for m in mentions
        if m.concept in ("medication_list", "treatment_class", "records_pending", "records_received")
    ]
    # Without an SLE diagnosis there is no refractory SLE to leave undecided.
    has_sle = any(m.concept == "sle" and m.is_affirmed and m.text.strip().lower() != "lupus" for m in mentions)
    lookalike_only = not has_sle and any(m.concept == "sle_lookalike" and m.is_affirmed for m in mentions)
    if not drugs and active is None and not history_shown:
        if lookalike_only:
            return result(
                "not_met", "No SLE diagnosis: a look-alike condition is documented, and no treatment.", evidence
            )
        return result("unknown", "No medication history or disease activity found in the notes.", evidence)
    if enough and has_steroid and active is True:
        return result("met", detail, evidence)
    pending_records = [m for m in mentions if m.concept == "records_pending" and not m.is_negated]
    # "No rheumatology records available. No other immunosuppressive ever, per
    # pt and pharmacy list": a later explicit denial settles the history.
    # "No other immunosuppressant since last year" denies only the recent past.
    denials = [
        m
        for m in mentions
        if m.concept == "treatment_class"
        and m.is_negated
        and not m.is_hypothetical
        and not _ONLY_SINCE.search(m.sentence)
    ]
    # "Only ever on HCQ": the whole history, stated.
    denials += [m for m in drugs if m.attrs["drug_class"] == "not_counted" and _ONLY_EVER.search(m.sentence)]
    denials.sort(key=sort_key)
    if pending_records and denials and sort_key(denials[-1]) > sort_key(pending_records[-1]):
        pending_records = []
    # "Ohio records received and reviewed: ...": the history they give is the history.
    received = [m for m in mentions if m.concept == "records_received" and m.is_affirmed]
    if pending_records and received and sort_key(received[-1]) > sort_key(pending_records[-1]):
        pending_records = []
    # "Arthralgia without synovitis" is a weak sign of quiet disease: with the
    # treatment history still pending it does not settle the criterion.
    if active is False and not (weak and pending_records and not enough):
        return result("not_met", detail, evidence)
    # A drug whose use is dated elsewhere in the chart is placed, not "unplaced".
    unplaced = {d for d in undated - set(qualifying) if not any(iv.end > iv.start for iv in by_drug.get(d, []))}
    unplaced |= doubted - set(qualifying)
    if vague_history:
        unplaced.add("an unnamed immunosuppressive")
    if not enough and has_steroid and unplaced and len(qualifying) + len(unplaced) >= rules["min_immunosuppressives"]:
        return result(
            "unknown",
            detail + f" Past use of {', '.join(sorted(unplaced))} has no dates to place it; review needed.",
            evidence,
        )
    if not enough and lookalike_only:
        return result("not_met", detail + " No SLE diagnosis: a look-alike condition is documented instead.", evidence)
    if pending_records and not enough:
        return result(
            "unknown",
            detail + f" Outside treatment records are still pending ({where(pending_records[-1])}); review needed.",
            evidence,
        )
    # "on 'some immunosuppressant for a few months' at an outside clinic, unsure
    # which or when": a current medication list does not tell that history.
    if vague_history and (not history_shown or not enough):
        return result("unknown", detail + " The treatment history is too vague to judge; review needed.", evidence)
    if history_shown and (not enough or not has_steroid):
        return result("not_met", detail, evidence)
    # "probable SLE - not yet established; start HCQ": lupus still being worked up.
    in_workup = any(m.concept == "sle" and m.is_uncertain and not m.is_negated and not m.is_family for m in mentions)
    if not named and not has_sle and not vague_history and (active is True or in_workup):
        # "Malar rash and synovitis x2 wk; prednisone 20 mg; rheumatology
        # referral": a first presentation of lupus not yet diagnosed has no
        # treatment history to wait for (a bare refill call is still too thin).
        return result("not_met", detail + " Lupus is not yet diagnosed: no immunosuppressive history.", evidence)
    return result("unknown", detail, evidence)
