"""Fill the explanation store for a dataset on a Dask cluster (for a generative model: its
responses to the dataset's prompts).

The client finds which (row, method) entries the store lacks, sends them to the workers in
chunks, and writes each chunk's results to the store as it completes, one transaction per
chunk: a run killed at any point keeps every finished chunk, and a rerun computes only the
rest. Each worker process loads the model once (cached by spec path and fingerprint) and
explains its chunks with :func:`workbench.explain.explain_batch`; a row that cannot be
explained is recorded with its error and the run goes on. A generative model's chunks are
prompts, generated with :meth:`GenerativeModel.generate` into the response store.

:func:`explain_on_engine` sends the same chunk tasks for what
:func:`~workbench.store.explain_stored` finds missing, when an engine is configured.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from workbench._errors import ExplanationError, StoreError
from workbench.data import load_dataset, read_table
from workbench.explain._checks import check_background
from workbench.explain._explanation import Explanation
from workbench.explain._methods import default_method, method_info
from workbench.models import (
    GenerationSettings,
    GenerativeModel,
    ModelAdapter,
    load_classifier,
    load_model,
    model_sha256,
)
from workbench.spec import GENERATIVE, ModelSpec, load_spec
from workbench.store._engine import (
    cancel_unfinished,
    engine_client,
    engine_lost_is_store_error,
    engine_result,
)
from workbench.store._names import SCHEDULER_ENV
from workbench.store._responses import (
    ResponseKey,
    ResponseStore,
    StoredResponse,
    response_versions,
)
from workbench.store._served import _keep, explanation_key, hashable_items
from workbench.store._store import ExplanationStore, StoredEntry, StoreKey, package_versions

MSG_BAD_ROWS = "--rows must be a positive whole number; got {value!r}"
MSG_BAD_WORKERS = "--workers must be a positive whole number; got {value!r}"
MSG_WORKERS_AND_SCHEDULER = (
    "give --workers (a local cluster) or --scheduler (an existing one), not both"
)
MSG_NO_TEXT_COLUMN = (
    "model spec {spec} names no text_column, so the messages in --data cannot be found: add "
    "'text_column: <the column of messages>' to the spec"
)
MSG_MODEL_CHANGED = (
    "the model at {spec} on a worker has fingerprint {found}, not {expected}: the workers must "
    "see the same model files as this machine (a shared path)"
)
MSG_METHODS_NOT_GENERATIVE = (
    "model {model!r} is generative: precompute stores its responses to the prompts, no "
    "explanations; remove --method {methods}"
)
MSG_ENGINE_ROW_FAILED = (
    "input {position} could not be explained on the Dask engine at {address}: {error}"
)
MSG_ENGINE_FAITHFULNESS_FAILED = (
    "the faithfulness of input {position}'s explanation could not be measured on the Dask "
    "engine at {address}: {error}"
)
PRECOMPUTE_TASK = "explaining rows with `workbench precompute`"
# What a generative model's entries are, in the summary in place of a method.
GENERATE = "generate"
# Chunks per worker: enough to balance uneven rows, few enough that a chunk is worth a task.
CHUNKS_PER_WORKER = 4
MAX_CHUNK_ROWS = 64

# A worker process's loaded model and tabular background rows, kept across its tasks.
_loaded: dict[tuple[str, str], ModelAdapter] = {}
_backgrounds: dict[str, pd.DataFrame] = {}
_loaded_generative: dict[tuple[str, str], GenerativeModel] = {}


@dataclass(frozen=True)
class PrecomputeSummary:
    """What a precompute run did: ``entries`` are rows times methods, a repeated row counted
    once; each is ``computed``, ``reused`` from the store, or ``failed``."""

    rows: int
    methods: tuple[str, ...]
    entries: int
    computed: int
    reused: int
    failed: int
    store: str
    errors: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "rows": self.rows,
            "methods": list(self.methods),
            "entries": self.entries,
            "computed": self.computed,
            "reused": self.reused,
            "failed": self.failed,
            "store": self.store,
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class _ChunkJob:
    """One task: explain these rows with one method on a worker."""

    spec_path: str
    fingerprint: str
    trust_pickle: bool
    background_path: str | None
    method: str
    params: dict[str, Any]
    positions: tuple[int, ...]
    items: Any  # messages (a list) or rows (a DataFrame)
    target: int | None = None  # None: the predicted class
    faithfulness: bool = True


@dataclass(frozen=True)
class _FaithfulnessJob:
    """One task: measure the faithfulness of these rows' explanations on a worker."""

    spec_path: str
    fingerprint: str
    trust_pickle: bool
    positions: tuple[int, ...]
    items: Any  # messages (a list) or rows (a DataFrame)
    explanations: tuple[dict[str, Any], ...]
    background_path: str | None = None


@dataclass(frozen=True)
class _GenerateJob:
    """One task: a generative model's responses to these prompts, on a worker."""

    spec_path: str
    fingerprint: str
    trust_pickle: bool
    positions: tuple[int, ...]
    items: list[str]
    method: str = GENERATE


def precompute(
    spec: str | Path,
    *,
    data: str | Path | None = None,
    methods: Sequence[str] | None = None,
    rows: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    store: str | Path | None = None,
    trust_pickle: bool = False,
    chunk_rows: int | None = None,
    progress: bool = True,
) -> PrecomputeSummary:
    """Explain the first ``rows`` rows of ``data`` (default: the spec's) with each of
    ``methods`` (default: the model's default method) into the store, reusing stored entries;
    for a generative model, generate the responses to its prompts instead (no methods).

    Runs on the Dask scheduler at ``scheduler`` (or ``$WORKBENCH_SCHEDULER``), else on a local
    cluster of ``workers`` processes (default: one per core).
    """
    rows = _positive(rows, MSG_BAD_ROWS)
    workers = _positive(workers, MSG_BAD_WORKERS)
    if workers is not None and scheduler is not None:
        raise StoreError(MSG_WORKERS_AND_SCHEDULER)
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    spec = load_spec(spec)
    if spec.kind == GENERATIVE:
        if methods:
            raise StoreError(MSG_METHODS_NOT_GENERATIVE.format(model=spec.name, methods=methods))
        return _precompute_responses(
            spec,
            data=data,
            rows=rows,
            engine=(scheduler, workers),
            store=store,
            trust_pickle=trust_pickle,
            chunk_rows=chunk_rows,
            progress=progress,
        )
    model = load_classifier(spec, task=PRECOMPUTE_TASK, trust_pickle=trust_pickle)
    frame = load_dataset(spec, data=data)
    if rows is not None:
        frame = frame.iloc[:rows]
    methods = tuple(dict.fromkeys(methods or (default_method(model),)))
    settings = {name: method_info(model, name).settings(model.kind, {}) for name in methods}
    items = _items(model, spec, frame)
    background_path = None
    background = None
    if model.kind == "tabular":
        background_path = str(Path(data or spec.data).resolve())
        background = check_background(model, read_table(background_path))
    opened = ExplanationStore(store)
    versions = package_versions()
    keyed = []  # (position, method, key) of every entry
    for name in methods:
        for position, value in enumerate(hashable_items(model, items)):
            key = explanation_key(
                model,
                value,
                method=name,
                settings=settings[name],
                target=None,
                background=background,
                versions=versions,
            )
            keyed.append((position, name, key))
    unique = {}  # a repeated row is one entry
    for position, name, key in keyed:
        unique.setdefault(key.digest, (position, name, key))
    stored = opened.get_many(key for _, _, key in unique.values())
    reused = sum(1 for found in stored.values() if found.error is None)
    missing: dict[str, list[tuple[int, StoreKey]]] = {name: [] for name in methods}
    for digest, (position, name, key) in unique.items():
        if digest not in stored or stored[digest].error is not None:
            missing[name].append((position, key))
    todo = sum(len(entries) for entries in missing.values())
    computed = failed = 0
    errors: list[dict[str, Any]] = []
    if todo:
        with _client(scheduler, workers) as client:
            size = chunk_rows or _chunk_rows(todo, _worker_count(client))
            jobs = []
            for name, listed in missing.items():
                for start in range(0, len(listed), size):
                    chunk = listed[start : start + size]
                    positions = tuple(position for position, _ in chunk)
                    jobs.append(
                        (
                            [key for _, key in chunk],
                            _ChunkJob(
                                spec_path=str(spec.path.resolve()),
                                fingerprint=model.fingerprint,
                                trust_pickle=trust_pickle,
                                background_path=background_path,
                                method=name,
                                params=settings[name],
                                positions=positions,
                                items=_subset(items, positions),
                            ),
                        )
                    )
            computed, failed, errors = _run(
                client,
                jobs,
                opened,
                todo=todo,
                progress=progress,
                task=_explain_chunk,
                entry=_explanation_entry,
            )
    opened.close()
    return PrecomputeSummary(
        rows=len(frame),
        methods=methods,
        entries=len(unique),
        computed=computed,
        reused=reused,
        failed=failed,
        store=str(opened.path),
        errors=tuple(errors),
    )


def _precompute_responses(
    spec: ModelSpec,
    *,
    data: str | Path | None,
    rows: int | None,
    engine: tuple[str | None, int | None],
    store: str | Path | None,
    trust_pickle: bool,
    chunk_rows: int | None,
    progress: bool,
) -> PrecomputeSummary:
    """Generate the responses the response store lacks to the prompts of ``data``, on the Dask
    scheduler or local cluster ``engine`` names (scheduler address, worker count)."""
    frame = load_dataset(spec, data=data)
    if rows is not None:
        frame = frame.iloc[:rows]
    prompts = frame[spec.text_column].tolist()
    fingerprint = model_sha256(spec)
    settings = GenerationSettings(**spec.generation)
    opened = ResponseStore(store)
    versions = response_versions()
    unique: dict[str, tuple[int, ResponseKey]] = {}  # a repeated prompt is one entry
    for position, prompt in enumerate(prompts):
        key = ResponseKey.of(
            fingerprint=fingerprint, prompt=prompt, settings=settings, versions=versions
        )
        unique.setdefault(key.digest, (position, key))
    stored = opened.get_many(key for _, key in unique.values())
    reused = sum(1 for found in stored.values() if found.error is None)
    missing = [
        (position, key)
        for digest, (position, key) in unique.items()
        if digest not in stored or stored[digest].error is not None
    ]
    computed = failed = 0
    errors: list[dict[str, Any]] = []
    if missing:
        with _client(*engine) as client:
            size = chunk_rows or _chunk_rows(len(missing), _worker_count(client))
            jobs = []
            for start in range(0, len(missing), size):
                chunk = missing[start : start + size]
                positions = tuple(position for position, _ in chunk)
                job = _GenerateJob(
                    spec_path=str(spec.path.resolve()),
                    fingerprint=fingerprint,
                    trust_pickle=trust_pickle,
                    positions=positions,
                    items=[prompts[position] for position in positions],
                )
                jobs.append(([key for _, key in chunk], job))
            computed, failed, errors = _run(
                client,
                jobs,
                opened,
                todo=len(missing),
                progress=progress,
                task=_generate_chunk,
                entry=_response_entry,
            )
    opened.close()
    return PrecomputeSummary(
        rows=len(frame),
        methods=(GENERATE,),
        entries=len(unique),
        computed=computed,
        reused=reused,
        failed=failed,
        store=str(opened.path),
        errors=tuple(errors),
    )


def _run(
    client: Any,
    jobs: list[tuple[list[Any], Any]],
    store: ExplanationStore | ResponseStore,
    *,
    todo: int,
    progress: bool,
    task: Callable[[Any], list[tuple[Any, str | None]]],
    entry: Callable[[Any, str | None], Any],
) -> tuple[int, int, list[dict[str, Any]]]:
    """Submit every chunk to ``task`` on the workers; store each one's results, made into
    entries by ``entry(payload, error)``, as it completes."""
    computed = failed = 0
    errors: list[dict[str, Any]] = []
    bar = tqdm(total=todo, desc="precompute", unit="entry", file=sys.stderr, disable=not progress)
    try:
        for keys, job, results in _finished(client, client.scheduler.address, jobs, task):
            entries = []
            for key, position, (payload, error) in zip(keys, job.positions, results):
                entries.append((key, entry(payload, error)))
                if error is None:
                    computed += 1
                else:
                    failed += 1
                    errors.append({"row": position, "method": job.method, "error": error})
            store.put_many(entries)
            bar.update(len(entries))
    finally:
        bar.close()
    errors.sort(key=lambda error: (error["row"], error["method"]))
    return computed, failed, errors


def _finished(
    client: Any,
    address: str,
    jobs: list[tuple[Any, Any]],
    task: Callable[..., Any],
    *args: Any,
) -> Iterator[tuple[Any, Any, Any]]:
    """Submit ``task(job, *args)`` for every ``(keys, job)`` to the scheduler at ``address``;
    yield ``(keys, job, result)`` as each finishes. Losing the scheduler, or a cancelled task,
    is a :class:`StoreError` (what was yielded before stays the caller's); whatever has not
    finished when the caller stops is cancelled."""
    from distributed import as_completed

    with engine_lost_is_store_error(address):
        futures = {client.submit(task, job, *args, pure=False): (keys, job) for keys, job in jobs}
    try:
        for future in as_completed(futures, loop=client.loop):
            keys, job = futures.pop(future)
            yield keys, job, engine_result(address, future)
    finally:
        cancel_unfinished(client, futures)


def explain_on_engine(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    *,
    scheduler: str,
    positions: Sequence[int],
    keys: Sequence[StoreKey] | None,
    store: ExplanationStore | None,
    method: str,
    params: dict[str, Any],
    target: int | None,
    background: pd.DataFrame | None,
    faithfulness: bool,
    progress: bool,
) -> list[Explanation]:
    """Explain ``items`` (the inputs at ``positions`` of a request) on the Dask scheduler at
    ``scheduler``, in chunks; each chunk's explanations are stored under ``keys`` as it
    finishes. A row a worker cannot explain is an :class:`ExplanationError` naming its
    position."""
    source = model.source
    found: dict[int, Explanation] = {}
    bar = tqdm(total=len(items), desc=f"explain ({method})", file=sys.stderr, disable=not progress)
    client = engine_client(scheduler)
    jobs = []
    with engine_lost_is_store_error(scheduler):
        chunks = _engine_chunks(client, len(items))
        shared = None if background is None else client.scatter(background, broadcast=True)
    for chunk in chunks:
        job = _ChunkJob(
            spec_path=str(source.spec_path),
            fingerprint=model.fingerprint,
            trust_pickle=source.trust_pickle,
            background_path=None,
            method=method,
            params=params,
            positions=tuple(positions[i] for i in chunk),
            items=_subset(items, chunk),
            target=target,
            faithfulness=faithfulness,
        )
        jobs.append((None if keys is None else [keys[i] for i in chunk], job))
    try:
        for chunk_keys, job, results in _finished(client, scheduler, jobs, _explain_chunk, shared):
            entries = [_explanation_entry(payload, error) for payload, error in results]
            if store is not None:
                _keep(store, list(zip(chunk_keys, entries)))
            bar.update(len(entries))
            for position, entry in zip(job.positions, entries):
                if entry.error is not None:
                    raise ExplanationError(
                        MSG_ENGINE_ROW_FAILED.format(
                            position=position, address=scheduler, error=entry.error
                        )
                    )
                found[position] = entry.explanation
    finally:
        bar.close()
    return [found[position] for position in positions]


def faithfulness_on_engine(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    explanations: Sequence[Explanation],
    *,
    scheduler: str,
    positions: Sequence[int],
    keys: Sequence[StoreKey],
    store: ExplanationStore,
    background: pd.DataFrame | None,
) -> list[Explanation]:
    """``explanations`` of ``items`` (the inputs at ``positions`` of a request) with their
    faithfulness measured on the Dask scheduler at ``scheduler``, in chunks; each chunk's
    completed explanations are stored under ``keys`` as it finishes."""
    source = model.source
    client = engine_client(scheduler)
    with engine_lost_is_store_error(scheduler):
        chunks = _engine_chunks(client, len(items))
        shared = None if background is None else client.scatter(background, broadcast=True)
    jobs = []
    for chunk in chunks:
        job = _FaithfulnessJob(
            spec_path=str(source.spec_path),
            fingerprint=model.fingerprint,
            trust_pickle=source.trust_pickle,
            positions=tuple(positions[i] for i in chunk),
            items=_subset(items, chunk),
            explanations=tuple(explanations[i].to_dict() for i in chunk),
        )
        jobs.append(([keys[i] for i in chunk], job))
    found: dict[int, Explanation] = {}
    for chunk_keys, job, results in _finished(client, scheduler, jobs, _faithfulness_chunk, shared):
        measured = [
            (key, position, Explanation.from_dict(payload))
            for key, position, (payload, error) in zip(chunk_keys, job.positions, results)
            if error is None
        ]
        _keep(store, [(key, StoredEntry(explanation)) for key, _, explanation in measured])
        found.update((position, explanation) for _, position, explanation in measured)
        for position, (_, error) in zip(job.positions, results):
            if error is not None:
                raise ExplanationError(
                    MSG_ENGINE_FAITHFULNESS_FAILED.format(
                        position=position, address=scheduler, error=error
                    )
                )
    return [found[position] for position in positions]


def _explanation_entry(payload: dict[str, Any] | None, error: str | None) -> StoredEntry:
    explanation = None if payload is None else Explanation.from_dict(payload)
    return StoredEntry(explanation=explanation, error=error)


def _response_entry(response: str | None, error: str | None) -> StoredResponse:
    return StoredResponse(response=response, error=error)


def _generate_chunk(job: _GenerateJob) -> list[tuple[str | None, str | None]]:
    """On a worker: each prompt's response, or the error that stopped it."""
    model = _worker_generative(job)
    try:
        return [(response, None) for response in model.generate(job.items)]
    except Exception:  # noqa: BLE001 - one bad prompt must not lose the chunk: one by one
        results: list[tuple[str | None, str | None]] = []
        for prompt in job.items:
            try:
                results.append((model.generate([prompt])[0], None))
            except Exception as err:  # noqa: BLE001 - recorded for the prompt, the run goes on
                results.append((None, f"{type(err).__name__}: {err}"))
        return results


def _worker_generative(job: _GenerateJob) -> GenerativeModel:
    """The worker's generative model for ``job``, loaded on its first task and kept."""
    key = (job.spec_path, job.fingerprint)
    if key not in _loaded_generative:
        model = load_model(load_spec(job.spec_path), trust_pickle=job.trust_pickle)
        _check_fingerprint(job.spec_path, found=model.fingerprint, expected=job.fingerprint)
        _loaded_generative.clear()
        _loaded_generative[key] = model
    return _loaded_generative[key]


def _check_fingerprint(spec_path: str, *, found: str, expected: str) -> None:
    if found != expected:
        raise StoreError(MSG_MODEL_CHANGED.format(spec=spec_path, found=found, expected=expected))


def _explain_chunk(
    job: _ChunkJob, background: pd.DataFrame | None = None
) -> list[tuple[dict[str, Any] | None, str | None]]:
    """On a worker: each row's explanation as a dict, or the error that stopped it;
    ``background`` (tabular rows sent with the task) stands for the job's background file."""
    from workbench.explain._explain import explain, explain_batch

    model = _worker_model(job)
    options = {
        "method": job.method,
        "target": job.target,
        "background": _worker_background(job.background_path) if background is None else background,
        "faithfulness": job.faithfulness,
        "cache": None,
    }
    try:
        explained = explain_batch(model, job.items, progress=False, **options, **job.params)
        return [(explanation.to_dict(), None) for explanation in explained]
    except Exception:  # noqa: BLE001 - one bad row must not lose the chunk: explain row by row
        results = []
        for position in range(len(job.items)):
            item = (
                job.items.iloc[[position]]
                if isinstance(job.items, pd.DataFrame)
                else job.items[position]
            )
            try:
                explanation = explain(model, item, **options, **job.params)
                results.append((explanation.to_dict(), None))
            except Exception as err:  # noqa: BLE001 - recorded for the row, the run goes on
                results.append((None, f"{type(err).__name__}: {err}"))
        return results


def _faithfulness_chunk(
    job: _FaithfulnessJob, background: pd.DataFrame | None = None
) -> list[tuple[dict[str, Any] | None, str | None]]:
    """On a worker: each row's explanation with its faithfulness, as a dict, or the error that
    stopped it; ``background`` (tabular rows sent with the task) stands for the job's file."""
    from workbench.explain._explain import evaluate_faithfulness

    model = _worker_model(job)
    rows = _worker_background(job.background_path) if background is None else background
    results: list[tuple[dict[str, Any] | None, str | None]] = []
    for position, payload in enumerate(job.explanations):
        item = (
            job.items.iloc[[position]]
            if isinstance(job.items, pd.DataFrame)
            else job.items[position]
        )
        explanation = Explanation.from_dict(payload)
        try:
            scores = evaluate_faithfulness(model, item, explanation, background=rows)
        except Exception as err:  # noqa: BLE001 - recorded for the row, the others go on
            results.append((None, f"{type(err).__name__}: {err}"))
            continue
        results.append((replace(explanation, faithfulness=scores).to_dict(), None))
    return results


def _worker_model(job: Any) -> ModelAdapter:
    """The worker's model for ``job`` (any task naming a spec path, fingerprint and
    whether to trust pickles), loaded on its first task and kept."""
    key = (job.spec_path, job.fingerprint)
    if key not in _loaded:
        model = load_classifier(job.spec_path, task=PRECOMPUTE_TASK, trust_pickle=job.trust_pickle)
        _check_fingerprint(job.spec_path, found=model.fingerprint, expected=job.fingerprint)
        _loaded.clear()
        _loaded[key] = model
    return _loaded[key]


def _worker_background(path: str | None) -> pd.DataFrame | None:
    """The worker's background rows read from ``path``, read on first use and kept."""
    if path is None:
        return None
    if path not in _backgrounds:
        _backgrounds.clear()
        _backgrounds[path] = read_table(path)
    return _backgrounds[path]


@contextmanager
def _client(scheduler: str | None, workers: int | None, *, timeout: str = "10s") -> Any:
    """The process's client of the scheduler at ``scheduler`` (waiting ``timeout`` for it),
    else one of a new local cluster."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        yield engine_client(scheduler, timeout=timeout)
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _worker_count(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _engine_chunks(client: Any, count: int) -> list[tuple[int, ...]]:
    """Positions ``0..count-1`` in chunks sized for the workers of ``client``'s cluster."""
    size = _chunk_rows(count, _worker_count(client))
    return [tuple(range(start, min(start + size, count))) for start in range(0, count, size)]


def _chunk_rows(todo: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK_ROWS, math.ceil(todo / (workers * CHUNKS_PER_WORKER))))


def _items(model: ModelAdapter, spec: Any, frame: pd.DataFrame) -> Any:
    """The messages (a list) or the feature rows (a DataFrame) to explain."""
    if model.kind == "text":
        if spec.text_column is None:
            raise StoreError(MSG_NO_TEXT_COLUMN.format(spec=spec.path))
        return frame[spec.text_column].tolist()
    return frame[list(spec.feature_columns)].reset_index(drop=True)


def _subset(items: Any, positions: tuple[int, ...]) -> Any:
    if isinstance(items, pd.DataFrame):
        return items.iloc[list(positions)].reset_index(drop=True)
    return [items[position] for position in positions]


def _positive(value: int | None, message: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StoreError(message.format(value=value))
    return value
