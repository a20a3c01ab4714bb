"""Faults injected into the review store, and the checks after them (``tests/test_store_crash.py``).

Each scenario breaks one database (a fresh SQLite file, or a fresh schema of
the PostgreSQL database in ``SLE_ABSTRACT_TEST_PG_URL``) with reviewer
processes (``store_writer.py``), then checks it from a fresh connection:

- the database's own integrity check (SQLite ``PRAGMA integrity_check``;
  PostgreSQL amcheck's ``bt_index_check`` and ``verify_heapam`` when the
  extension is there);
- every decision a ledger lists as confirmed is in the audit log, at its id,
  byte for byte (values, reviewer, reason, reason code, detail);
- nothing was overwritten silently: every chain is a chain (the first entry
  follows 0, each next one the entry before it, no two on one place), every
  confirmed decision follows exactly the head its writer saw, and its
  ``old_value`` is the value it replaced;
- no entry comes from nowhere (every token in the log was tried by a writer),
  none is there twice, and a transaction killed before its commit left nothing.

The results make the "Review store faults" table in README.md
(``python tests/robustness/table.py --store --write``).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from nlp.review.store import PATIENT_TARGET, AuditRow, ConflictError, ReviewStore

REPO = Path(__file__).resolve().parents[1]
WRITER = Path(__file__).resolve().with_name("store_writer.py")
PG_URL = os.environ.get("SLE_ABSTRACT_TEST_PG_URL")
RACE_SECONDS = float(os.environ.get("SLE_ABSTRACT_STORE_RACE_SECONDS") or 30)
"""How long the four writers race (CI: 30 s; shorten it locally with the variable)."""
DATASET = "crash"
BACKENDS = ("sqlite", "postgresql")
START_TIMEOUT = 90.0  # seconds for a child to import and open the store on a busy machine


def pg_unavailable() -> str | None:
    """Why the PostgreSQL scenarios cannot run here, or ``None``."""
    if not PG_URL:
        return "SLE_ABSTRACT_TEST_PG_URL is not set: no PostgreSQL to test against (.ci/run starts a throwaway one)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]>=3.1', in the dev extra)"
    return None


# ------------------------------------------------------------------ the database under test


@dataclass
class Target:
    """One database to break: a fresh SQLite file, or a fresh PostgreSQL schema."""

    backend: str
    url: str
    workdir: Path
    sqlite_path: Path | None = None
    schema: str | None = None

    def store(self, dataset: str = DATASET) -> ReviewStore:
        return ReviewStore(self.url, dataset=dataset, tool_version="crash-test")


@contextlib.contextmanager
def target(backend: str, workdir: Path) -> Iterator[Target]:
    """A fresh database of ``backend`` under ``workdir`` (PostgreSQL: a schema, dropped afterwards)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = workdir / "review.sqlite"
        yield Target(backend, f"sqlite:///{path}", workdir, sqlite_path=path)
        return
    if reason := pg_unavailable():
        raise RuntimeError(reason)
    schema = f"crash_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield Target(backend, url.render_as_string(hide_password=False), workdir, schema=schema)
    finally:
        with admin.begin() as conn:  # DROP is not UPDATE/DELETE/TRUNCATE: the triggers allow it
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


# ------------------------------------------------------------------ reviewer processes and their ledgers


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    ledger: Path
    log: Path

    def records(self) -> list[dict[str, Any]]:
        return read_ledger(self.ledger)

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no flush in the child."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:] if self.log.exists() else ""


def spawn(t: Target, mode: str, name: str, *args: str, dataset: str = DATASET) -> Child:
    """Start ``store_writer.py MODE`` as reviewer ``name`` on ``t``."""
    ledger = t.workdir / f"{name}.jsonl"
    log = t.workdir / f"{name}.log"
    cmd = [sys.executable, str(WRITER), mode, "--url", t.url, "--dataset", dataset, "--ledger", str(ledger),
           "--name", name, *args]  # fmt: skip
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Child(name, proc, ledger, log)


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """The ledger's records; a last line without its newline (cut by a kill) does not count."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    return [json.loads(line) for line in lines[:-1] if line]


def wait_for(child: Child, what: Callable[[dict[str, Any]], bool], timeout: float = START_TIMEOUT) -> dict[str, Any]:
    """The first ledger record of ``child`` that satisfies ``what`` (waiting for it)."""
    deadline = time.monotonic() + timeout
    while True:
        for rec in child.records():
            if what(rec):
                return rec
        if child.proc.poll() is not None:
            raise RuntimeError(f"{child.name} exited ({child.proc.returncode}) too early:\n{child.output()}")
        if time.monotonic() > deadline:
            child.kill()
            raise TimeoutError(f"{child.name}: nothing after {timeout:.0f} s:\n{child.output()}")
        time.sleep(0.02)


def is_type(t: str) -> Callable[[dict[str, Any]], bool]:
    return lambda rec: rec.get("t") == t


# ------------------------------------------------------------------ checks


@dataclass
class Check:
    """What a fresh connection finds in the database after the faults."""

    integrity: str = ""
    integrity_ok: bool = False
    entries: int = 0
    confirmed: int = 0
    found: int = 0
    lost: int = 0
    changed: int = 0
    overwrites: int = 0
    committed_unconfirmed: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(message)


def integrity(t: Target) -> tuple[bool, str]:
    """The database's own integrity check, from a fresh connection."""
    if t.sqlite_path is not None:
        con = sqlite3.connect(t.sqlite_path)
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        finally:
            con.close()
        return rows == ["ok"], "integrity_check " + "; ".join(rows)[:300]
    engine = create_engine(t.url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT to_regclass('review_audit') IS NOT NULL")).scalar():
                return True, "no table (its creation rolled back)"
            invalid = conn.execute(text(
                "SELECT count(*) FROM pg_index WHERE indrelid = 'review_audit'::regclass AND NOT indisvalid"
            )).scalar()  # fmt: skip
            if invalid:
                return False, f"{invalid} invalid index(es) on review_audit"
            amcheck = conn.execute(text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'amcheck'"
            )).scalar()  # fmt: skip
            if amcheck is None:
                return True, "indexes valid (amcheck not installed)"
            ns = '"' + amcheck.replace('"', '""') + '"'
            try:
                indexes = conn.execute(text(
                    f"SELECT count({ns}.bt_index_check(indexrelid::regclass, true)) FROM pg_index "
                    "WHERE indrelid = 'review_audit'::regclass"
                )).scalar()  # fmt: skip
                heap = conn.execute(text(f"SELECT count(*) FROM {ns}.verify_heapam('review_audit')")).scalar()
            except Exception as exc:  # not granted to this user: said so in the result
                conn.rollback()
                return True, f"indexes valid (amcheck not usable: {type(getattr(exc, 'orig', exc)).__name__})"
            if heap:
                return False, f"amcheck: verify_heapam reports {heap} corruption(s)"
            return True, f"amcheck ok ({indexes} B-tree indexes with heapallindexed, and the heap)"
    finally:
        engine.dispose()


def rows(t: Target, dataset: str = DATASET) -> list[AuditRow]:
    """Every audit row of ``dataset``, read through a fresh connection."""
    engine = create_engine(t.url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            found = session.scalars(select(AuditRow).where(AuditRow.dataset == dataset).order_by(AuditRow.id)).all()
            session.expunge_all()
            return list(found)
    finally:
        engine.dispose()


def _token(row: AuditRow) -> str | None:
    return json.loads(row.detail).get("token") if row.detail else None


def _same(a: Any, b: Any) -> bool:
    """Equal byte for byte (strings compared as their UTF-8 bytes)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.encode("utf-8") == b.encode("utf-8")
    return a == b


COMPARED = ("patient_id", "kind", "target", "action", "new_value", "old_value", "reviewer", "reason",
            "reason_code", "criterion_id", "prev_id", "created_at", "tool_version", "undoes")  # fmt: skip


def check(t: Target, ledgers: list[Path], aborted: Sequence[dict[str, Any]] = (), dataset: str = DATASET) -> Check:
    """Check ``t`` after the faults against the writers' ``ledgers``.

    ``aborted``: the ``flushed`` records of processes killed inside a write
    transaction; nothing of those transactions may be in the log.
    """
    c = Check()
    c.integrity_ok, c.integrity = integrity(t)
    if not c.integrity_ok:
        c.problem(f"integrity: {c.integrity}")
    found = rows(t, dataset)
    c.entries = len(found)
    by_id = {r.id: r for r in found}

    # Every chain is a chain: nothing decided on top of a state it did not follow.
    chains: dict[str, list[AuditRow]] = defaultdict(list)
    for r in found:
        chains[r.chain].append(r)
    for chain, entries in chains.items():
        places = Counter(r.prev_id for r in entries)
        for prev_id, n in places.items():
            if n > 1:
                c.overwrites += 1
                c.problem(f"{n} entries on one place of a chain ({chain!r} after #{prev_id})")
        for before, r in zip([None, *entries], entries, strict=False):
            if r.prev_id != (before.id if before else 0):
                c.overwrites += 1
                c.problem(f"#{r.id} follows #{r.prev_id}, but the entry before it on its chain is "
                          f"{'#' + str(before.id) if before else 'none'}")  # fmt: skip
            if r.action != "undo" and not _same(r.old_value, before.new_value if before else None):
                c.overwrites += 1
                c.problem(f"#{r.id} says it replaced {r.old_value!r}, the value in force was "
                          f"{before.new_value if before else None!r}")  # fmt: skip

    # Every confirmed decision is there, unchanged, where its writer put it.
    tried: set[str] = set()
    confirmed_tokens: set[str] = set()
    for path in ledgers:
        for rec in read_ledger(path):
            if rec.get("t") == "try" and rec.get("token"):
                tried.add(rec["token"])
            if rec.get("t") != "ok":
                continue
            c.confirmed += 1
            row = by_id.get(rec["id"])
            if row is None:
                c.lost += 1
                c.problem(f"LOST: confirmed decision #{rec['id']} ({rec.get('token') or rec['reviewer']}) is not there")
                continue
            c.found += 1
            diff = [k for k in COMPARED if k in rec and not _same(getattr(row, k), rec[k])]
            if "detail" in rec and (json.loads(row.detail) if row.detail else None) != rec["detail"]:
                diff.append("detail")
            if "expected_prev" in rec and row.prev_id != rec["expected_prev"]:
                diff.append("prev_id (not the head the writer saw: a silent overwrite)")
            if diff:
                c.changed += 1
                c.problem(f"CHANGED: #{rec['id']} differs from what the store confirmed in {', '.join(diff)}")
            if rec.get("token"):
                confirmed_tokens.add(rec["token"])

    # Nothing from nowhere, nothing twice; a killed transaction left nothing.
    tokens = Counter(tok for r in found if (tok := _token(r)))
    for tok, n in tokens.items():
        if n > 1:
            c.problem(f"decision {tok} is in the log {n} times")
        if tried and tok not in tried and not tok.startswith("parent#"):
            c.problem(f"decision {tok} is in the log but no writer tried it")
    c.committed_unconfirmed = len(set(tokens) - confirmed_tokens)
    for rec in aborted:
        for tok in rec.get("tokens") or []:
            if tok and tok in tokens:
                c.problem(f"decision {tok} was killed before its commit, yet it is in the log")
        for place in rec.get("rows") or []:
            if any(all(getattr(r, k) == v for k, v in place.items()) for r in found):
                c.problem(f"the decision {place} was killed before its commit, yet it is in the log")
    return c


def accepts_writes(t: Target, ledger: Path, dataset: str = DATASET) -> list[str]:
    """Reopen the store: it records a decision (added to ``ledger``) and still refuses UPDATE/DELETE."""
    problems = []
    store = t.store(dataset)
    try:
        for attempt in range(5):
            token = f"parent#{uuid.uuid4().hex[:10]}"
            head = store.review("SHARED-1").head("comment", PATIENT_TARGET)
            try:
                entry = store.record(reviewer="parent", patient_id="SHARED-1", kind="comment",
                                     target=PATIENT_TARGET, action="comment", new_value=f"after the kill {token}",
                                     reason=token, detail={"token": token}, expected_prev=head)  # fmt: skip
            except ConflictError:  # cannot happen with no writer left; retried to be safe
                if attempt == 4:
                    raise
                continue
            rec = {"t": "ok", "token": token, "expected_prev": head, **entry.to_dict()}
            with ledger.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            break
        if entry.id not in {e.id for e in store.entries("SHARED-1")}:
            problems.append("the reopened store did not keep its own write")
        for statement in ("UPDATE review_audit SET reviewer = 'mallory'", "DELETE FROM review_audit"):
            try:
                with store.engine.begin() as conn:
                    conn.execute(text(statement))
            except Exception as exc:
                if "append-only" not in str(exc):
                    problems.append(f"{statement.split()[0]} failed, but not because of the triggers: {exc}")
            else:
                problems.append(f"{statement.split()[0]} was accepted: the append-only triggers are missing")
    finally:
        store.dispose()
    return problems


# ------------------------------------------------------------------ results (and the README table)


FAULTS: dict[str, tuple[str, str]] = {
    "kill-writers": (
        "SIGKILL of reviewer processes at random points while they write decisions (3 per round), and of one "
        "stopped inside a write transaction (row flushed, not committed); 4 rounds on one database",
        "integrity check ok; every decision the store confirmed is there, byte for byte; the killed "
        "transaction left nothing; the reopened store accepts writes and still refuses UPDATE/DELETE",
    ),
    "kill-first-open": (
        "SIGKILL during the first open of a fresh database, after CREATE TABLE and before the append-only triggers",
        "the next open completes the schema (UPDATE/DELETE refused) and accepts writes",
    ),
    "kill-app": (
        "SIGKILL of the review app (app.py, driven through Streamlit's AppTest) while a reviewer accepts and "
        "rejects evidence and confirms criteria: once at a random point, once inside a write transaction",
        "integrity check ok; every decision the app committed is there; the killed transaction left nothing; "
        "the app reopens the database and records decisions again",
    ),
    "race": (
        "4 reviewer processes open a fresh database at the same instant and write decisions for 30 s, half of "
        "them on the same 12 chains (2 patients), each deciding on the state it last read",
        "every confirmed decision in the audit log (0 lost); 0 silent overwrites (each follows the head its "
        "writer saw, one entry per place on a chain); the losers of each race get ConflictError (> 0)",
    ),
}
BACKEND_LABEL = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL"}


@dataclass
class Result:
    fault: str
    backend: str
    figures: dict[str, Any]
    problems: list[str]

    @property
    def id(self) -> str:
        return f"store-{self.fault}-{self.backend}"

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """The result cell of the README table."""
        f = self.figures
        if self.fault == "kill-writers":
            text = (f"{f['rounds']} rounds, {f['kills']} SIGKILLs ({f['in_call']} inside a store call, "
                    f"{f['in_transaction']} inside a write transaction); {f['confirmed']:,} confirmed decisions: "
                    f"{f['lost']} lost, {f['changed']} changed; {f['integrity']}")  # fmt: skip
        elif self.fault == "kill-first-open":
            reopened = "completed the schema and accepted a write" if self.ok else "did not recover"
            text = f"{f['after_kill']}; the next open {reopened}; {f['integrity']}"
        elif self.fault == "kill-app":
            text = (f"{f['kills']} SIGKILLs ({f['in_transaction']} inside a write transaction); {f['confirmed']:,} "
                    f"decisions the app committed: {f['lost']} lost, {f['changed']} changed; the app reopened "
                    f"and recorded {f['after']:,} more; {f['integrity']}")  # fmt: skip
        else:
            text = (f"{f['writers']} × {f['seconds']:g} s: {f['confirmed']:,} decisions confirmed, {f['found']:,} "
                    f"of them in the log ({f['lost']} lost), {f['overwrites'] + f['changed']} silent overwrites; "
                    f"{f['conflicts']:,} conflicts refused ({f['conflict_rate']:.1%} of attempts), "
                    f"{f['errors']} other errors; {f['integrity']}")  # fmt: skip
        if self.problems:
            return f"❌ {text}; " + "; ".join(p.splitlines()[0] for p in self.problems[:3])
        return f"✅ {text}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ok": self.ok, "figures": self.figures, "problems": self.problems}


def row_cells(fault: str, backend: str) -> tuple[str, str, str]:
    hostile, expected = FAULTS[fault]
    return f"`store-{fault}-{backend}`", f"{BACKEND_LABEL[backend]}: {hostile}", expected


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(results: dict[str, Result], previous: dict[str, str] | None = None) -> str:
    """The README table: measured rows from ``results``, the others kept from ``previous`` (id → result cell)."""
    out = ["| case | fault injected | expected handling | result |", "| --- | --- | --- | --- |"]
    for fault in FAULTS:
        for backend in BACKENDS:
            case, hostile, expected = row_cells(fault, backend)
            rid = f"store-{fault}-{backend}"
            result = results[rid].describe() if rid in results else (previous or {}).get(rid, "not run")
            out.append(f"| {case} | {_cell(hostile)} | {_cell(expected)} | {_cell(result)} |")
    return "\n".join(out)


def parse_table(table: str) -> dict[str, list[str]]:
    """The rows of a table made by :func:`markdown`: id → its four cells."""
    out = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 4:
            out[cells[0].strip("`")] = cells
    return out


def save_json(results: dict[str, Result]) -> None:
    """Merge the results into ``$SLE_ABSTRACT_STORE_FAULTS_JSON`` when that is set."""
    path = os.environ.get("SLE_ABSTRACT_STORE_FAULTS_JSON")
    if not path:
        return
    p = Path(path)
    data = json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
    data.update({rid: r.to_json() for rid, r in results.items()})
    p.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ the scenarios


def kill_writers(t: Target, rounds: int = 4, writers: int = 3, seed: int | None = None) -> Result:
    """Rounds of writers killed at random points, plus one killed inside its write transaction."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    figures = {"seed": seed, "rounds": rounds, "kills": 0, "in_call": 0, "in_transaction": 0}
    ledgers: list[Path] = [t.workdir / "parent.jsonl"]
    aborted: list[dict[str, Any]] = []
    problems: list[str] = []
    for r in range(rounds):
        children = [spawn(t, "writer", f"k{r}w{w}", "--seed", str(rng.randrange(1 << 30))) for w in range(writers)]
        staller: Child | None = None
        ledgers += [c.ledger for c in children]
        try:
            for c in children:
                wait_for(c, lambda rec: rec.get("t") in ("ok", "conflict"))  # writing
            # Started once the others write: stalled, it holds SQLite's write lock until killed.
            staller = spawn(t, "writer", f"k{r}stall", "--seed", str(rng.randrange(1 << 30)),
                            "--stall-after", str(rng.randint(1, 25)))  # fmt: skip
            ledgers.append(staller.ledger)
            aborted.append(wait_for(staller, is_type("flushed")))
            time.sleep(rng.uniform(0, 0.1))
            staller.kill()
            rng.shuffle(children)
            for c in children:
                time.sleep(rng.uniform(0.02, 0.5))
                c.kill()
        finally:
            for c in [*children, *([staller] if staller else [])]:
                c.kill()
        for c in [*children, staller]:
            figures["kills"] += 1
            if c.proc.returncode != -signal.SIGKILL:
                problems.append(f"{c.name} ended with {c.proc.returncode}, not by the SIGKILL:\n{c.output()}")
            last = c.records()[-1]
            figures["in_call"] += last.get("t") in ("try", "flushed")
            figures["in_transaction"] += last.get("t") == "flushed"
        result = check(t, ledgers, aborted)
        problems += [f"round {r + 1}: {p}" for p in result.problems]
        problems += [f"round {r + 1}: {p}" for p in accepts_writes(t, ledgers[0])]
    final = check(t, ledgers, aborted)
    figures |= {"confirmed": final.confirmed, "lost": final.lost, "changed": final.changed + final.overwrites,
                "entries": final.entries, "committed_unconfirmed": final.committed_unconfirmed,
                "integrity": final.integrity}  # fmt: skip
    return Result("kill-writers", t.backend, figures, problems)


def kill_first_open(t: Target) -> Result:
    """Kill the first process to open a fresh database between CREATE TABLE and the triggers."""
    problems: list[str] = []
    child = spawn(t, "writer", "first", "--stall-create")
    try:
        wait_for(child, is_type("created"))
    finally:
        child.kill()
    ok, _ = integrity(t)
    if t.sqlite_path is not None:
        con = sqlite3.connect(t.sqlite_path)
        try:
            triggers = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
            table = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'review_audit'").fetchone()[0]
        finally:
            con.close()
        after_kill = f"killed with the table created and {triggers} of 2 triggers" if table else "killed, no table"
    else:
        engine = create_engine(t.url, poolclass=NullPool)
        with engine.connect() as conn:
            table = conn.execute(text("SELECT to_regclass('review_audit') IS NOT NULL")).scalar()
        engine.dispose()
        after_kill = "killed; the schema DDL rolled back as one transaction" if not table else "killed with a table"
    ledger = t.workdir / "parent.jsonl"
    problems += accepts_writes(t, ledger)
    result = check(t, [ledger])
    problems += result.problems
    if not ok:
        problems.append("integrity check failed right after the kill")
    return Result("kill-first-open", t.backend, {"after_kill": after_kill, "integrity": result.integrity}, problems)


def kill_app(t: Target, results_dir: Path, seed: int | None = None) -> Result:
    """Kill the app while it writes: once at a random point, once inside a write transaction."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    figures: dict[str, Any] = {"seed": seed, "kills": 0, "in_transaction": 0}
    problems: list[str] = []
    ledgers: list[Path] = []
    aborted: list[dict[str, Any]] = []
    runs = (("app-random", ()), ("app-stall", ("--stall-after", str(rng.randint(2, 5)))))
    for name, extra in runs:
        child = spawn(t, "app", name, "--results", str(results_dir), "--seed", str(rng.randrange(1 << 30)), *extra)
        ledgers.append(child.ledger)
        try:
            if extra:
                aborted.append(wait_for(child, is_type("flushed")))
            else:
                wait_for(child, is_type("ok"))
                time.sleep(rng.uniform(0.2, 2.0))
        finally:
            child.kill()
        figures["kills"] += 1
        if child.proc.returncode != -signal.SIGKILL:
            problems.append(f"{name} ended with {child.proc.returncode}, not by the SIGKILL:\n{child.output()}")
        figures["in_transaction"] += child.records()[-1].get("t") == "flushed"
        problems += [f"{name}: {p}" for p in check(t, ledgers, aborted).problems]
    confirmed = check(t, ledgers, aborted).confirmed
    # The app reopens the database after the kills and records decisions again.
    child = spawn(t, "app", "app-after", "--results", str(results_dir), "--seed", str(rng.randrange(1 << 30)),
                  "--duration", "3")  # fmt: skip
    ledgers.append(child.ledger)
    try:
        child.proc.wait(timeout=START_TIMEOUT + 30)
    finally:
        child.kill()
    after = sum(1 for rec in child.records() if rec.get("t") == "ok")
    if child.proc.returncode != 0 or not after:
        problems.append(
            f"the app did not record decisions after the kills ({child.proc.returncode}):\n{child.output()}"
        )
    errors = [rec["error"] for path in ledgers for rec in read_ledger(path) if rec.get("t") == "error"]
    problems += [f"the app showed an exception: {e}" for e in errors[:3]]
    final = check(t, ledgers, aborted)
    problems += final.problems
    figures |= {"confirmed": confirmed, "lost": final.lost, "changed": final.changed + final.overwrites,
                "after": after, "entries": final.entries, "integrity": final.integrity}  # fmt: skip
    return Result("kill-app", t.backend, figures, problems)


def race(t: Target, writers: int = 4, seconds: float = RACE_SECONDS, seed: int | None = None) -> Result:
    """``writers`` processes open a fresh database at once and write for ``seconds``; nothing lost or overwritten."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    start_at = time.time() + 3  # time for every child to import before they all open the store
    children = [spawn(t, "writer", f"r{w}", "--seed", str(rng.randrange(1 << 30)), "--duration", str(seconds),
                      "--start-at", f"{start_at:.3f}") for w in range(writers)]  # fmt: skip
    problems: list[str] = []
    try:
        for c in children:
            c.proc.wait(timeout=seconds + START_TIMEOUT + 60)
    finally:
        for c in children:
            c.kill()
    for c in children:
        if c.proc.returncode != 0:
            problems.append(f"{c.name} failed ({c.proc.returncode}):\n{c.output()}")
    records = [rec for c in children for rec in c.records()]
    kinds = Counter(rec["t"] for rec in records)
    result = check(t, [c.ledger for c in children])
    problems += result.problems
    if result.found != result.confirmed:
        problems.append(f"{result.confirmed - result.found} confirmed decisions lost")
    if not kinds["conflict"]:
        problems.append("no conflicts: the writers never raced (the test proves nothing)")
    errors = [rec["error"] for rec in records if rec["t"] == "error"]
    problems += [f"error: {e}" for e in sorted(set(errors))[:3]]
    attempts = kinds["ok"] + kinds["conflict"] + kinds["error"]
    figures = {
        "seed": seed, "writers": writers, "seconds": seconds, "confirmed": result.confirmed, "found": result.found,
        "lost": result.lost, "changed": result.changed, "overwrites": result.overwrites,
        "committed_unconfirmed": result.committed_unconfirmed, "entries": result.entries, "conflicts": kinds["conflict"], "errors": len(errors),
        "conflict_rate": kinds["conflict"] / attempts if attempts else 0.0,
        "per_second": result.confirmed / seconds, "integrity": result.integrity,
    }  # fmt: skip
    return Result("race", t.backend, figures, problems)


SCENARIOS = ("kill-writers", "kill-first-open", "kill-app", "race")


def run_all(workdir: Path, results_dir: Path, backends: tuple[str, ...] = BACKENDS) -> dict[str, Result]:
    """Every scenario on every available backend (what ``table.py --store`` runs)."""
    out: dict[str, Result] = {}
    for backend in backends:
        if backend == "postgresql" and pg_unavailable():
            continue
        for fault in SCENARIOS:
            with target(backend, workdir / f"{backend}-{fault}") as t:
                if fault == "kill-writers":
                    r = kill_writers(t)
                elif fault == "kill-first-open":
                    r = kill_first_open(t)
                elif fault == "kill-app":
                    r = kill_app(t, results_dir)
                else:
                    r = race(t)
            print(f"{r.id}: {r.describe()}", file=sys.stderr)
            out[r.id] = r
    return out
