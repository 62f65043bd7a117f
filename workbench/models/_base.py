"""The one model interface that every explainer and audit depends on."""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from workbench._errors import InputError, ModelRaisedError, WorkbenchError
from workbench.spec import DEFAULT_MAX_CHARACTERS, DEFAULT_MAX_TOKENS

ModelKind = Literal["text", "tabular"]
TextInputs = Sequence[str] | pd.Series | np.ndarray
Inputs = TextInputs | pd.DataFrame
T = TypeVar("T")
# The workbench's words of lower-cased text: runs of letters and digits in any script (accents and
# combining marks included) with an inner apostrophe ("can't", "don’t"); each Chinese or
# Japanese character, each punctuation mark or symbol, and each underscore on its own.
_IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LETTER = rf"(?:(?![{_IDEOGRAPHS}])[^\W_]|[\u0300-\u036f])"
WORD_PATTERN = re.compile(rf"{_LETTER}+(?:['\u2019]{_LETTER}+)?|[{_IDEOGRAPHS}]|[^\s\w]|_")
ERROR_TEXT_SHOWN = 400

MSG_BARE_STRING = (
    "predict_proba takes a list of texts, not one string; wrap a single message as [message]"
)
MSG_NOT_TEXT = (
    "text input at position {position} is {kind}, not a string; give every message as str"
)
MSG_EMPTY_TEXT = (
    "text input at position {position} is empty; a model cannot score an empty message, "
    "remove it or pass allow_empty=True to score it as an empty message"
)
MSG_NOT_FRAME = "tabular models take a pandas DataFrame with columns {columns}; got {kind}"
MSG_MISSING_COLUMNS = "input table lacks feature columns {missing}; it has {present}"
MSG_MISSING_VALUES = (
    "feature {column!r} has missing values in rows {rows}; impute or drop those rows first"
)
MSG_NOT_NUMERIC = "feature {column!r} must be numeric; found values such as {examples}"
MSG_BAD_KIND = "model kind must be 'text' or 'tabular'; got {kind!r}"
MSG_FEW_CLASSES = "a classifier needs at least two class names; got {class_names!r}"
MSG_UNKNOWN_POSITIVE = "positive class {positive_class!r} is not one of the classes {class_names}"
MSG_NO_FEATURE_COLUMNS = "a tabular model needs its feature column names"
MSG_KIND_NOT_READ = "{adapter} reads {kinds} inputs only; its model info says kind {kind!r}"
MSG_BAD_BATCH_SIZE = "batch_size must be at least 1; got {batch_size}"
MSG_TOO_MANY_CHARACTERS = (
    "message at position {position} has {count:,} characters, more than model {model!r} takes "
    "(max_characters: {limit:,}); shorten the message, or raise the limit with 'max_characters' "
    "in the model spec (model.limits in Python)"
)
MSG_TOO_MANY_TOKENS = (
    "message at position {position} has more than {limit:,} words and punctuation marks, more "
    "than model {model!r} takes (max_tokens: {limit:,}); shorten the message, or raise the limit "
    "with 'max_tokens' in the model spec (model.limits in Python)"
)
MSG_BAD_LIMIT = "input limit {name} must be a positive whole number; got {value!r}"
MSG_MODEL_RAISED = (
    "model {model!r} raised {kind} in its own code ({step}): {text}. The error is in the "
    "model's code or files, not in the workbench's checks; run the model alone on the same "
    "input to fix it (command line: --debug shows the traceback){hint}"
)
MSG_CALL_HINT = "; if the model takes other arguments, declare them with 'call' in the model spec"


@dataclass(frozen=True, kw_only=True)
class ModelInfo:
    """What a classifier is, whatever its framework: name, input kind, classes and features.

    Adapters take it once and expose its fields (``model.name``, ``model.class_names``...);
    :func:`~workbench.models.load_model` builds it from the spec. ``fingerprint`` is the
    SHA-256 of the model's files, empty for a model built in memory (then nothing is cached).
    """

    name: str
    kind: ModelKind
    class_names: tuple[str, ...]
    positive_class: str | None = None
    feature_columns: tuple[str, ...] = ()
    fingerprint: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "feature_columns", tuple(self.feature_columns))
        if self.kind not in ("text", "tabular"):
            raise InputError(MSG_BAD_KIND.format(kind=self.kind))
        if len(self.class_names) < 2:
            raise InputError(MSG_FEW_CLASSES.format(class_names=self.class_names))
        if self.positive_class is not None and self.positive_class not in self.class_names:
            raise InputError(
                MSG_UNKNOWN_POSITIVE.format(
                    positive_class=self.positive_class, class_names=list(self.class_names)
                )
            )
        if self.kind == "tabular" and not self.feature_columns:
            raise InputError(MSG_NO_FEATURE_COLUMNS)

    @property
    def positive_index(self) -> int | None:
        """Column of the positive class in ``predict_proba`` output, if one is named."""
        return None if self.positive_class is None else self.class_names.index(self.positive_class)


@dataclass(frozen=True, kw_only=True)
class InputLimits:
    """The largest message a model scores or explains: ``max_characters`` characters and
    ``max_tokens`` words and punctuation marks (as :func:`~workbench.models.split_words` counts
    them). The defaults keep one explanation within a few hundred MB."""

    max_characters: int = DEFAULT_MAX_CHARACTERS
    max_tokens: int = DEFAULT_MAX_TOKENS

    def __post_init__(self) -> None:
        for name in ("max_characters", "max_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(MSG_BAD_LIMIT.format(name=name, value=value))

    def check(self, texts: Sequence[str], *, model: str) -> None:
        """Raise an :class:`InputError` naming the limit that a message of ``texts`` exceeds."""
        for position, text in enumerate(texts):
            if len(text) > self.max_characters:
                raise InputError(
                    MSG_TOO_MANY_CHARACTERS.format(
                        position=position, count=len(text), limit=self.max_characters, model=model
                    )
                )
            # A message has at most as many tokens as characters: most need no count.
            if len(text) > self.max_tokens and _more_words_than(text, self.max_tokens):
                raise InputError(
                    MSG_TOO_MANY_TOKENS.format(
                        position=position, limit=self.max_tokens, model=model
                    )
                )


def run_model_code(model: str, step: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, the model's own code; anything it raises (other than the
    workbench's own errors) becomes a :class:`ModelRaisedError` naming the model and ``step``."""
    try:
        return function(*args)
    except WorkbenchError:
        raise
    except Exception as err:  # the model's code may raise anything; it is reported as its own
        raise model_raised(model, step, err) from err


def model_raised(model: str, step: str, err: BaseException) -> ModelRaisedError:
    """The one-paragraph error for ``err``, raised by model ``model``'s code during ``step``."""
    text = " ".join(str(err).split())
    if len(text) > ERROR_TEXT_SHOWN:
        text = text[:ERROR_TEXT_SHOWN] + "..."
    hint = MSG_CALL_HINT if isinstance(err, TypeError) and step == "forward" else ""
    kind = type(err).__name__
    return ModelRaisedError(
        MSG_MODEL_RAISED.format(
            model=model, kind=kind, step=step, text=text or "(no message)", hint=hint
        )
    )


@dataclass(frozen=True, kw_only=True)
class ModelSource:
    """Where a loaded model came from: its spec file (resolved) and whether pickles were
    trusted, so another process (a Dask worker) can load the same model."""

    spec_path: Path
    trust_pickle: bool = False


class ModelAdapter(ABC):
    """A classifier of raw inputs (texts or table rows) that returns class probabilities.

    Subclasses implement :meth:`_predict_batch`; batching, input checks and output checks live
    here once. Adapters whose model has gradients also implement
    :class:`~workbench.models.DifferentiableTextModel` or
    :class:`~workbench.models.DifferentiableTabularModel`.
    """

    framework: str = "callable"
    kinds: tuple[ModelKind, ...] = ("text", "tabular")
    limits: InputLimits = InputLimits()
    # Set by load_model; None for a model built in memory.
    source: ModelSource | None = None
    # False for a model served by other processes (a Dask engine's workers): it predicts
    # there, and is explained there, never in this process.
    in_process: bool = True

    def __init__(self, info: ModelInfo, *, batch_size: int) -> None:
        if info.kind not in self.kinds:
            raise InputError(
                MSG_KIND_NOT_READ.format(
                    adapter=type(self).__name__, kinds=" or ".join(self.kinds), kind=info.kind
                )
            )
        if batch_size < 1:
            raise InputError(MSG_BAD_BATCH_SIZE.format(batch_size=batch_size))
        self.info = info
        self.batch_size = int(batch_size)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, kind={self.kind!r}, "
            f"classes={list(self.class_names)})"
        )

    @property
    def differentiable(self) -> bool:
        """Whether gradient methods (Integrated Gradients and friends) apply to this model."""
        return False

    @property
    def name(self) -> str:
        """The model's name, as the spec gives it."""
        return self.info.name

    @property
    def kind(self) -> ModelKind:
        """What the model reads: texts or table rows."""
        return self.info.kind

    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names, in the order of the ``predict_proba`` columns."""
        return self.info.class_names

    @property
    def positive_class(self) -> str | None:
        """The class a fairness audit calls positive, if one is named."""
        return self.info.positive_class

    @property
    def positive_index(self) -> int | None:
        """Column of the positive class in ``predict_proba`` output, if one is named."""
        return self.info.positive_index

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """Columns a tabular model reads, in model order; empty for text models."""
        return self.info.feature_columns

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the model's files (empty when built in memory); keys the caches."""
        return self.info.fingerprint

    def predict_proba(self, inputs: Inputs, *, allow_empty: bool = False) -> np.ndarray:
        """Class probabilities, shape (n_inputs, n_classes), computed in batches.

        Texts are a list (or Series, or array) of strings, each within :attr:`limits`; tabular
        rows are a DataFrame holding at least the model's feature columns. ``allow_empty`` lets
        perturbation methods score texts whose every word was removed.
        """
        prepared = self._check_inputs(inputs, allow_empty=allow_empty)
        count = len(prepared)
        if count == 0:
            return np.zeros((0, len(self.class_names)))
        batches = [
            prepared[start : start + self.batch_size] for start in range(0, count, self.batch_size)
        ]
        parts = [
            self._check_output(probabilities, len(batch))
            for batch, probabilities in zip(batches, self._predict_batches(batches))
        ]
        return np.concatenate(parts, axis=0)

    def predict(self, inputs: Inputs) -> np.ndarray:
        """Index of the most probable class for each input."""
        return self.predict_proba(inputs).argmax(axis=1)

    @abstractmethod
    def _predict_batch(self, batch: Any) -> np.ndarray:
        """Probabilities for one batch of checked inputs (a list of str, or a DataFrame)."""

    def _predict_batches(self, batches: list[Any]) -> Iterable[np.ndarray]:
        """Probabilities for each of ``batches`` in order, one batch after the other; an
        adapter whose model runs in other processes sends them all at once."""
        for batch in batches:
            yield self._predict_batch(batch)

    def check_limits(self, texts: Sequence[str]) -> None:
        """Raise an :class:`InputError` when a message is larger than :attr:`limits` allow."""
        self.limits.check(texts, model=self.name)

    def _check_inputs(self, inputs: Inputs, *, allow_empty: bool) -> Any:
        if self.kind == "text":
            texts = check_texts(inputs, allow_empty=allow_empty)
            self.check_limits(texts)
            return texts
        return check_table(inputs, self.feature_columns)

    def _check_output(self, probabilities: Any, expected_rows: int) -> np.ndarray:
        array = np.asarray(probabilities, dtype=float)
        expected = (expected_rows, len(self.class_names))
        if array.shape != expected:
            raise InputError(
                f"model {self.name!r} returned an array of shape {array.shape}; expected "
                f"{expected} (one probability per class {list(self.class_names)})"
            )
        if not np.all(np.isfinite(array)) or np.any(array < -1e-6):
            raise InputError(f"model {self.name!r} returned negative or non-finite probabilities")
        if not np.allclose(array.sum(axis=1), 1.0, atol=1e-4):
            raise InputError(
                f"model {self.name!r} returned rows that do not sum to 1; return probabilities "
                "(apply softmax to logits)"
            )
        return array


def check_texts(inputs: Any, *, allow_empty: bool = False) -> list[str]:
    """Validate text inputs and return them as a list of str."""
    if isinstance(inputs, str):
        raise InputError(MSG_BARE_STRING)
    if isinstance(inputs, pd.DataFrame):
        raise InputError("a text model takes a list of texts; pass one column, e.g. df['text']")
    texts = list(inputs)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            kind = "missing (NaN)" if _is_nan(text) else type(text).__name__
            raise InputError(MSG_NOT_TEXT.format(position=position, kind=kind))
        if not allow_empty and not text.strip():
            raise InputError(MSG_EMPTY_TEXT.format(position=position))
    return texts


def check_table(inputs: Any, feature_columns: Sequence[str]) -> pd.DataFrame:
    """Validate a table of rows and return just its feature columns, in model order."""
    if not isinstance(inputs, pd.DataFrame):
        raise InputError(
            MSG_NOT_FRAME.format(columns=list(feature_columns), kind=type(inputs).__name__)
        )
    missing = [c for c in feature_columns if c not in inputs.columns]
    if missing:
        raise InputError(MSG_MISSING_COLUMNS.format(missing=missing, present=list(inputs.columns)))
    table = inputs.loc[:, list(feature_columns)]
    for column in feature_columns:
        nulls = table[column].isna().to_numpy()
        if nulls.any():
            rows = table.index[nulls].tolist()
            shown = rows[:10] + (["..."] if len(rows) > 10 else [])
            raise InputError(MSG_MISSING_VALUES.format(column=column, rows=shown))
    return table.reset_index(drop=True)


def check_numeric(table: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise an :class:`InputError` naming the first of ``columns`` that is not numeric."""
    for column in columns:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(
            table[column]
        ):
            converted = pd.to_numeric(table[column], errors="coerce")
            bad = table[column][converted.isna()].astype(str).unique()[:3].tolist()
            if bad:
                raise InputError(MSG_NOT_NUMERIC.format(column=column, examples=bad))


def _more_words_than(text: str, limit: int) -> bool:
    """Whether ``text`` has more than ``limit`` words and punctuation marks (stops counting
    there, so no list of words is built)."""
    count = 0
    for _ in WORD_PATTERN.finditer(text.lower()):
        count += 1
        if count > limit:
            return True
    return False


def _is_nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
