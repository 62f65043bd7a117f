"""An in-memory LRU cache of explanations, keyed by model hash, input, method and parameters."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from workbench._errors import ExplanationError
from workbench.explain._explanation import Explanation

MSG_BAD_SIZE = "a cache holds at least one explanation; got maxsize={maxsize!r}"


class ExplanationCache:
    """Keeps the ``maxsize`` most recently used explanations; models without a hash are skipped."""

    def __init__(self, maxsize: int = 4096) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ExplanationError(MSG_BAD_SIZE.format(maxsize=maxsize))
        self.maxsize = maxsize
        self._entries: OrderedDict[str, Explanation] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Explanation | None:
        """The explanation stored under ``key``, or None."""
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: str, explanation: Explanation) -> None:
        """Store ``explanation``, dropping the least recently used one when full."""
        self._entries[key] = explanation
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every explanation."""
        self._entries.clear()
        self.hits = self.misses = 0


def cache_key(
    *,
    fingerprint: str,
    item: Any,
    method: str,
    target: int | None,
    settings: Mapping[str, Any],
    background: str,
    faithfulness: bool,
) -> str:
    """SHA-256 of everything an explanation depends on."""
    material = [
        fingerprint,
        item,
        method,
        target,
        sorted(settings.items()),
        background,
        faithfulness,
    ]
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()


default_cache = ExplanationCache()
