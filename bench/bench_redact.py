"""Redaction against HIPAA Safe Harbor: per-type recall, precision and speed on synthetic messages.

Run with ``python -m bench.bench_redact``; writes ``bench/results/redact.json`` and prints a
table. The corpus is ``tests/privacy/corpus.py`` with a seed of its own (the tests use another):
messages carrying each identifier type that occurs in text, and identifier-free messages.
Speed is the median over repeats of redacting every message once, after the name and place
lists have been read (their one-time load is reported on its own), in CPU time of this process
(``time.process_time``), which other programs on a shared machine barely disturb; the
wall-clock rate is recorded too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from tests.privacy.corpus import TARGETS, make_corpus, score
from workbench.privacy import redact

RESULTS = Path(__file__).with_name("results") / "redact.json"
SEED = 2026


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", type=int, default=500, help="messages per identifier type")
    parser.add_argument("--clean", type=int, default=5000, help="identifier-free messages")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the timed pass")
    parser.add_argument("--seed", type=int, default=SEED, help="corpus seed")
    args = parser.parse_args(argv)
    with_phi, clean = make_corpus(seed=args.seed, per_type=args.per_type, clean=args.clean)
    texts = [message.text for message in with_phi + clean]

    started = time.perf_counter()
    redact(texts[0])
    first_call = time.perf_counter() - started
    figures = score(with_phi, clean)
    cpu_seconds, wall_seconds = [], []
    for _ in range(args.repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        for text in texts:
            redact(text)
        cpu_seconds.append(time.process_time() - cpu)
        wall_seconds.append(time.perf_counter() - wall)

    results = {
        "seed": args.seed,
        "messages_with_identifiers": len(with_phi),
        "messages_without": len(clean),
        "recall": figures["recall"],
        "recall_min": figures["recall_min"],
        "precision": figures["precision"],
        "clean_untouched": figures["clean_untouched"],
        "false_spans": figures["false_spans"],
        "messages_per_second": len(texts) / statistics.median(cpu_seconds),
        "messages_per_second_wall": len(texts) / statistics.median(wall_seconds),
        "first_call_seconds": first_call,
        "repeats": args.repeats,
        "missed_examples": figures["missed_examples"][:10],
        "targets": TARGETS,
    }
    results["targets_met"] = {key: results[key] >= target for key, target in TARGETS.items()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print_table(results)
    return results


def _print_table(results: dict) -> None:
    print(
        f"{results['messages_with_identifiers']} messages with identifiers, "
        f"{results['messages_without']} without (seed {results['seed']})"
    )
    print(f"{'identifier type':<20}{'recall':>8}")
    for kind, recall in results["recall"].items():
        print(f"{kind:<20}{recall:>8.3f}")
    met = results["targets_met"]
    for key, label, form in (
        ("recall_min", "lowest recall", ".3f"),
        ("precision", "precision of found spans", ".4f"),
        ("messages_per_second", "messages/s", ".0f"),
    ):
        verdict = "ok" if met[key] else "MISSED"
        print(f"{label:<28}{results[key]:>10{form}}  >= {TARGETS[key]:g} {verdict}")
    print(f"messages/s by the wall clock: {results['messages_per_second_wall']:.0f}")
    print(f"identifier-free messages left unchanged: {results['clean_untouched']:.4f}")
    print(f"first call (reads the name and place lists): {results['first_call_seconds']:.2f} s")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
