"""Locate and load the rule files under ``pipelines/``.

Clinical knowledge lives in JSON there; this module only finds and parses it.
The folder can be overridden with ``SLE_ABSTRACT_PIPELINES`` (e.g. a site's
edited copy of the rules).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def pipelines_dir() -> Path:
    """Return the folder that holds the rule files."""
    override = os.environ.get("SLE_ABSTRACT_PIPELINES")
    return Path(override) if override else REPO_DIR / "pipelines"


def load_json(path: Path) -> dict[str, Any]:
    """Read one JSON rule file."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def protocol() -> dict[str, Any]:
    """The protocol interpretation (drug lists, windows, thresholds)."""
    return load_json(pipelines_dir() / "protocol.json")


def target_rule_files() -> list[Path]:
    """Every target-rule file, one per criterion family, in a stable order."""
    return sorted((pipelines_dir() / "targets").glob("*.json"))


def medication_target_rules() -> list[dict[str, Any]]:
    """Build target-rule dicts for every drug synonym in ``protocol.json``.

    The drug lists are the single source of truth for both matching and the
    refractory-disease decision, so the rules are derived, not duplicated.
    """
    meds = protocol()["medications"]
    rules: list[dict[str, Any]] = []
    for drug_class, drugs in meds.items():
        for canonical, synonyms in drugs.items():
            for synonym in synonyms:
                words = [re.escape(w) for w in re.split(r"[\s-]+", synonym)]
                pattern = r"\b" + r"[\s-]+".join(words) + r"\b"
                # Short abbreviations (AZA, MTX, CsA, GCs) must keep their case
                # so that ordinary words and scores ("GCS 15") are not drugs.
                if len(synonym) <= 4 and any(ch.isupper() for ch in synonym):
                    pattern = "(?-i:" + pattern + ")"
                rules.append(
                    {
                        "literal": synonym,
                        "category": "DRUG",
                        "pattern": pattern,
                        "metadata": {
                            "extract": "drug",
                            "drug": canonical,
                            "drug_class": drug_class,
                        },
                    }
                )
    return rules
