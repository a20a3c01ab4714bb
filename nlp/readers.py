"""Streaming readers for the three input forms of the contract.

Inputs are a ``.jsonl`` file, a ``.csv`` file, or a directory laid out as
``DIR/<patient_id>/<note_id>.txt``. Every reader yields, one at a time, either
a validated :class:`~nlp.records.NoteRecord` or an
:class:`~nlp.records.ErrorRecord`; a bad record never stops the run. Only
run-level problems (a missing input, an unsupported kind of input) raise
:class:`InputError`.

Accounting
----------
Readers update a :class:`ReadStats` as they yield:

* every note-shaped input (a non-blank JSONL line, a non-blank CSV data row, a
  ``*.txt`` file two levels down) counts once in ``records_read`` and once in
  either ``records_ok`` or ``records_rejected``;
* problems that are not a note (a CSV header without the required columns, a
  stray file or folder in an input directory, an empty CSV file) are
  file-level errors, counted in ``files_rejected``;
* so ``records_read == records_ok + records_rejected`` always holds, and the
  number of ``ErrorRecord`` objects yielded is
  ``records_rejected + files_rejected``.

A CSV file whose header lacks a required column yields one file-level error
naming the missing columns (source ``notes.csv:1``) and then one record error
per data row, so each row still appears in ``errors.jsonl``.

Blank lines (JSONL) and blank rows (CSV) are not records and are skipped
silently. Error reasons never quote note text or field values; they name the
field and the rule that was broken, so ``errors.jsonl`` carries no PHI beyond
the ids.

Validation
----------
* ``patient_id``/``note_id``: a string or a JSON integer (converted with
  ``str``); surrounding whitespace is stripped; null, empty, booleans,
  fractional numbers, objects and arrays are rejected, as are ids with
  control characters (they could rewrite a terminal or a log line) or
  unpaired surrogates. Ids are otherwise opaque: ``/``, ``\\``, ``..`` and a
  bare ``.`` are kept as they are, because EHR exports use them and the tool
  never builds a file path from an id.
* ``text``: a non-blank string without NUL or unpaired surrogates, kept
  verbatim (never stripped) because evidence offsets index into it.
* ``note_date``: absent, null or blank means no date; otherwise exactly
  ``YYYY-MM-DD`` and a real calendar date.
* ``note_type``: absent, null or blank means none; otherwise a string.
* Unknown fields/columns are ignored; CSV column names are matched after
  stripping whitespace, case-sensitively.
* A ``(patient_id, note_id)`` pair already accepted earlier in the run makes
  the later record an error; only accepted records claim an id pair.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Literal

from nlp.records import ErrorRecord, NoteRecord

__all__ = [
    "InputError",
    "ReadStats",
    "read_csv",
    "read_inputs",
    "read_jsonl",
    "read_txt_dir",
]

Item = NoteRecord | ErrorRecord
SeenIds = dict[tuple[str, str], str]
InputKind = Literal["jsonl", "csv", "dir"]

REQUIRED_FIELDS: tuple[str, ...] = ("patient_id", "note_id", "text")
OPTIONAL_FIELDS: tuple[str, ...] = ("note_date", "note_type")
_BOM = b"\xef\xbb\xbf"
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_LAYOUT = "expected DIR/<patient_id>/<note_id>.txt"

# Clinical notes can exceed the csv module's default 128 KiB field limit.
# 2**31 - 1 is the largest value accepted on every platform (C long on Windows).
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


class InputError(Exception):
    """The run cannot proceed with the given inputs (missing, unsupported, unreadable).

    The message is one line, suitable for printing on stderr as is.
    """


@dataclass(slots=True)
class ReadStats:
    """Counts kept up to date by the readers while they yield.

    Attributes
    ----------
    records_read : int
        Note-shaped inputs seen (JSONL lines, CSV rows, ``*.txt`` files).
    records_ok : int
        Of those, yielded as ``NoteRecord``.
    records_rejected : int
        Of those, yielded as ``ErrorRecord``.
    files_rejected : int
        File-level ``ErrorRecord`` objects that stand for no note (bad CSV
        header, stray file or folder in an input directory).
    """

    records_read: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    files_rejected: int = 0

    @property
    def errors(self) -> int:
        """Number of ``ErrorRecord`` objects yielded (record and file level)."""
        return self.records_rejected + self.files_rejected


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def read_inputs(
    paths: Sequence[Path | str], *, stats: ReadStats | None = None, seen: SeenIds | None = None
) -> Iterator[Item]:
    """Read every input path in order, yielding notes and errors.

    All paths are checked before anything is read, and this function raises
    at call time (not at the first ``next()``), so a CLI can fail fast before
    creating outputs. Duplicate ``(patient_id, note_id)`` pairs are detected
    across all inputs of the call.

    Parameters
    ----------
    paths : Sequence[Path | str]
        ``.jsonl`` files, ``.csv`` files and/or note directories.
    stats : ReadStats, optional
        Updated in place as records are yielded; pass one in to read the
        counts afterwards.
    seen : mapping of (patient_id, note_id) to source, optional
        Where accepted id pairs are remembered for duplicate detection
        (anything with ``get`` and item assignment); a dict by default. The
        batch engine passes an on-disk one so memory stays flat on large
        corpora.

    Returns
    -------
    Iterator[NoteRecord | ErrorRecord]
        A lazy iterator; nothing is loaded ahead of what is yielded.

    Raises
    ------
    InputError
        No paths, a path that does not exist or is unreadable, an unsupported
        extension, or the same input given twice.
    """
    plan = _plan_inputs(paths)
    return _read_planned(plan, stats if stats is not None else ReadStats(), seen)


def _plan_inputs(paths: Sequence[Path | str]) -> list[tuple[InputKind, Path]]:
    if not paths:
        raise InputError("no input given")
    plan: list[tuple[InputKind, Path]] = []
    seen_real: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"input not found: {path}")
        kind: InputKind
        if path.is_dir():
            kind = "dir"
        elif path.is_file() and path.suffix.lower() == ".jsonl":
            kind = "jsonl"
        elif path.is_file() and path.suffix.lower() == ".csv":
            kind = "csv"
        else:
            raise InputError(
                f"unsupported input: {path} (expected a .jsonl file, a .csv file or a directory of <patient_id>/<note_id>.txt)"
            )
        if not os.access(path, os.R_OK):
            raise InputError(f"input is not readable: {path}")
        real = path.resolve()
        # Reading one input twice would turn every note into a duplicate error.
        if real in seen_real:
            raise InputError(f"input given more than once: {path}")
        seen_real.add(real)
        plan.append((kind, path))
    return plan


def _read_planned(plan: list[tuple[InputKind, Path]], stats: ReadStats, seen: SeenIds | None) -> Iterator[Item]:
    seen = {} if seen is None else seen
    for kind, path in plan:
        if kind == "jsonl":
            yield from read_jsonl(path, stats=stats, seen=seen)
        elif kind == "csv":
            yield from read_csv(path, stats=stats, seen=seen)
        else:
            yield from read_txt_dir(path, stats=stats, seen=seen)


# --------------------------------------------------------------------------- #
# JSONL
# --------------------------------------------------------------------------- #


def read_jsonl(
    path: Path | str,
    *,
    stats: ReadStats | None = None,
    seen: SeenIds | None = None,
) -> Iterator[Item]:
    """Yield one note or error per non-blank line of a JSONL file.

    The file is read in binary and each line decoded on its own, so one line
    of invalid UTF-8 is reported without losing the others.

    Parameters
    ----------
    path : Path | str
        The ``.jsonl`` file.
    stats : ReadStats, optional
        Counts to update in place.
    seen : dict[tuple[str, str], str], optional
        ``(patient_id, note_id) -> source`` of notes already accepted in this
        run, for duplicate detection across inputs; updated in place.

    Yields
    ------
    NoteRecord | ErrorRecord
        Sources look like ``notes.jsonl:12`` (1-based line number).
    """
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    seen = seen if seen is not None else {}
    with _open_binary(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            source = f"{path.name}:{lineno}"
            # A BOM can start any line of files joined with `cat`; it is never data.
            raw = raw.removeprefix(_BOM)
            if not raw.strip():
                continue
            try:
                # Without its line end, an unterminated string is reported as
                # such, and error columns count on this line.
                line = raw.rstrip(b"\r\n").decode("utf-8")
            except UnicodeDecodeError as exc:
                yield _finish(ErrorRecord(source, _utf8_reason(exc)), stats, seen)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                reason = f"malformed JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
                yield _finish(ErrorRecord(source, reason), stats, seen)
                continue
            except (ValueError, RecursionError):
                # Integers past Python's digit limit, or absurd nesting.
                reason = "malformed JSON: number too large or nesting too deep"
                yield _finish(ErrorRecord(source, reason), stats, seen)
                continue
            if not isinstance(obj, dict):
                reason = f"expected a JSON object, got {_type_name(obj)}"
                yield _finish(ErrorRecord(source, reason), stats, seen)
                continue
            yield _finish(_note_from_fields(obj, source), stats, seen)


# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #


def read_csv(
    path: Path | str,
    *,
    stats: ReadStats | None = None,
    seen: SeenIds | None = None,
) -> Iterator[Item]:
    """Yield one note or error per non-blank data row of a CSV file.

    The first row is the header and must contain ``patient_id``, ``note_id``
    and ``text`` (other columns are ignored). Quoted fields may span lines.
    A header problem yields one file-level error, then one error per data row.

    Parameters
    ----------
    path : Path | str
        The ``.csv`` file (comma-separated, double-quote quoting).
    stats : ReadStats, optional
        Counts to update in place.
    seen : dict[tuple[str, str], str], optional
        Ids already accepted in this run; see :func:`read_jsonl`.

    Yields
    ------
    NoteRecord | ErrorRecord
        Sources look like ``notes.csv:7``: the line on which the row starts.
    """
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    seen = seen if seen is not None else {}
    # Physical line -> 1-based position of its first invalid byte. Lines are
    # decoded with replacement so the CSV structure survives, and rows that
    # touch such a line are rejected; entries are dropped once reported.
    bad_lines: dict[int, int] = {}
    with _open_binary(path) as fh:
        reader = csv.reader(_decoded_lines(fh, bad_lines), strict=True)
        header_source = f"{path.name}:1"
        columns, header_problem = _read_csv_header(reader, bad_lines)
        bad_lines.clear()
        if header_problem is not None:
            stats.files_rejected += 1
            yield ErrorRecord(header_source, header_problem)
        prev_line = reader.line_num
        while True:
            row: list[str] | None = None
            try:
                row = next(reader)
                problem = None
            except StopIteration:
                break
            except csv.Error as exc:
                problem = f"malformed CSV row: {exc}"
            start, end, prev_line = prev_line + 1, reader.line_num, reader.line_num
            bad = [(n, bad_lines.pop(n)) for n in range(start, end + 1) if n in bad_lines]
            if row == []:
                continue  # a blank line is not a record
            source = f"{path.name}:{start}"
            if problem is None and bad:
                n, col = bad[0]
                problem = f"line {n} is not valid UTF-8 (first invalid byte is byte {col} of that line)"
            if problem is None and header_problem is not None:
                # Every row is still listed so that each record is accounted for.
                problem = f"row not read: {header_problem} (see {header_source})"
            if problem is None and row is not None and len(row) != len(columns):
                problem = f"row has {_cells(len(row))} but the header has {len(columns)}"
            if problem is not None or row is None:
                reason = problem or "malformed CSV row"
                yield _finish(ErrorRecord(source, reason), stats, seen)
                continue
            fields = {name: cell for name, cell in zip(columns, row, strict=True) if name}
            yield _finish(_note_from_fields(fields, source), stats, seen)


def _decoded_lines(fh: BinaryIO, bad_lines: dict[int, int]) -> Iterator[str]:
    for lineno, raw in enumerate(fh, start=1):
        if lineno == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines[lineno] = exc.start + 1
            yield raw.decode("utf-8", errors="replace")


def _read_csv_header(reader: Iterator[list[str]], bad_lines: dict[int, int]) -> tuple[list[str], str | None]:
    """Return the stripped column names and the header's problem, if any."""
    try:
        header = next(reader)
    except StopIteration:
        return (
            [],
            "empty CSV file: a header row with patient_id, note_id, text is required",
        )
    except csv.Error as exc:
        return [], f"malformed CSV header: {exc}"
    columns = [name.strip() for name in header]
    if bad_lines:
        return columns, "header row is not valid UTF-8"
    dupes = sorted({c for c in columns if c and columns.count(c) > 1} & _KNOWN_FIELDS)
    if dupes:
        return columns, f"header repeats column(s): {', '.join(dupes)}"
    missing = [c for c in REQUIRED_FIELDS if c not in columns]
    if missing:
        return columns, f"header is missing required column(s): {', '.join(missing)}"
    return columns, None


_KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)


# --------------------------------------------------------------------------- #
# Directory of .txt notes
# --------------------------------------------------------------------------- #


def read_txt_dir(
    root: Path | str,
    *,
    stats: ReadStats | None = None,
    seen: SeenIds | None = None,
) -> Iterator[Item]:
    """Yield one note or error per ``<patient_id>/<note_id>.txt`` file under ``root``.

    Only files exactly two levels down with a ``.txt`` suffix (any case) are
    notes; ``patient_id`` is the folder name and ``note_id`` the file stem.
    Hidden entries (starting with ".") are ignored silently; any other file
    or folder is reported as a file-level error. Symbolic links are followed
    only when they resolve inside ``root``; the depth is fixed, so a link
    cycle cannot make this loop. Text is UTF-8 (a BOM is stripped); a file
    that is not valid UTF-8 is decoded as Windows-1252, else Latin-1. Notes have no date or type.

    Parameters
    ----------
    root : Path | str
        The input directory.
    stats : ReadStats, optional
        Counts to update in place.
    seen : dict[tuple[str, str], str], optional
        Ids already accepted in this run; see :func:`read_jsonl`.

    Yields
    ------
    NoteRecord | ErrorRecord
        Sources are paths starting with the directory's own name, e.g.
        ``notes/P001/N1.txt``, in sorted order.
    """
    root = Path(root)
    stats = stats if stats is not None else ReadStats()
    seen = seen if seen is not None else {}
    real_root = root.resolve()
    label = real_root.name if root.name in ("", ".", "..") else root.name

    def file_error(rel: str, reason: str) -> ErrorRecord:
        stats.files_rejected += 1
        return ErrorRecord(rel, reason)

    for pentry in _sorted_entries(root, label, file_error):
        if isinstance(pentry, ErrorRecord):
            yield pentry
            continue
        prel = f"{label}/{pentry.name}"
        if problem := _link_problem(pentry, real_root):
            yield file_error(prel, problem)
        elif pentry.is_dir():
            for nentry in _sorted_entries(Path(pentry.path), prel, file_error):
                if isinstance(nentry, ErrorRecord):
                    yield nentry
                    continue
                nrel = f"{prel}/{nentry.name}"
                if problem := _link_problem(nentry, real_root):
                    yield file_error(nrel, problem)
                elif nentry.is_dir():
                    yield file_error(
                        nrel,
                        f"unexpected folder inside a patient folder ({_LAYOUT}); skipped",
                    )
                elif not nentry.is_file():
                    yield file_error(nrel, "not a regular file; skipped")
                elif Path(nentry.name).suffix.lower() != ".txt":
                    yield file_error(nrel, f"not a .txt file ({_LAYOUT}); skipped")
                else:
                    yield _finish(
                        _read_txt_note(Path(nentry.path), pentry.name, nrel),
                        stats,
                        seen,
                    )
        elif pentry.is_file():
            yield file_error(prel, f"file is not inside a patient folder ({_LAYOUT}); skipped")
        else:
            yield file_error(prel, "not a regular file or folder; skipped")


def _sorted_entries(
    folder: Path, rel: str, file_error: Callable[[str, str], ErrorRecord]
) -> Iterable[os.DirEntry[str] | ErrorRecord]:
    # Sorting holds names only (never text) and makes runs reproducible.
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if not e.name.startswith(".")]
    except OSError as exc:
        return [file_error(rel, f"cannot list folder: {exc.strerror or type(exc).__name__}")]
    return sorted(entries, key=lambda e: e.name)


def _link_problem(entry: os.DirEntry[str], real_root: Path) -> str | None:
    """Why a symbolic link entry is skipped, or None for a usable entry."""
    if not entry.is_symlink():
        return None
    try:
        target = Path(os.path.realpath(entry.path, strict=True))
    except OSError:  # dangling, or a loop (ELOOP)
        return "broken or looping symbolic link; skipped"
    if not target.is_relative_to(real_root):
        return "symbolic link points outside the input directory; skipped"
    return None


def _read_txt_note(path: Path, patient_id: str, source: str) -> NoteRecord | ErrorRecord:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ErrorRecord(source, f"cannot read file: {exc.strerror or type(exc).__name__}")
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy exports are Windows-1252 (a superset of Latin-1's printable
        # characters: smart quotes, dashes) or Latin-1, which decodes any
        # byte string. Both map one byte to one character.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    fields = {"patient_id": patient_id, "note_id": Path(path.name).stem, "text": text}
    return _note_from_fields(fields, source)


# --------------------------------------------------------------------------- #
# Field validation shared by all forms
# --------------------------------------------------------------------------- #


def _note_from_fields(obj: Mapping[str, Any], source: str) -> NoteRecord | ErrorRecord:
    """Validate one record's fields; collect every problem into one reason."""
    problems: list[str] = []
    patient_id = _check_id(obj, "patient_id", problems)
    note_id = _check_id(obj, "note_id", problems)
    text = _check_text(obj, problems)
    note_date = _check_date(obj.get("note_date"), problems)
    note_type = _check_note_type(obj.get("note_type"), problems)
    if problems or patient_id is None or note_id is None or text is None:
        return ErrorRecord(source, "; ".join(problems), patient_id, note_id)
    return NoteRecord(
        patient_id=patient_id,
        note_id=note_id,
        text=text,
        note_date=note_date,
        note_type=note_type,
        source=source,
    )


def _check_id(obj: Mapping[str, Any], name: str, problems: list[str]) -> str | None:
    if name not in obj:
        problems.append(f"missing required field {name}")
        return None
    value = obj[name]
    if value is None:
        problems.append(f"{name} is null")
        return None
    if isinstance(value, (bool, float)):
        problems.append(f"{name} must be a string or an integer, not {_type_name(value)}")
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        problems.append(f"{name} must be a string, not {_type_name(value)}")
        return None
    value = value.strip()
    problem = _unsafe_id_problem(value)
    if problem is not None:
        problems.append(f"{name} {problem}")
        return None
    return value


def _unsafe_id_problem(value: str) -> str | None:
    """Ids are opaque strings: EHR exports use "/" and ".." in them, and the
    tool never builds a path from an id, so only unprintable ids are refused."""
    if not value:
        return "is empty"
    if _SURROGATE_RE.search(value):
        return "contains invalid Unicode (unpaired surrogate)"
    if any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in value):
        return "contains a control character"
    return None


def _check_text(obj: Mapping[str, Any], problems: list[str]) -> str | None:
    if "text" not in obj:
        problems.append("missing required field text")
        return None
    value = obj["text"]
    if value is None:
        problems.append("text is null")
    elif not isinstance(value, str):
        problems.append(f"text must be a string, not {_type_name(value)}")
    elif not value.strip():
        problems.append("text is empty or whitespace-only")
    elif "\x00" in value:
        problems.append("text contains NUL characters")
    elif _SURROGATE_RE.search(value):
        # A lone surrogate would make every UTF-8 writer downstream fail.
        problems.append("text contains invalid Unicode (unpaired surrogate)")
    else:
        # Never strip or normalise: evidence offsets index into this exact string.
        return value
    return None


def _check_date(value: Any, problems: list[str]) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"note_date must be a YYYY-MM-DD string, not {_type_name(value)}")
        return None
    value = value.strip()
    if not value:
        return None
    if not _DATE_RE.fullmatch(value):
        problems.append("note_date is not in the expected YYYY-MM-DD format")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append("note_date is not a real calendar date (expected YYYY-MM-DD)")
        return None


def _check_note_type(value: Any, problems: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"note_type must be a string, not {_type_name(value)}")
        return None
    if "\x00" in value or _SURROGATE_RE.search(value):
        problems.append("note_type contains NUL characters or invalid Unicode")
        return None
    return value.strip() or None


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _finish(item: Item, stats: ReadStats, seen: SeenIds) -> Item:
    """Count one record and turn a repeated (patient_id, note_id) into an error."""
    stats.records_read += 1
    if isinstance(item, NoteRecord):
        key = (item.patient_id, item.note_id)
        first = seen.get(key)
        if first is None:
            seen[key] = item.source
            stats.records_ok += 1
            return item
        item = ErrorRecord(
            source=item.source,
            reason=(f"duplicate note_id {item.note_id!r} for patient {item.patient_id!r}, first seen at {first}"),
            patient_id=item.patient_id,
            note_id=item.note_id,
        )
    stats.records_rejected += 1
    return item


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open input {path}: {exc.strerror or type(exc).__name__}") from exc


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _utf8_reason(exc: UnicodeDecodeError) -> str:
    return f"line is not valid UTF-8 (first invalid byte is byte {exc.start + 1} of the line)"


def _type_name(value: Any) -> str:
    """JSON-flavoured type name for messages (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
