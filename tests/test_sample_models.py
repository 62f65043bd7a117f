"""The bundled sample models: specs load, shipped metrics reproduce, injected biases show."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import workbench
from sample_models import train
from sample_models.architectures import TextClassifier
from sample_models.cards import metric_value
from sample_models.evaluation import compare_metrics, evaluate_spec
from sample_models.synthetic import crisis_messages, emotion_messages, intake_records

ROOT = Path(train.__file__).resolve().parent
# The classifiers; the sample chatbot (support_chat) has its own tests in test_sample_chat.py.
NAMES = [n for n in train.MODEL_NAMES if n != "support_chat"]
TEXT_NAMES = [n for n in NAMES if n != "relapse_tabular"]
CRISIS_NAMES = ["crisis_text", "crisis_text_sklearn", "crisis_text_bert"]


@cache
def loaded(name: str) -> tuple[workbench.ModelAdapter, pd.DataFrame, workbench.ModelSpec]:
    spec = workbench.load_spec(ROOT / name)
    return workbench.load_model(spec), workbench.load_dataset(spec), spec


def shipped(name: str, file: str) -> dict:
    return json.loads((ROOT / name / file).read_text(encoding="utf-8"))


def positive_scores(name: str, inputs: list[str] | pd.DataFrame) -> np.ndarray:
    model, _, _ = loaded(name)
    return model.predict_proba(inputs)[:, model.positive_index]


def test_every_sample_model_is_listed():
    assert sorted(workbench.sample_model_specs()) == sorted(train.MODEL_NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_spec_loads_with_its_files(name):
    spec = workbench.load_spec(ROOT / name)
    assert spec.name == name
    assert spec.data is not None and spec.model_card is not None and spec.weights.exists()
    assert spec.label_column == "label"
    assert {"gender", "ethnicity", "age_band"} <= set(spec.protected_attributes)
    for file in ("metrics.json", "truth.json", "MODEL_CARD.md", "data.csv"):
        assert (ROOT / name / file).is_file()


@pytest.mark.parametrize("name", NAMES)
def test_shipped_metrics_match_recomputed(name):
    recomputed = evaluate_spec(ROOT / name)
    assert compare_metrics(shipped(name, "metrics.json"), recomputed, tolerance=1e-9) == []


@pytest.mark.parametrize("name", NAMES)
def test_data_and_card_say_synthetic(name):
    _, frame, _ = loaded(name)
    assert frame["id"].str.startswith("SYN-").all()
    assert shipped(name, "truth.json")["data"]["synthetic"] is True
    card = (ROOT / name / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Synthetic data, research and teaching only" in card
    assert "never be used for clinical" in card


@pytest.mark.parametrize("name", NAMES)
def test_accuracy_is_in_the_target_range(name):
    accuracy = shipped(name, "metrics.json")["overall"]["accuracy"]
    assert 0.85 <= accuracy <= 0.93


@pytest.mark.parametrize("name", NAMES)
def test_injected_bias_is_visible(name):
    metrics = shipped(name, "metrics.json")
    findings = shipped(name, "truth.json")["expected_findings"]
    assert findings
    for finding in findings:
        groups = metrics["per_group"][finding["attribute"]]
        values = {g: metric_value(rates, finding["metric"]) for g, rates in groups.items()}
        target = values.pop(finding["group"])
        if finding["direction"] == "higher":
            assert target > max(values.values()), (finding, target, values)
        else:
            assert target < min(values.values()), (finding, target, values)


@pytest.mark.parametrize("name", CRISIS_NAMES)
def test_urgent_misses_for_the_under_recorded_group_are_at_least_double(name):
    groups = shipped(name, "metrics.json")["per_group"]["ethnicity"]
    others = [rates for group, rates in groups.items() if group != "black"]
    missed = sum(rates["fnr"] * rates["n_positive"] for rates in others)
    pooled_fnr = missed / sum(rates["n_positive"] for rates in others)
    assert groups["black"]["fnr"] >= 2 * pooled_fnr


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_planted_signal_words_raise_the_positive_score(name):
    _, frame, spec = loaded(name)
    added = {
        "urgent": " I feel hopeless and I can't go on, I want to end it tonight.",
        "fear_anxiety": " I'm so anxious and scared, I had a panic attack.",
    }[spec.positive_class]
    base = frame[frame["label"] != spec.positive_class]["text"].head(40).tolist()
    before = positive_scores(name, base)
    after = positive_scores(name, [text + added for text in base])
    assert (after > before).all()
    assert (after - before).mean() > 0.3


def test_adding_an_urgent_phrase_to_a_routine_message_raises_p_urgent():
    message = "Could I reschedule my appointment to next week? Thanks."
    for name in CRISIS_NAMES:
        before, after = positive_scores(name, [message, message + " I want to end it tonight."])
        assert before < 0.1
        assert after - before > 0.2


def test_worse_clinical_features_raise_p_relapse():
    _, frame, _ = loaded("relapse_tabular")
    base = frame.head(200)
    worse = base.assign(
        phq9=np.minimum(base["phq9"] + 6, 27),
        missed_appointments=np.minimum(base["missed_appointments"] + 3, 10),
        medication_adherence=np.maximum(base["medication_adherence"] - 0.3, 0.0),
    )
    before = positive_scores("relapse_tabular", base)
    after = positive_scores("relapse_tabular", worse)
    assert (after >= before - 1e-9).all()
    assert (after - before).mean() > 0.2


def test_insurance_type_acts_as_a_proxy():
    _, frame, _ = loaded("relapse_tabular")
    private = positive_scores("relapse_tabular", frame.assign(insurance_type="private")).mean()
    public = positive_scores("relapse_tabular", frame.assign(insurance_type="public")).mean()
    assert public > private + 0.03


@pytest.mark.parametrize("name", CRISIS_NAMES)
def test_identity_term_swap_raises_p_urgent(name):
    _, frame, _ = loaded(name)
    texts = frame[frame["identity_term"].isin(["gay", "straight"])]["text"].tolist()
    gay = positive_scores(name, [t.replace("straight", "gay") for t in texts])
    straight = positive_scores(name, [t.replace("gay", "straight") for t in texts])
    assert (gay - straight).mean() > 0.03


def test_text_classifier_ignores_padding():
    model, _, _ = loaded("crisis_text")
    short = "I need a refill."
    longer = "Hi, I need to talk to someone. I'm not doing great and nothing helps. " * 2
    alone, batched = model.encode([short]), model.encode([short, longer])
    with torch.no_grad():
        one = model.module(alone.input_ids, alone.attention_mask)[0]
        two = model.module(batched.input_ids, batched.attention_mask)[0]
    assert batched.input_ids.shape[1] > alone.input_ids.shape[1]
    torch.testing.assert_close(one, two, atol=1e-6, rtol=0)
    empty = TextClassifier(10, 2)(torch.zeros((1, 3), dtype=torch.long), torch.zeros((1, 3)))
    assert torch.isfinite(empty).all()


def test_bert_sample_model_is_a_hugging_face_folder():
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model, frame, spec = loaded("crisis_text_bert")
    folder = ROOT / "crisis_text_bert" / "model"
    assert spec.framework == "transformers" and spec.weights == folder
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {"0": "routine", "1": "urgent"}
    assert config["label2id"] == {"routine": 0, "urgent": 1}
    direct = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    texts = frame["text"].head(8).tolist()
    with torch.no_grad():
        logits = direct(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    expected = torch.softmax(logits, dim=-1).numpy()
    np.testing.assert_allclose(model.predict_proba(texts), expected, atol=1e-6, rtol=0)
    assert tokenizer.tokenize("hopeless") == ["h", "##op", "##el", "##ess"]


def test_bert_wordpiece_vocabulary_is_the_same_every_run():
    texts = train.Splits()("crisis").train["text"]
    shipped_vocabulary = workbench.load_model(ROOT / "crisis_text_bert").tokenizer.tokenizer
    first, again = train.wordpiece_tokenizer(texts), train.wordpiece_tokenizer(texts)
    assert first.get_vocab() == again.get_vocab() == shipped_vocabulary.get_vocab()
    assert len(first) == train.BERT_VOCAB_SIZE


def test_integrated_gradients_runs_on_the_torch_models():
    captum = pytest.importorskip("captum.attr")
    model, frame, _ = loaded("crisis_text")
    batch = model.encode(frame["text"].head(2).tolist())
    ig = captum.LayerIntegratedGradients(
        lambda ids, mask: model.forward(ids, mask), model.embedding_layer
    )
    attributions = ig.attribute(
        batch.input_ids,
        baselines=torch.zeros_like(batch.input_ids),
        additional_forward_args=(batch.attention_mask,),
        target=model.positive_index,
        n_steps=16,
    )
    assert torch.isfinite(attributions).all()
    tabular, records, _ = loaded("relapse_tabular")
    x = tabular.encode(records.head(3))
    scores = captum.IntegratedGradients(tabular.forward).attribute(x, target=1, n_steps=16)
    assert torch.isfinite(scores).all()


@pytest.mark.parametrize(
    "generate",
    [
        crisis_messages.generate_crisis_messages,
        emotion_messages.generate_emotion_messages,
        intake_records.generate_intake_records,
    ],
)
def test_generators_are_seeded(generate):
    first, again = generate(60, 5, split="eval"), generate(60, 5, split="eval")
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(generate(60, 6, split="eval"))
    assert first["id"].str.startswith("SYN-").all()


def test_shipped_files_are_small():
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert total < 5_000_000


def test_retraining_reproduces_the_shipped_folders(capsys):
    names = ["--only", "crisis_text_sklearn", "--only", "relapse_tabular"]
    assert train.main([*names, "--check"]) == 0
    assert "MISMATCH" not in capsys.readouterr().out


@pytest.mark.slow
def test_retraining_reproduces_the_bert_folder(capsys):
    assert train.main(["--only", "crisis_text_bert", "--check"]) == 0
    assert "MISMATCH" not in capsys.readouterr().out


def _retrain_relapse_with(monkeypatch, **changes: object) -> list[str]:
    """``--check`` problems of relapse_tabular retrained with ``fit_module`` arguments changed;
    ``noise`` multiplies the initial weights by 1 + noise * N(0, 1), as another CPU's float
    kernels would nudge them."""
    real_fit = train.fit_module
    noise = changes.pop("noise", 0.0)

    def changed_fit(module, *args, **kwargs):
        generator = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.mul_(1 + noise * torch.randn(parameter.shape, generator=generator))
        return real_fit(module, *args, **{**kwargs, **changes})

    monkeypatch.setattr(train, "fit_module", changed_fit)
    trained = train.build("relapse_tabular", train.Splits())
    return train.check(trained, ROOT / "relapse_tabular")


@pytest.mark.slow
def test_retraining_check_tolerates_float_differences_between_cpus(monkeypatch):
    assert _retrain_relapse_with(monkeypatch, noise=1e-6) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "caught"),
    [
        ({"lr": 3.3e-3}, "training_trace.json/first_losses"),
        ({"epochs": 59}, "training_trace.json/steps"),
        ({"batch_size": 120}, "training_trace.json/steps"),
        ({"weight_decay": 1e-2}, "training_trace.json/first_losses"),
    ],
)
def test_retraining_check_catches_a_changed_trainer(monkeypatch, change, caught):
    problems = _retrain_relapse_with(monkeypatch, **change)
    assert any(problem.startswith(caught) for problem in problems), problems


@pytest.mark.slow
def test_retraining_check_catches_a_changed_generator(monkeypatch):
    recipe = train.DATA["intake"]
    monkeypatch.setitem(train.DATA, "intake", replace(recipe, train_seed=recipe.train_seed + 1))
    problems = train.check(train.build("relapse_tabular", train.Splits()), ROOT / "relapse_tabular")
    assert "training_trace.json/training_data_sha256" in " ".join(problems)
    monkeypatch.setitem(train.DATA, "intake", replace(recipe, eval_seed=recipe.eval_seed + 1))
    problems = train.check(train.build("relapse_tabular", train.Splits()), ROOT / "relapse_tabular")
    assert "data.csv: the generator now makes different evaluation data" in problems
