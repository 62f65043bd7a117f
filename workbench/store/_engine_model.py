"""A classifier served by the Dask engine's workers: this process (an app's kernel) holds what
the spec says the model is, and sends its predictions and explanations to the workers, which
load the model once each; torch, transformers and scikit-learn are never imported here.

:func:`open_engine_model` reads the spec and the fingerprint of the model's files, then asks
one worker, in one small task, what only the loaded model knows (its framework, whether it has
gradients, its input limits); the worker loads the model as it does for every task, and checks
that its files have the same fingerprint. :meth:`EngineModel.predict_proba` sends its inputs to
the workers, a chunk per task, all chunks at once; :func:`~workbench.store.explain_stored`
explains it on its engine. Explaining it in this process (``workbench.explain.explain``) is
refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import StoreError
from workbench.models import (
    InputLimits,
    ModelAdapter,
    ModelInfo,
    classifier_info,
    require_classifier,
)
from workbench.models._base import ModelSource
from workbench.spec import ModelSpec
from workbench.store._engine import map_on_engine, run_on_engine
from workbench.store._names import SCHEDULER_ENV

MSG_NO_ENGINE = (
    "no Dask engine to serve model {model!r}: give the scheduler's address (scheduler=, "
    "workbench serve --scheduler) or set ${env}"
)
ENGINE_TASK = "serving from the Dask engine"
# Rows per prediction task: a few tasks for a whole evaluation set, one for a click.
ENGINE_CHUNK_ROWS = 512


@dataclass(frozen=True)
class LoadedFacts:
    """What only the loaded model knows: its framework, whether gradient methods apply, and
    the largest message it takes."""

    framework: str
    differentiable: bool
    limits: InputLimits


@dataclass(frozen=True)
class _ModelJob:
    """One task on the model a spec names: describe it, or predict ``items``."""

    spec_path: str
    fingerprint: str
    trust_pickle: bool
    items: Any = None  # checked messages (a list) or rows (a DataFrame)


class EngineModel(ModelAdapter):
    """A classifier whose weights live on the Dask engine's workers (see the module notes):
    its ``info`` comes from the spec, its :class:`LoadedFacts` from a worker, and
    ``scheduler`` is the engine's address."""

    in_process = False

    def __init__(
        self, info: ModelInfo, *, facts: LoadedFacts, source: ModelSource, scheduler: str
    ) -> None:
        super().__init__(info, batch_size=ENGINE_CHUNK_ROWS)
        self.framework = facts.framework
        self.limits = facts.limits
        self.source = source
        self.scheduler = scheduler
        self._differentiable = facts.differentiable

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, kind={self.kind!r}, "
            f"classes={list(self.class_names)}, scheduler={self.scheduler!r})"
        )

    @property
    def differentiable(self) -> bool:
        """Whether gradient methods apply to the model the workers load."""
        return self._differentiable

    def _predict_batches(self, batches: list[list[str] | pd.DataFrame]) -> list[np.ndarray]:
        """Every batch's probabilities: a task per batch, all sent at once so the workers
        share them, the results in order."""
        jobs = [
            _ModelJob(
                spec_path=str(self.source.spec_path),
                fingerprint=self.fingerprint,
                trust_pickle=self.source.trust_pickle,
                items=batch,
            )
            for batch in batches
        ]
        return map_on_engine(self.scheduler, _predict_on_worker, jobs)

    def _predict_batch(self, batch: list[str] | pd.DataFrame) -> np.ndarray:
        """One batch's probabilities, a task on a worker."""
        return self._predict_batches([batch])[0]


def open_engine_model(
    spec: str | Path | ModelSpec,
    *,
    scheduler: str | None = None,
    trust_pickle: bool = False,
) -> EngineModel:
    """The classifier a spec describes, served by the Dask scheduler at ``scheduler`` (default:
    ``$WORKBENCH_SCHEDULER``), whose workers load it from the spec file (a shared path)."""
    spec = require_classifier(spec, task=ENGINE_TASK)
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is None:
        raise StoreError(MSG_NO_ENGINE.format(model=spec.name, env=SCHEDULER_ENV))
    info = classifier_info(spec)
    source = ModelSource(spec_path=spec.path.resolve(), trust_pickle=trust_pickle)
    job = _ModelJob(
        spec_path=str(source.spec_path), fingerprint=info.fingerprint, trust_pickle=trust_pickle
    )
    facts = run_on_engine(address, _describe_on_worker, job)
    return EngineModel(info, facts=facts, source=source, scheduler=address)


def _describe_on_worker(job: _ModelJob) -> LoadedFacts:
    """On a worker: what its loaded model (loaded now if not yet) knows."""
    from workbench.store._precompute import _worker_model

    model = _worker_model(job)
    return LoadedFacts(
        framework=model.framework, differentiable=model.differentiable, limits=model.limits
    )


def _predict_on_worker(job: _ModelJob) -> np.ndarray:
    """On a worker: the probabilities of the job's inputs, checked already by the caller (an
    empty message among them was allowed there)."""
    from workbench.store._precompute import _worker_model

    return _worker_model(job).predict_proba(job.items, allow_empty=True)
