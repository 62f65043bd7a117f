"""The fingerprint of a model's files, read without loading the model."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.spec import ModelSpec


def model_sha256(spec: ModelSpec) -> str:
    """SHA-256 over the spec file and every file it names for the model (weights, vocabulary)."""
    digest = hashlib.sha256()
    files = [spec.path]
    for path in (spec.weights, spec.tokenizer, spec.preprocessing):
        if isinstance(path, Path):
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            )
    for reference in (spec.entry, spec.architecture, spec.tokenizer):
        if isinstance(reference, str) and ".py:" in reference:
            files.append(spec.folder / reference.rpartition(":")[0])
    for file in files:
        digest.update(file.name.encode())
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
