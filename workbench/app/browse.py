"""A model under review with its evaluation data and predictions, and the examples to browse.

:func:`open_subject` loads a spec's model (or has a Dask engine serve it) and data and scores
every row once;
:func:`filter_examples` picks rows by group, true class, predicted class and error, with their
text redacted; :func:`example_input` is one row as the model takes it (the message as written
and audited, for explaining and never shown as is, or a one-row table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from workbench._errors import DataError
from workbench.app.stored import precomputed_rows
from workbench.audit import group_name
from workbench.data import load_dataset
from workbench.models import ModelAdapter, load_classifier, require_classifier
from workbench.privacy import redact
from workbench.spec import ModelSpec

OUTCOMES = ("all", "errors", "correct")
PAGE_SIZE = 200
MSG_NO_LABEL = "model spec {path} names no label_column; the workbench needs the true classes"
MSG_MISSING_COLUMN = "the data has no {role} column {column!r}; its columns are {columns}"
MSG_NO_TEXT_COLUMN = "a text model needs text_column, the column of messages"
MSG_UNKNOWN_ATTRIBUTE = "{attribute!r} is not a protected attribute; choose one of {choices}"
MSG_UNKNOWN_GROUP = "{group!r} is not a group of {attribute!r}; its groups are {choices}"
MSG_UNKNOWN_CLASS = "{value!r} is not a class of the model; its classes are {choices}"
MSG_UNKNOWN_OUTCOME = "outcome must be one of {choices}; got {value!r}"
MSG_BAD_ROW = "row {row} is outside the {n} rows of the data (give 0 to {last})"
MSG_BAD_LIMIT = "limit must be a positive whole number; got {value!r}"


@dataclass(frozen=True, eq=False)
class Subject:
    """A model with its evaluation data, the true class of each row and its predictions.

    ``probabilities`` holds one row per data row and one column per class; ``examples`` is the
    per-row table the browser filters: true ``label``, ``prediction``, its ``score``,
    ``correct`` and each protected attribute's group.
    """

    model: ModelAdapter
    data: pd.DataFrame
    label_column: str
    protected: tuple[str, ...]
    probabilities: np.ndarray
    text_column: str | None = None
    spec: ModelSpec | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The model's name."""
        return self.model.name

    @property
    def positive_class(self) -> str:
        """The model's positive class, or its second class when none is named."""
        return self.model.positive_class or self.model.class_names[1]

    @property
    def labels(self) -> pd.Series:
        """The true class of each row, as text."""
        return self.data[self.label_column].astype(str).reset_index(drop=True)

    @cached_property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """The group names of each protected attribute, largest group first."""
        return {name: _by_size(self._group_column(name)) for name in self.protected}

    @cached_property
    def examples(self) -> pd.DataFrame:
        """One row per data row: label, prediction, score, correct and the protected groups."""
        best = self.probabilities.argmax(axis=1)
        predicted = np.asarray(self.model.class_names, dtype=object)[best]
        table = pd.DataFrame(
            {
                "label": self.labels,
                "prediction": predicted,
                "score": self.probabilities[np.arange(len(best)), best],
            }
        )
        table["correct"] = table["label"] == table["prediction"]
        for name in self.protected:
            table[name] = self._group_column(name)
        return table

    def inputs(self, rows: Sequence[int] | None = None) -> list[str] | pd.DataFrame:
        """The model inputs of ``rows`` (all rows when None), unredacted."""
        frame = self.data if rows is None else self.data.iloc[list(rows)]
        if self.model.kind == "text":
            return frame[self.text_column].astype(str).tolist()
        return frame.reset_index(drop=True)

    def _group_column(self, name: str) -> pd.Series:
        return self.data[name].reset_index(drop=True).astype(object).map(group_name)


@dataclass(frozen=True)
class ExamplePage:
    """The first ``limit`` examples that match a filter, and how many matched in all.

    ``rows`` is indexed by row position in the data and holds ``text`` (the message, redacted,
    or a table row as ``feature=value`` pairs), ``label``, ``prediction``, ``score``,
    ``correct`` and ``precomputed`` (the explanation store holds the row's explanations by the
    methods the app's *Explain* click uses, so they show at once).
    """

    rows: pd.DataFrame
    total: int


def open_subject(
    spec: str | Path | ModelSpec,
    *,
    data: str | Path | None = None,
    trust_pickle: bool = False,
    scheduler: str | None = None,
) -> Subject:
    """Load the model and the evaluation data a spec names (or ``data``, a file with the same
    columns), and score every row once.

    With ``scheduler``, the address of a Dask engine, the model is not loaded here: it is
    served by the engine's workers (an :class:`~workbench.store.EngineModel`), which score and
    explain it.
    """
    spec = require_classifier(spec, task="the ethics app")
    if spec.label_column is None:
        raise DataError(MSG_NO_LABEL.format(path=spec.path))
    if scheduler is None:
        model = load_classifier(spec, task="the ethics app", trust_pickle=trust_pickle)
    else:
        from workbench.store import open_engine_model

        model = open_engine_model(spec, scheduler=scheduler, trust_pickle=trust_pickle)
    return make_subject(
        model,
        load_dataset(spec, data=data),
        label=spec.label_column,
        protected=spec.protected_attributes,
        text_column=spec.text_column,
        spec=spec,
    )


def make_subject(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    label: str,
    protected: Sequence[str] = (),
    text_column: str | None = None,
    spec: ModelSpec | None = None,
) -> Subject:
    """A subject from any model adapter and a table holding its inputs, labels and groups."""
    if model.kind == "text" and not text_column:
        raise DataError(MSG_NO_TEXT_COLUMN)
    roles = [("label", label), *(("protected attribute", name) for name in protected)]
    if model.kind == "text":
        roles.append(("text", text_column))
    for role, column in roles:
        if column not in data.columns:
            raise DataError(
                MSG_MISSING_COLUMN.format(role=role, column=column, columns=list(data.columns))
            )
    data = data.reset_index(drop=True)
    inputs = data[text_column].astype(str).tolist() if model.kind == "text" else data
    return Subject(
        model=model,
        data=data,
        label_column=label,
        protected=tuple(protected),
        probabilities=model.predict_proba(inputs),
        text_column=text_column if model.kind == "text" else None,
        spec=spec,
    )


def filter_examples(
    subject: Subject,
    *,
    attribute: str | None = None,
    group: str | None = None,
    label: str | None = None,
    prediction: str | None = None,
    outcome: str = "all",
    limit: int = PAGE_SIZE,
) -> ExamplePage:
    """Examples of one ``group`` of ``attribute``, true class, predicted class and outcome.

    None (and ``outcome='all'``) means no filter; ``outcome`` is ``errors`` or ``correct``.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise DataError(MSG_BAD_LIMIT.format(value=limit))
    table = subject.examples
    keep = np.ones(len(table), dtype=bool)
    if group is not None:
        if attribute not in subject.groups:
            raise DataError(
                MSG_UNKNOWN_ATTRIBUTE.format(attribute=attribute, choices=list(subject.groups))
            )
        if group not in subject.groups[attribute]:
            raise DataError(
                MSG_UNKNOWN_GROUP.format(
                    group=group, attribute=attribute, choices=list(subject.groups[attribute])
                )
            )
        keep &= (table[attribute] == group).to_numpy()
    for column, value in (("label", label), ("prediction", prediction)):
        if value is not None:
            if value not in subject.model.class_names:
                raise DataError(
                    MSG_UNKNOWN_CLASS.format(value=value, choices=list(subject.model.class_names))
                )
            keep &= (table[column] == value).to_numpy()
    if outcome not in OUTCOMES:
        raise DataError(MSG_UNKNOWN_OUTCOME.format(choices=list(OUTCOMES), value=outcome))
    if outcome != "all":
        keep &= table["correct"].to_numpy() == (outcome == "correct")
    matched = table[keep]
    shown = matched.head(limit).loc[:, ["label", "prediction", "score", "correct"]]
    shown.insert(0, "text", [_describe(subject, row) for row in shown.index])
    shown["precomputed"] = precomputed_rows(
        subject.model,
        subject.inputs(shown.index.tolist()),
        background=subject.data if subject.model.kind == "tabular" else None,
    )
    return ExamplePage(rows=shown, total=len(matched))


def example_input(subject: Subject, row: int) -> str | pd.DataFrame:
    """Row ``row`` as the model takes it and was audited on: the message as written (show it
    redacted), or the row."""
    count = len(subject.data)
    if isinstance(row, bool) or not isinstance(row, int | np.integer) or not 0 <= row < count:
        raise DataError(MSG_BAD_ROW.format(row=row, n=count, last=count - 1))
    if subject.model.kind == "text":
        return str(subject.data[subject.text_column].iloc[row])
    return subject.data.iloc[[int(row)]].reset_index(drop=True)


def _by_size(values: pd.Series) -> tuple[str, ...]:
    counts = values.value_counts()
    return tuple(sorted(counts.index, key=lambda name: (-counts[name], name)))


def _describe(subject: Subject, row: int) -> str:
    if subject.model.kind == "text":
        return redact(str(subject.data[subject.text_column].iloc[row])).text
    values = subject.data.iloc[row]
    return ", ".join(f"{name}={values[name]}" for name in subject.model.feature_columns)
