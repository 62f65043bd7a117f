"""Lists of people's names and US places, read once from packages that ship them (no download).

First names and surnames are the 1990 US Census lists in the ``names`` package (MIT); towns and
cities are those of the US ZIP code table in the ``zipcodes`` package (MIT). Words that are also
common English words ("Will", "Hope", "Mobile") are left to the cued patterns.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import zipcodes

NAME_FILES = ("dist.male.first", "dist.female.first")
SURNAME_FILE = "dist.all.last"
MIN_ZIP_CODES_OF_A_CITY = 5  # a town with this many ZIP codes is a city: found without a cue

US_STATES = frozenset(
    """
    Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia
    Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts
    Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon
    Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming America
    """.split()
) | {
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "Puerto Rico",
    "District of Columbia",
}  # fmt: skip

# Function words, sentence starters and calendar words: never part of a name or a place.
FUNCTION_WORDS = frozenset(
    """
    a about above after again against all also am an and any anyone anything anyway are around
    as at away back be because been before being below between both but by can cannot could did
    do does doing done down during each else even ever every few for from further get go going
    good had has have having he her here hers herself him himself his how i if in into is it its
    itself just let like lately long made make man many may maybe me might mine more most much
    must my myself never new next no nobody nor not nothing now of off ok okay on once one only
    or other our ours out over own please really right same see seem she should since so some
    someone something sometimes soon still such than thank thanks that the their theirs them
    then there these they this those though through to today tomorrow tonight too under until
    up upon us very was we well were what when where which while who whom why will with would
    yes yesterday yet you your yours yourself honestly hi hello hey dear sorry
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december christmas easter spring summer autumn fall
    winter season
    """.split()
)
# Names and towns that are also everyday words: a name or a place only with a cue.
WORD_NAMES = frozenset(
    """
    will hope joy faith grace mark bill art guy rose dawn star ray drew don sue pat rob frank
    rich young major chance page carry song son miss patience charity constance precious unique
    royal king prince princess baby sugar love lovely angel sky rain river storm brook price
    bliss cherry violet hazel olive ginger misty sunny happy merry christian harmony destiny
    trinity honey crystal amber jade ruby pearl ivy holly daisy lily iris sterling hunter chase
    miles wade clay stone early gay sharp lane dale glen cliff cash gene wolf
    mobile normal friend crisis unity liberty independence hazard mercy commerce energy
    enterprise industry progress plain plains bath reading paradise eden heaven welcome
    """.split()
)
COMMON_WORDS = FUNCTION_WORDS | WORD_NAMES


@cache
def first_names() -> frozenset[str]:
    """First names of the 1990 US Census, title-cased, common words and states left out."""
    return frozenset(
        name
        for name in _census(NAME_FILES)
        if name.lower() not in COMMON_WORDS and name not in US_STATES
    )


@cache
def surnames() -> frozenset[str]:
    """Surnames of the 1990 US Census, title-cased (common words such as "King" included)."""
    return _census((SURNAME_FILE,))


@cache
def places() -> tuple[frozenset[str], frozenset[str]]:
    """US towns and cities of any size, and the cities among them (towns with many ZIP codes);
    states and common words left out. Counties are found by the word ``County``."""
    zip_codes_of: dict[str, int] = {}
    for row in zipcodes.list_all():
        for town in (row["city"], *row["acceptable_cities"]):
            zip_codes_of[town] = zip_codes_of.get(town, 0) + (town == row["city"])
    towns = {town for town in zip_codes_of if _is_place(town)}
    cities = {town for town in towns if zip_codes_of[town] >= MIN_ZIP_CODES_OF_A_CITY}
    return frozenset(towns), frozenset(cities)


def _census(files: tuple[str, ...]) -> frozenset[str]:
    folder = resources.files("names")
    found = set()
    for file in files:
        for line in folder.joinpath(file).read_text(encoding="ascii").splitlines():
            word = line.split(maxsplit=1)[0].title() if line.strip() else ""
            if len(word) > 1:
                found.add(word)
    return frozenset(found)


def _is_place(name: str) -> bool:
    return bool(name) and name not in US_STATES and name.lower() not in COMMON_WORDS
