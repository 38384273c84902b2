import re
import string

from models.tokens import TOKEN_PREFIX, demo_token, generate_token, hash_token

URLSAFE = set(string.ascii_letters + string.digits + "-_")


def test_generated_tokens_are_unique() -> None:
    tokens = {generate_token() for _ in range(1000)}

    assert len(tokens) == 1000


def test_generated_token_is_prefixed_and_urlsafe() -> None:
    token = generate_token()

    assert token.startswith(TOKEN_PREFIX)
    assert set(token.removeprefix(TOKEN_PREFIX)) <= URLSAFE


def test_generated_token_carries_at_least_256_bits() -> None:
    body = generate_token().removeprefix(TOKEN_PREFIX)

    # Each URL-safe base64 character carries 6 bits.
    assert len(body) * 6 >= 256


def test_hash_is_hex_sha256() -> None:
    # The FIPS 180-2 test vector for "abc".
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_hash_of_a_token_differs_from_the_token() -> None:
    token = generate_token()
    hashed = hash_token(token)

    assert re.fullmatch(r"[0-9a-f]{64}", hashed)
    assert hashed != token
    assert token not in hashed
    assert hash_token(token) == hashed
    assert hash_token(generate_token()) != hashed


def test_demo_token_is_deterministic() -> None:
    assert demo_token("secret", "derek") == demo_token("secret", "derek")


def test_demo_token_is_prefixed() -> None:
    assert demo_token("secret", "derek").startswith(TOKEN_PREFIX)


def test_demo_token_differs_across_labels_and_secrets() -> None:
    tokens = {
        demo_token(secret, label)
        for secret in ("secret", "other-secret", "")
        for label in ("derek", "teresa", "sam", "")
    }

    assert len(tokens) == 12


def test_demo_token_does_not_reveal_its_inputs() -> None:
    token = demo_token("signoff-development-secret-change-me", "derek")

    assert "derek" not in token
    assert "signoff-development-secret" not in token
