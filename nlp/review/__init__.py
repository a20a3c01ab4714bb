"""The review store (append-only audit log of reviewer decisions), exports and agreement.

Nothing here imports Streamlit: the store is usable from scripts and tests,
and the UI (``app.py``, :mod:`nlp.ui`) reads and writes through it.
"""

from nlp.review.store import (
    DETERMINATIONS,
    OVERRIDE_REASONS,
    STATUSES,
    ConflictError,
    Entry,
    LockedError,
    PatientReview,
    ReviewError,
    ReviewStore,
)

__all__ = [
    "DETERMINATIONS",
    "OVERRIDE_REASONS",
    "STATUSES",
    "ConflictError",
    "Entry",
    "LockedError",
    "PatientReview",
    "ReviewError",
    "ReviewStore",
]
