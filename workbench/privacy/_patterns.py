"""Finders for each kind of identifier: pyap2 (addresses), phonenumbers, and our own patterns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
import pyap


class PhiKind(StrEnum):
    """Kinds of protected health information; the redacted text shows ``[KIND]``."""

    NAME = "NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    URL = "URL"
    DATE = "DATE"
    ID = "ID"


@dataclass(frozen=True)
class Candidate:
    """A stretch of the input that one finder takes for PHI.

    Of two equally long overlapping stretches the lower rank wins: a cued record number (0)
    beats the phone (5) that phonenumbers sees in the same digits, and a bare long number (8)
    loses to everything.
    """

    start: int
    end: int
    kind: PhiKind
    rank: int


PHONE_REGIONS = ("US", "GB")
ADDRESS_COUNTRIES = ("US", "GB")
MIN_UNCUED_PHONE_DIGITS = 10

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_PATTERNS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+\d{{4}}\b)?"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+\d{{4}}\b)?"),
    re.compile(rf"\b{_MONTH},?\s+\d{{4}}\b"),
)

_ID_VALUE = r"(?P<value>(?:[A-Za-z]{1,4}[- ]?)?\d(?:[ -]?\d){3,}[A-Za-z]?)\b"
_ID_SUFFIX = r"(?:number|num|no\.?|#|id)"
ID_CUED = re.compile(
    r"(?i:\b(?:(?:MRN|SSN|NHS|CHI|NINO|ID|medical\s+record|social\s+security"
    rf"|national\s+insurance|NI)(?:\s*{_ID_SUFFIX})?"
    r"|(?:hospital|patient|record|case|chart|member|policy|account|insurance|reference"
    rf"|client|file)\s*{_ID_SUFFIX}))"
    rf"\s*(?:[:#-]|\bis\b|\bwas\b)?\s*{_ID_VALUE}"
)
ID_UNCUED = (
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    re.compile(r"\b\d{7,}\b"),
)

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
URL_PATTERNS = (
    re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+"),
    re.compile(
        r"\b(?:[A-Za-z0-9-]+\.)+(?:com|org|net|edu|gov|io|co|uk|us|info|health)\b"
        r"(?:/[^\s<>\"']*)?"
    ),
)
URL_TRAILING = ".,;:!?)]}'\""

PHONE_CUED = re.compile(
    r"(?i:\b(?:call|phone|mobile|cell|tel(?:ephone)?|text|ring|reach|contact)\b)"
    r"[^\d\n+]{0,20}?(?P<value>\+?\(?\d[\d ().-]{5,}\d)"
)

_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl"
    "|Terrace|Close|Crescent|Square|Sq|Gardens|Grove|Parkway|Pkwy|Highway|Hwy|Circle|Row"
    "|Walk|Mews|Hill"
)
ADDRESS_PATTERNS = (
    re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
        r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Flat)\.?\s*#?\w+)?"
    ),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?, ?[A-Z]{2} \d{5}(?:-\d{4})?\b"),
    re.compile(r"(?i:\bzip(?:\s*code)?)\s*:?\s*(?P<value>\d{5}(?:-\d{4})?)\b"),
)

_NAME_TOKEN = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:-?[A-Z][a-z]+)*"  # one way to match: no backtracking
_NAME_RUN = rf"(?P<name>{_NAME_TOKEN}(?:\s+(?:[A-Z]\.\s+)?{_NAME_TOKEN}){{0,2}})"
_RELATIONS = (
    r"mum|mom|mother|dad|father|brother|sister|son|daughter|wife|husband|partner|boyfriend"
    r"|girlfriend|friend|fianc[eé]e?|therapist|psychiatrist|psychologist|counsell?or|doctor|gp"
    r"|nurse|social\s+worker|case\s+manager|care\s+coordinator|key\s+worker|carer|caregiver"
)
NAME_CUES = (
    re.compile(rf"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Doctor)\.?\s+{_NAME_RUN}"),
    re.compile(
        r"(?i:\b(?:my\s+name\s+is|my\s+name's|name\s*:|patient\s*:|pt\s*:|this\s+is"
        rf"|call\s+me|signed)\s+){_NAME_RUN}"
    ),
    re.compile(
        r"(?i:\b(?:hi|hello|hey|dear)\b[,!]?\s+(?:(?:i\s+am|i['’]m|it['’]s)\s+)?)"
        rf"{_NAME_RUN}"
    ),
    re.compile(rf"(?i:\bmy\s+(?:{_RELATIONS})\b,?\s+){_NAME_RUN}"),
    re.compile(
        r"(?i:\b(?:thanks|thank\s+you|regards|best\s+wishes|best|cheers|sincerely|love|yours)"
        rf"\b[,!.]?\s*(?:[-–—]\s*)?){_NAME_RUN}\s*[.!]?\s*(?:\n|$)"
    ),
    re.compile(rf"(?:^|\n)\s*[-–—]\s*{_NAME_RUN}\s*$"),
)
NOT_NAMES = frozenset(
    """
    The This That These Those He She They We You It My Our Your His Her Their Its Me Us Them
    Today Tomorrow Yesterday Tonight Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
    Hi Hello Hey Dear Thanks Thank Regards Best Cheers Love Sorry Yes No Not And But So Also
    Please Just Really Very Here There Okay Ok Well Still Now Then When What Why How Who
    Dr Mr Mrs Ms Miss Mx Prof Professor Nurse Doctor Patient Name Feeling Going Having Being
    Trying Getting Writing Calling Worried Scared Struggling Fine Good Bad Sad Tired Anxious
    English British American
    Ion Finna Deadass Ima Imma Lowkey Bruh Yall Gonna Wanna Gotta Idk Tbh Nobody Nothing
    """.split()
)
MIN_PROPAGATED_NAME_LENGTH = 3


def find_candidates(text: str) -> list[Candidate]:
    """Every stretch of ``text`` that some finder takes for PHI, overlaps included."""
    finders = (_ids, _emails, _urls, _addresses, _dates, _phones, _names)
    return [_trimmed(text, candidate) for finder in finders for candidate in finder(text)]


def _trimmed(text: str, candidate: Candidate) -> Candidate:
    """The candidate without spaces or a trailing comma at its edges (pyap includes them)."""
    start, end = candidate.start, candidate.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return Candidate(start, end, candidate.kind, candidate.rank)


def _ids(text: str) -> Iterator[Candidate]:
    for match in ID_CUED.finditer(text):
        yield Candidate(match.start("value"), match.end("value"), PhiKind.ID, 0)
    for pattern in ID_UNCUED:
        for match in pattern.finditer(text):
            yield Candidate(match.start(), match.end(), PhiKind.ID, 8)


def _emails(text: str) -> Iterator[Candidate]:
    for match in EMAIL.finditer(text):
        yield Candidate(match.start(), match.end(), PhiKind.EMAIL, 1)


def _urls(text: str) -> Iterator[Candidate]:
    for pattern in URL_PATTERNS:
        for match in pattern.finditer(text):
            end = match.start() + len(match.group().rstrip(URL_TRAILING))
            yield Candidate(match.start(), end, PhiKind.URL, 2)


def _addresses(text: str) -> Iterator[Candidate]:
    countries = ADDRESS_COUNTRIES if re.search(r"\d", text) else ()  # pyap needs a number
    for country in countries:
        for address in pyap.parse(text, country=country):
            yield Candidate(address.match_start, address.match_end, PhiKind.ADDRESS, 3)
    for pattern in ADDRESS_PATTERNS:
        for match in pattern.finditer(text):
            group = "value" if "value" in pattern.groupindex else 0
            yield Candidate(match.start(group), match.end(group), PhiKind.ADDRESS, 3)


def _dates(text: str) -> Iterator[Candidate]:
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            yield Candidate(match.start(), match.end(), PhiKind.DATE, 4)


def _phones(text: str) -> Iterator[Candidate]:
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            digits = sum(char.isdigit() for char in match.raw_string)
            if (
                match.raw_string.startswith("+")
                or digits >= MIN_UNCUED_PHONE_DIGITS
                or phonenumbers.is_valid_number(match.number)
            ):
                yield Candidate(match.start, match.end, PhiKind.PHONE, 5)
    for match in PHONE_CUED.finditer(text):
        yield Candidate(match.start("value"), match.end("value"), PhiKind.PHONE, 5)


def _names(text: str) -> Iterator[Candidate]:
    tokens: set[str] = set()
    for pattern in NAME_CUES:
        for match in pattern.finditer(text):
            start = match.start("name")
            end = _name_end(text, start, match.end("name"))
            if start < end:
                tokens.update(re.findall(_NAME_TOKEN, text[start:end]))
                yield Candidate(start, end, PhiKind.NAME, 6)
    for token in sorted(tokens):
        if len(token) >= MIN_PROPAGATED_NAME_LENGTH and token not in NOT_NAMES:
            for match in re.finditer(rf"\b{re.escape(token)}\b", text):
                yield Candidate(match.start(), match.end(), PhiKind.NAME, 7)


def _name_end(text: str, start: int, end: int) -> int:
    """Where a run of capitalised words stops being a name: before ``Monday``, ``The``..."""
    kept_end = start
    for token in re.finditer(_NAME_TOKEN, text[start:end]):
        if token.group() in NOT_NAMES:
            break
        kept_end = start + token.end()
    return kept_end
