"""Password hashing with Argon2id (OWASP's first choice); tests may lower its cost."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
# Verified against when the email is unknown, so both paths cost the same time.
_dummy_hash = _hasher.hash("not-a-real-password")

MIN_LENGTH = 12


def use_cheap_hashing() -> None:
    """Tests hash hundreds of passwords; production parameters would make that take minutes."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(CHEAPEST)
    _dummy_hash = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """A sentence saying why the password is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if password.isdigit() or len(set(password)) < 4:
        return "Use a less predictable password."
    return None
