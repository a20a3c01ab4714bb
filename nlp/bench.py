"""``sle-abstract bench``: throughput and memory against a bare tokenizer and medspaCy's default pipeline.

One run generates a corpus from the demo notes (with variation, see
:func:`synth_corpus`) and measures, each in a fresh process so that peak
memory is its own:

* ``tokenizer``: spaCy's bare English tokenizer (``spacy.blank("en")``), the
  ceiling for anything built on spaCy;
* ``medspacy``: medSpaCy's default pipeline (``medspacy.load()``: its
  tokenizer, PyRuSH sentences, a target matcher, ConText with its default
  rules) given this tool's target rules (every file under
  ``pipelines/targets/`` and the medication rules), the peer;
* ``pipeline``: this tool end to end (``sle-abstract run``: read, note
  pipeline, journal, resolve, write), with 1 and with ``--workers`` workers;
* optionally ``--scale-notes M``: the one-worker run on 1,000 notes and on
  M notes, to show that peak memory does not grow with the corpus.

Words are whitespace-separated tokens of the note text (``len(text.split())``),
the same count for every system. Timings are wall-clock; peak memory is the
process's maximum resident set size (and its largest child's, for worker
pools). Nothing is tuned per system: the peer runs as ``medspacy.load()``
builds it, with PyRuSH's debug logging switched off.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from importlib import metadata, resources
from pathlib import Path
from typing import Any

DEFAULT_NOTES = 4000
SCALE_BASE_NOTES = 1000
DEFAULT_SEED = 8

# ------------------------------------------------------------------ corpus

_DATE_MDY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_IU = re.compile(r"\b(\d{2,4})(\s*IU/mL)")
_SWAPPABLE = ("mycophenolate", "azathioprine", "methotrexate", "tacrolimus", "cyclophosphamide", "leflunomide")
_SWAP_RE = re.compile(r"\b(" + "|".join(_SWAPPABLE) + r")\b", re.IGNORECASE)


def _demo_records() -> list[dict[str, Any]]:
    path = Path(str(resources.files("nlp") / "data" / "demo" / "notes.jsonl"))
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _shift_dates(text: str, days: int) -> str:
    def shift(m: re.Match[str]) -> str:
        try:
            d = date(int(m.group(3)), int(m.group(1)), int(m.group(2))) + timedelta(days=days)
        except ValueError:
            return m.group(0)
        return f"{d.month:02d}/{d.day:02d}/{d.year}"

    return _DATE_MDY.sub(shift, text)


def _vary(text: str, rng: random.Random, days: int, swap: dict[str, str]) -> str:
    text = _shift_dates(text, days)
    text = _IU.sub(lambda m: f"{max(1, round(int(m.group(1)) * rng.uniform(0.6, 1.5)))}{m.group(2)}", text)

    def swap_drug(m: re.Match[str]) -> str:
        new = swap[m.group(1).lower()]
        return new.capitalize() if m.group(1)[0].isupper() else new

    text = _SWAP_RE.sub(swap_drug, text)
    paragraphs = text.split("\n\n")
    if len(paragraphs) > 3 and rng.random() < 0.25:
        del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
    if len(paragraphs) > 2 and rng.random() < 0.25:
        i = rng.randrange(1, len(paragraphs) - 1)
        paragraphs.insert(i, paragraphs[i])
    return "\n\n".join(paragraphs)


def synth_corpus(n_notes: int, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """Yield ``n_notes`` synthetic note records built from the demo corpus.

    Each synthetic patient copies one demo patient's notes with variation:
    dates (in the text and ``note_date``) shifted by a per-patient offset,
    immunosuppressive drug names permuted, antibody levels scaled, a
    paragraph dropped or repeated now and then. Deterministic for a seed.
    """
    rng = random.Random(seed)
    by_patient: dict[str, list[dict[str, Any]]] = {}
    for rec in _demo_records():
        by_patient.setdefault(rec["patient_id"], []).append(rec)
    templates = [by_patient[k] for k in sorted(by_patient)]
    made = 0
    k = 0
    while made < n_notes:
        notes = rng.choice(templates)
        days = rng.randint(-500, 500)
        perm = list(_SWAPPABLE)
        rng.shuffle(perm)
        swap = dict(zip(_SWAPPABLE, perm, strict=True))
        pid = f"SYN{k:07d}"
        for j, rec in enumerate(notes):
            if made >= n_notes:
                break
            note_date = rec.get("note_date")
            if note_date:
                note_date = (date.fromisoformat(note_date) + timedelta(days=days)).isoformat()
            yield {
                "patient_id": pid,
                "note_id": f"{pid}-N{j + 1}",
                "note_date": note_date,
                "note_type": rec.get("note_type"),
                "text": _vary(rec["text"], rng, days, swap),
            }
            made += 1
        k += 1


def write_corpus(path: Path, n_notes: int, seed: int = DEFAULT_SEED) -> tuple[int, int]:
    """Write :func:`synth_corpus` to a JSONL file; return ``(notes, words)``."""
    words = 0
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in synth_corpus(n_notes, seed):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            words += len(rec["text"].split())
            n += 1
    return n, words


def _texts(corpus: Path, limit: int | None) -> list[str]:
    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(out) >= limit:
                break
            out.append(json.loads(line)["text"])
    return out


# ------------------------------------------------------------------ measurements (one per process)


def _peak_mb(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return usage.ru_maxrss / scale


def peer_pipeline() -> Any:
    """medSpaCy's default pipeline with this tool's target rules added to its target matcher."""
    import medspacy
    from medspacy.target_matcher import TargetRule

    from nlp.resources import load_json, medication_target_rules, target_rule_files

    try:  # PyRuSH logs every sentence at DEBUG through loguru; no user would keep that on.
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass
    nlp = medspacy.load()
    rules = [TargetRule.from_dict(r) for path in target_rule_files() for r in load_json(path)["target_rules"]]
    rules += [TargetRule.from_dict(r) for r in medication_target_rules()]
    nlp.get_pipe("medspacy_target_matcher").add(rules)
    return nlp


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (worker pools)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(kind: str, corpus: Path, workers: int, limit: int | None) -> dict[str, Any]:
    if kind == "pipeline":
        from nlp.engine import run

        with corpus.open(encoding="utf-8") as fh:
            texts_words = [len(json.loads(line)["text"].split()) for line in fh]
        with tempfile.TemporaryDirectory(prefix="sle-bench-") as out:
            started, cpu_before = time.perf_counter(), _cpu_seconds()
            summary = run([corpus], Path(out), workers=workers)
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
        assert summary.notes_processed == len(texts_words), "every benchmark note must be processed"
        notes, words = len(texts_words), sum(texts_words)
    else:
        texts = _texts(corpus, limit)
        if kind == "tokenizer":
            import spacy

            process = spacy.blank("en").tokenizer
        elif kind == "medspacy":
            process = peer_pipeline()
        else:
            raise ValueError(kind)
        process(texts[0])  # warm-up (lazy initialisation), not timed
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        for text in texts:
            process(text)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
        notes, words = len(texts), sum(len(t.split()) for t in texts)
    return {
        "kind": kind,
        "workers": workers,
        "notes": notes,
        "words": words,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "notes_per_s": round(notes / seconds, 2),
        "words_per_s": round(words / seconds, 1),
        "peak_mb": round(_peak_mb(), 1),
        "peak_child_mb": round(_peak_mb(children=True), 1),
    }


def _measure_in_subprocess(kind: str, corpus: Path, workers: int = 1, limit: int | None = None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "nlp.bench", "_measure", kind, str(corpus), str(workers), str(limit or 0)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark step {kind} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ report


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)

    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "date": date.today().isoformat(),
        "started": datetime.now().isoformat(timespec="minutes"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "spacy": version("spacy"),
        "medspacy": version("medspacy"),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def _row(label: str, r: dict[str, Any]) -> str:
    mem = max(r["peak_mb"], r["peak_child_mb"]) if r["kind"] == "pipeline" and r["workers"] > 1 else r["peak_mb"]
    return (
        f"| {label} | {r['notes']:,} | {r['words']:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} "
        f"| {r['notes_per_s']:,.1f} | {r['words_per_s']:,.0f} | {mem:,.0f} |"
    )


def report(results: dict[str, Any]) -> str:
    """The Markdown table and verdicts for a finished benchmark."""
    m = results["machine"]
    tok, peer, one, many = (results[k] for k in ("tokenizer", "medspacy", "pipeline_1", "pipeline_n"))
    n = many["workers"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB), {m['os']}, "
        f"Python {m['python']}, spaCy {m['spacy']}, medspaCy {m['medspacy']}; load average at start "
        f"{m['load_average']:.2f}. Corpus: {results['corpus']['notes']:,} synthetic notes "
        f"({results['corpus']['words']:,} words, seed {results['corpus']['seed']}).",
        "",
        "| system | notes | words | wall s | CPU s | notes/s | words/s | peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        _row("spaCy bare tokenizer (ceiling)", tok),
        _row("medspaCy default pipeline + same target rules (peer)", peer),
        _row("sle-abstract end to end, 1 worker", one),
        _row(f"sle-abstract end to end, {n} workers (peak MB: largest process)", many),
    ]
    scale, small = results.get("scale"), results.get("scale_base")
    if scale and small:
        lines.append(_row(f"sle-abstract end to end, 1 worker, {small['notes']:,} notes", small))
        lines.append(_row(f"sle-abstract end to end, 1 worker, {scale['notes']:,} notes", scale))
    ratios = {
        "vs_peer": one["words_per_s"] / peer["words_per_s"],
        "vs_tokenizer": one["words_per_s"] / tok["words_per_s"],
        "workers": many["words_per_s"] / one["words_per_s"],
    }
    lines += [
        "",
        "| target | measured | met |",
        "| --- | ---: | :---: |",
        f"| 1 worker ≥ 30× medspaCy's words/s | {ratios['vs_peer']:.1f}× | {_yes(ratios['vs_peer'] >= 30)} |",
        f"| 1 worker ≥ 10% of the bare tokenizer's words/s | {100 * ratios['vs_tokenizer']:.1f}% | "
        f"{_yes(ratios['vs_tokenizer'] >= 0.10)} |",
        f"| {n} workers ≥ 1.6× one worker | {ratios['workers']:.2f}× | {_yes(ratios['workers'] >= 1.6)} |",
    ]
    worst = max(one["peak_mb"], many["peak_mb"], many["peak_child_mb"])
    lines.append(f"| peak memory per process < 600 MB | {worst:,.0f} MB | {_yes(worst < 600)} |")
    if scale and small:
        growth = scale["peak_mb"] / small["peak_mb"] - 1
        lines.append(
            f"| peak memory flat: {scale['notes']:,} vs {small['notes']:,} notes within 10% | "
            f"{100 * growth:+.1f}% | {_yes(abs(growth) <= 0.10)} |"
        )
    results["ratios"] = ratios
    return "\n".join(lines)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


# ------------------------------------------------------------------ command line


def add_parser(sub: Any) -> None:
    """Add the ``bench`` sub-command to the CLI's sub-parsers."""
    p = sub.add_parser("bench", help="measure throughput and memory against a bare tokenizer and medspaCy")
    p.add_argument(
        "--notes", type=int, default=DEFAULT_NOTES, metavar="N", help=f"corpus size (default {DEFAULT_NOTES})"
    )
    p.add_argument("--workers", type=int, default=2, metavar="N", help="workers for the parallel run (default 2)")
    p.add_argument(
        "--peer-notes",
        type=int,
        default=0,
        metavar="N",
        help="time medspaCy on the first N notes only (default: all; its words/s does not depend on N)",
    )
    p.add_argument(
        "--scale-notes",
        type=int,
        default=0,
        metavar="M",
        help=f"also run one worker on {SCALE_BASE_NOTES:,} and on M notes to compare peak memory (e.g. 100000; slow)",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the raw results as JSON")
    p.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep the generated corpora in DIR")


def main(args: argparse.Namespace) -> int:
    """Run the benchmark and print its Markdown report."""
    results: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="sle-bench-corpus-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus = work / f"synthetic-{args.notes}.jsonl"
        notes, words = write_corpus(corpus, args.notes, args.seed)
        results["corpus"] = {"notes": notes, "words": words, "seed": args.seed}
        steps = [
            ("tokenizer", "spaCy bare tokenizer", dict(kind="tokenizer")),
            ("medspacy", "medspaCy default pipeline", dict(kind="medspacy", limit=args.peer_notes or None)),
            ("pipeline_1", "sle-abstract, 1 worker", dict(kind="pipeline", workers=1)),
            ("pipeline_n", f"sle-abstract, {args.workers} workers", dict(kind="pipeline", workers=args.workers)),
        ]
        for key, label, kw in steps:
            print(f"bench: {label} ...", file=sys.stderr, flush=True)
            results[key] = _measure_in_subprocess(corpus=corpus, **kw)
            r = results[key]
            print(f"bench:   {r['words_per_s']:,.0f} words/s, peak {r['peak_mb']:,.0f} MB", file=sys.stderr)
        if args.scale_notes:
            for key, n in (("scale_base", SCALE_BASE_NOTES), ("scale", args.scale_notes)):
                path = work / f"synthetic-{n}.jsonl"
                if not path.exists():
                    write_corpus(path, n, args.seed)
                print(f"bench: sle-abstract, 1 worker, {n:,} notes ...", file=sys.stderr, flush=True)
                results[key] = _measure_in_subprocess("pipeline", path, 1)
    text = report(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "_measure":
        _, _, kind, corpus, workers, limit = sys.argv
        print(json.dumps(_measure(kind, Path(corpus), int(workers), int(limit) or None)))
    else:
        raise SystemExit("usage: sle-abstract bench (this module's entry point is internal)")
