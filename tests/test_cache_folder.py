"""An unusable cache folder only means nothing is kept, said once; orphan temporary files are cleaned
on start and count against the bound (issue #31). The dashboard and the CLI under such a folder are
in tests/app/test_cache_unusable.py."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest

from lstmfcn import cache_folder, pass_size
from lstmfcn.dashboard.disk_cache import DiskCache
from tests.helpers.unusable import KINDS, unusable_folder

ENTRY = {"cam": np.arange(6, dtype=np.float32).reshape(2, 3)}


@pytest.mark.parametrize("kind", KINDS)
def test_an_unusable_folder_is_a_miss_on_every_read_and_write_and_one_notice(tmp_path, kind):
    key = DiskCache.key(x=1)
    damaged = {f"{key}.npz": b"PK\x03\x04 damaged"}  # where it can hold one: removing it must fail quietly
    with unusable_folder(tmp_path, kind, damaged) as folder:
        cache = DiskCache(folder).start()
        notice = cache.notice()
        assert notice and notice.startswith(f"The cache is off: {folder} cannot be used (") and "\n" not in notice
        assert cache.get(key) is None  # the damaged entry is not trusted, though it cannot be removed
        cache.put(key, ENTRY)  # not kept, no error
        assert cache.get(key) is None
        cache.trim()
        assert cache.size_bytes() >= 0
        assert cache.notice() == notice  # the first reason, once


@pytest.mark.parametrize("kind", KINDS)
def test_the_pass_size_record_is_not_kept_and_says_so(tmp_path, kind):
    with unusable_folder(tmp_path, kind) as folder:
        record = folder / "pass_sizes.json"
        pass_size.remember("k", 32, record)
        assert pass_size.cached("k", record) is None
        assert cache_folder.notice(folder).startswith(f"The cache is off: {folder} cannot be used")


def test_a_folder_removed_while_running_is_made_again_and_the_cache_stays_on(tmp_path):
    cache = DiskCache(tmp_path / "c").start()
    cache.put(cache.key(x=1), ENTRY)
    shutil.rmtree(tmp_path / "c")
    assert cache.get(cache.key(x=1)) is None
    cache.put(cache.key(x=1), ENTRY)
    assert cache.get(cache.key(x=1)) is not None and cache.notice() is None


def test_a_cache_that_works_again_clears_its_notice(tmp_path):
    (tmp_path / "c").write_text("in the way")
    cache = DiskCache(tmp_path / "c").start()
    assert cache.notice()
    (tmp_path / "c").unlink()
    cache.put(cache.key(x=1), ENTRY)
    assert cache.notice() is None and cache.get(cache.key(x=1)) is not None


def _aged(path, data: bytes, age_s: float):
    path.write_bytes(data)
    os.utime(path, (time.time() - age_s, time.time() - age_s))
    return path


def test_old_orphan_temporary_files_go_on_start_and_a_concurrent_writers_stay(tmp_path):
    hour = 3600
    old = [
        _aged(tmp_path / "abc.123.456.tmp.npz", b"x" * 100, hour),  # a disk cache entry's, writer killed
        _aged(tmp_path / ".pass_sizes.json.123.456.tmp", b"{}", hour),  # the pass-size record's
        _aged(tmp_path / ".pass_sizes.json.123.456", b"{}", hour),  # ... as it was named before
    ]
    fresh = _aged(tmp_path / "def.789.1.tmp.npz", b"x" * 100, 5)  # being written right now
    entry = _aged(tmp_path / "0123abcd.npz", b"x" * 100, 2 * hour)  # an entry, however old, is kept
    record = _aged(tmp_path / "pass_sizes.json", b"{}", 2 * hour)
    DiskCache(tmp_path).start()
    assert not any(p.exists() for p in old)
    assert fresh.exists() and entry.exists() and record.exists()


def test_the_pass_size_record_cleans_orphans_on_its_first_write(tmp_path):
    orphan = _aged(tmp_path / ".pass_sizes.json.1.2.tmp", b"{}", 3600)
    pass_size.remember("k", 8, tmp_path / "pass_sizes.json")
    assert not orphan.exists() and pass_size.cached("k", tmp_path / "pass_sizes.json") == 8
    assert not list(tmp_path.glob(".*.tmp"))  # its own temporary file was renamed


def test_the_bound_counts_temporary_files(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=3 * 8_500)
    block = {"a": np.zeros(1000)}  # 8 kB each
    fresh_tmp = _aged(tmp_path / "w.1.2.tmp.npz", b"x" * 8_200, 1)  # a concurrent writer's
    for i in range(3):
        cache.put(cache.key(i=i), block)
        os.utime(cache.path(cache.key(i=i)), (time.time() - 100 + i, time.time() - 100 + i))
    kept = [i for i in range(3) if cache.path(cache.key(i=i)).exists()]
    assert kept == [1, 2] and fresh_tmp.exists()  # the writer's file stays, and takes an entry's room
    assert cache.size_bytes() <= cache.max_bytes
    old_tmp = _aged(tmp_path / "o.1.2.tmp.npz", b"x" * 8_200, 3600)
    cache.put(cache.key(i=3), block)
    assert not old_tmp.exists()  # an orphan is the oldest file: the first to go past the bound
    assert cache.size_bytes() <= cache.max_bytes
