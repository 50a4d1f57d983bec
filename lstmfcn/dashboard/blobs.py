"""A small content-addressed store for uploaded files and models trained in the browser.

Session state must hold small identifiers, so an uploaded dataset or checkpoint is kept here,
once per server process, under the digest of its bytes; the session keeps only the id
(``"upload:<digest>"``). The same bytes uploaded twice get the same id, and a link carrying the
id reopens the view while the server still holds the file. Oldest entries go first when the
store is over its size budget.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

DIGEST_CHARS = 16  # 64 bits of SHA-256: unguessable enough for a link, short enough for a URL


@dataclass(frozen=True)
class Blob:
    """One stored file.

    Attributes:
        id: ``"<kind>:<digest>"``.
        kind: ``"upload"`` (a user's file), ``"trained"`` (a checkpoint trained in the browser) or
            ``"sweep"`` (a unit's checkpoint opened from a sweep folder).
        name: the file name to show (and to offer when downloading).
        data: the bytes.
    """

    id: str
    kind: str
    name: str
    data: bytes


def digest(data: bytes) -> str:
    """Short hex digest of ``data`` used in ids."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


class BlobStore:
    """Thread-safe, size-bounded store of :class:`Blob` by id (least recently used evicted).

    Args:
        max_bytes: total size kept; a single blob larger than this is still kept (alone).
    """

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self.max_bytes = max_bytes
        self._blobs: OrderedDict[str, Blob] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes, name: str, kind: str = "upload") -> Blob:
        """Store ``data`` (or find it already stored) and return its blob."""
        blob_id = f"{kind}:{digest(data)}"
        with self._lock:
            blob = self._blobs.get(blob_id)
            if blob is None:
                blob = Blob(blob_id, kind, name, bytes(data))
                self._blobs[blob_id] = blob
            self._blobs.move_to_end(blob_id)
            self._evict()
        return blob

    def get(self, blob_id: str) -> Blob | None:
        """The blob stored under ``blob_id``, or None."""
        with self._lock:
            blob = self._blobs.get(blob_id)
            if blob is not None:
                self._blobs.move_to_end(blob_id)
            return blob

    def __contains__(self, blob_id: str) -> bool:
        with self._lock:
            return blob_id in self._blobs

    def _evict(self) -> None:
        total = sum(len(b.data) for b in self._blobs.values())
        while total > self.max_bytes and len(self._blobs) > 1:
            _, old = self._blobs.popitem(last=False)
            total -= len(old.data)
