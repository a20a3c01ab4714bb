"""Who may reach the review UI: loopback addresses, and what sign-in set-up protects any other.

Pure functions, no Streamlit: the app's own guard (:mod:`nlp.ui.exposure`)
and the ``sle-abstract review`` launcher (:mod:`nlp.review.launch`) share them.
Loopback is ``127.0.0.0/8``, ``::1`` (also as ``::ffff:127.x.x.x``) and
``localhost``; any other host name counts as exposed, since it may resolve
to a public interface.
"""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path

from nlp.review.passwords import read_password_file

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(address: str | None) -> bool:
    """True when a server bound to ``address`` is reachable from this machine only.

    Empty or ``None`` (Streamlit then listens on every interface), ``0.0.0.0``,
    ``::``, any other IP address and any host name but ``localhost`` are not.
    """
    host = (address or "").strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.endswith(".") and host[:-1] in LOOPBACK_NAMES:
        host = host[:-1]
    if not host:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name (or a shorthand such as 127.1): may be any interface
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def describe_address(address: str | None) -> str:
    """How an address reads in the refusal message."""
    host = (address or "").strip()
    if not host:
        return "every network interface (server.address is not set)"
    if host in ("0.0.0.0", "::", "[::]"):
        return f"every network interface ({host})"
    return host


def password_file_problem(path: Path | None) -> str | None:
    """Why a configured password file cannot protect the UI (``None``: it can, or none is configured)."""
    if path is None:
        return None
    try:
        users = read_password_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({type(exc).__name__})"
    return None if users else "lists no reviewers"


def refusal(address: str | None, oidc: bool, password_file: Path | None) -> str | None:
    """Why the UI must not serve on ``address`` with this sign-in set-up (``None``: it may)."""
    if is_loopback(address) or oidc:
        return None
    if password_file is None:
        return "no sign-in is configured"
    problem = password_file_problem(password_file)
    return f"the password file {problem}" if problem else None


def oidc_in_secrets(folders: list[Path]) -> bool:
    """True when a ``.streamlit/secrets.toml`` in one of ``folders`` has an ``[auth]`` section."""
    for folder in folders:
        path = folder / ".streamlit" / "secrets.toml"
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    return False
