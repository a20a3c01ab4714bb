"""Print the Markdown table of hostile inputs: case, expected handling, what the CLI did.

Usage (from the repository root)::

    python tests/robustness/table.py           # run every case, print the table
    python tests/robustness/table.py --write   # ... and replace the table in README.md
    python tests/robustness/table.py --store --write   # the review store faults table instead

The table sits in README.md between the ``robustness-table`` markers, under
the "Robustness" heading; ``test_hostile_inputs.py`` fails when it is out of
date. The cases are those of ``robustness_cases.py`` (the tests run the same).

``--store`` runs the review store's fault scenarios (``tests/store_faults.py``,
the same as ``tests/test_store_crash.py``; about a minute per database, the
race lasting ``SLE_ABSTRACT_STORE_RACE_SECONDS``, 30 s unless set) on SQLite
and, when ``SLE_ABSTRACT_TEST_PG_URL`` is set, PostgreSQL, and makes the table
between the ``store-faults-table`` markers; rows of a database not available
are kept as they are. ``test_store_crash.py`` fails when its rows or wording
are out of date or a row is not passing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import robustness_cases as rc
import robustness_run as rr

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- robustness-table:start (python tests/robustness/table.py --write) -->"
END = "<!-- robustness-table:end -->"
STORE_START = "<!-- store-faults-table:start (python tests/robustness/table.py --store --write) -->"
STORE_END = "<!-- store-faults-table:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(outcomes: dict[str, rr.Outcome], failures: dict[str, rr.FailureOutcome]) -> str:
    """The table for the results of every case and run-level failure."""
    rows = [
        "| case | hostile input | expected handling | result |",
        "| --- | --- | --- | --- |",
    ]
    for case in rc.CASES:
        o = outcomes[case.id]
        mark = "✅" if rr.passes(case, o) else "❌ bug (xfail)"
        rows.append(
            f"| `{case.id}` | {_cell(case.hostile)} | {_cell(case.expected)} | {mark} {_cell(rr.describe(case, o))} |"
        )
    for failure in rc.RUN_FAILURES:
        fo = failures[failure.id]
        mark = "✅" if not rr.check_failure(failure, fo) else "❌"
        rows.append(
            f"| `{failure.id}` | {_cell(failure.hostile)} | {_cell(failure.expected)} | "
            f"{mark} {_cell(rr.describe_failure(fo))} |"
        )
    return "\n".join(rows)


def readme_section(path: Path = README, start: str = START, end: str = END) -> str:
    """The table currently in README.md (empty when the markers are missing)."""
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return ""
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def write_readme(table: str, path: Path = README, start: str = START, end: str = END) -> None:
    """Replace the table between the markers in README.md."""
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"{path}: add the lines {start} and {end} under the Robustness heading first")
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    path.write_text(f"{before}{start}\n{table}\n{end}{after}", encoding="utf-8")


def build_table() -> str:
    """Run every case in a temporary folder and return the table."""
    with tempfile.TemporaryDirectory(prefix="sle-robustness-") as tmp:
        top = Path(tmp)
        outcomes = {}
        for case in rc.CASES:
            (top / case.id).mkdir()
            outcomes[case.id] = rr.run_case(case, top / case.id)
        failures = {f.id: rr.start_failure(f, top / f"run-{f.id}")() for f in rc.RUN_FAILURES}
        return markdown(outcomes, failures)  # the checks read the outputs, so inside the folder's life


def build_store_table() -> str:
    """Run the review store's fault scenarios and return their table (rows not run kept from README.md)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import store_faults as sf

    from nlp.cli import demo_corpus
    from nlp.engine import run

    with tempfile.TemporaryDirectory(prefix="sle-store-faults-") as tmp:
        results_dir = Path(tmp) / "results"
        run([demo_corpus()], results_dir)
        results = sf.run_all(Path(tmp), results_dir)
    previous = {
        rid: cells[3] for rid, cells in sf.parse_table(readme_section(start=STORE_START, end=STORE_END)).items()
    }
    return sf.markdown(results, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="replace the table in README.md")
    parser.add_argument("--store", action="store_true", help="the review store faults table instead")
    args = parser.parse_args(argv)
    table = build_store_table() if args.store else build_table()
    print(table)
    if args.write:
        write_readme(table, *((README, STORE_START, STORE_END) if args.store else ()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
