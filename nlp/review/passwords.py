"""Optional local reviewer passwords: a file of ``name:pbkdf2_sha256$iterations$salt$hash`` lines.

Used when no OIDC provider is configured. Create lines with
``python -m nlp.review passwd NAME --file reviewers.passwd``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

ITERATIONS = 600_000


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: str | None = None) -> str:
    """Return ``pbkdf2_sha256$iterations$salt$hash`` for a password."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """Check a password against one encoded hash (constant-time comparison)."""
    try:
        algo, iterations, salt, expected = encoded.split("$")
        if algo != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def read_password_file(path: Path) -> dict[str, str]:
    """Reviewer name -> encoded hash; blank lines and ``#`` comments are skipped."""
    users: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, encoded = line.rsplit(":", 1)
        users[name.strip()] = encoded.strip()
    return users


def check_login(path: Path, name: str, password: str) -> bool:
    """True when ``name`` is in the file and ``password`` matches its hash."""
    encoded = read_password_file(path).get(name.strip())
    return encoded is not None and verify_password(password, encoded)
