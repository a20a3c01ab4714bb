"""``sle-abstract review``: start the review UI, refusing to listen where it must not.

The app guards itself on every page load (:mod:`nlp.ui.exposure`), but by
then Streamlit is already listening. This launcher checks first: on an
address other machines can reach, without sign-in configured (OIDC in
``.streamlit/secrets.toml`` or a password file listing a reviewer), it
prints what to configure and exits with status 2 before any socket is
opened. Otherwise it replaces itself with ``streamlit run app.py`` on the
address and port given.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nlp.resources import REPO_DIR
from nlp.review.access import describe_address, refusal
from nlp.review.settings import parse_settings

APP = REPO_DIR / "app.py"
DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``review`` sub-command."""
    p = sub.add_parser(
        "review",
        help="open the review UI (Streamlit) on 127.0.0.1; refuses other addresses without sign-in",
        description="Start the review UI. Options after the known ones (e.g. --db URL) are passed to the app.",
    )
    p.add_argument("--results", type=Path, default=None, metavar="DIR", help="results folder (default demo-output/)")
    p.add_argument("--address", default=DEFAULT_ADDRESS, help=f"address to listen on (default {DEFAULT_ADDRESS})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--passwords", type=Path, default=None, metavar="FILE", help="reviewer password file")


def command(address: str, port: int, results: Path | None, passwords: Path | None, extra: Sequence[str]) -> list[str]:
    """The ``streamlit run`` command line for these options."""
    app_args = [
        *(["--results", str(results)] if results else []),
        *(["--passwords", str(passwords)] if passwords else []),
    ]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--",
        *app_args,
        *extra,
    ]


def main(
    args: argparse.Namespace,
    extra: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    execv: Callable[[str, list[str]], object] = os.execv,
) -> int:
    """Check the address and sign-in set-up, then run Streamlit (or return 2 and say why not)."""
    from nlp.review.access import oidc_in_secrets

    # The app's own reading of --passwords / SLE_ABSTRACT_PASSWORDS, so both check the same file.
    passwords = parse_settings(
        ["--passwords", str(args.passwords)] if args.passwords else [], os.environ if env is None else env
    ).password_file
    oidc = oidc_in_secrets([Path.cwd(), REPO_DIR, Path.home()])
    why = refusal(args.address, oidc, passwords)
    if why is not None:
        print(
            f"sle-abstract: error: refusing to listen on {describe_address(args.address)}: {why}. "
            "Reviewers would see every patient of the results. Either keep the default --address 127.0.0.1 "
            "behind a TLS reverse proxy, configure OIDC ([auth] in .streamlit/secrets.toml), or give "
            "--passwords FILE (python -m nlp.review passwd NAME --file FILE). See docs/SECURITY.md.",
            file=sys.stderr,
        )
        return 2
    argv = command(args.address, args.port, args.results, passwords, extra)
    try:
        execv(argv[0], argv)
    except OSError as exc:
        print(f"sle-abstract: error: cannot start Streamlit ({exc.strerror}); install the ui extra", file=sys.stderr)
        return 2
    return 0
