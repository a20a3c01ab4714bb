"""pregnant_or_lactating (exclusion): currently pregnant or breastfeeding.

Events are read in date order: a pregnancy (with weeks of gestation when
stated, to estimate when it ends), a positive or negative hCG, a delivery,
breastfeeding or its denial. Male sex, menopause and hysterectomy rule both
out. A pregnancy documented so long ago that it must have ended, with no
outcome recorded, needs review.
"""

from __future__ import annotations

import re
from datetime import date

from nlp.criteria.common import Context, absent_exclusion, cite, event_date, result, sort_key, where
from nlp.records import CriterionResult, Mention
from nlp.temporal import shift_days

CRITERION = "pregnant_or_lactating"


def _clean(m: Mention) -> bool:
    if m.concept == "sex_male":
        return not m.is_family  # "SLE (male). Labs pending": a cue nearby does not change his sex
    # A test with a stated result is a result, whatever doubt a cue nearby
    # casts ("records not received - unclear which agents\nserum hcg neg 4/4/26").
    resulted = m.concept == "pregnancy_test" and m.attrs.get("result") in ("positive", "negative")
    return not (m.is_family or m.is_hypothetical or (m.is_uncertain and not resulted))


_POSTPARTUM_STATE = re.compile(r"post[\s-]?partum|\bPPD\s?\d", re.IGNORECASE)
_PREGNANT_AGAIN = re.compile(r"\b(?:again|new(?:ly)?\s+pregnan\w*|(?:another|repeat|subsequent)\s+pregnan\w*)\b", re.I)


def _deliveries(found: list[Mention]) -> dict[str, date]:
    """Each note's latest delivery within a term pregnancy before the note (``postpartum`` mentions)."""
    out: dict[str, date] = {}
    for m in found:
        if m.concept != "postpartum" or m.is_negated or m.is_hypothetical or m.is_family or m.note_date is None:
            continue
        # An undated "SVD" may be any past delivery ("prior pregnancy 2020 - term SVD");
        # an undated "postpartum", or a delivery told beside it, is the patient's state now.
        own = m.attrs.get("event_date")
        if own:
            when = date.fromisoformat(own)
        elif _POSTPARTUM_STATE.search(m.text) or _POSTPARTUM_STATE.search(m.sentence or ""):
            when = m.note_date  # "PPD3 s/p urgent C/S at 33w1d": the delivery just past
        else:
            continue
        if 0 <= (m.note_date - when).days <= 280 and when > out.get(m.note_id, date.min):
            out[m.note_id] = when
    return out


def _the_ended_pregnancy(m: Mention, delivered: date | None) -> bool:
    """Whether a pregnancy mention in a note that records a recent delivery is that pregnancy.

    "PPD3 s/p C/S at 33w1d ... arthralgias in 3rd trimester", "postpartum
    visit. SVD 01/20/26 at 39w0d": the weeks and trimesters of the pregnancy
    that ended, not a new one, unless the note says so ("pregnant again") or
    its weeks fit after the delivery.
    """
    if delivered is None or m.note_date is None or _PREGNANT_AGAIN.search(m.sentence or ""):
        return False
    weeks = m.attrs.get("gestational_weeks")
    return not weeks or weeks * 7 > (m.note_date - delivered).days


# "On Mirena, not planning pregnancy": a plan denied, not a pregnancy.
_NO_PLANS = re.compile(
    r"\b(?:not|no|isn't|is\s+not|doesn't|does\s+not)\s+(?:currently\s+)?(?:planning|plans?\s+(?:for|of)|"
    r"trying\s+(?:for|to\s+conceive)|desir\w*|want\w*|wish\w*|interested\s+in)\s+"
    r"(?:a\s+|another\s+|any\s+)?(?:future\s+|further\s+)?pregnan",
    re.IGNORECASE,
)


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether pregnancy or lactation excludes the patient."""
    rules = ctx.protocol["pregnancy"]
    found = [m for m in mentions if m.criterion_id == CRITERION and m.concept != "sex_female"]
    # "Mr." names the patient in most notes, but a husband or father in some:
    # a title is no barrier in a chart that also calls the patient female.
    female = any(m.concept == "sex_female" and m.is_affirmed for m in mentions)
    if female:
        found = [m for m in found if not (m.concept == "sex_male" and m.text.startswith("Mr"))]
    screening = ctx.screening_date
    pregnant: Mention | None = None
    pregnant_until: date | None = None
    not_pregnant: Mention | None = None
    lactating: Mention | None = None
    not_lactating: Mention | None = None
    barrier: Mention | None = None
    note_weeks = {
        m.note_id: m.attrs["gestational_weeks"]
        for m in found
        if m.concept == "pregnancy" and m.attrs.get("gestational_weeks") and m.is_affirmed and not m.is_historical
    }
    delivered = _deliveries(found)
    for m in sorted(found, key=sort_key):
        when = event_date(m) or screening
        if when > screening or not _clean(m):
            continue
        if (m.concept == "sex_male" and m.is_affirmed) or (m.concept == "not_childbearing" and not m.is_negated):
            barrier = m
        elif m.concept == "pregnancy":
            if m.is_negated:
                pregnant, not_pregnant = None, m
            elif not m.is_historical and not _the_ended_pregnancy(m, delivered.get(m.note_id)):
                # "G2P1 at 22w3d ... stopped MMF when she learned she was
                # pregnant": one pregnancy, whose weeks the note states once.
                weeks = m.attrs.get("gestational_weeks") or note_weeks.get(m.note_id)
                remaining = (int(rules["term_weeks"]) - weeks) * 7 if weeks else int(rules["pregnancy_recent_days"])
                pregnant, pregnant_until = m, shift_days(when, max(remaining, 0) + 14)
        elif m.concept == "pregnancy_test" and m.attrs.get("result") in ("positive", "negative"):
            if m.attrs["result"] == "positive" and not m.is_negated:
                pregnant, pregnant_until = m, shift_days(when, int(rules["pregnancy_recent_days"]))
            else:
                pregnant, not_pregnant = None, m
        elif m.concept == "postpartum" and not m.is_negated:
            pregnant, not_pregnant = None, m
        elif m.concept == "pregnancy_topic" and m.is_negated and not _NO_PLANS.search(m.sentence or ""):
            # "denies pregnancy": a topic mention only speaks when negated.
            pregnant, not_pregnant = None, m
        elif m.concept == "not_lactating" and not m.is_negated:
            lactating, not_lactating = None, m
        elif m.concept == "lactation":
            if m.is_negated:
                lactating, not_lactating = None, m
            elif not m.is_historical:
                lactating = m
            else:
                # "stopped breastfeeding in January" ends an earlier "is breastfeeding".
                lactating, not_lactating = None, m

    supporting: list[Mention] = []
    status, text = "not_met", ""
    if barrier is not None and (pregnant is None or sort_key(barrier) > sort_key(pregnant)):
        text = f'Cannot be pregnant: "{barrier.text}" ({where(barrier)}).'
    elif pregnant is not None and pregnant_until is not None and screening <= pregnant_until:
        supporting = [pregnant]
        status, text = "met", f'Pregnant: "{pregnant.text}" ({where(pregnant)}).'
    elif lactating is not None and (screening - (event_date(lactating) or screening)).days <= int(
        rules["lactation_recent_days"]
    ):
        supporting = [lactating]
        status, text = "met", f'Breastfeeding: "{lactating.text}" ({where(lactating)}).'
    elif pregnant is not None:
        status, text = (
            "unknown",
            f"Pregnancy documented ({where(pregnant)}) with no outcome recorded since; review needed.",
        )
    elif (
        not_pregnant is not None
        and not_pregnant.concept == "postpartum"
        and not_lactating is None
        and (screening - (event_date(not_pregnant) or screening)).days <= int(rules["lactation_recent_days"])
    ):
        # Only while the delivery is the latest status: a later negative hCG
        # settles it (the guideline's "negative hCG" is `not_met`).
        status, text = "unknown", f"Recent delivery ({where(not_pregnant)}); breastfeeding not documented."
    elif (
        not_pregnant is not None
        and not_pregnant.concept != "postpartum"
        and (screening - (event_date(not_pregnant) or screening)).days > int(rules["negative_status_valid_days"])
        and not_lactating is None
    ):
        # A negative test long before screening says nothing about pregnancy now.
        status, text = (
            "unknown",
            f"Last documented negative pregnancy status is old ({where(not_pregnant)}); pregnancy status at screening not documented.",
        )
    elif not_pregnant is not None or not_lactating is not None:
        last = max((m for m in (not_pregnant, not_lactating) if m is not None), key=sort_key)
        text = f'Not pregnant or lactating: "{last.text}" ({where(last)}).'
    else:
        status, text = absent_exclusion(ctx, CRITERION, "pregnancy or lactation")
    ids = {id(m) for m in supporting}
    return result(status, text, [cite(m, CRITERION, id(m) in ids) for m in found])  # type: ignore[arg-type]
