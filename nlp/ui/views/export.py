"""Export: the reviewed abstraction (CSV, JSONL), gold annotations for the evaluator, the audit log."""

from __future__ import annotations

import streamlit as st

from nlp.review.export import (
    AUDIT_FIELDS,
    abstraction_rows,
    audit_rows,
    gold_records,
    note_records,
    to_csv,
    to_jsonl,
)
from nlp.ui.state import Ctx


def render(ctx: Ctx, key: str = "ex") -> None:
    st.subheader("Export")
    reviews = ctx.store.reviews()
    rows = abstraction_rows(ctx.results, reviews)
    gold = gold_records(ctx.results, reviews)
    entries = ctx.store.entries()
    decided = sum(1 for r in rows if r["reviewer_status"])
    st.caption(
        f"{decided} of {len(rows)} patient-criterion rows decided by a reviewer; "
        f"{len(gold)} patients finished (final determination and all eight criteria); {len(entries)} audit entries."
    )

    with st.container(border=True):
        st.markdown(
            "**Reviewed abstraction** — one row per patient and criterion: tool status, reviewer status, "
            "reviewer, time (UTC), reason and evidence (accepted, rejected, unreviewed, added)."
        )
        c = st.columns(2)
        c[0].download_button(
            "Download CSV",
            to_csv(rows),
            file_name="reviewed_abstraction.csv",
            mime="text/csv",
            key=f"{key}-csv",
            icon=":material/download:",
            on_click="ignore",
        )
        c[1].download_button(
            "Download JSONL",
            to_jsonl(rows),
            file_name="reviewed_abstraction.jsonl",
            mime="application/jsonl",
            key=f"{key}-jsonl",
            icon=":material/download:",
            on_click="ignore",
        )
    with st.container(border=True):
        st.markdown(
            "**Gold annotations** in the `annotations/` format (`annotations/FORMAT.md`) for the finished "
            "patients: reviewers' statuses, accepted and added evidence as mentions. Put both files in an "
            "`annotations/<split>/` folder to score the tool against reviewers' judgement."
        )
        c = st.columns(2)
        c[0].download_button(
            f"Download gold.jsonl ({len(gold)} patients)",
            to_jsonl(gold),
            file_name="gold.jsonl",
            mime="application/jsonl",
            key=f"{key}-gold",
            disabled=not gold,
            icon=":material/download:",
            on_click="ignore",
        )
        c[1].download_button(
            "Download notes.jsonl (their notes)",
            to_jsonl(note_records(ctx.notes, [g["patient_id"] for g in gold])),
            file_name="notes.jsonl",
            mime="application/jsonl",
            key=f"{key}-gold-notes",
            disabled=not gold,
            icon=":material/download:",
            on_click="ignore",
        )
    with st.container(border=True):
        st.markdown("**Audit log** — every decision with reviewer, UTC time, tool version, old and new value, reason.")
        st.download_button(
            "Download audit log (CSV)",
            to_csv(audit_rows(entries), AUDIT_FIELDS),
            file_name="review_audit.csv",
            mime="text/csv",
            key=f"{key}-audit",
            icon=":material/download:",
            on_click="ignore",
        )
    st.caption("The same files from a terminal: `python -m nlp.review export --results DIR --out DIR`.")
