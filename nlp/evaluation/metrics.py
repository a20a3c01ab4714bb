"""Score a run against gold: criterion statuses, eligibility, antibodies and evidence spans.

Conventions, stated once:

* A gold patient absent from the run gets the prediction ``"missing"`` for
  every criterion, antibody and its eligibility, so it is wrong in every
  accuracy; in the binary "met" scores it is simply not predicted met (a
  false negative where gold is met). Its gold mentions are all missed.
  Run patients absent from gold are ignored (listed as extra).
* Precision/recall/F1 of "met" treat ``met`` as the positive class and
  ``not_met``/``unknown`` as negative. A precision or recall whose
  denominator is 0 is undefined (``None``, "n/a" in reports). F1 is 1.0 when
  there is nothing to find and nothing was found (no gold and no predicted
  positives: perfect agreement), else 2TP / (2TP + FP + FN), which is 0 when
  TP is 0.
* Macro-F1 is the unweighted mean of the 8 per-criterion "met" F1 scores.
* Evidence offsets are checked against the notes for every evidence line of
  a patient in gold or in the notes file.
* A predicted evidence line matches a gold mention when patient, note and
  criterion are the same and the character spans overlap (share at least one
  character). Matching is one-to-one and greedy: candidate pairs are taken
  by largest overlap first, then closest boundaries, then file order. The
  "supporting" scores repeat the matching on the ``supports=true`` mentions
  of both sides. Qualifier accuracy is over the pairs of the all-evidence
  matching. Only evidence of gold patients is scored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from nlp.evaluation.loading import (
    ANTIBODY_RESULTS,
    ELIGIBILITY_LABELS,
    MISSING,
    QUALIFIERS,
    STATUSES,
    EvaluationError,
    GoldPatient,
    RunOutputs,
    Span,
    gold_file,
    read_gold,
    read_notes,
    read_run,
)
from nlp.records import ANTIBODIES, CRITERION_IDS, CRITERION_KIND

__all__ = [
    "Confusion",
    "CriterionScores",
    "EvaluationResult",
    "EvidenceRef",
    "LabelError",
    "MentionScores",
    "OffsetCheck",
    "OffsetProblem",
    "QualifierScores",
    "Scores",
    "StatusError",
    "accuracy",
    "binary_scores",
    "compare",
    "confusion",
    "count_scores",
    "evaluate",
    "match_spans",
]


# ---------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 of one positive class, with the counts behind them."""

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float

    @property
    def gold(self) -> int:
        """Gold positives (TP + FN)."""
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        """Predicted positives (TP + FP)."""
        return self.tp + self.fp


@dataclass(frozen=True, slots=True)
class Confusion:
    """A confusion matrix: rows are gold labels, columns predicted labels."""

    labels: tuple[str, ...]
    """Row labels (gold)."""
    predicted_labels: tuple[str, ...]
    """Column labels: the gold labels, plus ``"missing"`` when some prediction is missing."""
    matrix: tuple[tuple[int, ...], ...]

    def count(self, gold: str, predicted: str) -> int:
        """The number of items with this gold label and this prediction."""
        if predicted not in self.predicted_labels:
            return 0
        return self.matrix[self.labels.index(gold)][self.predicted_labels.index(predicted)]


@dataclass(frozen=True, slots=True)
class CriterionScores:
    """Scores of one criterion over the gold patients."""

    criterion_id: str
    kind: str
    met: Scores
    """Precision/recall/F1 of ``met`` against ``not_met``-or-``unknown``."""
    accuracy: float
    """3-way status accuracy."""
    confusion: Confusion


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """An evidence span as listed in reports: where it is and how it was qualified (no note text)."""

    patient_id: str
    note_id: str
    criterion_id: str
    concept: str
    start: int
    end: int
    text: str
    supports: bool
    qualifiers: tuple[str, ...]
    """The qualifiers that are true, e.g. ``("is_negated",)``."""
    evidence_id: str = ""


@dataclass(frozen=True, slots=True)
class QualifierScores:
    """Agreement on one qualifier over the matched (gold, predicted) evidence pairs."""

    qualifier: str
    accuracy: float | None
    """``None`` when no pair matched."""
    pairs: int
    gold_true: int
    predicted_true: int


@dataclass(frozen=True, slots=True)
class MentionScores:
    """Mention-level evidence scores."""

    all_evidence: Scores
    supporting_only: Scores
    """The same matching restricted to ``supports=true`` on both sides."""
    qualifiers: tuple[QualifierScores, ...]
    supports_accuracy: float | None
    """Agreement on ``supports`` over the all-evidence matched pairs."""
    matched_pairs: int
    missed: tuple[EvidenceRef, ...]
    """Gold mentions no predicted evidence matched."""
    unmatched: tuple[EvidenceRef, ...]
    """Predicted evidence (of gold patients) that matched no gold mention."""

    def qualifier(self, name: str) -> QualifierScores:
        """The scores of one qualifier, e.g. ``"is_negated"``."""
        for q in self.qualifiers:
            if q.qualifier == name:
                return q
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class OffsetProblem:
    """An evidence span whose offsets do not point at its text."""

    evidence_id: str
    patient_id: str
    note_id: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class OffsetCheck:
    """Whether each span's ``text`` equals the note text at ``[start, end)``."""

    checked: int
    invalid: int
    problems: tuple[OffsetProblem, ...]

    @property
    def valid(self) -> bool:
        """True when every checked span is valid."""
        return self.invalid == 0


@dataclass(frozen=True, slots=True)
class StatusError:
    """One criterion status the run got wrong, with what the tool said and cited."""

    patient_id: str
    criterion_id: str
    expected: str
    got: str
    rationale: str
    cited: tuple[EvidenceRef, ...]
    """The evidence the run cited for this criterion (its ``evidence_ids``)."""
    gold_evidence: tuple[EvidenceRef, ...]
    """The gold mentions of this patient and criterion."""


@dataclass(frozen=True, slots=True)
class LabelError:
    """A wrong eligibility or antibody result."""

    patient_id: str
    item: str
    """``"eligibility"`` or an antibody name."""
    expected: str
    got: str
    cited: tuple[EvidenceRef, ...] = ()
    """For an antibody: the run's evidence of that antibody's concept."""


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Everything the evaluator measured; :meth:`to_dict` gives the JSON form."""

    patients: int
    """Gold patients."""
    missing_patients: tuple[str, ...]
    """Gold patients the run does not list (counted wrong everywhere)."""
    extra_patients: tuple[str, ...]
    """Run patients that are not in gold (not scored)."""
    screening_date_mismatches: tuple[str, ...]
    """Patients whose run screening date differs from gold's (a sign of a run made with ``--screening-date``)."""
    criteria: tuple[CriterionScores, ...]
    """One entry per criterion, in the contract's order."""
    macro_f1: float
    status_accuracy: float
    """3-way status accuracy over every (patient, criterion)."""
    status_confusion: Confusion
    eligibility_accuracy: float
    eligibility_confusion: Confusion
    antibody_accuracy: float
    """3-way accuracy over every (patient, antibody)."""
    antibody_accuracies: dict[str, float]
    antibody_confusion: Confusion
    mentions: MentionScores
    offsets: OffsetCheck | None
    """Predicted evidence offsets against the notes; ``None`` when no notes file was available."""
    gold_offsets: OffsetCheck | None
    """The same check on the gold mentions (an annotation sanity check)."""
    status_errors: tuple[StatusError, ...]
    eligibility_errors: tuple[LabelError, ...]
    antibody_errors: tuple[LabelError, ...]
    gold_path: str = ""
    run_dir: str = ""
    notes_path: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def criterion(self, criterion_id: str) -> CriterionScores:
        """The scores of one criterion."""
        for c in self.criteria:
            if c.criterion_id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def floor_failures(self, *, min_macro_f1: float | None = None, min_accuracy: float | None = None) -> list[str]:
        """Say which quality floors this result is below (empty when none).

        Parameters
        ----------
        min_macro_f1 : float, optional
            Floor for :attr:`macro_f1`.
        min_accuracy : float, optional
            Floor for :attr:`status_accuracy` (3-way, all criteria).

        Returns
        -------
        list[str]
            One short message per failed floor.
        """
        failures = []
        for name, option, value, floor in (
            ("macro-F1", "--min-macro-f1", self.macro_f1, min_macro_f1),
            ("status accuracy", "--min-accuracy", self.status_accuracy, min_accuracy),
        ):
            if floor is not None and value < floor - 1e-12:
                failures.append(f"{name} {value:.4f} is below {option} {floor:g}")
        return failures

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the whole result (computed properties included)."""
        data = asdict(self)
        # asdict drops properties: add the gold/predicted counts and validity.
        data["criteria"] = [{**asdict(c), "met": _scores_dict(c.met)} for c in self.criteria]
        data["mentions"]["all_evidence"] = _scores_dict(self.mentions.all_evidence)
        data["mentions"]["supporting_only"] = _scores_dict(self.mentions.supporting_only)
        for key in ("offsets", "gold_offsets"):
            check = getattr(self, key)
            if check is not None:
                data[key]["valid"] = check.valid
        return data


def _scores_dict(s: Scores) -> dict[str, Any]:
    return {**asdict(s), "gold": s.gold, "predicted": s.predicted}


# ---------------------------------------------------------------- metric helpers


def binary_scores(y_true: Sequence[bool], y_pred: Sequence[bool]) -> Scores:
    """Precision, recall and F1 of the positive class (``True``), by scikit-learn.

    See the module docstring for the undefined cases.
    """
    t = np.asarray(y_true, dtype=int)
    p = np.asarray(y_pred, dtype=int)
    tp = int(np.sum((t == 1) & (p == 1)))
    fp = int(np.sum((t == 0) & (p == 1)))
    fn = int(np.sum((t == 1) & (p == 0)))
    if tp + fp + fn == 0:
        return Scores(tp, fp, fn, None, None, 1.0)
    precision, recall, f1, _ = precision_recall_fscore_support(
        t, p, average="binary", pos_label=1, zero_division=np.nan
    )
    return Scores(tp, fp, fn, _defined(precision), _defined(recall), _defined(f1) or 0.0)


def count_scores(tp: int, fp: int, fn: int) -> Scores:
    """:func:`binary_scores` from counts (as for span matching, which has no true negatives)."""
    y_true = [True] * tp + [False] * fp + [True] * fn
    y_pred = [True] * tp + [True] * fp + [False] * fn
    return binary_scores(y_true, y_pred)


def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float | None:
    """Fraction of equal labels, by scikit-learn; ``None`` for no items."""
    if not y_true:
        return None
    return float(accuracy_score(list(y_true), list(y_pred)))


def confusion(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> Confusion:
    """Confusion matrix of gold ``labels`` against predictions, by scikit-learn.

    A ``"missing"`` column is added when some prediction is missing; any
    other unexpected prediction is counted as missing too.
    """
    pred = [p if p in labels else MISSING for p in y_pred]
    columns = (*labels, MISSING) if MISSING in pred else tuple(labels)
    matrix = confusion_matrix(list(y_true), pred, labels=list(columns)) if y_true else np.zeros((len(columns),) * 2)
    rows = tuple(tuple(int(v) for v in row) for row in matrix[: len(labels)])
    return Confusion(labels=tuple(labels), predicted_labels=columns, matrix=rows)


def match_spans(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of predicted spans to gold spans.

    Two spans can match when patient, note and criterion are equal and they
    overlap. Candidate pairs are taken by largest overlap, then smallest
    boundary distance, then gold and predicted order; each span is used once.

    Returns
    -------
    list[tuple[int, int]]
        ``(gold index, predicted index)`` pairs, sorted by gold index.
    """
    by_key: dict[tuple[str, str, str], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, g in enumerate(gold):
        by_key[(g.patient_id, g.note_id, g.criterion_id)][0].append(i)
    for j, p in enumerate(pred):
        key = (p.patient_id, p.note_id, p.criterion_id)
        if key in by_key:
            by_key[key][1].append(j)
    candidates: list[tuple[int, int, int, int]] = []
    for gis, pis in by_key.values():
        for i in gis:
            for j in pis:
                overlap = gold[i].overlap(pred[j])
                if overlap > 0:
                    distance = abs(gold[i].start - pred[j].start) + abs(gold[i].end - pred[j].end)
                    candidates.append((-overlap, distance, i, j))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _defined(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


# ---------------------------------------------------------------- evaluation


def evaluate(gold_path: Path | str, run_dir: Path | str, *, notes_path: Path | str | None = None) -> EvaluationResult:
    """Compare a run's outputs with gold annotations.

    Parameters
    ----------
    gold_path : Path | str
        A ``gold.jsonl`` file (``annotations/FORMAT.md``) or the folder holding it.
    run_dir : Path | str
        The ``--out`` folder of a run (``patients.jsonl``, ``evidence.jsonl``).
    notes_path : Path | str, optional
        The notes the run read, for the offset check. Default: ``notes.jsonl``
        beside the gold file; when that does not exist the check is skipped
        (``offsets`` is ``None``) and a warning says so.

    Returns
    -------
    EvaluationResult

    Raises
    ------
    EvaluationError
        Missing files, malformed gold, or unreadable run outputs.
    """
    gold_fp = gold_file(gold_path)
    gold = read_gold(gold_fp)
    run = read_run(run_dir)
    warnings: list[str] = []
    if notes_path is not None:
        notes_fp = Path(notes_path)
        if not notes_fp.is_file():
            raise EvaluationError(f"notes file not found: {notes_fp}")
    else:
        notes_fp = gold_fp.parent / "notes.jsonl"
    notes = read_notes(notes_fp) if notes_fp.is_file() else None
    if notes is None:
        warnings.append(f"no notes file at {notes_fp}: evidence offsets were not checked")
    result = compare(gold, run, notes)
    return replace(
        result,
        gold_path=str(gold_fp),
        run_dir=str(run_dir),
        notes_path=str(notes_fp) if notes is not None else None,
        warnings=(*result.warnings, *warnings),
    )


def compare(
    gold: Sequence[GoldPatient], run: RunOutputs, notes: Mapping[tuple[str, str], str] | None
) -> EvaluationResult:
    """Score already-loaded gold and run data (see :func:`evaluate`)."""
    gold_ids = [g.patient_id for g in gold]
    missing = tuple(pid for pid in gold_ids if pid not in run.patients)
    extra = tuple(sorted(set(run.patients) - set(gold_ids)))
    evidence_by_id = {e.evidence_id: e for e in run.evidence if e.evidence_id}
    evidence_by_patient: dict[str, list[Span]] = defaultdict(list)
    for e in run.evidence:
        evidence_by_patient[e.patient_id].append(e)
    predicted = run.patients.get

    # criterion statuses
    criteria: list[CriterionScores] = []
    all_true: list[str] = []
    all_pred: list[str] = []
    status_errors: list[StatusError] = []
    for cid in CRITERION_IDS:
        y_true = [g.criteria[cid] for g in gold]
        y_pred = [p.statuses[cid] if (p := predicted(g.patient_id)) else MISSING for g in gold]
        all_true += y_true
        all_pred += y_pred
        criteria.append(
            CriterionScores(
                criterion_id=cid,
                kind=CRITERION_KIND[cid],
                met=binary_scores([t == "met" for t in y_true], [p == "met" for p in y_pred]),
                accuracy=accuracy(y_true, y_pred) or 0.0,
                confusion=confusion(y_true, y_pred, STATUSES),
            )
        )
    for g in gold:
        p = predicted(g.patient_id)
        for cid in CRITERION_IDS:
            got = p.statuses[cid] if p else MISSING
            if got != g.criteria[cid]:
                cited = [evidence_by_id[e] for e in (p.evidence_ids[cid] if p else ()) if e in evidence_by_id]
                status_errors.append(
                    StatusError(
                        patient_id=g.patient_id,
                        criterion_id=cid,
                        expected=g.criteria[cid],
                        got=got,
                        rationale=p.rationales[cid] if p else "",
                        cited=tuple(_ref(e) for e in cited),
                        gold_evidence=tuple(_ref(m) for m in g.mentions if m.criterion_id == cid),
                    )
                )

    # eligibility
    elig_true = [g.eligibility for g in gold]
    elig_pred = [p.eligibility if (p := predicted(g.patient_id)) else MISSING for g in gold]
    eligibility_errors = tuple(
        LabelError(g.patient_id, "eligibility", t, pr)
        for g, t, pr in zip(gold, elig_true, elig_pred, strict=True)
        if t != pr
    )

    # antibodies
    ab_true: list[str] = []
    ab_pred: list[str] = []
    antibody_accuracies: dict[str, float] = {}
    antibody_errors: list[LabelError] = []
    for ab in ANTIBODIES:
        t = [g.antibodies[ab] for g in gold]
        pr = [p.antibodies[ab] if (p := predicted(g.patient_id)) else MISSING for g in gold]
        antibody_accuracies[ab] = accuracy(t, pr) or 0.0
        ab_true += t
        ab_pred += pr
    for g in gold:
        p = predicted(g.patient_id)
        for ab in ANTIBODIES:
            got = p.antibodies[ab] if p else MISSING
            if got != g.antibodies[ab]:
                cited = tuple(_ref(e) for e in evidence_by_patient[g.patient_id] if e.concept == ab)
                antibody_errors.append(LabelError(g.patient_id, ab, g.antibodies[ab], got, cited))

    # evidence spans
    gold_set = set(gold_ids)
    # Offsets are checked for the patients the notes or the gold know; a run
    # over a larger corpus may hold others, whose notes we do not have.
    scope = gold_set | {pid for pid, _ in notes or {}}
    gold_mentions = [m for g in gold for m in g.mentions]
    pred_mentions = [e for e in run.evidence if e.patient_id in gold_set]
    mentions = _mention_scores(gold_mentions, pred_mentions)

    mismatched_dates = tuple(
        g.patient_id
        for g in gold
        if (p := predicted(g.patient_id)) and g.screening_date and p.screening_date != g.screening_date
    )
    warnings = []
    if mismatched_dates:
        warnings.append(
            f"{len(mismatched_dates)} patients have a run screening date that differs from gold "
            "(was the run made with --screening-date?)"
        )

    return EvaluationResult(
        patients=len(gold),
        missing_patients=missing,
        extra_patients=extra,
        screening_date_mismatches=mismatched_dates,
        criteria=tuple(criteria),
        macro_f1=float(np.mean([c.met.f1 for c in criteria])),
        status_accuracy=accuracy(all_true, all_pred) or 0.0,
        status_confusion=confusion(all_true, all_pred, STATUSES),
        eligibility_accuracy=accuracy(elig_true, elig_pred) or 0.0,
        eligibility_confusion=confusion(elig_true, elig_pred, ELIGIBILITY_LABELS),
        antibody_accuracy=accuracy(ab_true, ab_pred) or 0.0,
        antibody_accuracies=antibody_accuracies,
        antibody_confusion=confusion(ab_true, ab_pred, ANTIBODY_RESULTS),
        mentions=mentions,
        offsets=_check_offsets([e for e in run.evidence if e.patient_id in scope], notes)
        if notes is not None
        else None,
        gold_offsets=_check_offsets(gold_mentions, notes) if notes is not None else None,
        status_errors=tuple(status_errors),
        eligibility_errors=eligibility_errors,
        antibody_errors=tuple(antibody_errors),
        warnings=tuple(warnings),
    )


def _mention_scores(gold: Sequence[Span], pred: Sequence[Span]) -> MentionScores:
    pairs = match_spans(gold, pred)
    matched_gold = {i for i, _ in pairs}
    matched_pred = {j for _, j in pairs}
    all_evidence = count_scores(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs))

    gold_sup = [m for m in gold if m.supports]
    pred_sup = [m for m in pred if m.supports]
    sup_pairs = len(match_spans(gold_sup, pred_sup))
    supporting = count_scores(sup_pairs, len(pred_sup) - sup_pairs, len(gold_sup) - sup_pairs)

    qualifiers = []
    for k, name in enumerate(QUALIFIERS):
        g = [gold[i].qualifiers[k] for i, _ in pairs]
        p = [pred[j].qualifiers[k] for _, j in pairs]
        qualifiers.append(QualifierScores(name, accuracy(g, p), len(pairs), sum(g), sum(p)))
    supports_accuracy = accuracy([gold[i].supports for i, _ in pairs], [pred[j].supports for _, j in pairs])
    return MentionScores(
        all_evidence=all_evidence,
        supporting_only=supporting,
        qualifiers=tuple(qualifiers),
        supports_accuracy=supports_accuracy,
        matched_pairs=len(pairs),
        missed=tuple(_ref(m) for i, m in enumerate(gold) if i not in matched_gold),
        unmatched=tuple(_ref(e) for j, e in enumerate(pred) if j not in matched_pred),
    )


def _check_offsets(spans: Sequence[Span], notes: Mapping[tuple[str, str], str]) -> OffsetCheck:
    problems: list[OffsetProblem] = []
    for s in spans:
        text = notes.get((s.patient_id, s.note_id))
        if text is None:
            reason = "note not found in the notes file"
        elif s.end > len(text):
            reason = "offsets run past the end of the note"
        elif text[s.start : s.end] != s.text:
            reason = "text differs from the note at [start, end)"
        else:
            continue
        problems.append(OffsetProblem(s.evidence_id, s.patient_id, s.note_id, s.start, s.end, reason))
    return OffsetCheck(checked=len(spans), invalid=len(problems), problems=tuple(problems))


def _ref(s: Span) -> EvidenceRef:
    return EvidenceRef(
        patient_id=s.patient_id,
        note_id=s.note_id,
        criterion_id=s.criterion_id,
        concept=s.concept,
        start=s.start,
        end=s.end,
        text=s.text,
        supports=s.supports,
        qualifiers=tuple(name for name, on in zip(QUALIFIERS, s.qualifiers, strict=True) if on),
        evidence_id=s.evidence_id,
    )
