"""The faster matchers find exactly what medspaCy's own find (nlp/pipeline/fastmatch.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from medspacy.common.util import get_token_for_char
from medspacy.custom_tokenizer import create_medspacy_tokenizer

from nlp.cli import demo_corpus
from nlp.pipeline.fastmatch import FastRegexMatcher, TargetSentenceMatcher, _token_for_char, required_literals
from nlp.records import NoteRecord

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "public_notes.jsonl"


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
    checked = 0
    for matcher in _regex_matchers(pipeline.nlp):
        assert isinstance(matcher, FastRegexMatcher)
        for patterns in matcher._patterns.values():
            for pattern in patterns:
                need = required_literals(pattern.pattern, pattern.flags)
                if need is None:
                    continue
                for text in texts:
                    for m in pattern.finditer(text):
                        assert any(s in m.group(0).lower() for s in need), (pattern.pattern, m.group(0))
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
        pytest.param("Lupus néphrite: café-au-lait; ſle; SLE flare", id="non-ascii-skips-the-prefilter"),
        pytest.param("xxSLExx and SLE-flare", id="matches-inside-tokens"),
        pytest.param("SLE", id="one-token"),
    ],
)
def test_fast_regex_matcher_equals_medspacy(tokenizer_nlp, text: str) -> None:
    patterns = [r"\bSLE\b", r"SLE", r"le\s+fl", r"\bflare", r"é", r"\bcellcept\b|\bazathioprine\b", r"(?-i:\bBID\b)"]
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
