"""Refuse to serve patients on a network interface unless reviewers must sign in.

The review UI shows every patient of the open results to whoever signs in,
so an address other machines can reach (``--server.address 0.0.0.0``, a LAN
address, a host name, or no address at all, which Streamlit takes as every
interface) is only served when sign-in is configured: OIDC (an ``[auth]``
section in ``.streamlit/secrets.toml``) or a password file (``--passwords
FILE`` / ``SLE_ABSTRACT_PASSWORDS``) that lists at least one reviewer.
Otherwise the page shows what to configure and stops before any results,
notes or patient ids are read, and the server logs one warning (no PHI).

Loopback is ``127.0.0.0/8``, ``::1`` (also as ``::ffff:127.x.x.x``) and
``localhost``. Any other host name counts as exposed, since it may resolve
to a public interface.
"""

from __future__ import annotations

import logging

import streamlit as st

from nlp.review.access import describe_address, is_loopback, refusal
from nlp.ui import auth
from nlp.ui.html import md
from nlp.ui.state import settings

log = logging.getLogger(__name__)

__all__ = ["describe_address", "guard", "is_loopback", "listen_address", "refusal"]

_warned: set[tuple[str, str]] = set()


def listen_address() -> str:
    """The address Streamlit listens on (``""``: every interface)."""
    return str(st.get_option("server.address") or "")


def guard() -> None:
    """Stop the run with an explanation when the UI is reachable from the network without sign-in."""
    address = listen_address()
    if is_loopback(address):
        return
    why = refusal(address, auth.oidc_configured(), settings().password_file)
    if why is None:
        return
    if (address, why) not in _warned:
        _warned.add((address, why))
        log.warning(
            "sle-abstract review UI: refusing to serve: server.address %r is not a loopback address and %s; "
            "configure OIDC ([auth] in .streamlit/secrets.toml) or --passwords FILE, or bind to 127.0.0.1 "
            "behind a TLS reverse proxy (docs/SECURITY.md)",
            address or "(every interface)",
            why,
        )
    st.title("SLE trial screening — chart review")
    st.error(
        f"**Not serving patients here.** This server listens on {md(describe_address(address))}, which other "
        f"machines can reach, and {md(why)}. No results, notes or patient ids are shown.",
        icon=":material/lock:",
    )
    st.markdown(
        "An administrator can do one of these, then restart the server:\n\n"
        "1. **Keep it local:** `streamlit run app.py --server.address 127.0.0.1` and publish it through a "
        "reverse proxy that terminates TLS (nginx, Caddy, a cloud load balancer).\n"
        "2. **Require sign-in with your organisation's accounts (OIDC):** an `[auth]` section in "
        "`.streamlit/secrets.toml` (see `docs/review-ui.md`).\n"
        "3. **Require a password:** create a password file with "
        "`python -m nlp.review passwd NAME --file reviewers.passwd` and start the UI with "
        "`streamlit run app.py -- --passwords reviewers.passwd` (or `SLE_ABSTRACT_PASSWORDS`).\n\n"
        "Serve it over TLS in any case. See `docs/SECURITY.md`."
    )
    st.stop()
