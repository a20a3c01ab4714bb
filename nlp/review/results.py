"""Read a results directory (the contract's output files) and the notes it was made from.

The review UI and the exports read only these: ``patients.jsonl``,
``evidence.jsonl``, ``errors.jsonl``, ``manifest.json`` and the input notes
named in the manifest's ``inputs`` (read with :func:`nlp.readers.read_inputs`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.readers import InputError, read_inputs
from nlp.records import CRITERION_IDS, NoteRecord

REQUIRED_FILES = ("patients.jsonl", "evidence.jsonl", "manifest.json")


class ResultsError(Exception):
    """A results directory that cannot be read; the message is one line."""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass(slots=True)
class Results:
    """One run's outputs, indexed for review."""

    directory: Path
    manifest: dict[str, Any]
    patients: dict[str, dict[str, Any]]
    evidence: dict[str, dict[str, Any]]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tool_version(self) -> str:
        return str(self.manifest.get("tool_version", ""))

    def patient_ids(self) -> list[str]:
        return list(self.patients)

    def evidence_for(self, patient_id: str, criterion_id: str) -> list[dict[str, Any]]:
        """The criterion's evidence lines, in the order the tool cited them."""
        crit = self.patients[patient_id]["criteria"].get(criterion_id, {})
        return [self.evidence[eid] for eid in crit.get("evidence_ids", []) if eid in self.evidence]

    def patient_evidence(self, patient_id: str) -> list[dict[str, Any]]:
        """Every evidence line of a patient, criterion by criterion."""
        return [e for cid in CRITERION_IDS for e in self.evidence_for(patient_id, cid)]

    def input_paths(self) -> tuple[list[Path], list[str]]:
        """The manifest's inputs that exist, and those that could not be found.

        A relative input is looked up as given (the current folder), then
        beside and inside the results directory.
        """
        found: list[Path] = []
        missing: list[str] = []
        for raw in self.manifest.get("inputs", []):
            p = Path(raw)
            candidates = [p] if p.is_absolute() else [p, self.directory.parent / p, self.directory / p]
            hit = next((c for c in candidates if c.exists()), None)
            if hit is None:
                missing.append(str(raw))
            else:
                found.append(hit.resolve())
        return found, missing


def load_results(directory: Path | str) -> Results:
    """Read a results directory.

    Raises
    ------
    ResultsError
        When a required file is missing or unreadable.
    """
    directory = Path(directory)
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise ResultsError(f"{directory} holds no complete results (missing {', '.join(missing)}).")
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        patients = {p["patient_id"]: p for p in _read_jsonl(directory / "patients.jsonl")}
        evidence = {e["evidence_id"]: e for e in _read_jsonl(directory / "evidence.jsonl")}
        errors = _read_jsonl(directory / "errors.jsonl") if (directory / "errors.jsonl").is_file() else []
    except (OSError, ValueError, KeyError) as exc:
        raise ResultsError(f"{directory} could not be read: {type(exc).__name__}") from None
    return Results(directory=directory, manifest=manifest, patients=patients, evidence=evidence, errors=errors)


def load_notes(paths: Iterable[Path], patient_ids: Iterable[str] | None = None) -> dict[tuple[str, str], NoteRecord]:
    """The notes of the inputs, keyed by ``(patient_id, note_id)`` (rejected records are skipped)."""
    wanted = set(patient_ids) if patient_ids is not None else None
    notes: dict[tuple[str, str], NoteRecord] = {}
    paths = list(paths)
    if not paths:
        return notes
    try:
        for item in read_inputs(paths):
            if isinstance(item, NoteRecord) and (wanted is None or item.patient_id in wanted):
                notes[(item.patient_id, item.note_id)] = item
    except InputError:
        return notes
    return notes
