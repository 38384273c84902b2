"""Ids and numbers as they arrive in addresses and forms: ASCII digits and letters only.

Python reads other scripts' digits as numbers (``int("٣") == 3``, and ``uuid.UUID`` takes
them too), so that ``/portal/tokens/٣/revoke`` would name token 3: an id is written one way.
"""

import re
import uuid

_DIGITS = re.compile(r"[0-9]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


def ascii_uuid(text: str) -> uuid.UUID | None:
    """The UUID ``text`` writes, or None."""
    return uuid.UUID(text) if _UUID.fullmatch(text) else None


def ascii_number(text: str, max_digits: int) -> int | None:
    """The number ``text`` writes in at most ``max_digits`` ASCII digits, or None."""
    return int(text) if len(text) <= max_digits and _DIGITS.fullmatch(text) else None
