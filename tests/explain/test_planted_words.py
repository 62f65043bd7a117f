"""On the sample models, the planted signal words rank high, and Captum and LIME agree."""

import numpy as np
import pytest

from explain.cases import sample
from workbench.explain import (
    agreement,
    explain,
    explain_batch,
    global_importance,
    group_importance,
)
from workbench.models import split_words

TEXT_MODELS = ["crisis_text", "emotion_text", "crisis_text_sklearn"]
MESSAGES_CHECKED = 120
LIME_CHECKED = 30
LIME_SAMPLES = 300


def signal_words(truth):
    return {c: {w for phrase in ws for w in split_words(phrase)}
            for c, ws in truth["signal_words"].items()}


def best_signal_percentile(result, words):
    """1.0 when a planted word of the target class has the largest attribution, 0.0 last."""
    order = np.argsort(-result.attributions, kind="stable")
    ranks = [r for r, i in enumerate(order) if result.features[i] in words]
    return 1 - min(ranks) / len(result.features)


def percentiles(results, signal):
    found = []
    for result in results:
        words = signal.get(result.target_name, set()) & set(result.features)
        if words:
            found.append(best_signal_percentile(result, words))
    return np.asarray(found)


def gradient_or_perturbation(model):
    return "ig" if model.differentiable else "feature_ablation"


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_planted_words_rank_in_the_top_attributions(name):
    model, data, truth = sample(name)
    texts = data["text"].iloc[:MESSAGES_CHECKED].tolist()
    results = explain_batch(model, texts, method=gradient_or_perturbation(model), progress=False)
    found = percentiles(results, signal_words(truth))
    assert len(found) >= 30
    assert np.median(found) >= 0.8
    assert np.mean(found >= 0.8) >= 0.6


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_lime_finds_the_planted_words_and_agrees_with_captum(name):
    model, data, truth = sample(name)
    signal = signal_words(truth)
    texts = [t for t in data["text"]
             if any(w in signal[c] for c in signal for w in split_words(t))][:LIME_CHECKED]
    method = gradient_or_perturbation(model)
    captum = [explain(model, t, method=method) for t in texts]
    lime = [explain(model, t, method="lime", target=c.target, n_samples=LIME_SAMPLES)
            for t, c in zip(texts, captum)]
    assert np.median(percentiles(lime, signal)) >= 0.8
    correlations = np.array([agreement(c, lm).spearman for c, lm in zip(captum, lime)])
    assert np.mean(correlations > 0) >= 0.9 and np.mean(correlations) >= 0.5


def test_global_view_shows_planted_words_and_the_spurious_term():
    model, data, truth = sample("crisis_text")
    results = explain_batch(model, data["text"].iloc[:MESSAGES_CHECKED].tolist(),
                            target="urgent", progress=False)
    table = global_importance(results, min_count=3).set_index("feature")
    signal = signal_words(truth)
    urgent = table.loc[table.index.intersection(list(signal["urgent"])), "mean_attribution"]
    routine = table.loc[table.index.intersection(list(signal["routine"])), "mean_attribution"]
    assert len(urgent) >= 5 and len(routine) >= 5
    assert (urgent > 0).all() and (routine < 0).all()
    spurious = next(b["term"] for b in truth["injected_biases"] if b["type"] ==
                    "spurious_correlation")
    drivers = table.sort_values("mean_attribution", ascending=False).index[:5]
    assert spurious in drivers


def test_tabular_sample_integrated_gradients_is_complete():
    model, data, _ = sample("relapse_tabular")
    rows = data.iloc[:20]
    results = explain_batch(model, rows, background=data, progress=False)
    assert max(abs(r.convergence_delta) for r in results) < 0.05
    phq9 = [abs(dict(zip(r.features, r.attributions))["phq9"]) for r in results]
    gender = [abs(dict(zip(r.features, r.attributions))["gender"]) for r in results]
    assert np.mean(phq9) > 3 * np.mean(gender)


def test_group_view_shows_the_dialect_markers_of_the_label_bias():
    model, data, truth = sample("crisis_text")
    rows = data.iloc[:300]
    results = explain_batch(model, rows["text"].tolist(), target="urgent", progress=False)
    bias = next(b for b in truth["injected_biases"] if b["type"] == "label_bias")
    markers = bias["group_cues_in_text"]["dialect_markers"]
    overall = global_importance(results, min_count=3).set_index("feature")
    assert (overall.loc[markers, "mean_attribution"] < 0).all()
    by_group = group_importance(results, rows[bias["attribute"]], min_count=3)
    assert by_group.loc[markers, bias["group"]].notna().all()
