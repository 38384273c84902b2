"""Finding a person in free text, in the forms people write them, so it can be redacted,
and touching nothing else.

What names a person wherever it stands: their full name in either order ("Timothy Ester",
"Ester, Timothy"), with a salutation or an initial ("Mr T. Ester", "Mr Ester"), any email
they had. Their phone, in any format ("+44 161 496 0003", "0161-496 0003"), goes wherever
it stands too. A lone first or last name, or a job title, is an ordinary word as often as it
is theirs ("May", "Grant", "Invoice"): it goes only from a text that also names them.

A name is matched as people write one: capitalised or in capitals ("Timothy", "TIMOTHY"),
never as the lower-case word ("the grant may be approved" names neither Grant nor May).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import phonenumbers

from models.contact_fields import DETAIL_FIELDS

REDACTED = "[removed contact]"

_SALUTATIONS = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame")
# Particles of surnames ("van der Berg"): too common to be redacted on their own.
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du"})
_PHONE_SEPARATORS = r"[\s().\-/]*"
_BEFORE = r"(?<![\w@+])"
_AFTER = r"(?![\w@])"


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
    def from_details(cls, details: Iterable[Mapping[str, object]]) -> "Person":
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


@dataclass(frozen=True)
class _Found:
    """One person's patterns: what names them, and what goes only where they are named."""

    naming: re.Pattern[str] | None
    beside: re.Pattern[str] | None


@dataclass(frozen=True)
class Redaction:
    """What to take out of texts for some people."""

    # Every form that goes wherever it stands: full names, emails, phones, extra text.
    always: re.Pattern[str]
    people: tuple[_Found, ...]

    def finds(self, text: str) -> bool:
        """Whether the text names any of the people (or holds their phone or extra text)."""
        return self.always.search(text) is not None

    def redact(self, text: str) -> str:
        return self.redact_together([text])[0]

    def redact_together(self, texts: Sequence[str]) -> list[str]:
        """Texts that belong together (a ticket's subject and body): a lone name or job
        title goes from all of them when one of them names its person."""
        named = [
            found.beside
            for found in self.people
            if found.beside is not None
            and found.naming is not None
            and any(found.naming.search(text) for text in texts)
        ]
        redacted = []
        for text in texts:
            text = self.always.sub(REDACTED, text)
            for beside in named:
                text = beside.sub(REDACTED, text)
            redacted.append(text)
        return redacted


def redaction_for(people: Iterable[Person]) -> Redaction | None:
    """The redaction of every person given; None when there is nothing to find."""
    always: list[str] = []
    found: list[_Found] = []
    for person in people:
        naming = [rf"(?i:{re.escape(email)})" for email in person.emails]
        naming += _full_name_forms(person)
        always += naming
        always += [form for phone in person.phones if (form := _phone_form(phone))]
        always += [f"(?i:{_words(text)})" for text in person.extra if len(text) >= 3]
        beside = _lone_name_forms(person)
        beside += [f"(?i:{_words(title)})" for title in person.job_titles if len(title) >= 3]
        found.append(_Found(_compiled(naming), _compiled(beside)))
    pattern = _compiled(always)
    if pattern is None:
        return None
    return Redaction(pattern, tuple(found))


def redact(text: str, redaction: Redaction | None) -> str:
    return redaction.redact(text) if redaction is not None else text


def _compiled(forms: Iterable[str]) -> re.Pattern[str] | None:
    # At one position the first alternative that matches wins: longest forms first.
    unique = sorted(set(forms), key=lambda form: (-len(form), form))
    if not unique:
        return None
    return re.compile(_BEFORE + "(?:" + "|".join(unique) + ")" + _AFTER)


def _full_name_forms(person: Person) -> list[str]:
    """The forms a person's whole name takes: first and last name in either order, "Last,
    First", with a salutation or an initial; a name typed whole."""
    forms = [_name(full) for full in person.full_names if len(full.split()) > 1]
    salutation = "|".join(
        sorted({*_SALUTATIONS, *(re.escape(s.rstrip(".").lower()) for s in person.salutations)})
    )
    titled = rf"(?i:(?:{salutation})\.?\s+)"
    for last in _variants(person.last_names):
        surname = _name(last)
        # "Mr Ester": a salutation makes a surname a name.
        forms.append(rf"{titled}{surname}")
        for first in _variants(person.first_names):
            given = _name(first)
            initial = re.escape(first[0].upper())
            forms += [
                rf"{titled}?{given}\s+{surname}",
                rf"{surname}\s+{given}",
                rf"{surname}\s*,\s*{titled}?{given}",
                # An initial as people write it: a capital, then the surname.
                rf"{titled}?{initial}\.?\s+{surname}",
                rf"{surname}\s*,\s*{initial}\.",
            ]
    return forms


def _lone_name_forms(person: Person) -> list[str]:
    """Each name on its own, and each word of it that identifies ("Mary Ann" gives "Mary"
    and "Ann"; "van der Berg" gives "Berg")."""
    names = _variants(person.first_names | person.last_names | person.full_names)
    return [_name(word) for name in names for word in _parts(name)]


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
    words = [name, *re.split(r"[\s\-]+", name)]
    return [w for w in words if len(w) >= 2 and w.lower() not in _PARTICLES]


def _name(text: str) -> str:
    """A name as people write it: each word capitalised or in capitals (a word stored in
    lower case, such as "van", also as stored), any run of spaces as any whitespace."""
    return r"\s+".join(_name_word(word) for word in text.split())


def _name_word(word: str) -> str:
    first, rest = word[0], word[1:]
    heads = sorted({first, first.upper()})
    head = re.escape(first) if len(heads) == 1 else "[" + "".join(heads) + "]"
    return head + (f"(?i:{re.escape(rest)})" if rest else "")


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
