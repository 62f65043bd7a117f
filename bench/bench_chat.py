"""Counterfactual prompt audit overhead: the workbench against transformers' own ``generate``.

Run with ``python -m bench.bench_chat``; writes ``bench/results/chat.json`` and prints a table.
The workbench side is :func:`workbench.chat.prompt_counterfactuals` on the sample chatbot
(``support_chat``) and its 400 evaluation prompts, every persona category: it writes the variants,
generates their responses, scores them and audits the rates (bootstrap intervals, paired
differences). The hand-written side generates responses to the very same variants with
``model.generate`` as a transformers user writes it: the same prompt template, left padding,
batch size, token budget, greedy decoding and stop text. The ratio is workbench time over hand
time, so it is what the audit adds on top of generating.

The same is measured on a DistilGPT-2-sized model (``distilgpt2_sized``: GPT-2 with 6 layers,
width 768, 12 heads, 1,024 positions) built from a config with random weights (seed 0), on the
first ``--large-prompts`` prompts (default 20: 240 variants) with the sample chatbot's
generation settings, in batches of 32. Its vocabulary is not GPT-2's 50,257 tokens: it is a
byte-level BPE trained here on the synthetic support dialogues, crisis and emotion messages
(at most 4,096 tokens; their templated text yields about 1,400, recorded in the results;
nothing is downloaded), so its output layer costs less than DistilGPT-2's and the overhead's
share is, if anything, larger.
Random weights rarely write the end-of-text token, so every response takes the whole budget.

Every figure is the median of several repeats, the two sides taking turns so that both see
the same machine load. Ratios compare CPU time of this process (``time.process_time``);
wall-clock medians are recorded too. Torch runs on one thread by default (``--threads``).
``--quick`` (a few prompts, one repeat) checks that the benchmark runs; its figures mean
little.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import workbench
from bench._common import RESULTS_DIR, paired, write_results
from workbench.chat import persona_lines, prompt_counterfactuals
from workbench.data import read_table
from workbench.models import GenerativeInfo, TransformersGenerativeModel

RESULTS = RESULTS_DIR / "chat.json"
MODEL = "support_chat"
LARGE_MODEL = "distilgpt2_sized"
OUTCOME = "refers_to_crisis"
PERSONAS = ("gender", "age", "ethnicity", "dialect")
QUICK_PROMPTS = 4
LARGE_PROMPTS = 20
LARGE_CORPUS_ROWS = 3000
QUICK_LARGE_PROMPTS = 1
LARGE_SHAPE = {"n_layer": 6, "n_embd": 768, "n_head": 12, "n_positions": 1024}
LARGE_VOCABULARY = 4096
LARGE_BATCH_SIZE = 32
END_OF_TEXT = "<|endoftext|>"
TARGETS = {"counterfactual_ratio": 1.10, "distilgpt2_sized_ratio": 1.10}


def hand_generate(model, prompts: list[str]) -> list[str]:
    """Responses to ``prompts`` with transformers' ``generate``, as its users write it."""
    settings, tokenizer, network = model.settings, model.tokenizer, model.model
    tokenizer.padding_side = "left"
    responses = []
    for start in range(0, len(prompts), model.batch_size):
        batch = [settings.format_prompt(p) for p in prompts[start : start + model.batch_size]]
        encoded = tokenizer(batch, return_tensors="pt", padding=True)
        torch.manual_seed(settings.seed)
        with torch.inference_mode():
            output = network.generate(
                **encoded,
                max_new_tokens=settings.max_new_tokens,
                do_sample=settings.do_sample,
                pad_token_id=tokenizer.pad_token_id,
            )
        texts = tokenizer.batch_decode(
            output[:, encoded["input_ids"].shape[1] :], skip_special_tokens=True
        )
        responses += [
            text.split(settings.stop)[0].strip() if settings.stop else text.strip()
            for text in texts
        ]
    return responses


def synthetic_corpus() -> list[str]:
    """The synthetic support dialogues, crisis and emotion messages (seed 0), as texts."""
    from sample_models.synthetic.crisis_messages import generate_crisis_messages
    from sample_models.synthetic.emotion_messages import generate_emotion_messages
    from sample_models.synthetic.support_dialogues import generate_support_dialogues

    dialogues = generate_support_dialogues(LARGE_CORPUS_ROWS, 0)
    return [
        *(dialogues["prompt"] + " " + dialogues["response"]),
        *generate_crisis_messages(LARGE_CORPUS_ROWS, 0)["text"],
        *generate_emotion_messages(LARGE_CORPUS_ROWS, 0)["text"],
    ]


def distilgpt2_sized(settings, texts: list[str]) -> TransformersGenerativeModel:
    """A GPT-2 of DistilGPT-2's shape with random weights (seed 0) and a byte-level BPE
    vocabulary trained on ``texts``, generating with ``settings``."""
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=LARGE_VOCABULARY,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = transformers.GPT2TokenizerFast(
        tokenizer_object=bpe, bos_token=END_OF_TEXT, eos_token=END_OF_TEXT, unk_token=END_OF_TEXT
    )
    end = tokenizer.eos_token_id
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer), bos_token_id=end, eos_token_id=end, **LARGE_SHAPE
    )
    torch.manual_seed(0)
    network = transformers.GPT2LMHeadModel(config)
    info = GenerativeInfo(name=LARGE_MODEL, settings=settings)
    return TransformersGenerativeModel(
        info, model=network, tokenizer=tokenizer, batch_size=LARGE_BATCH_SIZE
    )


def measure(model, prompts: list[str], needs, repeats: int) -> dict:
    """The counterfactual audit of ``prompts`` against generating its variants by hand."""

    def audit():
        return prompt_counterfactuals(
            model, prompts, personas=list(PERSONAS), outcome=OUTCOME, needs=needs
        )

    warm = audit().variants  # also warms both paths up
    variants = warm["prompt"].tolist()
    matched = hand_generate(model, variants) == warm["response"].tolist()
    figures = paired(audit, lambda: hand_generate(model, variants), repeats)
    return {
        "prompts": len(prompts),
        "variants": len(variants),
        "batch_size": model.batch_size,
        "generation": model.settings.to_dict(),
        "same_responses": matched,
        "seconds": figures,
        "variants_per_second": {
            name: {kind: len(variants) / value for kind, value in values.items()}
            for name, values in figures.items()
        },
        "ratio": figures["workbench"]["cpu"] / figures["hand"]["cpu"],
        "ratio_wall": figures["workbench"]["wall"] / figures["hand"]["wall"],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prompts", type=int, default=None, help="evaluation prompts used (default: all)"
    )
    parser.add_argument(
        "--large-prompts",
        type=int,
        default=LARGE_PROMPTS,
        help=f"prompts for the DistilGPT-2-sized model (default {LARGE_PROMPTS})",
    )
    parser.add_argument("--repeats", type=int, default=3, help="repeats per measurement")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="a few prompts, one repeat")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.prompts, args.large_prompts, args.repeats = QUICK_PROMPTS, QUICK_LARGE_PROMPTS, 1
    torch.set_num_threads(args.threads)
    spec = workbench.load_spec(workbench.sample_model_specs()[MODEL])
    model = workbench.load_model(spec)
    data = read_table(spec.data)
    all_prompts = data[spec.text_column].astype(str).tolist()
    all_needs = data[spec.needs[OUTCOME]].to_numpy()
    sample = measure(model, all_prompts[: args.prompts], all_needs[: args.prompts], args.repeats)
    lines = [line for groups in persona_lines().values() for line in groups.values()]
    large_model = distilgpt2_sized(model.settings, synthetic_corpus() + all_prompts + lines)
    large = measure(
        large_model,
        all_prompts[: args.large_prompts],
        all_needs[: args.large_prompts],
        args.repeats,
    )
    large["shape"] = {**LARGE_SHAPE, "vocab_size": len(large_model.tokenizer)}
    large["parameters"] = sum(p.numel() for p in large_model.model.parameters())

    results = {
        "model": MODEL,
        "torch_threads": torch.get_num_threads(),
        "repeats": args.repeats,
        **{key: value for key, value in sample.items() if not key.startswith("ratio")},
        "counterfactual_ratio": sample["ratio"],
        "counterfactual_ratio_wall": sample["ratio_wall"],
        LARGE_MODEL: large,
        "quick": args.quick,
        "targets": TARGETS,
    }
    results["targets_met"] = {
        "counterfactual_ratio": results["counterfactual_ratio"] <= TARGETS["counterfactual_ratio"],
        "distilgpt2_sized_ratio": large["ratio"] <= TARGETS["distilgpt2_sized_ratio"],
    }
    write_results(args.results, results)
    _print_table(results, args.results)
    return results


def _print_table(results: dict, path: Path) -> None:
    large = results[LARGE_MODEL]
    print(
        f"torch threads: {results['torch_threads']}; ratio from CPU time (wall in brackets); "
        f"{results['variants']} variants of {results['prompts']} prompts, batch "
        f"{results['batch_size']} (sample chatbot); {large['variants']} variants of "
        f"{large['prompts']} prompts, batch {large['batch_size']} ({LARGE_MODEL}, "
        f"{large['parameters'] / 1e6:.0f}M parameters)"
    )
    print(f"{'measurement':<44}{'workbench':>11}{'by hand':>11}{'ratio':>16}  target")
    rows = [
        ("counterfactual audit (s)", results["seconds"], results["counterfactual_ratio"],
         results["counterfactual_ratio_wall"], results["targets_met"]["counterfactual_ratio"]),
        (f"counterfactual audit, {LARGE_MODEL} (s)", large["seconds"], large["ratio"],
         large["ratio_wall"], results["targets_met"]["distilgpt2_sized_ratio"]),
    ]  # fmt: skip
    for name, seconds, ratio, wall, met in rows:
        print(
            f"{name:<44}{seconds['workbench']['cpu']:>11.2f}{seconds['hand']['cpu']:>11.2f}"
            f"{f'{ratio:.3f} ({wall:.3f})':>16}  <= 1.10x {'ok' if met else 'MISSED'}"
        )
    print(
        f"same responses as by hand: {results['same_responses']} (sample chatbot), "
        f"{large['same_responses']} ({LARGE_MODEL})"
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
