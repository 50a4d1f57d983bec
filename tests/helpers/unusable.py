"""Cache folders that cannot be used (issue #31): read-only, a file, a path under a file.

Read-only is a read-only bind mount when the tests run as root (root ignores file modes: chmod
stops nothing), else ``chmod 0o555``; both give the writer the error a real deployment meets.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

KINDS = ["read-only", "a file", "under a file"]


@contextmanager
def unusable_folder(tmp_path: Path, kind: str, entries: dict[str, bytes] | None = None) -> Iterator[Path]:
    """A cache folder of ``kind``; ``entries`` (name -> bytes) are in it first where it can hold any."""
    if kind == "a file":
        path = tmp_path / "cache"
        path.write_text("not a folder")
        yield path
    elif kind == "under a file":
        (tmp_path / "file").write_text("not a folder")
        yield tmp_path / "file" / "cache"
    else:
        path = tmp_path / "cache"
        path.mkdir()
        for name, data in (entries or {}).items():
            (path / name).write_bytes(data)
        with _read_only(path):
            yield path


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)
        return
    if not _run("mount", "--bind", str(path), str(path)):
        pytest.skip("running as root, which ignores file modes, and a read-only bind mount is not allowed here")
    try:
        if not _run("mount", "-o", "remount,ro,bind", str(path)):
            pytest.skip("running as root, and the bind mount cannot be made read-only here")
        yield
    finally:
        _run("umount", str(path))


def _run(*argv: str) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0
