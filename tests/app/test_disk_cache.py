"""Explanations kept on disk: keyed by content, atomic, bounded, never unpickled, and used by the
dashboard so that a restart does not compute them again."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from lstmfcn.dashboard.disk_cache import DiskCache, content_digest, default_folder


def test_entries_round_trip_and_keys_follow_every_field(tmp_path):
    cache = DiskCache(tmp_path)
    key = cache.key(model="m1", data="d1", kind="cam", start=0, stop=16)
    assert key == cache.key(stop=16, start=0, kind="cam", data="d1", model="m1")  # order does not matter
    assert key != cache.key(model="m2", data="d1", kind="cam", start=0, stop=16)
    assert cache.get(key) is None
    arrays = {"cam": np.arange(12, dtype=np.float32).reshape(3, 4), "logits": np.ones((3, 2))}
    cache.put(key, arrays)
    back = cache.get(key)
    assert back.keys() == arrays.keys() and all(np.array_equal(back[k], arrays[k]) for k in arrays)
    assert not list(tmp_path.glob("*.tmp.*"))  # written beside and renamed


def test_a_damaged_or_pickled_entry_is_dropped_not_trusted(tmp_path):
    cache = DiskCache(tmp_path)
    key = cache.key(x=1)
    cache.path(key).write_bytes(b"not an npz")
    assert cache.get(key) is None and not cache.path(key).exists()
    np.savez(cache.path(key), evil=np.array([object()], dtype=object))  # would need pickle to read
    assert cache.get(key) is None and not cache.path(key).exists()


def test_the_folder_stays_within_its_bound_dropping_the_least_recently_used(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=3 * 8_500)
    block = {"a": np.zeros(1000)}  # 8 kB each
    for i in range(3):
        cache.put(cache.key(i=i), block)
        os.utime(cache.path(cache.key(i=i)), (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get(cache.key(i=0)) is not None  # read: now the most recent
    cache.put(cache.key(i=3), block)
    kept = {i for i in range(4) if cache.path(cache.key(i=i)).exists()}
    assert kept == {0, 2, 3} and cache.size_bytes() <= cache.max_bytes


def test_default_folder_and_digest(monkeypatch, tmp_path):
    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path / "c"))
    assert default_folder() == tmp_path / "c"
    assert content_digest(b"ab", "c") != content_digest(b"a", "bc")  # parts are delimited


def test_a_restarted_dashboard_reads_explanations_from_disk(app, monkeypatch, tmp_path):
    import streamlit as st

    import pages._cached_explanations as cached_explanations

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    # the warm-up only writes the default view, as the page does
    monkeypatch.setattr(cached_explanations, "WARM_BUDGET_S", 0.0)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = app()
    at.switch_page("pages/cam.py").run()
    assert not at.exception
    stored = sorted(tmp_path.glob("*.npz"))
    assert stored, "the CAM chunks were written to disk"

    st.cache_data.clear()  # a restart: memory caches gone, the disk stays
    st.cache_resource.clear()

    def never(*args):
        raise AssertionError("computed again although the disk holds it")

    monkeypatch.setattr(cached_explanations, "_compute_chunk", never)
    at = app()
    at.switch_page("pages/cam.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(tmp_path.glob("*.npz")) == stored


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 broken"])
def test_a_damaged_entry_is_recomputed(app, monkeypatch, tmp_path, damage):
    import streamlit as st

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = app()
    at.switch_page("pages/cam.py").run()
    for path in tmp_path.glob("*.npz"):
        path.write_bytes(damage)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = app()
    at.switch_page("pages/cam.py").run()
    assert not at.exception and at.get("plotly_chart")
