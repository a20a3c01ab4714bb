"""Resolvers are pure functions of hand-made mentions: no spaCy needed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from nlp.criteria import eligibility, resolve_patient, screening_date_for
from nlp.criteria.autoantibody import latest_results, result_of
from nlp.criteria.common import Context
from nlp.criteria.refractory import Interval, days_in_window, exposure_interval, merge
from nlp.records import CriterionResult, Mention

SCREEN = date(2025, 3, 1)


def mention(
    concept: str, criterion: str, note_date: date | None = date(2025, 2, 1), note_id: str = "N1", **kw: Any
) -> Mention:
    attrs = kw.pop("attrs", {})
    return Mention(
        patient_id="P1",
        note_id=note_id,
        note_date=note_date,
        note_type="Clinic note",
        criterion_id=criterion,
        concept=concept,
        text=kw.pop("text", concept),
        start=kw.pop("start", 0),
        end=kw.pop("end", len(concept)),
        section=kw.pop("section", None),
        sentence=kw.pop("sentence", concept),
        attrs=attrs,
        **kw,
    )


def drug(name: str, cls: str, note_date: date, **attrs: Any) -> Mention:
    base = {
        "drug": name,
        "drug_class": cls,
        "start": None,
        "end": None,
        "duration_days": None,
        "stopped": False,
        "current": False,
        "allergy": False,
    }
    base.update(attrs)
    return mention("drug", "refractory_active_disease", note_date=note_date, attrs=base, note_id=f"N{note_date}")


def statuses(mentions: list[Mention]) -> dict[str, str]:
    result = resolve_patient("P1", mentions, SCREEN, note_count=3)
    return {cid: r.status for cid, r in result.criteria.items()}


def test_eligibility_rule() -> None:
    met = CriterionResult("met", "")
    not_met = CriterionResult("not_met", "")
    unknown = CriterionResult("unknown", "")
    inc = ["age_18_or_older", "sle_diagnosis", "refractory_active_disease", "autoantibody_positive"]
    exc = [
        "active_severe_lupus_nephritis",
        "active_severe_cns_lupus",
        "unmanaged_major_chronic_illness",
        "pregnant_or_lactating",
    ]
    all_good = {**{c: met for c in inc}, **{c: not_met for c in exc}}
    assert eligibility(all_good) == "eligible"
    assert eligibility({**all_good, "pregnant_or_lactating": met}) == "ineligible"
    assert eligibility({**all_good, "sle_diagnosis": not_met}) == "ineligible"
    assert eligibility({**all_good, "pregnant_or_lactating": unknown}) == "needs_review"


@pytest.mark.parametrize(
    ("dates", "fixed", "expected"),
    [
        pytest.param([date(2024, 1, 1), None, date(2025, 2, 1)], None, date(2025, 2, 1), id="latest-dated-note"),
        pytest.param([None], None, date(2026, 1, 1), id="no-dates-today"),
        pytest.param([date(2024, 1, 1)], date(2025, 6, 1), date(2025, 6, 1), id="fixed-date-wins"),
    ],
)
def test_screening_date_rule(dates: list[date | None], fixed: date | None, expected: date) -> None:
    assert screening_date_for(dates, fixed, today=date(2026, 1, 1)) == expected


def test_latest_antibody_result_wins_both_ways() -> None:
    old_pos = mention(
        "anti_dsdna",
        "autoantibody_positive",
        note_date=date(2022, 1, 1),
        note_id="A",
        attrs={"antibody": "anti_dsdna", "result": "positive"},
    )
    new_neg = mention(
        "anti_dsdna",
        "autoantibody_positive",
        note_date=date(2025, 1, 1),
        note_id="B",
        attrs={"antibody": "anti_dsdna", "result": "negative"},
    )
    assert latest_results([old_pos, new_neg], SCREEN)["anti_dsdna"][0] == "negative"
    old_neg = mention(
        "anti_sm",
        "autoantibody_positive",
        note_date=date(2022, 1, 1),
        note_id="A",
        attrs={"antibody": "anti_sm", "result": "negative"},
    )
    new_pos = mention(
        "anti_sm",
        "autoantibody_positive",
        note_date=date(2025, 1, 1),
        note_id="B",
        attrs={"antibody": "anti_sm", "result": "positive"},
    )
    assert latest_results([old_neg, new_pos], SCREEN)["anti_sm"][0] == "positive"


def test_result_after_screening_is_ignored() -> None:
    later = mention(
        "anti_dsdna",
        "autoantibody_positive",
        note_date=date(2025, 6, 1),
        attrs={"antibody": "anti_dsdna", "result": "positive"},
    )
    assert latest_results([later], SCREEN)["anti_dsdna"][0] == "not_found"


def test_pending_test_is_not_a_result() -> None:
    pending = mention("anti_dsdna", "autoantibody_positive", attrs={"antibody": "anti_dsdna", "result": "pending"})
    assert statuses([pending])["autoantibody_positive"] == "unknown"


def test_merge_joins_current_listings_and_counts_window_days() -> None:
    ctx = Context.for_patient(SCREEN, 3)
    a = exposure_interval(drug("mycophenolate", "immunosuppressives", date(2024, 6, 1), current=True), ctx)
    b = exposure_interval(drug("mycophenolate", "immunosuppressives", date(2024, 11, 1), current=True), ctx)
    assert isinstance(a, Interval) and isinstance(b, Interval)
    spans = merge([a, b], join_gap_days=200)
    assert spans == [(date(2024, 6, 1), date(2024, 11, 1))]
    assert days_in_window(spans, date(2023, 3, 1), SCREEN) == 154


def _refractory(*drugs: Mention, active: bool = True) -> str:
    activity = mention("disease_active" if active else "disease_inactive", "refractory_active_disease")
    return statuses([*drugs, activity])["refractory_active_disease"]


def test_a_lookalike_without_any_treatment_is_no_refractory_sle() -> None:
    dil = mention("sle_lookalike", "sle_diagnosis", text="drug-induced lupus", attrs={"lookalike": "drug-induced"})
    assert statuses([dil])["refractory_active_disease"] == "not_met"
    assert statuses([])["refractory_active_disease"] == "unknown"


def test_a_doubted_use_with_a_start_covers_no_months() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("azathioprine", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
    ]
    vague = drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-02-01", doubted=True)
    assert _refractory(*base, vague) == "unknown"
    assert _refractory(*base, replace(vague, attrs={**vague.attrs, "doubted": False})) == "met"


def test_refractory_met_with_steroid_and_two_long_trials() -> None:
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2024-03-01", current=True),
        )
        == "met"
    )


def test_refractory_two_week_trial_does_not_count() -> None:
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            drug("leflunomide", "immunosuppressives", date(2025, 2, 1), duration_days=14, stopped=True),
        )
        == "not_met"
    )


def test_refractory_trial_outside_24_months_does_not_count() -> None:
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            drug(
                "methotrexate",
                "immunosuppressives",
                date(2025, 2, 1),
                start="2019-01-01",
                end="2021-06-30",
                stopped=True,
            ),
        )
        == "not_met"
    )


def test_refractory_remission_is_not_active() -> None:
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2024-03-01", current=True),
            active=False,
        )
        == "not_met"
    )


def test_refractory_allergy_and_planned_drugs_do_not_count() -> None:
    allergy = drug("azathioprine", "immunosuppressives", date(2025, 2, 1), start="2023-01-01", current=True)
    allergy.section = "allergies"
    planned = drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2023-01-01", current=True)
    planned.is_hypothetical = True
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            allergy,
            planned,
        )
        == "not_met"
    )


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param([mention("sle", "sle_diagnosis")], "met", id="sle-affirmed"),
        pytest.param([mention("sle", "sle_diagnosis", is_family=True)], "not_met", id="sle-family-only"),
        pytest.param([mention("sle", "sle_diagnosis", is_uncertain=True)], "unknown", id="sle-uncertain"),
        pytest.param(
            [mention("sle_lookalike", "sle_diagnosis", text="lupus anticoagulant")], "not_met", id="lookalike-only"
        ),
        pytest.param(
            [mention("lupus_nephritis", "active_severe_lupus_nephritis", text="lupus nephritis")],
            "met",
            id="lupus-nephritis-implies-sle",
        ),
        pytest.param(
            [mention("lupus_nephritis", "active_severe_lupus_nephritis", text="proliferative glomerulonephritis")],
            "not_met",
            id="unnamed-gn-is-not-sle",
        ),
        pytest.param(
            [mention("anti_dsdna", "autoantibody_positive", attrs={"antibody": "anti_dsdna", "result": "positive"})],
            "unknown",
            id="positive-dsdna-without-diagnosis-is-for-review",
        ),
        pytest.param(
            [
                mention("anti_dsdna", "autoantibody_positive", attrs={"antibody": "anti_dsdna", "result": "positive"}),
                mention("sle_lookalike", "sle_diagnosis", text="drug-induced lupus"),
            ],
            "not_met",
            id="positive-dsdna-with-a-lookalike-is-not-sle",
        ),
        pytest.param(
            [mention("anti_dsdna", "autoantibody_positive", attrs={"antibody": "anti_dsdna", "result": "negative"})],
            "not_met",
            id="negative-dsdna-without-diagnosis",
        ),
        pytest.param(
            [
                mention("sle", "sle_diagnosis", text="SLE", start=0, end=3),
                mention(
                    "disease_active",
                    "refractory_active_disease",
                    text="active lupus",
                    start=40,
                    end=52,
                    is_negated=True,
                ),
                mention("sle", "sle_diagnosis", text="lupus", start=47, end=52, is_negated=True),
            ],
            "met",
            id="no-active-lupus-negates-activity-not-the-diagnosis",
        ),
    ],
)
def test_sle_diagnosis(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["sle_diagnosis"] == expected


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param(
            [mention("lupus_nephritis", "active_severe_lupus_nephritis", attrs={"classes": ["IV"]})],
            "met",
            id="class-iv-active",
        ),
        pytest.param(
            [mention("lupus_nephritis", "active_severe_lupus_nephritis", attrs={"classes": ["II"]})],
            "not_met",
            id="class-ii-not-severe",
        ),
        pytest.param(
            [
                mention(
                    "lupus_nephritis", "active_severe_lupus_nephritis", attrs={"classes": ["IV"]}, is_historical=True
                )
            ],
            "not_met",
            id="class-iv-history",
        ),
        pytest.param(
            [
                mention("lupus_nephritis", "active_severe_lupus_nephritis", attrs={"classes": ["IV"]}, start=0),
                mention("renal_remission", "active_severe_lupus_nephritis", start=40),
            ],
            "not_met",
            id="later-remission-wins",
        ),
        pytest.param(
            [
                mention(
                    "ln_class",
                    "active_severe_lupus_nephritis",
                    attrs={"classes": ["III", "V"]},
                    start=20,
                    sentence="SLE with class III+V LN in partial renal response.",
                ),
                mention(
                    "renal_remission",
                    "active_severe_lupus_nephritis",
                    start=40,
                    attrs={"event_date": "2025-01-01"},
                    sentence="SLE with class III+V LN in partial renal response.",
                ),
            ],
            "not_met",
            id="class-named-in-response-in-one-sentence",
        ),
        pytest.param(
            [
                mention("ln_class", "active_severe_lupus_nephritis", attrs={"classes": ["V"]}, is_uncertain=True),
                mention("proteinuria", "active_severe_lupus_nephritis", attrs={"protein_g": 6.2}, start=30),
                mention(
                    "ln_class",
                    "active_severe_lupus_nephritis",
                    is_negated=True,
                    start=90,
                    cues=("negated_existence: not",),
                    sentence="primary membranous nephropathy, not class V lupus nephritis.",
                ),
            ],
            "not_met",
            id="question-answered-not-lupus-nephritis",
        ),
        pytest.param(
            [
                mention("ln_class", "active_severe_lupus_nephritis", attrs={"classes": ["IV"]}, sentence="s"),
                mention(
                    "ln_class",
                    "active_severe_lupus_nephritis",
                    is_negated=True,
                    start=30,
                    cues=("negated_existence: without",),
                    sentence="s",
                ),
            ],
            "met",
            id="denied-class-beside-the-class-found",
        ),
        pytest.param(
            [
                mention("proteinuria", "active_severe_lupus_nephritis", attrs={"protein_g": 1.1}),
                mention(
                    "renal_biopsy",
                    "active_severe_lupus_nephritis",
                    start=30,
                    sentence="Renal biopsy 07/08/2025 - pathology pending.",
                ),
            ],
            "unknown",
            id="proteinuria-with-biopsy-pathology-pending",
        ),
        pytest.param(
            [
                mention("proteinuria", "active_severe_lupus_nephritis", attrs={"protein_g": 0.48}),
                mention(
                    "lupus_nephritis",
                    "active_severe_lupus_nephritis",
                    start=30,
                    is_uncertain=True,
                    cues=("possible_existence: felt unlikely",),
                ),
            ],
            "not_met",
            id="nephritis-felt-unlikely-is-ruled-out",
        ),
        pytest.param(
            [
                mention("proteinuria", "active_severe_lupus_nephritis", attrs={"protein_g": 0.48}),
                mention(
                    "lupus_nephritis",
                    "active_severe_lupus_nephritis",
                    start=30,
                    is_uncertain=True,
                    cues=("possible_existence: possible",),
                ),
            ],
            "unknown",
            id="possible-nephritis-stays-open",
        ),
        pytest.param([], "not_met", id="nothing-mentioned"),
    ],
)
def test_nephritis(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["active_severe_lupus_nephritis"] == expected


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param(
            [mention("pregnancy", "pregnant_or_lactating", attrs={"gestational_weeks": 22})], "met", id="22-weeks"
        ),
        pytest.param(
            [
                mention(
                    "pregnancy", "pregnant_or_lactating", note_date=date(2023, 1, 1), attrs={"gestational_weeks": 22}
                )
            ],
            "unknown",
            id="old-pregnancy-no-outcome",
        ),
        pytest.param(
            [mention("pregnancy_test", "pregnant_or_lactating", attrs={"result": "negative"})],
            "not_met",
            id="hcg-negative",
        ),
        pytest.param([mention("sex_male", "pregnant_or_lactating")], "not_met", id="male"),
        pytest.param(
            [
                mention("sex_male", "pregnant_or_lactating", text="Mr."),
                mention("sex_female", "pregnant_or_lactating", text="36F"),
            ],
            "unknown",
            id="mr-is-the-husband-of-a-female-patient",
        ),
        pytest.param([mention("sex_male", "pregnant_or_lactating", text="Mr.")], "not_met", id="mr-title"),
        pytest.param([mention("lactation", "pregnant_or_lactating")], "met", id="breastfeeding"),
        pytest.param(
            [mention("lactation", "pregnant_or_lactating", is_negated=True)], "not_met", id="not-breastfeeding"
        ),
        pytest.param([], "unknown", id="nothing-mentioned"),
    ],
)
def test_pregnancy(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["pregnant_or_lactating"] == expected


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param([mention("seizure", "active_severe_cns_lupus")], "met", id="current-seizure"),
        pytest.param([mention("seizure", "active_severe_cns_lupus", is_historical=True)], "not_met", id="past-seizure"),
        pytest.param([mention("headache", "active_severe_cns_lupus")], "not_met", id="unattributed-headache"),
        pytest.param(
            [mention("headache", "active_severe_cns_lupus", attrs={"attributed_to": "lupus"})],
            "met",
            id="lupus-headache",
        ),
        pytest.param(
            [mention("headache_other_cause", "active_severe_cns_lupus", text="migraine")], "not_met", id="migraine"
        ),
        pytest.param(
            [
                mention("seizure", "active_severe_cns_lupus", start=10, end=13),
                mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=200, end=205, is_negated=True),
            ],
            "not_met",
            id="seizure-the-note-then-calls-not-npsle",
        ),
        pytest.param(
            [
                mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=0, end=5, is_negated=True),
                mention("seizure", "active_severe_cns_lupus", start=100, end=107),
            ],
            "met",
            id="no-prior-npsle-then-a-seizure",
        ),
        pytest.param(
            [
                mention("organic_brain_syndrome", "active_severe_cns_lupus", text="confusional state"),
                mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=300, end=305, is_uncertain=True),
            ],
            "unknown",
            id="confusion-while-npsle-cannot-be-excluded",
        ),
        pytest.param(
            [
                mention("npsle", "active_severe_cns_lupus", text="neuropsychiatric lupus"),
                mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=300, end=305, is_uncertain=True),
            ],
            "unknown",
            id="a-note-that-doubts-npsle-does-not-establish-it",
        ),
        pytest.param(
            [
                mention("npsle", "active_severe_cns_lupus", text="neuropsychiatric lupus"),
                mention(
                    "npsle",
                    "active_severe_cns_lupus",
                    text="NPSLE",
                    start=300,
                    end=305,
                    is_uncertain=True,
                    is_family=True,
                ),
            ],
            "met",
            id="a-relatives-possible-npsle-casts-no-doubt-on-the-patients",
        ),
        pytest.param(
            [
                mention(
                    "psychosis", "active_severe_cns_lupus", text="lupus psychosis", note_id="N1", is_uncertain=True
                ),
                mention(
                    "npsle",
                    "active_severe_cns_lupus",
                    text="NPSLE",
                    note_id="N2",
                    note_date=date(2025, 2, 20),
                    is_negated=True,
                ),
            ],
            "not_met",
            id="a-later-note-rules-out-what-an-earlier-one-left-open",
        ),
    ],
)
def test_cns(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["active_severe_cns_lupus"] == expected


def test_an_a1c_below_the_limit_does_not_outweigh_its_own_poor_control_statement() -> None:
    sentence = "T2DM: A1c 8.8% - poorly controlled, worse on steroids."
    a1c = mention("hba1c", "unmanaged_major_chronic_illness", text="A1c", attrs={"a1c": 8.8}, sentence=sentence)
    assert statuses([a1c])["unmanaged_major_chronic_illness"] == "not_met"  # the number alone
    poor = mention(
        "uncontrolled_illness",
        "unmanaged_major_chronic_illness",
        text="T2DM: A1c 8.8% - poorly controlled",
        start=0,
        end=5,
        attrs={"illness": "diabetes"},
        sentence=sentence,
    )
    later_a1c = replace(a1c, start=40, end=43)
    assert statuses([poor, later_a1c])["unmanaged_major_chronic_illness"] == "met"


def test_an_a1c_in_copied_forward_text_is_not_current() -> None:
    copied = mention("hba1c", "unmanaged_major_chronic_illness", text="A1c", is_historical=True, attrs={"a1c": 9.1})
    assert statuses([copied])["unmanaged_major_chronic_illness"] == "unknown"  # stale: control not documented since


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param([mention("hba1c", "unmanaged_major_chronic_illness", attrs={"a1c": 11.2})], "met", id="a1c-high"),
        pytest.param(
            [mention("hba1c", "unmanaged_major_chronic_illness", attrs={"a1c": 6.4})], "not_met", id="a1c-controlled"
        ),
        pytest.param(
            [mention("uncontrolled_illness", "unmanaged_major_chronic_illness", attrs={"illness": "heart failure"})],
            "met",
            id="decompensated",
        ),
        pytest.param(
            [
                mention(
                    "uncontrolled_illness",
                    "unmanaged_major_chronic_illness",
                    note_date=date(2024, 6, 1),
                    attrs={"illness": "diabetes"},
                ),
                mention(
                    "controlled_illness",
                    "unmanaged_major_chronic_illness",
                    note_date=date(2025, 2, 1),
                    attrs={"illness": "diabetes"},
                ),
            ],
            "not_met",
            id="later-control-wins",
        ),
        pytest.param(
            [
                mention(
                    "uncontrolled_illness",
                    "unmanaged_major_chronic_illness",
                    note_date=date(2023, 4, 18),
                    attrs={"illness": "diabetes"},
                ),
                mention(
                    "controlled_illness",
                    "unmanaged_major_chronic_illness",
                    note_date=date(2024, 7, 30),
                    attrs={"illness": "hypertension"},
                ),
            ],
            "unknown",
            id="stale-diabetes-is-not-settled-by-controlled-hypertension",
        ),
        pytest.param(
            [
                mention(
                    "uncontrolled_illness",
                    "unmanaged_major_chronic_illness",
                    is_historical=True,
                    attrs={"illness": "lung disease", "event_date": "2023-01-01"},
                )
            ],
            "unknown",
            id="past-exacerbations-with-nothing-since",
        ),
    ],
)
def test_chronic_illness(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["unmanaged_major_chronic_illness"] == expected


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        pytest.param(
            [mention("date_of_birth", "age_18_or_older", attrs={"birth_date": "2007-11-04"})], "not_met", id="dob-17"
        ),
        pytest.param(
            [mention("age", "age_18_or_older", note_date=date(2024, 9, 1), attrs={"age_years": 17})],
            "not_met",
            id="17-half-year-ago",
        ),
        pytest.param(
            [mention("age", "age_18_or_older", note_date=date(2023, 9, 1), attrs={"age_years": 17})],
            "met",
            id="17-two-years-ago",
        ),
        pytest.param(
            [mention("age", "age_18_or_older", attrs={"age_years": 34}, is_family=True)],
            "unknown",
            id="relative-age-ignored",
        ),
        pytest.param(
            [mention("age", "age_18_or_older", attrs={"age_years": 16}, sentence="diagnosed at age 16", text="age 16")],
            "unknown",
            id="onset-age-ignored",
        ),
    ],
)
def test_age(mentions: list[Mention], expected: str) -> None:
    assert statuses(mentions)["age_18_or_older"] == expected


def test_unresolved_patient_is_sent_to_review() -> None:
    from nlp.criteria import unresolved_patient

    result = unresolved_patient("P9", SCREEN, 2, "internal error: ValueError")
    assert result.eligibility == "needs_review"
    assert {r.status for r in result.criteria.values()} == {"unknown"}
    assert set(result.antibodies.values()) == {"not_found"}


def test_resolution_does_not_depend_on_mention_order() -> None:
    older = mention(
        "date_of_birth", "age_18_or_older", note_date=date(2024, 1, 10), note_id="A", attrs={"birth_date": "2010-01-02"}
    )
    newer = mention(
        "date_of_birth", "age_18_or_older", note_date=date(2025, 1, 10), note_id="B", attrs={"birth_date": "1980-01-02"}
    )
    assert statuses([older, newer]) == statuses([newer, older])
    assert statuses([newer, older])["age_18_or_older"] == "met"


def test_refractory_rationale_says_when_a_drug_has_no_dates() -> None:
    mentions = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("cyclophosphamide", "immunosuppressives", date(2025, 2, 1), current=True),
        drug("leflunomide", "immunosuppressives", date(2025, 2, 1), start="2025-01-31", end="2025-02-01", stopped=True),
    ]
    result = resolve_patient("P1", mentions, SCREEN, note_count=1).criteria["refractory_active_disease"]
    assert "cyclophosphamide (no dates or duration documented)" in result.rationale
    assert "leflunomide (2 days)" in result.rationale
    assert "1 days" not in result.rationale


def test_remains_on_joins_listings_more_than_a_year_apart() -> None:
    ctx = Context.for_patient(SCREEN, 2)
    started = drug("mycophenolate", "immunosuppressives", date(2023, 10, 3), current=True)
    later = drug("mycophenolate", "immunosuppressives", date(2024, 11, 19), current=True)
    a, b = exposure_interval(started, ctx), exposure_interval(later, ctx)
    assert a is not None and b is not None
    assert len(merge([a, b], join_gap_days=365)) == 2  # no word of continuity: a gap
    later.attrs["continuing"] = True  # "remains on mycophenolate"
    c = exposure_interval(later, ctx)
    assert c is not None
    assert merge([a, c], join_gap_days=365) == [(date(2023, 10, 3), date(2024, 11, 19))]


def test_a_diagnostic_feature_counts_only_without_a_stated_result() -> None:
    feature = mention("anti_sm", "autoantibody_positive", note_date=date(2025, 2, 1),
                      attrs={"antibody": "anti_sm", "result": "positive", "result_source": "diagnostic_feature"})  # fmt: skip
    older_negative = mention("anti_sm", "autoantibody_positive", note_date=date(2024, 6, 1), note_id="N0",
                             attrs={"antibody": "anti_sm", "result": "negative"})  # fmt: skip
    assert latest_results([feature], SCREEN)["anti_sm"][0] == "positive"
    assert latest_results([feature, older_negative], SCREEN)["anti_sm"][0] == "negative"


def test_active_nephritis_is_active_disease_when_no_note_speaks_to_activity() -> None:
    drugs = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
        drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2024-03-01", current=True),
    ]
    nephritis = mention(
        "ln_class", "active_severe_lupus_nephritis", text="class IV-S (A) LN", attrs={"classes": ["IV"]}
    )
    result = resolve_patient("P1", [*drugs, nephritis], SCREEN, note_count=1).criteria["refractory_active_disease"]
    assert result.status == "met"
    assert "class IV-S (A) LN" in result.rationale
    assert statuses(drugs)["refractory_active_disease"] == "unknown"
    # An explicit statement of inactivity still decides.
    quiet = mention("disease_inactive", "refractory_active_disease", text="remission")
    assert statuses([*drugs, nephritis, quiet])["refractory_active_disease"] == "not_met"


def test_a_later_denial_of_immunosuppressives_settles_pending_records() -> None:
    pending = mention("records_pending", "refractory_active_disease", text="no rheumatology records available")
    denial = mention(
        "treatment_class", "refractory_active_disease", text="immunosuppressive", start=80, end=97, is_negated=True
    )
    assert statuses([pending])["refractory_active_disease"] == "unknown"
    assert statuses([pending, denial])["refractory_active_disease"] == "not_met"
    earlier_denial = replace(denial, note_date=date(2024, 6, 1), note_id="N0")
    assert statuses([pending, earlier_denial])["refractory_active_disease"] == "unknown"


def test_records_received_later_settle_pending_records() -> None:
    pending = mention(
        "records_pending",
        "refractory_active_disease",
        text="Outside records requested",
        note_date=date(2024, 4, 16),
        note_id="N1",
    )
    received = mention("records_received", "refractory_active_disease", text="Ohio records received")
    steroid = drug("prednisone", "glucocorticoids", date(2025, 1, 10), current=True)
    short = drug(
        "azathioprine", "immunosuppressives", date(2025, 1, 10), start="2024-02-01", duration_days=10, stopped=True
    )
    assert _refractory(pending, steroid, short) == "unknown"
    assert _refractory(pending, received, steroid, short) == "not_met"
    earlier = replace(received, note_date=date(2024, 1, 2), note_id="N0")
    assert _refractory(pending, earlier, steroid, short) == "unknown"


def test_a_course_told_in_full_is_a_treatment_history() -> None:
    refill = drug("prednisone", "glucocorticoids", date(2025, 10, 21), current=True)
    assert statuses([refill])["refractory_active_disease"] == "unknown"  # a drug named, no history
    told = replace(refill, sentence="Treated with prednisone 1 mg/kg then IVIG x2; plt now 64k on prednisone 20 mg.")
    assert statuses([told])["refractory_active_disease"] == "not_met"


def test_a_doubted_length_leaves_the_second_drug_open() -> None:
    day = date(2025, 2, 20)
    steroid = drug("prednisone", "glucocorticoids", day, current=True)
    aza = drug("azathioprine", "immunosuppressives", day, start="2024-10-01", current=True)
    fills = drug("mycophenolate", "immunosuppressives", day, start="2024-11-01", last_use="2024-12-01", stopped=True)
    assert _refractory(steroid, aza, fills) == "not_met"
    recalled = drug("mycophenolate", "immunosuppressives", day, doubted=True)
    assert _refractory(steroid, aza, fills, recalled) == "unknown"


def test_absent_findings_do_not_settle_a_pending_history() -> None:
    quiet = mention(
        "disease_active",
        "refractory_active_disease",
        text="synovitis",
        is_negated=True,
        sentence="Arthralgia without synovitis.",
    )
    pending = mention("records_pending", "refractory_active_disease", text="outside records still not received")
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    assert statuses([steroid, quiet])["refractory_active_disease"] == "not_met"
    assert statuses([steroid, quiet, pending])["refractory_active_disease"] == "unknown"
    remission = mention("disease_inactive", "refractory_active_disease", text="clinical remission")
    assert statuses([steroid, remission, pending])["refractory_active_disease"] == "not_met"


def test_a_year_only_retelling_of_a_dated_trial_is_the_same_trial() -> None:
    fills = drug(
        "mycophenolate",
        "immunosuppressives",
        date(2025, 1, 10),
        start="2024-03-01",
        last_use="2024-04-01",
        stopped=True,
    )
    retold = drug(
        "mycophenolate",
        "immunosuppressives",
        date(2025, 2, 1),
        start="2024-01-01",
        start_precision="year",
        duration_days=61,
    )
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("azathioprine", "immunosuppressives", date(2025, 2, 1), start="2024-01-01", current=True),
    ]
    assert _refractory(fills, *others) == "not_met"
    assert _refractory(fills, retold, *others) == "not_met"  # not 31 + 61 days
    assert _refractory(retold, *others) == "not_met"  # 61 days on its own


def test_an_undated_retelling_of_an_ended_trial_is_not_a_second_trial() -> None:
    first = drug(
        "azathioprine", "immunosuppressives", date(2024, 8, 15), start="2023-09-01", duration_days=42, stopped=True
    )
    retold = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), duration_days=42)
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 1, 10), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 1, 10), start="2023-06-01", current=True),
    ]
    assert _refractory(first, *others) == "not_met"
    assert _refractory(first, retold, *others) == "not_met"
    # Without an earlier dated trial the duration is use up to the note.
    longer = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), duration_days=120, current=True)
    assert _refractory(longer, *others) == "met"


def test_a_later_ruling_in_the_same_note_settles_a_doubted_npsle() -> None:
    doubt = mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=100, end=105, is_uncertain=True)
    seizure = mention("seizure", "active_severe_cns_lupus", text="seizure", start=50, end=57)
    ruling = mention("npsle", "active_severe_cns_lupus", text="NPSLE", start=400, end=405, is_negated=True)
    assert statuses([seizure, doubt])["active_severe_cns_lupus"] == "unknown"
    assert statuses([seizure, doubt, ruling])["active_severe_cns_lupus"] == "not_met"


def test_a_later_unconfirmed_diagnosis_reopens_sle() -> None:
    fellow = mention("sle", "sle_diagnosis", text="SLE", start=10, end=13)
    attending = mention(
        "sle",
        "sle_diagnosis",
        text="SLE",
        start=200,
        end=203,
        is_uncertain=True,
        cues=("possible_existence: not established",),
    )
    flare = mention(
        "sle",
        "sle_diagnosis",
        text="SLE",
        start=200,
        end=203,
        is_uncertain=True,
        cues=("possible_existence: possible",),
    )
    assert statuses([fellow, attending])["sle_diagnosis"] == "unknown"
    assert statuses([fellow, flare])["sle_diagnosis"] == "met"
    confirmed_later = replace(fellow, start=400, end=403)
    assert statuses([fellow, attending, confirmed_later])["sle_diagnosis"] == "met"


def test_lupus_not_labelled_yet_is_an_open_diagnosis_not_a_refuted_one() -> None:
    sle = mention("sle", "sle_diagnosis", text="SLE", start=10, end=13)
    sentence = 'Rheum: "picture could be early SLE but parvovirus not excluded; do not label as lupus yet".'
    not_yet = mention("sle", "sle_diagnosis", text="lupus", start=200, end=205, is_negated=True, sentence=sentence)
    assert statuses([sle, not_yet])["sle_diagnosis"] == "unknown"
    assert statuses([not_yet])["sle_diagnosis"] == "unknown"
    refuted = replace(not_yet, sentence="Reviewed: this is not lupus; parvovirus arthropathy.")
    assert statuses([sle, refuted])["sle_diagnosis"] == "not_met"


def test_a_note_states_its_pregnancys_weeks_once() -> None:
    weeks = mention(
        "pregnancy",
        "pregnant_or_lactating",
        text="G2P1001 at 22w3d",
        note_date=date(2024, 3, 26),
        attrs={"gestational_weeks": 22},
    )
    bare = mention(
        "pregnancy", "pregnant_or_lactating", text="pregnant", start=200, end=208, note_date=date(2024, 3, 26)
    )
    later = mention("sle", "sle_diagnosis", text="SLE", note_date=date(2024, 11, 19), note_id="N2")
    result = resolve_patient("P1", [weeks, bare, later], date(2024, 11, 19), note_count=2)
    # 22 weeks in March has run its course by November: no outcome is recorded, so review.
    assert result.criteria["pregnant_or_lactating"].status == "unknown"


def test_lupus_denied_as_a_cause_is_not_denied_as_a_disease() -> None:
    sentence = "Headaches: resolved on CPAP - attributed to OSA, not lupus."
    sle = mention("sle", "sle_diagnosis", text="SLE", note_date=date(2024, 6, 1))
    cause = mention("sle", "sle_diagnosis", text="lupus", start=50, end=55, is_negated=True, sentence=sentence)
    assert statuses([sle, cause])["sle_diagnosis"] == "met"
    denial = replace(cause, sentence="She does not have lupus; the rash is rosacea.")
    assert statuses([sle, denial])["sle_diagnosis"] == "not_met"
    plain = replace(cause, sentence="Reviewed the outside work-up; not lupus.")
    assert statuses([sle, plain])["sle_diagnosis"] == "not_met"
    disease = replace(cause, sentence="Photosensitive rash and arthralgia, ANA 1:80: UCTD, not lupus.")
    assert statuses([sle, disease])["sle_diagnosis"] == "not_met"
    aside = replace(cause, sentence="Rash and arthralgia (UCTD, not lupus).")
    assert statuses([sle, aside])["sle_diagnosis"] == "not_met"
    for symptom in (
        "[N] E2 CNS - migraine, not SLE [N] E3 chronic illness",
        "Headache not SLE-related per neurology.",
        "Post-epidural headache in hospital - post-dural puncture headache, resolved after blood patch; not lupus.",
        "Headache: daily since stopping coffee 3 wk ago - caffeine withdrawal, not lupus.",
        "seizure d/o since age 12 after head trauma (MVA), on keppra, last sz 2009 - not lupus",
        "Headache last week - tension-type, resolved with acetaminophen; no visual change; not felt to be lupus.",
        "HA: migraine, better on propranolol - per neuro not lupus.",
        "HA x3 d w/ purulent nasal d/c, maxillary tenderness - acute sinusitis, not lupus.",
        "- CNS: migraines, longstanding, neuro says not lupus.",
        "A/P: no lupus immunosuppression needed.",
        "Psych sx settling on Abilify per psychiatry (schizoaffective relapse, not lupus).",
        "I am not convinced this is a lupus flare: the rash may be miliaria rather than lupus.",
    ):
        assert statuses([sle, replace(cause, sentence=symptom)])["sle_diagnosis"] == "met", symptom


def test_lupus_psychosis_judged_less_likely_settles_the_notes_open_npsle() -> None:
    sentence = "A: steroid-induced mania with psychotic features. Lupus psychosis less likely."
    steroid = mention(
        "psychosis", "active_severe_cns_lupus", text="psychotic", attrs={"attributed_to": "other"}, sentence=sentence
    )
    lupus = mention(
        "psychosis",
        "active_severe_cns_lupus",
        text="Lupus psychosis",
        start=50,
        end=65,
        is_uncertain=True,
        attrs={"attributed_to": "lupus"},
        sentence=sentence,
        cues=("possible_existence: less likely",),
    )
    plan = mention(
        "npsle",
        "active_severe_cns_lupus",
        text="NPSLE",
        start=120,
        end=125,
        is_uncertain=True,
        cues=("possible_existence: workup",),
    )
    assert statuses([steroid, lupus, plan])["active_severe_cns_lupus"] == "not_met"
    # Without the assessment the open NPSLE stays open.
    assert statuses([steroid, plan])["active_severe_cns_lupus"] == "unknown"


def test_npsle_judged_unlikely_is_ruled_out() -> None:
    headache = mention("headache", "active_severe_cns_lupus", text="Headache", attrs={"attributed_to": "other"})
    unlikely = mention(
        "npsle",
        "active_severe_cns_lupus",
        text="NPSLE",
        start=40,
        end=45,
        is_uncertain=True,
        cues=("possible_existence: less likely",),
    )
    possible = replace(unlikely, cues=("possible_existence: possible",))
    assert statuses([headache, unlikely])["active_severe_cns_lupus"] == "not_met"
    assert statuses([headache, possible])["active_severe_cns_lupus"] == "unknown"


def test_a_rituximab_course_listed_as_current_still_covers_its_months() -> None:
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
    ]
    # Screening 2025-03-01 (SCREEN); a course started 01/2025 has run ~59 days by then.
    course = drug("rituximab", "immunosuppressives", date(2025, 1, 15), start="2025-01-01", current=True)
    assert _refractory(*others, course) == "not_met"
    early = drug("rituximab", "immunosuppressives", date(2024, 5, 15), start="2024-05-01", current=True)
    assert _refractory(*others, early) == "met"  # the course covers ~182 days, not 14


def _steroid_and_two_long_trials() -> list[Mention]:
    return [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
        drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-02-01", current=True),
    ]


def test_not_in_remission_is_active_and_absent_findings_do_not_hide_active_nephritis() -> None:
    drugs = _steroid_and_two_long_trials()
    not_remission = mention(
        "disease_inactive",
        "refractory_active_disease",
        text="remission",
        is_negated=True,
        sentence="Active class V LN - not in remission.",
    )
    assert _refractory(*drugs, active=False) == "not_met"  # a plain remission still decides
    assert statuses([*drugs, not_remission])["refractory_active_disease"] == "met"
    no_synovitis = mention("disease_active", "refractory_active_disease", text="synovitis", is_negated=True)
    nephritis = mention(
        "ln_class", "active_severe_lupus_nephritis", text="class V lupus nephritis", attrs={"classes": ["V"]}
    )
    assert statuses([*drugs, no_synovitis])["refractory_active_disease"] == "not_met"
    assert statuses([*drugs, no_synovitis, nephritis])["refractory_active_disease"] == "met"


def test_a_list_no_does_not_turn_a_remission_into_activity() -> None:
    drugs = _steroid_and_two_long_trials()
    listed = mention(
        "disease_inactive",
        "refractory_active_disease",
        text="SLE remains quiescent",
        is_negated=True,
        sentence="Feels well, no joint sx, SLE remains quiescent.",
    )
    own = replace(listed, text="remission", sentence="Class V LN, not in remission.")
    assert statuses([*drugs, listed])["refractory_active_disease"] == "unknown"  # activity not stated
    assert statuses([*drugs, own])["refractory_active_disease"] == "met"


def test_a_stop_dated_elsewhere_closes_a_past_use_with_no_stop_date() -> None:
    started = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), start="2023-09-01", stopped=True)
    held_since = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), end="2024-06-30", stopped=True)
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 1, 10), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 1, 10), start="2023-06-01", current=True),
    ]
    assert _refractory(started, *others) == "not_met"
    assert _refractory(started, held_since, *others) == "met"
    # A stop before the start is another trial's.
    earlier = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), end="2023-01-31", stopped=True)
    assert _refractory(started, earlier, *others) == "not_met"


def test_a_work_up_soon_after_explains_an_ed_seizure() -> None:
    ed = mention("seizure", "active_severe_cns_lupus", note_date=date(2025, 1, 20), note_id="ED", text="seizure")
    neuro = mention(
        "npsle", "active_severe_cns_lupus", note_date=date(2025, 1, 23), note_id="NEURO", text="NPSLE", is_negated=True
    )
    provoked = mention(
        "seizure",
        "active_severe_cns_lupus",
        note_date=date(2025, 1, 23),
        note_id="NEURO",
        text="seizure",
        attrs={"attributed_to": "other"},
    )
    assert statuses([ed])["active_severe_cns_lupus"] == "met"
    assert statuses([ed, neuro])["active_severe_cns_lupus"] == "not_met"
    assert statuses([ed, provoked])["active_severe_cns_lupus"] == "not_met"
    # A ruling months later speaks of another time, not of this event.
    late = replace(neuro, note_date=date(2025, 6, 1))
    assert statuses([ed, late])["active_severe_cns_lupus"] == "met"


def test_rituximab_doses_weeks_apart_still_cover_the_course() -> None:
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 1, 10), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 1, 10), start="2023-06-01", current=True),
    ]
    spaced = drug("rituximab", "immunosuppressives", date(2025, 1, 10), start="2024-10-01", duration_days=14)
    assert _refractory(spaced, *others) == "met"
    # Any other drug's stated duration is its length of use.
    short = drug("azathioprine", "immunosuppressives", date(2025, 1, 10), start="2024-10-01", duration_days=14)
    assert _refractory(short, *others) == "not_met"


def test_a_bare_date_by_a_drug_is_when_it_was_given() -> None:
    others = [
        drug("prednisone", "glucocorticoids", date(2024, 5, 21), current=True),
        drug("methotrexate", "immunosuppressives", date(2024, 5, 21), start="2024-01-01", current=True),
    ]
    given = drug("cyclophosphamide", "immunosuppressives", date(2024, 5, 21), start="2023-01-01", bare_date=True)
    assert _refractory(given, *others) == "not_met"
    started = drug("cyclophosphamide", "immunosuppressives", date(2024, 5, 21), start="2023-01-01")
    assert _refractory(started, *others) == "met"


def test_rising_proteinuria_after_a_renal_response_reopens_it() -> None:
    response = mention(
        "renal_remission",
        "active_severe_lupus_nephritis",
        text="complete renal response",
        attrs={"event_date": "2021-06-01"},
    )
    known = mention(
        "ln_class",
        "active_severe_lupus_nephritis",
        text="class III LN",
        is_historical=True,
        attrs={"classes": ["III"], "event_date": "2020-01-01"},
    )
    rising = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 2.9})
    low = replace(rising, attrs={"protein_g": 0.9})
    assert statuses([known, response, low])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([known, response, rising])["active_severe_lupus_nephritis"] == "unknown"


def test_a_later_suspicion_reopens_a_normal_renal_status() -> None:
    normal = mention(
        "no_renal_disease",
        "active_severe_lupus_nephritis",
        text="Renal function normal",
        note_date=date(2024, 12, 2),
        note_id="N1",
    )
    suspected = mention(
        "lupus_nephritis", "active_severe_lupus_nephritis", text="LN", is_uncertain=True, is_hypothetical=True
    )
    assert statuses([normal])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([normal, suspected])["active_severe_lupus_nephritis"] == "unknown"
    assert (
        statuses([replace(suspected, note_date=date(2024, 6, 1), note_id="N0"), normal])[
            "active_severe_lupus_nephritis"
        ]
        == "not_met"
    )


def test_a_note_weighing_lupus_against_another_cause_leaves_the_symptom_open() -> None:
    sentence = "Psychosis: steroid-induced vs lupus psychosis - cannot be distinguished at this point."
    heading = mention("psychosis", "active_severe_cns_lupus", text="Psychosis", sentence=sentence)
    lupus = mention(
        "psychosis",
        "active_severe_cns_lupus",
        text="lupus psychosis",
        start=30,
        end=45,
        is_uncertain=True,
        attrs={"attributed_to": "lupus"},
        sentence=sentence,
    )
    assert statuses([heading])["active_severe_cns_lupus"] == "met"
    assert statuses([heading, lupus])["active_severe_cns_lupus"] == "unknown"


def test_past_nephritis_of_unknown_class_with_current_proteinuria_and_no_response_is_open() -> None:
    past = mention("lupus_nephritis", "active_severe_lupus_nephritis", text="lupus nephritis", is_historical=True)
    upcr = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 0.4})
    assert statuses([past])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([past, upcr])["active_severe_lupus_nephritis"] == "unknown"
    response = mention("renal_remission", "active_severe_lupus_nephritis", text="complete renal response")
    assert statuses([past, upcr, response])["active_severe_lupus_nephritis"] == "not_met"
    classed = replace(past, concept="ln_class", attrs={"classes": ["IV"]})
    assert statuses([classed, upcr])["active_severe_lupus_nephritis"] == "not_met"


def test_known_nephritis_with_casts_or_nephrotic_proteinuria_is_a_relapse() -> None:
    known = mention(
        "ln_class", "active_severe_lupus_nephritis", text="class III LN", is_historical=True, attrs={"classes": ["III"]}
    )
    casts = mention("active_sediment", "active_severe_lupus_nephritis", text="RBC casts")
    nephrotic = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 3.4})
    modest = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 1.1})
    assert statuses([known])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([known, casts])["active_severe_lupus_nephritis"] == "met"
    assert statuses([known, nephrotic])["active_severe_lupus_nephritis"] == "met"
    assert statuses([known, modest])["active_severe_lupus_nephritis"] == "unknown"


def test_a_nephritis_being_ruled_out_is_suspected_whatever_negation_reaches_it() -> None:
    upcr = mention("proteinuria", "active_severe_lupus_nephritis", text="upcr", attrs={"protein_g": 2.3})
    leak = mention(
        "lupus_nephritis",
        "active_severe_lupus_nephritis",
        text="LN",
        start=80,
        end=82,
        is_negated=True,
        is_uncertain=True,
        cues=("negated_existence: no", "possible_existence: r/o"),
    )
    assert statuses([upcr, leak])["active_severe_lupus_nephritis"] == "unknown"
    ruled = replace(leak, cues=("possible_existence: r/o", "negated_existence: ruled out"))
    assert statuses([upcr, ruled])["active_severe_lupus_nephritis"] == "not_met"


def test_a_bare_nephritis_entry_beside_a_known_mild_class_is_that_class() -> None:
    biopsy = mention(
        "ln_class",
        "active_severe_lupus_nephritis",
        text="class II lupus nephritis",
        note_date=date(2024, 4, 16),
        attrs={"classes": ["II"]},
    )
    entry = mention("lupus_nephritis", "active_severe_lupus_nephritis", text="Lupus nephritis", start=40, end=55)
    assert statuses([entry])["active_severe_lupus_nephritis"] == "unknown"
    assert statuses([biopsy, entry])["active_severe_lupus_nephritis"] == "not_met"


def test_a_label_the_note_calls_wrong_is_no_diagnosis() -> None:
    mctd = mention("sle_lookalike", "sle_diagnosis", text="MCTD", attrs={"lookalike": "UCTD/MCTD is not SLE"})
    label = mention(
        "sle",
        "sle_diagnosis",
        text="SLE",
        start=30,
        end=33,
        sentence='the "SLE" label on the imported PMH is from the original referral and is wrong.',
    )
    assert statuses([mctd, label])["sle_diagnosis"] == "not_met"
    assert statuses([mctd, replace(label, sentence="SLE with secondary Sjogren's.")])["sle_diagnosis"] == "met"


def test_a_doubted_drug_listing_is_no_current_use() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("azathioprine", "immunosuppressives", date(2025, 2, 1), start="2021-01-01", current=True),
    ]
    listed = [
        drug("tacrolimus", "immunosuppressives", date(2024, 6, 4), doubted=True),
        drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), doubted=True),
    ]
    assert _refractory(*base, *listed) == "unknown"


def test_seizure_free_months_later_ends_the_event_but_weeks_during_treatment_do_not() -> None:
    seizure = mention(
        "seizure",
        "active_severe_cns_lupus",
        text="GTC seizure",
        note_date=date(2025, 1, 14),
        attrs={"attributed_to": "lupus", "event_date": "2024-04-11"},
    )
    free = mention(
        "seizure_free", "active_severe_cns_lupus", text="Seizure-free", start=60, end=72, note_date=date(2025, 1, 14)
    )
    assert statuses([seizure])["active_severe_cns_lupus"] == "met"
    assert statuses([seizure, free])["active_severe_cns_lupus"] == "not_met"
    recent = replace(seizure, attrs={"attributed_to": "lupus", "event_date": "2024-12-29"})
    assert statuses([recent, free])["active_severe_cns_lupus"] == "met"  # 16 days seizure-free


def test_a_course_planned_from_a_date_is_closed_by_a_later_notes_stop() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2024-08-01", current=True),
    ]
    planned = drug("cyclophosphamide", "immunosuppressives", date(2024, 8, 20), start="2024-08-22")
    done = drug("cyclophosphamide", "immunosuppressives", date(2025, 2, 1), end="2025-01-31", stopped=True)
    assert _refractory(*base, planned) == "not_met"
    assert _refractory(*base, planned, done) == "met"


def test_a_seventeen_year_old_turning_18_before_screening_is_undecided() -> None:
    age = mention(
        "age",
        "age_18_or_older",
        text="17 y/o",
        note_date=date(2024, 11, 1),
        attrs={"age_years": 17},
        sentence="17 y/o F, turns 18 this summer.",
    )
    assert statuses([age])["age_18_or_older"] == "unknown"
    plain = replace(age, sentence="17 y/o F with SLE.")
    assert statuses([plain])["age_18_or_older"] == "not_met"


def test_a_sign_after_a_leaked_negation_is_still_a_positive_result() -> None:
    sign = mention(
        "anti_dsdna",
        "autoantibody_positive",
        text="dsDNA",
        is_negated=True,
        attrs={"antibody": "anti_dsdna", "result": "positive", "result_detail": "+"},
    )
    assert statuses([sign])["autoantibody_positive"] == "met"  # "This is not MCTD: dsDNA+, low C3"
    word = replace(sign, attrs={**sign.attrs, "result_detail": "detected"})
    assert statuses([word])["autoantibody_positive"] == "not_met"  # "No dsDNA antibodies detected"


def test_a_recent_delivery_without_feeding_is_open_until_a_negative_hcg() -> None:
    delivery = mention(
        "postpartum",
        "pregnant_or_lactating",
        text="C-section",
        note_date=date(2025, 2, 1),
        attrs={"event_date": "2024-12-12"},
    )
    hcg = mention(
        "pregnancy_test",
        "pregnant_or_lactating",
        text="Serum hCG",
        start=40,
        end=49,
        note_date=date(2025, 2, 1),
        attrs={"result": "negative"},
    )
    assert statuses([delivery])["pregnant_or_lactating"] == "unknown"
    # The guideline's "negative hCG" is not_met; a held-out batch's gold agrees.
    assert statuses([delivery, hcg])["pregnant_or_lactating"] == "not_met"


def test_a_seizure_disorder_is_not_cns_lupus() -> None:
    epilepsy = mention("seizure", "active_severe_cns_lupus", text="seizure d/o")
    assert statuses([epilepsy])["active_severe_cns_lupus"] == "not_met"
    event = replace(epilepsy, text="seizure")
    assert statuses([event])["active_severe_cns_lupus"] == "met"


def test_an_imprecise_stop_moves_a_known_length_without_stretching_it() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2024-07-01", current=True),
    ]
    # "stopped last winter after ~6 wks": 42 days wherever in the winter it ended.
    aza = drug(
        "azathioprine",
        "immunosuppressives",
        date(2024, 12, 3),
        end="2024-01-31",
        end_latest="2024-03-31",
        duration_days=42,
        stopped=True,
    )
    assert _refractory(*base, aza) == "not_met"


def test_known_mild_nephritis_with_subnephrotic_proteinuria_is_not_severe() -> None:
    known = mention(
        "ln_class",
        "active_severe_lupus_nephritis",
        text="Class II (mesangial) LN",
        is_historical=True,
        attrs={"classes": ["II"]},
    )
    upcr = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 0.6})
    assert statuses([known, upcr])["active_severe_lupus_nephritis"] == "not_met"
    casts = mention("active_sediment", "active_severe_lupus_nephritis", text="RBC casts")
    assert statuses([known, upcr, casts])["active_severe_lupus_nephritis"] == "met"


def test_proteinuria_with_a_renal_biopsy_planned_is_suspected_nephritis() -> None:
    upcr = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 1.3})
    biopsy = mention(
        "renal_biopsy", "active_severe_lupus_nephritis", text="renal biopsy", start=30, end=42, is_hypothetical=True
    )
    assert statuses([upcr])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([upcr, biopsy])["active_severe_lupus_nephritis"] == "unknown"
    trace = replace(upcr, attrs={"protein_g": 0.2})
    assert statuses([trace, biopsy])["active_severe_lupus_nephritis"] == "not_met"


def test_nephritis_active_after_the_last_remission_is_active_disease() -> None:
    drugs = _steroid_and_two_long_trials()
    remission = mention(
        "disease_inactive", "refractory_active_disease", text="remission", note_date=date(2024, 8, 13), note_id="N-old"
    )
    relapse = mention(
        "ln_class",
        "active_severe_lupus_nephritis",
        text="class V lupus nephritis",
        note_date=date(2025, 1, 21),
        note_id="N-new",
        attrs={"classes": ["V"]},
    )
    assert statuses([*drugs, remission])["refractory_active_disease"] == "not_met"
    assert statuses([*drugs, remission, relapse])["refractory_active_disease"] == "met"
    # A remission written after the nephritis note still stands.
    later = replace(remission, note_date=date(2025, 2, 20), note_id="N-later")
    assert statuses([*drugs, relapse, later])["refractory_active_disease"] == "not_met"


def test_a_consultant_who_would_not_label_it_sle_yet_leaves_it_open() -> None:
    sle = mention("sle", "sle_diagnosis", text="SLE", note_date=date(2024, 6, 1))
    wait = mention(
        "sle",
        "sle_diagnosis",
        text="SLE",
        start=200,
        end=203,
        is_uncertain=True,
        cues=("possible_existence: would not label",),
    )
    assert statuses([sle, wait])["sle_diagnosis"] == "unknown"


def test_a_rituximab_course_with_its_infusion_dates_covers_months() -> None:
    others = [
        drug("prednisone", "glucocorticoids", date(2025, 1, 10), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 1, 10), start="2023-06-01", current=True),
    ]
    course = drug(
        "rituximab", "immunosuppressives", date(2025, 1, 10), start="2024-10-07", last_use="2024-10-21", stopped=True
    )
    assert _refractory(course, *others) == "met"


def test_a_notes_ruling_covers_the_symptom_it_discusses_after_it() -> None:
    ruling = mention(
        "npsle",
        "active_severe_cns_lupus",
        text="NPSLE",
        start=10,
        end=15,
        is_negated=True,
        cues=("negated_existence: unlikely",),
    )
    seizure = mention("seizure", "active_severe_cns_lupus", text="seizure", start=40, end=47)
    assert statuses([seizure])["active_severe_cns_lupus"] == "met"
    assert statuses([ruling, seizure])["active_severe_cns_lupus"] == "not_met"


def test_a_dated_start_after_a_listing_is_not_joined_to_it() -> None:
    """ "Plan: add leflunomide" in 11/2023, then "leflunomide trial 02/2024 stopped
    after 3 weeks": the listing was a prescription; use began in 02/2024."""
    ctx = Context.for_patient(SCREEN, 2)
    listed = exposure_interval(drug("leflunomide", "immunosuppressives", date(2023, 11, 14), current=True), ctx)
    trial = drug(
        "leflunomide", "immunosuppressives", date(2024, 8, 1), start="2024-02-01", duration_days=21, stopped=True
    )
    dated = exposure_interval(trial, ctx)
    assert listed is not None and dated is not None
    assert len(merge([listed, dated], join_gap_days=200)) == 2
    # "belimumab monthly (dose #7 given 09/2024)": a dated dose of use that is
    # still going on, not its start, joins the earlier listing.
    dose = drug("belimumab", "immunosuppressives", date(2024, 10, 1), start="2024-09-01", current=True)
    first = exposure_interval(drug("belimumab", "immunosuppressives", date(2024, 4, 23), current=True), ctx)
    later = exposure_interval(dose, ctx)
    assert first is not None and later is not None
    assert merge([first, later], join_gap_days=200) == [(date(2024, 4, 23), date(2024, 10, 1))]
    dose.attrs["start_cued"] = True  # "started 09/2024": use began then
    cued = exposure_interval(dose, ctx)
    assert cued is not None and len(merge([first, cued], join_gap_days=200)) == 2


def test_a_numbered_dose_joins_the_doses_before_it() -> None:
    """ "Saphnelo #1 05/13 and #2 06/10", then "dose #8" on 11/25: six more doses
    were given between, so use went on; a first dose joins nothing."""
    ctx = Context.for_patient(SCREEN, 2)
    early = exposure_interval(
        drug("anifrolumab", "immunosuppressives", date(2024, 6, 17), start="2024-05-13", last_use="2024-06-10"), ctx
    )
    eighth = drug("anifrolumab", "immunosuppressives", date(2024, 11, 25), current=True, dose_number=8)
    late = exposure_interval(eighth, ctx)
    assert early is not None and late is not None
    assert merge([early, late], join_gap_days=90) == [(date(2024, 5, 13), date(2024, 11, 25))]
    # A bare listing of the same day ("Saphnelo ...") does not stand in its way.
    listing = exposure_interval(drug("anifrolumab", "immunosuppressives", date(2024, 11, 25), current=True), ctx)
    assert listing is not None
    assert merge([early, listing, late], join_gap_days=90) == [(date(2024, 5, 13), date(2024, 11, 25))]
    eighth.attrs["dose_number"] = 2  # one dose before cannot span five months
    late = exposure_interval(eighth, ctx)
    assert late is not None and len(merge([early, late], join_gap_days=90)) == 2


def test_a_drug_never_taken_adds_no_use() -> None:
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("azathioprine", "immunosuppressives", date(2025, 2, 1), start="2023-06-01", current=True),
            drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2023-03-01", never_taken=True),
        )
        == "not_met"
    )


def test_negated_word_result_is_negative_and_no_report_is_no_result() -> None:
    denied = mention(
        "anti_dsdna",
        "autoantibody_positive",
        is_negated=True,
        attrs={"antibody": "anti_dsdna", "result": "positive", "result_detail": "detected"},
    )
    assert result_of(denied) == "negative"  # "No dsDNA antibodies detected"
    untested = mention(
        "anti_sm", "autoantibody_positive", is_negated=True, attrs={"antibody": "anti_sm", "not_tested": True}
    )
    assert result_of(untested) is None  # "no Sm reports in our system"


def test_refractory_no_steroids_stated_is_a_history_to_judge() -> None:
    """ "no steroids for now per pt preference" with no immunosuppressive: not_met, not unknown."""
    none_given = drug("glucocorticoid (unspecified)", "glucocorticoids", date(2025, 2, 1))
    none_given.is_negated = True
    assert _refractory(none_given) == "not_met"


def test_cns_a_later_note_ruling_on_the_same_event_settles_it() -> None:
    """August: "1 episode LOC 08/10 - seizure vs syncope". December: "LOC 08/2024:
    vasovagal syncope; not a seizure, NPSLE not suspected" (dated to the month)."""
    open_event = mention(
        "seizure", "active_severe_cns_lupus", note_date=date(2024, 8, 20), note_id="N2", is_uncertain=True
    )
    ruling = mention(
        "npsle",
        "active_severe_cns_lupus",
        note_date=date(2024, 12, 10),
        note_id="N3",
        is_negated=True,
        attrs={"event_date": "2024-08-01"},
    )
    denied = mention(
        "seizure",
        "active_severe_cns_lupus",
        note_date=date(2024, 12, 10),
        note_id="N3",
        is_negated=True,
        attrs={"event_date": "2024-08-01"},
    )
    screen = date(2024, 12, 10)
    status = resolve_patient("P1", [open_event, ruling, denied], screen, note_count=2).criteria
    assert status["active_severe_cns_lupus"].status == "not_met"
    # A ruling on an event long before does not settle a new one.
    old = mention(
        "npsle",
        "active_severe_cns_lupus",
        note_date=date(2024, 12, 10),
        note_id="N3",
        is_negated=True,
        attrs={"event_date": "2023-01-01"},
    )
    status = resolve_patient("P1", [open_event, old], screen, note_count=2).criteria
    assert status["active_severe_cns_lupus"].status == "unknown"


def test_refractory_a_start_with_an_unknown_stop_leaves_it_open() -> None:
    """MMF counts; leflunomide began 06/2024 but when it stopped is unknown: review."""
    assert (
        _refractory(
            drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
            drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2024-06-01", current=True),
            drug("leflunomide", "immunosuppressives", date(2025, 2, 1), start="2024-06-12", stop_unknown=True),
        )
        == "unknown"
    )


def test_refractory_lupus_not_yet_diagnosed_has_no_history_to_wait_for() -> None:
    """A first presentation (no SLE diagnosis, prednisone only, nothing else named) is not_met."""
    assert _refractory(drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)) == "not_met"
    # With SLE diagnosed, a bare prednisone listing is too thin to judge.
    sle = mention("sle", "sle_diagnosis", text="SLE")
    assert (
        statuses(
            [
                drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
                sle,
                mention("disease_active", "refractory_active_disease"),
            ]
        )["refractory_active_disease"]
        == "unknown"
    )


def test_refractory_lupus_still_being_worked_up_has_no_history_to_wait_for() -> None:
    """ "Probable SLE - not yet established. Start HCQ; prednisone taper": no activity stated, still not_met."""
    day = date(2025, 2, 1)
    treatment = [
        drug("prednisone", "glucocorticoids", day, current=True),
        drug("hydroxychloroquine", "not_counted", day, current=True),
    ]
    workup = mention("sle", "sle_diagnosis", text="SLE", is_uncertain=True)
    assert statuses([*treatment, workup])["refractory_active_disease"] == "not_met"
    # Diagnosed lupus on the same two drugs, activity unstated: the history may be elsewhere.
    diagnosed = mention("sle", "sle_diagnosis", text="SLE")
    assert statuses([*treatment, diagnosed])["refractory_active_disease"] == "unknown"


def test_refractory_an_imprecise_stop_on_the_window_edge_is_undecided() -> None:
    """Screening 2025-02-11 (window from 2023-02-11): MMF stopped "spring 2023"
    is 19 days in the window if 1 March, 110 if 31 May."""
    screen = date(2025, 2, 11)
    steroid = drug("prednisone", "glucocorticoids", screen, current=True)
    benlysta = drug("belimumab", "immunosuppressives", screen, start="2023-07-01", current=True)
    mmf = drug(
        "mycophenolate",
        "immunosuppressives",
        date(2024, 6, 18),
        start="2021-01-01",
        last_use="2023-03-01",
        stopped=True,
        end_latest="2023-05-31",
    )
    active = mention("disease_active", "refractory_active_disease")
    status = resolve_patient("P1", [steroid, benlysta, mmf, active], screen, note_count=2).criteria
    assert status["refractory_active_disease"].status == "unknown"
    mmf.attrs["end_latest"] = "2023-03-31"  # "stopped 03/2023": short either way
    status = resolve_patient("P1", [steroid, benlysta, mmf, active], screen, note_count=2).criteria
    assert status["refractory_active_disease"].status == "not_met"


def test_a_dose_dated_without_a_start_places_the_use() -> None:
    ctx = Context.for_patient(SCREEN, 3)
    ritux = exposure_interval(drug("rituximab", "immunosuppressives", date(2024, 11, 20), last_use="2024-04-01"), ctx)
    assert ritux is not None and (ritux.start, ritux.end) == (date(2024, 4, 1), date(2024, 9, 30))
    dose = exposure_interval(drug("belimumab", "immunosuppressives", date(2025, 2, 1), last_use="2025-01-14"), ctx)
    assert dose is not None and (dose.start, dose.end) == (date(2025, 1, 14), date(2025, 1, 14))


def test_a_continued_listing_joins_an_earlier_closed_course() -> None:
    ctx = Context.for_patient(SCREEN, 3)
    first = drug("belimumab", "immunosuppressives", date(2024, 8, 8), start="2024-06-01", last_use="2024-08-01")
    later = drug("belimumab", "immunosuppressives", date(2025, 2, 27), last_use="2025-02-13", continuing=True)
    ivs = [exposure_interval(first, ctx), exposure_interval(later, ctx)]
    assert all(isinstance(iv, Interval) for iv in ivs)
    assert merge(ivs, join_gap_days=200) == [(date(2024, 6, 1), date(2025, 2, 13))]  # type: ignore[arg-type]
    plain = replace(later, attrs={**later.attrs, "continuing": False})
    assert len(merge([exposure_interval(first, ctx), exposure_interval(plain, ctx)], join_gap_days=200)) == 2  # type: ignore[list-item]


def test_a_later_possible_flare_leaves_activity_open() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2022-01-01", current=True),
        drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-01-01", current=True),
    ]
    quiet = mention("disease_inactive", "refractory_active_disease", note_date=date(2024, 9, 10), note_id="A")
    possible = mention(
        "disease_active", "refractory_active_disease", note_date=date(2024, 12, 17), note_id="B", is_uncertain=True
    )
    assert statuses([*base, quiet])["refractory_active_disease"] == "not_met"
    assert statuses([*base, quiet, possible])["refractory_active_disease"] == "unknown"


def test_an_assessment_that_asks_flare_or_not_after_quiet_findings_leaves_activity_open() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2022-01-01", current=True),
        drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-01-01", current=True),
    ]
    # "no synovitis ... Assessment: ?lupus flare vs fibromyalgia - can't tell today".
    no_synovitis = mention("disease_active", "refractory_active_disease", note_id="B", start=40, is_negated=True)
    question = mention("disease_active", "refractory_active_disease", note_id="B", start=120, is_uncertain=True)
    assert statuses([*base, no_synovitis])["refractory_active_disease"] == "not_met"
    assert statuses([*base, no_synovitis, question])["refractory_active_disease"] == "unknown"
    # A question asked before the note's own answer does not reopen it.
    earlier_question = replace(question, start=10)
    assert statuses([*base, no_synovitis, earlier_question])["refractory_active_disease"] == "not_met"
    # Nor does it override an active finding in the same note.
    synovitis = replace(no_synovitis, is_negated=False)
    assert statuses([*base, synovitis, question])["refractory_active_disease"] == "met"


def test_a_postpartum_note_speaks_of_the_pregnancy_that_ended() -> None:
    day = date(2026, 1, 29)

    def pregnancy_status(mentions: list[Mention]) -> str:
        return resolve_patient("P1", mentions, day, note_count=1).criteria["pregnant_or_lactating"].status

    delivered = mention(
        "postpartum", "pregnant_or_lactating", note_date=day, start=20, attrs={"event_date": "2026-01-26"}
    )
    not_feeding = mention("lactation", "pregnant_or_lactating", note_date=day, start=200, is_negated=True)
    # "mild arthralgias in 3rd trimester", later in the same note.
    trimester = mention("pregnancy", "pregnant_or_lactating", note_date=day, start=120)
    assert pregnancy_status([delivered, trimester, not_feeding]) == "not_met"
    # "SVD 01/20/26 at 39w0d": the weeks of the delivered pregnancy.
    weeks = replace(trimester, attrs={"gestational_weeks": 39})
    assert pregnancy_status([delivered, weeks, not_feeding]) == "not_met"
    # A new pregnancy the note names, or whose weeks fit after the delivery, counts.
    again = replace(trimester, sentence="Pregnant again, LMP 3 weeks ago.")
    assert pregnancy_status([delivered, again, not_feeding]) == "met"
    # An undated delivery told beside the postpartum state: "PPD3 s/p urgent C/S at 33w1d".
    told = mention(
        "postpartum",
        "pregnant_or_lactating",
        note_date=day,
        text="C/S",
        start=20,
        sentence="PPD3 s/p urgent C/S at 33w1d",
    )
    assert pregnancy_status([told, trimester, not_feeding]) == "not_met"
    # "G2P1001 at 22w3d ... Prior pregnancy 2020 - term SVD": an undated delivery noun is no recent delivery.
    prior_svd = mention("postpartum", "pregnant_or_lactating", note_date=day, text="SVD", start=300)
    current = replace(trimester, attrs={"gestational_weeks": 22}, start=10)
    assert pregnancy_status([current, prior_svd]) != "not_met"  # the weeks are not those of that delivery
    old_delivery = replace(delivered, attrs={"event_date": "2025-06-01"}, note_date=day)
    fits = replace(trimester, attrs={"gestational_weeks": 20})
    assert pregnancy_status([old_delivery, fits, not_feeding]) == "met"


def test_only_ever_on_hydroxychloroquine_settles_a_pending_history() -> None:
    day = date(2025, 1, 13)
    pending = mention("records_pending", "refractory_active_disease", note_date=date(2024, 12, 30), note_id="A")
    steroid = drug("prednisone", "glucocorticoids", date(2024, 12, 30), current=True)
    hcq = drug("hydroxychloroquine", "not_counted", day, current=True)
    flare = mention("disease_active", "refractory_active_disease", note_date=day, note_id="B")
    assert statuses([pending, steroid, hcq, flare])["refractory_active_disease"] == "unknown"
    only = replace(hcq, note_id="B", sentence="Only ever on HCQ; prednisone 5 mg from PCP 2024, stopped after ~4 mo.")
    assert statuses([pending, steroid, only, flare])["refractory_active_disease"] == "not_met"


def test_a_date_of_birth_that_reads_both_ways_decides_only_when_both_agree() -> None:
    dob = mention(
        "date_of_birth", "age_18_or_older", attrs={"birth_date": "2007-01-06", "birth_date_other": "2007-06-01"}
    )
    # 6 January 2007: 18 on 2025-03-01; 1 June 2007: 17.
    assert statuses([dob])["age_18_or_older"] == "unknown"
    both_adult = replace(dob, attrs={"birth_date": "1990-01-06", "birth_date_other": "1990-06-01"})
    assert statuses([both_adult])["age_18_or_older"] == "met"
    stated = mention("age", "age_18_or_older", attrs={"age_years": 18})
    assert statuses([dob, stated])["age_18_or_older"] == "met"


def test_a_bare_lupus_that_is_plainly_the_patients_disease_counts_beside_a_relatives() -> None:
    sister = mention("sle", "sle_diagnosis", text="lupus", is_family=True, sentence="FHx: sister (31) also has lupus.")
    own = mention(
        "sle",
        "sle_diagnosis",
        text="lupus",
        start=30,
        sentence="35yo F w/ lupus (arthritis, leukopenia, anti-dsDNA pos).",
    )
    assert statuses([sister, own])["sle_diagnosis"] == "met"
    vague = replace(own, sentence="Reassured re: lupus.")
    assert statuses([sister, vague])["sle_diagnosis"] != "met"


def test_a_repeated_test_with_its_result_is_a_result() -> None:
    repeat = mention(
        "anti_dsdna",
        "autoantibody_positive",
        is_hypothetical=True,
        cues=("hypothetical: Repeat",),
        attrs={"antibody": "anti_dsdna", "result": "negative"},
    )
    assert result_of(repeat) == "negative"
    planned = replace(repeat, cues=("hypothetical: will check",))
    assert result_of(planned) is None


def test_an_unclear_history_beside_sle_does_not_doubt_the_diagnosis() -> None:
    sle = mention("sle", "sle_diagnosis", text="SLE", note_date=date(2024, 6, 1))
    unclear = mention(
        "sle",
        "sle_diagnosis",
        text="SLE",
        start=10,
        is_uncertain=True,
        cues=("possible_existence: unclear",),
        sentence="A/P: active SLE, med hx unclear.",
    )
    assert statuses([sle, unclear])["sle_diagnosis"] == "met"
    doubted = replace(unclear, sentence="A/P: SLE unclear - could be UCTD.")
    assert statuses([sle, doubted])["sle_diagnosis"] == "unknown"


def test_an_attestation_is_the_notes_last_word_on_activity() -> None:
    base = [
        drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True),
        drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2022-01-01", current=True),
        drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-01-01", current=True),
    ]
    resident = mention("disease_active", "refractory_active_disease", note_id="B", start=40)
    attending = mention(
        "disease_active",
        "refractory_active_disease",
        note_id="B",
        start=300,
        is_uncertain=True,
        attrs={"attestation": True},
    )
    assert statuses([*base, resident])["refractory_active_disease"] == "met"
    assert statuses([*base, resident, attending])["refractory_active_disease"] == "unknown"
    agrees = replace(attending, is_uncertain=False)
    assert statuses([*base, resident, agrees])["refractory_active_disease"] == "met"


def test_an_attending_who_names_the_headaches_cause_settles_a_fellows_open_question() -> None:
    fellow = mention("npsle", "active_severe_cns_lupus", note_id="B", start=40, is_uncertain=True)
    assert statuses([fellow])["active_severe_cns_lupus"] == "unknown"
    cause = mention(
        "headache_other_cause", "active_severe_cns_lupus", note_id="B", start=300, attrs={"attestation": True}
    )
    assert statuses([fellow, cause])["active_severe_cns_lupus"] == "not_met"
    # The fellow's own mention of migraine history settles nothing.
    history = replace(cause, attrs={})
    assert statuses([fellow, history])["active_severe_cns_lupus"] == "unknown"


def test_a_vague_past_immunosuppressant_stays_open_beside_a_current_list_and_a_plan() -> None:
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    vague = mention(
        "treatment_class",
        "refractory_active_disease",
        text="some immunosuppressant",
        sentence="Pt was on 'some immunosuppressant for a few months' at an outside clinic, unsure which or when.",
    )
    med_list = mention("medication_list", "refractory_active_disease", text="Meds:")
    plan = replace(drug("mycophenolate", "immunosuppressives", date(2025, 2, 1)), is_hypothetical=True)
    assert statuses([steroid, vague, med_list, plan])["refractory_active_disease"] == "unknown"
    # Without the vague history, a steroid and a plan show fewer than two drugs taken.
    assert statuses([steroid, med_list, plan])["refractory_active_disease"] == "not_met"


def test_a_denial_limited_to_the_recent_past_leaves_pending_records_open() -> None:
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    cellcept = drug("mycophenolate", "immunosuppressives", date(2025, 1, 10), doubted=True)
    pending = mention("records_pending", "refractory_active_disease", note_date=date(2025, 1, 10), note_id="A")
    flare = mention("disease_active", "refractory_active_disease", note_date=date(2025, 2, 1), note_id="B")
    since = mention(
        "treatment_class",
        "refractory_active_disease",
        note_date=date(2025, 2, 1),
        note_id="B",
        start=50,
        is_negated=True,
        sentence="Meds: pred 10 mg, HCQ. No other immunosuppressant since last year.",
    )
    assert statuses([steroid, cellcept, pending, flare, since])["refractory_active_disease"] == "unknown"
    ever = replace(since, sentence="No other immunosuppressant ever, per pt and pharmacy list.")
    assert statuses([steroid, cellcept, pending, flare, ever])["refractory_active_disease"] == "not_met"


def test_an_attestations_renal_status_is_the_notes() -> None:
    hpi = mention("renal_remission", "active_severe_lupus_nephritis", note_id="B", start=40)
    flare = mention(
        "ln_class",
        "active_severe_lupus_nephritis",
        note_id="B",
        start=400,
        attrs={"classes": ["IV"], "attestation": True},
    )
    # Without an attestation, the later mention in the note wins on its own;
    # with one, the resident's carried-forward remission no longer counts at all.
    earlier_flare = replace(flare, start=10, attrs={"classes": ["IV"]})
    assert statuses([earlier_flare, hpi])["active_severe_lupus_nephritis"] == "not_met"
    assert (
        statuses([replace(earlier_flare, attrs={"classes": ["IV"], "attestation": True}), hpi])[
            "active_severe_lupus_nephritis"
        ]
        == "met"
    )


def test_a_later_never_taken_withdraws_the_med_lists_that_showed_the_drug() -> None:
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    benlysta = drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2023-01-01", current=True)
    listed = drug("azathioprine", "immunosuppressives", date(2024, 1, 10), start="2023-06-01", current=True)
    never = drug("azathioprine", "immunosuppressives", date(2025, 2, 1), never_taken=True)
    assert _refractory(steroid, benlysta, listed) == "met"
    assert _refractory(steroid, benlysta, listed, never) == "not_met"
    # Taken after the note that said it never was: that use counts.
    later = drug("azathioprine", "immunosuppressives", date(2025, 2, 20), start="2024-10-01", current=True)
    never_before = replace(never, note_date=date(2024, 9, 1), note_id="N-early")
    assert _refractory(steroid, benlysta, never_before, later) == "met"


def test_a_copied_forward_med_list_tells_the_use_of_its_own_visit() -> None:
    """AZA started 10/10/2023 in a list copied from 11/07/2023, stopped 12/05/2023: 56 days, not 8 months."""
    screen = date(2024, 6, 25)
    steroid = drug("prednisone", "glucocorticoids", screen, current=True)
    mmf = drug("mycophenolate", "immunosuppressives", screen, start="2024-01-09", current=True)
    copied = drug("azathioprine", "immunosuppressives", screen, start="2023-10-10", current=True, as_of="2023-11-07")
    stop = drug("azathioprine", "immunosuppressives", screen, end="2023-12-05", stopped=True)
    active = mention("disease_active", "refractory_active_disease", note_date=screen)
    result = resolve_patient("P1", [steroid, mmf, copied, stop, active], screen, note_count=2).criteria
    assert result["refractory_active_disease"].status == "not_met"
    unmarked = replace(copied, attrs={k: v for k, v in copied.attrs.items() if k != "as_of"})
    result = resolve_patient("P1", [steroid, mmf, unmarked, stop, active], screen, note_count=2).criteria
    assert result["refractory_active_disease"].status == "met"


def test_quiet_outside_the_kidneys_is_not_quiet_disease() -> None:
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    mmf = drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-02-01", current=True)
    tac = drug("tacrolimus", "immunosuppressives", date(2025, 2, 1), start="2024-06-20", current=True)
    quiet = mention(
        "disease_inactive",
        "refractory_active_disease",
        text="SLE quiet",
        sentence="Rheum: extrarenal SLE quiet; renal disease active.",
    )
    class_v = mention("ln_class", "active_severe_lupus_nephritis", text="class V LN", attrs={"classes": ["V"]})
    assert statuses([steroid, mmf, tac, quiet, class_v])["refractory_active_disease"] == "met"
    whole = replace(quiet, sentence="Rheum: SLE quiet; no renal activity.")
    assert statuses([steroid, mmf, tac, whole])["refractory_active_disease"] == "not_met"


def test_an_assessment_that_leaves_the_flare_open_leaves_activity_open() -> None:
    steroid = drug("prednisone", "glucocorticoids", date(2025, 2, 1), current=True)
    mmf = drug("mycophenolate", "immunosuppressives", date(2025, 2, 1), start="2023-02-01", current=True)
    rtx = drug("belimumab", "immunosuppressives", date(2025, 2, 1), start="2024-02-01", current=True)
    sentence = "Lupus flare vs acute parvovirus B19 arthritis - cannot distinguish today."
    arthritis = mention("disease_active", "refractory_active_disease", text="polyarthritis", start=10)
    flare = mention(
        "disease_active",
        "refractory_active_disease",
        text="Lupus flare",
        start=80,
        is_uncertain=True,
        sentence=sentence,
    )
    assert statuses([steroid, mmf, rtx, arthritis])["refractory_active_disease"] == "met"
    assert statuses([steroid, mmf, rtx, arthritis, flare])["refractory_active_disease"] == "unknown"
    # "possible serositis flare vs cardiogenic; no synovitis, no rash": absent findings close nothing.
    no_synovitis = mention("disease_active", "refractory_active_disease", text="synovitis", start=120, is_negated=True)
    doubted = replace(flare, start=10, sentence="possible lupus serositis flare vs cardiogenic, undetermined; no synovitis")
    assert statuses([steroid, mmf, rtx, doubted, no_synovitis])["refractory_active_disease"] == "unknown"


def test_not_planning_pregnancy_is_no_statement_that_she_is_not_pregnant() -> None:
    plans = mention(
        "pregnancy_topic",
        "pregnant_or_lactating",
        text="pregnancy",
        is_negated=True,
        sentence="On Mirena, not planning pregnancy; no pregnancy test this visit.",
    )
    assert statuses([plans])["pregnant_or_lactating"] == "unknown"
    denies = replace(plans, sentence="Denies pregnancy; LMP 2 weeks ago.")
    assert statuses([denies])["pregnant_or_lactating"] == "not_met"


def test_a_later_sentence_of_the_same_note_gives_the_seizures_cause() -> None:
    event = mention("seizure", "active_severe_cns_lupus", text="GTC seizure", start=10)
    cause = mention("seizure", "active_severe_cns_lupus", text="Seizure", start=90, attrs={"attributed_to": "other"})
    assert statuses([event])["active_severe_cns_lupus"] == "met"
    assert statuses([event, cause])["active_severe_cns_lupus"] == "not_met"
    # A cause given before the event is about an earlier one.
    earlier = replace(cause, start=0)
    later_event = replace(event, start=50)
    assert statuses([earlier, later_event])["active_severe_cns_lupus"] == "met"


def test_a_date_of_birth_another_note_can_read_settles_the_ambiguous_one() -> None:
    uk_letter = mention(
        "date_of_birth",
        "age_18_or_older",
        note_date=date(2024, 11, 14),
        note_id="N1",
        attrs={"birth_date": "2007-06-01"},
    )
    later = mention(
        "date_of_birth",
        "age_18_or_older",
        note_date=date(2025, 2, 20),
        note_id="N2",
        attrs={"birth_date": "2007-01-06", "birth_date_other": "2007-06-01"},
    )
    assert statuses([later])["age_18_or_older"] == "unknown"
    assert statuses([uk_letter, later])["age_18_or_older"] == "not_met"


def test_proteinuria_with_nephritis_being_sought_is_open() -> None:
    upcr = mention("proteinuria", "active_severe_lupus_nephritis", text="UPCR", attrs={"protein_g": 1.4})
    sought = mention(
        "lupus_nephritis", "active_severe_lupus_nephritis", text="lupus nephritis", start=40, is_hypothetical=True
    )
    assert statuses([upcr])["active_severe_lupus_nephritis"] == "not_met"
    assert statuses([upcr, sought])["active_severe_lupus_nephritis"] == "unknown"


def test_listings_fourteen_months_apart_with_no_stop_are_continuous_use() -> None:
    """"Maintenance mycophenolate from 12/2023" (Jan 2024), "on MMF 1.5 g BID" (Mar 2025): one use."""
    screen = date(2025, 3, 4)
    steroid = drug("prednisone", "glucocorticoids", screen, current=True)
    cyc = drug("cyclophosphamide", "immunosuppressives", date(2023, 5, 16), start="2023-05-12", current=True)
    cyc_done = drug("cyclophosphamide", "immunosuppressives", date(2024, 1, 9), end="2023-11-30", stopped=True)
    first = drug("mycophenolate", "immunosuppressives", date(2024, 1, 9), start="2023-12-01", current=True)
    now = drug("mycophenolate", "immunosuppressives", screen, current=True)
    active = mention("disease_active", "refractory_active_disease", note_date=screen)
    result = resolve_patient("P1", [steroid, cyc, cyc_done, first, now, active], screen, note_count=3)
    assert result.criteria["refractory_active_disease"].status == "met"
    # The course began before the note that listed it and ran to the later stop.
    assert "cyclophosphamide (203 days)" in result.criteria["refractory_active_disease"].rationale
    late = replace(now, note_date=date(2025, 9, 1), note_id="N-late")
    result = resolve_patient("P1", [steroid, cyc, cyc_done, first, late, active], date(2025, 9, 1), note_count=3)
    assert "mycophenolate (41 days)" in result.criteria["refractory_active_disease"].rationale  # 20 months: a gap
