"""Finders for each kind of identifier: pyap2 (addresses), phonenumbers, the name and place
lists of :mod:`workbench.privacy._gazetteer`, and our own patterns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
import pyap

from workbench.privacy._gazetteer import (
    COMMON_WORDS,
    FUNCTION_WORDS,
    first_names,
    places,
    surnames,
)


class PhiKind(StrEnum):
    """Kinds of protected health information; the redacted text shows ``[KIND]``."""

    NAME = "NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    PLACE = "PLACE"
    URL = "URL"
    IP = "IP"
    DATE = "DATE"
    AGE = "AGE"
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
MIN_PHONE_DIGITS = 7  # phonenumbers is slow: not run on a message with fewer digits
DIGIT = re.compile(r"\d")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_PATTERNS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+\d{{4}}\b)?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+\d{{4}}\b)?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH},?\s+\d{{4}}\b", re.IGNORECASE),
    re.compile(  # "on 3/4", not a score such as "mood 3/10"
        r"(?i:\b(?:on|since|from|until|till|by|before|after)\s+)"
        r"(?P<value>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b(?![/\d])"
    ),
)
_OLD_AGE = r"(?P<value>(?:9\d|1[01]\d)(?:\s*-?\s*(?:years?|yrs?)(?:\s*-?\s*old)?|\s*y/?o)?)"
AGE_PATTERNS = (
    re.compile(r"(?i:\b(?:9\d|1[01]\d)\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*old\b|y/o\b|yo\b))"),
    re.compile(
        r"(?i:\b(?:aged?|age\s*:|i['’]?m|i\s+am|is|was|turned|turning|she['’]s|he['’]s)\s*)"
        rf"{_OLD_AGE}(?![\d.,]\d|\s*(?:%|mg|kg|lbs?|points?|percent|/|out\s+of))\b"
    ),
)
IP_PATTERNS = (
    re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"),
    re.compile(
        r"(?i:\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b"
        r"|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*\b)?)"
    ),
)

_ID_PIECE = r"[A-Za-z]*\d[A-Za-z0-9]*"
_ID_VALUE = (
    rf"(?P<value>(?:[A-Za-z]{{1,4}}[- ]?)?{_ID_PIECE}"
    rf"(?:-[A-Za-z0-9]+|\s(?={_ID_PIECE}\b){_ID_PIECE})*"
    r"(?:\s(?!(?:and|the|for|was|but|you|her|his|its|are|not|now|has|had)\b)[A-Za-z]{3}\b)?)\b"
)
_ID_SUFFIX = r"(?:number|num|no\.?|#|id|code)"
_ID_CUES = (
    r"MRN|SSN|NHS|CHI|NINO|ID|NI|VIN|DEA|NPI|medical\s+record|social\s+security|social"
    r"|national\s+insurance|medicaid|medicare|member|beneficiary|policy|insurance|account|acct"
    r"|billing|licen[cs]e(?:\s+plate)?|plate|serial|device|case|claim|chart|hospital|patient"
    r"|record|reference|client|file|employee|student|prescription|rx|passport|certificate"
    r"|permit|badge|confirmation|tracking|registration"
)
ID_CUED = re.compile(
    rf"(?i:\b(?:{_ID_CUES})(?:\s*{_ID_SUFFIX})?\s*(?:[:#-]|\bis\b|\bwas\b)?\s*(?:[:#]\s*)?)"
    rf"{_ID_VALUE}"
)
MIN_CUED_ID_DIGITS = 3  # or two digits in six letters and digits (a number plate: AB12 CDE)
MIN_CUED_PLATE_LENGTH = 6
ID_UNCUED = (
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    re.compile(r"\b\d{3} \d{2} \d{4}\b"),
    re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    re.compile(r"\b\d{7,}\b"),
    re.compile(r"\b[A-Za-z]{1,3}-?\d{6,}[A-Za-z]?\b"),
    re.compile(r"(?i:\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b)"),
)

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
URL_PATTERNS = (
    re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE),
    re.compile(
        r"\b(?:[A-Za-z0-9-]+\.)+(?:com|org|net|edu|gov|io|co|uk|us|info|health)\b"
        r"(?:/[^\s<>\"']*)?",
        re.IGNORECASE,
    ),
)
URL_TRAILING = ".,;:!?)]}'\""

PHONE_CUED = re.compile(
    r"(?i:\b(?:call|phone|mobile|cell|tel(?:ephone)?|text|ring|reach|contact)\b)"
    r"[^\d\n+]{0,20}?(?P<value>\+?\(?\d[\d ().-]{5,}\d)"
)

# USPS Publication 28 street suffixes, their usual abbreviations, and British street words.
_STREET_TYPES = (
    "Alley|Avenue|Ave|Av|Bend|Boulevard|Blvd|Branch|Bridge|Brook|Brooks|Burg|Burgs|Bypass|Camp"
    "|Canyon|Cape|Causeway|Center|Centers|Centre|Circle|Cir|Circles|Cliff|Cliffs|Close|Club|Common"
    "|Corner|Corners|Course|Court|Ct|Courts|Cove|Coves|Creek|Crescent|Cres|Crest|Crossing"
    "|Crossroad|Curve|Dale|Dam|Divide|Drive|Dr|Drives|Estate|Estates|Expressway|Extension"
    "|Extensions|Fall|Falls|Ferry|Field|Fields|Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork"
    "|Forks|Fort|Freeway|Garden|Gardens|Gateway|Glen|Glens|Green|Greens|Grove|Groves|Harbor"
    "|Harbour|Harbors|Haven|Heights|Highway|Hwy|Hill|Hills|Hollow|Inlet|Island|Islands|Isle"
    "|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|Land|Landing|Lane|Ln|Light|Lights|Loaf"
    "|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Meadow|Meadows|Mews|Mill|Mills|Mission|Motorway"
    "|Mount|Mountain|Mountains|Neck|Orchard|Oval|Overpass|Park|Parks|Parkway|Pkwy|Parkways"
    "|Pass|Passage|Path|Pike|Pine|Pines|Place|Pl|Plain|Plains|Plaza|Point|Points|Port|Ports"
    "|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|Ridge|Ridges|River|Road|Rd|Roads|Route|Row"
    "|Rue|Run|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|Square|Sq|Squares"
    "|Station|Stravenue|Stream|Street|St|Streets|Summit|Terrace|Ter|Throughway|Trace|Track"
    "|Trafficway|Trail|Trl|Tunnel|Turnpike|Underpass|Union|Unions|Valley|Valleys|Via|Viaduct"
    "|View|Views|Village|Villages|Ville|Vista|Walk|Walks|Wall|Way|Ways|Well|Wells|Wharf|Yard"
)
_NOT_STREET_WORDS = (
    r"the|a|an|in|of|to|and|or|for|my|at|on|with|from|by|is|was|mg|ml|days?|weeks?|hours?"
    r"|times?|miles?|minutes?|years?|months?|nights?|people|am|pm|i|me|it|so|but|more|than"
)
STREET = re.compile(
    rf"(?i:\b\d{{1,5}}[A-Za-z]?\s+(?:(?!(?:{_NOT_STREET_WORDS})\b)[A-Za-z][A-Za-z'’.-]*\s+){{1,3}}"
    rf"(?:{_STREET_TYPES})\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Flat|#)\.?\s*#?\w+)?)"
)
ADDRESS_PATTERNS = (
    STREET,
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?, ?[A-Z]{2} \d{5}(?:-\d{4})?\b"),
)
_STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH"
    "|NJ|NM|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
ZIP_CUED = re.compile(
    r"(?i:\b(?:zip|postal|post)(?:\s*code)?\s*(?:is|:|#)?\s*|\b(?:near|in|at|around)\s+"
    rf"|(?:,\s*[A-Z]{{2}}|\b(?:{_STATE_CODES}))\s+)"
    r"(?P<value>\d{5}(?:-\d{4})?)(?![\d-])"
)
ZIP_PLUS_FOUR = re.compile(r"\b\d{5}-\d{4}\b")
COUNTY = re.compile(r"\b(?:[A-Z][a-z]+\s+){0,2}[A-Z][a-z]+\s+(?:County|Parish)\b")
PLACE_CUES = frozenset(
    "in from to near at around outside visiting visit born live lives living moved of".split()
)
_WORD = re.compile(r"[A-Za-z]+(?:['’](?![sS]\b)[A-Za-z]+)*(?:-[A-Za-z]+)*")  # "Sarah" of "Sarah's"
MAX_PLACE_WORDS = 3
STATE_AFTER = re.compile(r",\s*[A-Z]{2}\b")  # "Madison, WI"

_NAME_TOKEN = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:-?[A-Z][a-z]+)*"  # one way to match: no backtracking
_NAME_RUN = rf"(?P<name>{_NAME_TOKEN}(?:\s+(?:[A-Z]\.\s+)?{_NAME_TOKEN}){{0,2}})"
_RELATIONS = (
    r"mum|mom|mother|dad|father|brother|sister|son|daughter|wife|husband|partner|boyfriend"
    r"|girlfriend|friend|fianc[eé]e?|therapist|psychiatrist|psychologist|counsell?or|doctor|gp"
    r"|nurse|social\s+worker|case\s+manager|care\s+coordinator|key\s+worker|carer|caregiver"
)
GREETING_CUE = re.compile(
    r"(?i:\b(?:hi|hello|hey|dear)\b[,!]?\s+(?:(?:i\s+am|i['’]m|it['’]s)\s+)?)"
    rf"{_NAME_RUN}"
)
NAME_CUES = (
    re.compile(rf"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Doctor)\.?\s+{_NAME_RUN}"),
    re.compile(
        r"(?i:\b(?:my\s+name\s+is|my\s+name's|name\s*:|patient\s*:|pt\s*:|this\s+is"
        rf"|call\s+me|signed)\s+){_NAME_RUN}"
    ),
    GREETING_CUE,
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
# "my name is" names a person in any casing ("my name is megan", "MY NAME IS MEGAN").
NAME_CUE_ANY_CASE = re.compile(
    r"(?i:\b(?:my\s+name\s+is|my\s+name['’]s|name\s*:)\s+"
    r"(?P<name>[a-z][a-z'’-]*)(?P<surname>\s+[a-z][a-z'’-]*)?)"
)
MIDDLE_INITIAL = re.compile(r"\s+[A-Z]\.\s+")
SPACE = re.compile(r"\s+")


def find_candidates(text: str) -> list[Candidate]:
    """Every stretch of ``text`` that some finder takes for PHI, overlaps included."""
    finders = ALL_FINDERS if DIGIT.search(text) else FINDERS_WITHOUT_DIGITS
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
        value = match.group("value")
        digits = sum(char.isdigit() for char in value)
        if digits >= MIN_CUED_ID_DIGITS or (
            digits == MIN_CUED_ID_DIGITS - 1
            and sum(char.isalnum() for char in value) >= MIN_CUED_PLATE_LENGTH
        ):
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


def _ips(text: str) -> Iterator[Candidate]:
    for pattern in IP_PATTERNS:
        for match in pattern.finditer(text):
            yield Candidate(match.start(), match.end(), PhiKind.IP, 2)


def _addresses(text: str) -> Iterator[Candidate]:
    countries = ADDRESS_COUNTRIES if STREET.search(text) else ()  # pyap is slow: only if worth it
    for country in countries:
        for address in pyap.parse(text, country=country):
            yield Candidate(address.match_start, address.match_end, PhiKind.ADDRESS, 3)
    for pattern in ADDRESS_PATTERNS:
        for match in pattern.finditer(text):
            group = "value" if "value" in pattern.groupindex else 0
            yield Candidate(match.start(group), match.end(group), PhiKind.ADDRESS, 3)


def _places(text: str) -> Iterator[Candidate]:
    """Counties, ZIP codes, and towns: a city anywhere, a smaller town after ``in``, ``from``..."""
    for match in COUNTY.finditer(text):
        yield Candidate(match.start(), match.end(), PhiKind.PLACE, 6)
    for match in ZIP_CUED.finditer(text):
        yield Candidate(match.start("value"), match.end("value"), PhiKind.PLACE, 6)
    for match in ZIP_PLUS_FOUR.finditer(text):
        yield Candidate(match.start(), match.end(), PhiKind.PLACE, 6)
    towns, cities = places()
    words = list(_WORD.finditer(text))
    for index, word in enumerate(words):
        if not word.group()[0].isupper():
            continue
        for length in range(min(MAX_PLACE_WORDS, len(words) - index), 0, -1):
            last = words[index + length - 1]
            name = text[word.start() : last.end()]
            if name in towns and (
                name in cities
                or (index > 0 and words[index - 1].group().lower() in PLACE_CUES)
                or STATE_AFTER.match(text, last.end())
            ):
                yield Candidate(word.start(), last.end(), PhiKind.PLACE, 6)
                break


def _ages(text: str) -> Iterator[Candidate]:
    for pattern in AGE_PATTERNS:
        for match in pattern.finditer(text):
            group = "value" if "value" in pattern.groupindex else 0
            yield Candidate(match.start(group), match.end(group), PhiKind.AGE, 4)


def _dates(text: str) -> Iterator[Candidate]:
    for pattern in DATE_PATTERNS:
        group = "value" if "value" in pattern.groupindex else 0
        for match in pattern.finditer(text):
            yield Candidate(match.start(group), match.end(group), PhiKind.DATE, 4)


def _phones(text: str) -> Iterator[Candidate]:
    regions = PHONE_REGIONS if len(DIGIT.findall(text)) >= MIN_PHONE_DIGITS else ()
    for region in regions:
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
            first = text[start:end].split(maxsplit=1)[0] if start < end else ""
            if pattern is GREETING_CUE and first.lower() in COMMON_WORDS:
                continue
            if start < end:
                tokens.update(re.findall(_NAME_TOKEN, text[start:end]))
                yield Candidate(start, end, PhiKind.NAME, 6)
    for match in NAME_CUE_ANY_CASE.finditer(text):
        if match.group("name").lower() in COMMON_WORDS:
            continue
        surname = match.group("surname")
        keep = surname and surname.strip().title() in surnames()
        end = match.end("surname" if keep else "name")
        yield Candidate(match.start("name"), end, PhiKind.NAME, 6)
    for start, end in _uncued_names(text):
        tokens.update(re.findall(_NAME_TOKEN, text[start:end]))
        yield Candidate(start, end, PhiKind.NAME, 7)
    for token in sorted(tokens):
        if len(token) >= MIN_PROPAGATED_NAME_LENGTH and token not in NOT_NAMES:
            for match in re.finditer(rf"\b{re.escape(token)}\b", text):
                yield Candidate(match.start(), match.end(), PhiKind.NAME, 7)


def _uncued_names(text: str) -> Iterator[tuple[int, int]]:
    """A census first name, with the capitalised word after it (a middle initial between);
    or an unknown capitalised word followed by a census surname. In a message written all in
    capitals, a census first name and the census surname after it."""
    shouting = not any(char.islower() for char in text)
    known, family = first_names(), surnames()
    words = list(_WORD.finditer(text))
    index = 0
    while index < len(words):
        given = _capitalised(words[index].group(), shouting=shouting)
        following = _surname_after(text, words, index, shouting=shouting)
        if given in known or (
            given is not None
            and not shouting
            and given.lower() not in COMMON_WORDS
            and given not in NOT_NAMES
            and following is not None
            and _capitalised(words[following].group(), shouting=shouting) in family
        ):
            last = index if following is None else following
            yield words[index].start(), words[last].end()
            index = last
        index += 1


def _surname_after(
    text: str, words: list[re.Match[str]], index: int, *, shouting: bool
) -> int | None:
    """The position of the capitalised word after ``words[index]`` (past a space, or a middle
    initial such as ``J.``), if it can be a surname."""
    end = words[index].end()
    initial = MIDDLE_INITIAL.match(text, end)
    following = index + 2 if initial else index + 1
    if following >= len(words):
        return None
    gap = initial or SPACE.match(text, end)
    if gap is None or gap.end() != words[following].start():
        return None
    surname = _capitalised(words[following].group(), shouting=shouting)
    if surname is None or surname.lower() in FUNCTION_WORDS or surname in NOT_NAMES:
        return None
    if shouting and surname not in surnames():
        return None
    return following


def _capitalised(word: str, *, shouting: bool) -> str | None:
    """``word`` as a name would be written ("Megan"), or None if it is not capitalised."""
    if shouting:
        return word.title() if len(word) > 2 else None
    if word[0].isupper() and not word.isupper():
        return word
    return None


def _name_end(text: str, start: int, end: int) -> int:
    """Where a run of capitalised words stops being a name: before ``Monday``, ``The``..."""
    kept_end = start
    for token in re.finditer(_NAME_TOKEN, text[start:end]):
        if token.group() in NOT_NAMES:
            break
        kept_end = start + token.end()
    return kept_end


FINDERS_WITHOUT_DIGITS = (_emails, _urls, _places, _names)
ALL_FINDERS = (_ids, _emails, _urls, _ips, _addresses, _places, _dates, _ages, _phones, _names)
