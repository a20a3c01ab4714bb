"""Small HTML builders for the review UI.

Every string that comes from a note, an input file or a reviewer (note text,
ids, sections, comments, reasons) goes through :func:`html.escape` here
before it reaches ``st.html``; ``st.html`` then sanitises again (DOMPurify)
and runs no JavaScript. The note viewer component builds its DOM with
``textContent`` and never parses note text as HTML.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nlp.records import CRITERIA

CRITERION_LABELS: dict[str, str] = {
    "age_18_or_older": "Age ≥ 18",
    "sle_diagnosis": "SLE diagnosis",
    "refractory_active_disease": "Refractory, active disease",
    "autoantibody_positive": "Autoantibody positive",
    "active_severe_lupus_nephritis": "Active severe lupus nephritis",
    "active_severe_cns_lupus": "Active severe CNS lupus",
    "unmanaged_major_chronic_illness": "Unmanaged major chronic illness",
    "pregnant_or_lactating": "Pregnant or lactating",
}
# One colour per criterion (background of highlighted spans; readable with dark text).
CRITERION_COLORS: dict[str, str] = {
    "age_18_or_older": "#fde68a",
    "sle_diagnosis": "#bfdbfe",
    "refractory_active_disease": "#c4b5fd",
    "autoantibody_positive": "#bbf7d0",
    "active_severe_lupus_nephritis": "#fbcfe8",
    "active_severe_cns_lupus": "#fecaca",
    "unmanaged_major_chronic_illness": "#fed7aa",
    "pregnant_or_lactating": "#a5f3fc",
}
STATUS_TONE = {"met": "green", "not_met": "red", "unknown": "amber"}
ELIGIBILITY_TONE = {"eligible": "green", "ineligible": "red", "needs_review": "amber", "cannot_determine": "amber"}
REVIEW_TONE = {"not_started": "grey", "in_progress": "blue", "done": "green"}
QUALIFIER_LABELS = {
    "is_negated": "negated",
    "is_historical": "historical",
    "is_hypothetical": "hypothetical",
    "is_family": "family",
    "is_uncertain": "uncertain",
}
assert set(CRITERION_LABELS) == {cid for cid, _ in CRITERIA}

CSS = """
<style>
[data-testid="stMainBlockContainer"]{padding-top:2.2rem}
.st-key-pv-notes-panel{position:sticky;top:0.5rem;align-self:flex-start}
.rv-badge{display:inline-block;padding:1px 8px;margin:0 4px 2px 0;border-radius:10px;font-size:0.78rem;
  font-weight:600;line-height:1.5;border:1px solid transparent;white-space:nowrap}
.rv-green{background:#dcfce7;color:#166534;border-color:#bbf7d0}
.rv-red{background:#fee2e2;color:#991b1b;border-color:#fecaca}
.rv-amber{background:#fef3c7;color:#92400e;border-color:#fde68a}
.rv-blue{background:#dbeafe;color:#1e40af;border-color:#bfdbfe}
.rv-grey{background:#f1f5f9;color:#475569;border-color:#e2e8f0}
.rv-violet{background:#ede9fe;color:#5b21b6;border-color:#ddd6fe}
.rv-outline{background:#fff;color:#334155;border-color:#cbd5e1}
.rv-sentence{font-family:ui-serif,Georgia,serif;font-size:0.98rem;line-height:1.55;color:#0f172a;
  background:#f8fafc;border-left:3px solid #cbd5e1;padding:6px 10px;border-radius:4px;white-space:pre-wrap}
.rv-sentence mark{padding:0 2px;border-radius:3px;color:#0f172a}
.rv-meta{font-size:0.8rem;color:#475569;margin:2px 0 4px 0}
.rv-meta b{color:#0f172a;font-weight:600}
.rv-rationale{font-size:0.92rem;color:#1e293b;margin:2px 0 6px 0}
.rv-note{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.85rem;line-height:1.5;
  white-space:pre-wrap;word-wrap:break-word;background:#fff;border:1px solid #e2e8f0;border-radius:6px;
  padding:12px 14px;max-height:70vh;overflow:auto;color:#0f172a}
.rv-note mark{padding:0 1px;border-radius:3px;color:#0f172a}
.rv-legend span{display:inline-block;margin:0 10px 4px 0;font-size:0.78rem;color:#334155}
.rv-legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:4px;vertical-align:-1px}
.rv-timeline{border-left:2px solid #cbd5e1;margin:4px 0 8px 6px;padding-left:12px}
.rv-timeline div{position:relative;margin:0 0 6px 0;font-size:0.84rem;color:#334155}
.rv-timeline div:before{content:"";position:absolute;left:-18px;top:5px;width:10px;height:10px;
  border-radius:50%;background:#94a3b8}
.rv-timeline div.rv-current:before{background:#2563eb}
.rv-timeline b{color:#0f172a}
.rv-dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-left:2px;border:1px solid #94a3b8}
.rv-title{font-size:1.02rem;font-weight:650;color:#0f172a}
.rv-kicker{font-size:0.72rem;letter-spacing:0.06em;text-transform:uppercase;color:#64748b;font-weight:700}
</style>
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute context (``None`` → empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def badge(text: str, tone: str = "grey", title: str | None = None) -> str:
    """A pill badge; ``tone`` is one of green, red, amber, blue, grey, violet, outline."""
    t = f' title="{esc(title)}"' if title else ""
    return f'<span class="rv-badge rv-{esc(tone)}"{t}>{esc(text)}</span>'


def status_badge(status: str | None, prefix: str = "") -> str:
    if not status:
        return badge(f"{prefix}not reviewed", "outline")
    return badge(f"{prefix}{status.replace('_', ' ')}", STATUS_TONE.get(status, "grey"))


def qualifier_badges(ev: dict[str, Any]) -> str:
    """Badges for the ConText qualifiers set on an evidence item (cues as tooltips)."""
    cues = ", ".join(str(c) for c in ev.get("cues") or [])
    out = [
        badge(label, "violet", f"cue: {cues}" if cues else None) for q, label in QUALIFIER_LABELS.items() if ev.get(q)
    ]
    return "".join(out)


def span_in_sentence(ev: dict[str, Any], note_text: str | None) -> tuple[str, int, int]:
    """The evidence sentence and the span's offsets inside it.

    With the note text, the sentence is located around the span's note
    offsets (so a repeated word highlights the right occurrence); without it,
    the first occurrence of the span text is used.
    """
    sentence = ev.get("sentence") or ev.get("text") or ""
    text = ev.get("text") or ""
    start, end = int(ev.get("start", 0)), int(ev.get("end", 0))
    if note_text and sentence:
        lo = max(0, start - len(sentence))
        pos = note_text.find(sentence, lo)
        while pos != -1 and pos <= start:
            if pos + len(sentence) >= end:
                return sentence, start - pos, end - pos
            pos = note_text.find(sentence, pos + 1)
    i = sentence.find(text) if text else -1
    if i == -1:
        return sentence, 0, 0
    return sentence, i, i + len(text)


def sentence_html(ev: dict[str, Any], note_text: str | None = None) -> str:
    """The evidence sentence, escaped, with the span highlighted in its criterion's colour."""
    sentence, s, e = span_in_sentence(ev, note_text)
    color = CRITERION_COLORS.get(ev.get("criterion_id", ""), "#fde68a")
    body = esc(sentence[:s]) + f'<mark style="background:{color}">' + esc(sentence[s:e]) + "</mark>" + esc(sentence[e:])
    return f'<div class="rv-sentence">{body.strip()}</div>'


def evidence_meta_html(ev: dict[str, Any]) -> str:
    """Note type, date, section, concept, value and qualifiers of one evidence item."""
    parts = [
        f"<b>{esc(ev.get('note_type') or 'Note')}</b>",
        esc(ev.get("note_date") or "undated"),
        f"section: {esc((ev.get('section') or 'none').replace('_', ' '))}",
        f"concept: {esc(ev.get('concept'))}",
    ]
    if ev.get("value"):
        parts.append(f"value: {esc(ev.get('value'))}")
    support = badge("supports", "green") if ev.get("supports") else badge("does not support", "outline")
    return f'<div class="rv-meta">{" · ".join(parts)}</div><div>{support}{qualifier_badges(ev)}</div>'


@dataclass(frozen=True, slots=True)
class Span:
    """A span to highlight in a note."""

    start: int
    end: int
    criterion_id: str
    span_id: str
    label: str = ""


def segments(text: str, spans: Iterable[Span]) -> list[dict[str, Any]]:
    """Cut a note into plain and highlighted segments (overlaps allowed).

    Each segment is ``{"start", "text", "ids", "criteria"}`` where ``ids`` and
    ``criteria`` list the spans covering it (empty for plain text).
    """
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(cuts):
        covering = [s for s in spans if s.start <= a and b <= s.end]
        out.append(
            {
                "start": a,
                "text": text[a:b],
                "ids": [s.span_id for s in covering],
                "criteria": list(dict.fromkeys(s.criterion_id for s in covering)),
            }
        )
    return out


def note_html(text: str, spans: Sequence[Span], focus: str | None = None) -> str:
    """The whole note, escaped, every span highlighted (static form of the note viewer)."""
    parts = []
    for seg in segments(text, spans):
        if not seg["ids"]:
            parts.append(esc(seg["text"]))
            continue
        color = CRITERION_COLORS.get(seg["criteria"][0], "#fde68a")
        title = ", ".join(CRITERION_LABELS.get(c, c) for c in seg["criteria"])
        outline = ";outline:2px solid #1d4ed8" if focus and focus in seg["ids"] else ""
        parts.append(f'<mark style="background:{color}{outline}" title="{esc(title)}">{esc(seg["text"])}</mark>')
    return f'<div class="rv-note">{"".join(parts)}</div>'


def legend_html(criteria: Iterable[str]) -> str:
    items = [
        f'<span><i style="background:{CRITERION_COLORS[c]}"></i>{esc(CRITERION_LABELS[c])}</span>'
        for c in criteria
        if c in CRITERION_COLORS
    ]
    return f'<div class="rv-legend">{"".join(items)}</div>'


def timeline_html(notes: Sequence[dict[str, Any]], current: str | None) -> str:
    """The patient's notes as a dated timeline; each item lists its criteria as coloured dots."""
    rows = []
    for n in notes:
        dots = "".join(
            f'<span class="rv-dot" style="background:{CRITERION_COLORS[c]}" title="{esc(CRITERION_LABELS[c])}"></span>'
            for c in n.get("criteria", [])
            if c in CRITERION_COLORS
        )
        cls = ' class="rv-current"' if n["note_id"] == current else ""
        rows.append(
            f"<div{cls}><b>{esc(n.get('note_date') or 'undated')}</b> · {esc(n.get('note_type') or 'Note')}"
            f" <span style='color:#64748b'>({esc(n['note_id'])}, {int(n.get('spans', 0))} spans)</span> {dots}</div>"
        )
    return f'<div class="rv-timeline">{"".join(rows)}</div>'


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&")  # with &: an entity in data ("&amp;") shows as typed
# Streamlit's Markdown turns " -- ", " -> ", " <- ", " >= ", " <= " and " ~= " into typographic symbols after
# parsing, escapes or not; an invisible WORD JOINER between the two characters keeps them as typed.
_MD_TYPOGRAPHIC = frozenset({"--", "->", "<-", ">=", "<=", "~="})
WORD_JOINER = "\u2060"


def md(value: Any) -> str:
    """Escape a value for Streamlit Markdown (labels, messages): no links, emphasis, HTML or typography from data."""
    out: list[str] = []
    prev = ""
    for ch in "" if value is None else str(value):
        if prev + ch in _MD_TYPOGRAPHIC:
            out.append(WORD_JOINER)
        out.append("\\" + ch if ch in _MD_SPECIAL else ch)
        prev = ch
    return "".join(out)
