"""Sentence boundaries on clinical layout (pure function, no spaCy needed)."""

from __future__ import annotations

import pytest

from nlp.pipeline.sentences import sentence_starts


def _sentences(text: str) -> list[str]:
    starts = sentence_starts(text)
    ends = [*starts[1:], len(text)] if starts else []
    return [text[a:b].strip() for a, b in zip(starts, ends, strict=True)]


CASES = [
    pytest.param(
        "HPI: SLE since 2015. Now with flare.", ["HPI: SLE since 2015.", "Now with flare."], id="prose-two-sentences"
    ),
    pytest.param("Seen by Dr. Smith today. Stable.", ["Seen by Dr. Smith today.", "Stable."], id="abbreviation-dr"),
    pytest.param(
        "MMF 1500 mg b.i.d. Prednisone 5 mg daily.",
        ["MMF 1500 mg b.i.d.", "Prednisone 5 mg daily."],
        id="dotted-frequency-ends-sentence",
    ),
    pytest.param("Examples e.g. Arthritis and rash.", ["Examples e.g. Arthritis and rash."], id="abbreviation-eg"),
    pytest.param("Seen by J. Smith MD.", ["Seen by J. Smith MD."], id="initial"),
    pytest.param(
        "UA 5-10 RBC, no casts. ?early LN - neph ref.",
        ["UA 5-10 RBC, no casts.", "?early LN - neph ref."],
        id="query-starts-a-sentence",
    ),
    pytest.param("Creatinine 1.2 today. UPCR 0.3.", ["Creatinine 1.2 today.", "UPCR 0.3."], id="decimals"),
    pytest.param(
        "PAST MEDICAL HISTORY:\n- SLE\n- HTN", ["PAST MEDICAL HISTORY:", "- SLE", "- HTN"], id="heading-and-bullets"
    ),
    pytest.param(
        "1. Lupus nephritis\n2. HTN, well controlled",
        ["1. Lupus nephritis", "2. HTN, well controlled"],
        id="numbered-list",
    ),
    pytest.param(
        "LABS\nC3 68 mg/dL L\nC4 8 mg/dL L", ["LABS", "C3 68 mg/dL L", "C4 8 mg/dL L"], id="caps-heading-lab-lines"
    ),
    pytest.param(
        "Anti-dsDNA ......... 87 IU/mL (H)   ref <30",
        ["Anti-dsDNA ......... 87 IU/mL (H)   ref <30"],
        id="dotted-leader",
    ),
    pytest.param(
        "anti-chromatin . 28 U/mL    [<20]  H",
        ["anti-chromatin . 28 U/mL    [<20]  H"],
        id="one-dot-leader",
    ),
    pytest.param(
        "BP 112/70  HR 88  T 37.1\nRR 16  SpO2 98%", ["BP 112/70  HR 88  T 37.1", "RR 16  SpO2 98%"], id="vitals-lines"
    ),
    pytest.param(
        "She reports that joint pain and swelling have been getting\nworse over the past two weeks despite prednisone.",
        [
            "She reports that joint pain and swelling have been getting\nworse over the past two weeks despite prednisone."
        ],
        id="hard-wrapped-prose",
    ),
    pytest.param(
        "Plan:\nStart belimumab.\n\nFollow up 3 months.",
        ["Plan:", "Start belimumab.", "Follow up 3 months."],
        id="blank-line",
    ),
    pytest.param(
        "ALLERGIES: azathioprine (pancreatitis)\nMEDS: HCQ 200 mg BID",
        ["ALLERGIES: azathioprine (pancreatitis)", "MEDS: HCQ 200 mg BID"],
        id="inline-headings",
    ),
    pytest.param(
        "Is she pregnant? Urine hCG negative.", ["Is she pregnant?", "Urine hCG negative."], id="question-mark"
    ),
    pytest.param("", [], id="empty"),
    pytest.param("   \n  \n", [], id="whitespace-only"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected
