"""Counterfactual prompt audit overhead: the workbench against transformers' own ``generate``.

Run with ``python -m bench.bench_chat``; writes ``bench/results/chat.json`` and prints a table.
The workbench side is :func:`workbench.chat.prompt_counterfactuals` on the sample chatbot
(``support_chat``) and its 400 evaluation prompts, every persona category: it writes the variants,
generates their responses, scores them and audits the rates (bootstrap intervals, paired
differences). The hand-written side generates responses to the very same variants with
``model.generate`` as a transformers user writes it: the same prompt template, left padding,
batch size, token budget, greedy decoding, seed per batch and stop text. The ratio is
workbench time over hand time, so it is what the audit adds on top of generating.

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
from workbench.chat import prompt_counterfactuals
from workbench.data import read_table

RESULTS = RESULTS_DIR / "chat.json"
MODEL = "support_chat"
OUTCOME = "refers_to_crisis"
PERSONAS = ("gender", "age", "ethnicity", "dialect")
QUICK_PROMPTS = 4
TARGETS = {"counterfactual_ratio": 1.10}


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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prompts", type=int, default=None, help="evaluation prompts used (default: all)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="repeats per measurement")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="a few prompts, one repeat")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.prompts, args.repeats = QUICK_PROMPTS, 1
    torch.set_num_threads(args.threads)
    spec = workbench.load_spec(workbench.sample_model_specs()[MODEL])
    model = workbench.load_model(spec)
    data = read_table(spec.data)
    prompts = data[spec.text_column].astype(str).tolist()[: args.prompts]
    needs = data[spec.needs[OUTCOME]].to_numpy()[: args.prompts]

    def audit():
        return prompt_counterfactuals(
            model, prompts, personas=list(PERSONAS), outcome=OUTCOME, needs=needs
        )

    variants = audit().variants["prompt"].tolist()  # also warms both paths up
    matched = hand_generate(model, variants) == model.generate(variants)
    figures = paired(audit, lambda: hand_generate(model, variants), args.repeats)

    results = {
        "model": MODEL,
        "torch_threads": torch.get_num_threads(),
        "repeats": args.repeats,
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
        "counterfactual_ratio": figures["workbench"]["cpu"] / figures["hand"]["cpu"],
        "counterfactual_ratio_wall": figures["workbench"]["wall"] / figures["hand"]["wall"],
        "quick": args.quick,
        "targets": TARGETS,
    }
    results["targets_met"] = {
        "counterfactual_ratio": results["counterfactual_ratio"] <= TARGETS["counterfactual_ratio"]
    }
    write_results(args.results, results)
    _print_table(results, args.results)
    return results


def _print_table(results: dict, path: Path) -> None:
    seconds = results["seconds"]
    verdict = "ok" if results["targets_met"]["counterfactual_ratio"] else "MISSED"
    print(
        f"torch threads: {results['torch_threads']}; {results['variants']} variants of "
        f"{results['prompts']} prompts, batch {results['batch_size']}; ratio from CPU time "
        "(wall in brackets)"
    )
    print(f"{'measurement':<34}{'workbench':>11}{'by hand':>11}{'ratio':>16}  target")
    ratio = f"{results['counterfactual_ratio']:.3f} ({results['counterfactual_ratio_wall']:.3f})"
    print(
        f"{'counterfactual audit (s)':<34}{seconds['workbench']['cpu']:>11.2f}"
        f"{seconds['hand']['cpu']:>11.2f}{ratio:>16}  <= 1.10x {verdict}"
    )
    print(f"same responses as by hand: {results['same_responses']}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
