"""Notes in another language are marked unread, and exclusions are not concluded from their silence."""

from __future__ import annotations

from datetime import date

import pytest

from nlp.criteria import resolve_patient
from nlp.pipeline.language import non_english
from nlp.records import UNREAD_NOTE, NoteRecord

SPANISH = (
    "Mujer de 41 años con LES desde 2019. Refiere dolor articular en las manos desde hace tres semanas, "
    "sin fiebre. Tratamiento actual con micofenolato y prednisona, que tolera bien. Se solicita analítica."
)
FRENCH = (
    "Mme M., 45 ans, suivie pour un LES depuis 2015. Elle présente des arthralgies des poignets sans synovite. "
    "Traitement par CellCept et prednisone, bien toléré. Pas de fièvre, pas de céphalées."
)
ENGLISH = (
    "41 yo F with SLE since 2019, seen for follow-up. She reports hand pain for three weeks and denies fever. "
    "She is on mycophenolate and prednisone and tolerates both. Labs ordered today."
)
CHECKLIST = "Age >=18: Y\nSLE: Y\nAb+: Y (dsDNA)\n>=2 IS + GC: Y - MMF, AZA\nPregnant: N\nLN: N\nCNS: N\nIllness: N\nEligible: Y"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(SPANISH, "es", id="spanish"),
        pytest.param(FRENCH, "fr", id="french"),
        pytest.param(ENGLISH, None, id="english"),
        pytest.param(CHECKLIST, None, id="checklist-Y-is-not-spanish-y"),
        pytest.param("Mujer de 41 años con LES.", None, id="too-short-to-tell"),
        pytest.param(ENGLISH + ' Pt says "me duele todo, no puedo con el dolor".', None, id="a-quoted-phrase"),
    ],
)
def test_non_english(text: str, expected: str | None) -> None:
    assert non_english(text) == expected


def test_a_note_in_another_language_is_marked_unread(pipeline) -> None:
    note = NoteRecord(patient_id="P1", note_id="N1", text=SPANISH, note_date=date(2025, 2, 1))
    marks = [m for m in pipeline.process(note) if m.concept == UNREAD_NOTE]
    assert [(m.note_id, m.attrs["language"], m.criterion_id) for m in marks] == [("N1", "es", "")]
    english = NoteRecord(patient_id="P1", note_id="N2", text=ENGLISH, note_date=date(2025, 2, 1))
    assert not [m for m in pipeline.process(english) if m.concept == UNREAD_NOTE]


def test_exclusions_are_not_concluded_from_notes_nobody_read(pipeline) -> None:
    screen = date(2025, 2, 1)
    english = NoteRecord(patient_id="P1", note_id="N1", text=ENGLISH, note_date=screen)
    spanish = NoteRecord(patient_id="P1", note_id="N2", text=SPANISH, note_date=screen)
    read = resolve_patient("P1", pipeline.process(english), screen, note_count=1)
    assert read.criteria["active_severe_cns_lupus"].status == "not_met"  # protocol.json: absent -> not_met
    both = resolve_patient("P1", pipeline.process(english) + pipeline.process(spanish), screen, note_count=2)
    result = both.criteria["active_severe_cns_lupus"]
    assert result.status == "unknown"
    assert "not in English (es)" in result.rationale
    assert all(m.concept != UNREAD_NOTE for r in both.criteria.values() for m in r.evidence)
