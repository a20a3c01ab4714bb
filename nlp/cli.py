"""The ``sle-abstract`` command line (see ``../shared/CONTRACT.md``)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from importlib import resources
from pathlib import Path

from nlp import __version__
from nlp.engine import ENGINES, EngineError, RunSummary, run
from nlp.evaluate import add_evaluate_parser, run_evaluate
from nlp.journal import ResumeError
from nlp.progress import ProgressBar, estimate_records
from nlp.readers import InputError
from nlp.records import CRITERIA
from nlp.temporal import parse_iso_date


def demo_corpus() -> Path:
    """Path of the bundled synthetic demo corpus."""
    return Path(str(resources.files("nlp") / "data" / "demo" / "notes.jsonl"))


def _date_arg(text: str) -> date:
    parsed = parse_iso_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}")
    return parsed


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all sub-commands."""
    parser = argparse.ArgumentParser(
        prog="sle-abstract", description="Screen clinical notes against the Descartes-08 SLE trial criteria."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run_p = sub.add_parser("run", help="screen a corpus of notes and write the contract outputs")
    run_p.add_argument(
        "inputs", nargs="+", type=Path, metavar="INPUT", help=".jsonl, .csv, or DIR/<patient_id>/<note_id>.txt"
    )
    run_p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    run_p.add_argument(
        "--screening-date",
        type=_date_arg,
        default=None,
        metavar="YYYY-MM-DD",
        help="reference date for every patient (default: each patient's latest dated note)",
    )
    run_p.add_argument("--workers", type=_positive_int, default=1, metavar="N", help="worker processes (default 1)")
    run_p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _add_batch_options(run_p)

    demo_p = sub.add_parser("demo", help="run on the bundled synthetic demo corpus")
    demo_p.add_argument(
        "--out", type=Path, default=Path("demo-output"), metavar="DIR", help="output folder (default demo-output)"
    )
    demo_p.add_argument("--workers", type=_positive_int, default=1, metavar="N")
    _add_batch_options(demo_p)

    from nlp import bench

    bench.add_parser(sub)

    add_evaluate_parser(sub)

    from nlp.review import launch

    launch.add_parser(sub)
    return parser


def _add_batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run in --out (its journal); outputs are as if it had never stopped",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local processes (default) or a Dask distributed cluster (needs the 'dask' extra)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="with --engine dask: an existing scheduler (default: start a local cluster of --workers processes)",
    )
    p.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=("jsonl", "parquet"),
        default=[],
        help="also write patients.parquet and evidence.parquet with 'parquet' (needs the 'parquet' extra)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress line on stderr (it only shows on a terminal anyway)"
    )


def format_summary(summary: RunSummary, out_dir: Path) -> str:
    """A short human-readable account of a finished run."""
    rate = summary.notes_read / summary.wall_time_seconds if summary.wall_time_seconds > 0 else 0.0
    how = f"{summary.engine} engine, {summary.workers} worker{'s' if summary.workers != 1 else ''}"
    lines = [
        f"Screened {summary.notes_processed} of {summary.notes_read} notes for {summary.patients} patients "
        f"in {summary.wall_time_seconds:.1f}s ({rate:.1f} notes/s, {how}; "
        f"{summary.notes_rejected} rejected, see errors.jsonl).",
    ]
    if summary.notes_resumed:
        lines.append(f"Resumed: {summary.notes_resumed} records were already done by the interrupted run.")
    lines += ["", "Eligibility:"]
    for label in ("eligible", "needs_review", "ineligible"):
        lines.append(f"  {label:<13} {summary.eligibility.get(label, 0):>5}")
    lines += ["", f"  {'criterion':<33} {'met':>5} {'not_met':>8} {'unknown':>8}"]
    for cid, kind in CRITERIA:
        c = summary.criteria.get(cid, {"met": 0, "not_met": 0, "unknown": 0})
        lines.append(f"  {cid:<33} {c['met']:>5} {c['not_met']:>8} {c['unknown']:>8}   ({kind})")
    outputs = summary.outputs or ["patients.jsonl", "evidence.jsonl", "errors.jsonl", "manifest.json"]
    lines += ["", f"Outputs in {out_dir.resolve()}:", "  " + "  ".join(outputs)]
    return "\n".join(lines)


def _os_error_message(exc: OSError, out: Path) -> str:
    """Say whether the output could not be written or an input could not be read."""
    reason = exc.strerror or str(exc)
    name = str(exc.filename) if exc.filename else ""
    out_text = str(out)
    if (
        not name
        or name == out_text
        or name.startswith(out_text.rstrip("/") + "/")
        or out_text.startswith(name.rstrip("/") + "/")
    ):
        return f"cannot write to {out}: {reason}"
    return f"cannot read {name}: {reason}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sle-abstract`` console script."""
    args, extra = build_parser().parse_known_args(argv)
    if extra and args.command != "review":
        build_parser().parse_args(argv)  # unknown options: argparse's usual error and exit 2
    logging.basicConfig(level=logging.WARNING, format="sle-abstract: %(levelname)s: %(message)s")
    if args.command == "review":
        from nlp.review import launch

        return launch.main(args, extra)
    if args.command == "evaluate":
        return run_evaluate(args)
    if args.command == "bench":
        from nlp import bench

        return bench.main(args)
    if args.command == "demo":
        args.inputs, args.screening_date, args.quiet = [demo_corpus()], None, False
    bar = None
    if not (args.quiet or args.no_progress):
        bar = ProgressBar(None)
        if bar.enabled:
            bar.total = estimate_records(args.inputs)
        else:
            bar = None
    try:
        summary = run(
            args.inputs,
            args.out,
            screening_date=args.screening_date,
            workers=args.workers,
            progress=bar,
            resume=args.resume,
            engine=args.engine,
            scheduler=args.scheduler,
            formats=args.formats,
        )
    except (InputError, ResumeError, EngineError) as exc:
        print(f"sle-abstract: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sle-abstract: error: {_os_error_message(exc, args.out)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        print(
            f"sle-abstract: interrupted; the work done is kept in {args.out}: run again with --resume to continue",
            file=sys.stderr,
        )
        return 130
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(format_summary(summary, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
