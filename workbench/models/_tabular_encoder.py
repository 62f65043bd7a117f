"""Turns a table of intake-record features into the float matrix a torch tabular model reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench._errors import InputError, ModelLoadError
from workbench._files import write_text_atomically


@dataclass(frozen=True)
class TabularEncoder:
    """Standardises numeric columns and one-hot encodes categorical ones.

    ``encoded_names`` lists the matrix columns; ``feature_index`` maps each matrix column back to
    the position of its source feature, which is how attributions over one-hot columns are summed
    into one attribution per feature.
    """

    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)
    categorical: dict[str, tuple[str, ...]] = field(default_factory=dict)
    feature_columns: tuple[str, ...] = ()

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, *, numeric: Sequence[str], categorical: Sequence[str]
    ) -> TabularEncoder:
        """Learn means, standard deviations and category lists from training rows."""
        stats = {}
        for column in numeric:
            values = frame[column].astype(float)
            std = float(values.std(ddof=0)) or 1.0
            stats[column] = (float(values.mean()), std)
        categories = {c: tuple(sorted(map(str, frame[c].dropna().unique()))) for c in categorical}
        order = tuple(c for c in frame.columns if c in stats or c in categories)
        return cls(numeric=stats, categorical=categories, feature_columns=order)

    @classmethod
    def load(cls, path: str | Path) -> TabularEncoder:
        """Read an encoder saved by :meth:`save`."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                numeric={k: (float(m), float(s)) for k, (m, s) in payload["numeric"].items()},
                categorical={k: tuple(v) for k, v in payload["categorical"].items()},
                feature_columns=tuple(payload["feature_columns"]),
            )
        except FileNotFoundError:
            raise ModelLoadError(f"preprocessing file not found: {path}") from None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise ModelLoadError(
                f"preprocessing file {path} is not a tabular encoder JSON with 'numeric', "
                f"'categorical' and 'feature_columns' ({err}); re-save it with TabularEncoder.save"
            ) from None

    def save(self, path: str | Path) -> None:
        """Write the encoder as JSON."""
        payload = {
            "numeric": {k: list(v) for k, v in self.numeric.items()},
            "categorical": {k: list(v) for k, v in self.categorical.items()},
            "feature_columns": list(self.feature_columns),
        }
        write_text_atomically(path, json.dumps(payload, indent=1))

    @property
    def encoded_names(self) -> tuple[str, ...]:
        """Names of the encoded matrix columns, e.g. ``phq9`` or ``insurance=public``."""
        names: list[str] = []
        for column in self.feature_columns:
            if column in self.numeric:
                names.append(column)
            else:
                names.extend(f"{column}={value}" for value in self.categorical[column])
        return tuple(names)

    @property
    def feature_index(self) -> np.ndarray:
        """For each encoded column, the index of its feature in ``feature_columns``."""
        index: list[int] = []
        for position, column in enumerate(self.feature_columns):
            width = 1 if column in self.numeric else len(self.categorical[column])
            index.extend([position] * width)
        return np.asarray(index, dtype=np.int64)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode validated rows as a float32 matrix; unseen categories are an error."""
        blocks = []
        for column in self.feature_columns:
            if column in self.numeric:
                mean, std = self.numeric[column]
                blocks.append(((frame[column].to_numpy(dtype=float) - mean) / std)[:, None])
                continue
            known = self.categorical[column]
            values = frame[column].astype(str).to_numpy()
            unseen = sorted(set(values) - set(known))
            if unseen:
                raise InputError(
                    f"column {column!r} has values the model never saw: {unseen[:5]}; "
                    f"expected one of {list(known)}"
                )
            blocks.append((values[:, None] == np.asarray(known)[None, :]).astype(float))
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((len(frame), 0))
