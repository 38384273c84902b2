"""What a file attached to a ticket is, told by its bytes: real files of each kind (the
images and the OpenDocument text come from Python's and docutils' own test data; the office
documents are zipped here as Word, Excel and PowerPoint lay them out), and the kinds that
must be refused whatever they are called."""

import io
import sys
import zipfile
from pathlib import Path

import pytest

from models.file_types import (
    CSV,
    MAX_NAME,
    TEXT,
    content_type,
    display_name,
    size_in_words,
)

SAMPLES = Path(__file__).parent / "samples"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def office_open_xml(part: str, body: str) -> bytes:
    """A document zipped in the order Office writes it: the content types, the package's
    relationships, then the document's own part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as document:
        document.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            f'.org/package/2006/content-types"><Override PartName="/{part}"/></Types>',
        )
        document.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Target="{part}"/></Relationships>',
        )
        document.writestr(part, body)
    return buffer.getvalue()


def open_document(mime: str) -> bytes:
    """An OpenDocument package: its ``mimetype`` first and stored, as the standard asks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as document:
        document.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        document.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def compound_document(magic: bytes) -> bytes:
    """An Office 97-2003 file: the compound file's header, and its stream's first bytes at
    the second sector."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + magic + bytes(1024)


def zipfile_of(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (sample("signed-form.pdf"), "form.pdf", "application/pdf"),
        (sample("python.png"), "logo.png", "image/png"),
        (sample("python.jpg"), "photo.jpg", "image/jpeg"),
        (sample("python.gif"), "anim.gif", "image/gif"),
        (sample("python.webp"), "shot.webp", "image/webp"),
        (sample("styles.odt"), "letter.odt", "application/vnd.oasis.opendocument.text"),
        (open_document(ODS), "sheet.ods", ODS),
        (open_document(ODP), "slides.odp", ODP),
        (office_open_xml("word/document.xml", "<w:document/>"), "letter.docx", DOCX),
        (office_open_xml("xl/workbook.xml", "<workbook/>"), "sheet.xlsx", XLSX),
        (office_open_xml("ppt/presentation.xml", "<p:presentation/>"), "deck.pptx", PPTX),
        (compound_document(b"\xec\xa5\xc1\x00"), "old.doc", "application/msword"),
        (
            compound_document(b"\x09\x08\x10\x00\x00\x06\x05\x00"),
            "old.xls",
            "application/vnd.ms-excel",
        ),
        # The name is never asked: a PDF called a picture is a PDF.
        (sample("signed-form.pdf"), "holiday.jpg", "application/pdf"),
        (sample("python.png"), "report.pdf", "image/png"),
    ],
)
def test_files_of_the_accepted_kinds_are_known_by_their_content(
    data: bytes, name: str, expected: str
) -> None:
    assert content_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"Order 1182 arrived damaged.\r\nPhotos follow.\n", "note.txt", TEXT),
        ("name,amount\nÉlodie,12.50\n".encode(), "invoices.csv", CSV),
        (b"name,amount\n", "INVOICES.CSV", CSV),
        # A CSV by its content, not called one: plain text.
        (b"name,amount\n", "invoices", TEXT),
        ("\ufeffWith a byte order mark\tand tabs\f\n".encode(), "bom.txt", TEXT),
        ("Grüße aus Köln — 日本語のテキスト".encode(), "greeting.txt", TEXT),
        # Mentions of markup in prose are still prose.
        (b"Use a <b>bold</b> word and 3 < 4.", "prose.txt", TEXT),
        (b"<100 kWh,<200 kWh\n12,30\n", "bands.csv", CSV),
    ],
)
def test_text_is_utf8_without_binary_control_characters(
    data: bytes, name: str, expected: str
) -> None:
    assert content_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        # An executable, whatever it is called: this Python itself, and a Windows one.
        (Path(sys.executable).resolve().read_bytes()[:65536], "python.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200), "setup.pdf"),
        # Pages and pictures that can carry script.
        (b"<!DOCTYPE html><html><body>Invoice</body></html>", "invoice.pdf"),
        (b"\n  <html><script>alert(1)</script></html>", "invoice.txt"),
        (b"<p onmouseover=alert(1)>Invoice</p>", "invoice.txt"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg"),
        (b'<?xml version="1.0"?><svg/>', "drawing.png"),
        (b"Looks like text\n<script>alert(1)</script>", "notes.txt"),
        (b"Looks like text\n< SVG onload=alert(1)>", "notes.txt"),
        # Images of other kinds, archives, and text that is not UTF-8 or carries binary.
        (sample("python.bmp"), "scan.bmp"),
        (zipfile_of("readme.txt"), "bundle.zip"),
        ("Grüße".encode("latin-1"), "latin1.txt"),
        (b"nul \x00 inside", "nul.txt"),
        (b"escape \x1b[31m red", "colour.txt"),
        (b"delete \x7f", "del.txt"),
    ],
)
def test_every_other_kind_is_refused(data: bytes, name: str) -> None:
    assert content_type(data, name) is None


@pytest.mark.parametrize(
    ("sent", "kind", "shown"),
    [
        ("signed form.pdf", "application/pdf", "signed form.pdf"),
        ("C:\\Users\\derek\\Documents\\form.pdf", "application/pdf", "form.pdf"),
        ("../../etc/passwd", TEXT, "passwd.txt"),
        ("notes.TXT", TEXT, "notes.TXT"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        # Its name says what it is not: the extension of what it is is added.
        ("report.pdf", "image/png", "report.pdf.png"),
        ("page.html", TEXT, "page.html.txt"),
        ("macros.docm", DOCX, "macros.docm.docx"),
        # A right-to-left override would show "invoice\u202efdp.exe" as "invoiceexe.pdf".
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.exe.pdf"),
        ("tab\tand\nnewline\x00.pdf", "application/pdf", "tabandnewline.pdf"),
        ("  spaced   out  .csv", CSV, "spaced out .csv"),
        ("", "application/pdf", "attachment.pdf"),
        (None, "image/gif", "attachment.gif"),
        ("...", TEXT, "attachment.txt"),
        ("/", TEXT, "attachment.txt"),
    ],
)
def test_the_name_shown_is_safe(sent: str | None, kind: str, shown: str) -> None:
    assert display_name(sent, kind) == shown


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension() -> None:
    shown = display_name("é" * 400 + ".pdf", "application/pdf")
    assert len(shown) == MAX_NAME
    assert shown.endswith("é.pdf")
    unsuffixed = display_name("x" * 300, "image/png")
    assert len(unsuffixed) == MAX_NAME and unsuffixed.endswith("x.png")


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (812, "812 bytes"),
        (4608, "4.5 KB"),
        (1024 * 1024, "1 MB"),
        (1_258_291, "1.2 MB"),
        (10 * 1024 * 1024, "10 MB"),
        (1024**3 - 1, "1 GB"),
    ],
)
def test_sizes_in_words(size: int, words: str) -> None:
    assert size_in_words(size) == words
