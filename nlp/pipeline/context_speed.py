"""A faster, equivalent ``ConTextGraph.apply_modifiers`` for medspaCy 1.3.

medspaCy checks every (target, modifier) pair of a document, so its cost
grows with targets times modifiers: a 4,000-character segment of a dense note
holds ~120 targets and ~60 cues, a 5 MB note hundreds of thousands. A
modifier's scope never leaves its sentence (ConText runs without a global
``max_scope``), so only pairs in the same sentence can form an edge. This
version checks exactly those pairs, in medspaCy's order, and keeps its
pruning rule (including ``tuple_overlaps``' treatment of containment), so
the edges are the same; ``tests/test_context_speed.py`` compares both.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from typing import Any

from medspacy.context.context_graph import ConTextGraph
from medspacy.util import tuple_overlaps

_ORIGINAL = ConTextGraph.apply_modifiers


def _sentence_key(span: Any) -> int:
    doc = span.doc
    return doc[span.start].sent.start if len(doc) else 0


def fast_apply_modifiers(self: ConTextGraph) -> None:
    """Same edges as ``ConTextGraph.apply_modifiers``, checking same-sentence pairs only."""
    if not self.targets or not self.modifiers:
        _ORIGINAL(self)
        return
    targets = self.targets
    by_start = sorted(range(len(targets)), key=lambda i: targets[i].start)
    starts = [targets[i].start for i in by_start]
    longest = max(t.end - t.start for t in targets)
    if self.prune_on_modifier_overlap:
        for i in range(len(self.modifiers) - 1, -1, -1):
            span = self.modifiers[i].modifier_span
            lo = bisect_left(starts, span[0] - longest)
            for k in range(lo, len(starts)):
                target = targets[by_start[k]]
                if target.start > span[1]:
                    break
                if tuple_overlaps((target.start, target.end), span):
                    self.modifiers.pop(i)
                    break
    doc = targets[0].doc
    modifiers_by_sentence: dict[int, list[Any]] = defaultdict(list)
    for modifier in self.modifiers:
        modifiers_by_sentence[doc[modifier.modifier_span[0]].sent.start].append(modifier)
    for target in targets:
        for modifier in modifiers_by_sentence.get(_sentence_key(target), ()):
            if modifier.modifies(target):
                modifier.modify(target)
    edges = []
    for modifier in self.modifiers:
        modifier.reduce_targets()
        for target in modifier._targets:
            edges.append((target, modifier))
    self.edges = edges


def install() -> None:
    """Use the same-sentence version for every ConText graph in this process."""
    ConTextGraph.apply_modifiers = fast_apply_modifiers
