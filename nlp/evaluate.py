"""The ``sle-abstract evaluate`` sub-command: a thin layer over :mod:`nlp.evaluation`.

The metrics need scikit-learn, which is imported only when this command runs,
so ``sle-abstract run`` does not pay for it.

Exit codes: 0 when the evaluation ran and met every floor given; 1 when the
macro-F1 or the status accuracy is below ``--min-macro-f1`` /
``--min-accuracy`` (one line on stderr); 2 when the evaluation could not run
(missing or malformed gold or run files, unwritable report).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_evaluate_parser", "run_evaluate"]


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def add_evaluate_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``evaluate`` sub-command to the ``sle-abstract`` sub-parsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The new sub-parser.
    """
    p = sub.add_parser(
        "evaluate",
        help="score a run's outputs against gold annotations",
        description=(
            "Compare a run's patients.jsonl and evidence.jsonl with gold annotations (annotations/FORMAT.md): "
            "per-criterion P/R/F1 of met, 3-way accuracies and confusion matrices, antibody and eligibility "
            "accuracy, evidence span P/R/F1, qualifier accuracy and evidence offset validity."
        ),
    )
    p.add_argument(
        "--gold",
        required=True,
        type=Path,
        metavar="DIR_OR_FILE",
        help="gold.jsonl, or the folder holding it (notes.jsonl beside it is used to check offsets)",
    )
    p.add_argument("--pred", required=True, type=Path, metavar="RUN_DIR", help="the --out folder of a run")
    p.add_argument(
        "--notes", type=Path, default=None, metavar="PATH", help="notes .jsonl (default: notes.jsonl beside the gold)"
    )
    p.add_argument(
        "--report", type=Path, default=None, metavar="PATH.md|PATH.html", help="write a Markdown or HTML report"
    )
    p.add_argument(
        "--json", dest="json_path", type=Path, default=None, metavar="PATH", help="write all metrics as JSON"
    )
    p.add_argument(
        "--min-macro-f1", type=_fraction, default=None, metavar="X", help="exit 1 when the macro-F1 is below X"
    )
    p.add_argument(
        "--min-accuracy",
        type=_fraction,
        default=None,
        metavar="X",
        help="exit 1 when the 3-way status accuracy is below X",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def run_evaluate(args: argparse.Namespace) -> int:
    """Run the ``evaluate`` sub-command; returns the exit code (see the module docstring)."""
    from nlp.evaluation import EvaluationError, evaluate, format_summary, write_json, write_report

    try:
        result = evaluate(args.gold, args.pred, notes_path=args.notes)
    except EvaluationError as exc:
        print(f"sle-abstract: error: {exc}", file=sys.stderr)
        return 2
    written: list[Path] = []
    try:
        if args.report is not None:
            written.append(write_report(result, args.report))
        if args.json_path is not None:
            written.append(write_json(result, args.json_path))
    except OSError as exc:
        print(
            f"sle-abstract: error: cannot write {exc.filename or 'the report'}: {exc.strerror or exc}", file=sys.stderr
        )
        return 2
    if not args.quiet:
        print(format_summary(result))
        for path in written:
            print(f"Wrote {path}")
    failures = result.floor_failures(min_macro_f1=args.min_macro_f1, min_accuracy=args.min_accuracy)
    if failures:
        print("sle-abstract: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0
