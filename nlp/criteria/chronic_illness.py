"""unmanaged_major_chronic_illness (exclusion): a major chronic illness that is
not well managed (uncontrolled diabetes or hypertension, decompensated heart
failure, active cancer on treatment, ...). For each illness the latest
statement of control wins; an HbA1c at or above the protocol's threshold
counts as uncontrolled diabetes.
"""

from __future__ import annotations

import re

from nlp.criteria.common import Context, absent_exclusion, cite, recent, result, sort_key, where
from nlp.records import CriterionResult, Mention

CRITERION = "unmanaged_major_chronic_illness"
_POOR_CONTROL = re.compile(
    r"\b(?:uncontrolled|poorly[\s-]controlled|not\s+well[\s-]controlled|suboptimal(?:ly)?)\b", re.IGNORECASE
)


def _state(m: Mention, a1c_limit: float, past: bool = False) -> tuple[str, bool] | None:
    """(illness, uncontrolled) stated by a mention, or None; ``past`` admits past-tense lack of control."""
    if m.is_family or m.is_hypothetical or m.is_uncertain or m.is_negated:
        return None
    if m.concept == "uncontrolled_illness" and (past or not m.is_historical):
        return m.attrs.get("illness", "other"), True
    if m.concept == "controlled_illness":
        return m.attrs.get("illness", "other"), False
    if m.concept == "hba1c" and "a1c" in m.attrs:
        if m.is_historical and not past:
            return None  # an A1c in copied-forward text is that day's, not today's
        if m.attrs["a1c"] < a1c_limit and _POOR_CONTROL.search(m.sentence):
            return None  # "A1c 8.8% - poorly controlled": the statement, not the number, decides
        return "diabetes", m.attrs["a1c"] >= a1c_limit
    return None


def resolve(mentions: list[Mention], ctx: Context) -> CriterionResult:
    """Decide whether an unmanaged major chronic illness excludes the patient."""
    rules = ctx.protocol["chronic_illness"]
    found = [m for m in mentions if m.criterion_id == CRITERION]
    a1c_limit, recent_days = float(rules["a1c_uncontrolled_at_or_above"]), int(rules["recent_days"])
    latest: dict[str, tuple[Mention, bool]] = {}
    for m in sorted(found, key=sort_key):
        state = _state(m, a1c_limit)
        if state is not None and recent(m, ctx, recent_days):
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
    # An illness last said to be uncontrolled over a year ago, or only in the
    # past tense ("2 ED visits for exacerbations in 2023"), with nothing on its
    # control since: how it is managed now is not documented.
    stale: dict[str, Mention] = {}
    for m in sorted(found, key=sort_key):
        state = _state(m, a1c_limit, past=True)
        uncontrolled_then = state is not None and state[1] and state[0] not in latest
        if uncontrolled_then and (m.is_historical or not recent(m, ctx, recent_days)):
            stale[state[0]] = m
    if stale:
        ill, m = next(reversed(stale.items()))
        return result(
            "unknown",
            f"{ill} was last documented as not controlled in the past ({where(m)}) and its control is not documented since.",
            evidence,
        )
    if latest:
        names = ", ".join(sorted(latest))
        return result("not_met", f"Chronic illness documented as controlled: {names}.", evidence)
    uncertain = [m for m in found if m.concept == "uncontrolled_illness" and m.is_uncertain]
    if uncertain:
        return result("unknown", f"Control of a chronic illness is uncertain ({where(uncertain[-1])}).", evidence)
    status, text = absent_exclusion(ctx, CRITERION, "an uncontrolled major chronic illness")
    return result(status, text, evidence)
