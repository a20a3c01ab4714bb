"""Screen a small upload of notes from the UI, through the same engine entry point as the CLI.

An upload is saved under the work folder as ``<stamp>/notes.jsonl`` (or
``.csv``) and screened into ``<stamp>/results/``; the manifest then names the
saved notes, so the review UI can show and highlight them like any run.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from nlp.engine import RunSummary, run

MAX_NOTES = 1000
MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = (".jsonl", ".csv")


class UploadError(Exception):
    """An upload that will not be screened; the message is one line for the reviewer."""


def count_records(data: bytes, suffix: str) -> int:
    """How many note records an upload holds (non-blank JSONL lines or CSV data rows)."""
    text = data.decode("utf-8-sig", errors="replace")
    if suffix == ".jsonl":
        return sum(1 for line in text.splitlines() if line.strip())
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    return max(0, len(rows) - 1)


def save_upload(data: bytes, filename: str, workdir: Path) -> Path:
    """Check and save an upload; return the saved notes file."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError("Upload a .jsonl or .csv file of notes (patient_id, note_id, text, note_date, note_type).")
    if len(data) > MAX_BYTES:
        raise UploadError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; use the command line for big jobs."
        )
    n = count_records(data, suffix)
    if n == 0:
        raise UploadError("The file holds no note records.")
    if n > MAX_NOTES:
        raise UploadError(f"{n} notes is more than {MAX_NOTES}; use `sle-abstract run` for big jobs.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    folder = workdir / stamp
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / f"notes{suffix}"
    path.write_bytes(data)
    return path


def screen_upload(
    notes_path: Path,
    pipeline: Any = None,
    progress: Callable[[int], None] | None = None,
    screening_date: date | None = None,
) -> tuple[Path, RunSummary]:
    """Run the engine on a saved upload; return the results folder and the run summary."""
    out = notes_path.parent / "results"
    summary = run([notes_path.resolve()], out, screening_date=screening_date, pipeline=pipeline, progress=progress)
    return out, summary


def previous_runs(workdir: Path) -> list[Path]:
    """Results folders of earlier uploads, newest first."""
    if not workdir.is_dir():
        return []
    return sorted(
        (p / "results" for p in workdir.iterdir() if (p / "results" / "manifest.json").is_file()), reverse=True
    )
