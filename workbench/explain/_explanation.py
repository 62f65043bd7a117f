"""The result types of every explainer: one attribution per token or feature, and faithfulness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench._errors import ExplanationError

MSG_LENGTHS_DIFFER = "an explanation needs one attribution per feature; got {n} features and {m}"
MSG_BAD_K = "k must be a positive whole number; got {k!r}"
# Above this share of the output change, a gradient method's completeness gap marks its
# attributions as unreliable: they do not add up to the score change they explain.
COMPLETENESS_TOLERANCE = 0.05
# A score change (and a gap) below this is none: float noise, not something to attribute.
NEGLIGIBLE_CHANGE = 1e-6


@dataclass(frozen=True, eq=False)
class Faithfulness:
    """How well an explanation's ranking predicts the model when its features are removed.

    ``comprehensiveness`` and ``sufficiency`` are ERASER's AOPC: the mean, over ``bins`` (percent
    of features), of the score drop when the top features are removed, and when only they are
    kept. The deletion and insertion curves hold the target score after removing (or keeping
    only) the top ``steps[i]`` features; their areas are over the fraction of features.
    ``infidelity`` is Captum's infidelity over random feature removals (tabular only).
    """

    bins: tuple[float, ...]
    comprehensiveness_by_bin: tuple[float, ...]
    sufficiency_by_bin: tuple[float, ...]
    steps: tuple[int, ...]
    deletion_curve: tuple[float, ...]
    insertion_curve: tuple[float, ...]
    infidelity: float | None = None

    @property
    def comprehensiveness(self) -> float:
        """AOPC of the score drop when the top features are removed (higher is more faithful)."""
        return float(np.mean(self.comprehensiveness_by_bin))

    @property
    def sufficiency(self) -> float:
        """AOPC of the score drop when only the top features are kept (lower is more faithful)."""
        return float(np.mean(self.sufficiency_by_bin))

    @property
    def deletion_auc(self) -> float:
        """Area under the deletion curve over the removed fraction (lower is more faithful)."""
        return _area(self.steps, self.deletion_curve)

    @property
    def insertion_auc(self) -> float:
        """Area under the insertion curve over the kept fraction (higher is more faithful)."""
        return _area(self.steps, self.insertion_curve)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary and curves."""
        return {
            "comprehensiveness": self.comprehensiveness,
            "sufficiency": self.sufficiency,
            "bins_percent": list(self.bins),
            "comprehensiveness_by_bin": list(self.comprehensiveness_by_bin),
            "sufficiency_by_bin": list(self.sufficiency_by_bin),
            "deletion_auc": self.deletion_auc,
            "insertion_auc": self.insertion_auc,
            "steps": list(self.steps),
            "deletion_curve": list(self.deletion_curve),
            "insertion_curve": list(self.insertion_curve),
            "infidelity": self.infidelity,
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Faithfulness:
        """The faithfulness that :meth:`to_dict` wrote."""
        return cls(
            bins=tuple(payload["bins_percent"]),
            comprehensiveness_by_bin=tuple(payload["comprehensiveness_by_bin"]),
            sufficiency_by_bin=tuple(payload["sufficiency_by_bin"]),
            steps=tuple(payload["steps"]),
            deletion_curve=tuple(payload["deletion_curve"]),
            insertion_curve=tuple(payload["insertion_curve"]),
            infidelity=payload["infidelity"],
        )


@dataclass(frozen=True, eq=False)
class Explanation:
    """Attributions of one input for one target class, from one method with its parameters.

    ``features`` are the tokens of a message (as the model reads them) or the feature columns of
    a row; ``attributions[i]`` is the contribution of ``features[i]`` to ``score``, the model's
    probability of class ``target``. ``convergence_delta`` is the completeness gap that
    Integrated Gradients, DeepLift and GradientShap report (attributions' sum minus the score
    change from the baseline), ``baseline_score`` the target's probability at their baseline;
    ``truncated`` says the message was longer than the model reads. ``notes`` are
    plain-language caveats for people. For a generative model the features are the prompt's
    words, ``target_name`` the explained response text (or span of it), ``target`` its start in
    the response and ``score`` its log-probability given the prompt, or the outcome of a scorer
    (``params['outcome']``) on the response; ``params`` also hold the generation settings.
    """

    method: str
    kind: Literal["text", "tabular", "generative"]
    features: tuple[str, ...]
    attributions: np.ndarray
    target: int
    target_name: str
    score: float
    params: Mapping[str, Any] = field(default_factory=dict)
    convergence_delta: float | None = None
    baseline_score: float | None = None
    truncated: bool = False
    notes: tuple[str, ...] = ()
    faithfulness: Faithfulness | None = None

    def __post_init__(self) -> None:
        values = np.array(self.attributions, dtype=float).reshape(-1)
        if len(values) != len(self.features):
            raise ExplanationError(MSG_LENGTHS_DIFFER.format(n=len(self.features), m=len(values)))
        values.setflags(write=False)
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "attributions", values)
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def completeness_gap(self) -> float | None:
        """|convergence_delta| as a share of the score change from the baseline (None without a
        delta; infinite when the score does not change but the attributions add up to more)."""
        if self.convergence_delta is None or self.baseline_score is None:
            return None
        change = abs(self.score - self.baseline_score)
        gap = abs(self.convergence_delta)
        if change < NEGLIGIBLE_CHANGE:
            return 0.0 if gap < NEGLIGIBLE_CHANGE else float("inf")
        return gap / change

    @property
    def completeness_exceeded(self) -> bool:
        """Whether the completeness gap is above :data:`COMPLETENESS_TOLERANCE`."""
        gap = self.completeness_gap
        return gap is not None and gap > COMPLETENESS_TOLERANCE

    def top(self, k: int = 5, *, absolute: bool = True) -> list[tuple[str, float]]:
        """The ``k`` features with the largest |attribution| (or largest signed attribution)."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ExplanationError(MSG_BAD_K.format(k=k))
        values = np.abs(self.attributions) if absolute else self.attributions
        order = np.argsort(-values, kind="stable")[:k]
        return [(self.features[i], float(self.attributions[i])) for i in order]

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: position, feature and attribution."""
        return pd.DataFrame(
            {
                "position": np.arange(len(self.features)),
                "feature": list(self.features),
                "attribution": self.attributions,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: features with their attributions, method, parameters and scores."""
        return {
            "method": self.method,
            "kind": self.kind,
            "target": self.target,
            "target_name": self.target_name,
            "score": self.score,
            "params": dict(self.params),
            "convergence_delta": self.convergence_delta,
            "baseline_score": self.baseline_score,
            "completeness_gap": _finite_or_none(self.completeness_gap),
            "completeness_tolerance": COMPLETENESS_TOLERANCE,
            "completeness_exceeded": self.completeness_exceeded,
            "truncated": self.truncated,
            "notes": list(self.notes),
            "attributions": [
                {"feature": feature, "attribution": float(value)}
                for feature, value in zip(self.features, self.attributions)
            ],
            "faithfulness": None if self.faithfulness is None else self.faithfulness.to_dict(),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Explanation:
        """The explanation that :meth:`to_dict` wrote (derived fields are computed again)."""
        faithfulness = payload["faithfulness"]
        return cls(
            method=payload["method"],
            kind=payload["kind"],
            features=tuple(item["feature"] for item in payload["attributions"]),
            attributions=np.array(
                [item["attribution"] for item in payload["attributions"]], dtype=float
            ),
            target=payload["target"],
            target_name=payload["target_name"],
            score=payload["score"],
            params=payload["params"],
            convergence_delta=payload["convergence_delta"],
            baseline_score=payload["baseline_score"],
            truncated=payload["truncated"],
            notes=tuple(payload["notes"]),
            faithfulness=None if faithfulness is None else Faithfulness.from_dict(faithfulness),
        )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is None or np.isfinite(value) else None


def _area(steps: tuple[int, ...], curve: tuple[float, ...]) -> float:
    fractions = np.asarray(steps, dtype=float) / max(steps[-1], 1)
    return float(np.trapezoid(np.asarray(curve, dtype=float), fractions))
