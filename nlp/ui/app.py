"""Page layout of the review workbench: sign-in, sidebar, and the view in use."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nlp.review.settings import redact_url
from nlp.ui import auth, exposure
from nlp.ui.html import CSS, md
from nlp.ui.state import (
    VIEW_LABELS,
    VIEWS,
    apply_go,
    load_ctx,
    results_dir,
    settings,
    show_flash,
    sync_query_params,
    write_query_params,
)
from nlp.ui.upload import previous_runs
from nlp.ui.views import agreement, export, patient, run, worklist


def _pick_results() -> None:
    st.session_state["results_dir"] = st.session_state["results-pick"]
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(("pv-", "wl-"))]:
        del st.session_state[k]
    st.session_state["nav"] = "worklist"
    st.session_state.pop("patient", None)


def _sidebar(reviewer: str) -> None:
    cfg = settings()
    with st.sidebar:
        st.markdown("### sle-abstract · review")
        st.caption(f"Signed in as **{md(reviewer)}**")
        st.button("Sign out", key="logout", on_click=auth.sign_out, icon=":material/logout:")
        st.radio("View", VIEWS, key="nav", format_func=lambda v: VIEW_LABELS[v])
        options = [str(cfg.results_dir)] + [str(p) for p in previous_runs(cfg.workdir)]
        current = str(results_dir())
        if current not in options:
            options.insert(0, current)
        st.session_state["results-pick"] = current
        st.selectbox(
            "Results",
            options,
            key="results-pick",
            on_change=_pick_results,
            format_func=lambda p: Path(p).name if Path(p).name != "results" else Path(p).parent.name,
            help="The configured results, or an earlier upload screened here.",
        )
        st.caption(f"Database: `{redact_url(cfg.db_url_for(results_dir()))}`")
        with st.expander("Keyboard shortcuts"):
            st.markdown(
                "In the patient view:\n\n- **A** accept / **X** reject the evidence item in focus\n"
                "- **U** undo your last decision\n- **N** / **P** next / previous criterion\n- **J** next patient"
            )


def main() -> None:
    """Draw one run of the app."""
    st.set_page_config(page_title="sle-abstract review", page_icon=":material/fact_check:", layout="wide")
    st.html(CSS)
    exposure.guard()  # no results, notes or ids on a network address without sign-in
    settings()
    sync_query_params()
    apply_go()
    st.session_state.setdefault("nav", "worklist")
    reviewer = auth.reviewer()
    if reviewer is None:
        return
    _sidebar(reviewer)
    show_flash()
    view = st.session_state.get("nav", "worklist")
    if view == "run":
        run.render()
        write_query_params()
        return
    ctx = load_ctx(reviewer)
    if ctx is None:
        return
    if ctx.missing_inputs:
        st.warning(
            "Some inputs named in manifest.json were not found, so their notes cannot be shown: "
            + ", ".join(md(p) for p in ctx.missing_inputs)
        )
    if view == "patient":
        patient.render(ctx)
    elif view == "agreement":
        agreement.render(ctx)
    elif view == "export":
        export.render(ctx)
    else:
        worklist.render(ctx)
    write_query_params()
