"""LIME explanations: a seeded local linear surrogate fitted on perturbed inputs.

Text features are the words of the message, one LIME feature per position (``bow=False``), split
exactly as the workbench splits words; a removed word becomes a space. Table rows are explained
over raw feature values, categories given to LIME as integer codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import torch
from lime.lime_tabular import LimeTabularExplainer
from lime.lime_text import LimeTextExplainer

from workbench.explain._inputs import (
    RawAttribution,
    RawRow,
    WordInput,
    categorical_columns,
    choose_targets,
)

REMOVED_WORD = " "


def lime_text(
    model: Any, items: Sequence[WordInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """LIME text explanation with one feature per word position."""
    scores, targets = choose_targets(model, items, requested)
    for item, score, target in zip(items, scores, targets):
        words = [item.text[start:end] for start, end in item.spans]
        explainer = LimeTextExplainer(
            class_names=list(model.class_names),
            bow=False,
            split_expression=lambda _text, words=words: words,
            mask_string=REMOVED_WORD,
            kernel_width=settings["kernel_width"],
            feature_selection="none",
            random_state=settings["seed"],
        )
        yield _explained(
            explainer,
            item.text,
            classify=partial(_classify_texts, model),
            count=len(words),
            target=target,
            score=score,
            n_samples=settings["n_samples"],
        )


def lime_tabular(
    model: Any, items: Sequence[RawRow], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """LIME tabular explanation over raw features, sampling from the background rows."""
    features = list(model.feature_columns)
    scores, targets = choose_targets(model, items, requested)
    for item, score, target in zip(items, scores, targets):
        background = item.background
        categories = categorical_columns(model, background)
        codes = {
            c: pd.Index(pd.unique(pd.concat([background[c], item.row[c]], ignore_index=True)))
            for c in categories
        }
        explainer = LimeTabularExplainer(
            _to_codes(background, features, codes),
            mode="classification",
            feature_names=features,
            categorical_features=[features.index(c) for c in categories],
            categorical_names={features.index(c): [str(v) for v in codes[c]] for c in categories},
            class_names=list(model.class_names),
            feature_selection="none",
            random_state=settings["seed"],
        )
        yield _explained(
            explainer,
            _to_codes(item.row, features, codes)[0],
            classify=partial(_classify_rows, model, features=features, codes=codes),
            count=len(features),
            target=target,
            score=score,
            n_samples=settings["n_samples"],
        )


def _explained(
    explainer: Any,
    instance: Any,
    *,
    classify: Callable[[Any], np.ndarray],
    count: int,
    target: int,
    score: np.ndarray,
    n_samples: int,
) -> RawAttribution:
    """LIME's weights of the ``count`` features of ``instance`` for ``target``, in order."""
    result = explainer.explain_instance(
        instance,
        classify,
        labels=(target,),
        num_features=count,
        num_samples=n_samples,
    )
    return RawAttribution(
        attributions=_weights(result.local_exp[target], count),
        target=target,
        probabilities=score,
    )


def _classify_texts(model: Any, texts: list[str]) -> np.ndarray:
    with torch.no_grad():
        return model.predict_proba(texts, allow_empty=True)


def _classify_rows(
    model: Any, data: np.ndarray, features: list[str], codes: dict[str, pd.Index]
) -> np.ndarray:
    columns = {}
    for j, name in enumerate(features):
        if name in codes:
            columns[name] = codes[name].to_numpy()[np.rint(data[:, j]).astype(int)]
        else:
            columns[name] = data[:, j]
    with torch.no_grad():
        return model.predict_proba(pd.DataFrame(columns))


def _to_codes(table: pd.DataFrame, features: list[str], codes: dict[str, pd.Index]) -> np.ndarray:
    return np.column_stack(
        [
            codes[name].get_indexer(table[name]) if name in codes else table[name].to_numpy(float)
            for name in features
        ]
    ).astype(float)


def _weights(pairs: list[tuple[int, float]], size: int) -> np.ndarray:
    weights = np.zeros(size)
    for index, weight in pairs:
        weights[index] = weight
    return weights
