"""Shared state of the review UI: settings, cached results and notes, the store, navigation, messages.

Anything slow or shared is built once per process (``st.cache_resource``):
the review store per database URL, the results per directory (reloaded when
their files change), the notes per input set, the note pipeline for uploads.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from nlp.records import NoteRecord
from nlp.review.results import Results, ResultsError, load_notes, load_results
from nlp.review.settings import Settings, parse_settings
from nlp.review.store import ReviewStore

VIEWS = ("worklist", "patient", "agreement", "export", "run")
VIEW_LABELS = {
    "worklist": "Worklist",
    "patient": "Patient review",
    "agreement": "Agreement",
    "export": "Export",
    "run": "Screen new notes",
}


@dataclass(slots=True)
class Ctx:
    """What every view needs."""

    settings: Settings
    results: Results
    store: ReviewStore
    reviewer: str
    notes: dict[tuple[str, str], NoteRecord]
    missing_inputs: list[str]

    def patient_notes(self, patient_id: str) -> list[NoteRecord]:
        """The patient's notes, oldest first (undated last)."""
        notes = [n for (pid, _nid), n in self.notes.items() if pid == patient_id]
        return sorted(notes, key=lambda n: (n.note_date is None, n.note_date or 0, n.note_id))


def settings() -> Settings:
    if "_settings" not in st.session_state:
        st.session_state["_settings"] = parse_settings(sys.argv[1:])
    return st.session_state["_settings"]


def results_dir() -> Path:
    """The results directory open in this session (the configured one until another is chosen)."""
    return Path(st.session_state.get("results_dir") or settings().results_dir)


def _mtimes(directory: Path) -> tuple[float, ...]:
    return tuple(
        (directory / n).stat().st_mtime if (directory / n).exists() else 0.0
        for n in ("patients.jsonl", "evidence.jsonl", "manifest.json")
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _results(directory: str, _stamp: tuple[float, ...]) -> Results:
    return load_results(Path(directory))


def get_results(directory: Path) -> Results:
    """The results in ``directory`` (cached; reloaded when the files change)."""
    return _results(str(directory.resolve()), _mtimes(directory))


@st.cache_resource(show_spinner=False, max_entries=8)
def _notes(paths: tuple[str, ...], _stamp: tuple[float, ...]) -> dict[tuple[str, str], NoteRecord]:
    return load_notes([Path(p) for p in paths])


def get_notes(results: Results) -> tuple[dict[tuple[str, str], NoteRecord], list[str]]:
    """The notes behind ``results`` (read from the manifest's inputs) and the inputs not found."""
    paths, missing = results.input_paths()
    stamp = tuple(p.stat().st_mtime for p in paths)
    return _notes(tuple(str(p) for p in paths), stamp), missing


@st.cache_resource(show_spinner=False)
def get_store(url: str, dataset: str, tool_version: str) -> ReviewStore:
    """One store (and connection pool) per database, dataset and tool version."""
    return ReviewStore(url, dataset=dataset, tool_version=tool_version)


@st.cache_resource(show_spinner="Loading the note pipeline…")
def get_pipeline() -> Any:
    """The note pipeline used for uploads, built once per process."""
    from nlp.pipeline.extract import NotePipeline

    return NotePipeline()


def load_ctx(reviewer: str) -> Ctx | None:
    """Build the context for this run, or show why the results cannot be opened and return ``None``."""
    cfg = settings()
    directory = results_dir()
    try:
        results = get_results(directory)
    except ResultsError as exc:
        st.error(str(exc))
        st.info(
            "Run `make demo` (or `sle-abstract run INPUT --out DIR`) first, then open the results with "
            "`streamlit run app.py -- --results DIR` or SLE_ABSTRACT_RESULTS=DIR; or screen new notes here."
        )
        return None
    notes, missing = get_notes(results)
    store = get_store(cfg.db_url_for(directory), cfg.dataset, results.tool_version)
    return Ctx(cfg, results, store, reviewer, notes, missing)


# ------------------------------------------------------------------ navigation


def go(view: str, patient_id: str | None = None) -> None:
    """Switch view (and patient); safe to call from widget callbacks."""
    st.session_state["nav"] = view
    if patient_id is not None:
        if st.session_state.get("patient") != patient_id:
            for k in [k for k in st.session_state if isinstance(k, str) and k.startswith("pv-")]:
                del st.session_state[k]
        st.session_state["patient"] = patient_id


def go_next_run(view: str, patient_id: str | None = None) -> None:
    """Switch view from the body of a run, where the sidebar's view picker already exists: rerun, then switch.

    Streamlit refuses to change a widget's value (``nav``) after the widget is drawn in the same run.
    """
    st.session_state["_go"] = (view, patient_id)
    st.rerun()


def apply_go() -> None:
    """Carry out a :func:`go_next_run` (call before the sidebar is drawn)."""
    pending = st.session_state.pop("_go", None)
    if pending is not None:
        go(*pending)


def sync_query_params() -> None:
    """Read ``?view=&patient=`` once per session, so a reload lands on the same page."""
    if st.session_state.get("_qp_read"):
        return
    st.session_state["_qp_read"] = True
    view = st.query_params.get("view")
    patient = st.query_params.get("patient")
    if view in VIEWS:
        st.session_state["nav"] = view
    if patient:
        st.session_state["patient"] = patient


def write_query_params() -> None:
    view = st.session_state.get("nav", "worklist")
    params = {"view": view}
    if view == "patient" and st.session_state.get("patient"):
        params["patient"] = st.session_state["patient"]
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


# ------------------------------------------------------------------ messages


def flash(kind: str, message: str) -> None:
    """Queue a message for the next run (``kind``: success, info, warning, error)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flash() -> None:
    # One container, drawn on every run: a message coming or going then does not shift the elements
    # after it, which Streamlit would take for new ones (open expanders would close).
    with st.container(key="flash"):
        for kind, message in st.session_state.pop("_flash", []):
            if kind == "success":
                st.toast(message, icon=":material/check_circle:")
            else:
                getattr(st, kind)(message)
