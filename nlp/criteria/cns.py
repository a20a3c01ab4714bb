"""active_severe_cns_lupus (exclusion): current neuropsychiatric lupus or a
neurological symptom of SLE (headache, seizure, psychosis, organic brain
syndrome). A headache attributed to something else (migraine since
adolescence, caffeine withdrawal) does not count; past events do not count.
"""

from __future__ import annotations

import re
from datetime import timedelta

from nlp.criteria.common import (
    JUDGED_UNLIKELY,
    Context,
    absent_exclusion,
    cite,
    event_date,
    has_cue,
    recent,
    result,
    rule_out_judged_unlikely,
    sort_key,
    where,
)
from nlp.records import CriterionResult, Mention

CRITERION = "active_severe_cns_lupus"
_SEVERE = {"npsle", "organic_brain_syndrome", "psychosis", "seizure"}
_RECENT_DAYS = 365
_SEIZURE_FREE_DAYS = 90
_EPILEPSY = re.compile(r"epilep|\b(?:d/o|disorder)\b", re.IGNORECASE)


def _counts(m: Mention, ctx: Context) -> bool:
    if not m.is_affirmed or m.is_historical or not recent(m, ctx, _RECENT_DAYS):
        return False
    cause = m.attrs.get("attributed_to")
    if m.concept in _SEVERE:
        # Epilepsy and a "seizure disorder" are their own disease, not a lupus event.
        return cause != "other" and not _EPILEPSY.search(m.text)
    if m.concept == "headache":
        return cause == "lupus"
    return False


_RULING = re.compile(
    r"negated_existence: .*\b(?:unlikely|less likely|not favou?red|not suspected|ruled out|excluded|not consistent)\b",
    re.IGNORECASE,
)


def _names_npsle(m: Mention) -> bool:
    """NPSLE itself, or a severe symptom the mention ties to lupus ("lupus psychosis")."""
    return m.concept == "npsle" or (m.concept in _SEVERE and m.attrs.get("attributed_to") == "lupus")


def _doubting_notes(neuro: list[Mention]) -> set[str]:
    """Notes that call the patient's NPSLE possible but not established.

    Also "steroid-induced vs lupus psychosis - cannot be distinguished": a
    symptom whose lupus cause the note leaves open.
    """
    return {
        m.note_id
        for m in neuro
        if (m.concept == "npsle" or (m.concept in _SEVERE and m.attrs.get("attributed_to") == "lupus"))
        and m.is_uncertain
        and not m.is_negated
        and not m.is_family
    }


def _judged_in_note(neuro: list[Mention], doubting: set[str]) -> tuple[set[int], set[int]]:
    """Symptoms the note's own assessment calls not lupus, and those it leaves open.

    "GTC seizure ... A/P: provoked by hypoglycaemia. Not NPSLE": the seizure
    is not counted. "Confusional state ... I cannot exclude NPSLE": it is
    possible, not established. A symptom explicitly tied to lupus keeps its
    weight either way.
    """
    denied: set[int] = set()
    doubted: set[int] = set()
    # Indexed once: a chart of thousands of mentions must not be scanned once per mention.
    npsle_by_note: dict[str, list[Mention]] = {}
    for n in neuro:
        if n.concept == "npsle" and not n.is_family:
            npsle_by_note.setdefault(n.note_id, []).append(n)
    explainers = [
        n
        for n in neuro
        if not (n.is_family or n.is_hypothetical)
        and ((n.concept == "npsle" and n.is_negated and not n.is_historical) or n.attrs.get("attributed_to") == "other")
    ]
    for m in neuro:
        if m.concept not in _SEVERE - {"npsle"} or m.attrs.get("attributed_to") == "lupus":
            continue
        same_note = npsle_by_note.get(m.note_id, [])
        # "NPSLE is unlikely: seizure with severe-range BP": the note's ruling
        # covers the symptoms it discusses after it too; a "no prior NPSLE"
        # before a new seizure is history, not a ruling on it.
        if any(
            n.is_negated
            and not n.is_historical
            and not n.is_hypothetical
            and (n.start > m.start or has_cue(n, _RULING))
            for n in same_note
        ) or _explained_later(m, explainers):
            denied.add(id(m))
        elif m.note_id in doubting:
            doubted.add(id(m))
    return denied, doubted


_EXPLAINED_WITHIN_DAYS = 60


def _explained_later(m: Mention, neuro: list[Mention]) -> bool:
    """Whether a later note soon after, or a later sentence of its own note, explains ``m`` by another cause.

    ED note: "GTC seizure, no prior seizures"; neurology three days later:
    "provoked seizure due to hyponatremia; not NPSLE". The work-up that
    follows an event settles what the first note could not. ``neuro`` may
    be only the mentions that can explain (NPSLE ruled out, a cause other
    than lupus): the others never do.
    """
    if m.note_date is None:
        return False

    def soon_after(n: Mention) -> bool:
        return (
            n.note_id != m.note_id
            and n.note_date is not None
            and 0 <= (n.note_date - m.note_date).days <= _EXPLAINED_WITHIN_DAYS
            and not n.is_family
            and not n.is_hypothetical
        )

    # "GTC seizure on HD2 ... Seizure attributed to alcohol withdrawal": the
    # same note's later sentence gives the cause of the event it told.
    same_note_cause = "attributed_to" not in m.attrs and any(
        n.note_id == m.note_id
        and n.start > m.start
        and n.concept == m.concept
        and n.attrs.get("attributed_to") == "other"
        and not (n.is_family or n.is_hypothetical or n.is_negated)
        for n in neuro
    )
    return same_note_cause or any(
        soon_after(n)
        and (
            (n.concept == "npsle" and n.is_negated and not n.is_historical)
            or (n.concept == m.concept and n.attrs.get("attributed_to") == "other")
        )
        for n in neuro
    )


def _settles(ruling: Mention, m: Mention) -> bool:
    """Whether a ruling-out of NPSLE settles the open mention ``m``.

    It does when it comes later, or when a later note rules on the same
    event: "LOC 08/2024: ... vasovagal syncope; NPSLE not suspected" in
    December settles August's "seizure vs syncope" though it dates the event
    to the start of that month.
    """
    if sort_key(ruling) > sort_key(m):
        return True
    if ruling.note_id == m.note_id and has_cue(ruling, JUDGED_UNLIKELY):
        return True  # "Lupus psychosis less likely ... NPSLE workup only if persists": one assessment
    later_note = (
        (ruling.note_date, ruling.note_id) > (m.note_date, m.note_id) if ruling.note_date and m.note_date else False
    )
    ruled, open_ = event_date(ruling), event_date(m)
    return later_note and ruled is not None and open_ is not None and ruled >= open_ - timedelta(days=31)


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether active CNS lupus excludes the patient."""
    neuro = [m for m in mentions if m.criterion_id == CRITERION]
    # An assessment that calls NPSLE unlikely rules it out as far as the chart goes:
    # "Headache c/w tension-type; NPSLE less likely", "steroid-induced mania. Lupus psychosis less likely".
    neuro = rule_out_judged_unlikely(neuro, _names_npsle)
    # A note that doubts NPSLE does not establish it by naming it elsewhere.
    doubting_notes = _doubting_notes(neuro)
    denied, doubted = _judged_in_note(neuro, doubting_notes)
    active = [
        m
        for m in neuro
        if _counts(m, ctx)
        and id(m) not in denied
        and id(m) not in doubted
        and not (m.concept == "npsle" and m.note_id in doubting_notes)
    ]
    # "GTC seizure 04/11/2024 ... Seizure-free since" told months later: the
    # event is over. A few seizure-free weeks during treatment are not.
    seizure_free = [m for m in neuro if m.concept == "seizure_free" and m.is_affirmed and m.note_date is not None]

    def over(m: Mention) -> bool:
        when = event_date(m)
        return (
            m.concept in ("seizure", "npsle")
            and when is not None
            and any(sort_key(f) > sort_key(m) and (f.note_date - when).days >= _SEIZURE_FREE_DAYS for f in seizure_free)
        )

    active = [m for m in active if not over(m)]
    active_ids = {id(m) for m in active}
    evidence = [cite(m, CRITERION, id(m) in active_ids) for m in neuro]
    if active:
        m = active[-1]
        return result("met", f'Current neuropsychiatric lupus: "{m.text}" ({where(m)}).', evidence)
    uncertain = [
        m
        for m in neuro
        if m.concept in _SEVERE | {"headache"}
        and (m.is_uncertain or id(m) in doubted or (m.concept == "npsle" and m.note_id in doubting_notes))
        and not m.is_negated
        and not m.is_historical
        and recent(m, ctx, _RECENT_DAYS)
    ]
    # A later statement that rules NPSLE out ("steroid-induced psychosis, not
    # NPSLE"; an attending's "agree except: not NPSLE") settles what an
    # earlier one left open.
    ruled_out = [m for m in neuro if _names_npsle(m) and m.is_negated and not m.is_hypothetical and not m.is_family]
    uncertain = [m for m in uncertain if not any(_settles(r, m) for r in ruled_out)]
    # "Fellow: ?lupus headache, r/o NPSLE. Attending attestation: on detailed
    # history these are her lifelong migraines": the attending's cause settles it.
    attested_causes = [
        m
        for m in neuro
        if m.concept == "headache_other_cause" and not m.is_negated and not m.is_family and m.attrs.get("attestation")
    ]
    if uncertain and attested_causes and all(m.concept in ("headache", "npsle") for m in uncertain):
        uncertain = [m for m in uncertain if not any(sort_key(c) > sort_key(m) for c in attested_causes)]
    if uncertain:
        m = uncertain[-1]
        return result("unknown", f'Possible neuropsychiatric lupus: "{m.text}" ({where(m)}); review needed.', evidence)
    unattributed = [
        m
        for m in neuro
        if m.concept == "headache"
        and m.is_affirmed
        and not m.is_historical
        and "attributed_to" not in m.attrs
        and recent(m, ctx, _RECENT_DAYS)
    ]
    past = [
        m
        for m in neuro
        if m.concept in _SEVERE and m.is_affirmed and (m.is_historical or not recent(m, ctx, _RECENT_DAYS))
    ]
    other = [
        m
        for m in neuro
        if m.concept in ("headache_other_cause", "headache", *_SEVERE)
        and (m.attrs.get("attributed_to") == "other" or id(m) in denied)
        and m.is_affirmed
    ]
    notes = []
    if past:
        notes.append(f'past event only ("{past[-1].text}", {where(past[-1])})')
    if other:
        notes.append(f'symptom attributed to another cause ("{other[-1].text}")')
    if unattributed:
        notes.append("headache not attributed to lupus")
    if [m for m in neuro if m.concept == "headache_other_cause" and m.is_affirmed] and not other:
        notes.append("primary headache (e.g. migraine) only")
    if notes:
        return result("not_met", "No current neuropsychiatric lupus: " + "; ".join(notes) + ".", evidence)
    if neuro:
        return result("not_met", "Neurological symptoms mentioned only as absent.", evidence)
    status, text = absent_exclusion(ctx, CRITERION, "neuropsychiatric lupus or its symptoms")
    return result(status, text, evidence)
