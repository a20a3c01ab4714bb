"""active_severe_lupus_nephritis (exclusion): current lupus nephritis of ISN/RPS
class III, IV or V, or with nephrotic-range proteinuria or an active sediment.

The latest renal statement wins: "h/o LN class IV 2016, now in complete renal
response" is history; class I/II (mesangial) nephritis is not severe.
"""

from __future__ import annotations

import re

from nlp.criteria.common import (
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

CRITERION = "active_severe_lupus_nephritis"
_LN = {"lupus_nephritis", "ln_class", "renal_biopsy"}
_RELAPSE_PROTEIN_G = 1.0
_RULED = re.compile(r"negated_existence: (?!no$)", re.IGNORECASE)
_AWAITED = re.compile(
    r"\b(?:pending|awaited|to\s+follow|not\s+yet\s+(?:back|available|resulted|reported))\b", re.IGNORECASE
)
_RULE_OUT = re.compile(r"possible_existence: (?:r/o|rule out|to rule out|ro)\b", re.IGNORECASE)


def _classes(m: Mention) -> set[str]:
    return set(m.attrs.get("classes", []))


def _relapse_signs(remission: Mention, protein: list[Mention], sediment: list[Mention]) -> list[Mention]:
    """Renal findings after a response that reopen it: casts, or proteinuria of
    at least 1 g/g that is higher than any value up to the response."""
    when = event_date(remission)
    if when is None:
        return []
    before = [m.attrs.get("protein_g", 0) for m in protein if (event_date(m) or when) <= when]
    floor = max([_RELAPSE_PROTEIN_G, *before])
    rising = [m for m in protein if (event_date(m) or when) > when and m.attrs.get("protein_g", 0) > floor]
    return rising + [m for m in sediment if (event_date(m) or when) > when]


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether active severe lupus nephritis excludes the patient."""
    rules = ctx.protocol["nephritis"]
    severe = set(rules["severe_classes"])
    recent_days = int(rules["recent_days"])
    renal = [m for m in mentions if m.criterion_id == CRITERION]
    # "LN flare felt unlikely", "lupus nephritis less likely": the assessment leans against it.
    renal = rule_out_judged_unlikely(renal, lambda m: m.concept in _LN)
    ln = [m for m in renal if m.concept in _LN and not m.is_family and not m.is_hypothetical]
    current_ln = [
        m
        for m in ln
        if m.is_affirmed
        and not m.is_historical
        and recent(m, ctx, recent_days)
        and (m.concept != "renal_biopsy" or _classes(m))
    ]
    remission = [
        m
        for m in renal
        if m.concept in ("renal_remission", "no_renal_disease") and m.is_affirmed and not m.is_historical
    ]
    # "no casts seen, renal bx scheduled to r/o LN": a nephritis being ruled
    # out is suspected, whatever negation reaches it.
    # "r/o LN | Resolved | ruled out 2024" keeps its own ruling.
    ruling_out = [m for m in ln if m.is_uncertain and has_cue(m, _RULE_OUT) and not has_cue(m, _RULED)]
    ruling_out_ids = {id(m) for m in ruling_out}  # identity: dataclass equality compares every field
    remission += [m for m in ln if m.is_negated and m.concept == "lupus_nephritis" and id(m) not in ruling_out_ids]
    # "primary membranous nephropathy, not class V lupus nephritis": a class
    # ruled out on its own, not "class IV, no class V component" beside the class found.
    affirmed_class_sentences = {(m.note_id, m.sentence) for m in ln if m.concept == "ln_class" and m.is_affirmed}
    remission += [
        m
        for m in ln
        if m.concept == "ln_class"
        and m.is_negated
        and has_cue(m, _RULED)
        and id(m) not in ruling_out_ids
        and (m.note_id, m.sentence) not in affirmed_class_sentences
    ]
    protein = [
        m
        for m in renal
        if m.concept == "proteinuria"
        and not (m.is_negated or m.is_hypothetical or m.is_uncertain)
        and recent(m, ctx, recent_days)
    ]
    # "preeclampsia at 35 weeks (proteinuria 1.8 g/24h) that resolved ...; today
    # UPCR 0.14 g/g": a later, lower reading supersedes a high one.
    # The latest low reading is found once, not searched for per reading.
    significant_g = rules["significant_proteinuria_g_per_g"]
    last_low = max(
        (sort_key(n) for n in protein if "protein_g" in n.attrs and n.attrs["protein_g"] < significant_g), default=None
    )
    protein = [
        m for m in protein if last_low is None or sort_key(m) >= last_low or m.attrs.get("protein_g", 0) < significant_g
    ]
    nephrotic = [
        m
        for m in protein
        if m.attrs.get("protein_g", 0) >= rules["nephrotic_proteinuria_g_per_g"] or "nephrotic" in m.text.lower()
    ]
    significant = [m for m in protein if m.attrs.get("protein_g", 0) >= rules["significant_proteinuria_g_per_g"]]
    sediment = [m for m in renal if m.concept == "active_sediment" and m.is_affirmed and recent(m, ctx, recent_days)]
    # "LN? nephrology consult requested": suspected, whatever else is pending.
    pending_renal = [m for m in renal if m.concept in ("proteinuria", "renal_biopsy") and m.is_hypothetical]
    uncertain = [m for m in renal if m.concept in _LN and m.is_uncertain and not m.is_negated and not m.is_family]
    uncertain += [m for m in ruling_out if m.is_negated and not m.is_family]
    # "Q: is this class V lupus nephritis?" answered "not class V lupus nephritis": settled.
    rulings = [m for m in remission if m.is_negated]
    uncertain = [u for u in uncertain if not any(sort_key(r) > sort_key(u) for r in rulings)]

    # "class III+V LN in partial renal response": the nephritis the sentence
    # names is described as responding, not as active.
    responding = {(r.note_id, r.sentence, r.start) for r in remission if r.concept == "renal_remission"}
    current_ln = [
        m
        for m in current_ln
        if not any(
            (note, sentence) == (m.note_id, m.sentence) and start > m.start for note, sentence, start in responding
        )
    ]
    # "Attending attestation: the renal sentence in the HPI is carried forward
    # ... she has an active renal flare": an attestation's renal status is the note's.
    attested_notes = {m.note_id for m in current_ln + remission if m.attrs.get("attestation")}
    current_ln = [m for m in current_ln if m.note_id not in attested_notes or m.attrs.get("attestation")]
    remission = [m for m in remission if m.note_id not in attested_notes or m.attrs.get("attestation")]
    latest_status = sorted(current_ln + remission, key=sort_key)
    latest = latest_status[-1] if latest_status else None
    severe_ln = [m for m in current_ln if _classes(m) & severe]
    mild_only = [m for m in current_ln if _classes(m) and not _classes(m) & severe]
    unclassed = [m for m in current_ln if not _classes(m) and m.concept == "lupus_nephritis"]

    def done(status: str, text: str, supporting: list[Mention]) -> CriterionResult:
        ids = {id(m) for m in supporting}
        return result(status, text, [cite(m, CRITERION, id(m) in ids) for m in renal])  # type: ignore[arg-type]

    # "complete renal response 2021 ... UPCR 620 -> 2,900 mg/g today": renal
    # findings dated after the response reopen it.
    relapse_signs = _relapse_signs(latest, protein, sediment) if latest is not None else []
    # "Renal function normal" in a letter, then "LN? nephrology consult requested".
    doubted_since = [m for m in uncertain if latest is not None and sort_key(m) > sort_key(latest)]
    if latest is not None and any(latest is m for m in remission) and not relapse_signs and not doubted_since:
        return done(
            "not_met", f'Latest renal status is remission or no nephritis: "{latest.text}" ({where(latest)}).', []
        )
    if severe_ln:
        m = severe_ln[-1]
        return done(
            "met",
            f"Active lupus nephritis class {'/'.join(sorted(_classes(m)))} ({where(m)}).",
            severe_ln + nephrotic + sediment,
        )
    if mild_only:
        m = mild_only[-1]
        return done(
            "not_met",
            f"Lupus nephritis class {'/'.join(sorted(_classes(m)))} only, which is not severe ({where(m)}).",
            [],
        )
    if unclassed and (nephrotic or sediment):
        m = unclassed[-1]
        sign = "nephrotic-range proteinuria" if nephrotic else "an active urinary sediment"
        return done("met", f"Current lupus nephritis with {sign} ({where(m)}).", unclassed + nephrotic + sediment)
    known_classes = set().union(*(_classes(m) for m in ln if m.is_affirmed))
    if unclassed and known_classes and not known_classes & severe:
        # "PROBLEM LIST: Lupus nephritis" beside "class II LN (mesangial, 2024)":
        # the bare entry is the known mild nephritis.
        m = unclassed[-1]
        return done(
            "not_met",
            f"Lupus nephritis class {'/'.join(sorted(known_classes))} only, which is not severe ({where(m)}).",
            [],
        )
    if unclassed:
        m = unclassed[-1]
        return done("unknown", f"Lupus nephritis mentioned without class or activity ({where(m)}); review needed.", [])
    if uncertain:
        return done("unknown", f"Lupus nephritis suspected, not confirmed ({where(uncertain[-1])}).", [])
    history = [m for m in ln if m.is_affirmed and (m.is_historical or not recent(m, ctx, recent_days))]
    if history and (nephrotic or sediment):
        # "class III LN (bx 2023), now UPCR 3.4 g/g, RBC casts": a relapse of
        # known nephritis needs no new biopsy to be active.
        m = (nephrotic + sediment)[-1]
        sign = "nephrotic-range proteinuria" if nephrotic else "an active urinary sediment"
        return done(
            "met",
            f"Known lupus nephritis ({where(history[-1])}) with current {sign} ({where(m)}).",
            history + nephrotic + sediment,
        )
    past_classes = set().union(*(_classes(h) for h in history)) if history else set()
    if history and past_classes and not past_classes & severe:
        # "Class II (mesangial) LN on biopsy 06/2023; UPCR 0.6 g/g": known
        # mild nephritis with sub-nephrotic proteinuria and a bland sediment.
        m = history[-1]
        return done(
            "not_met",
            f"Lupus nephritis class {'/'.join(sorted(past_classes))} only, which is not severe ({where(m)}).",
            [],
        )
    if history and significant:
        m = significant[-1]
        return done(
            "unknown", f"History of lupus nephritis with current renal findings ({where(m)}); review needed.", []
        )
    if history and not remission and not any(_classes(h) for h in history) and (protein or pending_renal):
        # "History of lupus nephritis per patient report, details unknown; UPCR
        # 0.4 g/g; nephrology referral placed": neither class nor response is known.
        m = history[-1]
        return done(
            "unknown", f"Lupus nephritis in the past ({where(m)}) without class or response; review needed.", []
        )
    if history:
        m = history[-1]
        return done("not_met", f"Lupus nephritis only in the past ({where(m)}), no current activity documented.", [])
    if nephrotic or sediment:
        m = (nephrotic + sediment)[-1]
        return done("unknown", f'Renal findings without a nephritis diagnosis: "{m.text}" ({where(m)}).', [])
    awaited = [m for m in renal if m.concept == "renal_biopsy" and not _classes(m) and _AWAITED.search(m.sentence)]
    # "UPCR 1.4 g/g ... Dr. O. wants to check for lupus nephritis": nephritis is sought.
    sought = [
        m for m in renal if m.concept == "lupus_nephritis" and m.is_hypothetical and not (m.is_negated or m.is_family)
    ]
    if significant and (awaited or sought or any(m.concept == "renal_biopsy" for m in pending_renal)):
        # "UPCR 1.3 g/g; renal biopsy scheduled 12/02", "Renal biopsy 07/08 -
        # pathology pending": nephritis is being sought.
        m = significant[-1]
        return done("unknown", f'Proteinuria with a renal biopsy planned: "{m.text}" ({where(m)}).', [])
    status, text = absent_exclusion(ctx, CRITERION, "lupus nephritis")
    return done(status, text, [])
