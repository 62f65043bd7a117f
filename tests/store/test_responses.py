"""Stored responses of generative models: keys, round trips, ``generate_stored`` generating only
what the store lacks, and ``workbench precompute`` filling the store on a real Dask cluster."""

import json
import stat
from pathlib import Path

import pytest
from test_models_generative import GPT2_KEYS, save_tiny_gpt2

from workbench import StoreError
from workbench.cli import main
from workbench.models import CallableGenerativeModel, GenerationSettings, GenerativeInfo, load_model
from workbench.store import (
    ExplanationStore,
    ResponseKey,
    ResponseStore,
    StoredResponse,
    generate_stored,
    precompute,
    response_versions,
)
from workbench.store._precompute import GENERATE, MSG_METHODS_NOT_GENERATIVE

VERSIONS = {"mh-workbench": "1", "torch": "2", "transformers": "3"}
SETTINGS = GenerationSettings(max_new_tokens=8, stop="\n")
PROMPTS = [
    "I feel low tonight",
    "I cannot sleep",
    "I feel low tonight",
    "I'm a man. I feel hopeless",
]
CHAT = """
def respond(prompt):
    return f"You wrote {len(prompt)} characters. Please call the crisis line."
"""
DATA = "prompt,needs_referral\n" + "\n".join(f"{p},1" for p in PROMPTS) + "\n   ,0\n"


class CountingModel(CallableGenerativeModel):
    """A callable chat model that records every prompt it answers."""

    def __init__(self, *, fingerprint: str, settings: GenerationSettings = SETTINGS) -> None:
        info = GenerativeInfo(name="counting", fingerprint=fingerprint, settings=settings)
        super().__init__(info, respond=self._respond, batch_size=2)
        self.asked: list[str] = []

    def _respond(self, prompt: str) -> str:
        self.asked.append(prompt)
        return f"answer to {prompt}\nsecond line"


def key(**changes):
    parts = {"fingerprint": "f" * 64, "prompt": "hello", "settings": SETTINGS, "versions": VERSIONS}
    return ResponseKey.of(**{**parts, **changes})


def test_every_part_of_the_key_changes_its_digest():
    digests = {
        key().digest,
        key(fingerprint="e" * 64).digest,
        key(prompt="hello!").digest,
        key(settings=GenerationSettings(max_new_tokens=9, stop="\n")).digest,
        key(versions={**VERSIONS, "transformers": "4"}).digest,
    }
    assert len(digests) == 5
    assert key().digest == key().digest and len(key().digest) == 64
    assert json.loads(key().settings) == SETTINGS.to_dict()


def test_responses_round_trip_beside_the_explanations(tmp_path):
    store = ResponseStore(tmp_path)
    store.put_many(
        [
            (key(), StoredResponse(response="hi there")),
            (key(prompt="x"), StoredResponse(response=None, error="InputError: empty")),
        ]
    )
    found = store.get_many([key(), key(prompt="x"), key(prompt="never")])
    assert found == {
        key().digest: StoredResponse(response="hi there"),
        key(prompt="x").digest: StoredResponse(response=None, error="InputError: empty"),
    }
    assert len(store) == 2
    store.close()
    explanations = ExplanationStore(tmp_path)
    assert len(explanations) == 0 and explanations.path == store.path
    explanations.close()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_generate_stored_generates_only_what_the_store_lacks(tmp_path):
    store = ResponseStore(tmp_path)
    model = CountingModel(fingerprint="a" * 64)
    expected = [f"answer to {prompt}" for prompt in PROMPTS]
    assert generate_stored(model, PROMPTS[:2], store=store) == expected[:2]
    assert model.asked == PROMPTS[:2]
    model.asked.clear()
    assert generate_stored(model, PROMPTS, store=store) == expected == model.generate(PROMPTS)
    assert model.asked[0] == "I'm a man. I feel hopeless" and len(model.asked) == 1 + 4
    model.asked.clear()
    assert generate_stored(model, PROMPTS, store=store) == expected
    assert model.asked == []
    assert len(store) == 3


def test_other_settings_or_another_model_do_not_reuse_responses(tmp_path):
    store = ResponseStore(tmp_path)
    generate_stored(CountingModel(fingerprint="a" * 64), PROMPTS, store=store)
    other_settings = CountingModel(fingerprint="a" * 64, settings=GenerationSettings(seed=1))
    generate_stored(other_settings, PROMPTS, store=store)
    assert other_settings.asked == list(dict.fromkeys(PROMPTS))
    other_model = CountingModel(fingerprint="b" * 64)
    generate_stored(other_model, PROMPTS[:1], store=store)
    assert other_model.asked == PROMPTS[:1]
    assert len(store) == 7


def test_a_model_built_in_memory_or_no_store_stores_nothing(tmp_path):
    store = ResponseStore(tmp_path)
    in_memory = CountingModel(fingerprint="")
    assert generate_stored(in_memory, PROMPTS, store=store) == [f"answer to {p}" for p in PROMPTS]
    assert len(store) == 0 and len(in_memory.asked) == 4
    unstored = CountingModel(fingerprint="a" * 64)
    generate_stored(unstored, PROMPTS, store=None)
    assert len(unstored.asked) == 4


def test_a_stored_error_is_generated_again(tmp_path):
    store = ResponseStore(tmp_path)
    model = CountingModel(fingerprint="a" * 64)
    failed = ResponseKey.of(
        fingerprint=model.fingerprint,
        prompt="hello",
        settings=SETTINGS,
        versions=response_versions(),
    )
    store.put_many([(failed, StoredResponse(response=None, error="ModelRaisedError: down"))])
    assert generate_stored(model, ["hello"], store=store) == ["answer to hello"]
    assert store.get_many([failed])[failed.digest] == StoredResponse(response="answer to hello")


def _folder(spec_writer, **keys) -> Path:
    path = spec_writer(
        **keys,
        data="prompts.csv",
        text_column="prompt",
        needs={"refers_to_crisis": "needs_referral"},
    )
    (path.parent / "prompts.csv").write_text(DATA)
    return path


@pytest.fixture
def chat_spec(spec_writer) -> Path:
    path = _folder(
        spec_writer,
        name="service-chat",
        kind="generative",
        framework="callable",
        entry="chat.py:respond",
    )
    (path.parent / "chat.py").write_text(CHAT)
    return path


def test_precompute_stores_responses_and_a_rerun_reuses_them(cluster, chat_spec, tmp_path):
    store, out = tmp_path / "store", tmp_path / "summary.json"
    common = ["precompute", "--model", str(chat_spec), "--store", str(store), "--json", str(out)]
    assert main([*common, "--scheduler", cluster.scheduler_address, "--rows", "2"]) == 0
    first = json.loads(out.read_text())
    assert (first["rows"], first["entries"], first["computed"], first["reused"]) == (2, 2, 2, 0)
    assert first["methods"] == [GENERATE] and first["failed"] == 0
    assert main([*common, "--scheduler", cluster.scheduler_address]) == 0
    second = json.loads(out.read_text())
    assert (second["rows"], second["entries"], second["computed"], second["reused"]) == (5, 4, 1, 2)
    assert second["failed"] == 1 and second["errors"][0]["row"] == 4
    assert second["errors"][0]["method"] == GENERATE
    model = load_model(chat_spec)
    asked = []
    model.respond = lambda prompt: asked.append(prompt) or "fresh"
    expected = [f"You wrote {len(p)} characters. Please call the crisis line." for p in PROMPTS]
    assert generate_stored(model, PROMPTS, store=ResponseStore(store)) == expected
    assert asked == []


def test_precompute_of_a_local_transformers_model_equals_generate(cluster, spec_writer, tmp_path):
    path = _folder(spec_writer, **GPT2_KEYS)
    save_tiny_gpt2(path.parent / "gpt2")
    summary = precompute(
        path,
        scheduler=cluster.scheduler_address,
        store=tmp_path,
        rows=4,
        chunk_rows=2,
        progress=False,
    )
    assert (summary.entries, summary.computed, summary.failed) == (3, 3, 0)
    model = load_model(path)
    stored = generate_stored(model, PROMPTS, store=ResponseStore(tmp_path))
    assert stored == model.generate(PROMPTS)


def test_methods_are_refused_for_a_generative_model(chat_spec, tmp_path, capsys):
    with pytest.raises(StoreError) as info:
        precompute(chat_spec, methods=["lime"], store=tmp_path)
    assert str(info.value) == MSG_METHODS_NOT_GENERATIVE.format(
        model="service-chat", methods=["lime"]
    )
    assert (
        main(
            ["precompute", "--model", str(chat_spec), "--method", "lime", "--store", str(tmp_path)]
        )
        == 2
    )
    assert "is generative: precompute stores its responses" in capsys.readouterr().err
