"""The note viewer's selection checks, and reading a selection at click time."""

from __future__ import annotations

import pytest
import streamlit as st

from nlp.ui import note_viewer

TEXT = "Pt has SLE.\n  Anti-dsDNA 88 IU/mL (H).  "


@pytest.mark.parametrize(
    ("sel", "expected"),
    [
        pytest.param({"note_id": "N1", "start": 7, "end": 10}, (7, 10, "SLE"), id="plain"),
        pytest.param({"note_id": "N1", "start": 11, "end": 24}, (14, 24, "Anti-dsDNA"), id="trimmed-to-text"),
        pytest.param({"note_id": "N2", "start": 7, "end": 10}, None, id="another-note"),
        pytest.param({"note_id": "N1", "start": 10, "end": 7}, None, id="reversed"),
        pytest.param({"note_id": "N1", "start": 0, "end": 999}, None, id="past-the-end"),
        pytest.param({"note_id": "N1", "start": 11, "end": 14}, None, id="blank"),
        pytest.param({"note_id": "N1", "start": "x", "end": 3}, None, id="not-a-number"),
        pytest.param(None, None, id="nothing"),
    ],
)
def test_checked_selection(sel: object, expected: tuple[int, int, str] | None) -> None:
    got = note_viewer.checked_selection(sel, "N1", TEXT)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert (got["start"], got["end"], got["text"]) == expected
        assert TEXT[got["start"] : got["end"]] == got["text"]


def test_current_selection_reads_the_component_state_at_click_time(monkeypatch: pytest.MonkeyPatch) -> None:
    state: dict[str, object] = {}
    monkeypatch.setattr(st, "session_state", state)
    assert note_viewer.current_selection("pv-viewer-N1", "N1", TEXT) is None
    state["pv-viewer-N1"] = {"selection": {"note_id": "N1", "start": 7, "end": 10}}
    got = note_viewer.current_selection("pv-viewer-N1", "N1", TEXT)
    assert got is not None and got["text"] == "SLE"
    state["pv-viewer-N1"] = {"selection": None}
    assert note_viewer.current_selection("pv-viewer-N1", "N1", TEXT) is None
