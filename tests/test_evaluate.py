"""The evaluator (issue #3): tiny gold and run files, numbers checked by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nlp.evaluation import EvaluationResult, evaluate, match_spans, render_html, render_markdown
from nlp.evaluation.loading import QUALIFIERS, Span
from nlp.evaluation.metrics import binary_scores
from nlp.records import CRITERION_IDS

INCLUSIONS = CRITERION_IDS[:4]
EXCLUSIONS = CRITERION_IDS[4:]

# Two patients: P1 meets every inclusion and no exclusion, P2 meets every
# exclusion and no inclusion, so each criterion has one "met" and one not.
NOTES = {
    ("P1", "N1"): "Patient is a 34 y/o woman with SLE on mycophenolate. Anti-dsDNA positive. Denies seizures. "
    "Lives with her sister in Springfield.",
    ("P2", "N1"): "Lupus nephritis class IV. No history of SLE. Anti-Sm positive. Pregnant at 12 weeks.",
}
PRIVATE_SENTENCE = "Lives with her sister in Springfield."

# (patient, phrase, criterion, concept, supports, true qualifiers)
MENTIONS: list[tuple[str, str, str, str, bool, tuple[str, ...]]] = [
    ("P1", "34 y/o", "age_18_or_older", "age", True, ()),
    ("P1", "SLE", "sle_diagnosis", "sle", True, ()),
    ("P1", "Anti-dsDNA", "autoantibody_positive", "anti_dsdna", True, ()),
    ("P1", "seizures", "active_severe_cns_lupus", "seizure", False, ("is_negated",)),
    ("P2", "Lupus nephritis", "active_severe_lupus_nephritis", "lupus_nephritis", True, ()),
    ("P2", "SLE", "sle_diagnosis", "sle", False, ("is_negated", "is_historical")),
    ("P2", "Anti-Sm", "autoantibody_positive", "anti_sm", True, ()),
    ("P2", "Pregnant", "pregnant_or_lactating", "pregnancy", True, ()),
]


def _mention(pid: str, phrase: str, cid: str, concept: str, supports: bool, quals: tuple[str, ...]) -> dict[str, Any]:
    text = NOTES[(pid, "N1")]
    start = text.index(phrase)
    return {
        "note_id": "N1",
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
        "criterion_id": cid,
        "concept": concept,
        **{q: q in quals for q in QUALIFIERS},
        "supports": supports,
    }


def _gold() -> list[dict[str, Any]]:
    p1 = {
        "patient_id": "P1",
        "screening_date": "2025-03-01",
        "criteria": {**dict.fromkeys(INCLUSIONS, "met"), **dict.fromkeys(EXCLUSIONS, "not_met")},
        "antibodies": {
            "anti_dsdna": "positive",
            "anti_histone": "not_found",
            "anti_chromatin": "not_found",
            "anti_sm": "not_found",
        },
        "eligibility": "eligible",
    }
    p2 = {
        "patient_id": "P2",
        "screening_date": "2025-03-01",
        "criteria": {
            "age_18_or_older": "unknown",
            "sle_diagnosis": "not_met",
            "refractory_active_disease": "not_met",
            "autoantibody_positive": "not_met",
            **dict.fromkeys(EXCLUSIONS, "met"),
        },
        "antibodies": {
            "anti_dsdna": "negative",
            "anti_histone": "not_found",
            "anti_chromatin": "not_found",
            "anti_sm": "positive",
        },
        "eligibility": "ineligible",
    }
    for p in (p1, p2):
        p["mentions"] = [_mention(*m) for m in MENTIONS if m[0] == p["patient_id"]]
    return [p1, p2]


def _perfect_run(gold: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The run outputs that agree with gold on everything."""
    patients, evidence = [], []
    for g in gold:
        ids: dict[str, list[str]] = {cid: [] for cid in CRITERION_IDS}
        for k, m in enumerate(g["mentions"]):
            eid = f"ev-{g['patient_id']}-{k}"
            ids[m["criterion_id"]].append(eid)
            evidence.append({**m, "evidence_id": eid, "patient_id": g["patient_id"], "note_date": "2025-03-01"})
        patients.append(
            {
                "patient_id": g["patient_id"],
                "screening_date": g["screening_date"],
                "eligibility": g["eligibility"],
                "criteria": {
                    cid: {"status": s, "evidence_ids": ids[cid], "rationale": f"Rationale for {cid}."}
                    for cid, s in g["criteria"].items()
                },
                "antibodies": dict(g["antibodies"]),
            }
        )
    return patients, evidence


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _write_gold(tmp_path: Path, gold: list[dict[str, Any]] | None = None) -> Path:
    folder = tmp_path / "gold"
    _write_jsonl(folder / "gold.jsonl", gold if gold is not None else _gold())
    notes = [
        {"patient_id": pid, "note_id": nid, "note_date": "2025-03-01", "text": t} for (pid, nid), t in NOTES.items()
    ]
    _write_jsonl(folder / "notes.jsonl", notes)
    return folder


def _write_run(tmp_path: Path, patients: list[dict[str, Any]], evidence: list[dict[str, Any]]) -> Path:
    out = tmp_path / "run"
    _write_jsonl(out / "patients.jsonl", patients)
    _write_jsonl(out / "evidence.jsonl", evidence)
    return out


def _evaluate(tmp_path: Path, patients: list[dict[str, Any]], evidence: list[dict[str, Any]]) -> EvaluationResult:
    return evaluate(_write_gold(tmp_path), _write_run(tmp_path, patients, evidence))


def _set_status(patients: list[dict[str, Any]], pid: str, cid: str, status: str, rationale: str | None = None) -> None:
    for p in patients:
        if p["patient_id"] == pid:
            p["criteria"][cid]["status"] = status
            if rationale is not None:
                p["criteria"][cid]["rationale"] = rationale


def _evidence(evidence: list[dict[str, Any]], pid: str, phrase: str) -> dict[str, Any]:
    return next(e for e in evidence if e["patient_id"] == pid and e["text"] == phrase)


# ---------------------------------------------------------------- perfect prediction


def test_perfect_prediction_scores_one_everywhere(tmp_path: Path) -> None:
    r = _evaluate(tmp_path, *_perfect_run(_gold()))
    assert r.patients == 2
    assert r.missing_patients == ()
    assert r.macro_f1 == 1.0
    assert r.status_accuracy == r.eligibility_accuracy == r.antibody_accuracy == 1.0
    for c in r.criteria:
        assert (c.met.precision, c.met.recall, c.met.f1, c.accuracy) == (1.0, 1.0, 1.0, 1.0), c.criterion_id
    for scores in (r.mentions.all_evidence, r.mentions.supporting_only):
        assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert r.mentions.matched_pairs == len(MENTIONS)
    assert [q.accuracy for q in r.mentions.qualifiers] == [1.0] * 5
    assert r.mentions.supports_accuracy == 1.0
    assert r.offsets is not None and (r.offsets.checked, r.offsets.invalid) == (len(MENTIONS), 0)
    assert r.gold_offsets is not None and r.gold_offsets.valid
    assert r.status_errors == r.eligibility_errors == r.antibody_errors == ()
    assert r.floor_failures(min_macro_f1=1.0, min_accuracy=1.0) == []


def test_gold_given_as_file_or_folder_is_the_same(tmp_path: Path) -> None:
    folder = _write_gold(tmp_path)
    run = _write_run(tmp_path, *_perfect_run(_gold()))
    assert evaluate(folder, run).to_dict()["macro_f1"] == evaluate(folder / "gold.jsonl", run).to_dict()["macro_f1"]


# ---------------------------------------------------------------- status metrics


@pytest.mark.parametrize(
    ("pid", "cid", "status", "precision", "recall", "f1"),
    [
        pytest.param("P1", "sle_diagnosis", "not_met", None, 0.0, 0.0, id="met-predicted-not_met"),
        pytest.param("P2", "sle_diagnosis", "met", 0.5, 1.0, 2 / 3, id="not_met-predicted-met"),
        pytest.param("P2", "age_18_or_older", "not_met", 1.0, 1.0, 1.0, id="unknown-predicted-not_met"),
    ],
)
def test_one_flipped_status(
    tmp_path: Path, pid: str, cid: str, status: str, precision: float | None, recall: float, f1: float
) -> None:
    patients, evidence = _perfect_run(_gold())
    _set_status(patients, pid, cid, status)
    r = _evaluate(tmp_path, patients, evidence)
    c = r.criterion(cid)
    assert c.met.precision == precision
    assert c.met.recall == recall
    assert c.met.f1 == pytest.approx(f1)
    assert c.accuracy == 0.5
    assert r.status_accuracy == 15 / 16
    assert r.macro_f1 == pytest.approx((7 + f1) / 8)
    expected = next(g for g in _gold() if g["patient_id"] == pid)["criteria"][cid]
    assert c.confusion.count(expected, status) == 1
    assert sum(map(sum, c.confusion.matrix)) == 2
    assert c.confusion.predicted_labels == ("met", "not_met", "unknown")
    (error,) = r.status_errors
    assert (error.patient_id, error.criterion_id, error.expected, error.got) == (pid, cid, expected, status)
    assert error.rationale == f"Rationale for {cid}."
    # every other criterion is untouched
    assert all(o.accuracy == 1.0 for o in r.criteria if o.criterion_id != cid)


def test_wrong_eligibility_and_antibody(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    patients[0]["eligibility"] = "needs_review"
    patients[1]["antibodies"]["anti_sm"] = "negative"
    r = _evaluate(tmp_path, patients, evidence)
    assert r.eligibility_accuracy == 0.5
    assert r.eligibility_confusion.count("eligible", "needs_review") == 1
    assert r.antibody_accuracy == 7 / 8
    assert r.antibody_accuracies["anti_sm"] == 0.5
    assert r.antibody_confusion.count("positive", "negative") == 1
    (ab_error,) = r.antibody_errors
    assert (ab_error.patient_id, ab_error.item, ab_error.expected, ab_error.got) == (
        "P2",
        "anti_sm",
        "positive",
        "negative",
    )
    assert [e.text for e in ab_error.cited] == ["Anti-Sm"]
    assert [(e.patient_id, e.expected, e.got) for e in r.eligibility_errors] == [("P1", "eligible", "needs_review")]


def test_missing_patient_counts_wrong_everywhere(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    patients = [p for p in patients if p["patient_id"] != "P2"]
    evidence = [e for e in evidence if e["patient_id"] != "P2"]
    r = _evaluate(tmp_path, patients, evidence)
    assert r.missing_patients == ("P2",)
    assert r.status_accuracy == 0.5
    assert r.eligibility_accuracy == 0.5
    assert r.antibody_accuracy == 0.5
    # P2 met every exclusion: each becomes a false negative; P1's inclusions are still right.
    assert r.macro_f1 == 0.5
    for cid in EXCLUSIONS:
        c = r.criterion(cid)
        assert (c.met.tp, c.met.fn, c.met.f1) == (0, 1, 0.0)
        assert c.confusion.predicted_labels[-1] == "missing"
        assert c.confusion.count("met", "missing") == 1
    assert r.eligibility_confusion.count("ineligible", "missing") == 1
    assert len([e for e in r.status_errors if e.patient_id == "P2" and e.got == "missing"]) == 8
    assert r.mentions.all_evidence.recall == 0.5
    assert r.mentions.all_evidence.precision == 1.0


def test_run_patients_not_in_gold_are_listed_not_scored(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    extra = json.loads(json.dumps(patients[0]))
    extra["patient_id"] = "X9"
    extra_evidence = {**evidence[0], "patient_id": "X9", "evidence_id": "ev-x9"}
    r = _evaluate(tmp_path, [*patients, extra], [*evidence, extra_evidence])
    assert r.extra_patients == ("X9",)
    assert r.status_accuracy == 1.0
    assert r.mentions.all_evidence.precision == 1.0
    assert r.offsets is not None and (r.offsets.checked, r.offsets.invalid) == (8, 0)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "expected"),
    [
        pytest.param([0, 0], [0, 0], (None, None, 1.0), id="nothing-to-find-nothing-found"),
        pytest.param([1, 0], [0, 0], (None, 0.0, 0.0), id="nothing-found"),
        pytest.param([0, 0], [1, 0], (0.0, None, 0.0), id="nothing-to-find"),
        pytest.param([1, 1, 0, 0], [1, 0, 1, 0], (0.5, 0.5, 0.5), id="half"),
    ],
)
def test_binary_scores_undefined_cases(y_true: list[int], y_pred: list[int], expected: tuple) -> None:
    s = binary_scores([bool(v) for v in y_true], [bool(v) for v in y_pred])
    assert (s.precision, s.recall, s.f1) == expected


# ---------------------------------------------------------------- evidence spans


def _span(start: int, end: int, *, note: str = "N1", cid: str = "sle_diagnosis") -> Span:
    return Span("P1", note, cid, start, end, "x" * (end - start), True, (False,) * 5)


@pytest.mark.parametrize(
    ("gold", "pred", "pairs"),
    [
        pytest.param([(10, 13)], [(10, 13)], [(0, 0)], id="exact"),
        pytest.param([(10, 13)], [(12, 20)], [(0, 0)], id="partial-overlap"),
        pytest.param([(0, 5)], [(5, 8)], [], id="adjacent-is-not-overlap"),
        pytest.param([(10, 13)], [(10, 13, "N2")], [], id="other-note"),
        pytest.param([(10, 13)], [(10, 13, "N1", "active_severe_cns_lupus")], [], id="other-criterion"),
        pytest.param([(10, 13)], [(8, 14), (10, 13)], [(0, 1)], id="two-predictions-one-gold-best-overlap"),
        pytest.param([(0, 10), (8, 20)], [(7, 12)], [(1, 0)], id="one-prediction-two-golds-larger-overlap"),
        pytest.param([(0, 10), (8, 20)], [(7, 12), (0, 6)], [(0, 1), (1, 0)], id="one-to-one-both-matched"),
    ],
)
def test_match_spans_is_one_to_one(gold: list[tuple], pred: list[tuple], pairs: list[tuple[int, int]]) -> None:
    def spans(rows: list[tuple]) -> list[Span]:
        return [_span(r[0], r[1], **dict(zip(("note", "cid"), r[2:], strict=False))) for r in rows]

    assert match_spans(spans(gold), spans(pred)) == pairs


def test_duplicate_prediction_counts_once(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    dup = {**_evidence(evidence, "P1", "SLE"), "evidence_id": "ev-dup"}
    dup["start"] -= 5
    dup["text"] = NOTES[("P1", "N1")][dup["start"] : dup["end"]]
    r = _evaluate(tmp_path, patients, [*evidence, dup])
    s = r.mentions.all_evidence
    assert (s.tp, s.fp, s.fn) == (8, 1, 0)
    assert s.precision == pytest.approx(8 / 9)
    assert s.recall == 1.0
    assert [u.evidence_id for u in r.mentions.unmatched] == ["ev-dup"]


def test_missed_gold_mention_is_listed(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    evidence.remove(_evidence(evidence, "P2", "Pregnant"))
    r = _evaluate(tmp_path, patients, evidence)
    assert r.mentions.all_evidence.recall == pytest.approx(7 / 8)
    assert r.mentions.supporting_only.recall == pytest.approx(5 / 6)
    assert [(m.patient_id, m.text) for m in r.mentions.missed] == [("P2", "Pregnant")]


def test_supporting_only_matches_supporting_mentions(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    _evidence(evidence, "P1", "SLE")["supports"] = False
    r = _evaluate(tmp_path, patients, evidence)
    assert r.mentions.all_evidence.f1 == 1.0
    s = r.mentions.supporting_only
    assert (s.tp, s.fp, s.fn) == (5, 0, 1)  # 6 supporting gold mentions
    assert r.mentions.supports_accuracy == pytest.approx(7 / 8)


def test_qualifier_accuracy_over_matched_pairs(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    _evidence(evidence, "P1", "seizures")["is_negated"] = False
    # an unmatched prediction with a qualifier set does not count
    spurious = {**_evidence(evidence, "P1", "34 y/o"), "evidence_id": "ev-x", "criterion_id": "sle_diagnosis"}
    spurious["is_family"] = True
    r = _evaluate(tmp_path, patients, [*evidence, spurious])
    assert r.mentions.matched_pairs == 8
    assert r.mentions.qualifier("is_negated").accuracy == pytest.approx(7 / 8)
    assert r.mentions.qualifier("is_negated").gold_true == 2
    assert r.mentions.qualifier("is_negated").predicted_true == 1
    for name in ("is_historical", "is_hypothetical", "is_family", "is_uncertain"):
        assert r.mentions.qualifier(name).accuracy == 1.0


def test_invalid_offsets_are_counted(tmp_path: Path) -> None:
    patients, evidence = _perfect_run(_gold())
    _evidence(evidence, "P1", "SLE")["text"] = "SLF"
    _evidence(evidence, "P2", "Pregnant").update(start=500, end=508)
    _evidence(evidence, "P2", "Anti-Sm")["note_id"] = "N9"
    r = _evaluate(tmp_path, patients, evidence)
    assert r.offsets is not None
    assert (r.offsets.checked, r.offsets.invalid, r.offsets.valid) == (8, 3, False)
    assert sorted(p.reason for p in r.offsets.problems) == [
        "note not found in the notes file",
        "offsets run past the end of the note",
        "text differs from the note at [start, end)",
    ]


def test_offsets_not_checked_without_notes(tmp_path: Path) -> None:
    folder = _write_gold(tmp_path)
    (folder / "notes.jsonl").unlink()
    r = evaluate(folder, _write_run(tmp_path, *_perfect_run(_gold())))
    assert r.offsets is None
    assert any("offsets were not checked" in w for w in r.warnings)


# ---------------------------------------------------------------- reports


def _flipped_run_with_markup(tmp_path: Path) -> Path:
    patients, evidence = _perfect_run(_gold())
    _set_status(patients, "P1", "sle_diagnosis", "not_met", rationale="Saw <script>alert(1)</script> | no SLE.")
    return _write_run(tmp_path, patients, evidence)


def test_reports_list_errors_with_rationale_and_evidence_but_no_note_text(tmp_path: Path) -> None:
    r = evaluate(_write_gold(tmp_path), _flipped_run_with_markup(tmp_path))
    md, page = render_markdown(r), render_html(r)
    for report, quote in ((md, '"'), (page, "&quot;")):
        assert "P1" in report and "sle_diagnosis" in report
        assert "alert(1)" in report
        assert f"{quote}SLE{quote} (N1 " in report  # the cited evidence span
        assert PRIVATE_SENTENCE not in report
    assert "## Per criterion" in md and "## Confusion matrices" in md
    assert PRIVATE_SENTENCE not in json.dumps(r.to_dict())


def test_html_report_escapes_markup(tmp_path: Path) -> None:
    page = render_html(evaluate(_write_gold(tmp_path), _flipped_run_with_markup(tmp_path)))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_markdown_report_escapes_markup_and_table_pipes(tmp_path: Path) -> None:
    md = render_markdown(evaluate(_write_gold(tmp_path), _flipped_run_with_markup(tmp_path)))
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| no SLE." in md


# ---------------------------------------------------------------- command line


@pytest.fixture
def main() -> Callable[[list[str]], int]:
    """``nlp.cli.main``, imported here so the library tests above do not depend on the CLI module."""
    from nlp.cli import main as cli_main

    return cli_main


@pytest.mark.parametrize(
    ("option", "floor", "code"),
    [
        pytest.param("--min-macro-f1", "0.9", 1, id="macro-f1-below"),
        pytest.param("--min-macro-f1", "0.875", 0, id="macro-f1-equal"),
        pytest.param("--min-macro-f1", "0.8", 0, id="macro-f1-above"),
        pytest.param("--min-accuracy", "0.95", 1, id="accuracy-below"),
        pytest.param("--min-accuracy", "0.9", 0, id="accuracy-above"),
    ],
)
def test_cli_floors_set_the_exit_code(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    main: Callable[[list[str]], int],
    option: str,
    floor: str,
    code: int,
) -> None:
    # one flipped met -> macro-F1 7/8 = 0.875, status accuracy 15/16 = 0.9375
    gold, run = _write_gold(tmp_path), _flipped_run_with_markup(tmp_path)
    assert main(["evaluate", "--gold", str(gold), "--pred", str(run), option, floor, "--quiet"]) == code
    err = capsys.readouterr().err
    if code:
        assert len(err.strip().splitlines()) == 1
        assert f"below {option}" in err
    else:
        assert err == ""


def test_cli_writes_report_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], main: Callable[[list[str]], int]
) -> None:
    gold, run = _write_gold(tmp_path), _flipped_run_with_markup(tmp_path)
    report, html_report, metrics = tmp_path / "out" / "report.md", tmp_path / "report.html", tmp_path / "m.json"
    argv = ["evaluate", "--gold", str(gold / "gold.jsonl"), "--pred", str(run)]
    assert main([*argv, "--report", str(report), "--json", str(metrics)]) == 0
    assert main([*argv, "--report", str(html_report)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "sle_diagnosis" in out
    assert report.read_text(encoding="utf-8").startswith("# sle-abstract evaluation")
    assert html_report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    data = json.loads(metrics.read_text(encoding="utf-8"))
    assert data["macro_f1"] == pytest.approx(0.875)
    assert [c["criterion_id"] for c in data["criteria"]] == list(CRITERION_IDS)
    assert data["criteria"][1]["met"]["gold"] == 1


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param("bad-gold-status", id="bad-gold-status"),
        pytest.param("gold-missing-criterion", id="gold-missing-criterion"),
        pytest.param("no-run", id="no-run-folder"),
        pytest.param("no-evidence", id="no-evidence-file"),
    ],
)
def test_cli_exits_2_when_evaluation_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], main: Callable[[list[str]], int], breakage: str
) -> None:
    gold = _gold()
    if breakage == "bad-gold-status":
        gold[0]["criteria"]["sle_diagnosis"] = "yes"
    if breakage == "gold-missing-criterion":
        del gold[1]["criteria"]["pregnant_or_lactating"]
    folder = _write_gold(tmp_path, gold)
    run = _write_run(tmp_path, *_perfect_run(_gold()))
    if breakage == "no-run":
        run = tmp_path / "nowhere"
    if breakage == "no-evidence":
        (run / "evidence.jsonl").unlink()
    assert main(["evaluate", "--gold", str(folder), "--pred", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sle-abstract: error: ")
    assert len(err.strip().splitlines()) == 1
