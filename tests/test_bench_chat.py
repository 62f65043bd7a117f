"""bench/bench_chat.py in its quick mode: it runs, generates what transformers generates by hand,
and writes its figures (the figures themselves are measured by running the benchmark)."""

from __future__ import annotations

import json

from bench.bench_chat import (
    LARGE_MODEL,
    LARGE_SHAPE,
    QUICK_LARGE_PROMPTS,
    QUICK_PROMPTS,
    TARGETS,
    main,
)


def test_quick_mode_runs_and_writes_its_results(tmp_path, capsys):
    path = tmp_path / "chat.json"
    results = main(["--quick", "--results", str(path)])
    assert json.loads(path.read_text(encoding="utf-8")) == results
    assert results["quick"] is True and results["prompts"] == QUICK_PROMPTS
    assert results["variants"] == QUICK_PROMPTS * 12  # every persona line of every category
    assert results["same_responses"] is True
    assert results["generation"]["max_new_tokens"] == 40
    assert results["counterfactual_ratio"] > 0 and results["targets"] == TARGETS
    large = results[LARGE_MODEL]
    assert large["prompts"] == QUICK_LARGE_PROMPTS and large["variants"] == QUICK_LARGE_PROMPTS * 12
    assert large["same_responses"] is True and large["generation"] == results["generation"]
    assert large["shape"] == {**LARGE_SHAPE, "vocab_size": large["shape"]["vocab_size"]}
    assert 1_000 < large["shape"]["vocab_size"] <= 4_096 and large["parameters"] > 40e6
    assert large["ratio"] > 0 and set(results["targets_met"]) == set(TARGETS)
    out = capsys.readouterr().out
    assert "counterfactual audit" in out and f"counterfactual audit, {LARGE_MODEL}" in out
