"""``python -m nlp.review``: exports and reviewer passwords from the command line.

python -m nlp.review export --results DIR [--db URL] --out DIR
python -m nlp.review passwd NAME --file reviewers.passwd
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from nlp.review.export import AUDIT_FIELDS, abstraction_rows, audit_rows, to_csv, to_jsonl, write_gold
from nlp.review.passwords import hash_password
from nlp.review.results import ResultsError, load_notes, load_results
from nlp.review.settings import parse_settings
from nlp.review.store import ReviewStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.review", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="write the reviewed abstraction, the audit log and gold annotations")
    exp.add_argument("--results", required=True, type=Path, metavar="DIR")
    exp.add_argument("--db", default=None, metavar="URL", help="database URL (default: DIR/review.sqlite)")
    exp.add_argument("--dataset", default=None, help="as in the UI: default, or the results folder name with --db")
    exp.add_argument("--out", required=True, type=Path, metavar="DIR")
    pw = sub.add_parser("passwd", help="add or replace a reviewer's line in a password file")
    pw.add_argument("name")
    pw.add_argument("--file", required=True, type=Path)
    args = parser.parse_args(argv)

    if args.command == "passwd":
        password = getpass.getpass(f"Password for {args.name}: ")
        if len(password) < 8 or password != getpass.getpass("Again: "):
            print("passwords differ or are shorter than 8 characters", file=sys.stderr)
            return 2
        lines = []
        if args.file.exists():
            lines = [
                ln for ln in args.file.read_text(encoding="utf-8").splitlines() if not ln.startswith(f"{args.name}:")
            ]
        lines.append(f"{args.name}:{hash_password(password)}")
        args.file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args.file.chmod(0o600)
        return 0

    try:
        results = load_results(args.results)
    except ResultsError as exc:
        print(f"python -m nlp.review: error: {exc}", file=sys.stderr)
        return 2
    argv_ui = ["--results", str(args.results)]
    argv_ui += ["--db", args.db] if args.db else []
    argv_ui += ["--dataset", args.dataset] if args.dataset else []
    cfg = parse_settings(argv_ui)  # the same database and dataset the UI would use
    store = ReviewStore(cfg.db_url_for(cfg.results_dir), dataset=cfg.dataset, tool_version=results.tool_version)
    reviews = store.reviews()
    rows = abstraction_rows(results, reviews)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reviewed.csv").write_text(to_csv(rows), encoding="utf-8")
    (args.out / "reviewed.jsonl").write_text(to_jsonl(rows), encoding="utf-8")
    (args.out / "audit.csv").write_text(to_csv(audit_rows(store.entries()), AUDIT_FIELDS), encoding="utf-8")
    paths, _missing = results.input_paths()
    n = write_gold(args.out / "gold", results, reviews, load_notes(paths))
    print(f"Wrote reviewed.csv, reviewed.jsonl, audit.csv and gold/ ({n} finished patients) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
