"""Plain data types shared by readers, the note pipeline, resolvers and writers.

Nothing here imports spaCy: these records cross process boundaries (workers,
Dask) and are what every downstream consumer reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Status = Literal["met", "not_met", "unknown"]
Eligibility = Literal["eligible", "ineligible", "needs_review"]
AntibodyResult = Literal["positive", "negative", "not_found"]

CRITERIA: tuple[tuple[str, str], ...] = (
    ("age_18_or_older", "inclusion"),
    ("sle_diagnosis", "inclusion"),
    ("refractory_active_disease", "inclusion"),
    ("autoantibody_positive", "inclusion"),
    ("active_severe_lupus_nephritis", "exclusion"),
    ("active_severe_cns_lupus", "exclusion"),
    ("unmanaged_major_chronic_illness", "exclusion"),
    ("pregnant_or_lactating", "exclusion"),
)
CRITERION_IDS: tuple[str, ...] = tuple(cid for cid, _ in CRITERIA)
CRITERION_KIND: dict[str, str] = dict(CRITERIA)
ANTIBODIES: tuple[str, ...] = ("anti_dsdna", "anti_histone", "anti_chromatin", "anti_sm")


@dataclass(frozen=True, slots=True)
class NoteRecord:
    """One validated input note."""

    patient_id: str
    note_id: str
    text: str
    note_date: date | None = None
    note_type: str | None = None
    source: str = ""
    """Where the record came from, e.g. ``notes.jsonl:12`` (for error reports)."""


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One rejected input record or file: where it was and why."""

    source: str
    reason: str
    patient_id: str | None = None
    note_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the ``errors.jsonl`` line for this error."""
        return {
            "source": self.source,
            "reason": self.reason,
            "patient_id": self.patient_id,
            "note_id": self.note_id,
        }


# The concept of a mark that a note could not be read (another language):
# no criterion's evidence, only a count the resolvers use.
UNREAD_NOTE = "note_language"


@dataclass(slots=True)
class Mention:
    """One piece of evidence found in a note, with its context.

    ``attrs`` holds concept-specific values a resolver needs (a drug's
    canonical name and exposure interval, an antibody's result, an age in
    years, a nephritis class); ``value`` is their short human-readable form.
    """

    patient_id: str
    note_id: str
    note_date: date | None
    note_type: str | None
    criterion_id: str
    concept: str
    text: str
    start: int
    end: int
    section: str | None
    sentence: str
    is_negated: bool = False
    is_historical: bool = False
    is_hypothetical: bool = False
    is_family: bool = False
    is_uncertain: bool = False
    value: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    rule: str = ""
    cues: tuple[str, ...] = ()
    supports: bool = False
    evidence_id: str = ""

    @property
    def is_affirmed(self) -> bool:
        """True when no ConText qualifier removes the mention from the present patient."""
        return not (self.is_negated or self.is_hypothetical or self.is_family or self.is_uncertain)


@dataclass(slots=True)
class CriterionResult:
    """A resolver's decision for one criterion."""

    status: Status
    rationale: str
    evidence: list[Mention] = field(default_factory=list)


@dataclass(slots=True)
class PatientResult:
    """Everything the tool decided for one patient."""

    patient_id: str
    screening_date: date
    criteria: dict[str, CriterionResult]
    antibodies: dict[str, AntibodyResult]
    eligibility: Eligibility
    mentions: list[Mention] = field(default_factory=list)
    note_count: int = 0
