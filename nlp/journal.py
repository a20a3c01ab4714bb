"""The run journal: per-note results checkpointed on disk, so a run can resume.

Every input item (a note's mentions, or an error record) becomes one line of
an append-only file in the output folder::

    <seq> TAB <kind> TAB <patient_id as JSON> TAB <payload JSON> TAB <crc32>

``seq`` is the item's position in the input stream, so it is the same in
every run over the same inputs; ``kind`` is ``n`` (a processed note), ``f``
(a note the pipeline failed on) or ``r`` (a record the reader rejected). The
CRC covers everything before it. Lines are written whole and the file is
fsync'd at checkpoints; a line that a crash cut short (or that a power loss
left half on disk) fails its CRC, and :meth:`Journal.open` truncates the
file there on resume, so those items are simply processed again.

The first line is a header holding a fingerprint of the job (inputs with
sizes and modification times, options, tool version, rule files): a journal
written for another job is never resumed.

The journal also feeds the end of the run: :meth:`Journal.index` sorts the
entries by patient on disk (SQLite), so patients are resolved one at a time
without holding every mention in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from nlp.records import ErrorRecord, Mention, NoteRecord
from nlp.writers import fsync_dir as _fsync_dir

JOURNAL_NAME = ".sle-abstract.journal"
INDEX_NAME = ".sle-abstract.index.sqlite"
SEEN_NAME = ".sle-abstract.seen.sqlite"
FORMAT_VERSION = 1

KIND_NOTE = "n"
KIND_FAILED = "f"
KIND_REJECTED = "r"

_QUALIFIER_BITS = ("is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain")


class ResumeError(Exception):
    """The journal in the output folder cannot be resumed (another job, or unreadable)."""


# ------------------------------------------------------------------ line codec


def encode_line(seq: int, kind: str, patient_id: str | None, payload: Any) -> bytes:
    """One journal line (with its trailing newline) as bytes.

    JSON escapes tabs and newlines inside strings, so the separators are
    unambiguous.
    """
    body = f"{seq}\t{kind}\t{json.dumps(patient_id, ensure_ascii=False)}\t{json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}"
    data = body.encode("utf-8")
    return data + b"\t" + format(zlib.crc32(data), "08x").encode("ascii") + b"\n"


def _check_line(line: bytes) -> bytes | None:
    """The line's body when it is whole and its CRC matches, else ``None``."""
    if not line.endswith(b"\n"):
        return None
    body, sep, crc = line[:-1].rpartition(b"\t")
    if not sep or len(crc) != 8:
        return None
    try:
        expected = int(crc, 16)
    except ValueError:
        return None
    return body if zlib.crc32(body) == expected else None


def _split_body(body: bytes) -> tuple[int, str, str | None, str]:
    seq, kind, pid, payload = body.decode("utf-8").split("\t", 3)
    return int(seq), kind, json.loads(pid), payload


# ------------------------------------------------------------------ mentions


def encode_note(note: NoteRecord, mentions: list[Mention]) -> dict[str, Any]:
    """The journal payload of one processed note.

    Per-note fields are stored once and sentence texts once per note; each
    mention is a short list. :func:`decode_note` is its exact inverse.
    """
    sentences: dict[str, int] = {}
    rows: list[list[Any]] = []
    for m in mentions:
        flags = 0
        for bit, name in enumerate(_QUALIFIER_BITS):
            if getattr(m, name):
                flags |= 1 << bit
        rows.append(
            [
                m.criterion_id,
                m.concept,
                m.text,
                m.start,
                m.end,
                m.section,
                sentences.setdefault(m.sentence, len(sentences)),
                flags,
                m.value,
                m.attrs,
                m.rule,
                list(m.cues),
                m.supports,
                m.evidence_id,
            ]
        )
    return {
        "n": note.note_id,
        "d": note.note_date.isoformat() if note.note_date else None,
        "t": note.note_type,
        "S": list(sentences),
        "m": rows,
    }


def decode_note(patient_id: str, payload: dict[str, Any]) -> tuple[date | None, list[Mention]]:
    """The note date and mentions stored by :func:`encode_note`."""
    note_id = payload["n"]
    note_date = date.fromisoformat(payload["d"]) if payload["d"] else None
    note_type = payload["t"]
    sentences = payload["S"]
    mentions = []
    for (
        criterion_id,
        concept,
        text,
        start,
        end,
        section,
        sent,
        flags,
        value,
        attrs,
        rule,
        cues,
        supports,
        evidence_id,
    ) in payload["m"]:
        mentions.append(
            Mention(
                patient_id=patient_id,
                note_id=note_id,
                note_date=note_date,
                note_type=note_type,
                criterion_id=criterion_id,
                concept=concept,
                text=text,
                start=start,
                end=end,
                section=section,
                sentence=sentences[sent],
                is_negated=bool(flags & 1),
                is_historical=bool(flags & 2),
                is_hypothetical=bool(flags & 4),
                is_family=bool(flags & 8),
                is_uncertain=bool(flags & 16),
                value=value,
                attrs=attrs,
                rule=rule,
                cues=tuple(cues),
                supports=supports,
                evidence_id=evidence_id,
            )
        )
    return note_date, mentions


def note_line(seq: int, note: NoteRecord, mentions: list[Mention]) -> bytes:
    """The journal line of a processed note."""
    return encode_line(seq, KIND_NOTE, note.patient_id, encode_note(note, mentions))


def failed_line(seq: int, note: NoteRecord, reason: str) -> bytes:
    """The journal line of a note the pipeline failed on (reported in ``errors.jsonl``)."""
    err = ErrorRecord(source=note.source, reason=reason, patient_id=note.patient_id, note_id=note.note_id)
    return encode_line(seq, KIND_FAILED, note.patient_id, err.to_dict())


def rejected_line(seq: int, err: ErrorRecord) -> bytes:
    """The journal line of a record the reader rejected."""
    return encode_line(seq, KIND_REJECTED, err.patient_id, err.to_dict())


# ------------------------------------------------------------------ fingerprint


def job_fingerprint(inputs: list[Path], options: dict[str, Any], rules_dir: Path | None) -> str:
    """A digest of everything that decides a run's output.

    Inputs count by resolved path, size and modification time (hashing their
    content would cost a full read); rule files count by content.
    """
    h = hashlib.sha256()
    for path in inputs:
        h.update(_path_fingerprint(Path(path)).encode("utf-8"))
    h.update(json.dumps(options, sort_keys=True, default=str).encode("utf-8"))
    if rules_dir is not None:
        h.update(rules_fingerprint(rules_dir).encode("ascii"))
    return h.hexdigest()


def rules_fingerprint(rules_dir: Path) -> str:
    """A digest of every rule file's name and content."""
    h = hashlib.sha256()
    for path in sorted(p for p in rules_dir.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(rules_dir)).encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _path_fingerprint(path: Path) -> str:
    real = path.resolve()
    if real.is_dir():
        parts = [str(real)]
        for root, dirs, files in os.walk(real):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                # lstat: a dangling or looping link is the reader's to report, not a crash here.
                st = os.lstat(full)
                parts.append(f"{os.path.relpath(full, real)}:{st.st_size}:{st.st_mtime_ns}")
        return "\n".join(parts) + "\n"
    st = real.stat()
    return f"{real}:{st.st_size}:{st.st_mtime_ns}\n"


# ------------------------------------------------------------------ journal


class _Bitmap:
    """A growable set of small non-negative integers (input positions)."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, n: int) -> None:
        byte = n >> 3
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        self._bits[byte] |= 1 << (n & 7)

    def __contains__(self, n: int) -> bool:
        byte = n >> 3
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << (n & 7)))


@dataclass(slots=True)
class JournalCounts:
    """What a journal holds, counted during the final pass."""

    notes: int = 0
    failed: int = 0
    rejected: int = 0


class Journal:
    """The append-only journal of one run in ``out_dir``.

    Use :meth:`open`; then :meth:`append` lines, :meth:`checkpoint` to make
    them durable, and at the end :meth:`index` to read them back by patient.
    """

    def __init__(self, path: Path, fh: BinaryIO, header: dict[str, Any], done: _Bitmap, resumed: int) -> None:
        self.path = path
        self._fh = fh
        self.header = header
        self._done = done
        self.resumed = resumed
        """Number of input items already done when the run started."""
        self._last_checkpoint = time.monotonic()

    # -------------------------------------------------------------- opening

    @classmethod
    def open(cls, out_dir: Path, fingerprint: str, today: date, resume: bool) -> Journal:
        """Start a journal, or continue the one in ``out_dir`` when ``resume``.

        Parameters
        ----------
        out_dir:
            The run's output folder (must exist).
        fingerprint:
            :func:`job_fingerprint` of this job; a journal with another one
            is refused.
        today:
            The date this job started, kept in the header so that a resumed
            run applies the same default screening date.
        resume:
            Continue an existing journal; without one, start afresh.

        Raises
        ------
        ResumeError
            ``resume`` and the journal belongs to another job or cannot be read.
        """
        path = out_dir / JOURNAL_NAME
        if resume and path.exists():
            return cls._reopen(path, fingerprint)
        header = {
            "journal": "sle-abstract",
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "today": today.isoformat(),
        }
        tmp = out_dir / (JOURNAL_NAME + ".new")
        with tmp.open("wb") as fh:
            fh.write(encode_line(-1, "h", None, header))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(out_dir)
        return cls(path, path.open("ab"), header, _Bitmap(), 0)

    @classmethod
    def _reopen(cls, path: Path, fingerprint: str) -> Journal:
        done = _Bitmap()
        resumed = 0
        with path.open("rb") as fh:
            first = fh.readline()
            body = _check_line(first)
            if body is None:
                raise ResumeError(f"cannot resume: the journal {path} is unreadable; run again without --resume")
            _, kind, _, payload = _split_body(body)
            header = json.loads(payload)
            if kind != "h" or header.get("format") != FORMAT_VERSION:
                raise ResumeError(f"cannot resume: {path} was written by another version of the tool")
            if header.get("fingerprint") != fingerprint:
                raise ResumeError(
                    "cannot resume: the inputs, options or rules differ from the interrupted run's; "
                    "run again without --resume to start over"
                )
            good_end = fh.tell()
            for line in fh:
                body = _check_line(line)
                if body is None:
                    break  # a torn or damaged tail: everything from here is redone
                seq = int(body.split(b"\t", 1)[0])
                if seq not in done:
                    done.add(seq)
                    resumed += 1
                good_end += len(line)
        out = path.open("r+b")
        out.truncate(good_end)
        out.seek(good_end)
        out.flush()
        os.fsync(out.fileno())
        return cls(path, out, header, done, resumed)

    # -------------------------------------------------------------- writing

    def is_done(self, seq: int) -> bool:
        """Whether input item ``seq`` is already in the journal."""
        return seq in self._done

    @property
    def today(self) -> date:
        """The date the job started (see :meth:`open`)."""
        return date.fromisoformat(self.header["today"])

    def append(self, lines: bytes) -> None:
        """Append whole lines (buffered until the next :meth:`checkpoint`)."""
        self._fh.write(lines)

    def checkpoint(self) -> None:
        """Make every appended line durable."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._last_checkpoint = time.monotonic()

    def maybe_checkpoint(self, seconds: float) -> None:
        """:meth:`checkpoint` when the last one is more than ``seconds`` old."""
        if time.monotonic() - self._last_checkpoint >= seconds:
            self.checkpoint()

    def close(self) -> None:
        """Checkpoint and close the file."""
        if not self._fh.closed:
            self.checkpoint()
            self._fh.close()

    def remove(self) -> None:
        """Delete the journal and its index (after the outputs are committed)."""
        self.close()
        self.path.unlink(missing_ok=True)
        (self.path.parent / INDEX_NAME).unlink(missing_ok=True)
        (self.path.parent / SEEN_NAME).unlink(missing_ok=True)

    # -------------------------------------------------------------- reading

    def index(self) -> JournalIndex:
        """Index the journal by patient for the final pass (see :class:`JournalIndex`)."""
        self.checkpoint()
        return JournalIndex.build(self.path, self.path.parent / INDEX_NAME)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class JournalIndex:
    """The journal's entries sorted on disk: notes by (patient, seq), errors by seq.

    Only offsets are indexed; entries are read back one patient at a time, so
    memory does not grow with the corpus.
    """

    def __init__(self, journal_path: Path, db: sqlite3.Connection, counts: JournalCounts) -> None:
        self._journal_path = journal_path
        self._db = db
        self.counts = counts

    @classmethod
    def build(cls, journal_path: Path, db_path: Path) -> JournalIndex:
        """Scan the journal once and build the index in ``db_path`` (replaced)."""
        db_path.unlink(missing_ok=True)
        db = sqlite3.connect(db_path)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA temp_store=FILE")
        db.execute("PRAGMA cache_size=-2048")
        db.execute("CREATE TABLE notes (patient_id TEXT NOT NULL, seq INTEGER PRIMARY KEY, off INTEGER, len INTEGER)")
        db.execute("CREATE TABLE errors (seq INTEGER PRIMARY KEY, kind TEXT, off INTEGER, len INTEGER)")
        counts = JournalCounts()
        notes: list[tuple[str, int, int, int]] = []
        errors: list[tuple[int, str, int, int]] = []
        with journal_path.open("rb") as fh:
            off = len(fh.readline())
            for line in fh:
                head = line.split(b"\t", 3)
                seq, kind = int(head[0]), head[1].decode("ascii")
                if kind == KIND_NOTE:
                    notes.append((json.loads(head[2]), seq, off, len(line)))
                else:
                    errors.append((seq, kind, off, len(line)))
                off += len(line)
                if len(notes) >= 2_000:
                    db.executemany("INSERT OR IGNORE INTO notes VALUES (?, ?, ?, ?)", notes)
                    notes.clear()
                if len(errors) >= 2_000:
                    db.executemany("INSERT OR IGNORE INTO errors VALUES (?, ?, ?, ?)", errors)
                    errors.clear()
        db.executemany("INSERT OR IGNORE INTO notes VALUES (?, ?, ?, ?)", notes)
        db.executemany("INSERT OR IGNORE INTO errors VALUES (?, ?, ?, ?)", errors)
        db.execute("CREATE INDEX notes_by_patient ON notes (patient_id, seq)")
        db.commit()
        counts.notes = db.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
        for kind, n in db.execute("SELECT kind, COUNT(*) FROM errors GROUP BY kind"):
            if kind == KIND_FAILED:
                counts.failed = n
            elif kind == KIND_REJECTED:
                counts.rejected = n
        return cls(journal_path, db, counts)

    def errors(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(kind, errors.jsonl object)`` for every error entry, in input order."""
        with self._journal_path.open("rb") as fh:
            for kind, off, length in self._db.execute("SELECT kind, off, len FROM errors ORDER BY seq"):
                fh.seek(off)
                yield kind, json.loads(_split_body(fh.read(length)[:-10])[3])

    def patients(self) -> Iterator[tuple[str, list[date | None], list[Mention]]]:
        """``(patient_id, note dates, mentions)`` per patient, by patient id; notes in input order.

        SQLite compares TEXT as UTF-8 bytes, which is code-point order, the
        order of Python's ``sorted`` on the ids.
        """
        with self._journal_path.open("rb") as fh:
            current: str | None = None
            dates: list[date | None] = []
            mentions: list[Mention] = []
            rows = self._db.execute("SELECT patient_id, off, len FROM notes ORDER BY patient_id, seq")
            for patient_id, off, length in rows:
                if patient_id != current:
                    if current is not None:
                        yield current, dates, mentions
                    current, dates, mentions = patient_id, [], []
                fh.seek(off)
                note_date, note_mentions = decode_note(patient_id, json.loads(_split_body(fh.read(length)[:-10])[3]))
                dates.append(note_date)
                mentions.extend(note_mentions)
            if current is not None:
                yield current, dates, mentions

    def close(self) -> None:
        """Close the index database."""
        self._db.close()


class DiskSeenIds:
    """The readers' record of accepted ``(patient_id, note_id)`` pairs, in SQLite on disk.

    Duplicate detection must remember every id pair of the run; a dict of
    them grows by some 300 bytes a note. This mapping (``get`` and item
    assignment, all that :func:`nlp.readers.read_inputs` uses) keeps them in a
    file with a bounded page cache, so memory stays flat on large corpora.
    It is rebuilt by every run (a resumed run reads its inputs again).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.unlink(missing_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-1024")
        self._db.execute(
            "CREATE TABLE seen (patient_id TEXT, note_id TEXT, source TEXT, PRIMARY KEY (patient_id, note_id))"
            " WITHOUT ROWID"
        )

    def get(self, key: tuple[str, str], default: str | None = None) -> str | None:
        """The source of the record that claimed ``key``, or ``default``."""
        row = self._db.execute("SELECT source FROM seen WHERE patient_id = ? AND note_id = ?", key).fetchone()
        return row[0] if row else default

    def __setitem__(self, key: tuple[str, str], source: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?)", (key[0], key[1], source))

    def close(self) -> None:
        """Close and delete the file."""
        self._db.close()
        self.path.unlink(missing_ok=True)
