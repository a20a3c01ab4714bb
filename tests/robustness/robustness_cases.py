"""Hostile batch inputs: the case list, how to run one through the CLI, and what to check.

One list, :data:`CASES`, drives both the tests (``test_hostile_inputs.py``)
and the Markdown table in the README (``table.py``); ``robustness_run.py``
runs a case and checks it. Each case writes its
inputs into a folder (small readable ones are copied from ``fixtures/``;
binary, huge and symlinked ones are generated), lists the records it expects
to be rejected (where and why) and the patients it expects processed, and is
run through the real command line, ``sle-abstract run INPUT... --out DIR``.

Every note text holds :data:`CANARY` and no id does, so any appearance of the
canary in ``errors.jsonl``, on stdout or on stderr is note text leaking.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CANARY = "ZEBRA-CANARY-41"
GOOD_TEXT = f"{CANARY} 45 y/o F with systemic lupus erythematosus on prednisone 10 mg daily. Anti-dsDNA positive."


@dataclass(frozen=True, slots=True)
class Reject:
    """An ``errors.jsonl`` line a case expects: its exact source and a fragment of its reason."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input and the handling the contract asks for.

    Attributes
    ----------
    id:
        Short name; also the stem of the case's input files, so error sources
        tell the cases apart when several run together.
    hostile:
        What is wrong with the input, for the table.
    expected:
        The handling expected, for the table.
    build:
        Writes the inputs into the given folder and returns the input paths.
    rejects:
        Record errors expected (each counts in ``notes_rejected``).
    file_errors:
        File-level errors expected (stray files, a bad CSV header, links):
        reported, but not notes.
    processed:
        ``patient_id -> note_count`` of every patient expected in ``patients.jsonl``.
    either:
        ``(source, patient_id)`` of records that may be processed or rejected
        (with a reason): notes beyond what the pipeline can take.
    known_bug:
        ``(reason, aspects)``: the aspects (see :data:`ASPECTS`) that fail
        because of a bug reported elsewhere; the tests mark them ``xfail``.
    subprocess:
        Run in a child process with a timeout (huge inputs), not in-process.
    """

    id: str
    hostile: str
    expected: str
    build: Callable[[Path], list[Path]]
    rejects: tuple[Reject, ...] = ()
    file_errors: tuple[Reject, ...] = ()
    processed: dict[str, int] = field(default_factory=dict)
    either: tuple[tuple[str, str], ...] = ()
    known_bug: tuple[str, frozenset[str]] | None = None
    subprocess: bool = False

    @property
    def notes_read(self) -> int:
        return len(self.rejects) + sum(self.processed.values()) + len(self.either)


# --------------------------------------------------------------------------- builders


def _record(patient_id: Any, note_id: Any, text: Any = GOOD_TEXT, **extra: Any) -> dict[str, Any]:
    return {"patient_id": patient_id, "note_id": note_id, "text": text, **extra}


def _write_jsonl(path: Path, lines: list[dict[str, Any] | bytes]) -> Path:
    with path.open("wb") as fh:
        for line in lines:
            fh.write(line if isinstance(line, bytes) else json.dumps(line, ensure_ascii=False).encode("utf-8"))
            fh.write(b"\n")
    return path


def _fixtures(*names: str) -> Callable[[Path], list[Path]]:
    def build(folder: Path) -> list[Path]:
        return [Path(shutil.copyfile(FIXTURES / name, folder / name)) for name in names]

    return build


def _huge_note(folder: Path) -> list[Path]:
    paragraph = (
        f"{CANARY} Rheumatology follow-up. Systemic lupus erythematosus since 2015, on prednisone 10 mg daily "
        "and mycophenolate 1 g twice daily since 2023-01-01. Anti-dsDNA positive. Denies seizures or psychosis.\n\n"
    )
    text = (paragraph * (5_000_000 // len(paragraph) + 1))[:5_000_000]
    return [
        _write_jsonl(
            folder / "huge-note-5mb.jsonl",
            [
                _record("huge-note-5mb-ok", "N1"),
                _record("huge-note-5mb-big", "N2", text),
                _record("huge-note-5mb-ok", "N3"),
            ],
        )
    ]


def _long_line(folder: Path) -> list[Path]:
    rng = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    blob = "".join(rng.choices(alphabet, k=1_000_000 - len(CANARY) - 100))
    return [
        _write_jsonl(
            folder / "long-line-1mb.jsonl",
            [_record("long-line-1mb-ok", "N1"), _record("long-line-1mb-big", "N2", CANARY + blob)],
        )
    ]


def _invalid_utf8(folder: Path) -> list[Path]:
    good = json.dumps(_record("invalid-utf8-ok", "N1")).encode()
    head = b'{"patient_id": "invalid-utf8-bad", "note_id": "N%d", "text": "' + CANARY.encode()
    lines = [
        good,
        head % 2 + b' caf\xe9 latin-1 byte"}',
        head % 3 + b' \xff\xfe stray bytes"}',
        head % 4 + b' truncated \xe2\x82"}',
        head % 5 + b' overlong slash \xc0\xaf"}',
        head % 6 + b' encoded surrogate \xed\xa0\x80"}',
        json.dumps(_record("invalid-utf8-ok", "N7")).encode(),
    ]
    csv_path = folder / "invalid-utf8.csv"
    rows = (
        f"patient_id,note_id,text\ninvalid-utf8-ok,C1,{CANARY} fine\n"
        f'invalid-utf8-bad,C2,"{CANARY} multi-line\n with a @FF@ byte"\n'
        f"invalid-utf8-ok,C3,{CANARY} fine again\n"
    )
    csv_path.write_bytes(rows.encode().replace(b"@FF@", b"\xff"))
    return [_write_jsonl(folder / "invalid-utf8.jsonl", lines), csv_path]


def _nul_bytes(folder: Path) -> list[Path]:
    raw = b'{"patient_id": "nul-bytes-bad", "note_id": "N2", "text": "' + CANARY.encode() + b' raw \x00 NUL"}'
    jsonl = _write_jsonl(
        folder / "nul-bytes.jsonl",
        [
            _record("nul-bytes-ok", "N1"),
            raw,
            _record("nul-bytes-bad", "N3", f"{CANARY} escaped \x00 NUL"),
            _record("nul-bytes-bad\x00", "N4"),
            _record("nul-bytes-bad", "N5", note_type="clinic\x00note"),
            b"\x00\x00\x00\x00",
            _record("nul-bytes-ok", "N7"),
        ],
    )
    csv_path = folder / "nul-bytes.csv"
    csv_path.write_text(
        f"patient_id,note_id,text\nnul-bytes-ok,C1,{CANARY} fine\nnul-bytes-bad,C2,{CANARY} NUL \x00 in a cell\n",
        encoding="utf-8",
    )
    return [jsonl, csv_path]


def _bom(folder: Path) -> list[Path]:
    bom = b"\xef\xbb\xbf"
    jsonl = folder / "bom.jsonl"
    # A BOM at the start of the file and one in the middle (two files joined with `cat`).
    jsonl.write_bytes(b"".join(bom + json.dumps(_record("bom-ok", nid)).encode() + b"\n" for nid in ("J1", "J2")))
    csv_path = folder / "bom.csv"
    csv_path.write_bytes(bom + b"patient_id,note_id,text\r\nbom-ok,C1," + CANARY.encode() + b" fine\r\n")
    notes = folder / "bom-notes"
    (notes / "bom-ok").mkdir(parents=True)
    (notes / "bom-ok" / "T1.txt").write_bytes(bom + GOOD_TEXT.encode())
    return [jsonl, csv_path, notes]


def _binary(folder: Path) -> list[Path]:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)).replace(b"\n", b"") * 64
    binary = folder / "binary.jsonl"
    binary.write_bytes(png)  # three "lines": the PNG signature splits at its \n bytes
    notes = folder / "binary-notes"
    (notes / "binary-ok").mkdir(parents=True)
    (notes / "binary-ok" / "scan.txt").write_bytes(png)
    (notes / "binary-ok" / "N1.txt").write_text(GOOD_TEXT, encoding="utf-8")
    return [binary, notes]


def _empty_files(folder: Path) -> list[Path]:
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "blank-lines.jsonl").write_bytes(b"\n\n  \r\n\t\n")
    (folder / "empty.csv").write_bytes(b"")
    notes = folder / "empty-notes"
    (notes / "empty-ok").mkdir(parents=True)
    (notes / "empty-ok" / "N1.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (notes / "empty-ok" / "N2.txt").write_bytes(b"")
    (notes / "empty-ok" / "N3.txt").write_bytes(b" \n\r\n\t ")
    (notes / "no-notes").mkdir()
    return [folder / "empty.jsonl", folder / "blank-lines.jsonl", folder / "empty.csv", notes]


def _legacy_encodings(folder: Path) -> list[Path]:
    notes = folder / "legacy-notes"
    (notes / "legacy-ok").mkdir(parents=True)
    latin1 = f"{CANARY} Café au lait; Sjögren's? No. Systemic lupus erythematosus, naïve to belimumab. 37°C.\n"
    (notes / "legacy-ok" / "latin1.txt").write_bytes(latin1.encode("latin-1"))
    cp1252 = f"{CANARY} Patient’s SLE is “quiet” – on prednisone 5 mg.\n"
    (notes / "legacy-ok" / "cp1252.txt").write_bytes(cp1252.encode("cp1252"))
    return [notes]


def _path_ids(folder: Path) -> list[Path]:
    jsonl = _fixtures("path-ids.jsonl")(folder)[0]
    # Absolute ids pointing into the test's own tree: a tool that built paths
    # from ids would create these, and the snapshot would see them.
    escape = folder.parent / "ESCAPED-abs"
    with jsonl.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(_record(str(escape), str(escape / "note.txt"))) + "\n")
        fh.write(json.dumps(_record("path-ids-ok", "/" + "/".join([".."] * 12) + "/tmp")) + "\n")
    return [jsonl]


def _control_chars(folder: Path) -> list[Path]:
    return [
        _write_jsonl(
            folder / "control-chars.jsonl",
            [
                _record(
                    "control-chars-ok", "N1", f"{CANARY} \x1b[31mred\x1b[0m \u202eSLE\u202c \x07 bell \x0c form feed"
                ),
                _record("control-chars-bad\x1b[2J", "N2"),
                _record("control-chars-bad", "N3\r\nFORGED LOG LINE"),
                _record("control-chars-bad", "N\u20284"),
                _record("control-chars-ok", "N5\u200b\ufeff", note_type="\x1b]0;title\x07"),
            ],
        )
    ]


def _json_bombs(folder: Path) -> list[Path]:
    return [
        _write_jsonl(
            folder / "json-bombs.jsonl",
            [
                _record("json-bombs-ok", "N1"),
                b"[" * 200_000 + b"]" * 200_000,
                b'{"patient_id": ' + b"9" * 10_000 + b', "note_id": "N3", "text": "' + CANARY.encode() + b'"}',
                b'{"patient_id": "json-bombs-bad", "note_id": "N4", "text": "'
                + CANARY.encode()
                + b'", "x": '
                + b'{"a": ' * 100_000
                + b"1"
                + b"}" * 100_001,
                _record("json-bombs-bad", "N5", note_date="2024-01-01", text=1e400),
                _record("json-bombs-ok", "N6", f"{CANARY} " + "SLE; " * 20),
            ],
        )
    ]


def _extreme_dates(folder: Path) -> list[Path]:
    return [
        _write_jsonl(
            folder / "extreme-dates.jsonl",
            [
                _record("extreme-dates-ok", "N1"),
                _record("extreme-dates-early", "N1", note_date="0001-01-01"),
                _record("extreme-dates-late", "N1", note_date="9999-12-31"),
            ],
        )
    ]


def _relative_date_before_year_1(folder: Path) -> list[Path]:
    text = f"{CANARY} SLE. Started mycophenolate 3 years ago."
    return [
        _write_jsonl(
            folder / "ancient-relative-date.jsonl",
            [_record("ancient-ok", "N1"), _record("ancient-ok", "N2", text, note_date="0003-01-01")],
        )
    ]


def _symlink_dir_loop(folder: Path) -> list[Path]:
    notes = folder / "loop-notes"
    (notes / "loop-ok").mkdir(parents=True)
    (notes / "loop-ok" / "N1.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (notes / "L").symlink_to(".", target_is_directory=True)
    (notes / "loop-ok" / "up").symlink_to("..", target_is_directory=True)
    outside = folder / "outside-secret.txt"
    outside.write_text(f"{CANARY} not part of the input", encoding="utf-8")
    (notes / "loop-ok" / "leak.txt").symlink_to(outside)
    return [notes]


def _symlink_self_loop(folder: Path) -> list[Path]:
    notes = folder / "selfloop-notes"
    (notes / "selfloop-ok").mkdir(parents=True)
    (notes / "selfloop-ok" / "N1.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (notes / "selfloop-ok" / "self.txt").symlink_to("self.txt")
    (notes / "selfloop-ok" / "dangling.txt").symlink_to("no-such-file.txt")
    return [notes]


# --------------------------------------------------------------------------- the cases


def _rejects(prefix: str, *items: tuple[int | str, str]) -> tuple[Reject, ...]:
    return tuple(Reject(f"{prefix}:{where}" if isinstance(where, int) else where, reason) for where, reason in items)


CASES: tuple[Case, ...] = (
    Case(
        "malformed-json",
        "JSONL lines that are not JSON: unterminated string, missing brace, single quotes, trailing garbage",
        "each bad line rejected as malformed JSON with its line number; the good lines processed",
        _fixtures("malformed-json.jsonl"),
        rejects=_rejects("malformed-json.jsonl", *((n, "malformed JSON") for n in (2, 3, 4, 5))),
        processed={"malformed-json-ok": 2},
    ),
    Case(
        "json-not-object",
        "JSONL lines holding an array, a string, a number, null",
        "rejected: expected a JSON object, got …",
        _fixtures("json-not-object.jsonl"),
        rejects=_rejects(
            "json-not-object.jsonl",
            (2, "expected a JSON object, got an array"),
            (3, "got a string"),
            (4, "got a number"),
            (5, "got null"),
        ),
        processed={"json-array-line-ok": 2},
    ),
    Case(
        "json-bombs",
        "200k nested arrays, a 10,000-digit id, 100k nested objects in an extra field, text 1e400 (Infinity)",
        "rejected without a crash (nesting, number size, type)",
        _json_bombs,
        rejects=_rejects(
            "json-bombs.jsonl",
            (2, "malformed JSON"),
            (3, "malformed JSON"),
            (4, "malformed JSON"),
            (5, "text must be a string"),
        ),
        processed={"json-bombs-ok": 2},
    ),
    Case(
        "missing-fields",
        "records without text, patient_id or note_id, and an empty object",
        "rejected, the reason names every missing field",
        _fixtures("missing-fields.jsonl"),
        rejects=_rejects(
            "missing-fields.jsonl",
            (2, "missing required field text"),
            (3, "missing required field patient_id"),
            (4, "missing required field note_id"),
            (5, "missing required field patient_id; missing required field note_id; missing required field text"),
        ),
        processed={"missing-fields-ok": 2},
    ),
    Case(
        "null-or-wrong-type",
        "required fields null, a boolean id, an object id, text as a number or an array",
        "rejected, the reason names the field and the type, not the value",
        _fixtures("null-fields.jsonl"),
        rejects=_rejects(
            "null-fields.jsonl",
            (2, "text is null"),
            (3, "patient_id is null"),
            (4, "note_id is null"),
            (5, "text must be a string, not a number"),
            (6, "patient_id must be a string or an integer, not a boolean"),
            (7, "note_id must be a string, not an object"),
            (8, "text must be a string, not an array"),
        ),
        processed={"null-fields-ok": 2},
    ),
    Case(
        "empty-text",
        "text empty, spaces only, or only newlines, tabs and Unicode spaces",
        "rejected: text is empty or whitespace-only",
        _fixtures("empty-text.jsonl"),
        rejects=_rejects("empty-text.jsonl", *((n, "text is empty or whitespace-only") for n in (2, 3, 4))),
        processed={"empty-text-ok": 2},
    ),
    Case(
        "huge-note-5mb",
        "one 5,000,000-character note (repeated clinical paragraphs)",
        "processed in line-aligned segments (offsets into the whole note), and the notes around it too",
        _huge_note,
        processed={"huge-note-5mb-ok": 2, "huge-note-5mb-big": 1},
        subprocess=True,
    ),
    Case(
        "long-line-1mb",
        "a 1 MB JSONL line whose text has no space or newline",
        "processed (one long token), or rejected with a reason",
        _long_line,
        processed={"long-line-1mb-ok": 1},
        either=(("long-line-1mb.jsonl:2", "long-line-1mb-big"),),
        subprocess=True,
    ),
    Case(
        "invalid-utf8",
        "Latin-1 byte, stray 0xFF 0xFE, truncated sequence, overlong '/', encoded surrogate (JSONL); a bad byte inside a multi-line CSV cell",
        "the line (or the CSV row) rejected as not valid UTF-8 with the byte position; its neighbours processed",
        _invalid_utf8,
        rejects=(
            *_rejects("invalid-utf8.jsonl", *((n, "not valid UTF-8") for n in (2, 3, 4, 5, 6))),
            Reject("invalid-utf8.csv:3", "line 4 is not valid UTF-8"),
        ),
        processed={"invalid-utf8-ok": 4},
    ),
    Case(
        "nul-bytes",
        "a raw NUL byte inside a JSON string, an escaped \\u0000 in text, id and note_type, a line of NULs, a NUL in a CSV cell",
        "rejected (malformed JSON / contains NUL / control character)",
        _nul_bytes,
        rejects=(
            *_rejects(
                "nul-bytes.jsonl",
                (2, "malformed JSON: Invalid control character"),
                (3, "text contains NUL characters"),
                (4, "patient_id contains a control character"),
                (5, "note_type contains NUL"),
                (6, "malformed JSON"),
            ),
            Reject("nul-bytes.csv:3", "text contains NUL characters"),
        ),
        processed={"nul-bytes-ok": 3},
    ),
    Case(
        "bom",
        "UTF-8 byte-order mark at the start of a JSONL file, in the middle of one (files joined with cat), a CSV and a .txt",
        "BOM ignored, every record processed",
        _bom,
        processed={"bom-ok": 4},
    ),
    Case(
        "control-chars",
        "terminal escapes, bidi overrides and a bell in text; escapes, CR LF (log forging) and U+2028 in ids",
        "text kept verbatim and processed; ids with control characters rejected",
        _control_chars,
        rejects=_rejects(
            "control-chars.jsonl",
            (2, "patient_id contains a control character"),
            (3, "note_id contains a control character"),
            (4, "note_id contains a control character"),
        ),
        processed={"control-chars-ok": 2},
    ),
    Case(
        "csv-quoted-newlines",
        "CSV cells with quoted LF, CRLF, commas and doubled quotes; a short row after them; a stray quote",
        "multi-line cells read whole; bad rows rejected with the line they start on",
        _fixtures("csv-quoted-newlines.csv"),
        rejects=_rejects(
            "csv-quoted-newlines.csv",
            (10, "row has 3 cells but the header has 4"),
            (12, "malformed CSV row: ',' expected after '\"'"),
        ),
        processed={"csv-quoted-newlines-ok": 4},
    ),
    Case(
        "csv-bad-columns",
        "CSV rows with missing or extra cells, a one-cell row, an empty text cell; padded and unknown header names",
        "short and long rows rejected with the cell counts; unknown columns ignored",
        _fixtures("csv-bad-columns.csv"),
        rejects=_rejects(
            "csv-bad-columns.csv",
            (3, "row has 3 cells but the header has 5"),
            (4, "row has 7 cells but the header has 5"),
            (6, "row has 1 cell but the header has 5"),
            (7, "text is empty"),
        ),
        processed={"csv-bad-columns-ok": 2},
    ),
    Case(
        "csv-no-text-column",
        "CSV header without a text column",
        "one file-level error naming the missing column, and every row rejected (pointing at it)",
        _fixtures("csv-no-text-column.csv"),
        rejects=_rejects("csv-no-text-column.csv", *((n, "row not read: header is missing") for n in (2, 3))),
        file_errors=_rejects("csv-no-text-column.csv", (1, "header is missing required column(s): text")),
    ),
    Case(
        "csv-unterminated-quote",
        "a CSV cell whose quote is never closed, running to the end of the file",
        "that row rejected as malformed CSV; the rows before it processed",
        _fixtures("csv-unterminated-quote.csv"),
        rejects=_rejects("csv-unterminated-quote.csv", (3, "malformed CSV row")),
        processed={"csv-unterminated-quote-ok": 1},
    ),
    Case(
        "duplicate-ids",
        'the same (patient_id, note_id) twice in a file, again after id whitespace, as 9001/1 vs "9001"/"1", and across a JSONL and a CSV input',
        "first one processed, each repeat rejected naming where the first was",
        _fixtures("duplicate-ids.jsonl", "duplicate-ids.csv"),
        rejects=(
            *_rejects(
                "duplicate-ids.jsonl",
                (2, "duplicate note_id 'N1' for patient 'duplicate-ids-ok', first seen at duplicate-ids.jsonl:1"),
                (4, "duplicate note_id 'N2'"),
                (6, "duplicate note_id '1' for patient '9001'"),
            ),
            Reject("duplicate-ids.csv:2", "first seen at duplicate-ids.jsonl:1"),
        ),
        processed={"duplicate-ids-ok": 3, "9001": 1},
    ),
    Case(
        "bad-dates",
        "note_date 2024-02-30, month 13, year 0000, 03/01/2024, 2024-3-1, 20240301, a timestamp, 'yesterday', a number",
        "rejected: not a real calendar date / not YYYY-MM-DD; blank, padded and 9999-12-31 dates accepted",
        _fixtures("bad-dates.jsonl"),
        rejects=(
            *_rejects("bad-dates.jsonl", *((n, "not a real calendar date") for n in (2, 3, 4))),
            *_rejects("bad-dates.jsonl", *((n, "not in the expected YYYY-MM-DD format") for n in (5, 6, 7, 8, 9))),
            Reject("bad-dates.jsonl:10", "note_date must be a YYYY-MM-DD string, not a number"),
        ),
        processed={"bad-dates-ok": 4},
    ),
    Case(
        "extra-fields",
        "unknown fields (mrn, nested objects, arrays, a 'Text' shadow, an empty key)",
        "accepted and ignored",
        _fixtures("extra-fields.jsonl"),
        processed={"extra-fields-ok": 2},
    ),
    Case(
        "path-ids",
        "ids with /, \\, .., ., ~, C:\\, con/NUL, %2F, absolute paths into the test tree, HTML and SQL",
        "accepted as opaque strings; nothing is created outside --out",
        _path_ids,
        processed={
            "../../ESCAPED-rel": 1,
            "path-ids-ok": 5,
            "a/b/c": 1,
            "..": 1,
            ".": 1,
            "C:\\Windows\\System32": 1,
            "~": 1,
            "P%2F..%2Fetc": 1,
            "<ESCAPE>": 1,
        },
    ),
    Case(
        "binary-file",
        "a PNG image named .jsonl, and one named .txt inside a note folder",
        "every line of the .jsonl rejected (not UTF-8 / malformed); the .txt rejected (NUL characters)",
        _binary,
        rejects=(
            *_rejects("binary.jsonl", (1, "not valid UTF-8"), (2, "malformed JSON"), (3, "not valid UTF-8")),
            Reject("binary-notes/binary-ok/scan.txt", "text contains NUL characters"),
        ),
        processed={"binary-ok": 1},
    ),
    Case(
        "empty-files",
        "an empty .jsonl, one of blank lines, an empty .csv, empty and blank .txt notes, an empty patient folder",
        "empty/blank files read nothing; the empty CSV is a file-level error; empty notes rejected",
        _empty_files,
        rejects=(
            Reject("empty-notes/empty-ok/N2.txt", "text is empty"),
            Reject("empty-notes/empty-ok/N3.txt", "text is empty"),
        ),
        file_errors=(Reject("empty.csv:1", "empty CSV file"),),
        processed={"empty-ok": 1},
    ),
    Case(
        "legacy-encodings",
        "a Latin-1 .txt note and a Windows-1252 one (smart quotes, en dash)",
        "decoded (Windows-1252, else Latin-1) and processed",
        _legacy_encodings,
        processed={"legacy-ok": 2},
    ),
    Case(
        "extreme-dates",
        "note_date 0001-01-01 and 9999-12-31: real calendar dates at the ends of the range",
        "processed (no date arithmetic overflows), the other patients too",
        _extreme_dates,
        processed={"extreme-dates-ok": 1, "extreme-dates-early": 1, "extreme-dates-late": 1},
    ),
    Case(
        "ancient-relative-date",
        "a note dated 0003-01-01 saying 'started mycophenolate 3 years ago' (before year 1)",
        "processed; the impossible relative date ignored",
        _relative_date_before_year_1,
        processed={"ancient-ok": 2},
    ),
    Case(
        "symlink-dir-loop",
        "note folder with a link to itself (L -> .), a patient link to its parent (up -> ..), a link to a file outside",
        "no loop (fixed depth): the links are file-level errors, the outside file is not read",
        _symlink_dir_loop,
        file_errors=(
            Reject("loop-notes/L/L", "unexpected folder inside a patient folder"),
            Reject("loop-notes/L/loop-ok", "unexpected folder inside a patient folder"),
            Reject("loop-notes/loop-ok/leak.txt", "symbolic link points outside the input directory"),
            Reject("loop-notes/loop-ok/up", "unexpected folder inside a patient folder"),
        ),
        processed={"loop-ok": 1},
    ),
    Case(
        "symlink-self-loop",
        "a note that is a link to itself (ELOOP) and a dangling link, next to a good note",
        "the two links reported as file-level errors; the good note processed",
        _symlink_self_loop,
        file_errors=(
            Reject("selfloop-notes/selfloop-ok/dangling.txt", "broken or looping symbolic link"),
            Reject("selfloop-notes/selfloop-ok/self.txt", "broken or looping symbolic link"),
        ),
        processed={"selfloop-ok": 1},
    ),
)
"""Every hostile input; ids are unique and double as input file stems."""


def expected_processed(case: Case, root: Path) -> dict[str, int]:
    """``case.processed`` with ``<ESCAPE>`` replaced by the absolute id the builder wrote."""
    escape = str(root / "ESCAPED-abs")
    return {escape if pid == "<ESCAPE>" else pid: n for pid, n in case.processed.items()}


# --------------------------------------------------------------------------- run-level failures


@dataclass(frozen=True, slots=True)
class RunFailure:
    """A run that cannot proceed: non-zero exit, one line on stderr, nothing written."""

    id: str
    hostile: str
    expected: str
    argv: Callable[[Path], list[str]]
    """Arguments after ``run``, given the case folder (which holds ``good.jsonl``)."""
    message: str
    out_created: bool = False


RUN_FAILURES: tuple[RunFailure, ...] = (
    RunFailure(
        "missing-input",
        "an INPUT path that does not exist",
        "exit 2, one line on stderr, --out not created",
        lambda d: [str(d / "good.jsonl"), str(d / "missing.jsonl"), "--out", str(d / "out")],
        "input not found",
    ),
    RunFailure(
        "unsupported-input",
        "an INPUT that is a PNG file (not .jsonl/.csv/folder)",
        "exit 2, one line on stderr, --out not created",
        lambda d: [str(d / "scan.png"), "--out", str(d / "out")],
        "unsupported input",
    ),
    RunFailure(
        "out-under-a-file",
        "--out inside a path whose parent is a regular file",
        "exit 2, one line on stderr",
        lambda d: [str(d / "good.jsonl"), "--out", str(d / "good.jsonl" / "out")],
        "cannot write",
    ),
    RunFailure(
        "out-is-a-file",
        "--out naming an existing regular file",
        "exit 2, one line on stderr, the file untouched",
        lambda d: [str(d / "good.jsonl"), "--out", str(d / "scan.png")],
        "cannot write",
    ),
)


def build_run_failure_folder(folder: Path) -> None:
    """The inputs every run-level failure case refers to."""
    _write_jsonl(folder / "good.jsonl", [_record("rf-ok", "N1")])
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
