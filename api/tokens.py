"""API tokens: random, shown once, stored only as a SHA-256 hash."""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "so_"


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # The tokens carry 256 random bits, so a fast hash is enough; no salt is needed.
    return hashlib.sha256(token.encode()).hexdigest()


def demo_token(secret_key: str, label: str) -> str:
    """Deterministic per secret key, so loading the demo data twice prints the same tokens."""
    digest = hmac.new(secret_key.encode(), f"demo-token:{label}".encode(), hashlib.sha256)
    return TOKEN_PREFIX + "demo_" + digest.hexdigest()[:40]
