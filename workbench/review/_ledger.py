"""The hash chain over stored reviews: each record's hash covers its content and the previous hash.

Canonical form of a record (what ``record_hash`` is the SHA-256 of): a JSON object of the stored
fields ``id``, ``previous_hash``, ``created_at``, ``model_name``, ``model_sha256``,
``dataset_sha256``, ``spec_path``, ``decision``, ``reviewer``, ``comment`` and ``conditions``
(a list), keys sorted, separators ``,`` and ``:`` with no spaces, non-ASCII characters written
as themselves, encoded as UTF-8. ``created_at`` is written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC,
microseconds); a missing dataset hash is ``null``. The first record's ``previous_hash`` is
:data:`GENESIS_HASH`. Anyone can recompute the chain from the rows with these rules alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
CANONICAL_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
HASHED_FIELDS = (
    "id",
    "previous_hash",
    "created_at",
    "model_name",
    "model_sha256",
    "dataset_sha256",
    "spec_path",
    "decision",
    "reviewer",
    "comment",
    "conditions",
)
SHORT_HASH = 12

MSG_INTACT = "history intact: {count} record(s), chain head {head}"
MSG_BROKEN = "history broken at record #{id}: {reason}"
MSG_CONTENT_CHANGED = "its content no longer matches its hash (the record was changed)"
MSG_MISSING = "record(s) #{first} to #{last} are missing (removed from the history)"
MSG_LINK_BROKEN = (
    "it does not follow record #{previous}: its previous_hash {found} is not that record's hash "
    "{expected} (a record before it was changed, replaced or removed)"
)
MSG_REORDERED = "it follows record #{actual} instead of record #{previous} (records were reordered)"
MSG_HEAD_GONE = (
    "the chain head {head} pinned earlier is no longer in the history (records were removed or "
    "rewritten after it)"
)


def canonical_content(values: Mapping[str, Any]) -> bytes:
    """The canonical UTF-8 JSON of a stored record's hashed fields (see the module notes)."""
    created_at = values["created_at"]
    if isinstance(created_at, datetime):
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        created_at = created_at.astimezone(UTC).strftime(CANONICAL_TIME_FORMAT)
    document = {name: values[name] for name in HASHED_FIELDS}
    document["created_at"] = created_at
    document["decision"] = str(getattr(values["decision"], "value", values["decision"]))
    document["conditions"] = [str(condition) for condition in values["conditions"]]
    document["id"] = int(values["id"])
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def record_hash(values: Mapping[str, Any]) -> str:
    """The SHA-256 hex digest of a record's canonical content, its previous hash included."""
    return hashlib.sha256(canonical_content(values)).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """The result of walking the chain: ``intact``, how many records, the ``head`` hash (the
    last record's, or :data:`GENESIS_HASH` when empty) and, if broken, the first bad record's id
    and why."""

    intact: bool
    count: int
    head: str
    bad_id: int | None = None
    reason: str = ""

    @property
    def message(self) -> str:
        """'history intact: …' with the chain head, or where and why the history breaks."""
        if self.intact:
            return MSG_INTACT.format(count=self.count, head=self.head)
        return MSG_BROKEN.format(id=self.bad_id, reason=self.reason)

    def as_dict(self) -> dict[str, Any]:
        """The check as JSON-ready values."""
        return {
            "intact": self.intact,
            "records": self.count,
            "head": self.head,
            "first_bad_record": self.bad_id,
            "reason": self.reason or None,
            "message": self.message,
        }


def check_chain(rows: Sequence[Mapping[str, Any]], *, pinned_head: str | None = None) -> ChainCheck:
    """Walk ``rows`` (every stored record, by id) and report the first one that breaks the chain.

    ``pinned_head`` is a head printed earlier (by a report, say): the chain must still hold it.
    """
    expected_previous, expected_id = GENESIS_HASH, 1
    ids_by_hash = {row["record_hash"]: int(row["id"]) for row in rows}
    for row in rows:
        row_id = int(row["id"])
        if row_id != expected_id:
            reason = MSG_MISSING.format(first=expected_id, last=row_id - 1)
            return _broken(rows, expected_id, reason)
        if row["previous_hash"] != expected_previous:
            actual = ids_by_hash.get(row["previous_hash"])
            if actual is not None and actual != row_id - 1:
                reason = MSG_REORDERED.format(actual=actual, previous=row_id - 1)
            else:
                reason = MSG_LINK_BROKEN.format(
                    previous=row_id - 1,
                    found=row["previous_hash"][:SHORT_HASH],
                    expected=expected_previous[:SHORT_HASH],
                )
            return _broken(rows, row_id, reason)
        if record_hash(row) != row["record_hash"]:
            return _broken(rows, row_id, MSG_CONTENT_CHANGED)
        expected_previous, expected_id = row["record_hash"], row_id + 1
    if pinned_head is not None and pinned_head != GENESIS_HASH and pinned_head not in ids_by_hash:
        return _broken(rows, expected_id, MSG_HEAD_GONE.format(head=pinned_head[:SHORT_HASH]))
    return ChainCheck(intact=True, count=len(rows), head=expected_previous)


def _broken(rows: Sequence[Mapping[str, Any]], bad_id: int, reason: str) -> ChainCheck:
    head = rows[-1]["record_hash"] if rows else GENESIS_HASH
    return ChainCheck(intact=False, count=len(rows), head=head, bad_id=bad_id, reason=reason)
