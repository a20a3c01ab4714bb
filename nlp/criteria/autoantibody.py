"""autoantibody_positive and the per-antibody results.

The result for each of anti-dsDNA, anti-histone, anti-chromatin (incl.
anti-nucleosome) and anti-Sm is the most recent one on or before the
screening date. Planned or pending tests are not results; ANA, anti-RNP,
anti-Ro/La and antiphospholipid antibodies are cited but never count.
"""

from __future__ import annotations

import re
from datetime import date

from nlp.criteria.common import Context, cite, event_date, result, sort_key, where
from nlp.records import ANTIBODIES, AntibodyResult, CriterionResult, Mention

CRITERION = "autoantibody_positive"
_LABELS = {
    "anti_dsdna": "anti-dsDNA",
    "anti_histone": "anti-histone",
    "anti_chromatin": "anti-chromatin",
    "anti_sm": "anti-Sm",
}
_LOOKALIKES = {"ana", "anti_rnp", "anti_ro_la", "antiphospholipid"}


_REPEAT_CUE = re.compile(r"^hypothetical: (?:repeat(?:ed)?|re-?check(?:ed)?|re-?tested)$", re.IGNORECASE)


def _only_repeat_cues(m: Mention) -> bool:
    hypothetical = [c for c in m.cues if c.lower().startswith("hypothetical")]
    return bool(hypothetical) and all(_REPEAT_CUE.match(c) for c in hypothetical)


def result_of(m: Mention) -> str | None:
    """The result a mention states: positive, negative, or None (none / planned)."""
    # "anti-dsDNA pending (prior 1/2025: 310 H)": the prior result stands until the new one is back.
    # "Repeat dsDNA neg": a repeated test with its result is a result, not a plan.
    repeated = m.is_hypothetical and m.attrs.get("result") in ("positive", "negative") and _only_repeat_cues(m)
    if m.is_family or (m.is_hypothetical and not m.attrs.get("prior_result") and not repeated):
        return None
    stated = m.attrs.get("result")
    if stated == "pending":
        return None
    if stated in ("positive", "negative"):
        detail = m.attrs.get("result_detail", "").lower()
        # "No dsDNA or Sm antibodies detected": the negation denies the word result.
        # A sign ("not MCTD: dsDNA+, low C3") is the note's own reading, not a word the negation reaches.
        if (
            m.is_negated
            and stated == "positive"
            and not any(c.isdigit() for c in detail)
            and any(c.isalpha() for c in detail)
        ):
            return "negative"
        return stated
    if m.is_negated and not m.attrs.get("not_tested"):
        return "negative"
    return None


def latest_results(mentions: list[Mention], screening: date) -> dict[str, tuple[AntibodyResult, Mention | None]]:
    """Most recent result of each qualifying antibody on or before ``screening``."""
    out: dict[str, tuple[AntibodyResult, Mention | None]] = {ab: ("not_found", None) for ab in ANTIBODIES}
    # An antibody named among the features a diagnosis was made on ("SLE dx
    # 2019 (arthritis, anti-Sm)") counts only when no result is stated for it.
    stated = sorted((m for m in mentions if m.attrs.get("result_source") != "diagnostic_feature"), key=sort_key)
    features = sorted((m for m in mentions if m.attrs.get("result_source") == "diagnostic_feature"), key=sort_key)
    for group in (features, stated):
        for m in group:
            ab = m.attrs.get("antibody")
            res = result_of(m)
            when = event_date(m)
            if ab in out and res is not None and (when is None or when <= screening):
                out[ab] = (res, m)  # type: ignore[assignment]
    return out


def resolve(mentions: list[Mention], ctx: Context) -> tuple[CriterionResult, dict[str, AntibodyResult]]:
    """Decide the criterion and report each antibody's result."""
    tests = [m for m in mentions if m.criterion_id == CRITERION]
    latest = latest_results(tests, ctx.screening_date)
    antibodies: dict[str, AntibodyResult] = {ab: res for ab, (res, _) in latest.items()}
    used = {id(m) for _, m in latest.values() if m is not None}
    positives = [(ab, m) for ab, (res, m) in latest.items() if res == "positive" and m is not None]
    evidence = [cite(m, CRITERION, id(m) in used and result_of(m) == "positive") for m in tests]
    if positives:
        text = "; ".join(f"{_LABELS[ab]} positive ({where(m)})" for ab, m in positives)
        return result("met", f"{text}.", evidence), antibodies
    negatives = [(ab, m) for ab, (res, m) in latest.items() if res == "negative" and m is not None]
    pending = [
        m for m in tests if m.attrs.get("antibody") and (m.is_hypothetical or m.attrs.get("result") == "pending")
    ]
    lookalike_pos = sorted(
        {m.text for m in tests if m.concept in _LOOKALIKES and m.attrs.get("result") == "positive" and not m.is_family}
    )
    extra = f" Only {', '.join(lookalike_pos)} positive, which do not count." if lookalike_pos else ""
    if negatives:
        text = "; ".join(f"{_LABELS[ab]} negative ({where(m)})" for ab, m in negatives)
        return result("not_met", f"Latest results negative: {text}.{extra}", evidence), antibodies
    if pending:
        return result(
            "unknown",
            f"Qualifying antibody test planned or pending, no result ({where(pending[-1])}).{extra}",
            evidence,
        ), antibodies
    return result(
        "unknown", f"No anti-dsDNA, anti-histone, anti-chromatin or anti-Sm result found.{extra}", evidence
    ), antibodies
