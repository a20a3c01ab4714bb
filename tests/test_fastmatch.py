"""The faster matchers find exactly what medspaCy's own find (nlp/pipeline/fastmatch.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from medspacy.common.util import get_token_for_char
from medspacy.custom_tokenizer import create_medspacy_tokenizer

from nlp.bench import synth_corpus
from nlp.cli import demo_corpus
from nlp.pipeline.fastmatch import (
    FastRegexMatcher,
    TargetSentenceMatcher,
    _token_for_char,
    fold_table,
    required_literals,
    skip_table,
    skip_table_pattern,
)
from nlp.records import NoteRecord

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "public_notes.jsonl"
ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(r"\bmycophenolate[\s-]+mofetil\b", {"mycophenolate"}, id="longest-literal-run"),
        pytest.param(r"(?-i:\bMMF\b)", {"mmf"}, id="case-sensitive-group"),
        pytest.param(r"\b(?:SLE|lupus)\s+flare|\bflaring\b", {"flare", "flaring"}, id="top-level-branch"),
        pytest.param(r"\banti[\s-]*(?:Sm|Smith)\b", {"anti"}, id="prefers-longer-over-branch"),
        pytest.param(r"\b(?:lupus|nephritis)\s+of\b", {"lupus", "nephritis"}, id="branch-beats-short-literal"),
        pytest.param(r"\b\d{1,3}\s*y/?o\b", None, id="only-short-or-optional-pieces"),
        pytest.param(r"(?:SLE)?\s*flare", {"flare"}, id="optional-group-is-not-required"),
        pytest.param(r"a|\d+", None, id="a-branch-without-literal"),
        pytest.param(r"(?:lupus){2,}", {"lupus"}, id="required-repeat"),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    got = required_literals(pattern, re.IGNORECASE)
    if expected is None:
        assert got is None or min(map(len, got)) <= 1
    else:
        assert got == expected


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in demo_corpus().read_text(encoding="utf-8").splitlines()]
    if PUBLIC.exists():
        texts += [json.loads(line)["text"] for line in PUBLIC.read_text(encoding="utf-8").splitlines()]
    return texts


def _regex_matchers(nlp) -> list[RegexMatcher]:
    return [
        value._MedspacyMatcher__regex_matcher
        for _, component in nlp.pipeline
        for value in vars(component).values()
        if isinstance(value, MedspacyMatcher)
    ]


def test_every_rule_match_contains_a_required_literal(pipeline) -> None:
    """The skip is safe: on the corpora, no match of any rule lacks its required literals."""
    texts = _texts()
    fold = fold_table()
    assert fold is not None
    checked = 0
    for matcher in _regex_matchers(pipeline.nlp):
        assert isinstance(matcher, FastRegexMatcher)
        for patterns in matcher._patterns.values():
            for pattern in patterns:
                need = required_literals(pattern.pattern, pattern.flags)
                if need is None:
                    continue
                for text in texts + ADVERSARIAL:
                    for m in pattern.finditer(text):
                        folded = m.group(0).translate(fold)
                        assert any(s in folded for s in need), (pattern.pattern, m.group(0))
                        checked += 1
    assert checked > 100


def test_accelerated_pipeline_gives_identical_mentions(pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp.pipeline import build
    from nlp.pipeline.extract import NotePipeline

    monkeypatch.setattr(build, "accelerate", lambda nlp, **kw: 0)
    plain = NotePipeline()
    assert not any(isinstance(m, FastRegexMatcher) for m in _regex_matchers(plain.nlp))
    assert any(isinstance(v, TargetSentenceMatcher) for _, c in pipeline.nlp.pipeline for v in vars(c).values())
    for i, text in enumerate(_texts()):
        note = NoteRecord(patient_id="P", note_id=f"N{i}", text=text)
        assert pipeline.process(note) == plain.process(note), f"note {i}"


@pytest.fixture(scope="module")
def tokenizer_nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_medspacy_tokenizer(nlp)
    return nlp


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Pt on CellCept 1g BID; prior azathioprine. SLE flare.", id="ascii"),
        pytest.param("Lupus néphrite: café-au-lait; ſle; SLE flare", id="non-ascii"),
        pytest.param("İMURAN ımuran \u212aidney ſLE flare CELLCEPT", id="non-ascii-letters-matching-ascii-ones"),
        pytest.param("xxSLExx and SLE-flare", id="matches-inside-tokens"),
        pytest.param("SLE", id="one-token"),
    ],
)
def test_fast_regex_matcher_equals_medspacy(tokenizer_nlp, text: str) -> None:
    patterns = [r"\bSLE\b", r"SLE", r"le\s+fl", r"\bflare", r"é", r"\bcellcept\b|\bazathioprine\b", r"(?-i:\bBID\b)"]
    patterns += [r"\bimuran\b", r"kidney", r"(?-i:\bIMURAN\b)"]
    slow = RegexMatcher(tokenizer_nlp.vocab)
    fast = RegexMatcher(tokenizer_nlp.vocab)
    for i, pattern in enumerate(patterns):
        slow.add(f"R{i}", [pattern])
        fast.add(f"R{i}", [pattern])
    fast.__class__ = FastRegexMatcher
    doc = tokenizer_nlp(text)
    assert fast(doc) == slow(doc)


@pytest.mark.parametrize("resolve", ["left", "right"])
def test_token_lookup_equals_medspacy(tokenizer_nlp, resolve: str) -> None:
    doc = tokenizer_nlp("Anti-dsDNA  64 IU/mL (H)\nref <30")
    starts = [t.idx for t in doc]
    for char in range(len(doc.text) + 1):
        token = get_token_for_char(doc, char, resolve=resolve)
        assert _token_for_char(starts, char, resolve) == (None if token is None else token.i), char


# ------------------------------------------------------------------ skip tables


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        pytest.param(r"\blupus[\s-]+nephritis\b", re.I, "lL", id="boundary-then-cased-literal"),
        pytest.param(r"\b(?:SLE|lupus)\s+flare|\bflaring\b", re.I, "sSlLfF", id="branches"),
        pytest.param(r"(?-i:\bANA\b)", re.I, "A", id="case-sensitive-group"),
        pytest.param(r"\b\d{1,3}\s*y/?o\b", re.I, "0123456789", id="repeat-of-a-class"),
        pytest.param(r"(?<![.\d/:])\b(?:(?:SLE)\s+)?flares?", re.I, "sSfF", id="lookbehind-and-optional-group"),
        pytest.param(r"(?m)^[ \t>]*cc:", re.I, " \t>cC", id="multiline-start-of-line"),
        pytest.param(r"kin", re.I, "kK", id="kelvin-sign-is-non-ascii-so-kept"),
        pytest.param(r"lupus", 0, None, id="re-has-its-own-prefix"),
        pytest.param(r"[Ll]upus", 0, None, id="re-has-its-own-class"),
        pytest.param(r"\b(?:SLE)?\b", re.I, None, id="may-match-empty"),
        pytest.param(r"\Alupus", re.I, None, id="anchored-at-start"),
        pytest.param(r"^lupus", re.I, None, id="anchored-at-start-without-multiline"),
        pytest.param(r"(?:(a)|b)?(?(1)c|d)", re.I, None, id="conditional-not-understood"),
        pytest.param(r"\b.\w", re.I, None, id="any-character-excludes-nothing-useful"),
    ],
)
def test_skip_table(pattern: str, flags: int, expected: str | None) -> None:
    compiled = re.compile(pattern, flags)
    table = skip_table(compiled)
    if expected is None:
        assert table is None or len(table) >= 127
        if table is None:
            assert skip_table_pattern(compiled) is compiled
    else:
        assert table == frozenset(map(ord, expected))


def _rule_patterns(nlp) -> list[re.Pattern[str]]:
    return [pattern for m in _regex_matchers(nlp) for patterns in m._patterns.values() for pattern in patterns]


@pytest.fixture(scope="module")
def rewritten(pipeline) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """Every rule pattern of the pipeline with the form FastRegexMatcher scans."""
    pairs = [(pattern, skip_table_pattern(pattern)) for pattern in _rule_patterns(pipeline.nlp)]
    assert len(pairs) > 300
    assert sum(fast is not plain for plain, fast in pairs) > 300, "most rules should get a skip table"
    return pairs


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _assert_same_matches(pairs, texts) -> int:
    found = 0
    for plain, fast in pairs:
        if fast is plain:
            continue
        for text in texts:
            want = _spans(plain, text)
            assert _spans(fast, text) == want, (plain.pattern, text[:200])
            found += len(want)
    return found


def test_skip_table_patterns_keep_source_flags_and_groups(rewritten) -> None:
    for plain, fast in rewritten:
        assert (fast.pattern, fast.flags, fast.groups, fast.groupindex) == (
            plain.pattern,
            plain.flags,
            plain.groups,
            plain.groupindex,
        )
        # matching code is re's own: same groups captured, same match object details
        text = "Pt: 34 y/o F with SLE; lupus nephritis class IV, anti-dsDNA 120, on MMF; no seizures."
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == [
            (m.span(), m.groups()) for m in plain.finditer(text)
        ]


def test_skip_table_patterns_match_the_same_on_the_corpora(rewritten) -> None:
    """The bench corpus, every development batch, the demo notes and the public notes."""
    texts = sorted({rec["text"] for rec in synth_corpus(400)} | set(_texts()))
    for path in sorted(ANNOTATIONS.glob("dev*/notes.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 200
    assert _assert_same_matches(rewritten, texts) > 5000


ADVERSARIAL = [
    "",
    "l",
    "SLE",
    "lupus",
    "_lupus",
    "lupus_",
    "élupus",
    "lupusé",
    "2lupus",
    "lupus2",
    "٣lupus",  # Arabic-Indic digit: a Unicode word character
    "²lupus",  # superscript two: a word character that \d does not match
    "’lupus nephritis’",
    "'lupus' nephritis",
    "\nlupus\nnephritis\n",
    "ſle ſLE SLE",  # long s: matches "s" case-insensitively
    "İmuran ımuran Imuran",  # dotted capital I and dotless i
    "\u212aidney biopsy kidney biopsy",  # Kelvin sign: matches "k" case-insensitively
    "ＳＬＥ ｌｕｐｕｓ",  # full-width letters
    "ANA ana Ana aNA ANA_ _ANA ÉANA",
    "34yo F 34 y/o F 34-year-old female 3yo",
    "G2P1 at 12w3d, 8 weeks pregnant",
    "seizure-free; seizures; no further seizures",
    "x" * 50 + " lupus nephritis " + "é" * 50,
    "CC:\n  HPI: \t> PMH:\nA/P:",
    "Lupus\u00a0nephritis\u2003class\u2009IV",
    "Lupus\tnephritis-\n\nclass   IV",
    "pt denies; no hx of; h/o; s/p; ?lupus ? lupus",
]


def test_skip_table_patterns_match_the_same_on_adversarial_text(rewritten) -> None:
    texts = list(ADVERSARIAL)
    texts += [a + " " + b for a in ADVERSARIAL for b in ADVERSARIAL[:8]]
    texts += [t.upper() for t in ADVERSARIAL] + [t.title() for t in ADVERSARIAL]
    _assert_same_matches(rewritten, texts)


def _literal_pieces() -> list[str]:
    pieces: set[str] = set()
    for path in sorted((Path(__file__).resolve().parents[1] / "pipelines").glob("**/*.json")):
        for literal in re.findall(r"[A-Za-z0-9][A-Za-z0-9/+-]{1,}", path.read_text(encoding="utf-8")):
            pieces.add(literal)
    return sorted(pieces)


LITERALS = _literal_pieces()
GLUE = [" ", "  ", "-", "\n", "\t", "_", "'", "’", ".", ",", ":", ";", "/", "(", ")", "?", "0", "12", "x", "é", "٣", "²",
        "ſ", "İ", "ı", "\u212a", "\u00a0", "Ｌ"]  # fmt: skip
piece = st.one_of(
    st.sampled_from(LITERALS),
    st.sampled_from(LITERALS).map(str.upper),
    st.sampled_from(LITERALS).map(str.title),
    # non-ASCII letters that match ASCII ones case-insensitively (long s, Kelvin sign, dotless i)
    st.sampled_from(LITERALS).map(lambda w: w.replace("s", "ſ").replace("k", "\u212a").replace("i", "ı")),
    st.sampled_from(GLUE),
    st.text(max_size=3),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(piece, max_size=30).map("".join))
def test_skip_table_patterns_match_the_same_on_random_text(pipeline, text: str) -> None:
    pairs = [(p, skip_table_pattern(p)) for p in _rule_patterns(pipeline.nlp)]
    _assert_same_matches(pairs, [text, " " + text, text + "\n"])


def test_fold_table_maps_every_character_an_ascii_one_matches() -> None:
    """Asked of re one ASCII character at a time, over every non-ASCII code point."""
    table = fold_table()
    assert table is not None
    every = "".join(map(chr, range(0x80, sys.maxunicode + 1)))
    expected = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
    for a in range(128):
        for char in re.findall(re.escape(chr(a)), every, re.IGNORECASE):
            assert expected.setdefault(ord(char), ord(chr(a).lower())) == ord(chr(a).lower())
    assert table == expected
    assert {chr(c) for c in expected if c > 127} >= {"İ", "ı", "ſ", "\u212a"}


def _assert_matchers_agree(pipeline, texts) -> None:
    """Each of the pipeline's FastRegexMatchers against medspaCy's own RegexMatcher.__call__ on the same state."""
    matchers = _regex_matchers(pipeline.nlp)
    for text in texts:
        for matcher in matchers:
            assert FastRegexMatcher.__call__(matcher, pipeline.nlp.make_doc(text)) == RegexMatcher.__call__(
                matcher, pipeline.nlp.make_doc(text)
            ), text[:200]


def test_fast_matchers_equal_medspacy_on_dev_notes_and_adversarial_text(pipeline) -> None:
    texts = list(ADVERSARIAL) + [t.upper() for t in ADVERSARIAL]
    for path in sorted(ANNOTATIONS.glob("dev*/notes.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # the same notes with non-ASCII letters that match ASCII ones, and with a non-ASCII character added
    texts += [t.replace("s", "ſ").replace("k", "\u212a").replace("I", "İ") + " é" for t in texts[-40:]]
    _assert_matchers_agree(pipeline, [t for t in texts if t])


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(piece, min_size=1, max_size=30).map("".join))
def test_fast_matchers_equal_medspacy_on_random_text(pipeline, text: str) -> None:
    _assert_matchers_agree(pipeline, [text, text + " é"])
