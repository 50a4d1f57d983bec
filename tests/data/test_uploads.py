"""Uploads as the archives ship them: a TRAIN/TEST pair of files, a zip of a dataset's folder, an
npz stored ``(N, T, V)``; and a single file split at the ratio it says."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import load_dataset
from lstmfcn.data import load_dataset_from_bytes, load_dataset_from_files
from lstmfcn.data.archives import MAX_MEMBERS, zip_members
from lstmfcn.data.catalog import dataset_files, find_entry
from lstmfcn.data.layout import LayoutError, implausible_layout
from lstmfcn.data.packing import pack_files
from lstmfcn.data.raw import RawSplit
from lstmfcn.data.splitting import split_sentence, split_train_test
from lstmfcn.errors import DataError
from tests.helpers.archive_files import arff_bytes, npz_of, zip_of


def shipped_pair(name: str) -> list[tuple[str, bytes]]:
    """The embedded dataset's two files, as its package ships them."""
    return [(path.name, path.read_bytes()) for path in dataset_files(find_entry(name))]


def assert_same_splits(ds, reference) -> None:
    for split in ("train", "test"):
        np.testing.assert_array_equal(ds.raw(split).X, reference.raw(split).X)
        np.testing.assert_array_equal(ds.raw(split).labels, reference.raw(split).labels)


def test_a_train_test_pair_keeps_the_archives_split(gunpoint):
    ds = load_dataset_from_files(shipped_pair("GunPoint")[::-1])  # in either order
    assert ds.name == "GunPoint" and ds.preprocessing["split"] is None
    assert ds.source == "GunPoint_TRAIN.ts + GunPoint_TEST.ts"
    assert_same_splits(ds, gunpoint)


def test_several_files_that_are_not_one_pair_are_refused():
    (train, train_bytes), _ = shipped_pair("GunPoint")
    coffee_test = shipped_pair("Coffee")[1]
    with pytest.raises(DataError, match="the uploaded files: no NAME_TRAIN / NAME_TEST pair found"):
        load_dataset_from_files([(train, train_bytes), coffee_test])
    with pytest.raises(DataError, match="two files have the same name"):
        load_dataset_from_files([(train, train_bytes), (train, train_bytes)])


def test_a_zip_of_the_uea_folder_is_read_as_the_whole_dataset():
    """The UEA zip: a folder, each split as .arff and .ts, one .arff per variable, macOS junk."""
    bm = load_dataset("BasicMotions")
    (train_ts, train_data), (test_ts, test_data) = shipped_pair("BasicMotions")
    members = {
        f"BasicMotions/{train_ts}": train_data,
        f"BasicMotions/{test_ts}": test_data,
        "BasicMotions/BasicMotions_TRAIN.arff": arff_bytes(bm.raw("train"), "BasicMotions"),
        "BasicMotions/BasicMotions_TEST.arff": arff_bytes(bm.raw("test"), "BasicMotions"),
        "BasicMotions/BasicMotionsDimension1_TRAIN.arff": b"@relation x\n",  # never read
        "BasicMotions/BasicMotionsDimension1_TEST.arff": b"@relation x\n",
        "__MACOSX/BasicMotions/._BasicMotions_TRAIN.ts": b"\x00\x05junk",
        "BasicMotions/README.md": b"notes",
    }
    ds = load_dataset_from_bytes("BasicMotions.zip", zip_of(members))
    assert ds.name == "BasicMotions" and ds.source == "BasicMotions.zip (BasicMotions_TRAIN.ts + BasicMotions_TEST.ts)"
    assert ds.X_train.shape == (40, 6, 100) and ds.X_test.shape == (40, 6, 100)
    assert_same_splits(ds, bm)


def test_zip_member_names_are_only_names_and_sizes_are_bounded():
    (train, train_bytes), (test, test_bytes) = shipped_pair("Coffee")
    traversal = zip_of({f"../../../etc/{train}": train_bytes, f"C:\\temp\\{test}": test_bytes})
    assert [name for name, _ in zip_members(traversal, "evil.zip")] == [train, test]
    with pytest.raises(DataError, match=r"^big\.zip: Coffee_TRAIN\.tsv is over 0\.0 MB uncompressed"):
        zip_members(zip_of({train: train_bytes, test: test_bytes}), "big.zip", max_member_bytes=1000)
    crowded = zip_of({f"f{i}.txt": b"1 2 3" for i in range(MAX_MEMBERS + 1)})
    with pytest.raises(DataError, match=f"holds {MAX_MEMBERS + 1} entries"):
        zip_members(crowded, "crowded.zip")
    with pytest.raises(DataError, match=r"^x\.zip: is not a valid zip archive"):
        load_dataset_from_bytes("x.zip", b"not a zip at all")
    with pytest.raises(DataError, match="holds several datasets"):
        load_dataset_from_bytes("two.zip", pack_files(shipped_pair("Coffee") + shipped_pair("Beef")))
    with pytest.raises(DataError, match="holds no dataset file"):
        load_dataset_from_bytes("notes.zip", zip_of({"a.pdf": b"%PDF"}))


def test_packing_a_pair_is_the_same_bytes_every_time_and_reads_back():
    files = shipped_pair("Coffee")
    assert pack_files(files) == pack_files(files[::-1])
    ds = load_dataset_from_bytes("Coffee_TRAIN.tsv + Coffee_TEST.tsv.zip", pack_files(files))
    assert ds.name == "Coffee" and (len(ds.y_train), len(ds.y_test)) == (28, 28)


def test_an_npz_stored_n_t_v_is_refused_and_read_transposed(gunpoint, tmp_path):
    """tslearn's layout: GunPoint's X saved as (N, T, 1) reads as 150 variables of length 1 unless transposed."""
    path = tmp_path / "Trace.npz"
    raw = gunpoint.raw("train")
    path.write_bytes(npz_of(X=raw.X.transpose(0, 2, 1), y=raw.labels))
    with pytest.raises(LayoutError) as refused:
        load_dataset(path)
    message = str(refused.value)
    assert message.startswith("Trace.npz[X]: read as (N, V, T) = (50, 150, 1), that is 50 series of 150 variables")
    assert "it looks stored as (N, T, V), which would be 50 series of length 150 with 1 variable" in message
    assert refused.value.transposed == (50, 1, 150)
    ds = load_dataset_from_bytes("Trace.npz", path.read_bytes(), transpose=True)
    assert ds.X_train.shape[1:] == (1, 150) and len(ds.y_train) + len(ds.y_test) == 50
    both = np.concatenate([ds.raw("train").X, ds.raw("test").X])
    assert sorted(map(bytes, both)) == sorted(map(bytes, raw.X))  # the same series, split by us


def test_which_layouts_are_implausible():
    assert implausible_layout((100, 275, 1)) == "275 variables of length 1 each"
    assert implausible_layout((50, 315, 3)) == "315 variables of only 3 steps each"  # a 3-axis sensor, (N, T, V)
    assert implausible_layout((267, 963, 144)) is None  # PEMS-SF: more variables than steps, and real
    assert implausible_layout((40, 6, 100)) is None and implausible_layout((10, 1, 1)) is None
    assert implausible_layout((10, 1, 300)) is None
    assert implausible_layout((10, 5, 2)) is None  # too small to tell either way


def test_a_single_file_is_split_at_the_stated_ratio():
    """Classes of two: rounding each class alone held out one of each (a 50/50 split)."""
    raw = RawSplit(np.arange(104 * 8, dtype=float).reshape(104, 1, 8), np.repeat(np.arange(52).astype(str), 2), "x")
    train, test, info = split_train_test(raw, 0.3, seed=0)
    assert (len(train), len(test)) == (73, 31)  # round(104 * 0.3)
    assert set(train.labels) == set(raw.labels)  # every class still in train
    assert (
        split_sentence(info, len(train), len(test))
        == "split 70/30 by us, stratified by class, seed 0: 73 train, 31 test"
    )
    assert split_sentence(None, 50, 150) is None


@pytest.mark.parametrize("name", ["Coffee", "Adiac", "JapaneseVowels", "ECG5000"])
def test_embedded_training_splits_are_split_70_30(name):
    raw = load_dataset(name).raw("train")
    train, test, info = split_train_test(raw)
    assert len(test) == round(0.3 * len(raw)) and info["method"] == "stratified"
    counts = {c: int((raw.labels == c).sum()) for c in set(raw.labels)}
    for c, n in counts.items():  # each class within one sample of its share
        assert abs((test.labels == c).sum() - 0.3 * n) < 1


def test_a_zip_on_disk_is_a_dataset_path_too(tmp_path, gunpoint):
    """The command line's path: ``python -m lstmfcn train GunPoint.zip``."""
    path = tmp_path / "GunPoint.zip"
    path.write_bytes(zip_of({f"GunPoint/{name}": data for name, data in shipped_pair("GunPoint")}))
    ds = load_dataset(path)
    assert ds.name == "GunPoint" and ds.source == str(path)
    assert_same_splits(ds, gunpoint)
