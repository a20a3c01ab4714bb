"""Hostile batch inputs through the real command line (issue #6).

Each case of :data:`robustness_cases.CASES` runs once, through
``nlp.cli.main`` (huge inputs through ``python -m nlp.cli`` in a child
process with a timeout), and is checked for every aspect of
:data:`robustness_run.ASPECTS`: exit code 0, manifest counts that add up,
each bad record in ``errors.jsonl`` with its location and reason, every other
record processed, no note text in errors or on stdout/stderr, nothing
created, changed or removed outside ``--out``, exactly the four outputs in
``--out``, and outputs valid against the contract's schemas. Aspects that
fail because of a bug reported elsewhere are ``xfail(strict=True)``: the
marker has to go when the bug is fixed.

The cases also run together in one ``python -m nlp.cli run --workers 2``,
and the run-level failures (missing input, unwritable ``--out``) are checked
for a non-zero exit, one line on stderr and nothing written. Child processes
all start with the module, before any in-process run changes directory.

``python tests/robustness/table.py --write`` regenerates the README's table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import robustness_cases as rc
import robustness_run as rr

pytestmark = pytest.mark.slow

BRIEF = (
    "malformed-json",
    "json-not-object",
    "missing-fields",
    "null-or-wrong-type",
    "empty-text",
    "huge-note-5mb",
    "long-line-1mb",
    "invalid-utf8",
    "nul-bytes",
    "bom",
    "csv-quoted-newlines",
    "csv-bad-columns",
    "duplicate-ids",
    "bad-dates",
    "extra-fields",
    "path-ids",
    "binary-file",
    "empty-files",
    "legacy-encodings",
    "symlink-dir-loop",
    "symlink-self-loop",
)
"""The hostile inputs issue #6 lists, by case id."""


def _params() -> list[Any]:
    params = []
    for case in rc.CASES:
        bug_reason, bug_aspects = case.known_bug or ("", frozenset())
        for aspect in rr.ASPECTS:
            marks = [pytest.mark.xfail(reason=bug_reason, strict=True)] if aspect in bug_aspects else []
            params.append(pytest.param(case, aspect, id=f"{case.id}-{aspect}", marks=marks))
    return params


def _combined_cases() -> list[rc.Case]:
    """The cases that finish today, but the huge ones (they have child processes of their own)."""
    return [c for c in rc.CASES if c.known_bug is None and not c.subprocess]


@pytest.fixture(scope="module")
def children(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Callable[[], Any]]]:
    """Start every child-process run now; each value waits for its run's result.

    Keys: a case id (huge inputs), ``run:<id>`` (run-level failures) and ``combined``.
    """
    started: dict[str, Callable[[], Any]] = {
        "combined": rr.start_combined(_combined_cases(), tmp_path_factory.mktemp("combined"))
    }
    for case in rc.CASES:
        if case.subprocess:
            started[case.id] = rr.start_case(case, tmp_path_factory.mktemp(case.id))
    for failure in rc.RUN_FAILURES:
        started[f"run:{failure.id}"] = rr.start_failure(failure, tmp_path_factory.mktemp(failure.id))
    results: dict[str, Any] = {}

    def waiter(key: str, finish: Callable[[], Any]) -> Callable[[], Any]:
        def result() -> Any:
            if key not in results:
                results[key] = finish()
            return results[key]

        return result

    yield {key: waiter(key, finish) for key, finish in started.items()}
    rr.kill_children()  # those no selected test waited for


@pytest.fixture(scope="module")
def outcome_of(
    tmp_path_factory: pytest.TempPathFactory, children: dict[str, Callable[[], Any]]
) -> Callable[[rc.Case], rr.Outcome]:
    """Each case's run, once per module: its child process's result, or in-process on first use."""
    cache: dict[str, rr.Outcome] = {}

    def get(case: rc.Case) -> rr.Outcome:
        if case.id not in cache:
            if case.id in children:
                cache[case.id] = children[case.id]()
            else:
                cache[case.id] = rr.run_case(case, tmp_path_factory.mktemp(case.id), in_process=True)
        return cache[case.id]

    return get


@pytest.mark.parametrize(("case", "aspect"), _params())
def test_hostile_input(case: rc.Case, aspect: str, outcome_of: Callable[[rc.Case], rr.Outcome]) -> None:
    assert rr.ASPECTS[aspect](case, outcome_of(case)) == []


def test_cases_cover_the_brief_and_ids_are_unique() -> None:
    ids = [case.id for case in rc.CASES]
    assert len(ids) == len(set(ids))
    assert set(BRIEF) <= set(ids)


def test_huge_note_evidence_indexes_the_whole_note(outcome_of: Callable[[rc.Case], rr.Outcome]) -> None:
    """The 5 MB note is processed in segments; its evidence offsets point into the whole note."""
    case = next(c for c in rc.CASES if c.id == "huge-note-5mb")
    outcome = outcome_of(case)
    evidence = [json.loads(line) for line in (outcome.out / "evidence.jsonl").read_text(encoding="utf-8").splitlines()]
    big = [e for e in evidence if e["patient_id"] == "huge-note-5mb-big"]
    assert big and max(e["start"] for e in big) > 4_000_000


# --------------------------------------------------------------------------- all cases in one run


@pytest.fixture(scope="module")
def combined(children: dict[str, Callable[[], Any]]) -> rr.Outcome:
    """The combined cases in one ``python -m nlp.cli run --workers 2``."""
    return children["combined"]()


def test_combined_run_finishes_and_validates(combined: rr.Outcome) -> None:
    from nlp.schema import validate_output_dir

    assert combined.exit_code == 0, combined.stderr[-2000:]
    assert validate_output_dir(combined.out) == []
    assert {p.name for p in combined.out.iterdir()} == rr.OUTPUT_NAMES
    assert combined.outside_changes == []


def test_combined_run_accounts_for_every_record(combined: rr.Outcome) -> None:
    cases = _combined_cases()
    counts = combined.manifest["counts"]
    assert counts["notes_read"] == sum(c.notes_read for c in cases)
    assert counts["notes_read"] == counts["notes_processed"] + counts["notes_rejected"]
    rejected_either = sum(1 for c in cases for s, _ in c.either if any(e["source"] == s for e in combined.errors))
    assert len(combined.errors) == sum(len(c.rejects) + len(c.file_errors) for c in cases) + rejected_either
    for case in cases:
        for want in (*case.rejects, *case.file_errors):
            assert any(e["source"] == want.source and want.reason in e["reason"] for e in combined.errors), want


def test_combined_run_prints_no_note_text(combined: rr.Outcome) -> None:
    assert combined.stdout.startswith("Screened ")  # the summary was printed, and is checked
    assert rc.CANARY not in combined.stdout
    assert rc.CANARY not in combined.stderr
    assert rc.CANARY not in (combined.out / "errors.jsonl").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- run-level failures


@pytest.mark.parametrize("failure", [pytest.param(f, id=f.id) for f in rc.RUN_FAILURES])
def test_run_level_failure_exits_non_zero_with_one_line(
    failure: rc.RunFailure, children: dict[str, Callable[[], Any]]
) -> None:
    assert rr.check_failure(failure, children[f"run:{failure.id}"]()) == []


# --------------------------------------------------------------------------- the README table


def test_readme_table_is_current(
    outcome_of: Callable[[rc.Case], rr.Outcome], children: dict[str, Callable[[], Any]]
) -> None:
    """The README's Robustness table is what ``table.py`` prints for today's results."""
    import table

    outcomes = {case.id: outcome_of(case) for case in rc.CASES}
    failures = {f.id: children[f"run:{f.id}"]() for f in rc.RUN_FAILURES}
    assert table.readme_section() == table.markdown(outcomes, failures), (
        "the README's Robustness table is out of date: run python tests/robustness/table.py --write"
    )
