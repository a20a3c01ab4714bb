"""The review store: every reviewer decision, append-only, with the current state derived from it.

One table, ``review_audit``, holds the whole history (REDCap's audit log:
who, when, what changed from what to what, and why). The database itself
refuses ``UPDATE``, ``DELETE`` (and on PostgreSQL ``TRUNCATE``) on it through
triggers, so even a script with write access cannot rewrite history.

Decisions are grouped in *chains*, one per thing a reviewer decides on: an
evidence item, a criterion, an added evidence span, a patient's final
determination, comment or lock. Each entry names the entry it follows on its
chain (``prev_id``; 0 for the first) and ``(chain, prev_id)`` is unique, so
two reviewers who both decide on top of the same state cannot both win: the
second gets :class:`ConflictError` carrying the first one's decision, even
when the two writes race (the unique index decides). Undo appends an ``undo``
entry that names the entry it takes back; nothing is ever removed.

SQLite (the default, a file next to the results) runs in WAL mode with a
busy timeout, and every write is one short transaction; any SQLAlchemy URL
works, PostgreSQL included.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("met", "not_met", "unknown")
DETERMINATIONS: tuple[str, ...] = ("eligible", "ineligible", "cannot_determine")

# What a reviewer decides on (``kind``) and the actions allowed on it.
KIND_ACTIONS: dict[str, frozenset[str]] = {
    "evidence": frozenset({"accept", "reject"}),
    "criterion": frozenset({"confirm", "override"}),
    "added_evidence": frozenset({"add", "remove"}),
    "determination": frozenset({"determine"}),
    "comment": frozenset({"comment"}),
    "lock": frozenset({"lock", "unlock"}),
}
PATIENT_TARGET = "patient"
"""The ``target`` of patient-level chains (determination, comment, lock)."""

OVERRIDE_REASONS: tuple[str, ...] = (
    "Evidence the tool missed",
    "Evidence misread (negation, timing, experiencer)",
    "Outdated: a later note supersedes it",
    "Protocol interpretation",
    "Insufficient documentation",
    "Other",
)
"""The short list an override reason is chosen from (free text may be added)."""

_APPEND_ONLY = "review_audit is append-only: updates and deletes are refused"
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")


class ReviewError(Exception):
    """A decision that cannot be recorded; the message is safe to show to the reviewer."""


class ConflictError(ReviewError):
    """Someone else decided on the same thing since the reviewer last saw it."""

    def __init__(self, current: Entry | None) -> None:
        self.current = current
        who = f"{current.reviewer} ({current.created_at})" if current else "another reviewer"
        super().__init__(f"{who} changed this while you were looking; your decision was not saved.")


class LockedError(ReviewError):
    """The patient's record is locked; unlock it (with a reason) to change it."""


class Base(DeclarativeBase):
    pass


class AuditRow(Base):
    """One line of the audit log (never updated, never deleted)."""

    __tablename__ = "review_audit"
    __table_args__ = (UniqueConstraint("chain", "prev_id", name="uq_review_audit_chain_prev"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(200), index=True)
    patient_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    criterion_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    tool_version: Mapped[str] = mapped_column(String(40))
    chain: Mapped[str] = mapped_column(String(700))
    prev_id: Mapped[int] = mapped_column(Integer)
    undoes: Mapped[int | None] = mapped_column(Integer)


# The database itself refuses to rewrite history.
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS review_audit_no_update BEFORE UPDATE ON review_audit "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
    f"CREATE TRIGGER IF NOT EXISTS review_audit_no_delete BEFORE DELETE ON review_audit "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
)
for _ddl in _SQLITE_TRIGGERS:
    event.listen(AuditRow.__table__, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))
for _ddl in (
    "CREATE OR REPLACE FUNCTION review_audit_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER review_audit_no_change BEFORE UPDATE OR DELETE ON review_audit "
    "FOR EACH ROW EXECUTE FUNCTION review_audit_append_only()",
    "CREATE TRIGGER review_audit_no_truncate BEFORE TRUNCATE ON review_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION review_audit_append_only()",
):
    event.listen(AuditRow.__table__, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))


@dataclass(frozen=True, slots=True)
class Entry:
    """A plain copy of one audit line (what views, exports and agreement read)."""

    id: int
    patient_id: str
    kind: str
    target: str
    criterion_id: str | None
    action: str
    old_value: str | None
    new_value: str | None
    reason_code: str | None
    reason: str | None
    detail: dict[str, Any] | None
    reviewer: str
    created_at: str
    tool_version: str
    prev_id: int
    undoes: int | None

    @classmethod
    def from_row(cls, row: AuditRow) -> Entry:
        return cls(
            id=row.id,
            patient_id=row.patient_id,
            kind=row.kind,
            target=row.target,
            criterion_id=row.criterion_id,
            action=row.action,
            old_value=row.old_value,
            new_value=row.new_value,
            reason_code=row.reason_code,
            reason=row.reason,
            detail=json.loads(row.detail) if row.detail else None,
            reviewer=row.reviewer,
            created_at=row.created_at,
            tool_version=row.tool_version,
            prev_id=row.prev_id,
            undoes=row.undoes,
        )

    def to_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class Chain:
    """The history of one decided-on thing and its current decision."""

    entries: list[Entry] = field(default_factory=list)

    @property
    def head_id(self) -> int:
        """Id of the latest entry (what the next decision must follow); 0 when none."""
        return self.entries[-1].id if self.entries else 0

    def live(self) -> list[Entry]:
        """Decisions not taken back by an undo, oldest first."""
        undone = {e.undoes for e in self.entries if e.action == "undo"}
        return [e for e in self.entries if e.action != "undo" and e.id not in undone]

    @property
    def current(self) -> Entry | None:
        """The decision in force (the latest live one), or ``None``."""
        live = self.live()
        return live[-1] if live else None

    def current_by(self, reviewer: str) -> Entry | None:
        """The latest live decision of one reviewer."""
        mine = [e for e in self.live() if e.reviewer == reviewer]
        return mine[-1] if mine else None


@dataclass(slots=True)
class PatientReview:
    """Everything reviewers decided on one patient, derived from the audit log."""

    patient_id: str
    chains: dict[tuple[str, str], Chain] = field(default_factory=dict)

    def chain(self, kind: str, target: str) -> Chain:
        return self.chains.get((kind, target)) or Chain()

    def head(self, kind: str, target: str) -> int:
        """The ``expected_prev`` to pass when deciding on ``(kind, target)``."""
        return self.chain(kind, target).head_id

    def current(self, kind: str, target: str) -> Entry | None:
        return self.chain(kind, target).current

    def evidence(self, evidence_id: str) -> Entry | None:
        """The accept/reject decision in force on a tool evidence item."""
        return self.current("evidence", evidence_id)

    def criterion(self, criterion_id: str) -> Entry | None:
        """The confirm/override decision in force on a criterion."""
        return self.current("criterion", criterion_id)

    def added(self, criterion_id: str | None = None) -> list[Entry]:
        """Evidence added by reviewers (and not removed), optionally for one criterion."""
        out = []
        for (kind, _target), chain in self.chains.items():
            cur = chain.current
            if (
                kind == "added_evidence"
                and cur is not None
                and cur.action == "add"
                and (criterion_id is None or cur.criterion_id == criterion_id)
            ):
                out.append(cur)
        return sorted(out, key=lambda e: e.id)

    @property
    def determination(self) -> Entry | None:
        return self.current("determination", PATIENT_TARGET)

    @property
    def comment(self) -> Entry | None:
        return self.current("comment", PATIENT_TARGET)

    @property
    def locked(self) -> bool:
        cur = self.current("lock", PATIENT_TARGET)
        return cur is not None and cur.action == "lock"

    def decided_criteria(self, criterion_ids: Iterable[str]) -> int:
        return sum(1 for cid in criterion_ids if self.criterion(cid) is not None)

    def status(self) -> str:
        """``not_started``, ``in_progress`` or ``done`` (a final determination is in force)."""
        if self.determination is not None:
            return "done"
        if any(chain.current is not None for chain in self.chains.values()):
            return "in_progress"
        return "not_started"

    def history(self) -> list[Entry]:
        """Every audit entry of the patient, oldest first."""
        return sorted((e for c in self.chains.values() for e in c.entries), key=lambda e: e.id)

    def last_change(self) -> Entry | None:
        hist = self.history()
        return hist[-1] if hist else None


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chain_key(dataset: str, patient_id: str, kind: str, target: str) -> str:
    return "\x1f".join((dataset, patient_id, kind, target))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")  # first: switching a fresh database to WAL waits for its other openers
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a decision the store confirmed survives a power loss too, not only a
    # killed process (NORMAL may lose the last commits); one fsync per decision.
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_writer_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling would BEGIN only at the INSERT,
    # after the lock and chain were read: take over and BEGIN IMMEDIATE instead.
    dbapi_conn.isolation_level = None


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _patient_lock_key(dataset: str, patient_id: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory lock on one patient's decisions."""
    digest = hashlib.blake2b(f"{dataset}\x1f{patient_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def check_reviewer_name(name: str) -> str:
    """Return the stripped reviewer name, or raise :class:`ReviewError`."""
    name = (name or "").strip()
    if not _NAME_RE.match(name):
        raise ReviewError("A reviewer name (1-128 characters, no control characters) is required.")
    return name


class ReviewStore:
    """Append-only store of review decisions for one results set (``dataset``).

    Parameters
    ----------
    url:
        SQLAlchemy database URL, e.g. ``sqlite:///results/review.sqlite`` or
        ``postgresql+psycopg://user@host/db``.
    dataset:
        Name of the results set the decisions belong to (several results sets
        can share one database).
    tool_version:
        Version of the tool that produced the results, stored with each decision.
    """

    def __init__(self, url: str, dataset: str = "default", tool_version: str = "") -> None:
        self.url = url
        self.dataset = dataset
        self.tool_version = tool_version
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        # Writes read the patient's lock and the chain head, then insert: they
        # must not interleave, or a decision could slip past a lock committed in
        # between. SQLite: a second engine whose transactions BEGIN IMMEDIATE
        # (one writer at a time, readers unaffected in WAL mode); PostgreSQL: a
        # per-patient advisory lock in the write transaction (see _insert).
        self._writer: Engine = self.engine
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._writer = create_engine(url, pool_pre_ping=True)
            event.listen(self._writer, "connect", _sqlite_pragmas)
            event.listen(self._writer, "connect", _sqlite_writer_connect)
            event.listen(self._writer, "begin", _sqlite_begin_immediate)
        self._create_schema()

    def _create_schema(self) -> None:
        for attempt in range(5):
            try:
                Base.metadata.create_all(self.engine)
                break
            except DBAPIError:
                # Several processes opening a fresh database at once all find no table and all
                # CREATE it; the losers fail ("table review_audit already exists" on SQLite, a
                # unique violation on pg_type on PostgreSQL), or SQLite's switch to WAL finds the
                # file locked. The next pass finds the table. (tests/test_store_crash.py: writers
                # opening one fresh database at the same instant.)
                if attempt == 4:
                    raise  # not a race: a real error (at most ~1.5 s later)
                time.sleep(0.05 * 2**attempt * (1 + random.random()))
        if self.engine.dialect.name == "sqlite":
            # SQLite runs CREATE TABLE and the triggers as separate statements, not in one
            # transaction: a process killed in between leaves a table that accepts UPDATE and
            # DELETE, and later opens skip the after_create triggers (the table exists). They
            # are IF NOT EXISTS: make sure of them on every open. (PostgreSQL's DDL is atomic.)
            with self.engine.begin() as conn:
                for ddl in _SQLITE_TRIGGERS:
                    conn.exec_driver_sql(ddl)

    def dispose(self) -> None:
        self.engine.dispose()
        self._writer.dispose()

    # ------------------------------------------------------------- reading

    def entries(self, patient_id: str | None = None) -> list[Entry]:
        """Audit entries of this dataset (optionally one patient), oldest first."""
        stmt = select(AuditRow).where(AuditRow.dataset == self.dataset).order_by(AuditRow.id)
        if patient_id is not None:
            stmt = stmt.where(AuditRow.patient_id == patient_id)
        with Session(self.engine) as session:
            return [Entry.from_row(r) for r in session.scalars(stmt)]

    def reviews(self) -> dict[str, PatientReview]:
        """Every patient's derived review state, keyed by patient id."""
        return _derive(self.entries())

    def review(self, patient_id: str) -> PatientReview:
        """One patient's derived review state."""
        return _derive(self.entries(patient_id)).get(patient_id) or PatientReview(patient_id)

    # ------------------------------------------------------------- writing

    def record(
        self,
        *,
        reviewer: str,
        patient_id: str,
        kind: str,
        target: str,
        action: str,
        expected_prev: int,
        new_value: str | None = None,
        criterion_id: str | None = None,
        reason_code: str | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
        old_value: str | None = None,
    ) -> Entry:
        """Append one decision and return it.

        ``expected_prev`` is the head of the chain the reviewer saw
        (:meth:`PatientReview.head`); when the chain moved on since, nothing
        is written and :class:`ConflictError` carries the decision now in
        force. ``old_value`` defaults to the value in force before this
        decision.

        Raises
        ------
        ReviewError
            Bad input (unknown kind or action, override without a reason).
        ConflictError
            Someone decided on the same thing first.
        LockedError
            The patient's record is locked.
        """
        reviewer = check_reviewer_name(reviewer)
        if action not in KIND_ACTIONS.get(kind, ()):
            raise ReviewError(f"Unknown decision {action!r} on {kind!r}.")
        if kind == "criterion" and new_value not in STATUSES:
            raise ReviewError("A criterion status must be met, not_met or unknown.")
        if action == "override" and not (reason_code or "").strip():
            raise ReviewError("An override needs a reason.")
        if reason_code == "Other" and not (reason or "").strip():
            raise ReviewError("Describe the reason when choosing 'Other'.")
        if action == "unlock" and not (reason or "").strip():
            raise ReviewError("Unlocking a record needs a reason.")
        if kind == "determination" and new_value not in DETERMINATIONS:
            raise ReviewError("A final determination must be eligible, ineligible or cannot_determine.")
        return self._append(
            reviewer=reviewer,
            patient_id=patient_id,
            kind=kind,
            target=target,
            action=action,
            expected_prev=expected_prev,
            new_value=new_value,
            criterion_id=criterion_id,
            reason_code=(reason_code or "").strip() or None,
            reason=(reason or "").strip() or None,
            detail=detail,
            old_value=old_value,
        )

    def undo_last(self, reviewer: str, patient_id: str | None = None) -> Entry | None:
        """Take back the reviewer's latest live decision (on one patient if given).

        Returns the ``undo`` entry, or ``None`` when there is nothing to undo.
        Successive calls walk further back.
        """
        reviewer = check_reviewer_name(reviewer)
        reviews = _derive(self.entries(patient_id))
        candidates = [
            e
            for review in reviews.values()
            for chain in review.chains.values()
            for e in chain.live()
            if e.reviewer == reviewer and e.kind != "lock"
        ]
        if not candidates:
            return None
        last = max(candidates, key=lambda e: e.id)
        review = reviews[last.patient_id]
        chain = review.chain(last.kind, last.target)
        before = [e for e in chain.live() if e.id != last.id]
        return self._append(
            reviewer=reviewer,
            patient_id=last.patient_id,
            kind=last.kind,
            target=last.target,
            action="undo",
            expected_prev=chain.head_id,
            new_value=before[-1].new_value if before else None,
            old_value=last.new_value,
            criterion_id=last.criterion_id,
            reason_code=None,
            reason=f"undo of #{last.id} ({last.action})",
            detail=None,
            undoes=last.id,
        )

    def _append(self, *, expected_prev: int, undoes: int | None = None, **values: Any) -> Entry:
        chain = _chain_key(self.dataset, values["patient_id"], values["kind"], values["target"])
        lock_chain = _chain_key(self.dataset, values["patient_id"], "lock", PATIENT_TARGET)
        detail = values.pop("detail")
        try:
            entry = self._insert(chain, lock_chain, expected_prev, undoes, detail, values)
        except IntegrityError:  # another writer took the same place on the chain first
            raise ConflictError(self._current(chain)) from None
        log.info("review decision #%s: %s %s by %s", entry.id, entry.kind, entry.action, entry.reviewer)
        return entry

    def _insert(
        self,
        chain: str,
        lock_chain: str,
        expected_prev: int,
        undoes: int | None,
        detail: dict[str, Any] | None,
        values: dict[str, Any],
    ) -> Entry:
        with Session(self._writer) as session, session.begin():
            if self._writer.dialect.name == "postgresql":
                key = _patient_lock_key(self.dataset, values["patient_id"])
                session.execute(select(func.pg_advisory_xact_lock(key)))
            rows = session.scalars(
                select(AuditRow).where(AuditRow.chain.in_((chain, lock_chain))).order_by(AuditRow.id)
            ).all()
            lock_rows = [Entry.from_row(r) for r in rows if r.chain == lock_chain]
            lock = Chain(lock_rows).current
            if values["kind"] != "lock" and lock is not None and lock.action == "lock":
                raise LockedError("This patient's record is locked; unlock it (with a reason) to change it.")
            own = [Entry.from_row(r) for r in rows if r.chain == chain]
            head = own[-1].id if own else 0
            if head != expected_prev:
                raise ConflictError(Chain(own).current or (own[-1] if own else None))
            if values.get("old_value") is None and values["action"] != "undo":
                cur = Chain(own).current
                values["old_value"] = cur.new_value if cur else None
            row = AuditRow(
                dataset=self.dataset,
                chain=chain,
                prev_id=head,
                undoes=undoes,
                created_at=_utc_now(),
                tool_version=self.tool_version,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
                **values,
            )
            session.add(row)
            session.flush()
            return Entry.from_row(row)

    def _current(self, chain: str) -> Entry | None:
        with Session(self.engine) as session:
            rows = session.scalars(select(AuditRow).where(AuditRow.chain == chain).order_by(AuditRow.id)).all()
            return Chain([Entry.from_row(r) for r in rows]).current


def _derive(entries: Iterable[Entry]) -> dict[str, PatientReview]:
    reviews: dict[str, PatientReview] = {}
    grouped: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
    for e in entries:
        grouped[(e.patient_id, e.kind, e.target)].append(e)
    for (pid, kind, target), chain_entries in grouped.items():
        review = reviews.setdefault(pid, PatientReview(pid))
        review.chains[(kind, target)] = Chain(sorted(chain_entries, key=lambda e: e.id))
    return reviews


def iter_reviewer_decisions(
    reviews: dict[str, PatientReview], kind: str = "criterion"
) -> Iterator[tuple[str, str, str, Entry]]:
    """Yield ``(patient_id, target, reviewer, entry)``: each reviewer's live decision per target."""
    for pid, review in reviews.items():
        for (k, target), chain in review.chains.items():
            if k != kind:
                continue
            for reviewer in sorted({e.reviewer for e in chain.live()}):
                entry = chain.current_by(reviewer)
                if entry is not None:
                    yield pid, target, reviewer, entry
