"""Write the contract's output files.

Files are written under temporary names and renamed into place when the run
finishes, manifest last (each fsync'd), so an interrupted run never leaves
results that look complete: ``manifest.json`` exists only when every other
output is whole. :func:`clear_outputs` removes a previous run's outputs,
manifest first, before a new run starts. With ``formats`` including
``"parquet"``, ``patients.parquet`` and ``evidence.parquet`` are converted
from the finished JSONL files in bounded batches.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from nlp.records import CRITERION_IDS, ErrorRecord, Mention, PatientResult

OUTPUT_FILES = ("patients.jsonl", "evidence.jsonl", "errors.jsonl")
PARQUET_FILES = ("patients.parquet", "evidence.parquet")
MANIFEST = "manifest.json"
PARQUET_BATCH_ROWS = 10_000


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


def clear_outputs(out_dir: Path) -> None:
    """Remove a previous run's outputs from ``out_dir``, manifest first, and stale partial files."""
    for name in (MANIFEST, *OUTPUT_FILES, *PARQUET_FILES):
        (out_dir / name).unlink(missing_ok=True)
        (out_dir / f".{name}.partial").unlink(missing_ok=True)
    fsync_dir(out_dir)


class OutputWriter:
    """Streams the three JSONL outputs into ``out_dir`` and commits them atomically.

    Parameters
    ----------
    out_dir:
        The output folder (created).
    formats:
        ``"jsonl"`` always; ``"parquet"`` adds ``patients.parquet`` and
        ``evidence.parquet`` at commit (needs pyarrow).
    """

    def __init__(self, out_dir: Path, formats: Iterable[str] = ("jsonl",)) -> None:
        self.out_dir = out_dir
        self.formats = tuple(formats)
        out_dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {
            name: (out_dir / f".{name}.partial").open("w", encoding="utf-8", newline="\n") for name in OUTPUT_FILES
        }

    def output_names(self) -> list[str]:
        """The files a commit puts in place, manifest last."""
        extra = list(PARQUET_FILES) if "parquet" in self.formats else []
        return [*OUTPUT_FILES, *extra, MANIFEST]

    def error(self, err: ErrorRecord) -> None:
        """Write one ``errors.jsonl`` line."""
        self.error_line(err.to_dict())

    def error_line(self, obj: dict[str, Any]) -> None:
        """Write one ``errors.jsonl`` line from its object (see :meth:`ErrorRecord.to_dict`)."""
        self._files["errors.jsonl"].write(_dumps(obj))

    def patient(self, p: PatientResult) -> int:
        """Write a patient's line and its evidence lines; return the evidence count."""
        seen: set[str] = set()
        count = 0
        evidence = self._files["evidence.jsonl"]
        for cid in CRITERION_IDS:
            unique: list[Mention] = []
            for m in p.criteria[cid].evidence:
                m.evidence_id = evidence_id(m)
                if m.evidence_id in seen:
                    continue
                seen.add(m.evidence_id)
                unique.append(m)
                evidence.write(_dumps(evidence_line(m)))
                count += 1
            p.criteria[cid].evidence = unique
        self._files["patients.jsonl"].write(_dumps(patient_line(p)))
        return count

    def commit(self, manifest: dict[str, Any]) -> None:
        """Flush, convert to Parquet if asked, rename the outputs into place, then write the manifest."""
        for fh in self._files.values():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        names = list(OUTPUT_FILES)
        if "parquet" in self.formats:
            for name in PARQUET_FILES:
                source = self.out_dir / f".{name.replace('.parquet', '.jsonl')}.partial"
                write_parquet(source, self.out_dir / f".{name}.partial", name.split(".")[0])
            names += PARQUET_FILES
        for name in names:
            os.replace(self.out_dir / f".{name}.partial", self.out_dir / name)
        fsync_dir(self.out_dir)
        tmp = self.out_dir / f".{MANIFEST}.partial"
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(json.dumps(manifest, indent=2) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.out_dir / MANIFEST)
        fsync_dir(self.out_dir)

    def abort(self) -> None:
        """Close and remove the partial files of a failed run."""
        for name, fh in self._files.items():
            fh.close()
            (self.out_dir / f".{name}.partial").unlink(missing_ok=True)
        for name in PARQUET_FILES:
            (self.out_dir / f".{name}.partial").unlink(missing_ok=True)

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()


# ------------------------------------------------------------------ Parquet

# Column types of known fields; any other field is kept as a JSON string.
_DATE_FIELDS = frozenset({"screening_date", "note_date"})
_INT_FIELDS = frozenset({"start", "end", "note_count"})
_BOOL_FIELDS = frozenset({"is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain", "supports"})
_LIST_FIELDS = frozenset({"cues"})


def _flat_patient(obj: dict[str, Any]) -> dict[str, Any]:
    """One ``patients.parquet`` row: criteria and antibodies as columns of their own."""
    row = {k: v for k, v in obj.items() if k not in ("criteria", "antibodies")}
    for antibody, result in obj.get("antibodies", {}).items():
        row[antibody] = result
    for cid, res in obj.get("criteria", {}).items():
        row[f"{cid}_status"] = res["status"]
        row[f"{cid}_evidence_ids"] = res["evidence_ids"]
        row[f"{cid}_rationale"] = res["rationale"]
    return row


def _arrow_type(name: str, pa: Any) -> Any:
    if name in _DATE_FIELDS:
        return pa.date32()
    if name in _INT_FIELDS:
        return pa.int64()
    if name in _BOOL_FIELDS:
        return pa.bool_()
    if name in _LIST_FIELDS or name.endswith("_evidence_ids"):
        return pa.list_(pa.string())
    return pa.string()


def _converter(kind: Any, pa: Any) -> Any:
    """How one JSON value becomes a cell of a column of type ``kind``."""
    if kind == pa.date32():
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind == pa.string():
        return lambda v: v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return lambda v: v


def _json_rows(path: Path, flatten: bool) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            yield _flat_patient(obj) if flatten else obj


def write_parquet(source: Path, dest: Path, table: str) -> int:
    """Convert a JSONL output (``patients`` or ``evidence``) to Parquet; return the row count.

    Columns: one per field, typed (dates as ``date32``, offsets as ``int64``,
    qualifiers as ``bool``, ``cues`` and evidence ids as lists of strings);
    ``patients`` has a ``<criterion>_status`` / ``_evidence_ids`` /
    ``_rationale`` column triple per criterion and a column per antibody;
    nested values (``attributes``) are JSON strings. Rows are converted in
    batches, so memory does not grow with the file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _json_rows(source, flatten=(table == "patients"))
    first = next(rows, None)
    names = list(first) if first is not None else _empty_columns(table)
    schema = pa.schema([(name, _arrow_type(name, pa)) for name in names])
    count = 0
    with pq.ParquetWriter(dest, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = [] if first is None else [first]
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_BATCH_ROWS:
                writer.write_batch(_record_batch(batch, schema, pa))
                count += len(batch)
                batch = []
        if batch:
            writer.write_batch(_record_batch(batch, schema, pa))
            count += len(batch)
    with dest.open("rb") as fh:
        os.fsync(fh.fileno())
    return count


def _record_batch(rows: list[dict[str, Any]], schema: Any, pa: Any) -> Any:
    arrays = []
    for f in schema:
        convert = _converter(f.type, pa)
        arrays.append(pa.array([convert(row.get(f.name)) for row in rows], type=f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _empty_columns(table: str) -> list[str]:
    """Column names when there are no rows (an empty corpus still gets a typed file)."""
    if table == "evidence":
        return [*evidence_line(_EMPTY_MENTION)]
    cols = ["patient_id", "screening_date", "eligibility", "note_count"]
    cols += ["anti_dsdna", "anti_histone", "anti_chromatin", "anti_sm"]
    for cid in CRITERION_IDS:
        cols += [f"{cid}_status", f"{cid}_evidence_ids", f"{cid}_rationale"]
    return cols


_EMPTY_MENTION = Mention("", "", None, None, "", "", "", 0, 0, None, "")


def fsync_dir(path: Path) -> None:
    """Make renames in ``path`` durable (no-op where directories cannot be fsync'd)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
