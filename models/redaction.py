"""Finding a person in free text, in every form people write them, so it can be redacted.

A name is matched alone and in the forms people type it ("Timothy", "Ester, Timothy",
"Mr T. Ester"), an email and a job title in any case, and a phone number in any format
("+44 161 496 0003", "0161-496 0003", "+44 (0)1614960003").
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

from models.contact_fields import DETAIL_FIELDS

REDACTED = "[removed contact]"

_SALUTATIONS = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame")
# Particles of surnames ("van der Berg"): too common to be redacted on their own.
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du"})
_PHONE_SEPARATORS = r"[\s().\-/]*"


@dataclass(frozen=True)
class Person:
    """Everything that tells who someone was: their current and past details."""

    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()
    # A name typed whole, such as an approver's "Percy Approver".
    full_names: frozenset[str] = frozenset()
    salutations: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    job_titles: frozenset[str] = frozenset()
    # Other text to take with them, such as the name of a purchaser never added.
    extra: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_details(cls, details: Iterable[dict[str, object]]) -> "Person":
        """One person from the detail sets they had (a contact's current and past ones)."""
        values: dict[str, set[str]] = {name: set() for name in DETAIL_FIELDS if name != "email"}
        emails: set[str] = set()
        for given in details:
            for name, found in values.items():
                if isinstance(given.get(name), str) and str(given[name]).strip():
                    found.add(str(given[name]).strip())
            if isinstance(given.get("email"), str) and given["email"]:
                emails.add(str(given["email"]).lower())
        return cls(
            first_names=frozenset(values["first_name"]),
            last_names=frozenset(values["last_name"]),
            salutations=frozenset(values["salutation"]),
            emails=frozenset(emails),
            phones=frozenset(values["phone"]),
            job_titles=frozenset(values["job_title"]),
        )

    @classmethod
    def named(cls, name: str | None, email: str | None, phone: str | None = None) -> "Person":
        """Someone known by a whole name as typed, an email and perhaps a phone."""
        words = (name or "").split()
        return cls(
            first_names=frozenset(words[:1]),
            last_names=frozenset(words[-1:] if len(words) > 1 else ()),
            full_names=frozenset({name.strip()} if name and name.strip() else ()),
            emails=frozenset({email.lower()} if email else ()),
            phones=frozenset({phone} if phone else ()),
        )


def redaction_pattern(people: Iterable[Person]) -> re.Pattern[str] | None:
    """One pattern for every form of every person given; None when there is nothing to find."""
    forms: list[str] = []
    for person in people:
        forms += _person_forms(person)
    # At one position the first alternative that matches wins: longest forms first.
    unique = sorted(set(forms), key=lambda form: (-len(form), form))
    if not unique:
        return None
    return re.compile(r"(?<![\w@+])(?:" + "|".join(unique) + r")(?![\w@])", re.IGNORECASE)


def redact(text: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(REDACTED, text) if pattern is not None else text


def _person_forms(person: Person) -> list[str]:
    forms = [re.escape(email) for email in person.emails]
    forms += [_words(text) for text in (*person.job_titles, *person.extra) if len(text) >= 3]
    forms += [form for phone in person.phones if (form := _phone_form(phone))]
    forms += [_words(full) for full in person.full_names if len(full) >= 2]
    salutation = "|".join(
        sorted({*_SALUTATIONS, *(re.escape(s.rstrip(".")) for s in person.salutations)})
    )
    titled = rf"(?:(?:{salutation})\.?\s+)?"
    for last in _variants(person.last_names):
        for first in _variants(person.first_names):
            given = rf"(?:{_words(first)}|{re.escape(first[0])}\.?)"
            forms.append(rf"{titled}{given}\s+{_words(last)}")
            forms.append(rf"{_words(last)}\s*,\s*{titled}{given}")
        forms.append(rf"{titled}{_words(last)}")
    for name in _variants(person.first_names | person.last_names | person.full_names):
        forms += [re.escape(word) for word in _parts(name)]
    return forms


def _variants(names: Iterable[str]) -> set[str]:
    """Each name, and the name without its accents (people type "Zoe" for "Zoë")."""
    found = set()
    for name in names:
        if len(name) < 2:
            continue
        found.add(name)
        plain = "".join(
            ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)
        )
        found.add(plain)
    return found


def _parts(name: str) -> list[str]:
    """The words of a name that identify on their own: "Mary Ann" gives "Mary" and "Ann"."""
    words = [name, *re.split(r"[\s\-]+", name)]
    return [w for w in words if len(w) >= 2 and w.lower() not in _PARTICLES]


def _words(text: str) -> str:
    """The text, with any run of spaces in it matching any run of whitespace."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _phone_form(phone: str) -> str | None:
    """The number in any format: with or without its country code or trunk 0, with any
    separators between its digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 5:
        return None
    country: str | None = None
    national = digits.lstrip("0") or digits
    if phone.strip().startswith(("+", "00")):
        try:
            parsed = phonenumbers.parse("+" + digits.removeprefix("00"), None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and parsed.country_code and parsed.national_number:
            country = str(parsed.country_code)
            zeros = (
                "0" * (parsed.number_of_leading_zeros or 1) if parsed.italian_leading_zero else ""
            )
            national = zeros + str(parsed.national_number)
    sep = _PHONE_SEPARATORS
    core = sep.join(national)
    trunk = rf"\(?0\)?{sep}"
    prefixes = [trunk]
    if country is not None:
        prefixes.insert(0, rf"(?:\+|00){sep}{sep.join(country)}{sep}(?:{trunk})?")
    return rf"(?:{'|'.join(prefixes)})?{core}(?!\d)"
