"""The benchmark's corpus generator and report (the measurements themselves are not timed in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.bench import _measure, report, synth_corpus, write_corpus
from nlp.readers import read_inputs
from nlp.records import NoteRecord


@pytest.mark.parametrize("n", [1, 37, 250])
def test_corpus_has_the_requested_size_and_valid_records(tmp_path: Path, n: int) -> None:
    path = tmp_path / "c.jsonl"
    notes, words = write_corpus(path, n, seed=3)
    items = list(read_inputs([path]))
    assert notes == n == len(items)
    assert all(isinstance(item, NoteRecord) for item in items)
    assert words == sum(len(item.text.split()) for item in items)


def test_corpus_is_deterministic_and_varied() -> None:
    first = list(synth_corpus(120, seed=5))
    assert first == list(synth_corpus(120, seed=5))
    assert first != list(synth_corpus(120, seed=6))
    texts = [r["text"] for r in first]
    assert len(set(texts)) > 0.9 * len(texts), "notes are varied, not copies of the demo corpus"
    assert len({r["patient_id"] for r in first}) > 25


def test_tokenizer_measurement_reports_rates(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    write_corpus(path, 20)
    result = _measure("tokenizer", path, 1, None)
    assert result["notes"] == 20 and result["words_per_s"] > 0 and result["peak_mb"] > 0


def _result(kind: str, wps: float, workers: int = 1, mb: float = 300.0) -> dict:
    return {
        "kind": kind,
        "workers": workers,
        "notes": 1000,
        "words": 150_000,
        "seconds": 150_000 / wps,
        "notes_per_s": 1000 / (150_000 / wps),
        "words_per_s": wps,
        "peak_mb": mb,
        "peak_child_mb": mb,
        "cpu_seconds": 150_000 / wps,
    }


def test_report_states_each_target_with_the_measured_numbers() -> None:
    results = {
        "machine": {
            "date": "2025-01-01",
            "cpu": "CPU",
            "cores": 2,
            "memory_gb": 8,
            "os": "Linux",
            "python": "3.11",
            "spacy": "3.7",
            "medspacy": "1.3.1",
            "load_average": 0.5,
        },
        "corpus": {"notes": 1000, "words": 150_000, "seed": 8},
        "tokenizer": _result("tokenizer", 100_000),
        "medspacy": _result("medspacy", 4_000),
        "pipeline_1": _result("pipeline", 15_000),
        "pipeline_n": _result("pipeline", 27_000, workers=2),
        "scale_base": _result("pipeline", 15_000, mb=300.0),
        "scale": {**_result("pipeline", 15_000, mb=310.0), "notes": 100_000},
    }
    text = report(results)
    assert "| 1 worker ≥ 30× medspaCy's words/s | 3.8× | **no** |" in text
    assert "| 1 worker ≥ 10% of the bare tokenizer's words/s | 15.0% | yes |" in text
    assert "| 2 workers ≥ 1.6× one worker | 1.80× | yes |" in text
    assert "+3.3% | yes |" in text
    json.dumps(results)  # the raw results stay serialisable for --json
