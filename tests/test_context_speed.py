"""The same-sentence ConText graph gives exactly medspaCy's edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from medspacy.context.context_graph import ConTextGraph

from nlp.cli import demo_corpus
from nlp.pipeline import context_speed
from nlp.pipeline.extract import NotePipeline
from nlp.records import NoteRecord

DEV = Path(__file__).resolve().parents[1] / "annotations" / "dev" / "notes.jsonl"


def _notes() -> list[NoteRecord]:
    notes = []
    for path in (demo_corpus(), DEV):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                notes.append(NoteRecord(r["patient_id"], r["note_id"], r["text"]))
    return notes


def _qualified(pipeline: NotePipeline, notes: list[NoteRecord]) -> list[tuple]:
    return [
        (
            m.note_id,
            m.start,
            m.end,
            m.concept,
            m.is_negated,
            m.is_historical,
            m.is_hypothetical,
            m.is_family,
            m.is_uncertain,
            m.cues,
        )
        for note in notes
        for m in pipeline.process(note)
    ]


def test_fast_graph_matches_medspacy(pipeline: NotePipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = _notes()
    assert ConTextGraph.apply_modifiers is context_speed.fast_apply_modifiers
    fast = _qualified(pipeline, notes)
    monkeypatch.setattr(ConTextGraph, "apply_modifiers", context_speed._ORIGINAL)
    original = _qualified(pipeline, notes)
    assert fast == original
    assert any(q[4] for q in fast) and any(q[7] for q in fast), "the corpus must exercise negation and family cues"
