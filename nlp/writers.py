"""Write the contract's output files.

Files are written under temporary names and renamed into place when the run
finishes, manifest last, so an interrupted run never leaves results that
look complete.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from nlp.records import CRITERION_IDS, ErrorRecord, Mention, PatientResult

OUTPUT_FILES = ("patients.jsonl", "evidence.jsonl", "errors.jsonl")


def evidence_id(m: Mention) -> str:
    """A stable id for one evidence line: same input, same id, on any worker."""
    key = "\x1f".join((m.patient_id, m.note_id, m.criterion_id, m.concept, str(m.start), str(m.end)))
    return "ev-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def evidence_line(m: Mention) -> dict[str, Any]:
    """The ``evidence.jsonl`` object for a cited mention."""
    return {
        "evidence_id": m.evidence_id,
        "patient_id": m.patient_id,
        "note_id": m.note_id,
        "note_date": m.note_date.isoformat() if m.note_date else None,
        "criterion_id": m.criterion_id,
        "concept": m.concept,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "section": m.section,
        "sentence": m.sentence,
        "is_negated": m.is_negated,
        "is_historical": m.is_historical,
        "is_hypothetical": m.is_hypothetical,
        "is_family": m.is_family,
        "is_uncertain": m.is_uncertain,
        "value": m.value,
        "supports": m.supports,
        # Additions to the contract: provenance a reviewer can use.
        "note_type": m.note_type,
        "rule": m.rule,
        "cues": list(m.cues),
        "attributes": m.attrs,
    }


def patient_line(p: PatientResult) -> dict[str, Any]:
    """The ``patients.jsonl`` object for one patient."""
    return {
        "patient_id": p.patient_id,
        "screening_date": p.screening_date.isoformat(),
        "eligibility": p.eligibility,
        "criteria": {
            cid: {
                "status": p.criteria[cid].status,
                "evidence_ids": [e.evidence_id for e in p.criteria[cid].evidence],
                "rationale": p.criteria[cid].rationale,
            }
            for cid in CRITERION_IDS
        },
        "antibodies": dict(p.antibodies),
        "note_count": p.note_count,
    }


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n"


class OutputWriter:
    """Streams the three JSONL outputs into ``out_dir`` and commits them atomically."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {
            name: (out_dir / f".{name}.partial").open("w", encoding="utf-8", newline="\n") for name in OUTPUT_FILES
        }

    def error(self, err: ErrorRecord) -> None:
        """Write one ``errors.jsonl`` line."""
        self._files["errors.jsonl"].write(_dumps(err.to_dict()))

    def patient(self, p: PatientResult) -> int:
        """Write a patient's line and its evidence lines; return the evidence count."""
        seen: set[str] = set()
        count = 0
        for cid in CRITERION_IDS:
            unique: list[Mention] = []
            for m in p.criteria[cid].evidence:
                m.evidence_id = evidence_id(m)
                if m.evidence_id in seen:
                    continue
                seen.add(m.evidence_id)
                unique.append(m)
                self._files["evidence.jsonl"].write(_dumps(evidence_line(m)))
                count += 1
            p.criteria[cid].evidence = unique
        self._files["patients.jsonl"].write(_dumps(patient_line(p)))
        return count

    def commit(self, manifest: dict[str, Any]) -> None:
        """Flush, rename the outputs into place, then write the manifest."""
        for name, fh in self._files.items():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(self.out_dir / f".{name}.partial", self.out_dir / name)
        tmp = self.out_dir / ".manifest.json.partial"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.out_dir / "manifest.json")

    def abort(self) -> None:
        """Close and remove the partial files of a failed run."""
        for name, fh in self._files.items():
            fh.close()
            (self.out_dir / f".{name}.partial").unlink(missing_ok=True)

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
