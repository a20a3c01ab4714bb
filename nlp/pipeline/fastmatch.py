"""Faster drop-in matching for medspaCy's regex rules; same matches, same order.

Profiling the note pipeline (``sle-abstract bench``, README "Speed") showed
that most of its time went to medspaCy's ``RegexMatcher``, not to matching:

* it rebuilds ``doc.text_with_ws`` from the tokens once per *pattern* per
  document (several hundred patterns here), and its fallback for spans that
  do not start on a token walks the tokens one by one;
* every pattern scans the whole note even when a word it cannot match
  without is absent from the note.

:class:`FastRegexMatcher` is a subclass with the same state and the same
output: the text is built once per document (and shared by every matcher),
token lookup is a binary search, and a pattern is skipped when none of the
literal strings one of which *every* match must contain (read from the
pattern's parse tree by :func:`required_literals`) occurs in the note. The
skip is only used on ASCII notes, where case-insensitive matching is plain
ASCII lower-casing, so it never drops a match.

:func:`accelerate` switches every medspaCy matcher of a pipeline to it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText
from spacy.language import Language
from spacy.tokens import Doc

_TEXT_KEY = "fastmatch_text"
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", sre_c.MAX_REPEAT))


# ------------------------------------------------------------------ required literals


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case ASCII strings one of which every match of ``pattern`` contains.

    ``None`` when no such set can be read from the pattern (it is then always
    run). The set is chosen to be as selective as possible: the candidate
    whose shortest string is longest.

    Examples
    --------
    >>> sorted(required_literals(r"\\bmycophenolate[\\s-]+mofetil\\b"))
    ['mycophenolate']
    >>> sorted(required_literals(r"\\b(?:SLE|lupus)\\s+flare|\\bflaring\\b"))
    ['flaring', 'lupus', 'sle']
    """
    try:
        tree = sre_parse.parse(pattern, flags)
    except re.error:
        return None
    found = _sequence(list(tree))
    return frozenset(found) if found else None


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if not candidate or "" in candidate:
            return
        if best is None or (min(map(len, candidate)), -len(candidate)) > (min(map(len, best)), -len(best)):
            best = candidate

    def flush() -> None:
        if run:
            consider({"".join(run)})
            run.clear()

    for op, av in items:
        if op is sre_c.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        flush()
        if op is sre_c.SUBPATTERN:
            consider(_sequence(list(av[3])))
        elif op is sre_c.BRANCH:
            branches = [_sequence(list(b)) for b in av[1]]
            if all(branches):
                consider(set().union(*branches))  # type: ignore[arg-type]
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                consider(_sequence(list(sub)))
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            consider(_sequence(list(av)))
        # Anything else (classes, anchors, assertions, back-references) is
        # not a literal: it ends the current run and adds no requirement.
    flush()
    return best


# ------------------------------------------------------------------ matcher


def doc_text(doc: Doc) -> tuple[str, str | None]:
    """``(doc.text_with_ws, its lower-case form or None when not ASCII)``, built once per document."""
    cached = doc.user_data.get(_TEXT_KEY)
    if cached is None:
        text = doc.text_with_ws
        cached = (text, text.lower() if text.isascii() else None)
        doc.user_data[_TEXT_KEY] = cached
    return cached


def _token_for_char(starts: list[int], char_idx: int, resolve: str) -> int | None:
    """Index form of ``medspacy.common.util.get_token_for_char`` (same results, binary search)."""
    n = len(starts)
    i = bisect_left(starts, char_idx)
    if i == n:
        return n - 1 if resolve == "left" else None
    if starts[i] == char_idx:
        return i
    if resolve == "left":
        return i - 1 if i > 0 else n - 1  # medspaCy's doc[i - 1] at i == 0 is the last token
    return i


class FastRegexMatcher(RegexMatcher):
    """medspaCy's ``RegexMatcher`` with the text built once and hopeless patterns skipped.

    Instances are made by re-classing an existing ``RegexMatcher``
    (:func:`accelerate`), so every pattern and callback it holds is kept;
    the literal requirements are computed on first use and after ``add``.
    """

    _required: dict[int, frozenset[str] | None]

    def add(self, match_id: str, regex_rules: Any, on_match: Callable[..., Any] | None = None) -> None:
        super().add(match_id, regex_rules, on_match)
        self.__dict__.pop("_required", None)

    def _requirements(self) -> dict[int, frozenset[str] | None]:
        req = self.__dict__.get("_required")
        if req is None:
            req = {
                id(pattern): required_literals(pattern.pattern, pattern.flags)
                for patterns in self._patterns.values()
                for pattern in patterns
            }
            self._required = req
        return req

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not len(doc):
            return super().__call__(doc)
        text, lowered = doc_text(doc)
        required = self._requirements()
        starts: list[int] | None = None
        matches: list[tuple[int, int, int]] = []
        for match_id, patterns in self._patterns.items():
            on_match = self._callbacks[match_id]
            for pattern in patterns:
                need = required.get(id(pattern))
                if lowered is not None and need is not None and not any(s in lowered for s in need):
                    continue
                for found in pattern.finditer(text):
                    span = doc.char_span(found.start(), found.end())
                    if span is None:
                        if starts is None:
                            starts = [t.idx for t in doc]
                        start = _token_for_char(starts, found.start(), self.resolve_start)
                        end = _token_for_char(starts, found.end(), self.resolve_end)
                        span = doc[start : len(doc) if end is None else end]
                    if len(span):
                        matches.append((match_id, span.start, span.end))
                    if on_match is not None:
                        on_match(self, doc, len(matches) - 1, matches)
        return matches


# ------------------------------------------------------------------ ConText


def target_windows(targets: Any) -> list[tuple[int, int]]:
    """Token ranges of the sentences that hold a target, merged and in order."""
    windows: list[tuple[int, int]] = []
    for target in sorted(targets, key=lambda t: (t.start, t.end)):
        doc = target.doc
        start = doc[target.start].sent.start
        end = doc[target.end - 1].sent.end
        if windows and start <= windows[-1][1]:
            if end > windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


class TargetSentenceMatcher(MedspacyMatcher):
    """ConText's cue matcher, running its token patterns only over sentences that hold a target.

    ConText scopes a cue to its own sentence, so a cue in a sentence without
    a target modifies nothing; the token patterns (spaCy's ``Matcher``, the
    costly part) are not run there. Phrase and regex cues still run over the
    whole note (they are cheap), so pruning of overlapping cues sees the
    same candidates; the only cues no longer found are token-pattern cues
    that straddle a sentence boundary, which ConText should not apply anyway.
    Made by re-classing ConText's matcher in :func:`accelerate`.
    """

    _targets: Callable[[Doc], Any]

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        token_matcher = self._MedspacyMatcher__matcher
        matches: list[tuple[int, int, int]] = []
        if len(token_matcher):
            for start, end in target_windows(self._targets(doc)):
                matches.extend((key, a + start, b + start) for key, a, b in token_matcher(doc[start:end]))
        matches += self._MedspacyMatcher__phrase_matcher(doc)
        matches += self._MedspacyMatcher__regex_matcher(doc)
        if self._prune:
            matches = prune_overlapping_matches(matches)
        return matches


def _context_targets(context: ConText) -> Callable[[Doc], Any]:
    if context.input_span_type == "group":
        group = context.span_group_name
        return lambda doc: doc.spans.get(group, ())
    return lambda doc: doc.ents


def accelerate(nlp: Language, context_by_sentence: bool = True) -> int:
    """Switch ``nlp``'s medspaCy matchers to the faster equivalents in this module.

    Every ``RegexMatcher`` becomes a :class:`FastRegexMatcher`; with
    ``context_by_sentence``, the cue matcher of each ConText component that
    scopes cues by sentence (no component-level ``max_scope``) becomes a
    :class:`TargetSentenceMatcher`. Returns the number of matchers switched.
    """
    switched = 0
    for _, component in nlp.pipeline:
        for value in vars(component).values():
            if not isinstance(value, MedspacyMatcher):
                continue
            regex = value._MedspacyMatcher__regex_matcher  # medspaCy 1.3 keeps it private
            if type(regex) is RegexMatcher:
                regex.__class__ = FastRegexMatcher
                switched += 1
            if (
                context_by_sentence
                and isinstance(component, ConText)
                and component.max_scope is None
                and type(value) is MedspacyMatcher
            ):
                value.__class__ = TargetSentenceMatcher
                value._targets = _context_targets(component)
                switched += 1
    return switched
