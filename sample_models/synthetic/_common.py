"""Helpers shared by the synthetic generators: demographics, ids, phrases and message frames.

Everything here produces SYNTHETIC data from a seeded ``numpy.random.Generator``; no row
describes or was derived from a real person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

GENDERS = ("female", "male", "nonbinary")
GENDER_SHARES = (0.50, 0.42, 0.08)
ETHNICITIES = ("white", "black", "asian", "hispanic")
ETHNICITY_SHARES = (0.42, 0.24, 0.14, 0.20)
AGE_BANDS = ("18-25", "26-40", "41-65", "65+")
AGE_BAND_SHARES = (0.27, 0.35, 0.28, 0.10)
SPLITS = ("train", "eval")

# Marker words of African American English (AAE) used by the text generators. Real-world emotion
# and toxicity classifiers are known to over-flag AAE (Sap et al. 2019, Davidson et al. 2019);
# the synthetic data reproduces that pattern in a deliberately simplified form for teaching.
DIALECT_SENTENCES = (
    "Ion know who else to ask.",
    "I'm finna try again tomorrow.",
    "Deadass this been going on all week.",
    "Ion even know where to start.",
    "I'm finna just say it.",
    "Deadass I been thinking about this a lot.",
)
DIALECT_MARKERS = ("finna", "ion", "deadass")

_GENDER_NOUNS = {"female": "woman", "male": "man", "nonbinary": "nonbinary person"}
_ETHNIC_WORDS = {
    "white": {"female": "white", "male": "white", "nonbinary": "white"},
    "black": {"female": "black", "male": "black", "nonbinary": "black"},
    "asian": {"female": "asian", "male": "asian", "nonbinary": "asian"},
    "hispanic": {"female": "latina", "male": "latino", "nonbinary": "latinx"},
}
_IDENTITY_FRAMES = (
    "As a {who}, I wasn't sure if I should write here.",
    "I'm a {who}, if that matters.",
    "I am writing as a {who}.",
    "As a {who}, it is hard to find people who get it.",
)


def check_split(split: str) -> None:
    """Raise ValueError unless ``split`` is 'train' or 'eval'."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")


def synthetic_ids(prefix: str, split: str, n: int) -> list[str]:
    """Ids that mark every row as synthetic, e.g. ``SYN-CRISIS-T000123``."""
    letter = "T" if split == "train" else "E"
    return [f"SYN-{prefix}-{letter}{i:06d}" for i in range(n)]


def sample_demographics(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Synthetic gender, ethnicity and age band columns drawn independently."""
    return pd.DataFrame(
        {
            "gender": rng.choice(GENDERS, size=n, p=GENDER_SHARES),
            "ethnicity": rng.choice(ETHNICITIES, size=n, p=ETHNICITY_SHARES),
            "age_band": rng.choice(AGE_BANDS, size=n, p=AGE_BAND_SHARES),
        }
    )


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One option, uniformly."""
    return options[int(rng.integers(len(options)))]


def pick_weighted(rng: np.random.Generator, options: Sequence[tuple[str, float]]) -> str:
    """One option by weight, from (option, weight) pairs."""
    weights = np.asarray([w for _, w in options], dtype=float)
    return options[int(rng.choice(len(options), p=weights / weights.sum()))][0]


def identity_sentence(rng: np.random.Generator, who: str) -> str:
    """A neutral sentence in which the writer names an identity, e.g. 'as a gay man, ...'."""
    return pick(rng, _IDENTITY_FRAMES).format(who=who)


def ethnic_identity(gender: str, ethnicity: str) -> str:
    """Identity words consistent with the row's columns, e.g. 'black woman', 'latino man'."""
    return f"{_ETHNIC_WORDS[ethnicity][gender]} {_GENDER_NOUNS[gender]}"


def orientation_identity(gender: str, orientation: str) -> str:
    """Identity words for a sexual orientation, e.g. 'gay man', 'straight woman'."""
    return f"{orientation} {_GENDER_NOUNS[gender]}"


def other_identity(rng: np.random.Generator, gender: str, age_band: str) -> str:
    """Religion, disability or age identity words for varied counterfactual material."""
    options = [
        f"muslim {_GENDER_NOUNS[gender]}",
        f"jewish {_GENDER_NOUNS[gender]}",
        f"christian {_GENDER_NOUNS[gender]}",
        "wheelchair user",
        "deaf person",
        "student" if age_band in ("18-25", "26-40") else "retiree",
    ]
    return pick(rng, options)


def assemble(sentences: Sequence[str]) -> str:
    """Join sentences into one message; a sentence after a greeting ending in ',' starts lower."""
    parts: list[str] = []
    for sentence in (s.strip() for s in sentences if s.strip()):
        after_comma = bool(parts) and parts[-1].endswith(",") and not sentence.startswith("I")
        parts.append(sentence[0].lower() + sentence[1:] if after_comma else sentence)
    return " ".join(parts)


def write_messages(
    message: Callable[[str, pd.Series], tuple[str, str, bool]],
    labels: np.ndarray,
    demographics: pd.DataFrame,
) -> tuple[list[str], list[str], np.ndarray]:
    """Each row's message, identity term and whether it is in dialect, written in row order."""
    texts, terms, dialect = [], [], []
    for i, label in enumerate(labels):
        text, term, in_dialect = message(label, demographics.iloc[i])
        texts.append(text)
        terms.append(term)
        dialect.append(in_dialect)
    return texts, terms, np.asarray(dialect, dtype=bool)


def message_frame(
    prefix: str,
    split: str,
    *,
    texts: list[str],
    labels: np.ndarray,
    recorded: np.ndarray,
    demographics: pd.DataFrame,
    terms: list[str],
) -> pd.DataFrame:
    """A text generator's rows: id, text, true and recorded label, demographics, identity term."""
    return pd.DataFrame(
        {
            "id": synthetic_ids(prefix, split, len(texts)),
            "text": texts,
            "label": labels,
            "recorded_label": recorded,
            **{column: demographics[column] for column in demographics},
            "identity_term": terms,
        }
    )
