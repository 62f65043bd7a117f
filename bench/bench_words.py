"""Agreement of Captum (Integrated Gradients) and LIME per word against per sub-word.

Run with ``python -m bench.bench_words``; writes ``bench/results/words.json`` and prints a
table. For each tokenizer family (WordPiece, byte-level BPE, Unigram, built locally as in
``tests/tiny_models.py``) a tiny transformers classifier is trained for a few epochs on synthetic
crisis messages, then ~30 other synthetic messages are explained by both methods for the urgent
class. Per word, both explanations cover the same words and Spearman compares them directly.
Per sub-word (the view before words were shared), Integrated Gradients' tokens are compared with
LIME's weight of the word each token belongs to. ``--model SPEC`` measures a saved model instead
(e.g. the BERT sample model).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from bench._common import RESULTS_DIR, write_results
from sample_models.synthetic.crisis_messages import generate_crisis_messages
from workbench.explain import explain
from workbench.explain._inputs import token_input

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from tiny_models import TOKENIZER_FAMILIES, tiny_transformers_adapter  # noqa: E402

RESULTS = RESULTS_DIR / "words.json"
MESSAGES = 30
IG_STEPS = 50
LIME_SAMPLES = 1000
TARGET = "urgent"


def train(model, *, epochs: int, seed: int = 1) -> float:
    """Fine-tune the adapter's module on synthetic messages; the training accuracy."""
    data = generate_crisis_messages(600, seed=seed)
    texts = data["text"].tolist()
    labels = torch.tensor([model.class_names.index(v) for v in data["label"]])
    module = model.module.train()
    optimiser = torch.optim.AdamW(module.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(texts), generator=generator).split(32):
            encoded = model.encode([texts[i] for i in batch])
            logits = module(encoded.input_ids, encoded.attention_mask).logits
            loss = torch.nn.functional.cross_entropy(logits, labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    module.eval()
    predicted = model.predict_proba(texts).argmax(axis=1)
    return float((predicted == labels.numpy()).mean())


def compare(model, texts: list[str]) -> dict:
    """Spearman of IG and LIME per word and per sub-word, over ``texts``."""
    per_word, per_subword = [], []
    for text in texts:
        lime = explain(
            model, text, method="lime", target=TARGET, n_samples=LIME_SAMPLES, cache=None
        )
        words = explain(model, text, target=TARGET, n_steps=IG_STEPS, cache=None)
        tokens = explain(model, text, target=TARGET, n_steps=IG_STEPS, unit="subword", cache=None)
        tokens_of = token_input(model, text)
        owner = tokens_of.membership[~tokens_of.special.numpy()].argmax(axis=1)
        per_word.append(_spearman(words.attributions, lime.attributions))
        per_subword.append(_spearman(tokens.attributions, lime.attributions[owner]))
    word_values = np.array(per_word, dtype=float)
    subword_values = np.array(per_subword, dtype=float)
    return {
        "messages": len(texts),
        "spearman_word_mean": float(np.nanmean(word_values)),
        "spearman_word_median": float(np.nanmedian(word_values)),
        "spearman_subword_mean": float(np.nanmean(subword_values)),
        "spearman_subword_median": float(np.nanmedian(subword_values)),
        "undefined": int(np.isnan(word_values).sum() + np.isnan(subword_values).sum()),
    }


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=MESSAGES, help="messages explained")
    parser.add_argument("--epochs", type=int, default=4, help="training epochs of tiny models")
    parser.add_argument("--model", help="a model spec to measure instead of the tiny models")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    texts = generate_crisis_messages(args.messages, seed=7, split="eval")["text"].tolist()
    results: dict = {"ig_steps": IG_STEPS, "lime_samples": LIME_SAMPLES, "models": {}}
    if args.model:
        from workbench.models import load_model

        model = load_model(args.model)
        results["models"][model.name] = compare(model, texts)
    else:
        for family in TOKENIZER_FAMILIES:
            model = tiny_transformers_adapter(family)
            accuracy = train(model, epochs=args.epochs)
            results["models"][family] = {"train_accuracy": accuracy, **compare(model, texts)}
    write_results(RESULTS, results)
    print(f"{'model':<24}{'word mean':>10}{'median':>8}{'subword mean':>14}{'median':>8}")
    for name, row in results["models"].items():
        print(
            f"{name:<24}{row['spearman_word_mean']:>10.3f}{row['spearman_word_median']:>8.3f}"
            f"{row['spearman_subword_mean']:>14.3f}{row['spearman_subword_median']:>8.3f}"
        )
    return results


if __name__ == "__main__":
    main()
