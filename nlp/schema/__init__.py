"""JSON Schemas (draft 2020-12) for the contract's outputs, and validators.

One schema per output: ``patients`` (a ``patients.jsonl`` line), ``evidence``
(an ``evidence.jsonl`` line), ``errors`` (an ``errors.jsonl`` line) and
``manifest`` (``manifest.json``). The schemas allow extra fields, as the
contract does. Messages produced here name the field and the rule, never the
offending value, because values can be note text (PHI).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

__all__ = [
    "OUTPUT_FILES",
    "SCHEMA_NAMES",
    "load_schema",
    "schema_problems",
    "validate_line",
    "validate_output_dir",
]

SCHEMA_DIR = Path(__file__).resolve().parent
SCHEMA_NAMES: tuple[str, ...] = ("patients", "evidence", "errors", "manifest")
OUTPUT_FILES: dict[str, str] = {
    "patients": "patients.jsonl",
    "evidence": "evidence.jsonl",
    "errors": "errors.jsonl",
    "manifest": "manifest.json",
}
_ALIASES: dict[str, str] = {
    alias: name for name in SCHEMA_NAMES for alias in (name, OUTPUT_FILES[name], f"{name}.schema.json")
}
_MAX_MESSAGE = 200


def _canonical(name: str) -> str:
    try:
        return _ALIASES[name]
    except KeyError:
        known = ", ".join(SCHEMA_NAMES)
        raise ValueError(f"unknown schema {name!r}; expected one of {known}") from None


@cache
def _load(name: str) -> str:
    # Cached as text so each caller of load_schema gets its own mutable dict.
    return (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema for one output.

    Parameters
    ----------
    name : str
        ``"patients"``, ``"evidence"``, ``"errors"`` or ``"manifest"``; the
        output file name (``"patients.jsonl"``) or the schema file name
        (``"patients.schema.json"``) also work.

    Returns
    -------
    dict[str, Any]
        A fresh copy of the parsed schema.

    Raises
    ------
    ValueError
        Unknown schema name.
    """
    return json.loads(_load(_canonical(name)))


@cache
def _validator(name: str) -> Draft202012Validator:
    # The format checker makes "format": "date" reject 2024-02-30.
    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_problems(name: str, obj: Any) -> list[str]:
    """Return one readable message per schema violation (empty when valid).

    Parameters
    ----------
    name : str
        Schema name, as for :func:`load_schema`.
    obj : Any
        The parsed JSON value to check.

    Returns
    -------
    list[str]
        Messages like ``"criteria.sle_diagnosis.status: must be one of ..."``,
        sorted by field path and without duplicates.
    """
    validator = _validator(_canonical(name))
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.path)))
    messages: list[str] = []
    for error in errors:
        message = _describe(error)
        if message not in messages:
            messages.append(message)
    return messages


def validate_line(name: str, obj: Any) -> None:
    """Check one output object against its schema.

    Parameters
    ----------
    name : str
        Schema name, as for :func:`load_schema`.
    obj : Any
        The parsed JSON value (a line of a ``.jsonl`` output, or the manifest).

    Raises
    ------
    ValueError
        When ``obj`` does not conform; the message names every failing field.
    """
    problems = schema_problems(name, obj)
    if problems:
        raise ValueError(f"{_canonical(name)}: " + "; ".join(problems))


def validate_output_dir(path: Path | str, *, max_per_file: int = 100) -> list[str]:
    """Check all four outputs in a run's output directory.

    Besides each line's schema, this checks what a schema cannot: unique
    ``patient_id`` and ``evidence_id`` values, ``end - start == len(text)``,
    that each evidence line belongs to a listed patient, that every
    ``evidence_ids`` entry exists and belongs to the same patient, that
    ``counts.patients`` matches ``patients.jsonl``, that
    ``notes_read == notes_processed + notes_rejected``, and that
    ``errors.jsonl`` has at least ``notes_rejected`` lines.

    Parameters
    ----------
    path : Path | str
        The ``--out`` directory of a run.
    max_per_file : int, optional
        Report at most this many problems per file, then one summary line,
        so a badly broken large output stays readable.

    Returns
    -------
    list[str]
        Problems, each prefixed with ``file`` or ``file:line``; empty when
        the directory is valid.
    """
    out = Path(path)
    if not out.is_dir():
        return [f"{out}: not a directory"]
    report = _Report(max_per_file)

    patient_ids: set[str] = set()
    references: list[tuple[str, str, str]] = []  # (evidence_id, patient, where)
    for where, obj in _json_lines(out, "patients", report):
        if not _check(report, "patients", where, obj):
            continue
        pid = obj["patient_id"]
        if pid in patient_ids:
            report.add("patients", f"{where}: patient_id {pid!r} appears more than once")
        patient_ids.add(pid)
        for criterion in obj["criteria"].values():
            for eid in criterion.get("evidence_ids", []):
                references.append((eid, pid, where))
    patients_present = (out / OUTPUT_FILES["patients"]).is_file()

    evidence_owner: dict[str, str] = {}
    for where, obj in _json_lines(out, "evidence", report):
        if not _check(report, "evidence", where, obj):
            continue
        eid, pid = obj["evidence_id"], obj["patient_id"]
        if eid in evidence_owner:
            report.add("evidence", f"{where}: evidence_id {eid!r} appears more than once")
        evidence_owner[eid] = pid
        if obj["end"] - obj["start"] != len(obj["text"]):
            report.add("evidence", f"{where}: end - start does not equal len(text)")
        if patients_present and pid not in patient_ids:
            report.add("evidence", f"{where}: patient_id {pid!r} has no line in patients.jsonl")
    if (out / OUTPUT_FILES["evidence"]).is_file():
        for eid, pid, where in references:
            owner = evidence_owner.get(eid)
            if owner is None:
                report.add("patients", f"{where}: evidence_id {eid!r} is not in evidence.jsonl")
            elif owner != pid:
                report.add(
                    "patients",
                    f"{where}: evidence_id {eid!r} belongs to patient {owner!r}",
                )

    error_lines = sum(1 for where, obj in _json_lines(out, "errors", report) if _check(report, "errors", where, obj))

    manifest = _read_manifest(out, report)
    if manifest is not None and _check(report, "manifest", OUTPUT_FILES["manifest"], manifest):
        counts = manifest["counts"]
        where = OUTPUT_FILES["manifest"]
        if patients_present and counts["patients"] != len(patient_ids):
            report.add(
                "manifest",
                f"{where}: counts.patients is {counts['patients']} but patients.jsonl lists {len(patient_ids)}",
            )
        if counts["notes_read"] != counts["notes_processed"] + counts["notes_rejected"]:
            report.add(
                "manifest",
                f"{where}: counts.notes_read != notes_processed + notes_rejected",
            )
        if (out / OUTPUT_FILES["errors"]).is_file() and error_lines < counts["notes_rejected"]:
            report.add(
                "manifest",
                f"{where}: counts.notes_rejected is {counts['notes_rejected']} but errors.jsonl has only {error_lines} valid lines",
            )
    return report.finish()


class _Report:
    """Collects problems, capped per file."""

    def __init__(self, max_per_file: int) -> None:
        self.max_per_file = max_per_file
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, name: str, message: str) -> None:
        n = self.counts.get(name, 0) + 1
        self.counts[name] = n
        if n <= self.max_per_file:
            self.problems.append(message)

    def finish(self) -> list[str]:
        for name in SCHEMA_NAMES:
            extra = self.counts.get(name, 0) - self.max_per_file
            if extra > 0:
                self.problems.append(f"{OUTPUT_FILES[name]}: ... and {extra} more problems")
        return self.problems


def _check(report: _Report, name: str, where: str, obj: Any) -> bool:
    problems = schema_problems(name, obj)
    for problem in problems:
        report.add(name, f"{where}: {problem}")
    return not problems


def _json_lines(out: Path, name: str, report: _Report) -> Iterator[tuple[str, Any]]:
    """Yield ``("file:line", parsed)`` for each line, reporting unparsable ones."""
    file_name = OUTPUT_FILES[name]
    path = out / file_name
    if not path.is_file():
        report.add(name, f"{file_name}: missing")
        return
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            where = f"{file_name}:{lineno}"
            if not raw.strip():
                report.add(name, f"{where}: blank line")
                continue
            try:
                yield where, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                report.add(name, f"{where}: not valid UTF-8")
            except ValueError as exc:
                report.add(name, f"{where}: not valid JSON ({_short(str(exc))})")


def _read_manifest(out: Path, report: _Report) -> Any:
    file_name = OUTPUT_FILES["manifest"]
    path = out / file_name
    if not path.is_file():
        report.add("manifest", f"{file_name}: missing")
        return None
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        report.add("manifest", f"{file_name}: not valid UTF-8")
    except ValueError as exc:
        report.add("manifest", f"{file_name}: not valid JSON ({_short(str(exc))})")
    return None


def _field_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: ValidationError) -> str:
    """Say which field broke which rule, without quoting the value."""
    path = _field_path(error.absolute_path)
    kind, rule = error.validator, error.validator_value
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [p for p in rule if p not in instance]
        fields = ", ".join(_field_path([*error.absolute_path, p]) for p in missing)
        return f"{fields}: required field missing"
    where = path or "(top level)"
    if kind == "type":
        expected = " or ".join(rule) if isinstance(rule, list) else rule
        return f"{where}: must be of type {expected}, not {_json_type(error.instance)}"
    if kind == "enum":
        return f"{where}: must be one of {', '.join(map(json.dumps, rule))}"
    if kind in ("format", "pattern") and error.schema.get("format") == "date":
        return f"{where}: must be a real date in YYYY-MM-DD format"
    if kind == "minLength" and rule == 1:
        return f"{where}: must not be empty"
    if kind == "minimum":
        return f"{where}: must be >= {rule}"
    return f"{where}: fails the schema rule {kind!r}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."
