"""The note viewer: a whole note with every evidence span highlighted, scrolled to one span.

A Streamlit v2 component (inline JavaScript, no build step). The note text
reaches the page only as data and is put into the DOM with ``textContent``,
so markup in a note (``<script>``, ``<img onerror=...>``) shows as text and
never runs. When the reviewer selects text in the note, the component
reports ``{"note_id", "start", "end", "text"}`` (character offsets into the
note) so the selection can be added as evidence the tool missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from nlp.ui.html import CRITERION_COLORS, CRITERION_LABELS, Span, note_html, segments

_HTML = '<div class="rvnv-wrap"><div class="rvnv-note" role="document" aria-label="Note text"></div></div>'

_CSS = """
.rvnv-note{position:relative;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.84rem;
  line-height:1.55;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;color:#0f172a;
  border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;max-height:68vh;overflow:auto}
.rvnv-note mark{color:#0f172a;border-radius:3px;padding:0 1px;cursor:help}
.rvnv-note mark.rvnv-focus{outline:2px solid #1d4ed8;outline-offset:1px;box-shadow:0 0 0 4px rgba(29,78,216,.15)}
.rvnv-note ::selection{background:#1d4ed8;color:#fff}
"""

_JS = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".rvnv-note");
  if (!root || !data) return;
  root.replaceChildren();
  for (const seg of data.segments) {
    const el = document.createElement(seg.ids.length ? "mark" : "span");
    el.textContent = seg.text;  // never parsed as HTML
    el.dataset.start = String(seg.start);
    if (seg.ids.length) {
      el.style.background = data.colors[seg.criteria[0]] || "#fde68a";
      el.title = seg.criteria.map((c) => data.labels[c] || c).join(", ");
      el.dataset.ids = seg.ids.join(" ");
      if (data.focus && seg.ids.includes(data.focus)) el.classList.add("rvnv-focus");
    }
    root.appendChild(el);
  }
  const focus = root.querySelector(".rvnv-focus");
  if (focus) {
    root.scrollTop = Math.max(0, focus.offsetTop - root.clientHeight / 3);
    root.dataset.scrolledTo = data.focus;
  }
  const offsetOf = (node, off) => {
    if (node === root) {
      const child = root.childNodes[off];
      return child ? parseInt(child.dataset.start, 10) : data.length;
    }
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (!el || el.parentElement !== root || el.dataset.start === undefined) return null;
    return parseInt(el.dataset.start, 10) + (node.nodeType === Node.TEXT_NODE ? off : 0);
  };
  root.onmouseup = () => {
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const r = sel.getRangeAt(0);
    if (!root.contains(r.startContainer) || !root.contains(r.endContainer)) return;
    const s = offsetOf(r.startContainer, r.startOffset);
    const e = offsetOf(r.endContainer, r.endOffset);
    if (s === null || e === null || e <= s) return;
    setStateValue("selection", { note_id: data.note_id, start: s, end: e });
  };
}
"""

_component: Any = None


def _viewer() -> Any:
    global _component
    if _component is None:
        _component = st.components.v2.component(
            "sle_abstract_note_viewer", html=_HTML, css=_CSS, js=_JS, isolate_styles=False
        )
    return _component


def note_viewer(note_id: str, text: str, spans: Sequence[Span], focus: str | None, key: str) -> dict[str, Any] | None:
    """Show a note with its spans highlighted; return the reviewer's text selection, if any.

    The selection is checked against the note (offsets in range, non-blank)
    and returned with its text cut from the note on the server side.
    """
    data = {
        "note_id": note_id,
        "length": len(text),
        "segments": segments(text, spans),
        "focus": focus,
        "colors": CRITERION_COLORS,
        "labels": CRITERION_LABELS,
    }
    try:
        result = _viewer()(key=key, data=data, default={"selection": None}, on_selection_change=lambda: None)
    except Exception:  # no v2 components (old Streamlit): a static, escaped rendering without selection
        st.html(note_html(text, spans, focus))
        return None
    return checked_selection(getattr(result, "selection", None) if result is not None else None, note_id, text)


def current_selection(key: str, note_id: str, text: str) -> dict[str, Any] | None:
    """The viewer's selection as Streamlit holds it now (for a button callback).

    A callback runs before the script, with the arguments its button was
    drawn with; reading the component's state here instead means a
    selection made after that drawing is not lost.
    """
    state = st.session_state.get(key)
    try:
        sel = state["selection"] if state is not None else None
    except (KeyError, TypeError):
        sel = getattr(state, "selection", None)
    return checked_selection(sel, note_id, text)


def checked_selection(sel: Any, note_id: str, text: str) -> dict[str, Any] | None:
    """A selection from the browser, checked against the note (offsets in range, non-blank), or None."""
    if not isinstance(sel, dict) or sel.get("note_id") != note_id:
        return None
    try:
        start, end = int(sel["start"]), int(sel["end"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 <= start < end <= len(text)) or not text[start:end].strip():
        return None
    # Trim surrounding whitespace so the span starts and ends on text.
    while text[start].isspace():
        start += 1
    while text[end - 1].isspace():
        end -= 1
    return {"note_id": note_id, "start": start, "end": end, "text": text[start:end]}
