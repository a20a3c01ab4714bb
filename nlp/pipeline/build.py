"""Build the spaCy/medspaCy pipeline from the rule files under ``pipelines/``.

Pipeline: medspaCy tokenizer -> clinical sentence splitter -> one target
matcher per rule file (overlaps are pruned within a file and kept across
files, so "45 y/o M" is both an age and a sex mention, unless a file
declares that it ``subsumes`` another category) -> sectionizer -> ConText.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import medspacy
import spacy
from medspacy.context import ConTextRule
from medspacy.custom_tokenizer import create_medspacy_tokenizer
from medspacy.section_detection import SectionRule
from medspacy.target_matcher import TargetRule
from spacy.language import Language

from nlp.pipeline import (
    context_speed,
    sentences,  # noqa: F401  (registers "clinical_sentences")
)
from nlp.pipeline.fastmatch import accelerate
from nlp.resources import load_json, medication_target_rules, pipelines_dir, target_rule_files

SPAN_GROUP = "sle_evidence"
# medspaCy's own English ConText rules, shipped in its wheel.
MEDSPACY_DEFAULT_CONTEXT = Path(medspacy.__file__).resolve().parents[1] / "resources" / "en" / "context_rules.json"
MEDICATION_CRITERION = "refractory_active_disease"


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """What the extractor needs to know about the loaded rules."""

    criterion_by_category: dict[str, str]
    section_attributes: dict[str, dict[str, bool]]
    subsumes: dict[str, frozenset[str]]
    """Categories whose mentions are dropped when nested in a mention of the key
    category ("neuropsychiatric lupus" is not also a bare "lupus")."""
    category_metadata: dict[str, dict[str, Any]]
    """Rule metadata shared by a category, for spans whose ``_.target_rule`` is not their own."""


def _add_target_matcher(nlp: Language, name: str, rules: list[TargetRule]) -> None:
    matcher = nlp.add_pipe(
        "medspacy_target_matcher",
        name=name,
        config={"result_type": "group", "span_group_name": SPAN_GROUP},
    )
    matcher.add(rules)


def _line_aware(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule (a target or ConText rule) with its regex's ``^`` and ``$`` at line starts and ends.

    medspaCy matches a rule's regex against the whole note, where a bare
    ``$`` means only the note's end: "SLE excluded" on a line of its own
    would otherwise miss a rule that ends with ``(?=[.;,)]|$)``.
    """
    pattern = rule.get("pattern")
    if isinstance(pattern, str) and not pattern.startswith("(?m)"):
        return {**rule, "pattern": "(?m)" + pattern}
    return rule


def build_nlp(rules_dir: Path | None = None) -> tuple[Language, RuleIndex]:
    """Create the note pipeline and the index of its rules.

    Parameters
    ----------
    rules_dir:
        Folder of rule files; defaults to :func:`nlp.resources.pipelines_dir`.

    Returns
    -------
    (Language, RuleIndex)
    """
    rules_dir = rules_dir or pipelines_dir()
    context_speed.install()
    nlp = spacy.blank("en")
    nlp.tokenizer = create_medspacy_tokenizer(nlp)
    # Long notes are segmented by NotePipeline before they get here; this only
    # lifts spaCy's parser-oriented default so a segment is never refused.
    nlp.max_length = 2_000_000
    nlp.add_pipe("clinical_sentences")

    criterion_by_category: dict[str, str] = {}
    subsumes: dict[str, frozenset[str]] = {}
    category_metadata: dict[str, dict[str, Any]] = {}
    for path in sorted((rules_dir / "targets").glob("*.json")) if rules_dir else target_rule_files():
        data = load_json(path)
        rules = [TargetRule.from_dict(_line_aware(rule)) for rule in data["target_rules"]]
        for rule in rules:
            criterion_by_category[rule.category] = data["criterion_id"]
            if data.get("subsumes"):
                subsumes[rule.category] = frozenset(data["subsumes"])
            category_metadata.setdefault(rule.category, dict(rule.metadata or {}))
        _add_target_matcher(nlp, f"targets_{path.stem}", rules)
    med_rules = [TargetRule.from_dict(rule) for rule in medication_target_rules()]
    criterion_by_category["DRUG"] = MEDICATION_CRITERION
    _add_target_matcher(nlp, "targets_medications", med_rules)

    section_data = load_json(rules_dir / "sections.json")
    sectionizer = nlp.add_pipe(
        "medspacy_sectionizer",
        config={
            "rules": None,
            "span_attrs": None,
            "input_span_type": "group",
            "span_group_name": SPAN_GROUP,
        },
    )
    sectionizer.add([SectionRule.from_dict(rule) for rule in section_data["section_rules"]])

    context = nlp.add_pipe(
        "medspacy_context",
        # A modifier inside a target ("Migraine *without* aura") must not modify it.
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": SPAN_GROUP,
            "prune_on_target_overlap": True,
        },
    )
    context_data = load_json(rules_dir / "context_rules.json")
    excluded = {literal.lower() for literal in context_data.get("exclude_default_literals", [])}
    defaults = [
        rule for rule in ConTextRule.from_json(str(MEDSPACY_DEFAULT_CONTEXT)) if rule.literal.lower() not in excluded
    ]
    context.add(defaults + [ConTextRule.from_dict(_line_aware(rule)) for rule in context_data["context_rules"]])
    # medspaCy only lets a terminator cut a scope that overlaps the
    # terminator's own scope without containing it (util.tuple_overlaps); a
    # sentence-wide terminator contains every shorter scope and so never cut
    # one. A one-token terminator scope sits inside the scopes it must cut.
    for rule in context.rules:
        if rule.direction.upper() == "TERMINATE":
            rule.max_scope = 1

    index = RuleIndex(
        criterion_by_category=criterion_by_category,
        section_attributes=section_data.get("category_attributes", {}),
        subsumes=subsumes,
        category_metadata=category_metadata,
    )
    accelerate(nlp)  # same matches, several times faster (nlp/pipeline/fastmatch.py)
    return nlp, index
