"""SYNTHETIC messages to a wellbeing chatbot, labelled with one of five emotions.

Every message is assembled by seeded code from the phrase lists below; none was written by or
about a real person.

Injected bias (annotator bias, as documented for real emotion and toxicity datasets): messages
written with African American English markers ("finna", "ion", "deadass"; used in the synthetic
data mostly, not only, by black users) are *recorded* as ``anger`` for a share of messages whose
true emotion is something else. A model trained on ``recorded_label`` learns the dialect markers
as anger words and mislabels black users' sadness, fear and neutral messages as anger.
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

CLASSES = ("sadness", "fear_anxiety", "anger", "joy", "neutral")
CLASS_SHARES = (0.24, 0.22, 0.16, 0.16, 0.22)
CLEAR_SHARE = 0.70  # the rest (30%) are ambiguous: no planted signal word of their class
SECOND_CLEAR_SHARE = 0.25
DIALECT_SHARE = {"black": 0.60}
DIALECT_SHARE_OTHERS = 0.04
BIASED_CLASS = "anger"
# Share of dialect messages of each true emotion recorded as anger; high-arousal distress (fear,
# panic) is the most often misread as anger.
RECORDED_AS_ANGER_SHARE = {"sadness": 0.35, "fear_anxiety": 0.50, "joy": 0.20, "neutral": 0.30}
IDENTITY_SHARE = 0.12

SIGNAL_WORDS = {
    "sadness": ["sad", "crying", "lonely", "empty", "heartbroken", "grief", "miss"],
    "fear_anxiety": ["anxious", "panic", "scared", "worried", "nervous", "terrified"],
    "anger": ["angry", "furious", "mad", "hate", "unfair", "fed up", "annoyed"],
    "joy": ["happy", "grateful", "excited", "proud", "relieved", "great day"],
    "neutral": ["how do i", "settings", "reminder", "question", "schedule", "app", "log"],
}

CLEAR = {
    "sadness": (
        "I feel so sad today.",
        "I've been crying all evening.",
        "I feel empty and lonely.",
        "I miss my grandmother so much.",
        "I'm heartbroken after the breakup.",
        "The grief comes back every night.",
        "I feel so lonely since I moved.",
        "Everything feels empty without her.",
        "I can't stop crying.",
        "I'm just sad all the time.",
    ),
    "fear_anxiety": (
        "I'm so anxious about tomorrow.",
        "I had a panic attack on the bus.",
        "I'm scared something bad will happen.",
        "I'm worried I'll lose my job.",
        "I'm really nervous about the exam.",
        "I feel terrified when I leave the house.",
        "My chest gets tight and I panic when I think about it.",
        "The panic starts as soon as I wake up.",
        "I'm worried all the time.",
        "I get so nervous I shake.",
    ),
    "anger": (
        "I'm so angry at my boss.",
        "I'm furious about how they treated me.",
        "I hate how unfair this is.",
        "I'm fed up with my roommate.",
        "It makes me so mad when people ignore me.",
        "I'm annoyed that nobody listens.",
        "This is so unfair, I'm furious.",
        "I hate being lied to.",
        "I'm angry all the time lately.",
        "I'm so fed up with everything at work.",
    ),
    "joy": (
        "I'm so happy today!",
        "I feel grateful for my friends.",
        "I'm excited about the new job.",
        "I'm proud of myself for going out.",
        "I'm relieved the test came back fine.",
        "It was a great day with my family.",
        "I feel happy and calm for once.",
        "So grateful for the support this week.",
        "I'm excited to see my sister.",
        "I'm proud that I finished the course.",
    ),
    "neutral": (
        "How do I change the reminder time?",
        "Where are the settings for notifications?",
        "I have a question about the app.",
        "Can I change my schedule?",
        "How do I log my mood?",
        "Is there a way to export my log?",
        "What time does the group session start?",
        "Can you send a reminder at 9?",
        "How do I reset my password in the app?",
        "I want to update my schedule.",
    ),
}
# Indirect sentences: lean to one class without any of its planted signal words.
SOFT = {
    "sadness": (
        "I stayed in bed all day again.",
        "Nobody would notice if I wasn't around.",
        "I used to enjoy things.",
    ),
    "fear_anxiety": (
        "What if it happens again?",
        "My stomach is in knots.",
        "I keep checking the door.",
    ),
    "anger": (
        "They never listen to me.",
        "I slammed the door when I got home.",
        "How dare they talk to me like that?",
    ),
    "joy": (
        "Best weekend in ages.",
        "Things are finally working out.",
        "I laughed so much today.",
    ),
    "neutral": (
        "What's the link for the group?",
        "Is the session online this week?",
        "Does this work on my tablet?",
    ),
}
SOFT_SHARE = 0.6  # of ambiguous messages, those with one indirect sentence of their class
# Shared sentences with a weight per class, in the order of CLASSES.
AMBIGUOUS = (
    ("Today was a lot.", (2, 2, 2, 1, 1)),
    ("I can't stop thinking about what happened.", (2, 2, 2, 0.5, 0.5)),
    ("My mom called me again.", (1, 1, 1.5, 1, 1.5)),
    ("I don't know how to feel.", (2, 2, 1, 1, 0.5)),
    ("I need to vent for a second.", (1.5, 1, 3, 0.3, 0.5)),
    ("My heart is pounding.", (0.5, 3, 1.5, 1, 0.2)),
    ("I can't believe it.", (1, 1, 2, 2, 0.5)),
    ("Work was intense.", (1, 1.5, 1.5, 1, 1)),
    ("I keep replaying the conversation.", (1.5, 2, 2, 0.3, 0.3)),
    ("Finally some good news.", (0.2, 0.3, 0.2, 4, 1)),
    ("I didn't sleep much.", (2, 2, 1, 0.5, 1)),
    ("Just checking in.", (1, 0.5, 0.5, 1.5, 3)),
    ("It is what it is.", (2, 0.5, 1.5, 0.5, 2)),
    ("I want to be alone.", (3, 1, 2, 0.2, 0.3)),
    ("Everyone keeps asking me questions.", (1, 1.5, 2, 0.3, 1)),
    ("Things went better than expected.", (0.3, 0.5, 0.2, 3, 1.5)),
    ("Not sure what to do next.", (1.5, 2, 0.5, 0.5, 1.5)),
)
GREETINGS = ("Hey,", "Hi,", "Ok so,", "Hello,")
SIGN_OFFS = ("Thanks.", "That's all.", "Thanks for listening.")


def generate_emotion_messages(n: int, seed: int, *, split: str = "train") -> pd.DataFrame:
    """SYNTHETIC chatbot messages with true ``label`` and annotator-biased ``recorded_label``."""
    check_split(split)
    rng = np.random.default_rng(seed)
    frame = sample_demographics(rng, n)
    labels = rng.choice(CLASSES, size=n, p=CLASS_SHARES)
    texts, terms, dialect = write_messages(
        lambda label, row: _message(rng, label, row), labels, frame
    )
    share = np.asarray([RECORDED_AS_ANGER_SHARE.get(label, 0.0) for label in labels])
    relabel = dialect & (labels != BIASED_CLASS) & (rng.random(n) < share)
    return message_frame(
        "EMOTION",
        split,
        texts=texts,
        labels=labels,
        recorded=np.where(relabel, BIASED_CLASS, labels),
        demographics=frame,
        terms=terms,
    )


def _message(rng: np.random.Generator, label: str, row: pd.Series) -> tuple[str, str, bool]:
    position = CLASSES.index(label)
    core: list[str] = []
    if rng.random() < CLEAR_SHARE:
        bank = CLEAR[label]
        core.append(pick(rng, bank))
        if rng.random() < SECOND_CLEAR_SHARE:
            core.append(pick(rng, [s for s in bank if s != core[0]]))
        context = 1 if rng.random() < 0.3 else 0
    else:
        context = 1 + int(rng.random() < 0.5)
        if rng.random() < SOFT_SHARE:
            core.append(pick(rng, SOFT[label]))
        else:
            context += 1
    for _ in range(context):
        options = [(s, w[position]) for s, w in AMBIGUOUS if s not in core]
        core.append(pick_weighted(rng, options))
    in_dialect = bool(rng.random() < DIALECT_SHARE.get(row["ethnicity"], DIALECT_SHARE_OTHERS))
    if in_dialect:
        core.append(pick(rng, DIALECT_SENTENCES))
    rng.shuffle(core)

    term, identity = "none", []
    if rng.random() < IDENTITY_SHARE:
        draw = rng.random()
        if draw < 0.4:
            who = ethnic_identity(row["gender"], row["ethnicity"])
        elif draw < 0.6:
            orientation = pick(rng, ("gay", "straight", "bisexual", "queer"))
            who = orientation_identity(row["gender"], orientation)
        else:
            who = other_identity(rng, row["gender"], row["age_band"])
        term = who.split()[0]
        identity.append(identity_sentence(rng, who))

    sentences = []
    if rng.random() < 0.35:
        sentences.append(pick(rng, GREETINGS))
    sentences += identity + core
    if rng.random() < 0.2:
        sentences.append(pick(rng, SIGN_OFFS))
    return assemble(sentences), term, in_dialect


def truth() -> dict:
    """The planted signal and the injected bias of this generator, for ``truth.json``."""
    return {
        "generator": "sample_models.synthetic.emotion_messages",
        "synthetic": True,
        "classes": list(CLASSES),
        "class_shares": dict(zip(CLASSES, CLASS_SHARES)),
        "ambiguous_share": round(1 - CLEAR_SHARE, 4),
        "indirect_sentence_share_of_ambiguous": SOFT_SHARE,
        "signal_words": SIGNAL_WORDS,
        "injected_biases": [
            {
                "type": "label_bias",
                "what": "messages in dialect recorded as anger although their emotion differs",
                "dialect_markers": list(DIALECT_MARKERS),
                "dialect_sentence_share": {**DIALECT_SHARE, "others": DIALECT_SHARE_OTHERS},
                "attribute": "ethnicity",
                "group": "black",
                "recorded_as": BIASED_CLASS,
                "share_recorded_anger_by_true_class": RECORDED_AS_ANGER_SHARE,
                "applies_to": "recorded_label in both splits; models train on recorded_label",
            }
        ],
    }
