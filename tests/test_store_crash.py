"""Crash safety and concurrency of the review store (issue #6): SIGKILL of writers and of the app, racing writers.

Reviewer processes (``store_writer.py``) write decisions through the public
``ReviewStore`` API and keep a ledger of what the store confirmed (fsynced);
the scenarios and checks are in ``store_faults.py``. After every fault a
fresh connection must find: the database's integrity check passing, every
confirmed decision there byte for byte, every chain a proper chain (nothing
overwritten silently), nothing of a transaction killed before its commit,
and a reopened store that accepts writes and still refuses UPDATE/DELETE.

- writers SIGKILLed at random points, and inside an open write transaction
  (a hook stops the writer after the INSERT is flushed, before the commit);
- the first open of a fresh database SIGKILLed between CREATE TABLE and the
  append-only triggers;
- the app SIGKILLed while a reviewer works in it. The app is ``app.py``
  itself, driven through Streamlit's AppTest in a child process: the same
  script, views, cached store (``nlp/ui/state.py``) and callbacks as under
  ``streamlit run``, without the web server, which holds no database state
  and would need a browser to click anything (``tests/e2e`` drives one);
- 4 writers opening one fresh database at the same instant and racing for
  ``SLE_ABSTRACT_STORE_RACE_SECONDS`` (30 s unless set; CI does not set it),
  half of their decisions on 12 shared chains: none lost, none overwritten
  silently, and conflicts (ConflictError) > 0, so the race was real.

Every test runs on SQLite and, when ``SLE_ABSTRACT_TEST_PG_URL`` is set
(``.ci/run`` starts a throwaway PostgreSQL), on PostgreSQL in a schema of its
own. The figures are printed, merged into ``$SLE_ABSTRACT_STORE_FAULTS_JSON``
when set, and make the README's "Review store faults" table
(``python tests/robustness/table.py --store --write``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import store_faults as sf

from nlp.cli import demo_corpus
from nlp.engine import run

pytestmark = pytest.mark.slow

RESULTS: dict[str, sf.Result] = {}
"""What this session measured, by table row id."""

_PG_SKIP = sf.pg_unavailable()


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.skipif(bool(_PG_SKIP), reason=_PG_SKIP or "")),
    ]
)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sf.Target]:
    """A fresh database: an SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    with sf.target(request.param, tmp_path / request.param) as t:
        yield t


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Path:
    out = tmp_path_factory.mktemp("store-crash") / "results"
    run([demo_corpus()], out, pipeline=pipeline)
    return out


def _report(result: sf.Result, capsys: pytest.CaptureFixture[str]) -> None:
    RESULTS[result.id] = result
    sf.save_json({result.id: result})
    with capsys.disabled():
        print(f"\n[store faults] {result.id}: {result.describe()}")
    assert result.ok, "\n".join(result.problems)


def test_sigkill_writers_mid_transaction_keeps_every_confirmed_decision(
    target: sf.Target, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sf.kill_writers(target)
    assert result.figures["in_transaction"] == result.figures["rounds"]  # one certain mid-transaction kill a round
    _report(result, capsys)


def test_sigkill_during_the_first_open_leaves_a_schema_the_next_open_completes(
    target: sf.Target, capsys: pytest.CaptureFixture[str]
) -> None:
    _report(sf.kill_first_open(target), capsys)


def test_sigkill_of_the_app_keeps_every_decision_it_committed(
    target: sf.Target, results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sf.kill_app(target, results_dir)
    assert result.figures["in_transaction"] == 1 and result.figures["confirmed"] > 0
    _report(result, capsys)


def test_four_writers_racing_lose_nothing_and_overwrite_nothing(
    target: sf.Target, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sf.race(target, writers=4, seconds=sf.RACE_SECONDS)
    f = result.figures
    assert f["confirmed"] > 0 and f["conflicts"] > 0  # decisions were made, and the race was real
    _report(result, capsys)


def test_readme_store_faults_table_is_current() -> None:
    """README's table has every fault on every database, with the wording of ``store_faults.FAULTS``, all passing."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "robustness"))
    import table

    section = table.readme_section(start=table.STORE_START, end=table.STORE_END)
    stale = (
        "the README's review store faults table is out of date: run python tests/robustness/table.py --store --write"
    )
    assert section, stale
    readme = sf.parse_table(section)
    expected = sf.parse_table(sf.markdown({}))
    assert list(readme) == list(expected), stale
    for rid, cells in expected.items():
        assert readme[rid][:3] == cells[:3], f"{rid}: {stale}"
        assert readme[rid][3].startswith("✅"), f"{rid} is not passing in the README: {readme[rid][3]}"
