"""Reader details behind the hostile-input table, checked on the records themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.readers import ReadStats, read_inputs
from nlp.records import ErrorRecord, NoteRecord


def _read(path: Path) -> tuple[list[NoteRecord], list[ErrorRecord]]:
    items = list(read_inputs([path], stats=ReadStats()))
    return [i for i in items if isinstance(i, NoteRecord)], [i for i in items if isinstance(i, ErrorRecord)]


def test_bom_at_the_start_of_any_jsonl_line_is_ignored(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    line = json.dumps({"patient_id": "P", "note_id": "N{}", "text": "SLE"}).encode()
    path = tmp_path / "joined.jsonl"
    path.write_bytes(bom + line.replace(b"{}", b"1") + b"\n" + bom + line.replace(b"{}", b"2") + b"\n" + bom + b"\n")
    notes, errors = _read(path)
    assert [n.note_id for n in notes] == ["N1", "N2"] and errors == []


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        pytest.param("cp1252", "Patient’s SLE is “quiet” – stable.", id="windows-1252"),
        pytest.param("latin-1", "Café; Sjögren? No. 37°C.", id="latin-1"),
        pytest.param("latin-1", "undefined in Windows-1252: \x81\x8d\x8f\x90\x9d", id="latin-1-fallback"),
    ],
)
def test_legacy_txt_notes_are_decoded_one_byte_per_character(tmp_path: Path, encoding: str, text: str) -> None:
    (tmp_path / "notes" / "P1").mkdir(parents=True)
    (tmp_path / "notes" / "P1" / "N1.txt").write_bytes(text.encode(encoding))
    notes, errors = _read(tmp_path / "notes")
    assert errors == [] and notes[0].text == text


@pytest.mark.parametrize(
    ("line", "message", "column"),
    [
        pytest.param('{"patient_id": "P", "text": "unterminated', "Unterminated string", 29, id="open-string"),
        pytest.param('{"patient_id": "P"', "Expecting ',' delimiter", 19, id="open-object"),
        pytest.param('{"text": "a\x01b"}', "Invalid control character", 12, id="control-char"),
    ],
)
def test_json_error_reasons_count_columns_on_the_record_line(
    tmp_path: Path, line: str, message: str, column: int
) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(line + "\r\n", encoding="utf-8")
    _, errors = _read(path)
    assert errors[0].reason.startswith(f"malformed JSON: {message}")
    assert errors[0].reason.endswith(f" at column {column}")


def test_csv_row_with_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,note_id,text\nP1\n", encoding="utf-8")
    _, errors = _read(path)
    assert errors[0].reason == "row has 1 cell but the header has 3"
