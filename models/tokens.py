"""API tokens and link tokens: random, shown once, stored only as SHA-256 hashes."""

import base64
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


def link_token(secret_key: str, nonce: str) -> str:
    """The token in an emailed link, derived from the link's stored nonce and the secret key.

    The database holds only the nonce and the token's hash: without the secret key neither
    yields a working link. Deriving (rather than storing) the token lets a retried email
    carry the very same link.
    """
    digest = hmac.new(secret_key.encode(), f"link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_nonce() -> str:
    return secrets.token_hex(32)
