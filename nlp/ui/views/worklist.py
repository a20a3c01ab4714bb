"""Worklist: every patient with the tool's eligibility, review status and what is left to review."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from nlp.records import CRITERION_IDS
from nlp.review.store import PatientReview
from nlp.ui.state import Ctx, go, go_next_run

REVIEW_LABEL = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
SORTS = ("Patient id", "Most criteria left", "Tool eligibility", "Last change (newest first)")


def worklist_rows(ctx: Ctx, reviews: dict[str, PatientReview]) -> list[dict[str, Any]]:
    """One row per patient (plain data, used by the table and the tests)."""
    rows = []
    for pid, patient in ctx.results.patients.items():
        review = reviews.get(pid) or PatientReview(pid)
        decided = review.decided_criteria(CRITERION_IDS)
        unknown = sum(1 for c in patient["criteria"].values() if c["status"] == "unknown")
        overrides = sum(1 for cid in CRITERION_IDS if (d := review.criterion(cid)) and d.action == "override")
        last = review.last_change()
        det = review.determination
        rows.append(
            {
                "Patient": pid,
                "Tool eligibility": patient["eligibility"].replace("_", " "),
                "Review status": REVIEW_LABEL[review.status()],
                "Criteria decided": decided,
                "Tool unknown": unknown,
                "Overrides": overrides,
                "Final determination": det.new_value.replace("_", " ") if det and det.new_value else "",
                "Locked": review.locked,
                "Last reviewer": last.reviewer if last else "",
                "Last change (UTC)": last.created_at.replace("T", " ")[:19] if last else "",
                "Notes": patient.get("note_count", 0),
            }
        )
    return rows


def _filter_sort(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    ss = st.session_state
    query = (ss.get(f"{key}-search") or "").strip().lower()
    elig = ss.get(f"{key}-elig") or []
    status = ss.get(f"{key}-status") or []
    out = [
        r
        for r in rows
        if (not query or query in r["Patient"].lower())
        and (not elig or r["Tool eligibility"] in elig)
        and (not status or r["Review status"] in status)
    ]
    sort = ss.get(f"{key}-sort") or SORTS[0]
    if sort == "Most criteria left":
        out.sort(key=lambda r: (r["Criteria decided"], -r["Tool unknown"], r["Patient"]))
    elif sort == "Tool eligibility":
        order = {"needs review": 0, "eligible": 1, "ineligible": 2}
        out.sort(key=lambda r: (order.get(r["Tool eligibility"], 3), r["Patient"]))
    elif sort.startswith("Last change"):
        out.sort(key=lambda r: r["Last change (UTC)"], reverse=True)
    else:
        out.sort(key=lambda r: r["Patient"])
    return out


_TONES = {
    "eligible": "color:#166534;font-weight:600",
    "ineligible": "color:#991b1b;font-weight:600",
    "needs review": "color:#92400e;font-weight:600",
    "cannot determine": "color:#92400e;font-weight:600",
    "done": "color:#166534",
    "in progress": "color:#1e40af",
    "not started": "color:#64748b",
}


def _tone(value: object) -> str:
    return _TONES.get(str(value), "")


def _open_selected(key: str) -> None:
    pid = st.session_state.get(f"{key}-open-pid")
    if pid:
        go("patient", pid)


def render(ctx: Ctx, key: str = "wl") -> None:
    reviews = ctx.store.reviews()
    rows = worklist_rows(ctx, reviews)
    if not rows:
        st.subheader("Worklist")
        st.info("These results hold no patients (every record may have been rejected: see errors.jsonl).")
        return
    total = len(rows)
    done = sum(r["Review status"] == "done" for r in rows)
    started = sum(r["Review status"] == "in progress" for r in rows)
    decided = sum(r["Criteria decided"] for r in rows)

    st.subheader("Worklist")
    m = ctx.results.manifest
    st.caption(
        f"Results `{ctx.results.directory.name}` · sle-abstract {ctx.results.tool_version} · "
        f"{m.get('counts', {}).get('notes_processed', '?')} notes screened · screening date: "
        f"{m.get('screening_date') or 'latest note per patient'}"
    )
    c = st.columns(5)
    c[0].metric("Patients", total)
    c[1].metric("Done", done)
    c[2].metric("In progress", started)
    c[3].metric("Not started", total - done - started)
    c[4].metric("Criteria decided", f"{decided} / {total * len(CRITERION_IDS)}")
    st.progress(done / total if total else 0.0, text=f"{done} of {total} patients reviewed")

    f = st.columns([3, 3, 3, 2])
    f[0].text_input("Search patient id", key=f"{key}-search", placeholder="e.g. DEMO-004")
    f[1].multiselect("Tool eligibility", ["eligible", "needs review", "ineligible"], key=f"{key}-elig")
    f[2].multiselect("Review status", list(REVIEW_LABEL.values()), key=f"{key}-status")
    f[3].selectbox("Sort by", SORTS, key=f"{key}-sort")

    shown = _filter_sort(rows, key)
    st.caption(f"{len(shown)} of {total} patients shown. Select a row to open the patient.")
    frame = pd.DataFrame(shown, columns=list(rows[0]) if rows else [])
    styled = frame.style.map(_tone, subset=["Tool eligibility", "Review status", "Final determination"])
    event = st.dataframe(
        styled,
        height=min(38 + 35 * max(len(shown), 1), 38 + 35 * 18),
        key=f"{key}-table",
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Criteria decided": st.column_config.ProgressColumn(
                "Criteria decided", format="%d / 8", min_value=0, max_value=len(CRITERION_IDS)
            ),
            "Locked": st.column_config.CheckboxColumn("Locked"),
        },
    )
    selected = getattr(getattr(event, "selection", None), "rows", None) if event is not None else None
    if selected:
        del st.session_state[f"{key}-table"]  # a stale selection must not reopen the patient later
        go_next_run("patient", shown[selected[0]]["Patient"])

    o = st.columns([3, 1, 4])
    ids = [r["Patient"] for r in shown] or [r["Patient"] for r in rows]
    o[0].selectbox("Open patient", ids, key=f"{key}-open-pid", label_visibility="collapsed")
    o[1].button("Open", key=f"{key}-open", on_click=_open_selected, args=(key,), type="primary")
