"""Who is reviewing: Streamlit's native OIDC login when configured, else a local reviewer name.

- OIDC: when ``.streamlit/secrets.toml`` has an ``[auth]`` section,
  ``st.login()`` signs the reviewer in with the provider and the identity is
  ``st.user``'s email (or name, or subject).
- Local: the reviewer types a name; with a password file
  (``--passwords FILE`` / ``SLE_ABSTRACT_PASSWORDS``) the name must be in it
  and the password must match its PBKDF2 hash.
"""

from __future__ import annotations

import streamlit as st

from nlp.review.passwords import check_login
from nlp.review.store import ReviewError, check_reviewer_name
from nlp.ui.state import settings


def oidc_configured() -> bool:
    """True when secrets hold an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sign_in() -> None:
    name = st.session_state.get("login-name", "")
    password = st.session_state.get("login-password", "")
    cfg = settings()
    try:
        name = check_reviewer_name(name)
    except ReviewError as exc:
        st.session_state["login-error"] = str(exc)
        return
    if cfg.password_file is not None and not check_login(cfg.password_file, name, password):
        st.session_state["login-error"] = "Unknown reviewer or wrong password."
        return
    st.session_state.pop("login-error", None)
    st.session_state.pop("login-password", None)
    st.session_state["reviewer"] = name


def sign_out() -> None:
    if oidc_configured():
        st.logout()
    st.session_state.pop("reviewer", None)


def reviewer() -> str | None:
    """The signed-in reviewer, or ``None`` after drawing the sign-in screen."""
    if oidc_configured():
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or st.user.get("sub"))
        _header()
        st.write("Sign in with your organisation's account to review.")
        st.button("Sign in", key="login-oidc", type="primary", on_click=st.login)
        return None
    if st.session_state.get("reviewer"):
        return st.session_state["reviewer"]
    _header()
    cfg = settings()
    with st.container(border=True):
        st.markdown("**Who is reviewing?** Every decision is recorded with your name and the time (UTC).")
        st.text_input("Reviewer name", key="login-name", max_chars=128, placeholder="e.g. j.smith")
        if cfg.password_file is not None:
            st.text_input("Password", key="login-password", type="password")
        st.button("Start reviewing", key="login-submit", type="primary", on_click=_sign_in)
        if st.session_state.get("login-error"):
            st.error(st.session_state["login-error"])
    return None


def _header() -> None:
    st.title("SLE trial screening — chart review")
    st.caption("Descartes-08 (NCT06038474) eligibility: confirm or correct every criterion the tool abstracted.")
