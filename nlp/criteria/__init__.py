"""Criterion resolvers: pure functions from a patient's mentions and the
screening date to a status, its evidence and a rationale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nlp.criteria import age, autoantibody, chronic_illness, cns, nephritis, pregnancy, refractory, sle
from nlp.criteria.common import Context, sort_key
from nlp.records import ANTIBODIES, CRITERION_KIND, UNREAD_NOTE, CriterionResult, Eligibility, Mention, PatientResult

Resolver = Callable[[list[Mention], Context], CriterionResult]

RESOLVERS: dict[str, Resolver] = {
    "age_18_or_older": age.resolve,
    "sle_diagnosis": sle.resolve,
    "refractory_active_disease": refractory.resolve,
    "active_severe_lupus_nephritis": nephritis.resolve,
    "active_severe_cns_lupus": cns.resolve,
    "unmanaged_major_chronic_illness": chronic_illness.resolve,
    "pregnant_or_lactating": pregnancy.resolve,
}


def eligibility(criteria: dict[str, CriterionResult]) -> Eligibility:
    """The contract's eligibility rule over the eight statuses."""
    inclusion = [r.status for cid, r in criteria.items() if CRITERION_KIND[cid] == "inclusion"]
    exclusion = [r.status for cid, r in criteria.items() if CRITERION_KIND[cid] == "exclusion"]
    if "not_met" in inclusion or "met" in exclusion:
        return "ineligible"
    if all(s == "met" for s in inclusion) and all(s == "not_met" for s in exclusion):
        return "eligible"
    return "needs_review"


def screening_date_for(note_dates: list[date | None], fixed: date | None, today: date) -> date:
    """The contract's screening-date rule: the fixed date, else the latest dated note, else today."""
    if fixed is not None:
        return fixed
    dated = [d for d in note_dates if d is not None]
    return max(dated) if dated else today


def unresolved_patient(patient_id: str, screening: date, note_count: int, reason: str) -> PatientResult:
    """A patient whose criteria could not be resolved: every status unknown, sent to review."""
    criteria = {
        cid: CriterionResult("unknown", f"Not resolved ({reason}); review the notes.") for cid in CRITERION_KIND
    }
    return PatientResult(
        patient_id=patient_id,
        screening_date=screening,
        criteria=criteria,
        antibodies=dict.fromkeys(ANTIBODIES, "not_found"),
        eligibility="needs_review",
        note_count=note_count,
    )


def resolve_patient(patient_id: str, mentions: list[Mention], screening: date, note_count: int) -> PatientResult:
    """Resolve all eight criteria and the antibody results for one patient."""
    # Notes in another language carry a mark instead of evidence (see
    # nlp.pipeline.extract.unread_note_marker); the resolvers see only evidence.
    unread = {m.note_id: m.attrs.get("language", "") for m in mentions if m.concept == UNREAD_NOTE}
    ctx = Context.for_patient(screening, note_count, unread)
    # Resolvers read "the latest" statement as the last in this list, so the
    # list is put in date order: input order must not change any result.
    mentions = sorted((m for m in mentions if m.concept != UNREAD_NOTE), key=lambda m: (sort_key(m), m.concept, m.end))
    criteria: dict[str, CriterionResult] = {}
    for cid in CRITERION_KIND:
        if cid == "autoantibody_positive":
            criteria[cid], antibodies = autoantibody.resolve(mentions, ctx)
        else:
            criteria[cid] = RESOLVERS[cid](mentions, ctx)
    return PatientResult(
        patient_id=patient_id,
        screening_date=screening,
        criteria=criteria,
        antibodies=antibodies,
        eligibility=eligibility(criteria),
        mentions=mentions,
        note_count=note_count,
    )
