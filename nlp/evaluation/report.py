"""Render an :class:`EvaluationResult` as Markdown, HTML, JSON or a console summary.

The Markdown and HTML reports are built from one list of blocks (headings,
paragraphs, tables), so they always say the same thing. Every piece of text
from the data (ids, rationales, evidence spans) is escaped for the target
format. Reports quote evidence spans (cut to :data:`MAX_SPAN_CHARS`) and the
tool's rationales, never whole notes or the evidence's sentence.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.evaluation.metrics import Confusion, EvaluationResult, EvidenceRef, Scores

__all__ = [
    "MAX_LISTED",
    "MAX_SPAN_CHARS",
    "format_summary",
    "render_html",
    "render_markdown",
    "write_json",
    "write_report",
]

MAX_SPAN_CHARS = 120
"""Longest evidence text quoted in a report; longer spans are cut with an ellipsis."""
MAX_LISTED = 200
"""At most this many rows per listing of unmatched spans or offset problems (the JSON has all)."""


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class _Para:
    text: str


@dataclass(frozen=True, slots=True)
class _Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


_Block = _Heading | _Para | _Table


# ---------------------------------------------------------------- public API


def render_markdown(result: EvaluationResult) -> str:
    """The report as GitHub-flavoured Markdown."""
    out: list[str] = []
    for block in _document(result):
        if isinstance(block, _Heading):
            out += ["#" * block.level + " " + _md(block.text), ""]
        elif isinstance(block, _Para):
            out += [_md(block.text), ""]
        elif not block.rows:
            out += ["None.", ""]
        else:
            out.append("| " + " | ".join(_md(h) for h in block.headers) + " |")
            out.append("|" + "|".join(" --- " for _ in block.headers) + "|")
            out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
            out.append("")
    return "\n".join(out)


def render_html(result: EvaluationResult) -> str:
    """The report as a standalone HTML page; all text is HTML-escaped."""
    body: list[str] = []
    for block in _document(result):
        if isinstance(block, _Heading):
            body.append(f"<h{block.level}>{_h(block.text)}</h{block.level}>")
        elif isinstance(block, _Para):
            body.append(f"<p>{_h(block.text)}</p>")
        elif not block.rows:
            body.append("<p>None.</p>")
        else:
            head = "".join(f"<th>{_h(h)}</th>" for h in block.headers)
            rows = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>\n" for row in block.rows)
            body.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>sle-abstract evaluation</title>\n<style>\n"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}\n"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
        "th,td{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left;vertical-align:top}\n"
        "th{background:#f3f3f3}\n</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_report(result: EvaluationResult, path: Path | str) -> Path:
    """Write the report: HTML when ``path`` ends in ``.html``/``.htm``, else Markdown.

    Parent folders are created. Returns the path written.
    """
    target = Path(path)
    text = render_html(result) if target.suffix.lower() in (".html", ".htm") else render_markdown(result)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_json(result: EvaluationResult, path: Path | str) -> Path:
    """Write :meth:`EvaluationResult.to_dict` as JSON. Returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def format_summary(result: EvaluationResult) -> str:
    """A plain-text summary for the console: headline metrics and the per-criterion table."""
    lines = [f"Evaluated {result.patients} gold patients against {result.run_dir or 'the run'}.", ""]
    width = max(len(name) for name, _ in _summary_rows(result))
    lines += [f"  {name:<{width}}  {value}" for name, value in _summary_rows(result)]
    lines += ["", f"  {'criterion':<33} {'P':>6} {'R':>6} {'F1':>6} {'acc':>6}"]
    for c in result.criteria:
        m = c.met
        lines.append(f"  {c.criterion_id:<33} {_f(m.precision):>6} {_f(m.recall):>6} {_f(m.f1):>6} {_f(c.accuracy):>6}")
    if result.missing_patients:
        lines += ["", "Missing from the run (counted wrong): " + ", ".join(result.missing_patients)]
    lines += [f"Warning: {w}" for w in result.warnings]
    return "\n".join(lines)


# ---------------------------------------------------------------- the document


def _document(r: EvaluationResult) -> list[_Block]:
    blocks: list[_Block] = [
        _Heading(1, "sle-abstract evaluation"),
        _Para(
            f"Gold: {r.gold_path or 'n/a'} ({r.patients} patients). Run: {r.run_dir or 'n/a'}. "
            f"Notes: {r.notes_path or 'not available'}."
        ),
    ]
    blocks += [_Para(f"Warning: {w}") for w in r.warnings]
    blocks += [_Heading(2, "Summary"), _Table(("metric", "value"), _summary_rows(r))]

    blocks += [
        _Heading(2, "Per criterion"),
        _Para('P/R/F1 are for "met" against not met or unknown; accuracy is over the 3 statuses.'),
        _Table(
            ("criterion", "kind", "gold met", "predicted met", "TP", "FP", "FN", "P", "R", "F1", "3-way accuracy"),
            [
                (
                    c.criterion_id,
                    c.kind,
                    str(c.met.gold),
                    str(c.met.predicted),
                    str(c.met.tp),
                    str(c.met.fp),
                    str(c.met.fn),
                    _f(c.met.precision),
                    _f(c.met.recall),
                    _f(c.met.f1),
                    _acc(c.accuracy, c.confusion),
                )
                for c in r.criteria
            ],
        ),
    ]

    m = r.mentions
    blocks += [
        _Heading(2, "Evidence spans"),
        _Para(
            "A predicted evidence line matches a gold mention with the same patient, note and criterion "
            "whose span overlaps it; each is matched at most once."
        ),
        _Table(
            ("evidence", "gold", "predicted", "matched", "P", "R", "F1"),
            [_span_row("all evidence", m.all_evidence), _span_row("supporting only", m.supporting_only)],
        ),
        _Heading(3, f"Qualifiers over {m.matched_pairs} matched pairs"),
        _Table(
            ("qualifier", "accuracy", "true in gold", "true in run"),
            [(q.qualifier, _f(q.accuracy), str(q.gold_true), str(q.predicted_true)) for q in m.qualifiers]
            + [("supports", _f(m.supports_accuracy), "", "")],
        ),
    ]

    blocks += [_Heading(2, "Confusion matrices"), _Para("Rows are gold, columns the run's output.")]
    blocks += [_Heading(3, "Status, all criteria"), _confusion_table(r.status_confusion)]
    blocks += [_Heading(3, "Eligibility"), _confusion_table(r.eligibility_confusion)]
    blocks += [_Heading(3, "Antibodies, all four"), _confusion_table(r.antibody_confusion)]
    blocks.append(
        _Table(("antibody", "accuracy"), [(ab, _f(acc)) for ab, acc in r.antibody_accuracies.items()]),
    )
    for c in r.criteria:
        blocks += [_Heading(3, c.criterion_id), _confusion_table(c.confusion)]

    blocks.append(_Heading(2, "Errors"))
    if r.missing_patients:
        blocks += [
            _Heading(3, "Patients missing from the run"),
            _Para("Counted wrong for every criterion, antibody and eligibility: " + ", ".join(r.missing_patients)),
        ]
    blocks += [
        _Heading(3, f"Criterion statuses ({len(r.status_errors)})"),
        _Table(
            ("patient", "criterion", "expected", "got", "tool's rationale", "evidence the tool cited", "gold evidence"),
            [
                (e.patient_id, e.criterion_id, e.expected, e.got, e.rationale, _refs(e.cited), _refs(e.gold_evidence))
                for e in r.status_errors
            ],
        ),
        _Heading(3, f"Eligibility ({len(r.eligibility_errors)})"),
        _Table(("patient", "expected", "got"), [(e.patient_id, e.expected, e.got) for e in r.eligibility_errors]),
        _Heading(3, f"Antibodies ({len(r.antibody_errors)})"),
        _Table(
            ("patient", "antibody", "expected", "got", "evidence the tool found"),
            [(e.patient_id, e.item, e.expected, e.got, _refs(e.cited)) for e in r.antibody_errors],
        ),
    ]
    if r.offsets is not None and r.offsets.problems:
        blocks += [_Heading(3, f"Invalid evidence offsets ({r.offsets.invalid})")]
        blocks += _capped(
            ("evidence_id", "patient", "note", "start", "end", "problem"),
            [(p.evidence_id, p.patient_id, p.note_id, str(p.start), str(p.end), p.reason) for p in r.offsets.problems],
        )
    if r.gold_offsets is not None and r.gold_offsets.problems:
        blocks += [_Heading(3, f"Invalid gold offsets ({r.gold_offsets.invalid})")]
        blocks += _capped(
            ("patient", "note", "start", "end", "problem"),
            [(p.patient_id, p.note_id, str(p.start), str(p.end), p.reason) for p in r.gold_offsets.problems],
        )
    blocks += [_Heading(3, f"Gold mentions the run missed ({len(m.missed)})")]
    blocks += _capped(_SPAN_HEADERS, [_span_listing(s) for s in m.missed])
    blocks += [_Heading(3, f"Run evidence matching no gold mention ({len(m.unmatched)})")]
    blocks += _capped(_SPAN_HEADERS, [_span_listing(s) for s in m.unmatched])
    return blocks


def _summary_rows(r: EvaluationResult) -> list[tuple[str, str]]:
    n_status = r.patients * len(r.criteria)
    rows = [
        ("macro-F1 of met (8 criteria)", _f(r.macro_f1)),
        (f"status accuracy (3-way, {n_status} patient-criteria)", _acc(r.status_accuracy, r.status_confusion)),
        ("eligibility accuracy (3-way)", _acc(r.eligibility_accuracy, r.eligibility_confusion)),
        ("antibody accuracy (4 antibodies x patients)", _acc(r.antibody_accuracy, r.antibody_confusion)),
        ("evidence P / R / F1, all", _prf(r.mentions.all_evidence)),
        ("evidence P / R / F1, supporting only", _prf(r.mentions.supporting_only)),
    ]
    if r.offsets is None:
        rows.append(("evidence offsets valid", "not checked (no notes file)"))
    else:
        rows.append(
            (
                "evidence offsets valid",
                f"{'yes' if r.offsets.valid else 'no'}: {r.offsets.invalid} invalid of {r.offsets.checked}",
            )
        )
    rows.append(("patients missing from the run", str(len(r.missing_patients))))
    if r.extra_patients:
        rows.append(("run patients not in gold (not scored)", str(len(r.extra_patients))))
    return rows


_SPAN_HEADERS = ("patient", "note", "criterion", "concept", "span", "start", "end", "supports", "qualifiers")


def _span_listing(s: EvidenceRef) -> tuple[str, ...]:
    return (
        s.patient_id,
        s.note_id,
        s.criterion_id,
        s.concept,
        _quote(s.text),
        str(s.start),
        str(s.end),
        "yes" if s.supports else "no",
        ", ".join(q.removeprefix("is_") for q in s.qualifiers),
    )


def _capped(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[_Block]:
    blocks: list[_Block] = [_Table(headers, rows[:MAX_LISTED])]
    if len(rows) > MAX_LISTED:
        blocks.append(_Para(f"... and {len(rows) - MAX_LISTED} more (all are in the --json output)."))
    return blocks


def _confusion_table(c: Confusion) -> _Table:
    headers = ("gold vs run", *c.predicted_labels)
    return _Table(headers, [(label, *map(str, row)) for label, row in zip(c.labels, c.matrix, strict=True)])


def _span_row(name: str, s: Scores) -> tuple[str, ...]:
    return (name, str(s.gold), str(s.predicted), str(s.tp), _f(s.precision), _f(s.recall), _f(s.f1))


def _refs(refs: Sequence[EvidenceRef]) -> str:
    if not refs:
        return "none"
    parts = []
    for e in refs:
        flags = [q.removeprefix("is_") for q in e.qualifiers]
        flags.append("supports" if e.supports else "does not support")
        parts.append(f"{_quote(e.text)} ({e.note_id} {e.start}-{e.end}; {', '.join(flags)})")
    return "; ".join(parts)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_SPAN_CHARS:
        text = text[: MAX_SPAN_CHARS - 1] + "…"
    return f'"{text}"'


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _prf(s: Scores) -> str:
    return f"{_f(s.precision)} / {_f(s.recall)} / {_f(s.f1)}"


def _acc(value: float, c: Confusion) -> str:
    correct = sum(c.count(label, label) for label in c.labels)
    total = sum(sum(row) for row in c.matrix)
    return f"{_f(value)} ({correct}/{total})"


def _md(text: str) -> str:
    """Escape text for one line of Markdown (or a table cell): no HTML, no markup, no line breaks."""
    text = " ".join(text.split())
    text = html.escape(text, quote=False)
    for ch in ("\\", "`", "*", "[", "]", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


def _h(text: str) -> str:
    return html.escape(text, quote=True)
