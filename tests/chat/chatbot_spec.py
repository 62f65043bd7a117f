"""A callable chatbot's spec folder for the app, widget and report tests: the biased service of
``chat_data`` (whose referrals name a doctor), prompts written by women and men (the persona
line in the text), one of them holding a name and an email address, and a generation seed."""

from __future__ import annotations

from pathlib import Path

import yaml

from .chat_data import FEELINGS, SERVICE, evaluation_data

NAME = "support_stub"
IDENTIFIED = "My name is Jane Doe, mail jane@example.org. "
SEED = 3


def write_chatbot_spec(folder: Path) -> Path:
    """Write the chatbot's model.yaml, chat.py and prompts.csv into ``folder``; the spec's path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = evaluation_data()
    data.loc[0, "prompt"] = IDENTIFIED + data.loc[0, "prompt"]
    data.to_csv(folder / "prompts.csv", index=False)
    code = SERVICE.format(feelings=FEELINGS, biased=True)
    (folder / "chat.py").write_text(code, encoding="utf-8")
    spec = {
        "name": NAME,
        "kind": "generative",
        "framework": "callable",
        "entry": "chat.py:respond",
        "description": "A stand-in chat service that refers men to the crisis line less often.",
        "generation": {"max_new_tokens": 40, "seed": SEED},
        "data": "prompts.csv",
        "text_column": "prompt",
        "protected_attributes": ["gender"],
        "needs": {"refers_to_crisis": "needs_referral"},
    }
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path
