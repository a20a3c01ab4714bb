"""The rule files under pipelines/ load with medspaCy's own classes, compile,
and say what the contract says.

Nothing here builds the full note pipeline except the loader-rejection test,
which fails on purpose before any rules are added.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from medspacy.context import ConTextRule
from medspacy.section_detection import SectionRule
from medspacy.target_matcher import TargetRule

from nlp.records import CRITERION_IDS
from nlp.resources import medication_target_rules, pipelines_dir

PIPELINES = pipelines_dir()
TARGET_FILES = sorted((PIPELINES / "targets").glob("*.json"))
TARGET_IDS = [p.stem for p in TARGET_FILES]

# The eight criterion ids of /work/shared/CONTRACT.md, written out here so a
# rename in code cannot silently pass.
CONTRACT_CRITERIA = {
    "age_18_or_older",
    "sle_diagnosis",
    "refractory_active_disease",
    "autoantibody_positive",
    "active_severe_lupus_nephritis",
    "active_severe_cns_lupus",
    "unmanaged_major_chronic_illness",
    "pregnant_or_lactating",
}

# Concepts the resolvers and downstream consumers rely on (lower-cased categories).
EXPECTED_CONCEPTS = {
    "sle", "sle_lookalike",
    "lupus_nephritis", "ln_class", "proteinuria", "active_sediment", "renal_remission", "no_renal_disease",
    "npsle", "organic_brain_syndrome", "psychosis", "seizure", "seizure_free", "headache", "headache_other_cause",
    "pregnancy", "obstetric_history", "pregnancy_test", "postpartum", "lactation", "not_childbearing",
    "sex_male", "sex_female",
    "anti_dsdna", "anti_histone", "anti_chromatin", "anti_sm", "ana", "anti_rnp", "anti_ro_la", "antiphospholipid",
    "age", "date_of_birth",
    "uncontrolled_illness", "controlled_illness", "hba1c",
    "disease_active", "disease_inactive", "sledai",
}

CONTEXT_CATEGORIES = {
    "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY", "TERMINATE", "PSEUDO",
}
QUALIFIER_ATTRS = {"is_negated", "is_historical", "is_hypothetical", "is_family", "is_uncertain"}

# Drug lists named by the contract ("Protocol interpretation used by refractory_active_disease").
CONTRACT_GLUCOCORTICOIDS = {"prednisone", "prednisolone", "methylprednisolone", "dexamethasone", "hydrocortisone", "budesonide"}
CONTRACT_IMMUNOSUPPRESSIVES = {
    "mycophenolate", "azathioprine", "methotrexate", "cyclophosphamide", "tacrolimus", "cyclosporine",
    "voclosporin", "leflunomide", "belimumab", "anifrolumab", "rituximab", "obinutuzumab",
}
CONTRACT_MYCOPHENOLATE_NAMES = {"mmf", "cellcept", "myfortic", "mycophenolic acid"}
HYDROXYCHLOROQUINE_NAMES = {"hydroxychloroquine", "hcq", "plaquenil"}


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{where}: pattern does not compile: {exc}\n  {pattern}")


def _demo_text() -> str:
    """Realistic note text to run the target patterns over."""
    path = Path(__file__).resolve().parents[1] / "nlp" / "data" / "demo" / "notes.jsonl"
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n\n".join(json.loads(line)["text"] for line in lines if line.strip())


# Short phrases where a target is preceded by a cue word; a pattern that can
# start on the space before the target drags the cue into the span, and a
# ConText cue inside its own target is ignored.
CUE_PHRASES = (
    "No flares since last visit. If A1c is above 9, refer. If hCG is positive, hold MMF. "
    "Negative hCG today. No proteinuria. Denies headache. If seizure recurs, call. "
    "Possible anti-dsDNA rise. No ANA. Counseled to call if flare recurs. A flare last month."
)


# --------------------------------------------------------------------------- #
# Target rule files
# --------------------------------------------------------------------------- #


def test_there_are_target_files():
    assert TARGET_FILES, f"no target rule files under {PIPELINES / 'targets'}"


@pytest.mark.parametrize("path", TARGET_FILES, ids=TARGET_IDS)
def test_target_file_loads_with_medspacy(path: Path):
    data = _load(path)
    assert isinstance(data.get("target_rules"), list) and data["target_rules"], f"{path.name}: no target_rules list"
    rules = TargetRule.from_json(str(path))
    assert len(rules) == len(data["target_rules"])
    for raw, rule in zip(data["target_rules"], rules, strict=True):
        assert TargetRule.from_dict(raw).category == rule.category
        assert rule.literal, f"{path.name}: a rule has no literal"
        assert rule.category and rule.category == rule.category.upper(), f"{path.name}: category {rule.category!r} should be upper case"
        assert isinstance(rule.pattern, str), f"{path.name}: rule {rule.literal!r} has no regex pattern"


@pytest.mark.parametrize("path", TARGET_FILES, ids=TARGET_IDS)
def test_target_patterns_compile_and_never_match_empty(path: Path):
    for rule in _load(path)["target_rules"]:
        where = f"{path.name}: {rule['category']} {rule['literal']!r}"
        rx = _compile(rule["pattern"], where)
        assert rx.search("") is None, f"{where}: pattern matches the empty string"
        assert rx.search("   \n  ") is None, f"{where}: pattern matches bare whitespace"


_EDGE_SPACE_XFAIL: dict[str, str] = {}  # file stem -> known miss (none at present)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(reason=_EDGE_SPACE_XFAIL[p.stem], strict=True, raises=AssertionError)])
        if p.stem in _EDGE_SPACE_XFAIL else pytest.param(p, id=p.stem)
        for p in TARGET_FILES
    ],
)
def test_target_matches_do_not_start_or_end_on_whitespace(path: Path):
    """A match that starts on a space is widened by spaCy to the previous word ("If A1c"),
    which swallows ConText cues ("no", "if") into the target so they no longer apply."""
    text = CUE_PHRASES + "\n\n" + _demo_text()
    bad = []
    for rule in _load(path)["target_rules"]:
        rx = _compile(rule["pattern"], f"{path.name}: {rule['literal']!r}")
        for m in rx.finditer(text):
            if m.group(0) != m.group(0).strip():
                context = text[max(0, m.start() - 15) : m.end() + 5].replace("\n", " ")
                bad.append(f"{rule['category']} {rule['literal']!r}: {m.group(0)!r} in ...{context}...")
    assert not bad, f"{path.name}: matches with leading/trailing whitespace:\n  " + "\n  ".join(sorted(set(bad))[:15])


@pytest.mark.parametrize("path", TARGET_FILES, ids=TARGET_IDS)
def test_rules_of_one_category_read_the_same_values(path: Path):
    """A rule added to a category without its ``extract`` metadata would find
    mentions whose values (illness kind, statement date, result) are never read."""
    extracts: dict[str, set[Any]] = {}
    for rule in _load(path)["target_rules"]:
        extracts.setdefault(rule["category"], set()).add((rule.get("metadata") or {}).get("extract"))
    mixed = {category: sorted(map(str, kinds)) for category, kinds in extracts.items() if len(kinds) > 1}
    assert not mixed, f"{path.name}: categories whose rules disagree on metadata.extract: {mixed}"


@pytest.mark.parametrize("path", TARGET_FILES, ids=TARGET_IDS)
def test_target_file_names_a_contract_criterion(path: Path):
    criterion = _load(path).get("criterion_id")
    assert criterion in CONTRACT_CRITERIA, f"{path.name}: criterion_id {criterion!r} is not one of the contract ids"


def test_code_criterion_ids_are_the_contract_ids():
    assert set(CRITERION_IDS) == CONTRACT_CRITERIA
    assert len(CRITERION_IDS) == len(CONTRACT_CRITERIA)


def test_each_category_belongs_to_one_file_and_one_criterion():
    files_of: dict[str, set[str]] = {}
    criteria_of: dict[str, set[str]] = {}
    for path in TARGET_FILES:
        data = _load(path)
        for rule in data["target_rules"]:
            files_of.setdefault(rule["category"], set()).add(path.name)
            criteria_of.setdefault(rule["category"], set()).add(data["criterion_id"])
    split = {c: sorted(f) for c, f in files_of.items() if len(f) > 1}
    assert not split, f"categories defined in more than one target file: {split}"
    ambiguous = {c: sorted(k) for c, k in criteria_of.items() if len(k) > 1}
    assert not ambiguous, f"categories mapped to more than one criterion: {ambiguous}"
    assert "DRUG" not in files_of, "DRUG is generated from protocol.json and must not be defined in a target file"


def test_every_expected_concept_has_a_rule():
    categories = {rule["category"].lower() for path in TARGET_FILES for rule in _load(path)["target_rules"]}
    missing = EXPECTED_CONCEPTS - categories
    assert not missing, f"no target rule produces: {sorted(missing)}"


def test_every_contract_criterion_has_evidence_rules():
    """Each criterion gets evidence from some target file (refractory also from the drug rules)."""
    covered = {_load(p)["criterion_id"] for p in TARGET_FILES}
    assert covered == CONTRACT_CRITERIA, f"criteria without a target file: {sorted(CONTRACT_CRITERIA - covered)}"


# --------------------------------------------------------------------------- #
# Medication rules generated from protocol.json
# --------------------------------------------------------------------------- #


def test_medication_rules_load_and_compile():
    raw = medication_target_rules()
    assert raw
    for rule_dict in raw:
        rule = TargetRule.from_dict(rule_dict)
        assert rule.category == "DRUG"
        rx = _compile(rule.pattern, f"drug rule {rule.literal!r}")
        assert rx.search(rule.literal), f"drug rule {rule.literal!r} does not match its own name"
        assert rx.search("") is None


@pytest.mark.parametrize(
    "word",
    [
        "plaza", "amazing", "pretend", "predicted", "lefty", "cyclist", "mmfff",
        pytest.param("GCS 15, alert and oriented", id="glasgow-coma-scale"),
    ],
)
def test_short_drug_abbreviations_do_not_match_ordinary_words(word: str):
    hits = [r["literal"] for r in medication_target_rules() if re.search(r["pattern"], word, re.IGNORECASE)]
    assert not hits, f"{word!r} is read as drug(s) {hits}"


# --------------------------------------------------------------------------- #
# ConText and section rules
# --------------------------------------------------------------------------- #


def test_context_rules_load_with_medspacy():
    path = PIPELINES / "context_rules.json"
    data = _load(path)
    rules = ConTextRule.from_json(str(path))
    assert len(rules) == len(data["context_rules"]) > 0
    for raw in data["context_rules"]:
        rule = ConTextRule.from_dict(raw)
        assert rule.category.upper() in CONTEXT_CATEGORIES, f"{rule.literal!r}: unknown category {rule.category!r}"
        if isinstance(raw.get("pattern"), str):
            rx = _compile(raw["pattern"], f"context rule {raw['literal']!r}")
            assert rx.search("") is None, f"context rule {raw['literal']!r} matches the empty string"


def test_context_cue_matches_do_not_start_or_end_on_whitespace():
    """A cue match that starts on a space maps to the previous token, so the
    cue's scope starts one word early and can take in the wrong target."""
    text = CUE_PHRASES + "\n\n" + _demo_text()
    bad = []
    for raw in _load(PIPELINES / "context_rules.json")["context_rules"]:
        if not isinstance(raw.get("pattern"), str):
            continue
        for m in _compile(raw["pattern"], f"context rule {raw['literal']!r}").finditer(text):
            if m.group(0) != m.group(0).strip():
                bad.append(f"{raw['literal']!r}: {m.group(0)!r}")
    assert not bad, "cue matches with leading/trailing whitespace:\n  " + "\n  ".join(sorted(set(bad))[:15])


def test_section_rules_load_with_medspacy():
    path = PIPELINES / "sections.json"
    data = _load(path)
    rules = SectionRule.from_json(str(path))
    assert len(rules) == len(data["section_rules"]) > 0
    for raw in data["section_rules"]:
        SectionRule.from_dict(raw)
        if isinstance(raw.get("pattern"), str):
            rx = _compile(raw["pattern"], f"section rule {raw['literal']!r}")
            assert rx.search("") is None, f"section rule {raw['literal']!r} matches the empty string"


def test_section_attributes_name_real_sections_and_qualifiers():
    data = _load(PIPELINES / "sections.json")
    categories = {r["category"] for r in data["section_rules"]}
    attrs = data.get("category_attributes", {})
    assert attrs.get("family_history", {}).get("is_family") is True, "FAMILY HISTORY sections must make mentions is_family"
    for section, flags in attrs.items():
        assert section in categories, f"category_attributes names unknown section {section!r}"
        assert set(flags) <= QUALIFIER_ATTRS, f"{section}: unknown qualifier(s) {sorted(set(flags) - QUALIFIER_ATTRS)}"


def test_lab_result_patterns_compile_and_read_plain_words():
    from nlp.pipeline.values import LabPatterns

    data = _load(PIPELINES / "lab_results.json")
    for key in LabPatterns.__dataclass_fields__:
        assert isinstance(data.get(key), str), f"lab_results.json lacks pattern {key!r}"
    rx = {key: _compile(data[key], f"lab_results.json {key}") for key in LabPatterns.__dataclass_fields__}
    assert {"lo", "hi", "op"} <= set(rx["reference"].groupindex)
    assert {"num", "op"} <= set(rx["number"].groupindex)
    assert {"den", "op"} <= set(rx["titer"].groupindex)
    assert rx["positive"].search("positive") and not rx["positive"].search("negative")
    assert rx["negative"].search("negative") and not rx["negative"].search("positive")
    assert rx["pending"].search("pending")


# --------------------------------------------------------------------------- #
# protocol.json says what the contract says
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def protocol() -> dict[str, Any]:
    return _load(PIPELINES / "protocol.json")


def _names(drugs: dict[str, list[str]]) -> set[str]:
    return {n.lower() for canonical, synonyms in drugs.items() for n in (canonical, *synonyms)}


def test_protocol_glucocorticoids(protocol):
    gcs = protocol["medications"]["glucocorticoids"]
    missing = CONTRACT_GLUCOCORTICOIDS - set(gcs)
    assert not missing, f"glucocorticoids missing from protocol.json: {sorted(missing)}"


def test_protocol_immunosuppressives(protocol):
    ims = protocol["medications"]["immunosuppressives"]
    missing = CONTRACT_IMMUNOSUPPRESSIVES - set(ims)
    assert not missing, f"immunosuppressives missing from protocol.json: {sorted(missing)}"
    mmf = {n.lower() for n in ims.get("mycophenolate", [])}
    assert mmf >= CONTRACT_MYCOPHENOLATE_NAMES, f"mycophenolate lacks {sorted(CONTRACT_MYCOPHENOLATE_NAMES - mmf)}"


def test_hydroxychloroquine_is_not_a_counted_drug(protocol):
    meds = protocol["medications"]
    for counted in ("immunosuppressives", "glucocorticoids"):
        clash = HYDROXYCHLOROQUINE_NAMES & _names(meds[counted])
        assert not clash, f"{sorted(clash)} listed under {counted}"
    # It is still recognised, so a note listing it is read, just not counted.
    other = set().union(*(_names(d) for cls, d in meds.items() if cls not in ("immunosuppressives", "glucocorticoids")))
    assert "hydroxychloroquine" in other


def test_no_drug_name_means_two_drugs(protocol):
    seen: dict[str, str] = {}
    clashes = []
    for drugs in protocol["medications"].values():
        for canonical, synonyms in drugs.items():
            for name in {canonical.lower(), *(s.lower() for s in synonyms)}:
                if name in seen and seen[name] != canonical:
                    clashes.append(f"{name!r}: {seen[name]} / {canonical}")
                seen.setdefault(name, canonical)
    assert not clashes, f"ambiguous drug names: {clashes}"


def test_protocol_refractory_thresholds_match_contract(protocol):
    ref = protocol["refractory"]
    assert ref["window_months"] == 24
    assert ref["min_days_per_immunosuppressive"] == 84
    assert ref["min_immunosuppressives"] == 2
    assert ref["require_glucocorticoid"] is True


# --------------------------------------------------------------------------- #
# A rule with an unknown key is rejected
# --------------------------------------------------------------------------- #

BAD_TARGET = {"literal": "lupus", "category": "SLE", "pattern": r"\blupus\b", "negated": True}


def test_medspacy_rejects_unknown_target_key(tmp_path: Path):
    path = tmp_path / "bad_targets.json"
    path.write_text(json.dumps({"criterion_id": "sle_diagnosis", "target_rules": [BAD_TARGET]}), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid keys"):
        TargetRule.from_json(str(path))


def test_medspacy_rejects_unknown_context_and_section_keys(tmp_path: Path):
    ctx = tmp_path / "bad_context.json"
    ctx.write_text(json.dumps({"context_rules": [
        {"literal": "denies", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "scope": 5},
    ]}), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid keys"):
        ConTextRule.from_json(str(ctx))
    sec = tmp_path / "bad_sections.json"
    sec.write_text(json.dumps({"section_rules": [
        {"literal": "family history", "category": "family_history", "is_family": True},
    ]}), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid keys"):
        SectionRule.from_json(str(sec))


def test_project_loader_rejects_a_rule_with_an_unknown_key(tmp_path: Path):
    """The tool's own loader (build_nlp on a rules folder) refuses a misspelled rule key."""
    from nlp.pipeline.build import build_nlp

    rules_dir = tmp_path / "pipelines"
    shutil.copytree(PIPELINES, rules_dir)
    sle = rules_dir / "targets" / "sle.json"
    data = _load(sle)
    data["target_rules"].append({"literal": "SLE", "categroy": "SLE", "pattern": r"\bSLE\b"})
    sle.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid keys"):
        build_nlp(rules_dir)
