"""Preprocessing invariants: labels, normalisation, lengths, missing values, splitting."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.data import load_dataset
from lstmfcn.data.formats import RawSplit, make_split
from lstmfcn.data.preprocess import (
    apply_preprocessing,
    class_order,
    fit_length,
    prepare,
)
from lstmfcn.data.splitting import split_train_test
from lstmfcn.errors import DataError


def raw(rows: list[list[float]], labels: list[str], source: str = "toy_TRAIN.tsv") -> RawSplit:
    """Univariate RawSplit from rows already NaN-padded to one width."""
    return make_split(np.array(rows, dtype=np.float64)[:, None, :], np.array(labels), source)


def valid_steps(ds, which: str):
    """Per (sample, variable) views of the valid (unpadded) steps."""
    X, _, lengths = ds.split(which)
    return [(X[i, v, :n], X[i, v, n:]) for i, n in enumerate(lengths) for v in range(X.shape[1])]


# ----------------------------------------------------------------------------------------------
# Labels


def test_numeric_labels_sort_numerically_others_lexicographically():
    assert class_order(["10", "2", "1", "-1"]) == ["-1", "1", "2", "10"]
    assert class_order(["b", "a", "10", "2"]) == ["10", "2", "a", "b"]


def test_equal_numbers_written_differently_are_one_class():
    split = raw([[1, 2], [2, 1], [3, 3]], ["1.0000000e+00", " 1", "2.0"])
    assert split.labels.tolist() == ["1", "1", "2"]


def test_labels_become_indices_with_names_kept():
    train = raw([[1, 2], [2, 1], [3, 4], [5, 6]], ["10", "2", "2", "10"])
    test = raw([[1, 2]], ["10"], "toy_TEST.tsv")
    ds = prepare("toy", train, test)
    assert ds.classes == ["2", "10"]
    assert ds.y_train.tolist() == [1, 0, 0, 1]
    assert ds.y_train.dtype == np.int64 and ds.y_test.tolist() == [1]


# ----------------------------------------------------------------------------------------------
# Normalisation


@pytest.mark.slow
@pytest.mark.parametrize("name", ["GunPoint", "JapaneseVowels", "AllGestureWiimoteX"])
def test_per_sample_znorm_over_valid_steps_and_zero_padding(name):
    ds = load_dataset(name)
    assert ds.preprocessing["normalize"] == "per_sample"
    for which in ("train", "test"):
        X, _, lengths = ds.split(which)
        assert X.dtype == np.float32 and not np.isnan(X).any()
        for series, padding in valid_steps(ds, which):
            assert abs(series.mean()) < 1e-5
            assert abs(series.std() - 1) < 1e-4 or np.all(series == 0)
            assert np.all(padding == 0)


def test_lengths_come_from_trailing_nans():
    raw_ds = load_dataset("AllGestureWiimoteX", normalize="none")
    from lstmfcn.data.catalog import dataset_files, find_entry
    from lstmfcn.data.formats import read_path

    train, _ = read_path(dataset_files(find_entry("AllGestureWiimoteX"))[0])
    expected = (~np.isnan(train.X[:, 0])).sum(axis=1)  # this dataset has no interior NaN
    np.testing.assert_array_equal(raw_ds.lengths_train, expected)
    assert raw_ds.length == max(raw_ds.lengths_train.max(), raw_ds.lengths_test.max())


def test_constant_series_become_zeros_not_nan():
    train = raw([[5, 5, 5, np.nan], [1, 2, 3, 4], [7, 7, 7, 7], [0, 1, 0, 1]], ["a", "b", "a", "b"])
    for normalize in ("per_sample", "per_dataset"):
        ds = prepare("toy", train, train, normalize=normalize)
        assert not np.isnan(ds.X_train).any()
        if normalize == "per_sample":
            assert np.all(ds.X_train[[0, 2]] == 0)
    constant = raw([[3, 3, 3], [3, 3, 3]], ["a", "b"])
    ds = prepare("toy", constant, constant, normalize="per_dataset")
    assert np.all(ds.X_train == 0) and ds.preprocessing["std"] == [0.0]


def test_per_dataset_uses_train_statistics_only():
    ds = load_dataset("BasicMotions", normalize="per_dataset")
    X, lengths = ds.X_train, ds.lengths_train
    assert (lengths == ds.length).all()
    np.testing.assert_allclose(X.mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=(0, 2)), 1, atol=1e-4)
    assert len(ds.preprocessing["mean"]) == ds.n_vars == 6
    assert abs(ds.X_test.mean(axis=(0, 2))).max() > 1e-3  # test is not re-centred on itself


@pytest.mark.slow
@pytest.mark.parametrize("normalize", ["per_sample", "per_dataset", "none"])
def test_apply_preprocessing_replays_the_record(normalize):
    ds = load_dataset("JapaneseVowels", normalize=normalize)
    raw_ds = load_dataset("JapaneseVowels", normalize="none")
    record = json.loads(json.dumps(ds.preprocessing))  # survives a checkpoint's JSON
    for which in ("train", "test"):
        X_raw, _, lengths = raw_ds.split(which)
        # The raw copy went through float32, hence the tolerance.
        np.testing.assert_allclose(apply_preprocessing(X_raw, lengths, record), ds.split(which)[0], atol=1e-5)


def test_none_keeps_raw_values():
    train = raw([[1.5, -2, 3], [4, 5, np.nan]], ["a", "b"])
    ds = prepare("toy", train, train, normalize="none")
    np.testing.assert_array_equal(ds.X_train[:, 0], [[1.5, -2, 3], [4, 5, 0]])
    assert ds.lengths_train.tolist() == [3, 2]


# ----------------------------------------------------------------------------------------------
# Lengths


def test_truncate_cuts_everything_to_the_shortest():
    ds = load_dataset("JapaneseVowels", length_policy="truncate")
    shortest = load_dataset("JapaneseVowels", normalize="none").preprocessing["min_length"]
    assert ds.length == shortest == 7
    assert (ds.lengths_train == shortest).all() and (ds.lengths_test == shortest).all()
    assert ds.equal_length


def test_fit_length_pads_with_zeros_or_truncates():
    X = np.arange(12, dtype=np.float32).reshape(2, 1, 6)
    padded, lengths = fit_length(X, np.array([6, 4]), 8)
    assert padded.shape == (2, 1, 8) and np.all(padded[:, :, 6:] == 0)
    assert lengths.tolist() == [6, 4] and padded.dtype == np.float32
    cut, lengths = fit_length(X, np.array([6, 4]), 5)
    np.testing.assert_array_equal(cut, X[:, :, :5])
    assert lengths.tolist() == [5, 4]


# ----------------------------------------------------------------------------------------------
# Missing and infinite values


def test_interior_nans_are_interpolated_trailing_nans_are_padding():
    train = raw([[0, np.nan, 4, np.nan], [1, 2, 3, 4]], ["a", "b"])
    ds = prepare("toy", train, train, normalize="none")
    np.testing.assert_array_equal(ds.X_train[0, 0], [0, 2, 4, 0])
    assert ds.lengths_train.tolist() == [3, 4]
    assert ds.preprocessing["missing_values"] == {"train": 1, "test": 1}


def test_zero_and_error_nan_policies():
    train = raw([[1, np.nan, 3, 5], [1, 2, 3, 4]], ["a", "b"])
    ds = prepare("toy", train, train, nan_policy="zero")
    assert ds.X_train[0, 0, 1] == 0
    np.testing.assert_allclose(ds.X_train[0, 0, [0, 2, 3]], np.array([-1.224745, 0, 1.224745]), atol=1e-5)
    with pytest.raises(DataError, match=r"toy_TRAIN.tsv sample 0: missing value .* step 1"):
        prepare("toy", train, train, nan_policy="error")


def test_dodger_loop_missing_values_are_filled():
    ds = load_dataset("DodgerLoopDay")
    assert ds.preprocessing["missing_values"]["train"] > 0
    assert not np.isnan(ds.X_train).any() and not np.isnan(ds.X_test).any()


def test_inf_is_an_error_naming_the_sample():
    train = raw([[1, 2, 3], [1, np.inf, 3]], ["a", "b"])
    with pytest.raises(DataError, match=r"toy_TRAIN.tsv sample 1: contains an infinite value"):
        prepare("toy", train, train)


def test_unknown_option_is_a_data_error():
    train = raw([[1, 2], [2, 1]], ["a", "b"])
    with pytest.raises(DataError, match="normalize='minmax'"):
        prepare("toy", train, train, normalize="minmax")


# ----------------------------------------------------------------------------------------------
# Splitting a single file


def labelled(counts: dict[str, int]) -> RawSplit:
    labels = [label for label, n in counts.items() for _ in range(n)]
    rng = np.random.default_rng(1)
    return raw(rng.normal(size=(len(labels), 5)).tolist(), labels)


def test_stratified_split_keeps_every_class_in_train_and_proportions():
    data = labelled({"a": 40, "b": 10, "c": 3, "d": 2})
    train, test, info = split_train_test(data, 0.3, seed=0)
    assert info == {"method": "stratified", "test_size": 0.3, "seed": 0}
    assert set(train.labels) == {"a", "b", "c", "d"}
    assert dict(zip(*np.unique(test.labels, return_counts=True), strict=True)) == {"a": 12, "b": 3, "c": 1, "d": 1}
    assert len(train) + len(test) == len(data)
    again, _, _ = split_train_test(data, 0.3, seed=0)
    np.testing.assert_array_equal(again.X, train.X)
    other, _, _ = split_train_test(data, 0.3, seed=1)
    assert not np.array_equal(other.X, train.X)


def test_split_with_a_single_sample_class_keeps_it_in_train():
    data = labelled({"a": 20, "b": 9, "c": 1})
    for seed in range(10):
        train, test, info = split_train_test(data, 0.3, seed=seed)
        assert info["method"] == "random"
        assert "c" in set(train.labels) and "c" not in set(test.labels)
        assert len(test) == 9


def test_split_refuses_bad_fraction_and_too_few_samples():
    with pytest.raises(DataError, match="test_size"):
        split_train_test(labelled({"a": 5, "b": 5}), 1.5)
    with pytest.raises(DataError, match="toy_TRAIN.tsv: 2 series are too few"):
        split_train_test(labelled({"a": 1, "b": 1}), 0.3)
