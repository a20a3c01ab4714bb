"""Decision callbacks of the patient view: each writes one audit entry and reports the outcome.

They run as Streamlit widget callbacks (before the next run draws the page)
and never raise: a conflict, a locked record or invalid input becomes a
message for the reviewer, and the page then shows the state in force.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from nlp.review.store import ConflictError, Entry, ReviewError, ReviewStore
from nlp.ui.html import CRITERION_LABELS, md
from nlp.ui.state import flash


def describe(entry: Entry) -> str:
    """A one-line, Markdown-safe account of a decision."""
    what = CRITERION_LABELS.get(entry.criterion_id or "", entry.criterion_id or entry.kind)
    value = (entry.new_value or "").replace("_", " ")
    if entry.kind == "evidence":
        text = f"{entry.action}ed an evidence item of {what}"
    elif entry.kind == "criterion":
        text = f"{'confirmed' if entry.action == 'confirm' else 'overrode'} {what} as {value}"
    elif entry.kind == "added_evidence":
        text = f"{'added' if entry.action == 'add' else 'removed'} evidence for {what}"
    elif entry.kind == "determination":
        text = f"set the final determination to {value}"
    elif entry.kind == "lock":
        text = f"{entry.action}ed the record"
    else:
        text = "updated the comment"
    reason = f" — {entry.reason_code or ''}{': ' if entry.reason_code and entry.reason else ''}{entry.reason or ''}"
    return md(f"{entry.reviewer} {text} at {entry.created_at}{reason if entry.reason_code or entry.reason else ''}")


def record(store: ReviewStore, **kwargs: Any) -> Entry | None:
    """Write one decision; turn refusals into messages. Returns the entry, or ``None``."""
    try:
        entry = store.record(**kwargs)
    except ConflictError as exc:
        cur = exc.current
        msg = "Someone else decided on this while you were looking; your decision was **not** saved."
        if cur is not None:
            msg += f" In force now: {describe(cur)}. Decide again if you disagree."
        flash("warning", msg)
        return None
    except ReviewError as exc:
        flash("error", md(str(exc)))
        return None
    flash("success", "Saved.")
    return entry


def undo(store: ReviewStore, reviewer: str, patient_id: str) -> None:
    try:
        entry = store.undo_last(reviewer, patient_id)
    except ReviewError as exc:
        flash("error", md(str(exc)))
        return
    if entry is None:
        flash("info", "Nothing of yours to undo on this patient.")
    else:
        flash("success", f"Undone: {md(entry.reason or '')}")


def added_id(patient_id: str, note_id: str, start: int, end: int, criterion_id: str) -> str:
    key = "\x1f".join((patient_id, note_id, str(start), str(end), criterion_id))
    return "rv-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def find_quote(text: str, quote: str) -> list[int]:
    """Start offsets of every occurrence of ``quote`` in ``text``."""
    quote = quote.strip()
    if not quote:
        return []
    out, i = [], text.find(quote)
    while i != -1:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


def session_get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)
