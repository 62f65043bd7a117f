"""Where a report's numbers come from: file hashes, package versions, seeds, time and platform."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from types import MappingProxyType
from typing import Any

from workbench._version import __version__

PACKAGES = (
    "torch",
    "captum",
    "lime",
    "aif360",
    "pandas",
    "numpy",
    "scikit-learn",
    "jinja2",
    "markdown-it-py",
    "transformers",
)
NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class Provenance:
    """What a report was made from and with, so that it can be checked and reproduced.

    ``model_sha256`` hashes the spec and the model's files (the adapter's fingerprint);
    ``data_sha256`` the evaluation data file; ``platform`` names the operating system and
    machine type without the host name; ``generation`` holds a chatbot's generation settings
    (None for a classifier).
    """

    created_at: datetime
    spec_path: str
    model_sha256: str
    data_file: str | None
    data_sha256: str | None
    packages: Mapping[str, str]
    seeds: Mapping[str, int]
    platform: str
    python: str
    redaction: bool
    generation: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", MappingProxyType(dict(self.packages)))
        object.__setattr__(self, "seeds", MappingProxyType(dict(self.seeds)))
        if self.generation is not None:
            object.__setattr__(self, "generation", MappingProxyType(dict(self.generation)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values; the time as ISO 8601 UTC."""
        return {
            "created_at": self.created_at.isoformat(),
            "spec_path": self.spec_path,
            "model_sha256": self.model_sha256,
            "data_file": self.data_file,
            "data_sha256": self.data_sha256,
            "packages": dict(self.packages),
            "seeds": dict(self.seeds),
            "platform": self.platform,
            "python": self.python,
            "redaction": self.redaction,
            "generation": None if self.generation is None else dict(self.generation),
        }


def package_versions() -> dict[str, str]:
    """Versions of the workbench and of the libraries its numbers depend on."""
    versions = {"workbench": __version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = NOT_INSTALLED
    return versions


def platform_name() -> str:
    """Operating system, release and machine type, e.g. ``Linux-6.1-x86_64-with-glibc2.36``.

    ``platform.platform()`` never includes the host name (``platform.node()``).
    """
    return platform.platform()


def collect_seeds(results: Mapping[str, Any], given: Mapping[str, int] | None) -> dict[str, int]:
    """The ``seed`` in each result's ``params`` (named by its key), then the ``given`` seeds."""
    seeds: dict[str, int] = {}
    for name, params in results.items():
        if isinstance(params, Mapping) and isinstance(params.get("seed"), int):
            seeds[name] = int(params["seed"])
    seeds.update({str(key): int(value) for key, value in (given or {}).items()})
    return seeds
