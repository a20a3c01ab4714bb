"""Screen new notes: upload a small JSONL/CSV file and run the screen, with progress shown."""

from __future__ import annotations

import streamlit as st

from nlp.readers import InputError
from nlp.ui.html import md
from nlp.ui.state import flash, get_pipeline, go_next_run, settings
from nlp.ui.upload import MAX_NOTES, UploadError, count_records, save_upload, screen_upload


def render(key: str = "run") -> None:
    st.subheader("Screen new notes")
    st.caption(
        f"For small jobs (up to {MAX_NOTES} notes): a `.jsonl` or `.csv` file with the contract's columns "
        "(patient_id, note_id, text, optional note_date and note_type). The screen runs here with the same engine "
        "as `sle-abstract run`; the results open for review when it finishes."
    )
    upload = st.file_uploader("Notes file", type=["jsonl", "csv"], key=f"{key}-file")
    fixed = st.checkbox("Use one screening date for every patient", key=f"{key}-fixed")
    screening = st.date_input("Screening date", key=f"{key}-date") if fixed else None
    if not st.button("Run the screen", key=f"{key}-go", type="primary", disabled=upload is None):
        return
    assert upload is not None
    data = upload.getvalue()
    try:
        path = save_upload(data, upload.name, settings().workdir)
    except UploadError as exc:
        st.error(md(str(exc)))
        return
    total = count_records(data, path.suffix)
    bar = st.progress(0.0, text=f"Loading the note pipeline… (0 of {total} notes)")
    pipeline = get_pipeline()

    def progress(n: int) -> None:
        bar.progress(min(1.0, n / total), text=f"Screened {n} of {total} notes")

    try:
        out, summary = screen_upload(path, pipeline=pipeline, progress=progress, screening_date=screening)
    except (InputError, OSError) as exc:
        st.error(md(f"The screen could not run: {exc}"))
        return
    bar.progress(1.0, text=f"Screened {summary.notes_processed} of {summary.notes_read} notes")
    flash(
        "success",
        f"Screened {summary.notes_processed} notes for {summary.patients} patients "
        f"({summary.notes_rejected} rejected, see errors.jsonl).",
    )
    st.session_state["results_dir"] = str(out)
    go_next_run("worklist")
