"""Batch orchestration: readers -> note pipeline -> resolvers -> writers.

Owns no clinical logic. Notes are processed one at a time (in worker
processes with ``workers > 1``, order preserved), mentions are grouped by
patient, and each patient is resolved once all notes are read.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from nlp import __version__
from nlp.criteria import resolve_patient, screening_date_for
from nlp.pipeline.extract import NotePipeline
from nlp.readers import ReadStats, read_inputs
from nlp.records import ErrorRecord, Mention, NoteRecord, PatientResult
from nlp.writers import OutputWriter

log = logging.getLogger(__name__)

SCREENING_RULE_LATEST = "per patient: date of the patient's latest dated note (today when none is dated)"


@dataclass(slots=True)
class RunSummary:
    """Counts and results of a finished run."""

    notes_read: int = 0
    notes_processed: int = 0
    notes_rejected: int = 0
    errors_written: int = 0
    patients: int = 0
    evidence: int = 0
    wall_time_seconds: float = 0.0
    eligibility: dict[str, int] = field(default_factory=dict)
    criteria: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class _PatientAcc:
    mentions: list[Mention] = field(default_factory=list)
    note_dates: list[date | None] = field(default_factory=list)


# ------------------------------------------------------------------ workers

_WORKER_PIPELINE: NotePipeline | None = None


def _init_worker() -> None:
    global _WORKER_PIPELINE
    _WORKER_PIPELINE = NotePipeline()


def _process_in_worker(note: NoteRecord) -> tuple[NoteRecord, list[Mention] | None, str | None]:
    assert _WORKER_PIPELINE is not None
    return _process_one(_WORKER_PIPELINE, note)


def _process_one(pipeline: NotePipeline, note: NoteRecord) -> tuple[NoteRecord, list[Mention] | None, str | None]:
    try:
        return note, pipeline.process(note), None
    except Exception as exc:  # a bug on one note must not stop the batch
        return note, None, f"processing failed: {type(exc).__name__}"


def _process(
    notes: Iterable[NoteRecord], workers: int, pipeline: NotePipeline | None
) -> Iterator[tuple[NoteRecord, list[Mention] | None, str | None]]:
    if workers <= 1:
        pipeline = pipeline or NotePipeline()
        for note in notes:
            yield _process_one(pipeline, note)
        return
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        yield from pool.imap(_process_in_worker, notes, chunksize=8)


# ------------------------------------------------------------------ run


def run(
    inputs: list[Path],
    out_dir: Path,
    screening_date: date | None = None,
    workers: int = 1,
    pipeline: NotePipeline | None = None,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> RunSummary:
    """Screen every note in ``inputs`` and write the contract outputs to ``out_dir``.

    Parameters
    ----------
    inputs:
        ``.jsonl`` / ``.csv`` files or note directories.
    out_dir:
        Output folder (created).
    screening_date:
        Fixed screening date for every patient; ``None`` applies the
        per-patient latest-note rule.
    workers:
        Processes for the note pipeline; results are identical for any value.
    pipeline:
        A pipeline to reuse (tests, the UI); built on demand otherwise.
    progress:
        Called with the number of notes read so far.

    Raises
    ------
    nlp.readers.InputError
        When an input is missing or unsupported (nothing is written).
    """
    started = time.monotonic()
    stats = ReadStats()
    records = read_inputs(inputs, stats=stats)  # validates paths before any output exists
    summary = RunSummary()
    patients: dict[str, _PatientAcc] = {}
    with OutputWriter(out_dir) as writer:

        def notes_only() -> Iterator[NoteRecord]:
            for item in records:
                if isinstance(item, ErrorRecord):
                    writer.error(item)
                    summary.errors_written += 1
                else:
                    yield item

        for n, (note, mentions, failure) in enumerate(_process(notes_only(), workers, pipeline), start=1):
            if failure is not None:
                writer.error(
                    ErrorRecord(source=note.source, reason=failure, patient_id=note.patient_id, note_id=note.note_id)
                )
                summary.errors_written += 1
                summary.notes_rejected += 1
                log.warning("note rejected at %s: %s", note.source, failure)
            else:
                acc = patients.setdefault(note.patient_id, _PatientAcc())
                acc.mentions.extend(mentions or [])
                acc.note_dates.append(note.note_date)
                summary.notes_processed += 1
            if progress is not None:
                progress(n)

        today = today or date.today()
        for patient_id in sorted(patients):
            acc = patients.pop(patient_id)
            screening = screening_date_for(acc.note_dates, screening_date, today)
            result = resolve_patient(patient_id, acc.mentions, screening, len(acc.note_dates))
            summary.evidence += writer.patient(result)
            _tally(summary, result)

        summary.notes_read = stats.records_read
        summary.notes_rejected += stats.records_rejected
        summary.wall_time_seconds = round(time.monotonic() - started, 3)
        writer.commit(_manifest(summary, inputs, screening_date, workers))
    return summary


def _tally(summary: RunSummary, result: PatientResult) -> None:
    summary.patients += 1
    summary.eligibility[result.eligibility] = summary.eligibility.get(result.eligibility, 0) + 1
    for cid, res in result.criteria.items():
        counts = summary.criteria.setdefault(cid, {"met": 0, "not_met": 0, "unknown": 0})
        counts[res.status] += 1


def _manifest(summary: RunSummary, inputs: list[Path], screening_date: date | None, workers: int) -> dict[str, Any]:
    return {
        "tool": "sle-abstract",
        "tool_version": __version__,
        "counts": {
            "notes_read": summary.notes_read,
            "notes_processed": summary.notes_processed,
            "notes_rejected": summary.notes_rejected,
            "patients": summary.patients,
            "evidence": summary.evidence,
            "error_lines": summary.errors_written,
        },
        "screening_date_rule": (f"fixed: {screening_date.isoformat()}" if screening_date else SCREENING_RULE_LATEST),
        "screening_date": screening_date.isoformat() if screening_date else None,
        "inputs": [str(p) for p in inputs],
        "workers": workers,
        "wall_time_seconds": summary.wall_time_seconds,
        "eligibility": summary.eligibility,
        "criteria": summary.criteria,
    }
