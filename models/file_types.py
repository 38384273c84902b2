"""What a file attached to a ticket is, told by its content (never by the name or the type
the browser gave), and the name it is shown and downloaded by: pure rules.

PDF, the common images and office documents are recognised by their signatures (the
``filetype`` package); text and CSV by being UTF-8 without binary control characters. Markup
(HTML, SVG, XML) is refused even though it is text: a browser may run its script. The name
keeps no path or control character, and ends with an extension of what the file is, so that
a saved copy opens as what it is, never as a page.
"""

import re
import unicodedata
from pathlib import PurePosixPath

import filetype

REFUSED_KIND = (
    "this kind of file cannot be attached: PDF, images, text, CSV and office documents can"
)
TEXT = "text/plain"
CSV = "text/csv"
# Each content type a file may have, with the extensions its name may end with (the first
# is given to a name that ends with none of them).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "application/msword": ("doc",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.ms-powerpoint": ("ppt",),
    TEXT: ("txt", "text", "log"),
    CSV: ("csv",),
}
# What ``filetype`` calls a type that is one of the above.
_ALIASES = {"image/apng": "image/png"}
# The control characters (Unicode's Cc) but line breaks, tabs and form feeds: binary.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# How markup starts (a tag, after any white space), and tags that make text a page wherever
# they are.
_MARKUP_START = re.compile(r"\s*<[a-z!?/]", re.I)
_MARKUP = re.compile(r"<\s*(?:script|svg|html|!doctype|\?xml|iframe|object|embed)\b", re.I)
MAX_NAME = 255
UNNAMED = "attachment"


def content_type(data: bytes, filename: str) -> str | None:
    """The content type of a file a ticket may carry, from its bytes; None for any other."""
    found = filetype.guess_mime(data)
    found = _ALIASES.get(found, found)
    if found in EXTENSIONS and found not in (TEXT, CSV):
        return str(found)
    if not _plain_text(data):
        return None
    return CSV if filename.lower().endswith(".csv") else TEXT


def _plain_text(data: bytes) -> bool:
    """UTF-8 with no control character but line breaks and tabs, and no markup."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if _BINARY.search(text):
        return False
    return not (_MARKUP_START.match(text) or _MARKUP.search(text))


def display_name(sent: str | None, content_type: str) -> str:
    """The name the file is shown and downloaded by: the last part of what was sent (no
    folders), without control or formatting characters (such as those that turn
    "exe.pdf" around), at most 255 characters, ending with an extension of its type."""
    name = unicodedata.normalize("NFC", sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = " ".join(name.split()).strip(". ")
    extensions = EXTENSIONS[content_type]
    suffix = PurePosixPath(name.lower()).suffix.removeprefix(".")
    if not name:
        name = UNNAMED
    if suffix not in extensions:
        name = f"{name}.{extensions[0]}"
    if len(name) > MAX_NAME:
        stem, _, extension = name.rpartition(".")
        name = f"{stem[: MAX_NAME - len(extension) - 1].rstrip('. ')}.{extension}"
    return name


def too_large(max_bytes: int) -> str:
    return f"the file is larger than the {size_in_words(max_bytes)} a ticket's file may be"


def size_in_words(size: int) -> str:
    """``812 bytes``, ``4.5 KB``, ``1.2 MB``, ``10 MB``: a size as people read it."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    for unit, scale in (("KB", 1024), ("MB", 1024**2)):
        value = round(size / scale, 1)
        if value < 1024:
            return f"{value:g} {unit}"
    return f"{round(size / 1024**3, 1):g} GB"
