"""Dates, partial dates, relative dates and durations in clinical text."""

from __future__ import annotations

from datetime import date

import pytest

from nlp.pipeline.values import date_before
from nlp.temporal import add_months, day_first_dates, find_dates, find_durations, parse_iso_date, writes_day_first

NOTE_DATE = date(2025, 5, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("since 03/2023", [(date(2023, 3, 1), "month")], id="month-year"),
        pytest.param("started 2/2024", [(date(2024, 2, 1), "month")], id="single-digit-month"),
        pytest.param("biopsy 2024-08-15", [(date(2024, 8, 15), "day")], id="iso-day"),
        pytest.param("since 2024-03", [(date(2024, 3, 1), "month")], id="iso-month"),
        pytest.param("DOB 03/14/1990", [(date(1990, 3, 14), "day")], id="us-date"),
        pytest.param("DOB: 17/05/1990", [(date(1990, 5, 17), "day")], id="day-first-when-the-first-number-is-no-month"),
        pytest.param("seen 03/04/2024", [(date(2024, 3, 4), "day")], id="ambiguous-numeric-date-stays-month-first"),
        pytest.param("seen 3/14/24", [(date(2024, 3, 14), "day")], id="us-two-digit-year"),
        pytest.param("in 2016", [(date(2016, 1, 1), "year")], id="year"),
        pytest.param("since March 2023", [(date(2023, 3, 1), "month")], id="month-name"),
        pytest.param("on 14 March 2023", [(date(2023, 3, 14), "day")], id="day-month-name"),
        pytest.param("test on 23rd January 2024", [(date(2024, 1, 23), "day")], id="ordinal-day-month-name"),
        pytest.param("on the 1st of March 2023", [(date(2023, 3, 1), "day")], id="ordinal-day-of-month-name"),
        pytest.param("Jan 5, 2025", [(date(2025, 1, 5), "day")], id="month-day-comma"),
        pytest.param("12-Mar-2023", [(date(2023, 3, 12), "day")], id="hyphenated-month-name"),
        pytest.param("A1c 9.1 (Jan '24)", [(date(2024, 1, 1), "month")], id="month-apostrophe-year"),
        pytest.param("A1c 9.4% in December", [(date(2024, 12, 1), "month")], id="bare-month-this-year-when-past"),
        pytest.param("since March", [(date(2025, 3, 1), "month")], id="bare-month-since"),
        pytest.param("symptoms may worsen in may", [], id="lowercase-may-is-a-verb"),
        pytest.param("seen Mar \u201923", [(date(2023, 3, 1), "month")], id="month-curly-apostrophe-year"),
        pytest.param("MTX 2019-2021", [(date(2019, 1, 1), "year"), (date(2021, 1, 1), "year")], id="year-range"),
        pytest.param("in spring 2023", [(date(2023, 3, 1), "month")], id="season-year"),
        pytest.param(
            "MTX Jan-Sep 2024", [(date(2024, 1, 1), "month"), (date(2024, 9, 1), "month")], id="month-range-one-year"
        ),
        pytest.param(
            "AZA Nov-Feb 2024",
            [(date(2023, 11, 1), "month"), (date(2024, 2, 1), "month")],
            id="month-range-across-new-year",
        ),
        pytest.param("symptoms may-June 2023", [(date(2023, 6, 1), "month")], id="may-the-verb-is-no-month"),
        pytest.param("late 2022", [(date(2022, 10, 1), "month")], id="late-year"),
        pytest.param("3 weeks ago", [(date(2025, 4, 10), "day")], id="weeks-ago"),
        pytest.param("two years ago", [(date(2023, 5, 1), "month")], id="years-ago-words"),
        pytest.param("last month", [(date(2025, 4, 1), "month")], id="last-month"),
        pytest.param("switched last spring", [(date(2024, 3, 1), "month")], id="last-spring-in-may"),
        pytest.param("02/30/2024", [], id="impossible-date-skipped"),
        pytest.param("BP 112/70", [], id="blood-pressure-not-a-date"),
        pytest.param("MMF 1500 mg", [], id="dose-not-a-date"),
        pytest.param("DOB 17-04-1989", [(date(1989, 4, 17), "day")], id="dashed-day-first"),
        pytest.param("12-15-2024", [(date(2024, 12, 15), "day")], id="dashed-month-first"),
        pytest.param("started 15.03.2024", [(date(2024, 3, 15), "day")], id="dotted-day-first"),
        pytest.param("born 09.02.1996", [(date(1996, 2, 9), "day")], id="dotted-always-day-first"),
        pytest.param("since 01-2023", [(date(2023, 1, 1), "month")], id="dashed-month-year"),
        pytest.param("since 06.2022", [(date(2022, 6, 1), "month")], id="dotted-month-year"),
        pytest.param("Hb 10.2 g/dl, 3.5-2.1", [], id="decimals-not-dates"),
    ],
)
def test_find_dates(text: str, expected: list[tuple[date, str]]) -> None:
    assert [(d.value, d.precision) for d in find_dates(text, NOTE_DATE)] == expected


@pytest.mark.parametrize(
    ("text", "days"),
    [
        pytest.param("x 6 months", [183], id="x-months"),
        pytest.param("for 2 weeks", [14], id="for-weeks"),
        pytest.param("~9 months of therapy", [274], id="tilde-months"),
        pytest.param("for two weeks", [14], id="number-word"),
        pytest.param("3-4 months", [91], id="range-takes-lower-bound"),
        pytest.param("stopped 2024-08-15", [], id="iso-date-is-not-a-duration"),
        pytest.param("an episode and a flare", [], id="articles-are-not-numbers"),
        pytest.param("3 weeks ago", [], id="relative-date-is-not-a-duration"),
        pytest.param("continue belimumab; reassess at 6 months", [], id="future-visit-is-not-a-duration"),
        pytest.param("follow up in 3 months", [], id="follow-up-interval"),
        pytest.param("stopped after 2 weeks", [14], id="stopped-after-weeks-is-a-duration"),
    ],
)
def test_find_durations(text: str, days: list[int]) -> None:
    assert [d.days for d in find_durations(text)] == days


def test_relative_dates_need_a_reference() -> None:
    assert find_dates("3 weeks ago", None) == []


def test_period_end_of_partial_dates() -> None:
    month, year = find_dates("since 02/2024 and in 2016")
    assert month.period_end == date(2024, 2, 29)
    assert year.period_end == date(2016, 12, 31)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2025, 3, 31), -1, date(2025, 2, 28), id="clamps-to-month-end"),
        pytest.param(date(2025, 3, 1), -24, date(2023, 3, 1), id="24-month-window"),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("2025-03-01", date(2025, 3, 1)), ("2025-02-30", None), ("03/01/2025", None)]
)
def test_parse_iso_date(text: str, expected: date | None) -> None:
    assert parse_iso_date(text) == expected


def test_date_before_reports_offsets_into_its_input() -> None:
    before = "Seen today; last note there 12/2024: "
    dm = date_before(before, date(2025, 9, 16))
    assert dm is not None and before[dm.start : dm.end] == "12/2024"
    # A date in a closed aside dates what it stands beside, not what follows.
    assert date_before("class IV LN (biopsy 03/2023), ", date(2025, 9, 16)) is None


def test_a_note_that_writes_its_own_date_day_first_writes_day_first() -> None:
    note_day = date(2025, 4, 8)
    assert writes_day_first("Consult - Barwon Health, 08/04/2025. Beta-hCG negative 02/04/2025.", note_day)
    assert not writes_day_first("Clinic 04/08/2025. hCG negative 02/04/2025.", note_day)
    assert not writes_day_first("hCG negative 02/04/2025.", note_day)


def test_a_note_that_writes_dates_day_first_reads_its_ambiguous_ones_so() -> None:
    note = "Clinic 14/01/2025. Azathioprine 01/2021 to 12/04/2023, stopped for pancreatitis."
    assert writes_day_first(note)
    assert not writes_day_first("Seen 12/16/2024; AZA stopped 12/04/2023.")  # month first
    assert not writes_day_first("AZA stopped 12/04/2023.")  # nothing says which
    with day_first_dates(writes_day_first(note)):
        assert [d.value for d in find_dates("stopped 12/04/2023")] == [date(2023, 4, 12)]
    assert [d.value for d in find_dates("stopped 12/04/2023")] == [date(2023, 12, 4)]


def test_a_note_in_a_day_first_countrys_conventions_reads_day_first() -> None:
    letter = "Dear colleague (GP Dr P. van den Berg), prednisolone 7.5 mg. Urine pregnancy test negative on 01-11-2024."
    assert writes_day_first(letter)
    assert not writes_day_first("Prednisolone 5 mg. hCG negative 01/11/2024.")  # one convention is not enough
    assert not writes_day_first("PCP letter: prednisone 10 mg, anemia, 01/11/2024.")  # US spellings and drugs
    assert not writes_day_first("GP letter, prednisolone; seen 12/16/2024, hCG 01/11/2024.")  # a month-first date wins
    with day_first_dates(writes_day_first(letter)):
        assert [d.value for d in find_dates("negative on 01-11-2024")] == [date(2024, 11, 1)]


def test_day_first_conventions_are_read_whatever_their_capitals() -> None:
    # A letter's "Prednisolone 15 mg", "500 mg bd", "Kind regards" and "Consultant Rheumatologist".
    letter = (
        "Dear Dr Pennington,\nMTX stopped on 12/06/2023. Prednisolone 15 mg.\nKind regards,\nConsultant Rheumatologist"
    )
    assert writes_day_first(letter)
    assert writes_day_first("Mycophenolate 500 mg bd, bloods with the GP. Seen 03/04/2024.")
    assert not writes_day_first("Mycophenolate 500 mg bd, reducing fortnightly. Seen 03/04/2024.")  # one kind
    assert not writes_day_first("MMF 500 mg BID. Seen 03/04/2024. Kind regards")  # one convention is not enough
    assert not writes_day_first("Prednisolone 5 mg bd; seen 12/16/2024, hCG 01/11/2024.")  # a month-first date wins


def test_a_note_shows_month_first_by_a_date_or_its_own_date() -> None:
    from nlp.temporal import shows_month_first

    assert shows_month_first("Seen 04/29/2025. DOB 05/06/2007.")
    assert shows_month_first("Clinic 04/08/2025. DOB 05/06/2007.", date(2025, 4, 8))
    assert not shows_month_first("DOB 05/06/2007.")
    assert not shows_month_first("Seen 29/04/2025. DOB 05/06/2007.")


def test_one_day_first_convention_is_a_hint_not_a_decision() -> None:
    from nlp.temporal import hints_day_first

    assert hints_day_first("On prednisolone 5 mg. DOB 05/06/2007.")
    assert not writes_day_first("On prednisolone 5 mg. DOB 05/06/2007.")
    assert not hints_day_first("On prednisone 5 mg. DOB 05/06/2007.")


def test_a_british_spelling_and_prednisolone_are_habits_not_a_place() -> None:
    habits = "Transition clinic (paediatric to adult). Followed by haematology. Prednisolone 5 mg. DOB 05/06/2007."
    assert not writes_day_first(habits)
    assert writes_day_first(habits + " Mycophenolate 1 g BD.")  # a usage with them decides
    assert writes_day_first("Seen with mum. Prednisolone 10 mg. DOB 04/09/2007.")
