"""Exports of the reviewed abstraction.

- :func:`abstraction_rows` / :func:`to_csv` / :func:`to_jsonl`: one row per
  patient and criterion with the tool's status, the reviewer's status and
  who decided when and why, and the evidence (tool evidence with the
  reviewer's accept/reject, and evidence reviewers added).
- :func:`gold_records`: finished patients as gold annotations in the
  ``annotations/`` format (``annotations/FORMAT.md``), so the evaluator can
  score the tool against reviewers' judgement; :func:`write_gold` writes
  ``gold.jsonl`` and the matching ``notes.jsonl``.
- :func:`audit_rows`: the audit log itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nlp.criteria import eligibility
from nlp.records import CRITERION_IDS, CRITERION_KIND, CriterionResult, NoteRecord
from nlp.review.results import Results
from nlp.review.store import Entry, PatientReview

QUALIFIERS = ("is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain")

ABSTRACTION_FIELDS = (
    "patient_id",
    "criterion_id",
    "kind",
    "tool_status",
    "reviewer_status",
    "decision",
    "reviewer",
    "decided_at",
    "reason_code",
    "reason",
    "tool_version",
    "tool_rationale",
    "evidence_accepted",
    "evidence_rejected",
    "evidence_unreviewed",
    "evidence_added",
    "final_determination",
    "patient_comment",
    "review_status",
)


def _evidence_ref(ev: dict[str, Any], decision: str | None) -> dict[str, Any]:
    return {
        "evidence_id": ev["evidence_id"],
        "note_id": ev["note_id"],
        "start": ev["start"],
        "end": ev["end"],
        "text": ev["text"],
        "decision": decision,
    }


def _added_ref(entry: Entry) -> dict[str, Any]:
    d = entry.detail or {}
    return {
        "added_id": entry.target,
        "note_id": d.get("note_id"),
        "start": d.get("start"),
        "end": d.get("end"),
        "text": d.get("text"),
        "supports": d.get("supports"),
        "reviewer": entry.reviewer,
    }


def abstraction_rows(results: Results, reviews: dict[str, PatientReview]) -> list[dict[str, Any]]:
    """One row per patient and criterion (lists and objects left as such; see :func:`to_csv`)."""
    rows = []
    for pid, patient in results.patients.items():
        review = reviews.get(pid) or PatientReview(pid)
        det = review.determination
        comment = review.comment
        for cid in CRITERION_IDS:
            crit = patient["criteria"][cid]
            decision = review.criterion(cid)
            accepted, rejected, unreviewed = [], [], []
            for ev in results.evidence_for(pid, cid):
                d = review.evidence(ev["evidence_id"])
                ref = _evidence_ref(ev, d.action if d else None)
                (accepted if d and d.action == "accept" else rejected if d else unreviewed).append(ref)
            rows.append(
                {
                    "patient_id": pid,
                    "criterion_id": cid,
                    "kind": CRITERION_KIND[cid],
                    "tool_status": crit["status"],
                    "reviewer_status": decision.new_value if decision else None,
                    "decision": decision.action if decision else None,
                    "reviewer": decision.reviewer if decision else None,
                    "decided_at": decision.created_at if decision else None,
                    "reason_code": decision.reason_code if decision else None,
                    "reason": decision.reason if decision else None,
                    "tool_version": results.tool_version,
                    "tool_rationale": crit.get("rationale"),
                    "evidence_accepted": accepted,
                    "evidence_rejected": rejected,
                    "evidence_unreviewed": unreviewed,
                    "evidence_added": [_added_ref(e) for e in review.added(cid)],
                    "final_determination": det.new_value if det else None,
                    "patient_comment": comment.new_value if comment else None,
                    "review_status": review.status(),
                }
            )
    return rows


def _spreadsheet_safe(value: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return _spreadsheet_safe(json.dumps(value, ensure_ascii=False))
        return ";".join(str(v) for v in value)
    return _spreadsheet_safe(str(value))


def to_csv(rows: Iterable[dict[str, Any]], fields: Iterable[str] = ABSTRACTION_FIELDS) -> str:
    """Rows as CSV text; list columns hold JSON, formula-like cells are quoted for spreadsheets."""
    fields = list(fields)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fields})
    return buf.getvalue()


def to_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as JSON Lines."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def gold_records(results: Results, reviews: dict[str, PatientReview]) -> list[dict[str, Any]]:
    """Finished patients (final determination, all 8 criteria decided) in the ``annotations/`` format.

    Criterion statuses are the reviewers' decisions; ``eligibility`` follows
    the contract's rule over them; ``mentions`` are the accepted tool
    evidence and the evidence reviewers added; ``antibodies`` are the tool's
    (reviewers do not review them); ``notes`` carries the reviewers' final
    determination and comment.
    """
    out = []
    for pid, patient in results.patients.items():
        review = reviews.get(pid)
        if review is None or review.status() != "done":
            continue
        decisions = {cid: review.criterion(cid) for cid in CRITERION_IDS}
        if any(d is None for d in decisions.values()):
            continue
        statuses = {cid: d.new_value for cid, d in decisions.items()}  # type: ignore[union-attr]
        mentions = []
        for cid in CRITERION_IDS:
            for ev in results.evidence_for(pid, cid):
                d = review.evidence(ev["evidence_id"])
                if d is not None and d.action == "accept":
                    mentions.append(
                        {
                            "note_id": ev["note_id"],
                            "start": ev["start"],
                            "end": ev["end"],
                            "text": ev["text"],
                            "criterion_id": cid,
                            "concept": ev["concept"],
                            **{q: bool(ev.get(q)) for q in QUALIFIERS},
                            "supports": bool(ev.get("supports")),
                        }
                    )
            for added in review.added(cid):
                d = added.detail or {}
                mentions.append(
                    {
                        "note_id": d["note_id"],
                        "start": d["start"],
                        "end": d["end"],
                        "text": d["text"],
                        "criterion_id": cid,
                        "concept": d.get("concept") or "reviewer_added",
                        **{q: bool(d.get(q)) for q in QUALIFIERS},
                        "supports": bool(d.get("supports")),
                    }
                )
        det = review.determination
        comment = review.comment
        note_parts = [f"Reviewer determination: {det.new_value} ({det.reviewer}, {det.created_at})."]  # type: ignore[union-attr]
        if comment and comment.new_value:
            note_parts.append(comment.new_value)
        out.append(
            {
                "patient_id": pid,
                "screening_date": patient["screening_date"],
                "criteria": statuses,
                "antibodies": dict(patient.get("antibodies", {})),
                "eligibility": eligibility({cid: CriterionResult(s, "") for cid, s in statuses.items()}),  # type: ignore[arg-type]
                "mentions": mentions,
                "notes": " ".join(note_parts),
            }
        )
    return out


def note_records(notes: dict[tuple[str, str], NoteRecord], patient_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Contract input records of the given patients' notes (the gold set's ``notes.jsonl``)."""
    wanted = set(patient_ids)
    return [
        {
            "patient_id": n.patient_id,
            "note_id": n.note_id,
            "note_date": n.note_date.isoformat() if n.note_date else None,
            "note_type": n.note_type,
            "text": n.text,
        }
        for (pid, _nid), n in sorted(notes.items())
        if pid in wanted
    ]


def write_gold(
    out_dir: Path, results: Results, reviews: dict[str, PatientReview], notes: dict[tuple[str, str], NoteRecord]
) -> int:
    """Write ``gold.jsonl`` and ``notes.jsonl`` for the finished patients; return how many."""
    gold = gold_records(results, reviews)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gold.jsonl").write_text(to_jsonl(gold), encoding="utf-8")
    (out_dir / "notes.jsonl").write_text(
        to_jsonl(note_records(notes, [g["patient_id"] for g in gold])), encoding="utf-8"
    )
    return len(gold)


AUDIT_FIELDS = (
    "id",
    "created_at",
    "reviewer",
    "patient_id",
    "kind",
    "target",
    "criterion_id",
    "action",
    "old_value",
    "new_value",
    "reason_code",
    "reason",
    "tool_version",
    "undoes",
    "detail",
)


def audit_rows(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """The audit log as plain rows (``detail`` as JSON text)."""
    return [{**e.to_dict(), "detail": json.dumps(e.detail, ensure_ascii=False) if e.detail else None} for e in entries]
