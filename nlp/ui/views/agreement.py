"""Agreement: Cohen's kappa per criterion between reviewers, and the disagreements to adjudicate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nlp.review.agreement import disagreements, kappa_table
from nlp.ui.html import CRITERION_LABELS
from nlp.ui.state import Ctx, go


def _open(key: str) -> None:
    pid = st.session_state.get(f"{key}-pid")
    if pid:
        go("patient", pid)


def render(ctx: Ctx, key: str = "ag") -> None:
    st.subheader("Agreement between reviewers")
    st.caption(
        "For every pair of reviewers, the patients both decided give Cohen's kappa per criterion "
        "(scikit-learn). A later decision by an adjudicator becomes the one in force."
    )
    reviews = ctx.store.reviews()
    rows = kappa_table(reviews)
    if not rows:
        st.info("No two reviewers have decided the same criterion for the same patient yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Criterion": CRITERION_LABELS[r.criterion_id],
                    "Reviewer A": r.reviewer_a,
                    "Reviewer B": r.reviewer_b,
                    "Patients": r.n,
                    "Observed agreement": round(r.observed, 3),
                    "Cohen's kappa": "n/a (one label only)" if r.kappa is None else f"{r.kappa:.3f}",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        key=f"{key}-kappa",
    )
    dis = disagreements(reviews)
    st.markdown(f"#### Disagreements to adjudicate ({len(dis)})")
    if not dis:
        st.success("The reviewers agree on every criterion they both decided.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Patient": d.patient_id,
                    "Criterion": CRITERION_LABELS[d.criterion_id],
                    "Reviewer A": f"{d.reviewer_a}: {d.status_a}",
                    "Reviewer B": f"{d.reviewer_b}: {d.status_b}",
                    "In force": d.current or "",
                }
                for d in dis
            ]
        ),
        hide_index=True,
        width="stretch",
        key=f"{key}-dis",
    )
    c = st.columns([3, 1, 4])
    c[0].selectbox("Patient to adjudicate", sorted({d.patient_id for d in dis}), key=f"{key}-pid")
    c[1].button("Open", key=f"{key}-open", on_click=_open, args=(key,), type="primary")
