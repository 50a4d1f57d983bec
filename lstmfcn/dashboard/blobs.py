"""A small content-addressed store for uploaded files and models trained in the browser.

Session state must hold small identifiers, so an uploaded dataset or checkpoint is kept here,
once per server process, under the digest of its name and bytes; the session keeps only the id
(``"upload:<digest>"``). The same file uploaded twice gets the same id, and a link carrying the
id reopens the view while the server still holds the file. The name is part of the digest: the
name picks the reader (``.csv`` and ``.tsv`` bytes read differently), and a visitor who uploads
the same bytes as another under another name must never be shown the other's file name.

Memory is bounded twice: in all (least recently used first) and per session (``owner``): past
``session_bytes`` a session's oldest items go first. Each session is told what it lost
(:meth:`BlobStore.dropped`), so a page can say so and forget the ids.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
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


def digest(data: bytes, name: str = "") -> str:
    """Short hex digest of a file's ``name`` and ``data`` used in ids."""
    h = hashlib.sha256(name.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(data)
    return h.hexdigest()[:DIGEST_CHARS]


@dataclass(frozen=True)
class Dropped:
    """An item a session lost to a memory bound: its id, name and why (a phrase)."""

    id: str
    name: str
    why: str


class BlobStore:
    """Thread-safe, size-bounded store of :class:`Blob` by id (see the module docstring).

    Args:
        max_bytes: total size kept; a single blob larger than this is still kept (alone).
        session_bytes: size kept for one owner (None: no bound but the total); its newest blob
            is kept even when larger.
        on_drop: called with the id of each blob no longer stored (outside the store's lock), so
            what was read from it (a parsed dataset, a model) can be let go too.
    """

    def __init__(
        self,
        max_bytes: int = 1 << 30,
        session_bytes: int | None = None,
        on_drop: Callable[[str], None] | None = None,
    ) -> None:
        self.max_bytes, self.session_bytes, self.on_drop = max_bytes, session_bytes, on_drop
        self._blobs: OrderedDict[str, Blob] = OrderedDict()
        self._owned: dict[str, OrderedDict[str, None]] = {}  # owner → its blob ids, oldest first
        self._dropped: dict[str, list[Dropped]] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes, name: str, kind: str = "upload", owner: str | None = None) -> Blob:
        """Store ``data`` under ``name`` (or find it already stored) for ``owner``; return its blob."""
        blob_id = f"{kind}:{digest(data, name)}"
        with self._lock:
            before = set(self._blobs)
            blob = self._blobs.get(blob_id)
            if blob is None:
                blob = Blob(blob_id, kind, name, bytes(data))
                self._blobs[blob_id] = blob
            self._blobs.move_to_end(blob_id)
            if owner is not None:
                mine = self._owned.setdefault(owner, OrderedDict())
                mine[blob_id] = None
                mine.move_to_end(blob_id)
                self._evict_session(owner)
            self._evict()
            gone = before - set(self._blobs)
        for old in sorted(gone) if self.on_drop is not None else ():
            self.on_drop(old)
        return blob

    def get(self, blob_id: str) -> Blob | None:
        """The blob stored under ``blob_id``, or None."""
        with self._lock:
            blob = self._blobs.get(blob_id)
            if blob is not None:
                self._blobs.move_to_end(blob_id)
            return blob

    def dropped(self, owner: str) -> list[Dropped]:
        """What ``owner`` lost to a bound since it last asked (each item told once)."""
        with self._lock:
            return self._dropped.pop(owner, [])

    def owned_bytes(self, owner: str) -> int:
        """The size of what ``owner`` keeps here."""
        with self._lock:
            return sum(len(self._blobs[i].data) for i in self._owned.get(owner, ()) if i in self._blobs)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(len(b.data) for b in self._blobs.values())

    def __contains__(self, blob_id: str) -> bool:
        with self._lock:
            return blob_id in self._blobs

    def __len__(self) -> int:
        with self._lock:
            return len(self._blobs)

    def _evict_session(self, owner: str) -> None:
        """The owner's oldest items go while it keeps more than ``session_bytes`` (the newest stays)."""
        if self.session_bytes is None:
            return
        mine = self._owned[owner]
        while len(mine) > 1 and sum(len(self._blobs[i].data) for i in mine) > self.session_bytes:
            old, _ = mine.popitem(last=False)
            self._tell(owner, self._blobs[old], f"each visitor's files are kept up to {_mb(self.session_bytes)}")
            if not any(old in ids for ids in self._owned.values()):  # another session still uses it
                self._blobs.pop(old)

    def _evict(self) -> None:
        total = sum(len(b.data) for b in self._blobs.values())
        while total > self.max_bytes and len(self._blobs) > 1:
            _, old = self._blobs.popitem(last=False)
            total -= len(old.data)
            for owner, ids in self._owned.items():
                if old.id in ids:
                    del ids[old.id]
                    self._tell(owner, old, f"the server keeps up to {_mb(self.max_bytes)} of files for everyone")

    def _tell(self, owner: str, blob: Blob, why: str) -> None:
        self._dropped.setdefault(owner, []).append(Dropped(blob.id, blob.name, why))


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"
