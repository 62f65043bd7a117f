"""The persistent explanation store and the precompute engine that fills it.

:class:`ExplanationStore` keeps explanations (and the errors of rows that could not be
explained) in SQLite, keyed by model fingerprint, input hash, method, parameters, target and
package versions; :class:`ResponseStore` keeps a generative model's responses in the same file,
keyed by model fingerprint, prompt hash, generation settings and package versions, and
:func:`generate_stored` generates only the responses it lacks; :func:`precompute` fills either
for a dataset on a Dask cluster, and :func:`explain_stored` serves the app, the report and
importance from the explanation store, computing only what it lacks; :class:`EngineModel`
(from :func:`open_engine_model`) is a classifier served by the Dask engine's workers, so that a
process predicts and explains without loading it, and :func:`engine_client` is the process's
one client of a scheduler.
"""

from workbench._lazy import lazy_names

_HOMES = {
    "STORE_ENV": "workbench.store._names",
    "SCHEDULER_ENV": "workbench.store._names",
    "ExplanationStore": "workbench.store._store",
    "StoreKey": "workbench.store._store",
    "StoredEntry": "workbench.store._store",
    "default_store_folder": "workbench.store._names",
    "store_exists": "workbench.store._names",
    "NOTE_PRECOMPUTED": "workbench.store._served",
    "Served": "workbench.store._served",
    "explain_stored": "workbench.store._served",
    "explanation_key": "workbench.store._served",
    "shared_store": "workbench.store._served",
    "stored_rows": "workbench.store._served",
    "input_hash": "workbench.store._store",
    "package_versions": "workbench.store._store",
    "ResponseKey": "workbench.store._responses",
    "ResponseStore": "workbench.store._responses",
    "StoredResponse": "workbench.store._responses",
    "generate_stored": "workbench.store._responses",
    "response_versions": "workbench.store._responses",
    "PrecomputeSummary": "workbench.store._precompute",
    "EngineModel": "workbench.store._engine_model",
    "LoadedFacts": "workbench.store._engine_model",
    "open_engine_model": "workbench.store._engine_model",
    "engine_client": "workbench.store._engine",
    "precompute": "workbench.store._precompute",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
