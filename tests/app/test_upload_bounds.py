"""Uploads are bounded in server memory, in all and per session, the oldest dropped and the user
told; and their names are kept per session (issue #31, 7): identical bytes uploaded by two visitors
never show the first visitor's file name to the second."""

from __future__ import annotations

import pytest

from lstmfcn.dashboard import sources
from lstmfcn.dashboard.blobs import BlobStore


def test_past_its_bound_a_sessions_oldest_file_is_dropped_and_it_is_told_once():
    store = BlobStore(session_bytes=10)
    a = store.put(b"123456", "a.csv", owner="A")
    b = store.put(b"abcdef", "b.csv", owner="A")  # 12 bytes: a goes
    assert a.id not in store and b.id in store
    [lost] = store.dropped("A")
    assert (lost.id, lost.name) == (a.id, "a.csv") and "up to 0 MB" in lost.why
    assert store.dropped("A") == [] and store.dropped("B") == []
    assert store.owned_bytes("A") == 6


def test_what_was_read_from_a_dropped_file_is_let_go_too():
    dropped = []
    store = BlobStore(session_bytes=10, on_drop=dropped.append)
    a = store.put(b"123456", "a.csv", owner="A")
    store.put(b"123456", "a.csv", owner="B")
    store.put(b"abcdef", "b.csv", owner="A")
    assert dropped == []  # B still holds a.csv: nothing is let go
    store.put(b"ghijkl", "c.csv", owner="B")
    assert dropped == [a.id]


def test_a_file_dropped_for_one_session_stays_for_another_that_holds_it():
    store = BlobStore(session_bytes=10)
    shared = store.put(b"123456", "a.csv", owner="A")
    store.put(b"123456", "a.csv", owner="B")
    store.put(b"abcdef", "b.csv", owner="A")
    assert [d.name for d in store.dropped("A")] == ["a.csv"]
    assert shared.id in store and store.owned_bytes("B") == 6  # B still uses it


def test_past_the_total_the_least_recently_used_goes_and_its_owners_are_told():
    store = BlobStore(max_bytes=10)
    a = store.put(b"123456", "a.csv", owner="A")
    store.put(b"abcdef", "b.csv", owner="B")
    assert a.id not in store
    [lost] = store.dropped("A")
    assert lost.name == "a.csv" and "for everyone" in lost.why
    assert store.dropped("B") == []


def test_identical_bytes_under_two_names_are_two_files_each_with_its_own_name():
    store = BlobStore()
    data = b"1,1,2,3\n2,4,5,6\n1,1,2,4\n2,4,5,7\n" * 10
    mine, _ = sources.dataset_from_uploads([("alice_secret.csv", data)], store, owner="A")
    theirs, _ = sources.dataset_from_uploads([("bob.csv", data)], store, owner="B")
    assert mine != theirs
    assert sources.dataset_label(theirs, store) == "uploaded: bob.csv"
    assert sources.dataset_label(mine, store) == "uploaded: alice_secret.csv"


def test_a_model_over_the_servers_model_limit_is_refused_before_it_is_read():
    from lstmfcn.errors import CheckpointError

    with pytest.raises(CheckpointError, match="over the upload limit of 1 MB for a model"):
        sources.model_from_upload("big.safetensors", b"\0" * (2**20 + 1), BlobStore(), max_mb=1)


def csv_dataset(rows: int, offset: int = 0) -> bytes:
    """Two classes of 3-step series, about 20 bytes a row."""
    return "\n".join(f"{i % 2},{i + offset},{i + 1},{i + 2}" for i in range(rows)).encode()


def upload(at, name: str, data: bytes):
    return at.file_uploader(key="_upload_dataset").set_value((name, data, "text/csv")).run()


@pytest.fixture
def bounded(monkeypatch):
    import streamlit as st

    monkeypatch.setenv("LSTMFCN_SESSION_UPLOAD_MB", "1")
    st.cache_resource.clear()  # the store is built with the bound
    yield
    st.cache_resource.clear()


def test_the_page_tells_which_upload_was_dropped_and_names_stay_per_session(app, bounded):
    first = app()
    big = csv_dataset(40_000)  # about 0.7 MB
    upload(first, "first.csv", big)
    assert not first.exception, [e.value for e in first.exception]
    first_id = first.session_state["dataset"]
    assert first_id.startswith("upload:")
    upload(first, "second.csv", csv_dataset(40_000, offset=1))  # 1.4 MB in all: first.csv goes
    assert not first.exception, [e.value for e in first.exception]
    told = [w.value for w in first.warning if "first.csv is no longer kept" in w.value]
    assert told and "each visitor's files are kept up to 1 MB" in told[0], [w.value for w in first.warning]
    assert first_id not in first.session_state["session_datasets"]
    from lstmfcn.errors import DataError
    from pages import _cached_resources as cached_resources

    with pytest.raises(DataError, match="no longer holds"):
        cached_resources.dataset(first_id)  # its parsed copy went with it
    first.run()
    assert not [w.value for w in first.warning if "no longer kept" in w.value]  # told once

    other = app()  # another visitor uploads the same bytes under another name
    upload(other, "mine.csv", csv_dataset(40_000, offset=1))
    assert not other.exception, [e.value for e in other.exception]
    [shown] = [s for s in other.selectbox if s.label == "Embedded dataset or your upload"]
    assert shown.format_func(other.session_state["dataset"]) == "uploaded: mine.csv"
    page = " ".join(m.value for m in [*other.markdown, *other.caption])
    assert "second.csv" not in page
