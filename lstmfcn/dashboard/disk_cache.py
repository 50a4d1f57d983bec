"""Explanations kept on disk, so that a restart or another browser session never computes them twice.

An entry is a dict of numpy arrays, stored as one ``.npz`` file (written beside its final name and
renamed, so a reader never sees half a file; read with ``allow_pickle=False``, so a planted file is
never unpickled). Its name is a digest of everything that determines the arrays: the model's and
the dataset's *content* digests (not their ids: a re-uploaded file or a retrained model with the
same name gets new entries), the kind of computation, the method and its parameters, the split and
the samples. The folder is bounded: past ``max_bytes`` the least recently used entries go (temporary
files count too; orphans of a killed writer go on start, see :mod:`lstmfcn.cache_folder`).

The folder is an optimisation: when it cannot be used (read-only, a file, removed) every read is a
miss and every write is skipped, and :meth:`DiskCache.notice` says so in one sentence.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import zipfile
from pathlib import Path

import numpy as np

from lstmfcn import cache_folder
from lstmfcn.cache_folder import default_folder  # noqa: F401 - where it lived first: callers import it from here

#: Default bound on the folder's size: a whole-split IG of ECG5000 (4,500 × 140 floats) is 2.5 MB.
DEFAULT_MAX_BYTES = 512 * 2**20


def content_digest(*parts: bytes | str) -> str:
    """A short hex digest of some bytes or strings (a model's checkpoint, a dataset's files …)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


class DiskCache:
    """A bounded folder of ``.npz`` entries keyed by what determines them.

    Args:
        folder: where entries live (created on first write).
        max_bytes: the folder's bound; the least recently read or written entries are removed past it.
    """

    def __init__(self, folder: str | os.PathLike | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()

    @staticmethod
    def key(**fields) -> str:
        """The entry name for ``fields`` (JSON-able values; order does not matter)."""
        return content_digest(json.dumps(fields, sort_keys=True, default=str))

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def start(self) -> DiskCache:
        """Check the folder once (so :meth:`notice` is right from the first page) and remove the
        orphan temporary files a killed writer left; returns ``self``."""
        if cache_folder.probe(self.folder):
            cache_folder.clean_orphans(self.folder)
        return self

    def notice(self) -> str | None:
        """One sentence saying this cache is off and why, or None while it works."""
        return cache_folder.notice(self.folder)

    def has(self, key: str) -> bool:
        """Whether an entry is stored under ``key`` (False when the folder cannot be read)."""
        try:
            return self.path(key).is_file()
        except OSError:
            return False

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None (absent, unreadable or not ours: then removed)."""
        path = self.path(key)
        try:
            raw = path.read_bytes()  # entries are a few MB at most
        except FileNotFoundError:
            return None
        except OSError as exc:  # not a folder, no permission: a miss, and the cache is off
            cache_folder.note_unusable(self.folder, exc)
            return None
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, zipfile.BadZipFile):
            self._remove(path)  # a damaged entry (or a lone .npy) is recomputed, never trusted
            return None
        self._touch(path)
        return arrays

    def put(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store ``arrays`` under ``key`` atomically, then keep the folder within its bound.

        A full, read-only or missing disk only means the entry is not kept: the dashboard goes on.
        """
        path = self.path(key)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, **{name: np.asarray(a) for name, a in arrays.items()})
            os.replace(tmp, path)
        except OSError as exc:
            cache_folder.note_unusable(self.folder, exc)
            cache_folder.remove_quietly(tmp)
            return
        cache_folder.note_usable(self.folder)
        self.trim()

    def trim(self) -> None:
        """Remove the least recently used entries until the folder is within ``max_bytes``.

        Temporary files count: an orphan (older than :data:`lstmfcn.cache_folder.ORPHAN_AGE_S`) is
        removed like an entry; a younger one is a writer's, about to be renamed, and stays.
        """
        with self._lock:
            now = time.time()
            entries = self._entries()
            total = sum(st.st_size for st, _ in entries)
            for st, p in sorted(entries, key=lambda e: e[0].st_mtime):
                if total <= self.max_bytes:
                    break
                if cache_folder.is_fresh_tmp(p, st.st_mtime, now):
                    continue
                if not self._remove(p):
                    return
                total -= st.st_size

    def size_bytes(self) -> int:
        """The bytes the folder's entries and temporary files take (0 when it cannot be read)."""
        return sum(st.st_size for st, _ in self._entries())

    def _entries(self) -> list[tuple[os.stat_result, Path]]:
        """Every ``.npz`` in the folder (temporary ones too) with its stat; vanished ones skipped."""
        found = []
        for p in self.folder.glob("*.npz"):  # yields nothing for a missing or unreadable folder
            try:
                found.append((p.stat(), p))
            except OSError:
                continue  # removed meanwhile (another process trimmed, a writer renamed)
        return found

    def _touch(self, path: Path) -> None:
        """Mark ``path`` recently used; on a read-only folder the order is lost, nothing else."""
        try:
            os.utime(path)
        except FileNotFoundError:
            pass  # trimmed by another process since it was read
        except OSError as exc:
            cache_folder.note_unusable(self.folder, exc)

    def _remove(self, path: Path) -> bool:
        """Remove ``path``; False (and the cache noted as off) when the folder refuses."""
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            cache_folder.note_unusable(self.folder, exc)
            return False
        return True
