"""The review store: append-only audit log, derived state, undo, conflicts, locking; exports; agreement."""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from nlp.records import CRITERION_IDS
from nlp.review.agreement import disagreements, kappa_table
from nlp.review.export import abstraction_rows, gold_records, to_csv, to_jsonl, write_gold
from nlp.review.passwords import check_login, hash_password, verify_password
from nlp.review.results import Results, load_notes
from nlp.review.settings import default_db_url, parse_settings, redact_url
from nlp.review.store import PATIENT_TARGET, ConflictError, LockedError, ReviewError, ReviewStore

# SLE_ABSTRACT_TEST_PG_URL=postgresql+psycopg://user@127.0.0.1:5432/db runs the store tests on PostgreSQL too.
PG_URL = os.environ.get("SLE_ABSTRACT_TEST_PG_URL")


@pytest.fixture(params=["sqlite", *(["postgresql"] if PG_URL else [])])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ReviewStore:
    if request.param == "sqlite":
        s = ReviewStore(f"sqlite:///{tmp_path / 'review.sqlite'}", tool_version="0.1.0")
    else:  # one database, a fresh dataset per test
        s = ReviewStore(PG_URL, dataset=uuid.uuid4().hex, tool_version="0.1.0")
    yield s
    s.dispose()


def confirm(store: ReviewStore, reviewer: str, pid: str, cid: str, value: str = "met", **kw) -> object:
    head = store.review(pid).head("criterion", cid)
    return store.record(
        reviewer=reviewer,
        patient_id=pid,
        kind="criterion",
        target=cid,
        criterion_id=cid,
        action="override" if kw.get("reason_code") else "confirm",
        new_value=value,
        expected_prev=head,
        **kw,
    )


# ------------------------------------------------------------------ audit log


def test_decision_is_stored_with_reviewer_time_version_old_and_new(store: ReviewStore) -> None:
    e1 = confirm(store, "ana", "P1", "sle_diagnosis", "met")
    e2 = confirm(store, "ana", "P1", "sle_diagnosis", "not_met", reason_code="Other", reason="biopsy says otherwise")
    assert (e1.reviewer, e1.tool_version, e1.old_value, e1.new_value) == ("ana", "0.1.0", None, "met")
    assert (e2.old_value, e2.new_value, e2.reason_code, e2.reason) == (
        "met",
        "not_met",
        "Other",
        "biopsy says otherwise",
    )
    assert e1.created_at.endswith("Z") and "T" in e1.created_at
    assert store.review("P1").criterion("sle_diagnosis").new_value == "not_met"


@pytest.mark.parametrize("statement", ["UPDATE review_audit SET reviewer = 'mallory'", "DELETE FROM review_audit"])
def test_database_refuses_to_rewrite_history(store: ReviewStore, statement: str) -> None:
    confirm(store, "ana", "P1", "sle_diagnosis")
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert [e.reviewer for e in store.entries()] == ["ana"]


def test_sqlite_runs_in_wal_mode_with_busy_timeout(store: ReviewStore) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "override", "new_value": "not_met"}, "needs a reason"),
        ({"action": "override", "new_value": "not_met", "reason_code": "Other"}, "Describe the reason"),
        ({"action": "confirm", "new_value": "maybe"}, "met, not_met or unknown"),
        ({"action": "delete", "new_value": "met"}, "Unknown decision"),
    ],
    ids=["override-without-reason", "other-without-text", "bad-status", "unknown-action"],
)
def test_invalid_decisions_are_refused(store: ReviewStore, kwargs: dict, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        store.record(
            reviewer="ana", patient_id="P1", kind="criterion", target="sle_diagnosis", expected_prev=0, **kwargs
        )
    assert store.entries() == []


@pytest.mark.parametrize("name", ["", "   ", "a\x00b", "x" * 200])
def test_reviewer_identity_is_required(store: ReviewStore, name: str) -> None:
    with pytest.raises(ReviewError, match="reviewer name"):
        confirm(store, name, "P1", "sle_diagnosis")


# ------------------------------------------------------------------ conflicts


def test_second_reviewer_on_a_stale_view_is_told_and_sees_the_first_decision(store: ReviewStore) -> None:
    seen_by_bob = store.review("P1").head("criterion", "sle_diagnosis")  # both open the patient
    confirm(store, "ana", "P1", "sle_diagnosis", "met")
    with pytest.raises(ConflictError) as exc:
        store.record(
            reviewer="bob",
            patient_id="P1",
            kind="criterion",
            target="sle_diagnosis",
            criterion_id="sle_diagnosis",
            action="override",
            new_value="not_met",
            reason_code="Protocol interpretation",
            expected_prev=seen_by_bob,
        )
    assert exc.value.current is not None and exc.value.current.reviewer == "ana"
    assert store.review("P1").criterion("sle_diagnosis").reviewer == "ana"
    # Having seen it, bob may decide on top of it: a deliberate second decision.
    confirm(store, "bob", "P1", "sle_diagnosis", "not_met", reason_code="Protocol interpretation")
    assert store.review("P1").criterion("sle_diagnosis").reviewer == "bob"


def test_racing_writers_cannot_both_win(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    stores = [ReviewStore(url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def write(i: int) -> None:
        barrier.wait()
        try:
            stores[i].record(
                reviewer=f"r{i}", patient_id="P1", kind="criterion", target="age_18_or_older",
                criterion_id="age_18_or_older", action="confirm", new_value="met", expected_prev=0,
            )  # fmt: skip
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1 and outcomes.count("conflict") == len(stores) - 1
    assert len(stores[0].entries()) == 1


# ------------------------------------------------------------------ undo and locking


def test_undo_walks_back_the_reviewers_own_decisions(store: ReviewStore) -> None:
    confirm(store, "ana", "P1", "sle_diagnosis", "met")
    confirm(store, "ana", "P1", "sle_diagnosis", "not_met", reason_code="Other", reason="x")
    u1 = store.undo_last("ana", "P1")
    assert u1 is not None and (u1.old_value, u1.new_value) == ("not_met", "met")
    assert store.review("P1").criterion("sle_diagnosis").new_value == "met"
    store.undo_last("ana", "P1")
    assert store.review("P1").criterion("sle_diagnosis") is None
    assert store.undo_last("ana", "P1") is None
    assert [e.action for e in store.entries()] == ["confirm", "override", "undo", "undo"]  # nothing removed


def test_undo_never_takes_back_someone_elses_decision(store: ReviewStore) -> None:
    confirm(store, "ana", "P1", "sle_diagnosis", "met")
    assert store.undo_last("bob", "P1") is None
    assert store.review("P1").criterion("sle_diagnosis").reviewer == "ana"


def test_locked_record_refuses_changes_until_unlocked_with_a_reason(store: ReviewStore) -> None:
    lock = lambda action, head, reason=None: store.record(  # noqa: E731
        reviewer="ana", patient_id="P1", kind="lock", target=PATIENT_TARGET, action=action,
        new_value=action + "ed", reason=reason, expected_prev=head,
    )  # fmt: skip
    lock("lock", 0)
    assert store.review("P1").locked
    with pytest.raises(LockedError):
        confirm(store, "bob", "P1", "sle_diagnosis")
    with pytest.raises(ReviewError, match="reason"):
        lock("unlock", store.review("P1").head("lock", PATIENT_TARGET))
    lock("unlock", store.review("P1").head("lock", PATIENT_TARGET), "new lab result arrived")
    confirm(store, "bob", "P1", "sle_diagnosis")
    assert not store.review("P1").locked


def test_a_decision_racing_a_lock_waits_for_it_and_is_refused(store: ReviewStore) -> None:
    """A lock still being committed cannot be slipped past: the decision waits, then sees it."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    flushed, release = threading.Event(), threading.Event()
    threads: dict[str, threading.Thread] = {}

    def _hold(session: Session, _ctx: object) -> None:
        if threading.current_thread() is threads.get("locker"):
            flushed.set()
            release.wait(10)

    outcome: dict[str, object] = {}

    def lock() -> None:
        store.record(reviewer="ana", patient_id="P1", kind="lock", target=PATIENT_TARGET, action="lock",
                     expected_prev=0)  # fmt: skip

    def decide() -> None:
        try:
            outcome["entry"] = confirm(store, "ben", "P1", "sle_diagnosis")
        except Exception as exc:
            outcome["error"] = exc

    event.listen(Session, "after_flush", _hold)
    try:
        locking = threads["locker"] = threading.Thread(target=lock)
        locking.start()
        assert flushed.wait(10), "the lock transaction never reached its flush"
        deciding = threading.Thread(target=decide)
        deciding.start()
        deciding.join(0.5)
        assert deciding.is_alive(), f"the decision did not wait for the uncommitted lock: {outcome}"
        release.set()
        locking.join(10)
        deciding.join(10)
    finally:
        release.set()
        event.remove(Session, "after_flush", _hold)
    assert isinstance(outcome.get("error"), LockedError), outcome
    assert store.review("P1").locked and store.review("P1").criterion("sle_diagnosis") is None


def test_review_status_follows_decisions(store: ReviewStore) -> None:
    assert store.review("P1").status() == "not_started"
    confirm(store, "ana", "P1", "sle_diagnosis")
    assert store.review("P1").status() == "in_progress"
    store.record(
        reviewer="ana", patient_id="P1", kind="determination", target=PATIENT_TARGET, action="determine",
        new_value="eligible", expected_prev=0,
    )  # fmt: skip
    assert store.review("P1").status() == "done"


def test_datasets_sharing_a_database_do_not_see_each_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    a, b = ReviewStore(url, dataset="site-a"), ReviewStore(url, dataset="site-b")
    confirm(a, "ana", "P1", "sle_diagnosis")
    assert b.entries() == [] and len(a.entries()) == 1


# ------------------------------------------------------------------ exports


def _results(tmp_path: Path) -> Results:
    """A two-patient results set with notes on disk."""
    notes = tmp_path / "notes.jsonl"
    text1 = "Dx: SLE since 2016. Denies pregnancy."
    records = [
        {"patient_id": "P1", "note_id": "N1", "note_date": "2025-01-02", "note_type": "Clinic", "text": text1},
        {
            "patient_id": "P2",
            "note_id": "N1",
            "note_date": "2025-01-03",
            "note_type": "Clinic",
            "text": "=cmd|' /C calc'!A0",
        },
    ]
    notes.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ev = {
        "evidence_id": "ev-1", "patient_id": "P1", "note_id": "N1", "note_date": "2025-01-02",
        "criterion_id": "sle_diagnosis", "concept": "sle", "text": "SLE", "start": 4, "end": 7,
        "section": None, "sentence": "Dx: SLE since 2016.", "is_negated": False, "is_historical": False,
        "is_hypothetical": False, "is_family": False, "is_uncertain": False, "value": None, "supports": True,
    }  # fmt: skip
    criteria = {cid: {"status": "unknown", "evidence_ids": [], "rationale": "r"} for cid in CRITERION_IDS}
    p1 = {"patient_id": "P1", "screening_date": "2025-01-02", "eligibility": "needs_review",
          "criteria": {**criteria, "sle_diagnosis": {"status": "met", "evidence_ids": ["ev-1"], "rationale": "SLE"}},
          "antibodies": {"anti_dsdna": "not_found", "anti_histone": "not_found", "anti_chromatin": "not_found",
                         "anti_sm": "not_found"}}  # fmt: skip
    p2 = {**p1, "patient_id": "P2", "criteria": criteria}
    return Results(tmp_path, {"tool_version": "0.1.0", "inputs": [str(notes)]}, {"P1": p1, "P2": p2}, {"ev-1": ev})


def _finish_p1(store: ReviewStore) -> None:
    review = store.review("P1")
    store.record(reviewer="ana", patient_id="P1", kind="evidence", target="ev-1", criterion_id="sle_diagnosis",
                 action="accept", new_value="accepted", expected_prev=review.head("evidence", "ev-1"))  # fmt: skip
    for cid in CRITERION_IDS:
        value = "not_met" if cid == "pregnant_or_lactating" else ("met" if cid == "sle_diagnosis" else "unknown")
        kw = {"reason_code": "Evidence the tool missed"} if cid == "pregnant_or_lactating" else {}
        confirm(store, "ana", "P1", cid, value, **kw)
    text1 = "Dx: SLE since 2016. Denies pregnancy."
    start = text1.index("Denies pregnancy")
    store.record(
        reviewer="ana", patient_id="P1", kind="added_evidence", target="rv-1", criterion_id="pregnant_or_lactating",
        action="add", new_value="added", expected_prev=0,
        detail={"note_id": "N1", "start": start, "end": start + 16, "text": "Denies pregnancy", "concept": "pregnancy",
                "supports": False, "is_negated": True},
    )  # fmt: skip
    store.record(reviewer="ana", patient_id="P1", kind="determination", target=PATIENT_TARGET, action="determine",
                 new_value="ineligible", expected_prev=0)  # fmt: skip


def test_abstraction_rows_carry_tool_and_reviewer_status_and_evidence(store: ReviewStore, tmp_path: Path) -> None:
    results = _results(tmp_path)
    _finish_p1(store)
    rows = abstraction_rows(results, store.reviews())
    assert len(rows) == 2 * len(CRITERION_IDS)
    sle = next(r for r in rows if r["patient_id"] == "P1" and r["criterion_id"] == "sle_diagnosis")
    assert (sle["tool_status"], sle["reviewer_status"], sle["reviewer"]) == ("met", "met", "ana")
    assert [e["evidence_id"] for e in sle["evidence_accepted"]] == ["ev-1"]
    preg = next(r for r in rows if r["patient_id"] == "P1" and r["criterion_id"] == "pregnant_or_lactating")
    assert (preg["decision"], preg["reason_code"]) == ("override", "Evidence the tool missed")
    assert preg["evidence_added"][0]["text"] == "Denies pregnancy"
    assert all(json.loads(line) for line in to_jsonl(rows).splitlines())
    csv_text = to_csv(rows)
    assert csv_text.splitlines()[0].startswith("patient_id,criterion_id,kind,tool_status,reviewer_status")


def test_csv_cells_that_look_like_formulas_are_neutralised(store: ReviewStore, tmp_path: Path) -> None:
    rows = [{"patient_id": '=HYPERLINK("x")', "reason": "+1", "criterion_id": "a"}]
    out = to_csv(rows, ["patient_id", "criterion_id", "reason"])
    assert "'=HYPERLINK" in out and "'+1" in out


def test_gold_export_follows_the_annotations_format(store: ReviewStore, tmp_path: Path) -> None:
    results = _results(tmp_path)
    _finish_p1(store)
    gold = gold_records(results, store.reviews())
    assert [g["patient_id"] for g in gold] == ["P1"]  # P2 is not finished
    g = gold[0]
    assert set(g) >= {"patient_id", "screening_date", "criteria", "antibodies", "eligibility", "mentions"}
    assert set(g["criteria"]) == set(CRITERION_IDS)
    assert g["eligibility"] == "needs_review"  # contract rule over the reviewed statuses (unknowns left)
    notes = load_notes(results.input_paths()[0])
    for m in g["mentions"]:
        assert notes[("P1", m["note_id"])].text[m["start"] : m["end"]] == m["text"]
    assert {m["criterion_id"] for m in g["mentions"]} == {"sle_diagnosis", "pregnant_or_lactating"}
    out = tmp_path / "gold"
    assert write_gold(out, results, store.reviews(), notes) == 1
    assert [json.loads(x)["patient_id"] for x in (out / "notes.jsonl").read_text(encoding="utf-8").splitlines()] == [
        "P1"
    ]


# ------------------------------------------------------------------ agreement


def test_kappa_per_criterion_and_disagreements(store: ReviewStore) -> None:
    labels_a = ["met", "met", "not_met", "not_met", "unknown", "met"]
    labels_b = ["met", "not_met", "not_met", "not_met", "unknown", "met"]
    for i, (a, b) in enumerate(zip(labels_a, labels_b, strict=True)):
        pid = f"P{i}"
        confirm(store, "ana", pid, "sle_diagnosis", a)
        confirm(store, "bob", pid, "sle_diagnosis", b)
    rows = kappa_table(store.reviews())
    assert len(rows) == 1
    row = rows[0]
    assert (row.criterion_id, row.reviewer_a, row.reviewer_b, row.n) == ("sle_diagnosis", "ana", "bob", 6)
    assert row.observed == pytest.approx(5 / 6)
    from sklearn.metrics import cohen_kappa_score

    assert row.kappa == pytest.approx(cohen_kappa_score(labels_a, labels_b))
    dis = disagreements(store.reviews())
    assert [(d.patient_id, d.status_a, d.status_b, d.current) for d in dis] == [("P1", "met", "not_met", "not_met")]


def test_kappa_is_undefined_without_variation(store: ReviewStore) -> None:
    for pid in ("P1", "P2"):
        confirm(store, "ana", pid, "age_18_or_older", "met")
        confirm(store, "bob", pid, "age_18_or_older", "met")
    (row,) = kappa_table(store.reviews())
    assert row.observed == 1.0 and row.kappa is None


# ------------------------------------------------------------------ settings and passwords


def test_settings_from_arguments_then_environment(tmp_path: Path) -> None:
    s = parse_settings(["--results", str(tmp_path)], {"SLE_ABSTRACT_RESULTS": "/elsewhere"})
    assert s.results_dir == tmp_path.resolve() and s.db_url is None and s.dataset == "default"
    assert s.db_url_for(s.results_dir) == default_db_url(tmp_path)
    s = parse_settings([], {"SLE_ABSTRACT_RESULTS": str(tmp_path), "SLE_ABSTRACT_DB_URL": "postgresql://u:pw@h/db"})
    assert s.results_dir == tmp_path.resolve() and s.dataset == tmp_path.name
    assert redact_url(s.db_url) == "postgresql://u:***@h/db"


def test_password_file(tmp_path: Path) -> None:
    encoded = hash_password("correct horse", iterations=1000)
    assert verify_password("correct horse", encoded) and not verify_password("wrong", encoded)
    f = tmp_path / "reviewers.passwd"
    f.write_text(f"# reviewers\nana:{encoded}\n", encoding="utf-8")
    assert check_login(f, "ana", "correct horse")
    assert not check_login(f, "ana", "nope") and not check_login(f, "bob", "correct horse")
