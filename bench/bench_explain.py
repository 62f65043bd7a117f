"""Explanation speed: the workbench against Captum and LIME called by hand, in the same run.

Run with ``python -m bench.bench_explain``; writes ``bench/results/explain.json`` and prints a
table. Besides the small crisis_text model, Integrated Gradients is measured on a DistilBERT-sized
model (6 layers, hidden 768, random weights built from a config, a WordPiece tokenizer built
locally): speed does not depend on training, and the small model hides no overhead a real
model would show.

Every figure is the median of several repeats, workbench and hand-written code taking turns so
that both see the same machine load. Ratios compare CPU time of this process
(``time.process_time``), which other programs on a shared machine barely disturb; wall-clock
medians are recorded too. Torch runs on one thread by default (``--threads``), since two
threads on a busy two-core machine mostly wait for each other.

The targeted Integrated Gradients figures explain sub-word tokens (``unit="subword"``), the output
that the hand-written Captum code gives; the word-level default, which also segments each message
into words and sums its tokens' attributions, is measured against the same hand code and recorded
beside them (``ig_single_word_ratio``, ``batch_word_throughput_ratio``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
import torch
import yaml
from captum.attr import LayerIntegratedGradients
from lime.lime_text import LimeTextExplainer

import workbench
from bench._common import RESULTS_DIR, paired, timed, write_results
from workbench.explain import ExplanationCache, explain, explain_batch
from workbench.models import split_words

RESULTS = RESULTS_DIR / "explain.json"
MODEL = "crisis_text"
IG_STEPS = 50
LIME_SAMPLES = 5000
BATCH_MESSAGES = 1000
BATCH_SIZE = 64
LARGE_VOCABULARY = 8000
TARGETS = {
    "ig_single_ratio": 1.10,
    "ig_distilbert_size_ratio": 1.10,
    "lime_single_ratio": 1.10,
    "batch_throughput_ratio": 1.0,
    "cached_repeat_ms": 10.0,
}


def hand_ig(model, text: str) -> tuple[list[str], np.ndarray, float]:
    """Layer Integrated Gradients as a Captum user writes it, predicted class as target."""
    batch = model.tokenizer.encode([text])
    with torch.no_grad():
        target = int(model.forward(batch.input_ids, batch.attention_mask).argmax())
    method = LayerIntegratedGradients(model.forward, model.embedding_layer)
    attributions, delta = method.attribute(
        batch.input_ids,
        baselines=torch.full_like(batch.input_ids, model.tokenizer.baseline_id),
        target=target,
        additional_forward_args=(batch.attention_mask,),
        n_steps=IG_STEPS,
        return_convergence_delta=True,
    )
    tokens = model.tokenizer.tokens(text)
    return tokens, attributions.sum(dim=-1)[0].detach().numpy(), float(delta)


def hand_lime(model, text: str) -> list[tuple[str, float]]:
    """LIME's text explainer as a LIME user writes it, the top class explained."""
    explainer = LimeTextExplainer(class_names=list(model.class_names), random_state=0)
    result = explainer.explain_instance(
        text,
        lambda texts: model.predict_proba(texts, allow_empty=True),
        top_labels=1,
        num_features=len(split_words(text)),
        num_samples=LIME_SAMPLES,
    )
    return result.as_list(label=result.top_labels[0])


def hand_batch(model, texts: list[str]) -> list[np.ndarray]:
    """Batched Layer Integrated Gradients by hand: pad each batch, one attribute call."""
    method = LayerIntegratedGradients(model.forward, model.embedding_layer)
    out = []
    for start in range(0, len(texts), BATCH_SIZE):
        chunk = texts[start : start + BATCH_SIZE]
        batch = model.tokenizer.encode(chunk)
        with torch.no_grad():
            targets = model.forward(batch.input_ids, batch.attention_mask).argmax(dim=1)
        attributions = method.attribute(
            batch.input_ids,
            baselines=torch.full_like(batch.input_ids, model.tokenizer.baseline_id),
            target=targets,
            additional_forward_args=(batch.attention_mask,),
            n_steps=IG_STEPS,
        ).sum(dim=-1)
        for row, text in enumerate(chunk):
            length = int(batch.attention_mask[row].sum())
            out.append((model.tokenizer.tokens(text), attributions[row, :length].detach().numpy()))
    return out


def distilbert_sized_model(
    folder: Path, texts: list[str], *, device: str | None = None, **config: int
):
    """A DistilBERT-sized classifier with random weights and a local WordPiece vocabulary
    (``config`` overrides DistilBertConfig's sizes; ``device`` goes in the spec)."""
    import transformers

    words = sorted({w.lower() for t in texts for w in split_words(t)})[: LARGE_VOCABULARY - 5]
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    torch.manual_seed(0)
    sizes = transformers.DistilBertConfig(vocab_size=len(vocabulary), num_labels=2, **config)
    transformers.DistilBertForSequenceClassification(sizes).save_pretrained(folder / "model")
    tokenizer = transformers.DistilBertTokenizerFast(vocab={w: i for i, w in enumerate(vocabulary)})
    tokenizer.save_pretrained(folder / "model")
    spec = {
        "name": "distilbert-sized",
        "kind": "text",
        "framework": "transformers",
        "weights": "model",
        "classes": ["routine", "urgent"],
        "positive_class": "urgent",
    }
    if device is not None:
        spec["device"] = device
    (folder / "model.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    model = workbench.load_model(folder / "model.yaml")
    parameters = sum(p.numel() for p in model.module.parameters())
    return model, parameters


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats per measurement")
    parser.add_argument("--messages", type=int, default=BATCH_MESSAGES, help="batch size")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--large-repeats", type=int, default=3, help="repeats on the DistilBERT-sized model"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    specs = workbench.sample_model_specs()
    model = workbench.load_model(specs[MODEL])
    texts = workbench.load_dataset(specs[MODEL])["text"].tolist()
    singles = texts[:10]
    text = sorted(singles, key=len)[len(singles) // 2]
    batch_texts = (texts * (args.messages // len(texts) + 1))[: args.messages]

    for warm in singles[:3]:
        explain(model, warm, cache=None)
        hand_ig(model, warm)
    explain_batch(model, batch_texts[:100], cache=None, progress=False)
    hand_batch(model, batch_texts[:100])

    ig = paired(
        lambda: [
            explain(model, t, method="ig", n_steps=IG_STEPS, unit="subword", cache=None)
            for t in singles
        ],
        lambda: [hand_ig(model, t) for t in singles],
        args.repeats,
    )
    ig_words = paired(
        lambda: [explain(model, t, method="ig", n_steps=IG_STEPS, cache=None) for t in singles],
        lambda: [hand_ig(model, t) for t in singles],
        args.repeats,
    )
    lime = paired(
        lambda: explain(model, text, method="lime", n_samples=LIME_SAMPLES, cache=None),
        lambda: hand_lime(model, text),
        max(3, args.repeats // 2),
    )
    batch, batch_words = (
        paired(
            lambda unit=unit: explain_batch(
                model,
                batch_texts,
                method="ig",
                n_steps=IG_STEPS,
                unit=unit,
                cache=None,
                progress=False,
                batch_size=BATCH_SIZE,
            ),
            lambda: hand_batch(model, batch_texts),
            max(3, args.repeats // 2),
        )
        for unit in ("subword", "word")
    )
    with tempfile.TemporaryDirectory() as folder:
        large, parameters = distilbert_sized_model(Path(folder), texts)
        explain(large, text, method="ig", n_steps=IG_STEPS, cache=None)
        hand_ig(large, text)
        large_ig = paired(
            lambda: explain(large, text, method="ig", n_steps=IG_STEPS, unit="subword", cache=None),
            lambda: hand_ig(large, text),
            args.large_repeats,
        )
        large_tokens = len(large.tokenizer.tokens(text))
    cache = ExplanationCache()
    explain(model, text, cache=cache)
    explain(model, text, method="lime", n_samples=LIME_SAMPLES, cache=cache)
    cached_ig = statistics.median(
        timed(lambda: explain(model, text, cache=cache))[1] for _ in range(50)
    )
    cached_lime = statistics.median(
        timed(lambda: explain(model, text, method="lime", n_samples=LIME_SAMPLES, cache=cache))[1]
        for _ in range(50)
    )

    per_message = {k: {t: v / len(singles) for t, v in d.items()} for k, d in ig.items()}
    results = {
        "model": MODEL,
        "torch_threads": torch.get_num_threads(),
        "repeats": args.repeats,
        "ig_single_seconds": per_message,
        "ig_single_ratio": ig["workbench"]["cpu"] / ig["hand"]["cpu"],
        "ig_single_ratio_wall": ig["workbench"]["wall"] / ig["hand"]["wall"],
        "ig_single_word_ratio": ig_words["workbench"]["cpu"] / ig_words["hand"]["cpu"],
        "ig_distilbert_size_parameters": parameters,
        "ig_distilbert_size_tokens": large_tokens,
        "ig_distilbert_size_seconds": large_ig,
        "ig_distilbert_size_ratio": large_ig["workbench"]["cpu"] / large_ig["hand"]["cpu"],
        "ig_distilbert_size_ratio_wall": (large_ig["workbench"]["wall"] / large_ig["hand"]["wall"]),
        "lime_single_seconds": lime,
        "lime_single_ratio": lime["workbench"]["cpu"] / lime["hand"]["cpu"],
        "lime_single_ratio_wall": lime["workbench"]["wall"] / lime["hand"]["wall"],
        "batch_messages": len(batch_texts),
        "batch_messages_per_second": {
            name: {t: len(batch_texts) / v for t, v in d.items()} for name, d in batch.items()
        },
        "batch_throughput_ratio": batch["hand"]["cpu"] / batch["workbench"]["cpu"],
        "batch_throughput_ratio_wall": batch["hand"]["wall"] / batch["workbench"]["wall"],
        "batch_word_throughput_ratio": (
            batch_words["hand"]["cpu"] / batch_words["workbench"]["cpu"]
        ),
        "cached_repeat_ms": 1000 * max(cached_ig, cached_lime),
        "cached_repeat_ms_by_method": {"ig": 1000 * cached_ig, "lime": 1000 * cached_lime},
        "targets": TARGETS,
    }
    results["targets_met"] = {
        "ig_single_ratio": results["ig_single_ratio"] <= TARGETS["ig_single_ratio"],
        "ig_distilbert_size_ratio": (
            results["ig_distilbert_size_ratio"] <= TARGETS["ig_distilbert_size_ratio"]
        ),
        "lime_single_ratio": results["lime_single_ratio"] <= TARGETS["lime_single_ratio"],
        "batch_throughput_ratio": (
            results["batch_throughput_ratio"] >= TARGETS["batch_throughput_ratio"]
        ),
        "cached_repeat_ms": results["cached_repeat_ms"] < TARGETS["cached_repeat_ms"],
    }
    write_results(RESULTS, results)
    _print_table(results)
    return results


def _print_table(results: dict) -> None:
    met = results["targets_met"]
    print(f"torch threads: {results['torch_threads']}; ratios from CPU time (wall in brackets)")
    print(f"{'measurement':<38}{'workbench':>11}{'by hand':>11}{'ratio':>16}  target")
    rows = [
        ("LIG, one message, 50 steps (ms)", "ig_single_seconds", "ig_single_ratio", 1000),
        ("LIME text, 5000 samples (ms)", "lime_single_seconds", "lime_single_ratio", 1000),
    ]
    rows.insert(
        1,
        (
            f"LIG, DistilBERT size, {results['ig_distilbert_size_tokens']} tokens (ms)",
            "ig_distilbert_size_seconds",
            "ig_distilbert_size_ratio",
            1000,
        ),
    )
    for label, values, key, scale in rows:
        ours, hand = results[values]["workbench"]["cpu"], results[values]["hand"]["cpu"]
        ratio = f"{results[key]:.3f} ({results[key + '_wall']:.3f})"
        verdict = "ok" if met[key] else "MISSED"
        print(
            f"{label:<38}{ours * scale:>11.2f}{hand * scale:>11.2f}{ratio:>16}  <= 1.10x {verdict}"
        )
    rate = results["batch_messages_per_second"]
    label = f"LIG batch of {results['batch_messages']} (messages/s)"
    ratio = (
        f"{results['batch_throughput_ratio']:.3f} ({results['batch_throughput_ratio_wall']:.3f})"
    )
    verdict = "ok" if met["batch_throughput_ratio"] else "MISSED"
    print(
        f"{label:<38}{rate['workbench']['cpu']:>11.1f}{rate['hand']['cpu']:>11.1f}{ratio:>16}"
        f"  >= 1.00x {verdict}"
    )
    print(
        f"{'word-level default against the same hand code':<49}"
        f"LIG one message {results['ig_single_word_ratio']:.3f}x, "
        f"batch throughput {results['batch_word_throughput_ratio']:.3f}x"
    )
    verdict = "ok" if met["cached_repeat_ms"] else "MISSED"
    label = "cached repeat, wall (ms)"
    print(f"{label:<38}{results['cached_repeat_ms']:>11.3f}{'':>11}{'':>16}  < 10 ms {verdict}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
