"""Shared fixtures: one note pipeline per test session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from nlp.records import Mention, NoteRecord

# Every concept test is read as if written on this day, so relative dates
# ("last month") and "within 24 months" have a fixed reference.
NOTE_DATE = date(2025, 3, 1)


@pytest.fixture(scope="session")
def pipeline():
    """The note pipeline, built once for the whole session (building loads every rule file)."""
    from nlp.pipeline.extract import NotePipeline

    return NotePipeline()


@pytest.fixture
def process(pipeline) -> Callable[..., list[Mention]]:
    """Process one note text dated ``NOTE_DATE`` and return its mentions."""

    def _process(text: str, note_date: date | None = NOTE_DATE) -> list[Mention]:
        return pipeline.process(NoteRecord(patient_id="TEST", note_id="N1", text=text, note_date=note_date))

    _process.note_date = NOTE_DATE  # type: ignore[attr-defined]
    return _process
