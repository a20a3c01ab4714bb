"""sle_diagnosis: a documented SLE diagnosis, not a look-alike."""

from __future__ import annotations

import re
from dataclasses import replace

from nlp.criteria.autoantibody import latest_results
from nlp.criteria.common import Context, cite, has_cue, quote, result, sort_key, where
from nlp.records import CriterionResult, Mention

CRITERION = "sle_diagnosis"
# Lupus nephritis and neuropsychiatric lupus are SLE by definition.
_SLE_CONCEPTS = {"sle", "lupus_nephritis", "npsle"}
_SLE_SPECIFIC = {"anti_dsdna": "anti-dsDNA", "anti_sm": "anti-Sm"}
_NAMES_LUPUS = re.compile(r"lupus|SLE|\bLN\b", re.IGNORECASE)


_DIAGNOSIS_DOUBT = re.compile(
    r"possible_existence: (?:unconfirmed|not (?:yet )?(?:confirmed|established|definitive)|undetermined|"
    r"to be (?:confirmed|determined)|yet to be|TBD|unclear|uncertain|indeterminate|"
    r"(?:cannot|can't|could not|can not) (?:yet )?(?:be )?(?:excluded|ruled out)|"
    r"\w+\s*(?:not|n't) (?:yet )?(?:label|call|diagnose|classify|name))",
    re.IGNORECASE,
)


# Symptoms a note may say lupus did not cause ("migraine, not SLE").
_SYMPTOM = r"(?:migraines?|headaches?|HA|seizures?|psychosis|neuropathy|rash|arthralgias?|fatigue|symptoms?|sx)"
_NEURO_EVENT = r"(?:migraines?|headaches?|HA|seizures?|sz|epilepsy|psychosis|stroke|neuropathy)"
# Between a symptom and "not lupus", a whole-disease diagnosis ("rash and
# arthralgia: UCTD, not lupus") makes the denial the patient's, not the symptom's.
_NO_DIAGNOSIS = (
    r"(?!UCTD|MCTD|undifferentiated|mixed\s+connective|rheumatoid|\bRA\b|Sj[oö]gren|dermatomyositis|fibromyalgia)"
)
# "Headaches attributed to OSA, not lupus": lupus is denied as the cause of
# something, not as the patient's disease.
_CAUSE_DENIED = re.compile(
    r"\b(?:attributed|attributable|due|secondary|related|owing)\s+to\b[^.;]{1,80}?"
    r"(?:,\s*|\s+(?:and\s+|but\s+)?)(?:not|rather\s+than)\s+(?:to\s+|due\s+to\s+)?(?:her\s+|his\s+|the\s+)?"
    r"(?:lupus|SLE)\b|\b(?:not|rather\s+than)\s+(?:due|related|secondary|attributable)\s+to\s+(?:her\s+|his\s+|the\s+)?"
    r"(?:lupus|SLE)\b"
    # "migraine, not SLE", "headache not SLE-related": a symptom's cause.
    r"|\b" + _SYMPTOM + r"\b"
    r"(?:"
    + _NO_DIAGNOSIS
    + r"[^.;\n]){0,25}?(?:,|-|\u2013)?\s*not\s+(?:(?:due|related|secondary)\s+to\s+)?(?:lupus|SLE)\b"
    # A neurological event told at length: "seizure d/o since age 12 after head
    # trauma (MVA), on keppra, last sz 2009 - not lupus".
    r"|\b" + _NEURO_EVENT + r"\b"
    r"(?:"
    + _NO_DIAGNOSIS
    + r"[^.;\n]){0,90}?(?:,|\s-|\s\u2013|\b(?:says?|said|feels?|felt|thinks?|agrees?)\b)\s*not\s+(?:(?:due|related|secondary)\s+to\s+)?(?:lupus|SLE)\s*(?:[.;,)]|$)"
    r"|\bnot\s+(?:lupus|SLE)[\s-](?:related|induced|associated|mediated)\b"
    # "the rash may be miliaria rather than lupus"; "not convinced this is a lupus flare".
    r"|\b" + _SYMPTOM + r"\b[^.;\n]{0,60}?\brather\s+than\s+(?:lupus|SLE)\b"
    r"|\bnot\s+(?:convinced|sure|certain)\s+(?:that\s+)?(?:this|it)\s+is\s+(?:an?\s+)?(?:lupus|SLE)\s+(?:flare|activity)\b"
    # "Headache ... tension-type; not felt to be lupus."
    r"|\b"
    + _SYMPTOM
    + r"\b(?:"
    + _NO_DIAGNOSIS
    + r"[^.\n]){0,90}?\bnot\s+(?:felt|thought|believed|considered|judged)\s+to\s+be\s+(?:due\s+to\s+)?(?:lupus|SLE)\b"
    # "Psych sx settling on Abilify (schizoaffective relapse, not lupus)": the aside names the cause.
    r"|\b" + _SYMPTOM + r"\b"
    r"(?:" + _NO_DIAGNOSIS + r"[^.;\n]){0,90}?\((?:" + _NO_DIAGNOSIS + r"[^()\n]){0,60}?,\s*not\s+(?:lupus|SLE)\s*\)"
    # "post-dural puncture headache, resolved after blood patch; not lupus."
    r"|\b" + _SYMPTOM + r"\b"
    r"(?:" + _NO_DIAGNOSIS + r"[^.\n]){0,90}?;\s*not\s+(?:lupus|SLE)\s*(?:[.;,]|$)"
    # A line headed by the symptom: "Headache: daily since stopping coffee 3 wk
    # ago - caffeine withdrawal, not lupus."
    r"|(?:^|\n)[ \t]*"
    + _SYMPTOM
    + r"[ \t]*:(?:"
    + _NO_DIAGNOSIS
    + r"[^.\n]){0,100}?(?:[;,]|\s[-\u2013])\s*(?:per\s+[\w/]+\s+)?not\s+(?:lupus|SLE)\s*(?:[.;,)]|$)",
    re.IGNORECASE,
)


# 'the "SLE" label on the imported PMH is from the original referral and is
# wrong': the mention names a label the note corrects.
_WRONG_LABEL = re.compile(
    r"\b(?:label|diagnosis|dx|entry)\b[^.;]{0,80}?\b(?:is|was)\s+(?:wrong|incorrect|erroneous|mistaken|in\s+error)\b",
    re.IGNORECASE,
)


# "do not label as lupus yet", "not yet labelled SLE": the diagnosis is open, not refuted.
_NOT_YET_LABELLED = re.compile(
    r"\b(?:do\s+not|don't|not|never)\s+(?:yet\s+)?(?:label|call|diagnose)\w*\b[^.;\n]{0,25}?\b(?:lupus|SLE)\b[^.;\n]{0,10}?\byet\b"
    r"|\bnot\s+yet\s+(?:label|call|diagnos)\w*\b[^.;\n]{0,25}?\b(?:lupus|SLE)\b",
    re.IGNORECASE,
)


# "35yo F w/ lupus (arthritis, leukopenia, anti-dsDNA pos)", "A: 1. Lupus with
# active polyarthritis despite AZA": a bare "lupus" that is plainly the patient's disease.
_PATIENTS_LUPUS = re.compile(
    r"\b(?:[FM]|woman|man|female|male|pt|patient)\s+(?:w/|with)\s+lupus\b(?!\s+anticoagulant)"
    r"|\blupus\s*\((?=[^()]*\b(?:arthritis|rash|nephritis|serositis|pleuritis|dsDNA|leukopenia|cytopenias?|ulcers)\b)"
    r"|^\W*(?:A|A/P|Assessment|Impression)?\W*\d?\W*lupus\s+(?:with|w/)\s+(?:active|persistent|ongoing|refractory)\b",
    re.IGNORECASE,
)


# "A/P: no lupus immunosuppression needed": a treatment denied, not the disease.
_NOT_THE_DISEASE = re.compile(
    r"\b(?:no|not|without)\s+(?:\w+\s+)?(?:lupus|SLE)\s+(?:immunosuppression|treatment|therapy|meds?|medications?|"
    r"flares?|activity|symptoms?|manifestations?|involvement)\b",
    re.IGNORECASE,
)


def _denies_cause(m: Mention) -> bool:
    """Whether a negated lupus mention only denies lupus as a cause, or denies something of the disease."""
    return bool(_CAUSE_DENIED.search(m.sentence) or _NOT_THE_DISEASE.search(m.sentence))


# "active SLE, med hx unclear": the doubt is about something else the sentence names.
_OTHER_THING_UNCLEAR = re.compile(
    r"\b(?:hx|history|dates?|timing|records?|course|adherence|doses?|regimen|trigger|cause|etiology|status)\s+"
    r"(?:is\s+|are\s+|remains?\s+)?(?:unclear|uncertain|unknown|undetermined)\b",
    re.IGNORECASE,
)


def _doubts_diagnosis(m: Mention) -> bool:
    """Whether an uncertain SLE mention says the diagnosis itself is unsettled."""
    if _OTHER_THING_UNCLEAR.search(m.sentence) and all(
        re.search(r"possible_existence: (?:unclear|uncertain|undetermined)$", c, re.IGNORECASE)
        for c in m.cues
        if c.startswith("possible_existence")
    ):
        return False
    return has_cue(m, _DIAGNOSIS_DOUBT)


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether the patient has SLE."""
    # "Proliferative glomerulonephritis" or "transverse myelitis" alone is not
    # lupus; only manifestations named as lupus ("lupus nephritis", "NPSLE") are.
    sle = [m for m in mentions if m.concept == "sle" or (m.concept in _SLE_CONCEPTS and _NAMES_LUPUS.search(m.text))]
    # A mention of a label the note calls wrong denies SLE like "no SLE".
    sle = [replace(m, is_negated=True) if m.concept == "sle" and _WRONG_LABEL.search(m.sentence) else m for m in sle]
    lookalikes = [m for m in mentions if m.concept == "sle_lookalike" and m.is_affirmed]
    # A bare "lupus" is ambiguous in a chart that also holds a look-alike
    # ("drug-induced lupus") or qualified SLE mentions ("r/o SLE", "mother
    # with SLE"): "reassured re: lupus" is then no diagnosis.
    doubtful = bool(lookalikes) or any(m.concept == "sle" and not m.is_affirmed for m in sle)

    def counts(m: Mention) -> bool:
        bare = m.text.strip().lower() == "lupus"
        return m.is_affirmed and not (doubtful and bare and not _PATIENTS_LUPUS.search(m.sentence))

    affirmed = [m for m in sle if counts(m)]
    # "no NPSLE" or "no lupus nephritis" negates the manifestation, not SLE;
    # "no active lupus" or "no SLE flare" negates the activity.
    activity = [m for m in mentions if m.concept in ("disease_active", "disease_inactive")]

    def in_activity(m: Mention) -> bool:
        return any(a.note_id == m.note_id and a.start <= m.start and m.end <= a.end for a in activity)

    negated = [
        m
        for m in sle
        if m.concept == "sle"
        and m.is_negated
        and not m.is_family
        and not m.is_hypothetical
        and not in_activity(m)
        and not _denies_cause(m)
        and not _NOT_YET_LABELLED.search(m.sentence)
    ]
    uncertain = [m for m in sle if (m.is_uncertain or m.is_hypothetical) and not m.is_negated and not m.is_family]
    not_yet = [m for m in sle if m.is_negated and not m.is_family and _NOT_YET_LABELLED.search(m.sentence)]
    uncertain = sorted(uncertain + not_yet, key=sort_key)
    not_yet_ids = {id(m) for m in not_yet}
    decisive = sorted(affirmed + negated, key=sort_key)
    latest = decisive[-1] if decisive else None

    # Identity sets: dataclass equality would make these checks quadratic.
    affirmed_ids = {id(m) for m in affirmed}
    supported = latest is not None and not latest.is_negated
    evidence = [cite(m, CRITERION, supported and id(m) in affirmed_ids) for m in sle]
    evidence += [cite(m, CRITERION, False) for m in mentions if m.concept == "sle_lookalike"]
    # "Fellow: new diagnosis of SLE. Attending: possible SLE vs AOSD, not
    # established": a later statement that the diagnosis is unconfirmed
    # reopens it ("possible SLE flare" doubts the flare, not the disease).
    reopened = [
        m
        for m in uncertain
        if m.concept == "sle"
        and latest is not None
        and sort_key(m) > sort_key(latest)
        and (_doubts_diagnosis(m) or id(m) in not_yet_ids)
    ]
    if reopened:
        m = reopened[-1]
        return result("unknown", f"SLE diagnosis not established ({where(m)}); review needed.", evidence)
    if latest is not None and not latest.is_negated:
        return result("met", f"SLE documented: {quote(latest)} ({where(latest)}).", evidence)
    if latest is not None and uncertain and not lookalikes and sort_key(uncertain[-1]) > sort_key(latest):
        # "ANA alone does not diagnose lupus ... workup in progress": still open.
        return result("unknown", f"SLE not established, workup ongoing ({where(uncertain[-1])}).", evidence)
    if latest is not None:
        return result(
            "not_met",
            f'SLE ruled out: {quote(latest)} in "{latest.sentence.strip()[:80]}" ({where(latest)}).',
            evidence,
        )
    if uncertain:
        m = uncertain[-1]
        return result("unknown", f"SLE suspected but not confirmed ({where(m)}).", evidence)
    if lookalikes:
        names = sorted({" ".join(m.text.lower().split()) for m in lookalikes})
        return result("not_met", f"Only look-alikes of SLE documented ({', '.join(names)}), not SLE.", evidence)
    family = [m for m in sle if m.is_family]
    if family:
        return result("not_met", "SLE appears only in the family history.", evidence)
    # Anti-dsDNA and anti-Sm are specific to SLE (a classification criterion
    # on their own): a chart with one positive but no diagnosis written, nor a
    # look-alike, is an undiagnosed or undocumented lupus to review, not "no SLE".
    specific = [(ab, m) for ab, (res, m) in latest_results(mentions, ctx.screening_date).items()
                if ab in _SLE_SPECIFIC and res == "positive" and m is not None]  # fmt: skip
    if specific:
        ab, m = specific[-1]
        return result(
            "unknown",
            f"No SLE diagnosis documented, but the SLE-specific {_SLE_SPECIFIC[ab]} is positive ({where(m)}); review.",
            [*evidence, cite(m, CRITERION, False)],
        )
    return result("not_met", f"No SLE diagnosis documented in {ctx.note_count} notes.", evidence)
