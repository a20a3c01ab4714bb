"""Helpers shared by the criterion resolvers: dates, citations, wording."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from nlp.records import CriterionResult, Mention, Status
from nlp.resources import protocol


@dataclass(frozen=True, slots=True)
class Context:
    """What every resolver gets besides the mentions."""

    screening_date: date
    note_count: int
    protocol: dict[str, Any]
    unread_notes: dict[str, str] = field(default_factory=dict)  # note id -> language, notes the rules cannot read

    @classmethod
    def for_patient(cls, screening_date: date, note_count: int, unread_notes: dict[str, str] | None = None) -> Context:
        """Context with the protocol loaded from ``pipelines/protocol.json``."""
        return cls(screening_date, note_count, protocol(), dict(unread_notes or {}))


def event_date(m: Mention) -> date | None:
    """When the thing a mention states happened: its own date, else the note's."""
    for key in ("event_date", "result_date"):
        value = m.attrs.get(key)
        if value:
            return date.fromisoformat(value)
    return m.note_date


def sort_key(m: Mention) -> tuple[date, date, str, int]:
    """Order mentions by event date, then note date, note and position."""
    return (event_date(m) or date.min, m.note_date or date.min, m.note_id, m.start)


def where(m: Mention) -> str:
    """Short provenance for a rationale: ``2025-01-13, Rheumatology clinic note``."""
    parts = [m.note_date.isoformat() if m.note_date else "undated note"]
    if m.note_type:
        parts.append(m.note_type)
    else:
        parts.append(f"note {m.note_id}")
    return ", ".join(parts)


def quote(m: Mention, limit: int = 60) -> str:
    """The mention's text for a rationale, shortened."""
    text = " ".join(m.text.split())
    return f'"{text[:limit]}"'


def cite(m: Mention, criterion_id: str, supports: bool) -> Mention:
    """A copy of ``m`` filed as evidence for ``criterion_id``."""
    return replace(m, criterion_id=criterion_id, supports=supports, attrs=dict(m.attrs))


def result(status: Status, rationale: str, evidence: list[Mention]) -> CriterionResult:
    """Build a result with evidence in note order."""
    ordered = sorted(evidence, key=lambda e: (e.note_date or date.min, e.note_id, e.start, e.concept))
    return CriterionResult(status=status, rationale=rationale, evidence=ordered)


def recent(m: Mention, ctx: Context, days: int) -> bool:
    """Whether the mention's event is within ``days`` before the screening date."""
    when = event_date(m)
    if when is None:
        return True
    return 0 <= (ctx.screening_date - when).days <= days or when > ctx.screening_date


# An assessment that leans against a diagnosis: "NPSLE less likely", "LN flare felt unlikely".
JUDGED_UNLIKELY = re.compile(r"possible_existence: .*\b(?:unlikely|less likely|not favou?red)\b", re.IGNORECASE)


def rule_out_judged_unlikely(mentions: list[Mention], applies: Callable[[Mention], bool]) -> list[Mention]:
    """The mentions with each uncertain one an assessment leans against read as ruled out.

    "NPSLE less likely", "LN flare felt unlikely": for the mentions ``applies`` selects.
    """
    return [
        replace(m, is_uncertain=False, is_negated=True)
        if m.is_uncertain and applies(m) and has_cue(m, JUDGED_UNLIKELY)
        else m
        for m in mentions
    ]


def has_cue(m: Mention, pattern: re.Pattern[str]) -> bool:
    """Whether one of the ConText cues that qualified ``m`` matches ``pattern``.

    Cues read ``"<category>: <cue text>"``, e.g. ``"possible_existence: less likely"``.
    """
    return any(pattern.match(cue) for cue in m.cues)


def by_concept(mentions: list[Mention], *concepts: str) -> list[Mention]:
    """The mentions whose concept is one of ``concepts``."""
    wanted = set(concepts)
    return [m for m in mentions if m.concept in wanted]


def absent_exclusion(ctx: Context, criterion_id: str, what: str) -> tuple[Status, str]:
    """Status and wording for an exclusion the notes never mention (per protocol.json)."""
    status: Status = ctx.protocol["exclusions_without_evidence"][criterion_id]
    notes = f"{ctx.note_count} note{'s' if ctx.note_count != 1 else ''}"
    if ctx.unread_notes:
        # Silence in a note nobody read is no evidence of absence.
        unread = len(ctx.unread_notes)
        languages = ", ".join(sorted(set(ctx.unread_notes.values())))
        return "unknown", (
            f"No mention of {what} in {notes}, but {unread} of them {'is' if unread == 1 else 'are'} not in English"
            f" ({languages}) and {'was' if unread == 1 else 'were'} not read; review needed."
        )
    return status, f"No mention of {what} in {notes}."
