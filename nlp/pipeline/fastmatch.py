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
pattern's parse tree by :func:`required_literals`) occurs in the note,
folded by :func:`fold_table`: ASCII capitals to lower case and the few
non-ASCII characters that ``re`` matches to an ASCII letter when ignoring
case (dotted and dotless i, long s, Kelvin sign) to that letter, so the
skip never drops a match.

Scanning itself is faster too. Python's ``re`` jumps ahead to the next
possible start of a match only when a pattern begins with a literal or a
character class that is not case-insensitive; the rules here start with
``\\b`` and are case-insensitive, so ``re`` tried a match at every
character. :func:`skip_table_pattern` compiles such a pattern with the
same matching code and adds the table ``re`` would use to jump: every
character that can begin a match (read from the parse tree, zero-width
assertions looked through; ASCII characters tested one by one against the
pattern's own first items, every non-ASCII character kept). The table only
decides where a match is attempted, and no match can begin elsewhere, so
the matches are the same, in the same order.

:func:`accelerate` switches every medspaCy matcher of a pipeline to it.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable
from re import _compiler as sre_compile  # type: ignore[attr-defined]
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
    ['flare', 'flaring']
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


# ------------------------------------------------------------------ skip table

_ONE_CHAR = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)
_ZERO_WIDTH = (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT)
_members_cache: dict[tuple[Any, str, int], frozenset[int]] = {}
_skip_cache: dict[tuple[str, int], re.Pattern[str]] = {}


def _ascii_members(op: Any, av: Any, flags: int) -> frozenset[int]:
    """ASCII code points that the one-character item ``(op, av)`` matches under ``flags``, asked of ``re`` itself."""
    key = (op, repr(av), flags)
    found = _members_cache.get(key)
    if found is None:
        item = sre_compile.compile(sre_parse.SubPattern(sre_parse.State(), [(op, av)]), flags)
        found = frozenset(c for c in range(128) if item.match(chr(c)))
        _members_cache[key] = found
    return found


def _first_chars(items: Any, flags: int) -> tuple[frozenset[int], bool] | None:
    """``(ASCII code points that can be the first one consumed, whether items can consume nothing)``.

    ``None`` when the items hold something not understood here (back-references, conditionals).
    """
    found: set[int] = set()
    for op, av in items:
        if op in _ONE_CHAR:
            found |= _ascii_members(op, av, flags)
            return frozenset(found), False
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the first character is the next item's
        if op is sre_c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            part = _first_chars(sub, sre_compile._combine_flags(flags, add_flags, del_flags))
        elif op is sre_c.BRANCH:
            parts = [_first_chars(branch, flags) for branch in av[1]]
            if any(p is None for p in parts):
                return None
            part = (frozenset().union(*(p[0] for p in parts)), any(p[1] for p in parts))  # type: ignore[index]
        elif op in _REPEATS:
            low, _high, sub = av
            part = _first_chars(sub, flags)
            if part is not None:
                part = (part[0], part[1] or low == 0)
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            part = _first_chars(av, flags)
        else:
            return None
        if part is None:
            return None
        found |= part[0]
        if not part[1]:
            return frozenset(found), False
    return frozenset(found), True


def _parse(pattern: re.Pattern[str]) -> tuple[Any, list[Any]] | None:
    """``pattern``'s parse tree and the code ``re.compile`` makes of it; ``None`` if ``re``'s internals differ."""
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
        return tree, sre_compile._code(tree, pattern.flags)
    except Exception:
        return None


def _skip_table(tree: Any, code: list[Any], pattern: re.Pattern[str]) -> frozenset[int] | None:
    if code[0] is not sre_c.INFO or code[2] != 0 or code[3] == 0:
        return None  # re has its own prefix or class, or the pattern may match nothing
    flags = tree.state.flags | pattern.flags
    if tree.data and tree.data[0][0] is sre_c.AT:
        at = tree.data[0][1]
        if at is sre_c.AT_BEGINNING_STRING or (at is sre_c.AT_BEGINNING and not flags & re.MULTILINE):
            return None  # anchored at the start of the text: re gives up after the first position anyway
    try:
        first = _first_chars(tree, flags)
    except Exception:
        return None
    if first is None or first[1] or len(first[0]) == 128:
        return None
    return first[0]


def skip_table(pattern: re.Pattern[str]) -> frozenset[int] | None:
    """ASCII code points one of which, or a non-ASCII character, begins every match of ``pattern``.

    ``None`` when ``re`` already skips ahead for this pattern (it starts with
    a literal or a case-sensitive class), when the pattern can match the
    empty string or is anchored at the start of the text, when its parse
    tree holds something not understood here, or when no ASCII character is
    excluded.
    """
    parsed = _parse(pattern)
    return None if parsed is None else _skip_table(*parsed, pattern)


def skip_table_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a first-character table added for ``re`` to jump with; ``pattern`` itself when there is none.

    The result has ``pattern``'s source, flags and groups and exactly its
    matching code (what ``re.compile`` makes of it); only the table in the
    code's information block, which ``re`` reads to choose where to try a
    match, is new. It lists :func:`skip_table`'s ASCII characters and every
    non-ASCII one.
    """
    key = (pattern.pattern, pattern.flags)
    fast = _skip_cache.get(key)
    if fast is not None:
        return fast
    fast = pattern
    parsed = _parse(pattern)
    table = None if parsed is None else _skip_table(*parsed, pattern)
    if parsed is not None and table is not None:
        code = parsed[1]
        try:
            charset, _ = sre_compile._optimize_charset(
                [(sre_c.LITERAL, c) for c in sorted(table)] + [(sre_c.RANGE, (0x80, 0xFF))]
            )
            charset.append((sre_c.RANGE, (0x100, sys.maxunicode)))
            info = [sre_c.INFO, 0, sre_c.SRE_INFO_CHARSET, code[3], code[4]]
            sre_compile._compile_charset(charset, pattern.flags, info)
            info[1] = len(info) - 1
            indexgroup: list[str | None] = [None] * (pattern.groups + 1)
            for name, index in pattern.groupindex.items():
                indexgroup[index] = name
            fast = _sre.compile(
                pattern.pattern,
                pattern.flags,
                info + code[1 + code[1] :],  # re's matching code, after its own information block
                pattern.groups,
                dict(pattern.groupindex),
                tuple(indexgroup),
            )
        except Exception:  # another Python's re internals: keep the plain pattern
            fast = pattern
    _skip_cache[key] = fast
    return fast


# ------------------------------------------------------------------ matcher


_fold: list[dict[int, int] | None] = []


def fold_table() -> dict[int, int] | None:
    """``str.translate`` table to the lower-case ASCII character that ``re`` matches, case ignored.

    Maps ASCII capitals and every non-ASCII character that an ASCII character
    matches under ``re.IGNORECASE`` (found by running ``re`` over all of
    Unicode once) to that character's lower case. A required literal of a
    match is then in the folded note. ``None`` (no skip on non-ASCII notes)
    if a non-ASCII character matched two different ASCII ones.
    """
    if not _fold:
        table: dict[int, int] | None = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
        order = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
        found: set[str] = set()
        for start in range(0x80, sys.maxunicode + 1, 0x10000):  # in slices, to keep memory flat
            chunk = array("I", range(start, min(start + 0x10000, sys.maxunicode + 1)))
            found.update(re.findall(r"[\x00-\x7f]", chunk.tobytes().decode(order, "surrogatepass"), re.IGNORECASE))
        for char in sorted(found):
            matched = [a for a in range(128) if re.fullmatch(re.escape(chr(a)), char, re.IGNORECASE)]
            if len({chr(a).lower() for a in matched}) != 1:
                table = None
                break
            table[ord(char)] = ord(chr(matched[0]).lower())  # type: ignore[index]
        _fold.append(table)
    return _fold[0]


def doc_text(doc: Doc) -> tuple[str, str | None]:
    """``(doc.text_with_ws, its form folded by fold_table)``, built once per document."""
    cached = doc.user_data.get(_TEXT_KEY)
    if cached is None:
        text = doc.text_with_ws
        if text.isascii():
            folded: str | None = text.lower()
        else:
            table = fold_table()
            folded = None if table is None else text.translate(table)
        cached = (text, folded)
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

    _plan: dict[int, tuple[frozenset[str] | None, re.Pattern[str]]]

    def add(self, match_id: str, regex_rules: Any, on_match: Callable[..., Any] | None = None) -> None:
        super().add(match_id, regex_rules, on_match)
        self.__dict__.pop("_plan", None)

    def _requirements(self) -> dict[int, tuple[frozenset[str] | None, re.Pattern[str]]]:
        """Per pattern (by ``id``): its required literals and the form of it that is scanned."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = {
                id(pattern): (required_literals(pattern.pattern, pattern.flags), skip_table_pattern(pattern))
                for patterns in self._patterns.values()
                for pattern in patterns
            }
            self._plan = plan
        return plan

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not len(doc):
            return super().__call__(doc)
        text, folded = doc_text(doc)
        plan = self._requirements()
        starts: list[int] | None = None
        matches: list[tuple[int, int, int]] = []
        for match_id, patterns in self._patterns.items():
            on_match = self._callbacks[match_id]
            for pattern in patterns:
                need, scanned = plan.get(id(pattern), (None, pattern))
                if folded is not None and need is not None:
                    for literal in need:
                        if literal in folded:
                            break
                    else:  # no required literal in the note
                        continue
                for found in scanned.finditer(text):
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
