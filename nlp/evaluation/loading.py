"""Read the gold annotations, a run's outputs and the notes for the evaluator.

Gold is checked strictly (``annotations/FORMAT.md``): a malformed gold line
stops the evaluation with its ``file:line`` and field. A run's outputs are
read leniently: a prediction that is absent or unreadable for one item counts
as ``"missing"`` (wrong) instead of stopping the evaluation, but a line that
is not a JSON object, or an evidence line without its span, is an error.
Messages name files, lines and fields, never values, since values can be note
text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.records import ANTIBODIES, CRITERION_IDS

__all__ = [
    "ANTIBODY_RESULTS",
    "ELIGIBILITY_LABELS",
    "MISSING",
    "QUALIFIERS",
    "STATUSES",
    "EvaluationError",
    "GoldPatient",
    "RunOutputs",
    "RunPatient",
    "Span",
    "gold_file",
    "read_gold",
    "read_notes",
    "read_run",
]

STATUSES: tuple[str, ...] = ("met", "not_met", "unknown")
ELIGIBILITY_LABELS: tuple[str, ...] = ("eligible", "needs_review", "ineligible")
ANTIBODY_RESULTS: tuple[str, ...] = ("positive", "negative", "not_found")
QUALIFIERS: tuple[str, ...] = ("is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain")
MISSING = "missing"
"""The prediction recorded for an item the run does not give (e.g. a patient absent from the run)."""


class EvaluationError(Exception):
    """The evaluation cannot proceed: a missing file or malformed gold/run data."""


@dataclass(frozen=True, slots=True)
class Span:
    """One evidence mention, gold or predicted, reduced to what matching and scoring need."""

    patient_id: str
    note_id: str
    criterion_id: str
    start: int
    end: int
    text: str
    supports: bool
    qualifiers: tuple[bool, ...]
    """Values of :data:`QUALIFIERS`, in that order."""
    concept: str = ""
    evidence_id: str = ""
    """Empty for gold mentions."""

    def overlap(self, other: Span) -> int:
        """Number of characters the two spans share (0 when disjoint or merely adjacent)."""
        return max(0, min(self.end, other.end) - max(self.start, other.start))


@dataclass(frozen=True, slots=True)
class GoldPatient:
    """One line of ``gold.jsonl``."""

    patient_id: str
    screening_date: str | None
    criteria: dict[str, str]
    antibodies: dict[str, str]
    eligibility: str
    mentions: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class RunPatient:
    """One line of a run's ``patients.jsonl``; absent items are :data:`MISSING`."""

    patient_id: str
    screening_date: str | None
    statuses: dict[str, str]
    rationales: dict[str, str]
    evidence_ids: dict[str, tuple[str, ...]]
    antibodies: dict[str, str]
    eligibility: str


@dataclass(frozen=True, slots=True)
class RunOutputs:
    """A run's ``patients.jsonl`` and ``evidence.jsonl``."""

    patients: dict[str, RunPatient]
    evidence: tuple[Span, ...]


def gold_file(gold_path: Path | str) -> Path:
    """Resolve ``--gold``: a ``gold.jsonl`` file, or a folder holding one.

    Raises
    ------
    EvaluationError
        When no gold file is there.
    """
    path = Path(gold_path)
    if path.is_dir():
        path = path / "gold.jsonl"
    if not path.is_file():
        raise EvaluationError(f"gold file not found: {path}")
    return path


def read_gold(path: Path) -> list[GoldPatient]:
    """Read and check ``gold.jsonl`` (see ``annotations/FORMAT.md``).

    Raises
    ------
    EvaluationError
        On the first malformed line, naming ``file:line`` and the field.
    """
    patients: list[GoldPatient] = []
    seen: set[str] = set()
    for where, obj in _json_objects(path):
        pid = _id(obj, "patient_id", where)
        if pid in seen:
            raise EvaluationError(f"{where}: patient_id appears more than once")
        seen.add(pid)
        criteria = _labels(obj, "criteria", CRITERION_IDS, STATUSES, where)
        antibodies = _labels(obj, "antibodies", ANTIBODIES, ANTIBODY_RESULTS, where)
        eligibility = obj.get("eligibility")
        if eligibility not in ELIGIBILITY_LABELS:
            raise EvaluationError(f"{where}: eligibility must be one of {', '.join(ELIGIBILITY_LABELS)}")
        raw_mentions = obj.get("mentions", [])
        if not isinstance(raw_mentions, list):
            raise EvaluationError(f"{where}: mentions must be a list")
        mentions = tuple(_span(m, pid, f"{where}: mentions[{i}]") for i, m in enumerate(raw_mentions))
        screening = obj.get("screening_date")
        patients.append(
            GoldPatient(
                patient_id=pid,
                screening_date=screening if isinstance(screening, str) else None,
                criteria=criteria,
                antibodies=antibodies,
                eligibility=eligibility,
                mentions=mentions,
            )
        )
    if not patients:
        raise EvaluationError(f"{path}: no gold patients")
    return patients


def read_run(run_dir: Path | str) -> RunOutputs:
    """Read ``patients.jsonl`` and ``evidence.jsonl`` from a run's output folder.

    Raises
    ------
    EvaluationError
        When a file is missing, a line is not a JSON object, a patient line
        has no ``patient_id``, or an evidence line lacks its span fields.
    """
    out = Path(run_dir)
    if not out.is_dir():
        raise EvaluationError(f"run folder not found: {out}")
    patients: dict[str, RunPatient] = {}
    for where, obj in _json_objects(_required(out / "patients.jsonl")):
        pid = _id(obj, "patient_id", where)
        if pid in patients:
            raise EvaluationError(f"{where}: patient_id appears more than once")
        patients[pid] = _run_patient(pid, obj)
    evidence = tuple(
        _span(obj, None, where, evidence=True) for where, obj in _json_objects(_required(out / "evidence.jsonl"))
    )
    return RunOutputs(patients=patients, evidence=evidence)


def read_notes(path: Path) -> dict[tuple[str, str], str]:
    """Map ``(patient_id, note_id)`` to the note text, from a contract ``.jsonl`` input file.

    Lines without a usable id or text are skipped: they are the run's input
    errors, not the evaluator's concern.
    """
    notes: dict[tuple[str, str], str] = {}
    for _, obj in _json_objects(path):
        pid, nid, text = _as_id(obj.get("patient_id")), _as_id(obj.get("note_id")), obj.get("text")
        if pid is not None and nid is not None and isinstance(text, str):
            notes.setdefault((pid, nid), text)
    return notes


def _required(path: Path) -> Path:
    if not path.is_file():
        raise EvaluationError(f"run output not found: {path}")
    return path


def _json_objects(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("name:line", object)`` for each non-blank line."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise EvaluationError(f"{where}: not valid UTF-8") from None
            except ValueError:
                raise EvaluationError(f"{where}: not valid JSON") from None
            if not isinstance(obj, dict):
                raise EvaluationError(f"{where}: expected a JSON object")
            yield where, obj


def _as_id(value: Any) -> str | None:
    # The readers accept integer ids and convert them with str(); so do we.
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _id(obj: dict[str, Any], name: str, where: str) -> str:
    value = _as_id(obj.get(name))
    if value is None:
        raise EvaluationError(f"{where}: {name} must be a non-empty string")
    return value


def _labels(
    obj: dict[str, Any], name: str, keys: tuple[str, ...], allowed: tuple[str, ...], where: str
) -> dict[str, str]:
    block = obj.get(name)
    if not isinstance(block, dict):
        raise EvaluationError(f"{where}: {name} must be an object")
    unknown = sorted(set(block) - set(keys))
    if unknown:
        raise EvaluationError(f"{where}: {name} has unknown keys: {', '.join(unknown)}")
    labels: dict[str, str] = {}
    for key in keys:
        value = block.get(key)
        if value not in allowed:
            raise EvaluationError(f"{where}: {name}.{key} must be one of {', '.join(allowed)}")
        labels[key] = value
    return labels


def _span(obj: Any, patient_id: str | None, where: str, *, evidence: bool = False) -> Span:
    if not isinstance(obj, dict):
        raise EvaluationError(f"{where}: expected a JSON object")
    pid = patient_id if patient_id is not None else _id(obj, "patient_id", where)
    note_id = _id(obj, "note_id", where)
    criterion_id = obj.get("criterion_id")
    if criterion_id not in CRITERION_IDS and not evidence:
        raise EvaluationError(f"{where}: criterion_id must be one of the 8 criterion ids")
    if not isinstance(criterion_id, str):
        raise EvaluationError(f"{where}: criterion_id must be a string")
    start, end = obj.get("start"), obj.get("end")
    if not (_is_int(start) and _is_int(end) and 0 <= start <= end):
        raise EvaluationError(f"{where}: start and end must be integers with 0 <= start <= end")
    text = obj.get("text")
    if not isinstance(text, str):
        raise EvaluationError(f"{where}: text must be a string")
    flags = []
    for name in (*QUALIFIERS, "supports"):
        value = obj.get(name, False)
        if not isinstance(value, bool):
            raise EvaluationError(f"{where}: {name} must be true or false")
        flags.append(value)
    concept = obj.get("concept")
    evidence_id = obj.get("evidence_id") if evidence else ""
    return Span(
        patient_id=pid,
        note_id=note_id,
        criterion_id=criterion_id,
        start=start,
        end=end,
        text=text,
        supports=flags[-1],
        qualifiers=tuple(flags[:-1]),
        concept=concept if isinstance(concept, str) else "",
        evidence_id=evidence_id if isinstance(evidence_id, str) else "",
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _run_patient(pid: str, obj: dict[str, Any]) -> RunPatient:
    criteria = obj.get("criteria")
    criteria = criteria if isinstance(criteria, dict) else {}
    statuses: dict[str, str] = {}
    rationales: dict[str, str] = {}
    evidence_ids: dict[str, tuple[str, ...]] = {}
    for cid in CRITERION_IDS:
        entry = criteria.get(cid)
        entry = entry if isinstance(entry, dict) else {}
        status = entry.get("status")
        statuses[cid] = status if status in STATUSES else MISSING
        rationale = entry.get("rationale")
        rationales[cid] = rationale if isinstance(rationale, str) else ""
        ids = entry.get("evidence_ids")
        evidence_ids[cid] = tuple(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else ()
    antibodies = obj.get("antibodies")
    antibodies = antibodies if isinstance(antibodies, dict) else {}
    eligibility = obj.get("eligibility")
    screening = obj.get("screening_date")
    return RunPatient(
        patient_id=pid,
        screening_date=screening if isinstance(screening, str) else None,
        statuses=statuses,
        rationales=rationales,
        evidence_ids=evidence_ids,
        antibodies={ab: antibodies[ab] if antibodies.get(ab) in ANTIBODY_RESULTS else MISSING for ab in ANTIBODIES},
        eligibility=eligibility if eligibility in ELIGIBILITY_LABELS else MISSING,
    )
