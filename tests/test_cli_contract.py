"""Contract tests: run the CLI end to end and validate every output file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.cli import demo_corpus, main
from nlp.schema import validate_output_dir

SHARED_PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "public_notes.jsonl"


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-out")
    assert main(["run", str(demo_corpus()), "--out", str(out), "--quiet"]) == 0
    return out


def _texts_by_note(corpus: Path) -> dict[tuple[str, str], str]:
    return {(r["patient_id"], str(r["note_id"])): r["text"] for r in _read_jsonl(corpus)}


@pytest.mark.parametrize("name", ["patients.jsonl", "evidence.jsonl", "errors.jsonl", "manifest.json"])
def test_demo_outputs_exist(demo_run: Path, name: str) -> None:
    assert (demo_run / name).is_file()


def test_demo_outputs_validate_against_contract_schema(demo_run: Path) -> None:
    assert validate_output_dir(demo_run) == []


def test_demo_evidence_offsets_point_at_the_text(demo_run: Path) -> None:
    texts = _texts_by_note(demo_corpus())
    evidence = _read_jsonl(demo_run / "evidence.jsonl")
    assert evidence, "the demo corpus must produce evidence"
    for e in evidence:
        text = texts[(e["patient_id"], e["note_id"])]
        assert text[e["start"] : e["end"]] == e["text"], e["evidence_id"]


def test_demo_every_record_accounted_for(demo_run: Path) -> None:
    records = _read_jsonl(demo_corpus())
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts["notes_read"] == len(records)
    assert counts["notes_processed"] + counts["notes_rejected"] == counts["notes_read"]
    patients = {p["patient_id"] for p in _read_jsonl(demo_run / "patients.jsonl")}
    assert patients == {r["patient_id"] for r in records}


@pytest.mark.parametrize(
    "criterion_id",
    [
        "age_18_or_older",
        "sle_diagnosis",
        "refractory_active_disease",
        "autoantibody_positive",
        "active_severe_lupus_nephritis",
        "active_severe_cns_lupus",
        "unmanaged_major_chronic_illness",
        "pregnant_or_lactating",
    ],
)
def test_demo_has_supporting_evidence_for_every_criterion(demo_run: Path, criterion_id: str) -> None:
    """Every criterion is met for someone in the demo corpus, with evidence that says why."""
    patients = _read_jsonl(demo_run / "patients.jsonl")
    evidence = {e["evidence_id"]: e for e in _read_jsonl(demo_run / "evidence.jsonl")}
    met = [p for p in patients if p["criteria"][criterion_id]["status"] == "met"]
    assert met, f"no demo patient meets {criterion_id}"
    for p in met:
        cited = [evidence[i] for i in p["criteria"][criterion_id]["evidence_ids"]]
        assert any(e["supports"] and e["criterion_id"] == criterion_id for e in cited), p["patient_id"]


def test_bad_records_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    good = {
        "patient_id": "P1",
        "note_id": "N1",
        "note_date": "2025-01-02",
        "text": "34 y/o F with SLE. Anti-dsDNA positive.",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps(["an", "array"]),
        json.dumps({**good, "note_id": "N2", "text": "   "}),
        json.dumps({**good, "note_id": "N3", "note_date": "2025-02-30"}),
        json.dumps({**good, "note_id": "N4", "extra_field": 1}),
    ]
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["notes_read"] == 6
    assert manifest["counts"]["notes_processed"] == 2
    assert manifest["counts"]["notes_rejected"] == 4
    errors = _read_jsonl(out / "errors.jsonl")
    assert sorted(e["source"] for e in errors) == [f"notes.jsonl:{n}" for n in (2, 3, 4, 5)]
    assert validate_output_dir(out) == []
    # No note text leaks into the error report.
    assert "SLE" not in (out / "errors.jsonl").read_text(encoding="utf-8")


def test_screening_date_option_applies_to_every_patient(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(demo_corpus()), "--out", str(out), "--screening-date", "2025-12-31", "--quiet"]) == 0
    assert {p["screening_date"] for p in _read_jsonl(out / "patients.jsonl")} == {"2025-12-31"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["run", "missing.jsonl", "--out", "OUT"], "missing.jsonl", id="missing-input"),
        pytest.param(["run", "notes.xml", "--out", "OUT"], "notes.xml", id="unsupported-extension"),
    ],
)
def test_run_level_failures_exit_non_zero_with_one_line(tmp_path: Path, argv: list[str], message: str) -> None:
    if argv[1] == "notes.xml":
        (tmp_path / "notes.xml").write_text("<x/>", encoding="utf-8")
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    proc = subprocess.run(
        [sys.executable, "-m", "nlp.cli", *argv], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_workers_give_identical_output(tmp_path: Path, demo_run: Path) -> None:
    out = tmp_path / "out2"
    assert main(["run", str(demo_corpus()), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    for name in ("patients.jsonl", "evidence.jsonl", "errors.jsonl"):
        assert (out / name).read_text(encoding="utf-8") == (demo_run / name).read_text(encoding="utf-8"), name


@pytest.mark.skipif(not SHARED_PUBLIC.is_file(), reason="shared/eval/public_notes.jsonl not beside the repo")
def test_public_notes_written_by_others_run_and_validate(tmp_path: Path) -> None:
    """Real public patient descriptions: nothing crashes, every record is accounted for, outputs validate."""
    out = tmp_path / "out"
    assert main(["run", str(SHARED_PUBLIC), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    records = _read_jsonl(SHARED_PUBLIC)
    assert manifest["counts"]["notes_read"] == len(records)
    assert manifest["counts"]["notes_processed"] == len(records)
    assert validate_output_dir(out) == []
    texts = {(r["patient_id"], r["note_id"]): r["text"] for r in records}
    for e in _read_jsonl(out / "evidence.jsonl"):
        assert texts[(e["patient_id"], e["note_id"])][e["start"] : e["end"]] == e["text"]
