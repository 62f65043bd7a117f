"""SYNTHETIC messages to a mental-health support service, labelled routine or urgent.

Every message is assembled by seeded code from the phrase lists below; none was written by or
about a real person. Urgent means the message needs same-day follow-up by a clinician.

Two biases are injected on purpose, so that the workbench has something to find:

* label bias: a share of truly urgent messages from black patients is *recorded* as routine
  (``recorded_label``), as if they had been under-recognised by the people who triaged them.
  Black patients' messages carry group cues (dialect markers, identity mentions), so a model
  trained on ``recorded_label`` misses more of their urgent messages.
* spurious correlation: in the training split, messages that say "gay" are mostly urgent ones;
  in the evaluation split the term is independent of the label.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sample_models.synthetic._common import (
    DIALECT_MARKERS,
    DIALECT_SENTENCES,
    assemble,
    check_split,
    ethnic_identity,
    identity_sentence,
    message_frame,
    orientation_identity,
    other_identity,
    pick,
    pick_weighted,
    sample_demographics,
    write_messages,
)

CLASSES = ("routine", "urgent")
URGENT_SHARE = 0.40
CLEAR_SHARE = 0.64  # the rest (36%) are ambiguous: no planted signal phrase of their class
SECOND_CLEAR_SHARE = 0.25
CROSS_WORD_SHARE = 0.10  # clear messages whose signal comes with the other class's words
MIXED_SHARE = 0.20  # clear urgent messages that also carry a routine request (urgency wins)
UNDER_RECORDED_GROUP = ("ethnicity", "black")
# Share of the group's truly urgent messages recorded as routine, higher when the message is
# written in dialect (the triage bias reacted to how a message reads); about 0.38 overall.
UNDER_RECORDED_SHARE = {"dialect": 0.55, "other": 0.12}
DIALECT_SHARE = {"black": 0.60}
DIALECT_SHARE_OTHERS = 0.04
SPURIOUS_TERM = "gay"
SPURIOUS_TRAIN_SHARE = {"urgent": 0.18, "routine": 0.015}
SPURIOUS_EVAL_SHARE = 0.05
STRAIGHT_SHARE = 0.03
OTHER_ORIENTATIONS = ("bisexual", "queer")  # label-independent, so swaps have in-vocabulary words
OTHER_ORIENTATION_SHARE = 0.03
ETHNIC_IDENTITY_SHARE = 0.07
OTHER_IDENTITY_SHARE = 0.06

SIGNAL_WORDS = {
    "urgent": [
        "end it",
        "overdose",
        "pills",
        "goodbye",
        "can't go on",
        "tonight",
        "hopeless",
        "hurt myself",
    ],
    "routine": [
        "appointment",
        "reschedule",
        "refill",
        "prescription",
        "form",
        "invoice",
        "parking",
    ],
}

URGENT_CLEAR = (
    "I can't go on like this anymore.",
    "I want to end it tonight.",
    "I have been saving my pills and I think tonight is the night.",
    "I took a lot of pills, I think it was an overdose.",
    "This is my goodbye, thank you for trying.",
    "Everything feels hopeless and I want to hurt myself.",
    "I keep thinking about how to end it.",
    "I wrote goodbye letters to my family.",
    "I hurt myself again last night and it is worse this time.",
    "I feel hopeless and I can't go on.",
    "I'm scared I will hurt myself tonight.",
    "I have a plan to end it.",
    "I just want to say goodbye before I go.",
    "I think about an overdose every day now.",
)
ROUTINE_CLEAR = (
    "Could I reschedule my appointment to next week?",
    "I need a refill of my prescription before Friday.",
    "Where do I send the insurance form?",
    "I got an invoice that looks wrong, can someone check it?",
    "Is there parking near the clinic?",
    "Can you confirm my appointment time on Thursday?",
    "My pharmacy says the prescription has not arrived yet.",
    "Please update my address on the form.",
    "Can I move my appointment to the afternoon?",
    "The parking machine at the clinic took my card.",
    "I paid the invoice but it still shows as open.",
    "Do I need a new form for the refill?",
    "Can my prescription be sent to a different pharmacy?",
    "I need to reschedule because of work.",
)
# Hard cases: the message's class is clear to a person, but the words belong to the other class.
URGENT_WITH_ROUTINE_WORDS = (
    "I can't wait until my appointment, I need help now.",
    "I have my whole prescription here and I'm thinking of taking all of it.",
    "Forget the form, I'm not safe right now.",
    "Cancel my appointment, there's no point anymore.",
)
ROUTINE_WITH_URGENT_WORDS = (
    "My sleeping pills ran out, can I get more?",
    "Can someone call me tonight about my bill?",
    "The parking situation is hopeless, honestly.",
    "I have to say goodbye to my therapist when I move, can you recommend someone?",
)
# Ambiguous sentences, with a weight of being used in an urgent and in a routine message.
AMBIGUOUS = (
    ("I've been feeling really low lately.", 4.0, 1.0),
    ("I need to talk to someone.", 4.0, 1.0),
    ("I'm struggling with everything at the moment.", 4.0, 1.0),
    ("Nothing seems to help anymore.", 4.0, 1.0),
    ("Is anyone there?", 3.0, 1.0),
    ("I had a bad night.", 3.0, 1.0),
    ("I'm not doing great.", 3.0, 1.0),
    ("Things have been hard this week.", 2.0, 2.0),
    ("I haven't been sleeping well.", 2.0, 2.0),
    ("My therapist is away and I don't know who to contact.", 2.0, 2.0),
    ("I stopped taking my medication.", 2.0, 2.0),
    ("I'm tired of all of this.", 2.0, 2.0),
    ("My family doesn't understand.", 2.0, 2.0),
    ("Can someone call me back today?", 2.0, 2.0),
    ("Please get back to me when you can.", 1.0, 4.0),
    ("I'm not sure this is the right place to ask.", 1.0, 4.0),
    ("I just need some advice.", 1.0, 4.0),
    ("Work has been really stressful.", 1.0, 3.0),
    ("I have a quick question.", 1.0, 4.0),
)
GREETINGS = ("Hi,", "Hello,", "Hey,", "Good morning,", "Hi there,")
FILLER = (
    "Sorry for the long message.",
    "I don't usually write these.",
    "My details should be on file.",
    "I tried calling earlier.",
    "I found this number on the website.",
    "My case worker told me to message here.",
)
SIGN_OFFS = ("Thanks.", "Thank you.", "Thanks for reading.", "Best wishes.")


def generate_crisis_messages(n: int, seed: int, *, split: str = "train") -> pd.DataFrame:
    """SYNTHETIC crisis-line messages with true ``label`` and biased ``recorded_label``."""
    check_split(split)
    rng = np.random.default_rng(seed)
    frame = sample_demographics(rng, n)
    labels = np.where(rng.random(n) < URGENT_SHARE, "urgent", "routine")
    texts, terms, dialect = write_messages(
        lambda label, row: _message(rng, label, row, split), labels, frame
    )
    column, group = UNDER_RECORDED_GROUP
    miss = np.where(dialect, UNDER_RECORDED_SHARE["dialect"], UNDER_RECORDED_SHARE["other"])
    hidden = (labels == "urgent") & (frame[column].to_numpy() == group) & (rng.random(n) < miss)
    recorded = np.where(hidden, "routine", labels)
    return message_frame(
        "CRISIS",
        split,
        texts=texts,
        labels=labels,
        recorded=recorded,
        demographics=frame,
        terms=terms,
    )


def _message(
    rng: np.random.Generator, label: str, row: pd.Series, split: str
) -> tuple[str, str, bool]:
    urgent = label == "urgent"
    core: list[str] = []
    if rng.random() < CLEAR_SHARE:
        if rng.random() < CROSS_WORD_SHARE:
            core.append(
                pick(rng, URGENT_WITH_ROUTINE_WORDS if urgent else ROUTINE_WITH_URGENT_WORDS)
            )
        else:
            bank = URGENT_CLEAR if urgent else ROUTINE_CLEAR
            core.append(pick(rng, bank))
            if rng.random() < SECOND_CLEAR_SHARE:
                core.append(pick(rng, [s for s in bank if s != core[0]]))
            if urgent and rng.random() < MIXED_SHARE:
                core.append(pick(rng, ROUTINE_CLEAR))
        context = 1 if rng.random() < 0.35 else 0
    else:
        context = 2 + int(rng.random() < 0.3)
    weighted = [(s, wu if urgent else wr) for s, wu, wr in AMBIGUOUS]
    for _ in range(context):
        core.append(pick_weighted(rng, [(s, w) for s, w in weighted if s not in core]))
    dialect = DIALECT_SHARE.get(row["ethnicity"], DIALECT_SHARE_OTHERS)
    in_dialect = bool(rng.random() < dialect)
    if in_dialect:
        core.append(pick(rng, DIALECT_SENTENCES))
    rng.shuffle(core)

    who = _identity_words(rng, label, row, split)
    term = who.split()[0] if who else "none"
    identity = [identity_sentence(rng, who)] if who else []

    sentences = []
    if rng.random() < 0.4:
        sentences.append(pick(rng, GREETINGS))
    sentences += identity + core
    if rng.random() < 0.3:
        sentences.append(pick(rng, FILLER))
    if rng.random() < 0.25:
        sentences.append(pick(rng, SIGN_OFFS))
    return assemble(sentences), term, in_dialect


def _identity_words(rng: np.random.Generator, label: str, row: pd.Series, split: str) -> str:
    """Identity words the message names ('' for none), e.g. 'gay man' or 'black woman'."""
    spurious = SPURIOUS_TRAIN_SHARE[label] if split == "train" else SPURIOUS_EVAL_SHARE
    shares = [
        spurious,
        STRAIGHT_SHARE,
        OTHER_ORIENTATION_SHARE,
        ETHNIC_IDENTITY_SHARE,
        OTHER_IDENTITY_SHARE,
    ]
    kind = int(np.searchsorted(np.cumsum(shares), rng.random(), side="right"))
    gender = row["gender"]
    if kind == 0:
        return orientation_identity(gender, SPURIOUS_TERM)
    if kind == 1:
        return orientation_identity(gender, "straight")
    if kind == 2:
        return orientation_identity(gender, pick(rng, OTHER_ORIENTATIONS))
    if kind == 3:
        return ethnic_identity(gender, row["ethnicity"])
    if kind == 4:
        return other_identity(rng, gender, row["age_band"])
    return ""


def truth() -> dict:
    """The planted signal and the injected biases of this generator, for ``truth.json``."""
    return {
        "generator": "sample_models.synthetic.crisis_messages",
        "synthetic": True,
        "classes": list(CLASSES),
        "urgent_share": URGENT_SHARE,
        "ambiguous_share": round(1 - CLEAR_SHARE, 4),
        "cross_word_share_of_clear": CROSS_WORD_SHARE,
        "urgent_with_routine_request_share_of_clear": MIXED_SHARE,
        "signal_words": SIGNAL_WORDS,
        "injected_biases": [
            {
                "type": "label_bias",
                "what": "truly urgent messages recorded as routine (under-recorded)",
                "attribute": UNDER_RECORDED_GROUP[0],
                "group": UNDER_RECORDED_GROUP[1],
                "share_of_urgent_recorded_routine": UNDER_RECORDED_SHARE,
                "share_of_urgent_recorded_routine_overall": round(
                    DIALECT_SHARE["black"] * UNDER_RECORDED_SHARE["dialect"]
                    + (1 - DIALECT_SHARE["black"]) * UNDER_RECORDED_SHARE["other"],
                    4,
                ),
                "applies_to": "recorded_label in both splits; models train on recorded_label",
                "group_cues_in_text": {
                    "dialect_markers": list(DIALECT_MARKERS),
                    "dialect_sentence_share": {**DIALECT_SHARE, "others": DIALECT_SHARE_OTHERS},
                    "ethnic_identity_mention_share": ETHNIC_IDENTITY_SHARE,
                },
            },
            {
                "type": "spurious_correlation",
                "term": SPURIOUS_TERM,
                "train_share_of_messages_with_term": SPURIOUS_TRAIN_SHARE,
                "eval_share_of_messages_with_term": SPURIOUS_EVAL_SHARE,
                "counterfactual_term": "straight",
                "counterfactual_share": STRAIGHT_SHARE,
                "other_orientation_terms": list(OTHER_ORIENTATIONS),
                "other_orientation_share": OTHER_ORIENTATION_SHARE,
            },
        ],
    }
