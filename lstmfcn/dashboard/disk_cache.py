"""Explanations kept on disk, so that a restart or another browser session never computes them twice.

An entry is a dict of numpy arrays, stored as one ``.npz`` file (written beside its final name and
renamed, so a reader never sees half a file; read with ``allow_pickle=False``, so a planted file is
never unpickled). Its name is a digest of everything that determines the arrays: the model's and
the dataset's *content* digests (not their ids: a re-uploaded file or a retrained model with the
same name gets new entries), the kind of computation, the method and its parameters, the split and
the samples. The folder is bounded: past ``max_bytes`` the least recently used entries go.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zipfile
from pathlib import Path

import numpy as np

#: Default bound on the folder's size: a whole-split IG of ECG5000 (4,500 × 140 floats) is 2.5 MB.
DEFAULT_MAX_BYTES = 512 * 2**20


def default_folder() -> Path:
    """``$LSTMFCN_CACHE_DIR``, else ``$XDG_CACHE_HOME/lstmfcn-explorer`` (``~/.cache/…``)."""
    env = os.environ.get("LSTMFCN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lstmfcn-explorer"


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

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None (absent, unreadable or not ours: then removed)."""
        path = self.path(key)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            os.utime(path)  # read = recently used
            return arrays
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
            path.unlink(missing_ok=True)  # a damaged entry is recomputed, never trusted
            return None

    def put(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store ``arrays`` under ``key`` atomically, then keep the folder within its bound.

        A full or read-only disk only means the entry is not kept: the dashboard goes on.
        """
        path = self.path(key)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, **{name: np.asarray(a) for name, a in arrays.items()})
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            return
        self.trim()

    def trim(self) -> None:
        """Remove the least recently used entries until the folder is within ``max_bytes``."""
        with self._lock:
            try:
                entries = [(p.stat(), p) for p in self.folder.glob("*.npz") if ".tmp." not in p.name]
            except OSError:
                return
            total = sum(st.st_size for st, _ in entries)
            for st, p in sorted(entries, key=lambda e: e[0].st_mtime):
                if total <= self.max_bytes:
                    break
                p.unlink(missing_ok=True)
                total -= st.st_size

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob("*.npz")) if self.folder.is_dir() else 0
