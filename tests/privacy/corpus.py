"""A seeded synthetic corpus for measuring redaction against HIPAA Safe Harbor, and its scoring.

Each identifier type that occurs in free text (45 CFR 164.514(b)(2)) is written into messages
at the start, middle and end, in several casings, next to clinical words. Identifier-free
messages are full of clinical words, function words, sentence starters, capitalised words after
greetings, states (which Safe Harbor keeps) and month or weekday words that are not dates.

The values do not come from the lists the redactor looks names and places up in (the 1990 US
Census name lists of ``names`` and the ZIP table of ``zipcodes``): people's names and street
names come from Faker's en_US and en_GB lists (drawn from other sources: Social Security
baby-name and later census lists), and towns and counties from a list typed here. All values
are made up or public place names; phone numbers are in the fictional 555-01xx range.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker

from workbench.privacy import find_phi

SAFE_HARBOR_TYPES = (
    "name",
    "street_address",
    "city",
    "county",
    "zip_code",
    "date",
    "age_over_89",
    "phone",
    "fax",
    "email",
    "ssn",
    "medical_record",
    "health_plan",
    "account",
    "licence",
    "vehicle",
    "device",
    "url",
    "ip_address",
    "other_id",
)
CASINGS = ("as_written", "lower", "upper")
TARGETS = {"recall_min": 0.95, "precision": 0.95, "messages_per_second": 2000.0}

CITIES = (
    "Boston", "Chicago", "Houston", "Phoenix", "Philadelphia", "San Antonio", "San Diego",
    "Dallas", "Austin", "Jacksonville", "Columbus", "Charlotte", "Indianapolis", "Seattle",
    "Denver", "Nashville", "Portland", "Las Vegas", "Memphis", "Louisville", "Baltimore",
    "Milwaukee", "Albuquerque", "Tucson", "Fresno", "Sacramento", "Atlanta", "Omaha", "Raleigh",
    "Miami", "Minneapolis", "Tulsa", "Cleveland", "Wichita", "New Orleans", "Pittsburgh",
    "Cincinnati", "Toledo", "Buffalo", "Madison", "Boise", "Spokane", "Des Moines", "Akron",
    "Little Rock", "Tallahassee", "Knoxville", "Worcester", "Providence", "Chattanooga",
    "Eugene", "Salem", "Fort Collins", "Ann Arbor", "Gainesville", "Flagstaff", "Bozeman",
    "Burlington", "Duluth", "Missoula", "Scranton", "Bangor", "Asheville", "Tuscaloosa",
    "Kalamazoo", "Yakima", "Pueblo", "Lubbock", "Amarillo", "Savannah", "Springfield",
    "Fargo", "Billings", "Cheyenne", "Juneau", "Anchorage", "Honolulu", "Santa Fe", "Reno",
)  # fmt: skip
COUNTIES = (
    "Cook", "Harris", "Maricopa", "King", "Wayne", "Cuyahoga", "Fulton", "Travis", "Dane",
    "Hennepin", "Multnomah", "Allegheny", "Suffolk", "Middlesex", "Essex", "Orange", "Kern",
    "Pima", "Bexar", "Tarrant", "Polk", "Douglas", "Jefferson", "Lancaster", "Washtenaw",
)  # fmt: skip
STATES = (
    "Texas", "Ohio", "California", "Florida", "Oregon", "Maine", "Georgia", "Virginia",
    "Arizona", "Michigan", "Montana", "Nevada", "Alaska", "Vermont", "Iowa", "Utah",
)  # fmt: skip
STATE_CODES = ("MA", "IL", "TX", "AZ", "PA", "CA", "WA", "CO", "TN", "OR", "GA", "OH", "WI")

CLINICAL = (
    "I feel hopeless and I can't sleep.",
    "My PHQ-9 score was 14 and my GAD-7 was 11.",
    "I took 20 mg of sertraline this morning.",
    "The panic attacks are getting worse.",
    "I missed my appointment because I was anxious.",
    "I have been having thoughts of self-harm again.",
    "My mood is 3/10 today.",
    "I started CBT three weeks ago.",
    "The voices came back last night.",
    "I haven't eaten properly in 2 days.",
    "Please help, I don't know who else to ask.",
    "My therapist changed my dose of Fluoxetine.",
)

# Identifier-free messages: each a template filled from the lists below.
CLEAN_TEMPLATES = (
    "Hi, Is anyone there?",
    "Hello, Can someone help me tonight?",
    "Hey, Will this ever get better?",
    "Hi there, Anyone awake? I feel awful.",
    "May I ask a question about my {drug} dose?",
    "I feel worse every {weekday}, especially after work.",
    "{starter} I feel {feeling} and {clinical_lower}",
    "{starter} the {clinical_word} is not helping.",
    "Since {year} I have been on {drug} and it helps a bit.",
    "I moved to {state} last year and I have no friends there.",
    "My PHQ-9 score went from {score} to {score2} in {weeks} weeks.",
    "{clinical}",
    "{starter} {clinical_lower}",
    "Will the {clinical_word} make me feel {feeling}?",
    "Grace period for the {clinical_word} bill ends soon, I'm so {feeling}.",
    "Sunday was the hardest day. {clinical}",
    "I went to A&E at {hour}am. {clinical}",
    "{starter} Nobody at the ER listened to me.",
    "Mark my words, I will not go back to {state}.",
    "My DBT group meets on {weekday} evenings at {hour}:30.",
    "Are you there? {starter} I can't cope with the {clinical_word}.",
    "Thanks for listening. {clinical}",
    "Christmas and Easter are always hard for me.",
    "I take {dose} mg of {drug} twice a day.",
    "I'M SO {feeling_upper} AND I CAN'T STOP SHAKING.",
    "i feel {feeling} and i don't want to talk to anyone.",
    "In {month_word} I want to try {clinical_word} again.",
    "The {clinical_word} team said I should call back on {weekday}.",
)
STARTERS = (
    "Honestly,", "Sometimes", "Lately", "Today", "Tonight", "Maybe", "Yesterday", "Still,",
    "Well,", "So", "Also,", "Anyway,", "Right now", "Even so,", "Again,", "Please,",
)  # fmt: skip
FEELINGS = ("hopeless", "anxious", "numb", "exhausted", "scared", "low", "empty", "restless")
CLINICAL_WORDS = (
    "medication", "therapy", "sertraline", "lithium", "crisis line", "inpatient unit",
    "counselling", "PHQ-9", "assessment", "discharge plan", "group session", "referral",
)  # fmt: skip
DRUGS = ("sertraline", "Prozac", "lithium", "quetiapine", "Zoloft", "olanzapine", "Lexapro")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_WORDS = ("spring", "the summer", "the new year", "autumn")

NAME_TEMPLATES = (
    ("{v} told me to stop texting her.", "as_written"),
    ("I keep thinking about what {v} said to me.", "as_written"),
    ("Can you tell {v} that I'm sorry?", "as_written"),
    ("{v} and I had a huge fight last night.", "as_written"),
    ("I live with {v} and she doesn't know.", "as_written"),
    ("Is {v} still my key worker?", "as_written"),
    ("My name is {v} and {clinical_lower}", "any"),
    ("Hi, I'm {v}. {clinical}", "as_written"),
    ("Dear Dr {last}, {clinical}", "as_written"),
    ("{clinical} Thanks, {v}", "as_written"),
    ("My sister {v} says {clinical_lower}", "as_written"),
    ("{clinical} {v} can't know about this.", "as_written"),
    ("I MISS {v} SO MUCH.", "upper"),
)
PLACE_TEMPLATES = {
    "city": (
        "I was born in {v} and {clinical_lower}",
        "We moved from {v} last year. {clinical}",
        "{clinical} I'm staying with my aunt in {v}.",
        "{v} feels so lonely since the breakup.",
        "I drove to {v} and back without sleeping.",
        "Is there a crisis team near {v}?",
    ),
    "county": (
        "I was sent to the {v} County crisis unit.",
        "{clinical} The {v} County clinic has a waitlist.",
        "{v} County social services called me.",
        "I live in {v} County.",
    ),
    "zip_code": (
        "My zip code is {v}. {clinical}",
        "{clinical} My address ends {state_code} {v}.",
        "zip {v}, if the letter needs it.",
        "Is there a clinic near {v}? {clinical}",
        "Postal code: {v}",
    ),
    "street_address": (
        "I live at {v}. {clinical}",
        "{clinical} Send the letter to {v}.",
        "{v} is where I'm staying now.",
        "My new address is {v}, {state_code}.",
    ),
}
ID_TEMPLATES = {
    "date": (
        "I was born on {v}. {clinical}",
        "{clinical} My appointment is on {v}.",
        "DOB {v}",
        "{v} was the day I was admitted.",
        "I was discharged {v} and {clinical_lower}",
    ),
    "age_over_89": (
        "My grandmother is {v} and I am her carer.",
        "My grandfather, aged {v}, lives with us.",
        "{clinical} I'm {v} and I live alone.",
        "The patient is {v}.",
        "Age: {v}. {clinical}",
    ),
    "phone": (
        "Call me on {v}. {clinical}",
        "{clinical} My number is {v}.",
        "{v} is my mobile if you need me.",
        "you can reach me at {v}",
    ),
    "fax": (
        "Please fax the form to {v}.",
        "{clinical} Fax: {v}",
        "Our fax number is {v} for the records.",
    ),
    "email": (
        "Email me at {v}. {clinical}",
        "{clinical} My email is {v}.",
        "{v} is the best way to reach me.",
    ),
    "ssn": (
        "My SSN is {v}. {clinical}",
        "{clinical} social security number {v}",
        "Social Security: {v}",
        "{v} is my social, do you need it?",
    ),
    "medical_record": (
        "My MRN is {v}. {clinical}",
        "{clinical} Medical record number {v}.",
        "mrn: {v}",
        "Chart number {v} at the hospital.",
    ),
    "health_plan": (
        "My health plan member ID is {v}. {clinical}",
        "{clinical} Medicaid ID {v}.",
        "Insurance ID: {v}",
        "Medicare number {v} was rejected.",
    ),
    "account": (
        "My account number is {v}. {clinical}",
        "{clinical} Billing account {v}.",
        "acct # {v}",
    ),
    "licence": (
        "My driver's license number is {v}.",
        "{clinical} License no. {v}",
        "Her nursing licence number is {v}.",
        "DEA number {v}",
    ),
    "vehicle": (
        "My car's VIN is {v}. {clinical}",
        "{clinical} License plate {v}.",
        "The plate number was {v}.",
        "VIN: {v}",
    ),
    "device": (
        "My insulin pump serial number is {v}.",
        "{clinical} Pacemaker serial {v}.",
        "Device ID: {v}",
        "The CPAP serial no. {v} is broken.",
    ),
    "url": (
        "My blog is {v}. {clinical}",
        "{clinical} I posted about it on {v}",
        "{v} has my story.",
    ),
    "ip_address": (
        "My IP address is {v}. {clinical}",
        "{clinical} The login came from {v}.",
        "{v} shows up in the app log.",
    ),
    "other_id": (
        "My case number is {v}. {clinical}",
        "{clinical} Claim number {v}.",
        "Employee ID {v}",
        "Prescription number {v} is ready.",
        "Student ID: {v}. {clinical}",
    ),
}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
STREET_VALUE_TEMPLATES = ("{n} {street}", "{n} {street}, Apt {unit}", "{n} {street} Suite {unit}")


@dataclass(frozen=True)
class Identifier:
    """One identifier planted in a message: its Safe Harbor type and where it sits."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Message:
    """A synthetic message and the identifiers planted in it (none for identifier-free ones)."""

    text: str
    identifiers: tuple[Identifier, ...] = ()
    casing: str = "as_written"


def make_corpus(*, seed: int, per_type: int, clean: int) -> tuple[list[Message], list[Message]]:
    """``per_type`` messages for each Safe Harbor type, and ``clean`` identifier-free ones."""
    rng = random.Random(seed)
    fakers = [Faker(locale) for locale in ("en_US", "en_GB")]
    for number, faker in enumerate(fakers):
        faker.seed_instance(seed + number)
    values = _value_makers(rng, fakers)
    with_phi = [
        _phi_message(kind, rng, fakers, values[kind])
        for kind in SAFE_HARBOR_TYPES
        for _ in range(per_type)
    ]
    return with_phi, [_clean_message(rng) for _ in range(clean)]


def score(with_phi: list[Message], clean: list[Message]) -> dict:
    """Per-type recall (an identifier counts as found when every letter and digit of it lies
    inside a found span), precision of the found spans, and the share of identifier-free
    messages left unchanged."""
    found_by_kind: Counter[str] = Counter()
    total_by_kind: Counter[str] = Counter()
    true_spans = false_spans = 0
    missed: list[str] = []
    for message in with_phi + clean:
        spans = find_phi(message.text)
        covered = {i for span in spans for i in range(span.start, span.end)}
        for identifier in message.identifiers:
            total_by_kind[identifier.kind] += 1
            needed = {
                i for i in range(identifier.start, identifier.end) if message.text[i].isalnum()
            }
            if needed <= covered:
                found_by_kind[identifier.kind] += 1
            else:
                missed.append(f"{identifier.kind}: {message.text}")
        for span in spans:
            if any(span.start < i.end and i.start < span.end for i in message.identifiers):
                true_spans += 1
            else:
                false_spans += 1
    untouched = sum(not find_phi(message.text) for message in clean)
    recall = {kind: found_by_kind[kind] / total_by_kind[kind] for kind in SAFE_HARBOR_TYPES}
    return {
        "recall": recall,
        "recall_min": min(recall.values()),
        "precision": true_spans / max(1, true_spans + false_spans),
        "clean_untouched": untouched / max(1, len(clean)),
        "identifiers": sum(total_by_kind.values()),
        "false_spans": false_spans,
        "missed_examples": missed[:40],
    }


def _value_makers(rng: random.Random, fakers: list[Faker]) -> dict[str, Callable[[], str]]:
    def digits(count: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(count))

    def letters(count: int) -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(count))

    def faker() -> Faker:
        return rng.choice(fakers)

    def name() -> str:
        person = faker()
        choice = rng.random()
        if choice < 0.4:
            return person.first_name()
        if choice < 0.9:
            return f"{person.first_name()} {person.last_name()}"
        return f"{person.first_name()} {rng.choice(string.ascii_uppercase)}. {person.last_name()}"

    def date() -> str:
        month, day, year = rng.randrange(1, 13), rng.randrange(1, 29), rng.randrange(1940, 2026)
        word = MONTHS[month - 1]
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
        return rng.choice(
            (
                f"{month:02d}/{day:02d}/{year}",
                f"{month}/{day}/{year % 100:02d}",
                f"{year}-{month:02d}-{day:02d}",
                f"{word} {day}, {year}",
                f"{day} {word} {year}",
                f"{word} {day}{suffix}",
                f"{day}{suffix} of {word}",
                f"{word[:3]} {day}",
                f"{day}.{month}.{year}",
                f"{word} {year}",
            )
        )

    def age() -> str:
        years = rng.randrange(90, 110)
        return rng.choice(
            (
                f"{years} years old",
                f"{years}",
                f"{years} yrs old",
                f"{years}-year-old",
                f"{years} y/o",
            )
        )

    def phone() -> str:
        area, line = rng.choice(("312", "617", "206", "415", "713")), f"01{digits(2)}"
        return rng.choice(
            (
                f"({area}) 555-{line}",
                f"{area}-555-{line}",
                f"{area}.555.{line}",
                f"+1 {area} 555 {line}",
                f"{area}555{line}",
                f"1-{area}-555-{line}",
            )
        )

    def email() -> str:
        person = faker()
        user = rng.choice(
            (
                f"{person.first_name()}.{person.last_name()}",
                f"{person.last_name()}{digits(2)}",
                f"{person.first_name()[0]}{person.last_name()}",
            )
        ).lower()
        return f"{user}@{rng.choice(('example.com', 'example.org', 'mail.example.net'))}"

    def ssn() -> str:
        area, group, serial = f"{rng.randrange(1, 665):03d}", digits(2), digits(4)
        return rng.choice(
            (
                f"{area}-{group}-{serial}",
                f"{area} {group} {serial}",
                f"{area}{group}{serial}",
            )
        )

    def record_number() -> str:
        return rng.choice(
            (
                digits(8),
                f"{letters(2)}{digits(6)}",
                f"{digits(3)}-{digits(4)}",
                f"{letters(1)}{digits(7)}",
            )
        )

    def health_plan() -> str:
        return rng.choice(
            (
                f"{letters(3)}{digits(9)}",
                f"{digits(8)}{letters(1)}",
                f"{digits(1)}{letters(2)}{digits(1)}-{letters(2)}{digits(1)}-"
                f"{letters(2)}{digits(2)}",
                f"{letters(1)}{digits(8)}",
            )
        )

    def account() -> str:
        return rng.choice((digits(10), f"{digits(4)}-{digits(4)}-{digits(2)}", digits(12)))

    def licence() -> str:
        return rng.choice(
            (
                f"{letters(1)}{digits(7)}",
                f"{letters(2)}{digits(7)}",
                f"RN{digits(6)}",
                f"{digits(3)}-{digits(3)}-{digits(3)}",
            )
        )

    def vehicle() -> str:
        vin_chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return rng.choice(
            (
                "".join(rng.choice(vin_chars) for _ in range(17)),
                f"{digits(1)}{letters(3)}{digits(3)}",
                f"{letters(3)}-{digits(4)}",
                f"{letters(2)}{digits(2)} {letters(3)}",
            )
        )

    def device() -> str:
        return rng.choice(
            (
                f"SN-{letters(2)}{digits(6)}",
                f"{letters(3)}{digits(7)}",
                f"{digits(4)}-{letters(2)}-{digits(4)}",
                f"{letters(1)}{digits(9)}",
            )
        )

    def url() -> str:
        person = faker()
        host = f"{person.last_name().lower()}{rng.choice(('', 'notes', 'blog'))}"
        return rng.choice(
            (
                f"https://{host}.example.com/posts/{digits(3)}",
                f"www.{host}.example.org",
                f"http://example.net/~{person.first_name().lower()}",
                f"{host}.example.com/about",
            )
        )

    def ip_address() -> str:
        if rng.random() < 0.2:
            return f"2001:db8:{digits(2)}::{rng.randrange(1, 255):x}"
        return ".".join(str(rng.randrange(1, 255)) for _ in range(4))

    def other_id() -> str:
        return rng.choice(
            (
                f"{rng.randrange(2015, 2026)}-{digits(5)}",
                f"E{digits(6)}",
                f"RX {digits(4)}-{digits(3)}",
                f"{letters(2)}-{digits(7)}",
                digits(9),
            )
        )

    def street_address() -> str:
        person = faker()
        return rng.choice(STREET_VALUE_TEMPLATES).format(
            n=rng.randrange(1, 9999), street=person.street_name(), unit=rng.randrange(1, 40)
        )

    return {
        "name": name,
        "street_address": street_address,
        "city": lambda: rng.choice(CITIES),
        "county": lambda: rng.choice(COUNTIES),
        "zip_code": lambda: digits(5) if rng.random() < 0.8 else f"{digits(5)}-{digits(4)}",
        "date": date,
        "age_over_89": age,
        "phone": phone,
        "fax": phone,
        "email": email,
        "ssn": ssn,
        "medical_record": record_number,
        "health_plan": health_plan,
        "account": account,
        "licence": licence,
        "vehicle": vehicle,
        "device": device,
        "url": url,
        "ip_address": ip_address,
        "other_id": other_id,
    }


def _phi_message(
    kind: str, rng: random.Random, fakers: list[Faker], value_of: Callable[[], str]
) -> Message:
    if kind == "name":
        template, casing = rng.choice(NAME_TEMPLATES)
        if casing == "any":
            casing = rng.choice(CASINGS)
        value = value_of()
        if "{last}" in template:
            template, value = template.replace("{last}", "{v}"), rng.choice(fakers).last_name()
    else:
        template = rng.choice(PLACE_TEMPLATES.get(kind) or ID_TEMPLATES[kind])
        value = value_of()
        casing = rng.choice(CASINGS) if kind not in ("city", "county") else "as_written"
    clinical = rng.choice(CLINICAL)
    fill = {
        "clinical": clinical,
        "clinical_lower": clinical[0].lower() + clinical[1:],
        "state_code": rng.choice(STATE_CODES),
    }
    before, _, after = template.partition("{v}")
    before, after = before.format(**fill), after.format(**fill)
    if kind == "county":
        value = f"{value} County"
        after = after.removeprefix(" County")
    text = _cased(before + value + after, casing)
    identifier = Identifier(kind, len(before), len(before) + len(value))
    return Message(text=text, identifiers=(identifier,), casing=casing)


def _cased(text: str, casing: str) -> str:
    if casing == "lower":
        return text.lower()
    if casing == "upper":
        return text.upper()
    return text


def _clean_message(rng: random.Random) -> Message:
    clinical = rng.choice(CLINICAL)
    feeling = rng.choice(FEELINGS)
    text = rng.choice(CLEAN_TEMPLATES).format(
        clinical=clinical,
        clinical_lower=clinical[0].lower() + clinical[1:],
        starter=rng.choice(STARTERS),
        feeling=feeling,
        feeling_upper=feeling.upper(),
        clinical_word=rng.choice(CLINICAL_WORDS),
        drug=rng.choice(DRUGS),
        weekday=rng.choice(WEEKDAYS),
        month_word=rng.choice(MONTH_WORDS),
        state=rng.choice(STATES),
        year=rng.randrange(2005, 2026),
        score=rng.randrange(5, 27),
        score2=rng.randrange(5, 27),
        weeks=rng.randrange(2, 12),
        hour=rng.randrange(1, 12),
        dose=rng.choice((5, 10, 20, 50, 100)),
    )
    return Message(text=text)
