"""Property-based tests (hypothesis): what holds for any note and any corpus.

- The note pipeline never raises, whatever the text: arbitrary Unicode
  (everything but lone surrogates, which the readers reject) and
  clinical-looking text mixed from a vocabulary of clinical words, numbers,
  dates, punctuation and line breaks.
- Every mention's offsets index its own text: ``text[start:end] == mention.text``.
- The whole CLI on a small random corpus writes outputs that validate
  against the contract's schemas, rejects none of its well-formed records,
  and cites evidence whose offsets point at the note text.
- The order of the input records does not change ``patients.jsonl`` or
  ``evidence.jsonl`` (compared as sorted lines), including the
  reverse-chronological export given as an explicit example.

Examples are few (the pipeline is the slow part) and there is no deadline.
The example database is off so that the tests write nothing outside their
temporary folders; a failure prints the example and a ``@reproduce_failure``
blob.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from nlp.cli import main
from nlp.records import NoteRecord
from nlp.schema import validate_output_dir

PROPERTY_SETTINGS = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
"""For the CLI tests: a failing corpus is already small, and shrinking one costs minutes."""

CLINICAL_WORDS: tuple[str, ...] = (
    # diagnoses and look-alikes
    "SLE", "systemic lupus erythematosus", "lupus", "lupus nephritis", "class IV", "class V", "ISN/RPS",
    "discoid lupus", "drug-induced lupus", "lupus anticoagulant", "UCTD", "MCTD", "Sjogren", "NPSLE",
    "cerebritis", "seizure", "psychosis", "headache", "migraine", "diabetes", "hypertension", "CKD",
    "heart failure", "well controlled", "poorly controlled", "uncontrolled", "HbA1c", "flare", "remission",
    "active arthritis", "malar rash", "serositis", "SLEDAI", "proteinuria", "UPCR", "nephrotic", "sediment",
    # drugs
    "prednisone", "methylprednisolone", "hydroxychloroquine", "Plaquenil", "mycophenolate", "MMF", "CellCept",
    "azathioprine", "methotrexate", "cyclophosphamide", "tacrolimus", "voclosporin", "belimumab", "Benlysta",
    "anifrolumab", "rituximab", "mg", "daily", "BID", "started", "stopped", "since", "for", "months", "weeks",
    "discontinued", "allergy", "intolerance", "plan to start", "will start", "x 6 months",
    # labs
    "anti-dsDNA", "dsDNA", "anti-Smith", "anti-Sm", "Sm/RNP", "anti-RNP", "anti-histone", "anti-chromatin",
    "anti-nucleosome", "ANA", "anti-Ro", "positive", "negative", "pos", "neg", "pending", "1:320", "IU/mL",
    "(ref <30)", "elevated", "normal", "C3", "C4", "low",
    # people, time, context
    "patient", "she", "he", "mother", "sister", "family history of", "denies", "no", "not", "without",
    "history of", "h/o", "r/o", "possible", "probable", "if", "currently", "now", "previously", "in 2019",
    "last year", "ago", "today", "pregnant", "weeks gestation", "G2P1", "breastfeeding", "postpartum",
    "hCG negative", "menopause", "male", "female", "y/o", "year-old", "DOB", "age", "diagnosed at age",
    # headings
    "HPI:", "Assessment:", "Plan:", "Family History:", "Medications:", "Labs:", "PMH:", "Allergies:",
)  # fmt: skip
PUNCTUATION = tuple("().,;:-/+*#%<>=[]'\"?!&")
SEPARATORS = (" ", " ", " ", "  ", "\n", "\n\n", "\r\n", ", ", ". ", ": ", "; ", "\t", " - ", "\n- ", "\n1. ")


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
"""Plausible note dates. Year-1 dates make the resolvers crash (reported; see tests/robustness)."""

date_words = st.one_of(
    dates.map(date.isoformat),
    dates.map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    dates.map(lambda d: d.strftime("%b %Y")),
    dates.map(lambda d: d.strftime("%B %d, %Y")),
)
numbers = st.one_of(
    st.integers(min_value=0, max_value=5000).map(str),
    st.integers(min_value=0, max_value=999).map(lambda n: f"{n / 10:.1f}"),
)
clinical_token = st.one_of(
    st.sampled_from(CLINICAL_WORDS),
    st.sampled_from(CLINICAL_WORDS),
    numbers,
    date_words,
    st.sampled_from(PUNCTUATION),
)
clinical_text = st.lists(st.tuples(clinical_token, st.sampled_from(SEPARATORS)), min_size=1, max_size=150).map(
    lambda parts: "".join(token + sep for token, sep in parts)
)
"""Clinical-looking text: words, numbers, dates and punctuation joined by spaces and line breaks."""

clinical_note = st.lists(clinical_text, min_size=1, max_size=6).map("\n\n".join)
"""A note of a few such paragraphs (hypothesis keeps single lists short)."""

unicode_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
"""Any Unicode without lone surrogates (which the readers reject): NUL, controls, RTL, emoji, combining marks."""


def _check_mentions(pipeline: Any, text: str, note_date: date | None) -> None:
    note = NoteRecord(patient_id="PROP", note_id="N1", text=text, note_date=note_date)
    mentions = pipeline.process(note)
    for m in mentions:
        assert 0 <= m.start <= m.end <= len(text), (m.start, m.end, len(text))
        assert text[m.start : m.end] == m.text, (m.start, m.end, m.text)
        assert (m.patient_id, m.note_id) == ("PROP", "N1")


@settings(max_examples=500, **PROPERTY_SETTINGS)
@given(text=unicode_text, note_date=st.none() | dates)
def test_pipeline_takes_any_unicode_text(pipeline: Any, text: str, note_date: date | None) -> None:
    _check_mentions(pipeline, text, note_date)


@settings(max_examples=500, **PROPERTY_SETTINGS)
@given(text=clinical_note, note_date=st.none() | dates)
def test_pipeline_takes_any_clinical_looking_text(pipeline: Any, text: str, note_date: date | None) -> None:
    _check_mentions(pipeline, text, note_date)


@settings(max_examples=300, **PROPERTY_SETTINGS)
@given(
    text=st.lists(st.one_of(clinical_text, unicode_text), min_size=2, max_size=4).map("".join),
    note_date=st.none() | dates,
)
def test_pipeline_takes_clinical_text_mixed_with_any_unicode(pipeline: Any, text: str, note_date: date | None) -> None:
    _check_mentions(pipeline, text, note_date)


# --------------------------------------------------------------------------- the whole CLI


@st.composite
def corpora(draw: st.DrawFn, distinct_dates: bool = False) -> list[dict[str, Any]]:
    """1-8 well-formed records for up to 3 patients; note ids unique per patient.

    Dates are often shared or absent; with ``distinct_dates`` every note has
    a date of its own, so "the latest note" is always one note.
    """
    n = draw(st.integers(min_value=1, max_value=8))
    if distinct_dates:
        note_dates: list[date | None] = draw(
            st.lists(st.dates(date(2015, 1, 1), date(2026, 12, 31)), min_size=n, max_size=n, unique=True)
        )
    else:
        shared_or_any = st.none() | st.sampled_from(SHARED_DATES) | st.dates(date(2015, 1, 1), date(2026, 12, 31))
        note_dates = [draw(shared_or_any) for _ in range(n)]
    records = []
    for i, note_date in enumerate(note_dates):
        record: dict[str, Any] = {
            "patient_id": draw(st.sampled_from(("P1", "P2", "P3"))),
            "note_id": f"N{i}",
            # A leading word keeps the text non-blank, as the contract requires.
            "text": draw(st.sampled_from(CLINICAL_WORDS)) + " " + draw(clinical_note),
        }
        if note_date is not None:
            record["note_date"] = note_date.isoformat()
        if draw(st.booleans()):
            record["note_type"] = draw(st.sampled_from(("Rheumatology clinic note", "Nephrology consult", "")))
        records.append(record)
    return records


SHARED_DATES = (date(2024, 1, 15), date(2024, 7, 1), date(2025, 3, 1))
"""Few dates, so that notes of a patient often share one (input order must not break the tie)."""


def _run_cli(records: list[dict[str, Any]], folder: Path, name: str) -> Path:
    corpus = folder / f"{name}.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = folder / f"{name}-out"
    assert main(["run", str(corpus), "--out", str(out), "--quiet"]) == 0
    return out


def _sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.slow
@settings(max_examples=100, phases=NO_SHRINK, **PROPERTY_SETTINGS)
@given(records=corpora())
def test_cli_outputs_validate_for_any_small_corpus(records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = _run_cli(records, Path(tmp), "corpus")
        assert validate_output_dir(out) == []
        assert (out / "errors.jsonl").read_text(encoding="utf-8") == "", "a well-formed record was rejected"
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["counts"]["notes_read"] == manifest["counts"]["notes_processed"] == len(records)
        texts = {(r["patient_id"], r["note_id"]): r["text"] for r in records}
        for line in (out / "evidence.jsonl").read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            assert texts[(e["patient_id"], e["note_id"])][e["start"] : e["end"]] == e["text"]


REVERSED_DOB_EXPORT = [
    {"patient_id": "P1", "note_id": "A", "note_date": "2024-01-10", "text": "DOB: 01/02/2010. Seen in clinic."},
    {"patient_id": "P1", "note_id": "B", "note_date": "2025-01-10", "text": "DOB: 01/02/1980. Seen in clinic."},
]
"""Two dates of birth; the later note corrects the earlier. Read in reverse order (as many
EHR exports are), the later note must still win."""


@pytest.mark.slow
@settings(max_examples=60, phases=NO_SHRINK, **PROPERTY_SETTINGS)
@given(records=corpora(), perm=st.permutations(range(8)))
@example(records=REVERSED_DOB_EXPORT, perm=[1, 0, 2, 3, 4, 5, 6, 7])
def test_record_order_does_not_change_results(records: list[dict[str, Any]], perm: list[int]) -> None:
    shuffled = [records[i] for i in perm if i < len(records)]
    with tempfile.TemporaryDirectory() as tmp:
        first = _run_cli(records, Path(tmp), "given")
        second = _run_cli(shuffled, Path(tmp), "shuffled")
        for name in ("patients.jsonl", "evidence.jsonl"):
            assert _sorted_lines(first / name) == _sorted_lines(second / name), name
