"""Batch engine: identical outputs for any worker count, journal, resume after a real crash, Parquet, progress."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from nlp.bench import write_corpus
from nlp.cli import demo_corpus, main
from nlp.engine import run
from nlp.journal import (
    INDEX_NAME,
    JOURNAL_NAME,
    Journal,
    ResumeError,
    decode_note,
    encode_note,
    job_fingerprint,
    note_line,
    rejected_line,
)
from nlp.progress import ProgressBar, estimate_records
from nlp.records import ErrorRecord, NoteRecord
from nlp.schema import validate_output_dir

OUTPUTS = ("patients.jsonl", "evidence.jsonl", "errors.jsonl")
REPO = Path(__file__).resolve().parents[1]


def _bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


@pytest.fixture(scope="module")
def bad_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small input with rejected records between good ones, to check that errors keep their order."""
    path = tmp_path_factory.mktemp("bad") / "mixed.jsonl"
    good = {
        "patient_id": "P9",
        "note_id": "N1",
        "note_date": "2025-01-02",
        "text": "34 y/o F with SLE. Anti-dsDNA positive.",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "note_id": "N2", "text": "   "}),
        json.dumps({**good, "note_id": "N3", "text": "On prednisone and MMF since 2023-01-01."}),
        json.dumps({**good, "note_id": "N1"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, pipeline, bad_records: Path) -> Path:
    """One-worker outputs for the demo corpus plus bad records: what every other way of running must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    run([demo_corpus(), bad_records], out, pipeline=pipeline, today=date(2025, 6, 1))
    return out


# ------------------------------------------------------------------ identical outputs


def test_reference_run_is_valid_and_cleans_up(reference: Path) -> None:
    assert validate_output_dir(reference) == []
    assert not (reference / JOURNAL_NAME).exists()
    assert not (reference / INDEX_NAME).exists()
    assert not list(reference.glob(".*partial"))
    errors = [json.loads(line) for line in (reference / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["source"] for e in errors] == ["mixed.jsonl:2", "mixed.jsonl:3", "mixed.jsonl:5"]


def test_same_outputs_as_the_previous_engine_shape(reference: Path, pipeline, bad_records: Path) -> None:
    """The engine's output equals resolving each patient's mentions in input order (the pre-journal engine)."""
    from nlp.criteria import resolve_patient, screening_date_for
    from nlp.readers import read_inputs
    from nlp.writers import OutputWriter

    mentions: dict[str, list] = {}
    dates: dict[str, list] = {}
    for item in read_inputs([demo_corpus(), bad_records]):
        if isinstance(item, NoteRecord):
            mentions.setdefault(item.patient_id, []).extend(pipeline.process(item))
            dates.setdefault(item.patient_id, []).append(item.note_date)
    out = reference.parent / "direct"
    with OutputWriter(out) as writer:
        for pid in sorted(mentions):
            screening = screening_date_for(dates[pid], None, date(2025, 6, 1))
            writer.patient(resolve_patient(pid, mentions[pid], screening, len(dates[pid])))
        writer.commit({})
    for name in ("patients.jsonl", "evidence.jsonl"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_two_workers_give_byte_identical_outputs(reference: Path, bad_records: Path, tmp_path: Path) -> None:
    summary = run([demo_corpus(), bad_records], tmp_path, workers=2, today=date(2025, 6, 1))
    assert summary.workers == 2
    assert _bytes(tmp_path) == _bytes(reference)


def test_mentions_survive_the_journal_unchanged(pipeline) -> None:
    from nlp.readers import read_inputs

    for note in read_inputs([demo_corpus()]):
        assert isinstance(note, NoteRecord)
        mentions = pipeline.process(note)
        payload = json.loads(json.dumps(encode_note(note, mentions)))
        note_date, decoded = decode_note(note.patient_id, payload)
        assert note_date == note.note_date
        assert decoded == mentions, note.note_id


# ------------------------------------------------------------------ journal


def _note(i: int) -> NoteRecord:
    return NoteRecord(patient_id=f"P{i % 3}", note_id=f"N{i}", text="SLE.", note_date=date(2025, 1, 1 + i))


def _journal_with(tmp_path: Path, n: int) -> Path:
    j = Journal.open(tmp_path, "fp", date(2025, 1, 1), resume=False)
    for i in range(n):
        j.append(note_line(i, _note(i), []))
    j.close()
    return tmp_path / JOURNAL_NAME


@pytest.mark.parametrize("damage", ["torn-line", "bad-crc", "garbage-tail", "zero-fill"])
def test_resume_truncates_a_damaged_tail(tmp_path: Path, damage: str) -> None:
    path = _journal_with(tmp_path, 5)
    data = path.read_bytes()
    last_line_start = data.rstrip(b"\n").rfind(b"\n") + 1
    if damage == "torn-line":
        data = data[:-7]
    elif damage == "bad-crc":
        data = data[:-3] + (b"0" if data[-3:-2] != b"0" else b"1") + data[-2:]
    elif damage == "garbage-tail":
        data += b"\x00\xffnot a line"
        last_line_start = len(data) - len(b"\x00\xffnot a line")
    else:  # a power loss can leave zeros where the last write should be
        data = data[:last_line_start] + b"\x00" * (len(data) - last_line_start)
    path.write_bytes(data)
    j = Journal.open(tmp_path, "fp", date(2030, 1, 1), resume=True)
    kept = 5 if damage == "garbage-tail" else 4
    assert j.resumed == kept
    assert [j.is_done(i) for i in range(6)] == [i < kept for i in range(6)]
    assert j.today == date(2025, 1, 1), "a resumed job keeps the date it started"
    j.append(note_line(9, _note(9), []))
    j.close()
    if damage != "garbage-tail":
        assert path.read_bytes()[last_line_start:] == note_line(9, _note(9), []), "the damaged line is cut off"
    again = Journal.open(tmp_path, "fp", date(2030, 1, 1), resume=True)
    assert again.resumed == kept + 1 and again.is_done(9)
    index = again.index()
    assert index.counts.notes == kept + 1
    index.close()
    again.close()


def test_resume_refuses_another_jobs_journal(tmp_path: Path) -> None:
    _journal_with(tmp_path, 2)
    with pytest.raises(ResumeError, match="differ"):
        Journal.open(tmp_path, "another fingerprint", date(2025, 1, 1), resume=True)


def test_without_resume_an_old_journal_is_discarded(tmp_path: Path) -> None:
    _journal_with(tmp_path, 3)
    j = Journal.open(tmp_path, "fp", date(2025, 1, 1), resume=False)
    assert j.resumed == 0 and not j.is_done(0)
    j.close()


def test_index_orders_patients_and_errors(tmp_path: Path) -> None:
    j = Journal.open(tmp_path, "fp", date(2025, 1, 1), resume=False)
    for i in (4, 1, 3, 0, 2):  # results come back in any order
        j.append(note_line(i, _note(i), []))
    j.append(rejected_line(7, ErrorRecord("x.jsonl:8", "bad")))
    j.append(rejected_line(5, ErrorRecord("x.jsonl:6", "bad")))
    index = j.index()
    got = [(pid, [d.day for d in dates]) for pid, dates, _ in index.patients()]
    assert got == [("P0", [1, 4]), ("P1", [2, 5]), ("P2", [3])]
    assert [e["source"] for _, e in index.errors()] == ["x.jsonl:6", "x.jsonl:8"]
    index.close()
    j.close()


def test_fingerprint_changes_with_inputs_and_options(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"patient_id": "P", "note_id": "N", "text": "SLE"}\n', encoding="utf-8")
    base = job_fingerprint([corpus], {"screening_date": None}, None)
    assert job_fingerprint([corpus], {"screening_date": date(2025, 1, 1)}, None) != base
    os.utime(corpus, ns=(0, 0))
    assert job_fingerprint([corpus], {"screening_date": None}, None) != base


# ------------------------------------------------------------------ crash and resume


def _wait_for_journal_lines(proc: subprocess.Popen, journal: Path, lines: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before it could be killed")
        if journal.exists() and journal.read_bytes().count(b"\n") > lines:
            return
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the run made no progress")


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _assert_exit_soon(pids: list[int], timeout: float = 15) -> None:
    """Worker processes of a killed run must not linger (they would hold a pipeline's memory forever)."""
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in pids if _alive(p)], "worker processes outlived the killed run"


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkilled_run_resumes_to_identical_outputs(tmp_path: Path, pipeline, workers: int) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 160, seed=4)
    expected = tmp_path / "expected"
    run([corpus], expected, pipeline=pipeline)

    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")  # a previous run's result must not survive
    cmd = [sys.executable, "-m", "nlp.cli", "run", str(corpus), "--out", str(out), "--quiet", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_journal_lines(proc, out / JOURNAL_NAME, lines=20)
    workers_of_run = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _assert_exit_soon(workers_of_run)

    assert not (out / "manifest.json").exists(), "a killed run must not look complete"
    assert not any((out / name).exists() for name in OUTPUTS)
    assert main(["run", str(corpus), "--out", str(out), "--quiet", "--resume"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert 0 < manifest["resumed_records"] < 160
    assert manifest["counts"]["notes_processed"] == 160
    assert _bytes(out) == _bytes(expected)
    assert not (out / JOURNAL_NAME).exists()


def test_resume_with_changed_inputs_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"patient_id": "P", "note_id": "N", "text": "SLE"}\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    Journal.open(out, "an interrupted job over other inputs", date(2025, 1, 1), resume=False).close()
    assert main(["run", str(corpus), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "cannot resume" in capsys.readouterr().err


def test_resume_without_a_journal_starts_afresh(tmp_path: Path, pipeline) -> None:
    summary = run([demo_corpus()], tmp_path, pipeline=pipeline, resume=True)
    assert summary.notes_resumed == 0 and summary.notes_processed == 92


# ------------------------------------------------------------------ Parquet


def test_parquet_outputs_match_the_jsonl(tmp_path: Path, pipeline) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    summary = run([demo_corpus()], tmp_path, pipeline=pipeline, formats=["parquet"])
    assert "patients.parquet" in summary.outputs and "evidence.parquet" in summary.outputs
    patients = [json.loads(line) for line in (tmp_path / "patients.jsonl").read_text(encoding="utf-8").splitlines()]
    evidence = [json.loads(line) for line in (tmp_path / "evidence.jsonl").read_text(encoding="utf-8").splitlines()]
    pt = pq.read_table(tmp_path / "patients.parquet").to_pylist()
    ev = pq.read_table(tmp_path / "evidence.parquet").to_pylist()
    assert len(pt) == len(patients) and len(ev) == len(evidence)
    for row, line in zip(pt, patients, strict=True):
        assert row["patient_id"] == line["patient_id"]
        assert row["screening_date"].isoformat() == line["screening_date"]
        assert row["sle_diagnosis_status"] == line["criteria"]["sle_diagnosis"]["status"]
        assert row["sle_diagnosis_evidence_ids"] == line["criteria"]["sle_diagnosis"]["evidence_ids"]
        assert row["anti_dsdna"] == line["antibodies"]["anti_dsdna"]
    for row, line in zip(ev, evidence, strict=True):
        assert (row["evidence_id"], row["start"], row["end"], row["text"]) == (
            line["evidence_id"],
            line["start"],
            line["end"],
            line["text"],
        )
        assert row["cues"] == line["cues"]
        assert json.loads(row["attributes"]) == line["attributes"]
    assert validate_output_dir(tmp_path) == []


def test_parquet_for_an_empty_corpus_has_typed_columns(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    corpus = tmp_path / "empty.jsonl"
    corpus.write_text("{broken\n", encoding="utf-8")
    run([corpus], tmp_path / "out", formats=["parquet"])
    table = pq.read_table(tmp_path / "out" / "evidence.parquet")
    assert table.num_rows == 0 and "evidence_id" in table.schema.names


# ------------------------------------------------------------------ progress


def test_progress_line_shows_count_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = ProgressBar(100, stream=stream, enabled=True)
    bar._first = (bar.started - 10, 0)  # as if 10 s had passed since the first report
    bar(50)
    text = stream.getvalue()
    assert "50/100 records" in text and "/s" in text and "ETA" in text
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_progress_is_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(10, stream=stream)
    bar(5)
    bar.close()
    assert stream.getvalue() == ""


def test_estimate_records_counts_inputs(tmp_path: Path) -> None:
    (tmp_path / "d" / "P1").mkdir(parents=True)
    (tmp_path / "d" / "P1" / "N1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "n.csv").write_text('patient_id,note_id,text\nP,N,"a\nb"\n\nP,N2,c\n', encoding="utf-8")
    assert estimate_records([demo_corpus(), tmp_path / "d", tmp_path / "n.csv"]) == 92 + 1 + 2
