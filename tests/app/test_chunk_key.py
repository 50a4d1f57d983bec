"""A whole-split chunk is named by one frozen key; its disk entry's fields are those the nine strings gave."""

from __future__ import annotations

import pytest

from lstmfcn.dashboard.chunk_key import ChunkKey, SplitWork
from lstmfcn.dashboard.explanations import options_of


def test_a_chunk_key_names_its_disk_entry_as_the_strings_did():
    options = options_of("occlusion", "mean", 32, window=8)
    key = ChunkKey("attr_pred", "GunPoint__lstmfcn", "GunPoint", "test", 0, 32, 64, "occlusion", options)
    assert key.kind is SplitWork.ATTR_PRED
    assert key == ChunkKey(
        SplitWork.ATTR_PRED, "GunPoint__lstmfcn", "GunPoint", "test", 0, 32, 64, "occlusion", options
    )
    assert (
        len({key, ChunkKey("attr_pred", "GunPoint__lstmfcn", "GunPoint", "test", 0, 32, 64, "occlusion", options)}) == 1
    )
    assert key.disk_fields() == {
        "kind": "attr_pred",
        "split": "test",
        "subset": 0,
        "start": 32,
        "stop": 64,
        "method": "occlusion",
        "params": options.key(),
    }
    cam = ChunkKey("cam", "GunPoint__lstmfcn", "GunPoint", "test", 0, 0, 32)
    assert cam.disk_fields()["kind"] == "cam" and cam.disk_fields()["params"] == "" and cam.method == ""


def test_an_unknown_kind_of_work_is_refused():
    with pytest.raises(ValueError, match="attr_random"):
        ChunkKey("attr_random", "m", "d", "test", 0, 0, 1)
