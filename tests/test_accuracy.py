"""Accuracy against the gold annotations, with floors from annotations/floors.json.

The test half is held out: rules are tuned on the development halves only.
The floors sit a little under the measured scores so that a rule change that
loses accuracy fails CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.engine import run
from nlp.evaluation import evaluate

ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"
FLOORS = json.loads((ANNOTATIONS / "floors.json").read_text(encoding="utf-8"))
HALVES = [half for half in FLOORS if half != "description" and (ANNOTATIONS / half / "gold.jsonl").is_file()]


@pytest.fixture(scope="module", params=HALVES)
def scored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pipeline):
    half = request.param
    out = tmp_path_factory.mktemp(f"eval-{half}")
    run([ANNOTATIONS / half / "notes.jsonl"], out, pipeline=pipeline)
    return half, evaluate(ANNOTATIONS / half, out)


@pytest.mark.parametrize("metric", ["macro_f1", "status_accuracy", "eligibility_accuracy", "antibody_accuracy"])
def test_accuracy_floor(scored, metric: str) -> None:
    half, result = scored
    value = getattr(result, metric)
    floor = FLOORS[half][metric]
    assert value >= floor, f"{half} {metric} {value:.3f} fell below the floor {floor}"


def test_every_evidence_offset_is_valid(scored) -> None:
    _, result = scored
    assert result.offsets is not None and result.offsets.invalid == 0


def test_no_gold_patient_missing(scored) -> None:
    _, result = scored
    assert not result.missing_patients


def test_every_gold_set_has_floors() -> None:
    """A gold set without floors would never be scored in CI."""
    sets = sorted(p.parent.name for p in ANNOTATIONS.glob("*/gold.jsonl"))
    missing = [name for name in sets if name not in FLOORS]
    assert not missing, f"gold sets with no floors in annotations/floors.json: {missing}"
