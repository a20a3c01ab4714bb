"""Tests for nlp.readers: the three input forms, every rejection rule, accounting."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nlp.readers import (
    InputError,
    ReadStats,
    read_csv,
    read_inputs,
    read_jsonl,
    read_txt_dir,
)
from nlp.records import ErrorRecord, NoteRecord

# Planted in note text so tests can prove error reasons never echo it.
PHI = "SECRET-PHI-TEXT"
# Marks a key to leave out of a record built by _valid().
_DROP = object()


def _valid(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "patient_id": "P001",
        "note_id": "N1",
        "text": f"Patient seen today. {PHI}",
        "note_date": "2024-03-14",
        "note_type": "Rheumatology clinic note",
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not _DROP}


def _write_jsonl(path: Path, lines: list[bytes | str | dict[str, Any]]) -> Path:
    chunks = []
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        chunks.append(line if isinstance(line, bytes) else line.encode("utf-8"))
    path.write_bytes(b"\n".join(chunks) + b"\n")
    return path


def _collect(
    paths: list[Path],
) -> tuple[list[NoteRecord], list[ErrorRecord], ReadStats]:
    stats = ReadStats()
    items = list(read_inputs(paths, stats=stats))
    notes = [i for i in items if isinstance(i, NoteRecord)]
    errors = [i for i in items if isinstance(i, ErrorRecord)]
    return notes, errors, stats


def _assert_accounted(notes: list[Any], errors: list[Any], stats: ReadStats) -> None:
    assert stats.records_ok + stats.records_rejected == stats.records_read
    assert len(notes) == stats.records_ok
    assert len(errors) == stats.records_rejected + stats.files_rejected == stats.errors


# --------------------------------------------------------------------------- #
# Valid input in each form
# --------------------------------------------------------------------------- #


def test_jsonl_valid_records(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "notes.jsonl",
        [
            _valid(),
            _valid(note_id="N2", note_date=None, note_type=None),
            _valid(note_id="N3", note_date="", extra_field={"nested": True}),
        ],
    )
    notes, errors, stats = _collect([path])
    assert errors == []
    assert [n.note_id for n in notes] == ["N1", "N2", "N3"]
    first = notes[0]
    assert first.patient_id == "P001"
    assert first.text == f"Patient seen today. {PHI}"
    assert first.note_date == date(2024, 3, 14)
    assert first.note_type == "Rheumatology clinic note"
    assert first.source == "notes.jsonl:1"
    assert notes[1].note_date is None and notes[1].note_type is None
    assert notes[2].note_date is None
    assert stats == ReadStats(records_read=3, records_ok=3, records_rejected=0)


def test_csv_valid_records(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "patient_id,note_id,text,note_date,note_type,site\nP001,N1,First note,2024-03-14,Clinic,A\nP001,N2,Second note,,,B\n",
        encoding="utf-8",
    )
    notes, errors, stats = _collect([path])
    assert errors == []
    assert [(n.note_id, n.note_date, n.note_type) for n in notes] == [
        ("N1", date(2024, 3, 14), "Clinic"),
        ("N2", None, None),
    ]
    assert [n.source for n in notes] == ["notes.csv:2", "notes.csv:3"]
    _assert_accounted(notes, errors, stats)


def test_csv_columns_in_any_order_and_only_required(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("text,note_id,patient_id\nhello,N1,P1\n", encoding="utf-8")
    notes, errors, _ = _collect([path])
    assert errors == []
    assert (notes[0].patient_id, notes[0].note_id, notes[0].text) == (
        "P1",
        "N1",
        "hello",
    )


def test_txt_dir_valid_records(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "P002").mkdir(parents=True)
    (root / "P001").mkdir()
    (root / "P001" / "N2.txt").write_text("second\r\nline two", encoding="utf-8")
    (root / "P001" / "N1.txt").write_text("first", encoding="utf-8")
    (root / "P002" / "A.B.TXT").write_text("upper-case suffix", encoding="utf-8")
    notes, errors, stats = _collect([root])
    assert errors == []
    assert [(n.patient_id, n.note_id, n.source) for n in notes] == [
        ("P001", "N1", "corpus/P001/N1.txt"),
        ("P001", "N2", "corpus/P001/N2.txt"),
        ("P002", "A.B", "corpus/P002/A.B.TXT"),
    ]
    assert notes[1].text == "second\r\nline two"  # offsets need the exact text
    assert all(n.note_date is None and n.note_type is None for n in notes)
    _assert_accounted(notes, errors, stats)


def test_read_inputs_mixes_forms_and_is_lazy(tmp_path: Path) -> None:
    jsonl = _write_jsonl(tmp_path / "a.jsonl", [_valid()])
    csv_path = tmp_path / "b.csv"
    csv_path.write_text("patient_id,note_id,text\nP002,N1,x\n", encoding="utf-8")
    root = tmp_path / "dir"
    (root / "P003").mkdir(parents=True)
    (root / "P003" / "N1.txt").write_text("y", encoding="utf-8")
    result = read_inputs([jsonl, csv_path, root])
    assert not isinstance(result, list)
    assert [n.patient_id for n in result] == ["P001", "P002", "P003"]


def test_per_format_functions_work_standalone(tmp_path: Path) -> None:
    jsonl = _write_jsonl(tmp_path / "a.jsonl", [_valid(), _valid()])
    items = list(read_jsonl(jsonl))
    assert isinstance(items[0], NoteRecord)
    assert isinstance(items[1], ErrorRecord)  # duplicates are caught without state
    csv_path = tmp_path / "b.csv"
    csv_path.write_text("patient_id,note_id,text\nP1,N1,x\n", encoding="utf-8")
    assert isinstance(next(iter(read_csv(csv_path))), NoteRecord)
    (tmp_path / "d" / "P1").mkdir(parents=True)
    (tmp_path / "d" / "P1" / "N1.txt").write_text("z", encoding="utf-8")
    assert isinstance(next(iter(read_txt_dir(tmp_path / "d"))), NoteRecord)


# --------------------------------------------------------------------------- #
# Field validation (shared by JSONL and CSV; exercised through JSONL)
# --------------------------------------------------------------------------- #

BAD_RECORDS = [
    pytest.param(
        _valid(patient_id=_DROP),
        "missing required field patient_id",
        id="patient_id-missing",
    ),
    pytest.param(_valid(patient_id=None), "patient_id is null", id="patient_id-null"),
    pytest.param(_valid(patient_id=""), "patient_id is empty", id="patient_id-empty"),
    pytest.param(_valid(patient_id="  \t"), "patient_id is empty", id="patient_id-whitespace"),
    pytest.param(
        _valid(patient_id={"id": 1}),
        "patient_id must be a string",
        id="patient_id-object",
    ),
    pytest.param(_valid(patient_id=["P1"]), "patient_id must be a string", id="patient_id-array"),
    pytest.param(
        _valid(patient_id=True),
        "patient_id must be a string or an integer",
        id="patient_id-bool",
    ),
    pytest.param(
        _valid(patient_id=1.5),
        "patient_id must be a string or an integer",
        id="patient_id-float",
    ),
    pytest.param(_valid(note_id=_DROP), "missing required field note_id", id="note_id-missing"),
    pytest.param(_valid(note_id=None), "note_id is null", id="note_id-null"),
    pytest.param(_valid(note_id=" "), "note_id is empty", id="note_id-whitespace"),
    pytest.param(
        _valid(note_id="N\x07"),
        "note_id contains a control character",
        id="note_id-bell",
    ),
    pytest.param(
        _valid(patient_id="P\n1"),
        "patient_id contains a control character",
        id="patient_id-newline",
    ),
    pytest.param(_valid(text=_DROP), "missing required field text", id="text-missing"),
    pytest.param(_valid(text=None), "text is null", id="text-null"),
    pytest.param(_valid(text=""), "text is empty or whitespace-only", id="text-empty"),
    pytest.param(_valid(text=" \n\t "), "text is empty or whitespace-only", id="text-whitespace"),
    pytest.param(_valid(text=42), "text must be a string, not a number", id="text-number"),
    pytest.param(_valid(text=f"a\x00{PHI}"), "text contains NUL characters", id="text-nul"),
    pytest.param(
        _valid(note_date="03/14/2024"),
        "expected YYYY-MM-DD format",
        id="date-us-format",
    ),
    pytest.param(_valid(note_date="2024-3-14"), "expected YYYY-MM-DD format", id="date-unpadded"),
    pytest.param(
        _valid(note_date="2024-03-14T10:00:00"),
        "expected YYYY-MM-DD format",
        id="date-datetime",
    ),
    pytest.param(_valid(note_date="2024-02-30"), "not a real calendar date", id="date-feb-30"),
    pytest.param(_valid(note_date="2023-13-01"), "not a real calendar date", id="date-month-13"),
    pytest.param(
        _valid(note_date=20240314),
        "note_date must be a YYYY-MM-DD string",
        id="date-number",
    ),
    pytest.param(_valid(note_type=5), "note_type must be a string", id="note_type-number"),
    pytest.param(_valid(note_type={"a": 1}), "note_type must be a string", id="note_type-object"),
]


@pytest.mark.parametrize(("record", "expected"), BAD_RECORDS)
def test_jsonl_rejects_bad_field(tmp_path: Path, record: dict[str, Any], expected: str) -> None:
    path = _write_jsonl(tmp_path / "notes.jsonl", [_valid(note_id="OK1"), record, _valid(note_id="OK2")])
    notes, errors, stats = _collect([path])
    assert [n.note_id for n in notes] == ["OK1", "OK2"]  # neighbours survive
    assert len(errors) == 1
    assert errors[0].source == "notes.jsonl:2"
    assert expected in errors[0].reason
    assert PHI not in errors[0].reason
    _assert_accounted(notes, errors, stats)


def test_lone_surrogate_in_text_is_rejected(tmp_path: Path) -> None:
    line = '{"patient_id": "P1", "note_id": "N1", "text": "bad \\ud800 text"}'
    _, errors, _ = _collect([_write_jsonl(tmp_path / "n.jsonl", [line])])
    assert "unpaired surrogate" in errors[0].reason


def test_error_collects_all_problems_and_keeps_valid_ids(tmp_path: Path) -> None:
    record = _valid(text="", note_date="14.03.2024")
    _, errors, _ = _collect([_write_jsonl(tmp_path / "n.jsonl", [record])])
    reason = errors[0].reason
    assert "text is empty" in reason and "YYYY-MM-DD" in reason
    assert (errors[0].patient_id, errors[0].note_id) == ("P001", "N1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(123, "123", id="int"),
        pytest.param(0, "0", id="zero"),
        pytest.param("  P9  ", "P9", id="padded-string"),
    ],
)
def test_id_normalisation(tmp_path: Path, value: Any, expected: str) -> None:
    path = _write_jsonl(tmp_path / "n.jsonl", [_valid(patient_id=value)])
    notes, errors, _ = _collect([path])
    assert errors == []
    assert notes[0].patient_id == expected


def test_note_type_blank_means_absent(tmp_path: Path) -> None:
    notes, _, _ = _collect([_write_jsonl(tmp_path / "n.jsonl", [_valid(note_type="  ")])])
    assert notes[0].note_type is None


def test_text_is_kept_verbatim(tmp_path: Path) -> None:
    text = "  leading spaces\r\nand trailing  \n"
    notes, _, _ = _collect([_write_jsonl(tmp_path / "n.jsonl", [_valid(text=text)])])
    assert notes[0].text == text


# --------------------------------------------------------------------------- #
# JSONL line-level problems
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(b"[1, 2]", "expected a JSON object, got an array", id="array"),
        pytest.param(b"42", "expected a JSON object, got a number", id="number"),
        pytest.param(b'"text"', "expected a JSON object, got a string", id="string"),
        pytest.param(b"null", "expected a JSON object, got null", id="null"),
        pytest.param(b'{"patient_id": "P1", ', "malformed JSON", id="truncated"),
        pytest.param(b"{'patient_id': 'P1'}", "malformed JSON", id="single-quotes"),
        pytest.param(b'{"a": 1' + b"0" * 5000 + b"}", "malformed JSON", id="huge-int"),
        pytest.param(
            b'{"text": "caf\xe9 ' + PHI.encode() + b'"}',
            "not valid UTF-8",
            id="invalid-utf8",
        ),
    ],
)
def test_jsonl_bad_line(tmp_path: Path, line: bytes, expected: str) -> None:
    path = _write_jsonl(tmp_path / "notes.jsonl", [_valid(note_id="A"), line, _valid(note_id="B")])
    notes, errors, stats = _collect([path])
    assert [n.note_id for n in notes] == ["A", "B"]
    assert [e.source for e in errors] == ["notes.jsonl:2"]
    assert expected in errors[0].reason
    assert PHI not in errors[0].reason
    _assert_accounted(notes, errors, stats)


def test_jsonl_blank_lines_are_not_records(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "n.jsonl", [_valid(note_id="A"), "", "   ", _valid(note_id="B")])
    notes, errors, stats = _collect([path])
    assert [n.source for n in notes] == ["n.jsonl:1", "n.jsonl:4"]
    assert errors == [] and stats.records_read == 2


def test_jsonl_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_valid()).encode() + b"\n")
    notes, errors, _ = _collect([path])
    assert errors == [] and notes[0].patient_id == "P001"


def test_jsonl_crlf_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_bytes(json.dumps(_valid(note_id="A")).encode() + b"\r\n" + json.dumps(_valid(note_id="B")).encode())
    notes, errors, _ = _collect([path])
    assert errors == [] and [n.note_id for n in notes] == ["A", "B"]


def test_jsonl_unicode_line_separator_inside_text(tmp_path: Path) -> None:
    # U+2028 is legal raw inside a JSON string; it must not split the line.
    path = _write_jsonl(tmp_path / "n.jsonl", [json.dumps(_valid(text="a\u2028b"), ensure_ascii=False)])
    notes, errors, _ = _collect([path])
    assert errors == [] and notes[0].text == "a\u2028b"


# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #


def test_csv_quoted_newline_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(
        b'patient_id,note_id,text\r\nP1,N1,"line one\r\nline two, with comma\r\nand ""quotes"""\r\nP1,N2,after\r\n'
    )
    notes, errors, _ = _collect([path])
    assert errors == []
    assert notes[0].text == 'line one\r\nline two, with comma\r\nand "quotes"'
    assert [n.source for n in notes] == ["notes.csv:2", "notes.csv:5"]


def test_csv_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b"\xef\xbb\xbfpatient_id,note_id,text\nP1,N1,x\n")
    notes, errors, _ = _collect([path])
    assert errors == [] and notes[0].patient_id == "P1"


def test_csv_missing_column_rejects_file_and_every_row(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,body\nP1,a\nP2,b\n\nP3,c\n", encoding="utf-8")
    notes, errors, stats = _collect([path])
    assert notes == []
    assert errors[0].source == "notes.csv:1"
    assert "missing required column(s): note_id, text" in errors[0].reason
    assert [e.source for e in errors[1:]] == [
        "notes.csv:2",
        "notes.csv:3",
        "notes.csv:5",
    ]
    assert all("row not read" in e.reason and "note_id, text" in e.reason for e in errors[1:])
    assert stats == ReadStats(records_read=3, records_ok=0, records_rejected=3, files_rejected=1)
    _assert_accounted(notes, errors, stats)


def test_csv_duplicate_known_column(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,note_id,text,text\nP1,N1,a,b\n", encoding="utf-8")
    notes, errors, stats = _collect([path])
    assert notes == [] and "repeats column(s): text" in errors[0].reason
    _assert_accounted(notes, errors, stats)


def test_csv_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b"")
    notes, errors, stats = _collect([path])
    assert notes == [] and len(errors) == 1 and "empty CSV file" in errors[0].reason
    assert stats.files_rejected == 1 and stats.records_read == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(b"P1,N1", "row has 2 cells but the header has 3", id="missing-cell"),
        pytest.param(b"P1,N1,x,extra", "row has 4 cells but the header has 3", id="extra-cell"),
        pytest.param(b'P1,"N1"oops,x', "malformed CSV row", id="text-after-quote"),
        pytest.param(b",N1,x", "patient_id is empty", id="empty-id"),
        pytest.param(b"P1,N1,   ", "text is empty or whitespace-only", id="blank-text"),
        pytest.param(
            b"P1,N1,caf\xe9 " + PHI.encode(),
            "line 3 is not valid UTF-8",
            id="invalid-utf8",
        ),
        pytest.param(b'P1,N1,"a\x00b"', "text contains NUL characters", id="nul"),
    ],
)
def test_csv_bad_row(tmp_path: Path, row: bytes, expected: str) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b"patient_id,note_id,text\nP0,N0,ok\n" + row + b"\nP9,N9,ok\n")
    notes, errors, stats = _collect([path])
    assert [n.patient_id for n in notes] == ["P0", "P9"]
    assert [e.source for e in errors] == ["notes.csv:3"]
    assert expected in errors[0].reason
    assert PHI not in errors[0].reason
    _assert_accounted(notes, errors, stats)


def test_csv_invalid_utf8_inside_multiline_row(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b'patient_id,note_id,text\nP1,N1,"one\ntw\xff\nthree"\nP2,N2,fine\n')
    notes, errors, _ = _collect([path])
    assert [n.patient_id for n in notes] == ["P2"]
    assert errors[0].source == "notes.csv:2"
    assert "line 3 is not valid UTF-8" in errors[0].reason


def test_csv_unterminated_quote_at_end(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b'patient_id,note_id,text\nP1,N1,ok\nP2,N2,"never closed\nmore\n')
    notes, errors, stats = _collect([path])
    assert [n.patient_id for n in notes] == ["P1"]
    assert errors[0].source == "notes.csv:3" and "malformed CSV row" in errors[0].reason
    _assert_accounted(notes, errors, stats)


def test_csv_large_field_is_accepted(tmp_path: Path) -> None:
    big = "x" * 300_000  # beyond the csv module's default 128 KiB field limit
    path = tmp_path / "notes.csv"
    path.write_text(f'patient_id,note_id,text\nP1,N1,"{big}"\n', encoding="utf-8")
    notes, errors, _ = _collect([path])
    assert errors == [] and len(notes[0].text) == 300_000


# --------------------------------------------------------------------------- #
# Directory of .txt files
# --------------------------------------------------------------------------- #


def test_txt_latin1_fallback_and_bom(tmp_path: Path) -> None:
    root = tmp_path / "d"
    (root / "P1").mkdir(parents=True)
    (root / "P1" / "latin.txt").write_bytes("café résumé".encode("latin-1"))
    (root / "P1" / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "naïve".encode())
    notes, errors, _ = _collect([root])
    assert errors == []
    assert {n.note_id: n.text for n in notes} == {
        "bom": "naïve",
        "latin": "café résumé",
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", "text is empty", id="empty"),
        pytest.param(b"  \n\n", "text is empty", id="whitespace"),
        pytest.param(b"a\x00b " + PHI.encode(), "text contains NUL", id="nul"),
    ],
)
def test_txt_bad_content(tmp_path: Path, content: bytes, expected: str) -> None:
    root = tmp_path / "d"
    (root / "P1").mkdir(parents=True)
    (root / "P1" / "N1.txt").write_bytes(content)
    notes, errors, stats = _collect([root])
    assert notes == []
    assert errors[0].source == "d/P1/N1.txt" and expected in errors[0].reason
    assert PHI not in errors[0].reason
    assert stats.records_rejected == 1


def test_txt_dir_layout_problems(tmp_path: Path) -> None:
    root = tmp_path / "d"
    (root / "P1" / "nested").mkdir(parents=True)
    (root / "P1" / "N1.txt").write_text("ok", encoding="utf-8")
    (root / "P1" / "scan.pdf").write_bytes(b"%PDF")
    (root / "P1" / "nested" / "deep.txt").write_text("too deep", encoding="utf-8")
    (root / "P1" / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "x.txt").write_text("ignored", encoding="utf-8")
    (root / "README.txt").write_text("top level", encoding="utf-8")
    (root / "bad\x07id").mkdir()
    (root / "bad\x07id" / "N1.txt").write_text("ok", encoding="utf-8")
    (root / "P2").mkdir()
    (root / "P2" / "a..b.txt").write_text("ok", encoding="utf-8")
    notes, errors, stats = _collect([root])
    assert [(n.patient_id, n.note_id) for n in notes] == [("P1", "N1"), ("P2", "a..b")]
    by_source = {e.source: e.reason for e in errors}
    assert "not a .txt file" in by_source["d/P1/scan.pdf"]
    assert "unexpected folder" in by_source["d/P1/nested"]
    assert "not inside a patient folder" in by_source["d/README.txt"]
    assert "patient_id contains a control character" in by_source["d/bad\x07id/N1.txt"]
    assert not any(".hidden" in s or ".git" in s for s in by_source)
    # Notes that failed validation are records; layout problems are file-level.
    assert stats == ReadStats(records_read=3, records_ok=2, records_rejected=1, files_rejected=3)
    _assert_accounted(notes, errors, stats)


def test_txt_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "PX").mkdir(parents=True)
    (outside / "PX" / "N1.txt").write_text("outside note", encoding="utf-8")
    (outside / "secret.txt").write_text("outside file", encoding="utf-8")
    root = tmp_path / "d"
    (root / "P1").mkdir(parents=True)
    (root / "P1" / "N1.txt").write_text("inside", encoding="utf-8")
    os.symlink(outside / "PX", root / "PX")  # folder link leaving the root
    os.symlink(outside / "secret.txt", root / "P1" / "leak.txt")  # file link leaving it
    os.symlink(root / "P1" / "N1.txt", root / "P1" / "alias.txt")  # stays inside
    os.symlink(root, root / "P1" / "loop")  # a cycle must not make the reader loop
    os.symlink(root / "P1" / "gone.txt", root / "P1" / "broken.txt")
    notes, errors, stats = _collect([root])
    assert sorted(n.note_id for n in notes) == ["N1", "alias"]
    by_source = {e.source: e.reason for e in errors}
    assert "outside the input directory" in by_source["d/PX"]
    assert "outside the input directory" in by_source["d/P1/leak.txt"]
    assert "unexpected folder" in by_source["d/P1/loop"]
    assert "broken or looping symbolic link" in by_source["d/P1/broken.txt"]
    _assert_accounted(notes, errors, stats)


def test_txt_dir_given_as_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "corpus"
    (root / "P1").mkdir(parents=True)
    (root / "P1" / "N1.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(root)
    notes, _, _ = _collect([Path(".")])
    assert notes[0].source == "corpus/P1/N1.txt"


# --------------------------------------------------------------------------- #
# Duplicates and accounting
# --------------------------------------------------------------------------- #


def test_duplicates_within_and_across_inputs(tmp_path: Path) -> None:
    jsonl = _write_jsonl(
        tmp_path / "notes.jsonl",
        [_valid(), _valid(note_id="N2"), _valid(), _valid(patient_id="P002")],
    )
    csv_path = tmp_path / "more.csv"
    csv_path.write_text("patient_id,note_id,text\nP001,N2,again\n", encoding="utf-8")
    root = tmp_path / "d"
    (root / "P001").mkdir(parents=True)
    (root / "P001" / "N1.txt").write_text("third copy", encoding="utf-8")
    notes, errors, stats = _collect([jsonl, csv_path, root])
    # Same note_id under another patient is not a duplicate.
    assert [(n.patient_id, n.note_id) for n in notes] == [
        ("P001", "N1"),
        ("P001", "N2"),
        ("P002", "N1"),
    ]
    assert [(e.source, e.reason) for e in errors] == [
        (
            "notes.jsonl:3",
            "duplicate note_id 'N1' for patient 'P001', first seen at notes.jsonl:1",
        ),
        (
            "more.csv:2",
            "duplicate note_id 'N2' for patient 'P001', first seen at notes.jsonl:2",
        ),
        (
            "d/P001/N1.txt",
            "duplicate note_id 'N1' for patient 'P001', first seen at notes.jsonl:1",
        ),
    ]
    assert all((e.patient_id, e.note_id) != (None, None) for e in errors)
    _assert_accounted(notes, errors, stats)


def test_rejected_record_does_not_claim_its_id(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "n.jsonl", [_valid(text=""), _valid()])
    notes, errors, _ = _collect([path])
    assert [n.source for n in notes] == ["n.jsonl:2"]
    assert len(errors) == 1


def test_every_record_is_accounted_for(tmp_path: Path) -> None:
    jsonl = _write_jsonl(
        tmp_path / "a.jsonl",
        [_valid(note_id=f"J{i}") for i in range(5)] + [b"[]", b"{oops", _valid(text=""), _valid(note_id="J0")],
    )
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        "patient_id,note_id,text\n" + "".join(f"P2,C{i},t\n" for i in range(4)) + "P2,C9\nP2,C0,dup\n",
        encoding="utf-8",
    )
    root = tmp_path / "d"
    (root / "P3").mkdir(parents=True)
    for i in range(3):
        (root / "P3" / f"T{i}.txt").write_text("t", encoding="utf-8")
    (root / "P3" / "empty.txt").write_text("", encoding="utf-8")
    (root / "stray.md").write_text("x", encoding="utf-8")
    notes, errors, stats = _collect([jsonl, csv_path, root])
    assert stats.records_read == 9 + 6 + 4
    assert stats.records_ok == 5 + 4 + 3
    assert stats.records_rejected == 4 + 2 + 1
    assert stats.files_rejected == 1
    _assert_accounted(notes, errors, stats)


# --------------------------------------------------------------------------- #
# Run-level failures
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("missing.jsonl", "input not found", id="missing"),
        pytest.param("notes.txt", "unsupported input", id="txt-file"),
        pytest.param("notes.json", "unsupported input", id="json-file"),
        pytest.param("notes", "unsupported input", id="no-extension"),
    ],
)
def test_input_error(tmp_path: Path, name: str, expected: str) -> None:
    if name != "missing.jsonl":
        (tmp_path / name).write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=expected) as info:
        read_inputs([tmp_path / name])  # raises at call time, before iteration
    assert "\n" not in str(info.value)


def test_input_error_for_no_paths_and_repeated_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no input"):
        read_inputs([])
    path = _write_jsonl(tmp_path / "n.jsonl", [_valid()])
    with pytest.raises(InputError, match="more than once"):
        read_inputs([path, tmp_path / "." / "n.jsonl"])


def test_upper_case_extensions_are_supported(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "NOTES.JSONL", [_valid()])
    notes, _, _ = _collect([path])
    assert len(notes) == 1


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param({"note_id": "a/b"}, id="note_id-slash"),
        pytest.param({"note_id": "a\\b"}, id="note_id-backslash"),
        pytest.param({"patient_id": ".."}, id="patient_id-dotdot"),
        pytest.param({"note_id": "x..y"}, id="note_id-embedded-dotdot"),
        pytest.param({"note_id": "."}, id="note_id-dot"),
    ],
)
def test_ids_are_opaque_strings(tmp_path: Path, ids: dict[str, str]) -> None:
    """Ids from EHR exports keep "/" and "..": they are never used as paths."""
    path = tmp_path / "notes.jsonl"
    path.write_text(json.dumps(_valid(**ids)) + "\n", encoding="utf-8")
    notes, errors, stats = _collect([path])
    assert errors == []
    assert len(notes) == 1
    for field, value in ids.items():
        assert getattr(notes[0], field) == value
    _assert_accounted(notes, errors, stats)
