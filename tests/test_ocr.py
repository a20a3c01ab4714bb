"""OCR repair: letter/digit confusions undone, offsets and ordinary text untouched."""

from __future__ import annotations

import pytest

from nlp.pipeline.ocr import repair

REPAIRED = [
    ("ANTl-SMITH AB ...... P0SITIVE", "ANTI-SMITH AB ...... POSITIVE"),
    ("ADMIT: 0l/l8/2024", "ADMIT: 01/18/2024"),
    ("ANTI-dsDNA 4l0 IU/mL", "ANTI-dsDNA 410 IU/mL"),
    ("MYC0PHENOLATE MOFETlL l500 mg BID", "MYCOPHENOLATE MOFETIL 1500 mg BID"),
    ("CLASS lV-G (A) + V", "CLASS IV-G (A) + V"),
    ("dx per outside rheum 20l8", "dx per outside rheum 2018"),
    ("ANTI-HIST0NE .... 2.8 U", "ANTI-HISTONE .... 2.8 U"),
]

UNCHANGED = [
    "HbA1c 9.1% (T1DM since age 12); HBA1C repeat 8.8",
    "C1q normal, C3 68 L, C4 9 L",
    "sFlt-1/PlGF ratio 12",
    "anti-beta2 glycoprotein1 IgG negative",
    "G2P1 at 22 weeks; on 2L O2",
    "Prednisone 10mg daily x 2wks, 1st dose 3/4",
    "Page l of 2",
    "MMF 1.5 g BID since 03/2023; anti-dsDNA 87 IU/mL (H).",
]


@pytest.mark.parametrize(("text", "expected"), REPAIRED)
def test_ocr_confusions_are_repaired(text, expected):
    assert repair(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_typed_text_is_left_alone(text):
    assert repair(text) == text


def test_evidence_is_quoted_from_the_note_not_the_repair(process):
    text = "LABS 02/2024: ANTl-SMITH ...... P0SITIVE\nMEDICATI0NS: BELlMUMAB 200 mg SC weekly"
    mentions = process(text)
    assert mentions, "no mentions"
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert all(m.sentence in text for m in mentions)
    assert any(m.concept == "anti_sm" and m.text.upper().startswith("ANTL") for m in mentions)
