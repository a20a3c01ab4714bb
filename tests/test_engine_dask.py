"""The Dask engine on a real local cluster gives the local engine's outputs, byte for byte."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nlp.cli import demo_corpus, main
from nlp.engine import EngineError, run

distributed = pytest.importorskip("distributed")

OUTPUTS = ("patients.jsonl", "evidence.jsonl", "errors.jsonl")


@pytest.mark.slow
def test_dask_cluster_with_two_worker_processes_matches_local_engine(tmp_path: Path, pipeline) -> None:
    local = tmp_path / "local"
    run([demo_corpus()], local, pipeline=pipeline, today=date(2025, 6, 1))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        assert len(cluster.workers) == 2
        summary = run(
            [demo_corpus()],
            tmp_path / "dask",
            engine="dask",
            scheduler=cluster.scheduler_address,
            today=date(2025, 6, 1),
        )
    assert summary.engine == "dask" and summary.notes_processed == 92
    for name in OUTPUTS:
        assert (tmp_path / "dask" / name).read_bytes() == (local / name).read_bytes(), name


def test_unreachable_scheduler_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nlp.dask_engine.CONNECT_TIMEOUT", "1s")
    code = main(
        ["run", str(demo_corpus()), "--out", str(tmp_path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler" in err and err.count("\n") == 1
    assert not (tmp_path / "manifest.json").exists()


def test_scheduler_needs_the_dask_engine(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="--engine dask"):
        run([demo_corpus()], tmp_path, scheduler="tcp://127.0.0.1:8786")
