"""Drug-name spelling repair: one-for-one letter fixes, ordinary words untouched."""

from __future__ import annotations

import pytest

from nlp.pipeline.spelling import repair

REPAIRED = [
    ("azathiaprine 150 daily - since 2022", "azathioprine 150 daily - since 2022"),
    ("tacrolimis 3mg bid added 11/2022", "tacrolimus 3mg bid added 11/2022"),
    ("Mycophenylate 1 g BID", "Mycophenolate 1 g BID"),
    ("started METHOTREXATA 15 mg", "started METHOTREXATE 15 mg"),
    ("prednisome 10 mg", "prednisone 10 mg"),
]

UNCHANGED = [
    "Enrolled in the program; Prograf 2 mg BID.",  # seven letters: too short to guess
    "voclosporin 23.7 mg BID and cyclosporine eye drops",  # real names are never rewritten
    "azathioprine 100 mg, mycophenolate stopped",
    "Headaches, hypertension and hyperlipidemia.",
    "belimumab (Benlysta) and golimumab for psoriatic arthritis",
    "Prednisona 10 mg/day; Micofenolato 1 g",  # listed international names are names, not misspellings
]


@pytest.mark.parametrize(("text", "expected"), REPAIRED)
def test_misspelt_drug_names_are_repaired(text, expected):
    assert repair(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_other_words_are_left_alone(text):
    assert repair(text) == text


def test_offsets_are_kept():
    text = "pt on azathiaprine and tacrolimis; cellcept stopped"
    assert len(repair(text)) == len(text)
