"""A reviewer process for the review store's crash and concurrency tests (``tests/test_store_crash.py``).

Run as a script by those tests (``python tests/store_writer.py MODE ...``)::

    writer  record decisions through the public ReviewStore API, as fast as it can
    app     drive the review UI (``app.py`` through Streamlit's AppTest) so the app itself writes

Every decision goes to a per-process *ledger* (JSON lines, ``O_APPEND``):
``try`` before the call; ``ok`` only after the store returned (or, for the
app, after the database commit returned), written and ``fsync``-ed before the
next decision, so the ledger lists only decisions the store confirmed;
``conflict`` for a :class:`ConflictError`, ``error`` for anything else.
Each writer decision carries a unique token in its reason and detail.

Fault hooks (SQLAlchemy events inside this process, nothing in the store):
``--stall-after N`` stops inside the N-th write transaction, after the row
is flushed and before the commit, and writes a ``flushed`` line, so a
SIGKILL then lands mid-transaction for certain; ``--stall-create`` stops
while the first open creates the schema, after ``CREATE TABLE`` and before
the append-only triggers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from nlp.review.store import (
    DETERMINATIONS,
    OVERRIDE_REASONS,
    PATIENT_TARGET,
    STATUSES,
    AuditRow,
    ConflictError,
    ReviewStore,
)

SHARED_PATIENTS = ("SHARED-1", "SHARED-2")
"""Patients every writer decides on (their chains are where the races are)."""
TARGETS = (
    ("evidence", "ev-1"),
    ("evidence", "ev-2"),
    ("criterion", "sle_diagnosis"),
    ("criterion", "age_18_or_older"),
    ("determination", PATIENT_TARGET),
    ("comment", PATIENT_TARGET),
)
OWN_PATIENTS = 4
SPICE = ("é ✓ 日本 “quoted” 'single' \\ back\u2028sep", "naïve – 💊", "tab\there", "plain")
"""Non-ASCII, quotes, a backslash, a tab and U+2028, so byte-for-byte comparison means something."""


class Ledger:
    """Append-only JSON lines; ``confirm`` fsyncs before returning."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: dict[str, Any], sync: bool = False) -> None:
        os.write(self.fd, (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        if sync:
            os.fsync(self.fd)


def _stall(ledger: Ledger, record: dict[str, Any]) -> None:
    ledger.write(record, sync=True)
    time.sleep(3600)  # until the test kills this process
    os._exit(3)  # never reached in the tests: the kill comes first


def install_stall_after(ledger: Ledger, n: int) -> None:
    """Stop inside the ``n``-th transaction that inserts an audit row, after the flush, before the commit."""
    flushes = [0]

    @event.listens_for(Session, "after_flush")
    def _after_flush(session: Session, _ctx: Any) -> None:
        rows = [o for o in session.new if isinstance(o, AuditRow)]
        if not rows:
            return
        flushes[0] += 1
        if flushes[0] == n:
            tokens = [json.loads(r.detail).get("token") if r.detail else None for r in rows]
            places = [{k: getattr(r, k) for k in ("reviewer", "patient_id", "kind", "target", "prev_id")} for r in rows]
            _stall(ledger, {"t": "flushed", "tokens": tokens, "rows": places, "pid": os.getpid()})


def install_stall_create(ledger: Ledger) -> None:
    """Stop while the schema is created: after CREATE TABLE (and its indexes), before the triggers."""
    event.listen(
        AuditRow.__table__,
        "after_create",
        lambda *_a, **_k: _stall(ledger, {"t": "created", "pid": os.getpid()}),
        insert=True,  # before the store's own after_create listeners (the triggers)
    )


# ------------------------------------------------------------------ writer mode


def decision(rng: random.Random, kind: str, token: str) -> dict[str, Any]:
    """Keyword arguments of one random, valid decision of ``kind`` carrying ``token``."""
    reason = f"{token} {rng.choice(SPICE)}"
    kw: dict[str, Any] = {"reason": reason, "detail": {"token": token}}
    if kind == "evidence":
        action = rng.choice(("accept", "reject"))
        kw |= {"action": action, "new_value": action + "ed", "criterion_id": "sle_diagnosis"}
    elif kind == "criterion":
        if rng.random() < 0.5:
            kw |= {"action": "confirm", "new_value": rng.choice(STATUSES)}
        else:
            kw |= {"action": "override", "new_value": rng.choice(STATUSES), "reason_code": rng.choice(OVERRIDE_REASONS)}
    elif kind == "determination":
        kw |= {"action": "determine", "new_value": rng.choice(DETERMINATIONS)}
    else:
        kw |= {"action": "comment", "new_value": f"comment {token} {rng.choice(SPICE)}"}
    return kw


def run_writer(args: argparse.Namespace) -> int:
    ledger = Ledger(args.ledger)
    rng = random.Random(args.seed)
    if args.stall_create:
        install_stall_create(ledger)
    if args.stall_after:
        install_stall_after(ledger, args.stall_after)
    while time.time() < args.start_at:  # every writer opens the store at the same instant
        time.sleep(0.001)
    store = ReviewStore(args.url, dataset=args.dataset, tool_version="crash-test")
    ledger.write({"t": "open", "pid": os.getpid()}, sync=True)
    deadline = time.monotonic() + args.duration if args.duration else float("inf")
    counts = {"ok": 0, "conflict": 0, "error": 0}
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        token = f"{args.name}#{seq}"
        if rng.random() < args.shared:
            pid = rng.choice(SHARED_PATIENTS)
        else:
            pid = f"{args.name}-P{rng.randrange(OWN_PATIENTS)}"
        kind, target = rng.choice(TARGETS)
        kw = decision(rng, kind, token)
        try:
            head = store.review(pid).head(kind, target)  # what the reviewer sees
            ledger.write({"t": "try", "token": token, "patient_id": pid, "kind": kind, "target": target,
                          "expected_prev": head})  # fmt: skip
            if args.think:
                time.sleep(rng.random() * args.think)  # the reviewer thinks; others may decide meanwhile
            entry = store.record(reviewer=args.name, patient_id=pid, kind=kind, target=target,
                                 expected_prev=head, **kw)  # fmt: skip
        except ConflictError as exc:
            counts["conflict"] += 1
            ledger.write({"t": "conflict", "token": token, "current": exc.current.id if exc.current else None})
            continue
        except Exception as exc:  # reported, never silent: the test counts them
            counts["error"] += 1
            ledger.write({"t": "error", "token": token, "error": f"{type(exc).__name__}: {exc}"[:500]}, sync=True)
            time.sleep(0.01)
            continue
        counts["ok"] += 1
        ledger.write({"t": "ok", "token": token, "expected_prev": head, **entry.to_dict()}, sync=True)
    store.dispose()
    print(json.dumps(counts))
    return 0


# ------------------------------------------------------------------ app mode


def run_app(args: argparse.Namespace) -> int:
    """Review in the real app (``app.py`` through AppTest) until killed; the ledger comes from the commits."""
    from streamlit.testing.v1 import AppTest

    ledger = Ledger(args.ledger)
    rng = random.Random(args.seed)
    if args.stall_after:
        install_stall_after(ledger, args.stall_after)

    @event.listens_for(Session, "after_flush")
    def _keep(session: Session, _ctx: Any) -> None:
        session.info.setdefault("audit_rows", []).extend(o for o in session.new if isinstance(o, AuditRow))

    @event.listens_for(Session, "after_commit")
    def _committed(session: Session) -> None:  # the database confirmed the transaction
        for row in session.info.pop("audit_rows", []):
            ledger.write({"t": "ok", "id": row.id, "patient_id": row.patient_id, "kind": row.kind,
                          "target": row.target, "action": row.action, "new_value": row.new_value,
                          "reviewer": row.reviewer, "prev_id": row.prev_id}, sync=True)  # fmt: skip

    @event.listens_for(Session, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("audit_rows", None)

    os.environ.update(
        SLE_ABSTRACT_RESULTS=str(args.results),
        SLE_ABSTRACT_DB_URL=args.url,
        SLE_ABSTRACT_DATASET=args.dataset,
        SLE_ABSTRACT_WORKDIR=str(Path(args.ledger).parent / "uploads"),
    )
    os.environ.pop("SLE_ABSTRACT_PASSWORDS", None)
    patients = sorted({json.loads(line)["patient_id"] for line in
                       (Path(args.results) / "patients.jsonl").read_text(encoding="utf-8").splitlines()})  # fmt: skip
    app = str(Path(__file__).resolve().parents[1] / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.session_state["reviewer"] = args.name
    at.session_state["nav"] = "patient"
    at.session_state["patient"] = patients[0]
    at.run()
    ledger.write({"t": "open", "pid": os.getpid()}, sync=True)
    deadline = time.monotonic() + args.duration if args.duration else float("inf")
    while time.monotonic() < deadline:
        keys = [b.key for b in at.button if b.key]
        decide = [k for k in keys if k.startswith(("pv-acc-", "pv-rej-", "pv-confirm-")) and k != "pv-confirm-rest"]
        focus = [k for k in keys if k.startswith("pv-focus-")]
        roll = rng.random()
        if roll < 0.1 or not (decide or focus):  # another patient
            at.session_state["patient"] = rng.choice(patients)
            at.run()
        elif roll < 0.3 and focus:  # another criterion of this patient
            at.button(key=rng.choice(focus)).click().run()
        else:  # a decision: accept or reject an evidence item, confirm a criterion
            key = rng.choice(decide)
            ledger.write({"t": "try", "patient_id": at.session_state["patient"], "button": key})
            at.button(key=key).click().run()
        if at.exception:
            ledger.write({"t": "error", "error": str(at.exception)[:500]}, sync=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("writer", "app"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--dataset", default="default")
    parser.add_argument("--ledger", type=Path, required=True)
    parser.add_argument("--name", required=True, help="reviewer name, also the token prefix")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=float, default=0, help="seconds; 0 = until killed")
    parser.add_argument("--start-at", type=float, default=0, help="epoch time to open the store at")
    parser.add_argument("--shared", type=float, default=0.5, help="share of decisions on the shared patients")
    parser.add_argument("--think", type=float, default=0.002, help="longest pause between reading and deciding (s)")
    parser.add_argument("--stall-after", type=int, default=0, help="stop inside the N-th write transaction")
    parser.add_argument("--stall-create", action="store_true", help="stop between CREATE TABLE and the triggers")
    parser.add_argument("--results", type=Path, help="results directory (app mode)")
    args = parser.parse_args(argv)
    return run_writer(args) if args.mode == "writer" else run_app(args)


if __name__ == "__main__":
    sys.exit(main())
