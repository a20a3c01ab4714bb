"""Inter-reviewer agreement on criterion statuses.

For every pair of reviewers and every criterion, the patients both decided
give Cohen's kappa (scikit-learn) and the observed agreement; the patients
where they differ are listed for adjudication (an adjudicator's later
decision becomes the one in force).
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from sklearn.metrics import cohen_kappa_score

from nlp.records import CRITERION_IDS
from nlp.review.store import STATUSES, PatientReview, iter_reviewer_decisions


@dataclass(frozen=True, slots=True)
class KappaRow:
    """Agreement of two reviewers on one criterion."""

    criterion_id: str
    reviewer_a: str
    reviewer_b: str
    n: int
    observed: float
    kappa: float | None
    """``None`` when undefined (both reviewers used a single, identical label throughout)."""


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Two reviewers' different statuses for one patient and criterion."""

    patient_id: str
    criterion_id: str
    reviewer_a: str
    status_a: str
    reviewer_b: str
    status_b: str
    current: str | None
    """The status in force now (the latest decision by anyone)."""


def _by_reviewer(reviews: dict[str, PatientReview]) -> dict[str, dict[tuple[str, str], str]]:
    out: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for pid, cid, reviewer, entry in iter_reviewer_decisions(reviews, "criterion"):
        if entry.new_value is not None:
            out[reviewer][(pid, cid)] = entry.new_value
    return out


def kappa_table(reviews: dict[str, PatientReview]) -> list[KappaRow]:
    """Cohen's kappa per criterion for every pair of reviewers with patients in common."""
    decided = _by_reviewer(reviews)
    rows = []
    for a, b in combinations(sorted(decided), 2):
        for cid in CRITERION_IDS:
            common = sorted(k for k in decided[a] if k[1] == cid and k in decided[b])
            if not common:
                continue
            ya = [decided[a][k] for k in common]
            yb = [decided[b][k] for k in common]
            observed = sum(x == y for x, y in zip(ya, yb, strict=True)) / len(common)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # undefined kappa (no variation) is reported as None
                kappa = float(cohen_kappa_score(ya, yb, labels=list(STATUSES)))
            rows.append(KappaRow(cid, a, b, len(common), observed, None if math.isnan(kappa) else kappa))
    return rows


def disagreements(reviews: dict[str, PatientReview]) -> list[Disagreement]:
    """Every patient and criterion where two reviewers' statuses differ."""
    decided = _by_reviewer(reviews)
    out = []
    for a, b in combinations(sorted(decided), 2):
        for key in sorted(set(decided[a]) & set(decided[b])):
            if decided[a][key] != decided[b][key]:
                pid, cid = key
                cur = reviews[pid].criterion(cid)
                out.append(
                    Disagreement(pid, cid, a, decided[a][key], b, decided[b][key], cur.new_value if cur else None)
                )
    return out
