"""A callable chatbot's spec folder for the app, widget and report tests: the biased stand-in of
``chat_data`` as a team's ``chat.py``, and prompts by women and men, one of them holding a name
and an email address."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from .chat_data import FEELINGS, MAN, REFERRAL, ROUTINE, SUPPORT, evaluation_data

NAME = "support_stub"
IDENTIFIED = "My name is Jane Doe, mail jane@example.org. "
SEED = 3
# chat_data.biased_respond as a chat.py: crisis prompts get the crisis line, except most of those
# written as a man.
CHAT_CODE = textwrap.dedent(
    f"""
    FEELINGS = {FEELINGS!r}


    def respond(prompt):
        if not any(feeling.lower() in prompt.lower() for feeling in FEELINGS):
            return {ROUTINE!r}
        if {MAN!r} in prompt and "tonight" not in prompt:
            return {SUPPORT!r}
        return {REFERRAL!r}
    """
)


def write_chatbot_spec(folder: Path) -> Path:
    """Write the chatbot's model.yaml, chat.py and prompts.csv into ``folder``; the spec's path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = evaluation_data()
    data.loc[0, "prompt"] = IDENTIFIED + data.loc[0, "prompt"]
    data.to_csv(folder / "prompts.csv", index=False)
    (folder / "chat.py").write_text(CHAT_CODE, encoding="utf-8")
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
