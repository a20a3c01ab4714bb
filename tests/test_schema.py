"""Tests for nlp.schema: the output schemas and the output-directory validator."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from nlp.records import ANTIBODIES, CRITERION_IDS, ErrorRecord
from nlp.schema import (
    SCHEMA_NAMES,
    load_schema,
    schema_problems,
    validate_line,
    validate_output_dir,
)

NOTE_TEXT = "Patient has lupus nephritis class IV."


def _patient() -> dict[str, Any]:
    criteria = {
        cid: {
            "status": "unknown",
            "evidence_ids": [],
            "rationale": "No evidence found.",
        }
        for cid in CRITERION_IDS
    }
    criteria["active_severe_lupus_nephritis"] = {
        "status": "met",
        "evidence_ids": ["E1"],
        "rationale": "Class IV lupus nephritis documented.",
    }
    return {
        "patient_id": "P001",
        "screening_date": "2025-03-01",
        "eligibility": "ineligible",
        "criteria": criteria,
        "antibodies": {
            "anti_dsdna": "positive",
            "anti_histone": "not_found",
            "anti_chromatin": "negative",
            "anti_sm": "not_found",
        },
    }


def _evidence() -> dict[str, Any]:
    start = NOTE_TEXT.index("lupus nephritis")
    end = start + len("lupus nephritis class IV")
    return {
        "evidence_id": "E1",
        "patient_id": "P001",
        "note_id": "N1",
        "note_date": "2025-02-01",
        "criterion_id": "active_severe_lupus_nephritis",
        "concept": "lupus_nephritis",
        "text": NOTE_TEXT[start:end],
        "start": start,
        "end": end,
        "section": None,
        "sentence": NOTE_TEXT,
        "is_negated": False,
        "is_historical": False,
        "is_hypothetical": False,
        "is_family": False,
        "is_uncertain": False,
        "value": "class IV",
        "supports": True,
    }


def _error() -> dict[str, Any]:
    return ErrorRecord("notes.jsonl:3", "text is empty or whitespace-only", "P002", "N7").to_dict()


def _manifest() -> dict[str, Any]:
    return {
        "tool_version": "0.1.0",
        "screening_date_rule": "latest dated note per patient",
        "wall_time_seconds": 1.25,
        "counts": {
            "notes_read": 2,
            "notes_processed": 1,
            "notes_rejected": 1,
            "patients": 1,
        },
    }


VALID = {
    "patients": _patient,
    "evidence": _evidence,
    "errors": _error,
    "manifest": _manifest,
}


def _write_out(
    out: Path,
    patients: list[Any] | None = None,
    evidence: list[Any] | None = None,
    errors: list[Any] | None = None,
    manifest: Any = None,
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name, lines in (
        ("patients.jsonl", [_patient()] if patients is None else patients),
        ("evidence.jsonl", [_evidence()] if evidence is None else evidence),
        ("errors.jsonl", [_error()] if errors is None else errors),
    ):
        body = "".join(line if isinstance(line, str) else json.dumps(line) + "\n" for line in lines)
        (out / name).write_text(body, encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(_manifest() if manifest is None else manifest), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- #
# Schemas themselves
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schemas_match_shared_constants() -> None:
    patients = load_schema("patients")
    assert patients["properties"]["criteria"]["required"] == list(CRITERION_IDS)
    assert patients["properties"]["antibodies"]["required"] == list(ANTIBODIES)
    assert load_schema("evidence")["properties"]["criterion_id"]["enum"] == list(CRITERION_IDS)


def test_load_schema_aliases_and_copies() -> None:
    first = load_schema("patients")
    first["mutated"] = True
    assert "mutated" not in load_schema("patients.jsonl")
    assert load_schema("manifest.schema.json")["title"] == "manifest.json"
    with pytest.raises(ValueError, match="unknown schema"):
        load_schema("nope")


# --------------------------------------------------------------------------- #
# validate_line
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_valid_sample_validates(name: str) -> None:
    validate_line(name, VALID[name]())


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_extra_fields_are_allowed(name: str) -> None:
    obj = VALID[name]()
    obj["added_later"] = {"anything": [1, 2]}
    validate_line(name, obj)


def test_valid_variants() -> None:
    evidence = _evidence() | {"note_date": None, "section": "Assessment", "value": None}
    validate_line("evidence", evidence)
    validate_line("errors", {"source": "d/P1", "reason": "not a .txt file"})
    validate_line("manifest", _manifest() | {"wall_time_seconds": 3})


def _patch(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a copy with the dotted ``path`` set to ``value`` (or deleted for DELETE)."""
    obj = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = obj
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return obj


DELETE = object()

BROKEN = [
    pytest.param(
        "patients",
        "criteria.pregnant_or_lactating",
        DELETE,
        "criteria.pregnant_or_lactating: required",
        id="patients-missing-criterion",
    ),
    pytest.param(
        "patients",
        "criteria.sle_diagnosis.status",
        "maybe",
        "criteria.sle_diagnosis.status: must be one of",
        id="patients-bad-status",
    ),
    pytest.param(
        "patients",
        "criteria.sle_diagnosis.evidence_ids",
        "E1",
        "criteria.sle_diagnosis.evidence_ids: must be of type array",
        id="patients-evidence-ids-string",
    ),
    pytest.param(
        "patients",
        "criteria.age_18_or_older.rationale",
        DELETE,
        "criteria.age_18_or_older.rationale: required",
        id="patients-missing-rationale",
    ),
    pytest.param(
        "patients",
        "eligibility",
        "probably",
        "eligibility: must be one of",
        id="patients-bad-eligibility",
    ),
    pytest.param(
        "patients",
        "antibodies.anti_sm",
        "weak",
        "antibodies.anti_sm: must be one of",
        id="patients-bad-antibody",
    ),
    pytest.param(
        "patients",
        "antibodies.anti_histone",
        DELETE,
        "antibodies.anti_histone: required",
        id="patients-missing-antibody",
    ),
    pytest.param(
        "patients",
        "screening_date",
        "2025-02-30",
        "screening_date: must be a real date",
        id="patients-impossible-date",
    ),
    pytest.param(
        "patients",
        "screening_date",
        "03/01/2025",
        "screening_date: must be a real date in YYYY-MM-DD",
        id="patients-us-date",
    ),
    pytest.param(
        "patients",
        "patient_id",
        DELETE,
        "patient_id: required",
        id="patients-missing-id",
    ),
    pytest.param("evidence", "start", -1, "start: must be >= 0", id="evidence-negative-start"),
    pytest.param(
        "evidence",
        "end",
        "12",
        "end: must be of type integer, not string",
        id="evidence-end-string",
    ),
    pytest.param(
        "evidence",
        "start",
        1.5,
        "start: must be of type integer, not number",
        id="evidence-start-float",
    ),
    pytest.param(
        "evidence",
        "note_date",
        "2025/02/01",
        "note_date: must be a real date",
        id="evidence-bad-note-date",
    ),
    pytest.param(
        "evidence",
        "section",
        3,
        "section: must be of type string or null",
        id="evidence-section-number",
    ),
    pytest.param(
        "evidence",
        "value",
        False,
        "value: must be of type string or null",
        id="evidence-value-bool",
    ),
    pytest.param(
        "evidence",
        "is_negated",
        "false",
        "is_negated: must be of type boolean",
        id="evidence-flag-string",
    ),
    pytest.param(
        "evidence",
        "supports",
        DELETE,
        "supports: required",
        id="evidence-missing-supports",
    ),
    pytest.param(
        "evidence",
        "criterion_id",
        "lupus",
        "criterion_id: must be one of",
        id="evidence-unknown-criterion",
    ),
    pytest.param("errors", "reason", DELETE, "reason: required", id="errors-missing-reason"),
    pytest.param(
        "errors",
        "source",
        12,
        "source: must be of type string",
        id="errors-source-number",
    ),
    pytest.param(
        "errors",
        "patient_id",
        7,
        "patient_id: must be of type string or null",
        id="errors-patient-number",
    ),
    pytest.param(
        "manifest",
        "counts.notes_read",
        DELETE,
        "counts.notes_read: required",
        id="manifest-missing-count",
    ),
    pytest.param(
        "manifest",
        "counts.patients",
        1.5,
        "counts.patients: must be of type integer",
        id="manifest-float-count",
    ),
    pytest.param(
        "manifest",
        "wall_time_seconds",
        "fast",
        "wall_time_seconds: must be of type number",
        id="manifest-wall-time-string",
    ),
    pytest.param(
        "manifest",
        "tool_version",
        DELETE,
        "tool_version: required",
        id="manifest-missing-version",
    ),
    pytest.param(
        "manifest",
        "screening_date_rule",
        DELETE,
        "screening_date_rule: required",
        id="manifest-missing-rule",
    ),
]


@pytest.mark.parametrize(("name", "path", "value", "expected"), BROKEN)
def test_broken_sample_fails_naming_field(name: str, path: str, value: Any, expected: str) -> None:
    broken = _patch(VALID[name](), path, value)
    with pytest.raises(ValueError, match="^" + name) as info:
        validate_line(name, broken)
    assert expected in str(info.value)


def test_messages_do_not_quote_values() -> None:
    secret = "SECRET-PHI-TEXT"
    problems = schema_problems("patients", _patch(_patient(), "eligibility", secret))
    assert problems and all(secret not in p for p in problems)


def test_top_level_not_an_object() -> None:
    assert schema_problems("errors", []) == ["(top level): must be of type object, not array"]


# --------------------------------------------------------------------------- #
# validate_output_dir
# --------------------------------------------------------------------------- #


def test_valid_output_dir(tmp_path: Path) -> None:
    assert validate_output_dir(_write_out(tmp_path / "out")) == []


def test_valid_output_dir_with_no_notes(tmp_path: Path) -> None:
    counts = {"notes_read": 0, "notes_processed": 0, "notes_rejected": 0, "patients": 0}
    out = _write_out(tmp_path / "out", [], [], [], _manifest() | {"counts": counts})
    assert validate_output_dir(out) == []


def test_output_dir_missing(tmp_path: Path) -> None:
    assert validate_output_dir(tmp_path / "nope") == [f"{tmp_path / 'nope'}: not a directory"]


def test_output_dir_missing_files(tmp_path: Path) -> None:
    out = _write_out(tmp_path / "out")
    (out / "evidence.jsonl").unlink()
    (out / "manifest.json").unlink()
    assert validate_output_dir(out) == [
        "evidence.jsonl: missing",
        "manifest.json: missing",
    ]


def test_output_dir_reports_line_problems(tmp_path: Path) -> None:
    bad_patient = _patch(_patient(), "eligibility", "maybe")
    out = _write_out(
        tmp_path / "out",
        patients=[_patient(), bad_patient, "{not json\n", "\n"],
        errors=[_error(), {"source": "x"}],
    )
    problems = validate_output_dir(out)
    assert 'patients.jsonl:2: eligibility: must be one of "eligible", "ineligible", "needs_review"' in problems
    assert any(p.startswith("patients.jsonl:3: not valid JSON") for p in problems)
    assert "patients.jsonl:4: blank line" in problems
    assert "errors.jsonl:2: reason: required field missing" in problems


def test_output_dir_cross_file_checks(tmp_path: Path) -> None:
    orphan = _evidence() | {"evidence_id": "E2", "patient_id": "P404"}
    shifted = _evidence() | {"evidence_id": "E3", "end": _evidence()["end"] + 2}
    foreign = _evidence() | {"evidence_id": "E4", "patient_id": "P002"}
    patient = _patient()
    patient["criteria"]["sle_diagnosis"]["evidence_ids"] = ["E404", "E4"]
    other = _patient() | {"patient_id": "P002"}
    counts = {"notes_read": 5, "notes_processed": 1, "notes_rejected": 3, "patients": 1}
    out = _write_out(
        tmp_path / "out",
        patients=[patient, other, _patient()],
        evidence=[_evidence(), orphan, shifted, foreign, _evidence()],
        errors=[_error()],
        manifest=_manifest() | {"counts": counts},
    )
    problems = validate_output_dir(out)
    assert set(problems) == {
        "patients.jsonl:3: patient_id 'P001' appears more than once",
        "evidence.jsonl:2: patient_id 'P404' has no line in patients.jsonl",
        "evidence.jsonl:3: end - start does not equal len(text)",
        "evidence.jsonl:5: evidence_id 'E1' appears more than once",
        "patients.jsonl:1: evidence_id 'E404' is not in evidence.jsonl",
        "patients.jsonl:1: evidence_id 'E4' belongs to patient 'P002'",
        "patients.jsonl:2: evidence_id 'E1' belongs to patient 'P001'",
        "manifest.json: counts.patients is 1 but patients.jsonl lists 2",
        "manifest.json: counts.notes_read != notes_processed + notes_rejected",
        "manifest.json: counts.notes_rejected is 3 but errors.jsonl has only 1 valid lines",
    }


def test_output_dir_caps_problems_per_file(tmp_path: Path) -> None:
    out = _write_out(tmp_path / "out", errors=[{"source": "x"}] * 30)
    problems = validate_output_dir(out, max_per_file=5)
    assert len([p for p in problems if p.startswith("errors.jsonl:") and "reason" in p]) == 5
    assert "errors.jsonl: ... and 25 more problems" in problems
