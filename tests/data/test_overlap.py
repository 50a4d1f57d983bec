"""A model scored on its own training data is recognised: series digests, and the overlap of an
uploaded file with what a shipped or freshly trained model learnt from."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import load_dataset, zoo
from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.data import load_dataset_from_bytes
from lstmfcn.data.catalog import dataset_files, find_entry
from lstmfcn.data.overlap import overlap, overlap_warning, selection_note, series_digests, training_digests
from lstmfcn.training import TrainConfig
from lstmfcn.workflow import train_on_dataset
from tests.helpers.archive_files import arff_bytes, ucr_txt_bytes
from tests.helpers.shipped import require_shipped, zoo_dir


def shipped_meta(name: str) -> dict:
    require_shipped(zoo_dir(), name)
    return zoo._read_header(zoo_dir() / f"{name}.safetensors")


@pytest.fixture(scope="module")
def basicmotions():
    return load_dataset("BasicMotions")


def test_a_series_keeps_its_digest_through_float32_and_padding(gunpoint):
    X = gunpoint.raw("train").X  # float64 (50, 1, 150)
    digests = series_digests(X)
    assert len(set(digests)) == 50  # every series its own
    assert series_digests(X.astype(np.float32)) == digests
    padded = np.concatenate([X, np.full((50, 1, 30), np.nan)], axis=2)  # written padded to a longer length
    assert series_digests(padded) == digests
    nudged = X.copy()
    nudged[7, 0, 100] += 1e-3  # one value of one series changed
    changed = series_digests(nudged)
    assert changed[7] != digests[7] and changed[:7] + changed[8:] == digests[:7] + digests[8:]


def test_digests_keep_the_variables_apart(basicmotions):
    X = basicmotions.raw("train").X  # (40, 6, 100)
    swapped = X[:, ::-1]
    assert not set(series_digests(X)) & set(series_digests(swapped))
    with pytest.raises(ValueError, match=r"\(N, V, T\)"):
        series_digests(X[0])


def test_the_shipped_models_never_saw_their_test_split(gunpoint, basicmotions):
    for name, ds in (("GunPoint__lstmfcn", gunpoint), ("BasicMotions__mlstmfcn", basicmotions)):
        meta = shipped_meta(name)
        assert overlap(meta, ds.raw("test").X) == 0
        assert overlap(meta, ds.raw("train").X) == len(ds.raw("train"))


def test_basicmotions_train_uploaded_as_arff_is_the_shipped_models_training_data(basicmotions):
    """The issue's case: one file, split 70/30 by us; every series of both parts was learnt from."""
    data = arff_bytes(basicmotions.raw("train"), "BasicMotions")
    ds = load_dataset_from_bytes("BasicMotions_TRAIN.arff", data)
    assert (len(ds.y_train), len(ds.y_test)) == (28, 12)
    meta = shipped_meta("BasicMotions__mlstmfcn")
    assert overlap(meta, ds.raw("test").X) == 12 and overlap(meta, ds.raw("train").X) == 28
    assert overlap_warning(12, 12, "“MLSTM-FCN · shipped”") == (
        "12 of 12 series of this test split are in the data the model “MLSTM-FCN · shipped” was trained on: "
        "its test numbers here are not a test."
    )


def test_the_ts_file_as_aeon_ships_it_and_the_test_file_of_the_pair(basicmotions):
    train_file, test_file = dataset_files(find_entry("BasicMotions"))
    meta = shipped_meta("BasicMotions__malstmfcn")
    own = load_dataset_from_bytes(train_file.name, train_file.read_bytes())
    assert overlap(meta, own.raw("test").X) == len(own.raw("test")) == 12
    unseen = load_dataset_from_bytes(test_file.name, test_file.read_bytes())
    assert overlap(meta, unseen.raw("test").X) == 0  # the archive's test file: a real test


def test_coffee_train_as_old_ucr_text_is_recognised():
    """Another format, another precision in the file (``%.7e``), read back to the same series."""
    coffee = load_dataset("Coffee")
    ds = load_dataset_from_bytes("Coffee_TRAIN.txt", ucr_txt_bytes(coffee.raw("train")))
    meta = shipped_meta("Coffee__lstmfcn")
    assert overlap(meta, ds.raw("test").X) == len(ds.y_test) == 8


def test_a_model_trained_here_records_its_training_series(gunpoint):
    small = gunpoint.head(20, 10)
    model, meta = train_on_dataset(small, "lstmfcn", config=TrainConfig(epochs=1, device="cpu", seed=0))
    assert meta["train_series"]["digests"] == series_digests(small.raw("train").X)
    reloaded = load_checkpoint_bytes(checkpoint_bytes(model, meta), "m.safetensors")[1]
    assert overlap(reloaded, small.raw("train").X) == 20
    assert overlap(reloaded, small.raw("test").X) == 0
    assert overlap(reloaded, gunpoint.raw("train").X) == 20  # the 30 it did not see are not claimed


def test_unknown_training_data_claims_nothing(gunpoint):
    """A checkpoint from elsewhere (no digests, a user file's name) is neither warned about nor cleared."""
    meta = {"dataset": {"name": "GunPoint", "source": "my_gunpoint.csv"}, "classes": ["1", "2"]}
    assert training_digests(meta) is None and overlap(meta, gunpoint.raw("test").X) is None
    assert overlap_warning(None, 150, "m") is None and overlap_warning(0, 150, "m") is None
    split_by_us = {"dataset": {"name": "GunPoint", "source": "aeon"}, "preprocessing": {"split": {"seed": 0}}}
    assert training_digests(split_by_us) is None  # trained on part of a file: which part is not known


def test_the_selection_note_speaks_only_of_a_test_split_it_learnt_from():
    assert selection_note("“A”", {"train": (50, 50), "test": (0, 150)}) is None  # the archive's own split
    assert selection_note("“A”", {"train": (28, 28), "test": (12, 12)}) == (
        "The model “A” was chosen for this dataset, and it was trained on series it holds "
        "(28 of 28 train series, 12 of 12 test series): its test numbers here are not a test."
    )
