"""Stored responses of generative models, in the explanation store's SQLite file.

Each entry is one response (or the error that stopped it) under a key that hashes what the
response depends on: the model's fingerprint, the prompt's SHA-256, the generation settings
(canonical JSON) and the versions of the packages that generated it. A model built in memory
has no fingerprint, so nothing of it is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, Text, select

from workbench.models import GenerationSettings, GenerativeModel
from workbench.store._store import (
    LOOKUP_BATCH,
    ExplanationStore,
    canonical_json,
    input_hash,
    upsert,
)

RESPONSE_PACKAGES = ("mh-workbench", "torch", "transformers")

_metadata = MetaData()
responses_table = Table(
    "responses",
    _metadata,
    Column("key", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("prompt_sha256", String(64), nullable=False),
    Column("settings", Text, nullable=False),
    Column("versions", Text, nullable=False),
    Column("response", Text),
    Column("error", Text),
)


@dataclass(frozen=True)
class ResponseKey:
    """What a response depends on; :attr:`digest` is its key in the store."""

    fingerprint: str
    prompt_sha256: str
    settings: str
    versions: str

    @classmethod
    def of(
        cls,
        *,
        fingerprint: str,
        prompt: str,
        settings: GenerationSettings,
        versions: Mapping[str, str] | None = None,
    ) -> ResponseKey:
        """The key of the response to ``prompt`` by the model ``fingerprint`` with ``settings``."""
        return cls(
            fingerprint=fingerprint,
            prompt_sha256=input_hash(prompt),
            settings=canonical_json(settings.to_dict()),
            versions=canonical_json(response_versions() if versions is None else versions),
        )

    @property
    def digest(self) -> str:
        """SHA-256 of every part of the key."""
        parts = [self.fingerprint, self.prompt_sha256, self.settings, self.versions]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    """One stored result: a response, or the error that stopped it (then ``error`` is set)."""

    response: str | None
    error: str | None = None


class ResponseStore:
    """Responses on disk in ``folder`` (default: the explanation store's folder), in the same
    SQLite file as the explanations, with its WAL mode and one transaction per write."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._file = ExplanationStore(folder)
        self.folder = self._file.folder
        self.path = self._file.path
        self.engine = self._file.engine
        self._writer = self.engine.execution_options(workbench_write=True)
        _metadata.create_all(self.engine)

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM responses").scalar_one()

    def get_many(self, keys: Iterable[ResponseKey]) -> dict[str, StoredResponse]:
        """The entries stored under ``keys``, by key digest; keys not stored are left out."""
        digests = list(dict.fromkeys(key.digest for key in keys))
        found: dict[str, StoredResponse] = {}
        columns = (responses_table.c.key, responses_table.c.response, responses_table.c.error)
        with self.engine.connect() as connection:
            for start in range(0, len(digests), LOOKUP_BATCH):
                batch = digests[start : start + LOOKUP_BATCH]
                query = select(*columns).where(responses_table.c.key.in_(batch))
                for digest, response, error in connection.execute(query):
                    found[digest] = StoredResponse(response=response, error=error)
        return found

    def put_many(self, entries: Sequence[tuple[ResponseKey, StoredResponse]]) -> None:
        """Store ``entries`` in one transaction: all of them, or none if the writer dies."""
        if not entries:
            return
        rows = [
            {
                "key": key.digest,
                "fingerprint": key.fingerprint,
                "prompt_sha256": key.prompt_sha256,
                "settings": key.settings,
                "versions": key.versions,
                "response": entry.response,
                "error": entry.error,
            }
            for key, entry in entries
        ]
        upsert(self._writer, responses_table, rows, updated=("response", "error"))

    def close(self) -> None:
        """Close the store's connections."""
        self._file.close()


def generate_stored(
    model: GenerativeModel, prompts: Sequence[str], *, store: ResponseStore | None
) -> list[str]:
    """``model.generate(prompts)``, reading the responses ``store`` holds and generating (then
    storing) only the missing ones; a repeated prompt is generated once. Without a store, or
    for a model without a fingerprint (built in memory), every prompt is generated."""
    prompts = list(prompts)
    if store is None or not model.fingerprint:
        return model.generate(prompts)
    versions = response_versions()
    keys = [
        ResponseKey.of(
            fingerprint=model.fingerprint, prompt=prompt, settings=model.settings, versions=versions
        )
        for prompt in prompts
    ]
    stored = store.get_many(keys)
    responses = {digest: entry.response for digest, entry in stored.items() if entry.error is None}
    missing = {key.digest: (key, prompt) for key, prompt in zip(keys, prompts)}
    missing = {digest: pair for digest, pair in missing.items() if digest not in responses}
    if missing:
        made = model.generate([prompt for _, prompt in missing.values()])
        store.put_many(
            [
                (key, StoredResponse(response=response))
                for (key, _), response in zip(missing.values(), made)
            ]
        )
        responses.update(zip(missing, made))
    return [responses[key.digest] for key in keys]


def response_versions() -> dict[str, str]:
    """The versions of the packages a response depends on (``none`` for one not installed)."""
    versions = {}
    for name in RESPONSE_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "none"
    return versions
