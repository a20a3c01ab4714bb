"""Where the note pipeline's time goes: CPU ms per note for each stage, with and without fastmatch.

Usage::

    python benchmarks/profile_stages.py [--notes 500]

Builds the pipeline twice (medspaCy's matchers as they come, then as
``nlp/pipeline/fastmatch.py`` switches them), runs the same synthetic notes
(``nlp.bench.synth_corpus``) through each stage separately and prints a
Markdown table. CPU time (``time.process_time``), so other load on the
machine changes it little.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from nlp.bench import synth_corpus
from nlp.pipeline import build
from nlp.pipeline.extract import NotePipeline, extract_mentions
from nlp.records import NoteRecord


def stage_times(pipeline: NotePipeline, notes: list[NoteRecord]) -> dict[str, float]:
    """CPU seconds per stage over ``notes``."""
    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time
    for note in notes:
        t = clock()
        doc = pipeline.nlp.make_doc(note.text)
        spent["tokenizer"] += clock() - t
        for name, component in pipeline.nlp.pipeline:
            t = clock()
            doc = component(doc)
            spent["target matchers" if name.startswith("targets_") else name] += clock() - t
        t = clock()
        extract_mentions(doc, note, pipeline.index, pipeline._cutoffs)
        spent["mentions and values (extract.py)"] += clock() - t
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=500)
    args = parser.parse_args()
    notes = [NoteRecord(r["patient_id"], r["note_id"], r["text"]) for r in synth_corpus(args.notes, seed=11)]
    words = sum(len(n.text.split()) for n in notes)
    fast = NotePipeline()
    accelerate = build.accelerate
    build.accelerate = lambda nlp, **kw: 0
    try:
        plain = NotePipeline()
    finally:
        build.accelerate = accelerate
    for p in (plain, fast):  # warm up
        for note in notes[:5]:
            p.process(note)
    before, after = stage_times(plain, notes), stage_times(fast, notes)
    n = len(notes)
    print(f"{n} synthetic notes, {words:,} words; CPU ms per note\n")
    print("| stage | medspaCy matchers | fastmatch |")
    print("| --- | ---: | ---: |")
    for stage in before:
        print(f"| {stage} | {1000 * before[stage] / n:.2f} | {1000 * after[stage] / n:.2f} |")
    tb, ta = sum(before.values()), sum(after.values())
    print(f"| **total** | **{1000 * tb / n:.2f}** | **{1000 * ta / n:.2f}** |")
    print(f"| words/s | {words / tb:,.0f} | {words / ta:,.0f} |")


if __name__ == "__main__":
    main()
