"""Where the review UI finds its results, database, passwords and upload folder.

Each setting comes from a command-line option after ``--`` (``streamlit run
app.py -- --results DIR``), else an environment variable, else a default:

============  =========================  ===========================================
option        environment                default
============  =========================  ===========================================
--results     SLE_ABSTRACT_RESULTS       ``demo-output/`` in the repository (``make demo``)
--db          SLE_ABSTRACT_DB_URL        ``sqlite:///<results>/review.sqlite``
--dataset     SLE_ABSTRACT_DATASET       ``default`` (``<results folder name>`` with --db)
--passwords   SLE_ABSTRACT_PASSWORDS     none: any reviewer name is accepted
--workdir     SLE_ABSTRACT_WORKDIR       ``review-uploads/`` in the repository
============  =========================  ===========================================
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.resources import REPO_DIR

DEFAULT_RESULTS = REPO_DIR / "demo-output"
DEFAULT_WORKDIR = REPO_DIR / "review-uploads"


def default_db_url(results_dir: Path | str) -> str:
    """The default database: a SQLite file inside the results directory."""
    return f"sqlite:///{(Path(results_dir) / 'review.sqlite').resolve()}"


@dataclass(frozen=True, slots=True)
class Settings:
    results_dir: Path
    db_url: str | None
    """``None``: the default SQLite file next to whichever results are open."""
    dataset: str
    password_file: Path | None
    workdir: Path

    def db_url_for(self, results_dir: Path) -> str:
        return self.db_url or default_db_url(results_dir)


def parse_settings(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the script's arguments and the environment."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="streamlit run app.py --", add_help=False, allow_abbrev=False)
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--db", default=None)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--passwords", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    args, _unknown = parser.parse_known_args(list(argv))
    results = args.results or (Path(env["SLE_ABSTRACT_RESULTS"]) if env.get("SLE_ABSTRACT_RESULTS") else None)
    results = (results or DEFAULT_RESULTS).expanduser().resolve()
    db_url = args.db or env.get("SLE_ABSTRACT_DB_URL") or None
    dataset = args.dataset or env.get("SLE_ABSTRACT_DATASET") or (results.name if db_url else "default")
    passwords = args.passwords or (Path(env["SLE_ABSTRACT_PASSWORDS"]) if env.get("SLE_ABSTRACT_PASSWORDS") else None)
    workdir = args.workdir or (
        Path(env["SLE_ABSTRACT_WORKDIR"]) if env.get("SLE_ABSTRACT_WORKDIR") else DEFAULT_WORKDIR
    )
    return Settings(
        results_dir=results,
        db_url=db_url,
        dataset=dataset,
        password_file=passwords.expanduser().resolve() if passwords else None,
        workdir=workdir.expanduser().resolve(),
    )


def redact_url(url: str) -> str:
    """A database URL with any password replaced by ``***`` (for display)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as its scheme only
        return url.split(":", 1)[0] + ":…"
