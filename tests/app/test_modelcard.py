"""Model card summaries (workbench.app.modelcard)."""

from __future__ import annotations

import pytest
import yaml

import workbench
from workbench.app.modelcard import parse_model_card, read_model_card

CARD = """# Model card: demo

> **Synthetic** data only.

Sorts `messages` into two classes.

## Model details

- Not shown.

## Intended use

- Teaching.
- Out of scope: clinical use,
  or any real decision.

## Known biases (injected on purpose)

| a | b |
|---|---|
| 1 | 2 |

- Label bias: **gay** marked urgent.

```
python -m train
```

## Limitations

Small groups.
"""


def test_parses_title_summary_and_the_sections_people_need():
    card = parse_model_card(CARD)
    assert card.title == "Model card: demo"
    assert card.summary == ("Synthetic data only.", "Sorts messages into two classes.")
    assert card.sections == (
        ("Intended use", ("Teaching.", "Out of scope: clinical use, or any real decision.")),
        ("Known biases (injected on purpose)", ("Label bias: gay marked urgent.",)),
        ("Limitations", ("Small groups.",)),
    )


def test_reads_the_card_a_sample_spec_names():
    card = read_model_card(workbench.sample_model_specs()["relapse_tabular"])
    assert card.title == "Model card: relapse_tabular"
    names = [name for name, _ in card.sections]
    assert names == ["Intended use", "Known biases (injected on purpose)", "Limitations"]
    biases = dict(card.sections)["Known biases (injected on purpose)"]
    assert any(point.startswith("Proxy: insurance_type depends strongly") for point in biases)


def test_no_card_and_unreadable_card(tmp_path):
    spec = {
        "name": "bare",
        "kind": "tabular",
        "framework": "callable",
        "entry": "model.py:predict",
        "classes": ["a", "b"],
        "positive_class": "b",
        "feature_columns": ["x"],
    }
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert read_model_card(path) is None
    path.write_text(yaml.safe_dump({**spec, "model_card": "CARD.md"}), encoding="utf-8")
    (tmp_path / "CARD.md").mkdir()
    with pytest.raises(workbench.SpecError, match="cannot read the model card"):
        read_model_card(path)
