"""The evaluator (issue #3): score a run's outputs against gold annotations.

Library code shared by the CLI (``sle-abstract evaluate``, see
:mod:`nlp.evaluate`), CI and the review UI::

    from nlp.evaluation import evaluate, write_report

    result = evaluate("annotations/test", "eval-output/test")
    result.macro_f1, result.status_accuracy, result.criterion("sle_diagnosis").met.f1
    write_report(result, "eval-output/test/report.md")   # or .html

Gold follows ``annotations/FORMAT.md``; the run folder holds the contract's
``patients.jsonl`` and ``evidence.jsonl``. Metric conventions are documented
in :mod:`nlp.evaluation.metrics`.
"""

from nlp.evaluation.loading import EvaluationError
from nlp.evaluation.metrics import (
    Confusion,
    CriterionScores,
    EvaluationResult,
    EvidenceRef,
    LabelError,
    MentionScores,
    OffsetCheck,
    OffsetProblem,
    QualifierScores,
    Scores,
    StatusError,
    evaluate,
    match_spans,
)
from nlp.evaluation.report import format_summary, render_html, render_markdown, write_json, write_report

__all__ = [
    "Confusion",
    "CriterionScores",
    "EvaluationError",
    "EvaluationResult",
    "EvidenceRef",
    "LabelError",
    "MentionScores",
    "OffsetCheck",
    "OffsetProblem",
    "QualifierScores",
    "Scores",
    "StatusError",
    "evaluate",
    "format_summary",
    "match_spans",
    "render_html",
    "render_markdown",
    "write_json",
    "write_report",
]
