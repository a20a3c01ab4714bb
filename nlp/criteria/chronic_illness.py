"""unmanaged_major_chronic_illness (exclusion): a major chronic illness that is
not well managed (uncontrolled diabetes or hypertension, decompensated heart
failure, active cancer on treatment, ...). For each illness the latest
statement of control wins; an HbA1c at or above the protocol's threshold
counts as uncontrolled diabetes.
"""

from __future__ import annotations

from nlp.criteria.common import Context, absent_exclusion, cite, recent, result, sort_key, where
from nlp.records import CriterionResult, Mention

CRITERION = "unmanaged_major_chronic_illness"


def _state(m: Mention, a1c_limit: float) -> tuple[str, bool] | None:
    """(illness, uncontrolled) stated by a mention, or None."""
    if m.is_family or m.is_hypothetical or m.is_uncertain or m.is_negated:
        return None
    if m.concept == "uncontrolled_illness" and not m.is_historical:
        return m.attrs.get("illness", "other"), True
    if m.concept == "controlled_illness":
        return m.attrs.get("illness", "other"), False
    if m.concept == "hba1c" and "a1c" in m.attrs:
        return "diabetes", m.attrs["a1c"] >= a1c_limit
    return None


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether an unmanaged major chronic illness excludes the patient."""
    rules = ctx.protocol["chronic_illness"]
    found = [m for m in mentions if m.criterion_id == CRITERION]
    latest: dict[str, tuple[Mention, bool]] = {}
    for m in sorted(found, key=sort_key):
        state = _state(m, float(rules["a1c_uncontrolled_at_or_above"]))
        if state is not None and recent(m, ctx, int(rules["recent_days"])):
            latest[state[0]] = (m, state[1])
    bad = [(ill, m) for ill, (m, uncontrolled) in latest.items() if uncontrolled]
    bad_ids = {id(b) for _, b in bad}
    evidence = [cite(m, CRITERION, id(m) in bad_ids) for m in found]
    if bad:
        text = "; ".join(
            f'{ill}: "{m.text}"{" " + m.value if m.concept == "hba1c" and m.value else ""} ({where(m)})'
            for ill, m in bad
        )
        return result("met", f"Not well managed: {text}.", evidence)
    if latest:
        names = ", ".join(sorted(latest))
        return result("not_met", f"Chronic illness documented as controlled: {names}.", evidence)
    stale = [
        m
        for m in found
        if _state(m, float(rules["a1c_uncontrolled_at_or_above"])) is not None
        and _state(m, float(rules["a1c_uncontrolled_at_or_above"]))[1]
        and not recent(m, ctx, int(rules["recent_days"]))
    ]
    if stale:
        # Uncontrolled over a year ago and nothing on its control since.
        return result(
            "unknown",
            f"{stale[-1].attrs.get('illness', 'A chronic illness')} was not controlled over a year ago ({where(stale[-1])}) and its control is not documented since.",
            evidence,
        )
    uncertain = [m for m in found if m.concept == "uncontrolled_illness" and m.is_uncertain]
    if uncertain:
        return result("unknown", f"Control of a chronic illness is uncertain ({where(uncertain[-1])}).", evidence)
    status, text = absent_exclusion(ctx, CRITERION, "an uncontrolled major chronic illness")
    return result(status, text, evidence)
