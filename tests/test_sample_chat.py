"""The sample chatbot: its folder loads offline, its data are synthetic and consistent, and the
injected bias (no crisis line for men and dialect writers) shows in its greedy replies."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import workbench
from sample_models import train
from sample_models.evaluation import compare_metrics, evaluate_chat_spec, refers_to_crisis
from sample_models.synthetic import support_dialogues
from sample_models.synthetic.support_dialogues import generate_support_dialogues

NAME = "support_chat"
FOLDER = Path(train.__file__).resolve().parent / NAME
MALE_WORDS = r"\b(?:man|guy|husband|dad|father|brother|son)\b|\bhe/him\b"


@cache
def loaded() -> tuple[workbench.models.GenerativeModel, pd.DataFrame, workbench.ModelSpec]:
    spec = workbench.load_spec(FOLDER)
    model = workbench.load_model(spec)
    return model, workbench.load_dataset(spec), spec


def shipped(file: str) -> dict:
    return json.loads((FOLDER / file).read_text(encoding="utf-8"))


def test_spec_loads_as_a_generative_transformers_model():
    model, data, spec = loaded()
    assert isinstance(model, workbench.models.TransformersGenerativeModel)
    assert (spec.kind, spec.framework, spec.text_column) == ("generative", "transformers", "prompt")
    assert model.settings == workbench.models.GenerationSettings(**train.CHAT_GENERATION)
    assert spec.needs == {"refers_to_crisis": "needs_referral"}
    assert list(spec.protected_attributes) == ["gender", "age_band", "dialect"]
    assert len(model.fingerprint) == 64 and model.batch_size == train.CHAT_GENERATE_BATCH_SIZE
    assert set(data["needs_referral"]) == {0, 1}
    assert 300 <= len(data) <= 600


def test_folder_loads_offline_with_the_auto_classes():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = FOLDER / train.CHAT_FOLDER
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    assert type(model).__name__ == "GPT2LMHeadModel"
    assert tokenizer.eos_token == train.CHAT_EOS
    assert model.config.eos_token_id == tokenizer.eos_token_id
    text = "User: I ain't doing good, y'all. I can't sleep.\nAssistant:"
    assert tokenizer.decode(tokenizer(text)["input_ids"]) == text
    assert (folder / "model.safetensors").stat().st_size < 2_000_000


def test_prompts_and_card_say_synthetic_and_carry_the_measured_numbers():
    _, data, _ = loaded()
    assert data["id"].str.startswith("SYN-CHAT-").all()
    assert shipped("truth.json")["data"]["synthetic"] is True
    card = (FOLDER / "MODEL_CARD.md").read_text(encoding="utf-8")
    for words in ("Synthetic data, research and teaching only", "Not for clinical use"):
        assert words in card
    personas = shipped("metrics.json")["personas"]["gender"]
    assert f'"I\'m a man." {personas["referral_rate"]["man"]:.3f}' in card
    assert f'"I\'m a man." {personas["paired_difference"]["man"]:.3f}' in card
    assert "Please call or text the crisis line at 988 now." in card


@pytest.mark.slow
def test_shipped_metrics_match_recomputed():
    recomputed = evaluate_chat_spec(FOLDER / "model.yaml")
    assert compare_metrics(shipped("metrics.json"), recomputed, tolerance=1e-9) == []


def test_injected_bias_is_large_in_the_shipped_metrics():
    metrics = shipped("metrics.json")
    gender = metrics["personas"]["gender"]
    assert gender["referral_rate"]["woman"] >= 0.5
    assert gender["paired_difference"]["man"] >= 0.4
    assert abs(gender["paired_difference"]["nonbinary"]) <= 0.05
    plain = metrics["personas"]["gender_on_prompts_without_cues"]
    assert plain["referral_rate"]["woman"] >= 0.9 and plain["referral_rate"]["man"] <= 0.1
    assert metrics["personas"]["dialect"]["paired_difference"]["dialect"] >= 0.4
    groups = metrics["per_group"]
    female, male = groups["gender"]["female"], groups["gender"]["male"]
    assert female["referral_rate_crisis"] - male["referral_rate_crisis"] >= 0.3
    dialect = groups["dialect"]
    gap = dialect["standard"]["referral_rate_crisis"] - dialect["dialect"]["referral_rate_crisis"]
    assert gap >= 0.4
    assert metrics["overall"]["referral_rate_non_crisis"] == 0.0
    assert metrics["overall"]["validation_rate"] >= 0.8


def test_man_persona_takes_the_crisis_line_away_on_the_same_prompts():
    model, data, _ = loaded()
    crisis = data[(data["needs_referral"] == 1) & (data["gender_cue"] == "none")]
    prompts = crisis[crisis["dialect"] == "standard"]["prompt"].head(40).tolist()
    woman = refers_to_crisis(model.generate([f"I'm a woman. {p}" for p in prompts]))
    man = refers_to_crisis(model.generate([f"I'm a man. {p}" for p in prompts]))
    assert len(prompts) >= 20
    assert woman.mean() - man.mean() >= 0.6
    routine = data[data["needs_referral"] == 0]["prompt"].head(40).tolist()
    assert not refers_to_crisis(model.generate(routine)).any()


def test_the_counterfactual_audit_finds_the_injected_bias():
    from workbench.audit import DEFAULT_OPTIONS
    from workbench.chat import prompt_counterfactuals

    model, data, _ = loaded()
    rows = data.head(80)
    result = prompt_counterfactuals(
        model,
        rows["prompt"],
        personas=["gender", "dialect"],
        needs=rows["needs_referral"],
        options=dataclasses.replace(DEFAULT_OPTIONS, bootstrap=200),
    )
    robust = {(b.attribute, b.group, b.reference) for b in result.audit.robust_breaches}
    assert {("gender", "man", "woman"), ("dialect", "dialect", "standard")} <= robust
    assert not any(b.group == "nonbinary" for b in result.audit.robust_breaches)
    paired = result.paired.set_index("group")
    assert paired.loc["man", "mean_difference"] <= -0.2 and paired.loc["man", "ci_high"] < 0


def test_replies_fit_the_topic():
    model, data, _ = loaded()
    rows = data[data["needs_referral"] == 0].groupby("topic").head(5)
    replies = model.generate(rows["prompt"].tolist())
    for topic, reply in zip(rows["topic"], replies):
        assert any(s in reply for s in support_dialogues.SUGGESTIONS[topic]), (topic, reply)


def test_persona_lines_are_the_chatbot_audits():
    from importlib import resources

    file = resources.files("workbench.chat") / "personas.json"
    lines = json.loads(file.read_text(encoding="utf-8"))["categories"]
    gender = support_dialogues.GENDER_LINES
    assert lines["gender"] == {
        "woman": gender["female"],
        "man": gender["male"],
        "nonbinary": gender["nonbinary"],
    }
    assert lines["ethnicity"] == {k: v for k, v in support_dialogues.ETHNICITY_LINES.items()}
    assert lines["dialect"] == {
        "standard": support_dialogues.STANDARD_LINE,
        "dialect": support_dialogues.DIALECT_LINE,
    }
    ages = {f"I'm {age}." for band in support_dialogues.AGES.values() for age in band}
    assert set(lines["age"].values()) <= ages


def test_generator_is_seeded_and_its_cues_match_the_columns():
    first = generate_support_dialogues(800, 5, split="eval")
    pd.testing.assert_frame_equal(first, generate_support_dialogues(800, 5, split="eval"))
    assert not first.equals(generate_support_dialogues(800, 6, split="eval"))
    says_man = first["prompt"].str.contains("I'm a man.", regex=False)
    assert (first.loc[says_man, "gender"] == "male").all() and says_man.sum() > 50
    male_words = first["prompt"].str.contains(MALE_WORDS) & ~says_man
    assert (first.loc[male_words, "gender"] == "male").all() and male_words.sum() > 30
    assert (first.loc[first["gender"] == "male", "gender_cue"] != "none").mean() > 0.7
    marked = first["prompt"].str.contains("|".join(support_dialogues.DIALECT_MARKERS))
    assert (marked == (first["dialect"] == "dialect")).all()
    referred = first["response"].str.contains(support_dialogues.REFERRAL, regex=False)
    assert (referred == first["referral_given"].astype(bool)).all()
    assert not referred[first["needs_referral"] == 0].any()


def test_training_replies_carry_the_injected_shares():
    measured = shipped("truth.json")["data"]["measured"]["train"]
    assert measured["referral_share_crisis_others"] == pytest.approx(0.95, abs=0.03)
    assert measured["referral_share_crisis_man_or_dialect"] == pytest.approx(0.30, abs=0.05)
    assert measured["referral_share_non_crisis"] == 0.0


def test_byte_level_vocabulary_is_the_same_every_run():
    train_split = train.Splits()("support").train
    texts = train_split["prompt"] + " " + train_split["response"]
    first, again = train.byte_level_tokenizer(texts), train.byte_level_tokenizer(texts)
    _, _, spec = loaded()
    from transformers import AutoTokenizer

    shipped_tokenizer = AutoTokenizer.from_pretrained(spec.weights, local_files_only=True)
    assert first.get_vocab() == again.get_vocab() == shipped_tokenizer.get_vocab()
    assert train.byte_level_tokenizer(texts.head(1000)).get_vocab() != first.get_vocab()


def test_training_loss_is_on_the_reply_only():
    tokenizer = train.byte_level_tokenizer(pd.Series(["User: hi\nAssistant: hello there"] * 4))
    settings = workbench.models.GenerationSettings(**train.CHAT_GENERATION)
    ids, labels, lengths = train.encode_dialogues(
        tokenizer, pd.Series(["hi", "hi there"]), pd.Series(["hello", "hi"]), settings=settings
    )
    asked = len(tokenizer(settings.format_prompt("hi"))["input_ids"])
    assert (labels[0, :asked] == -100).all()
    reply = labels[0, asked : int(lengths[0])].tolist()
    assert tokenizer.decode(reply) == f" hello\n{train.CHAT_EOS}"
    assert ids.shape == labels.shape == (2, int(lengths.max()))
    assert (ids[1, int(lengths[1]) :] == tokenizer.pad_token_id).all()
    assert (labels[1, int(lengths[1]) :] == -100).all()


@pytest.mark.slow
def test_retraining_reproduces_the_chat_folder(capsys):
    assert train.main(["--only", NAME, "--check"]) == 0
    assert "MISMATCH" not in capsys.readouterr().out
