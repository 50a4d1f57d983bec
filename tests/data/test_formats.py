"""Every file format round-trips: write an embedded dataset in it, read it back, same arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmfcn.data import load_dataset, load_dataset_from_bytes
from lstmfcn.data.catalog import dataset_files, find_entry
from lstmfcn.data.formats import RawSplit, find_pair, read_path

RAW = {"normalize": "none"}  # compare raw values: normalisation is tested elsewhere


@pytest.fixture(scope="module")
def gunpoint_raw() -> tuple[RawSplit, RawSplit]:
    """GunPoint as shipped: (train, test) raw splits, X (N, 1, 150)."""
    train, test = read_path(dataset_files(find_entry("GunPoint"))[0])
    return train, test


@pytest.fixture(scope="module")
def gunpoint_none():
    return load_dataset("GunPoint", **RAW)


def _values(x: np.ndarray) -> list[str]:
    """A univariate series as text, NaN padding kept, exact (17 significant digits)."""
    return ["NaN" if np.isnan(v) else repr(float(v)) for v in x]


def write_table(path: Path, raw: RawSplit, sep: str, label=str, header: str | None = None):
    lines = [] if header is None else [header]
    for x, name in zip(raw.X[:, 0], raw.labels, strict=True):
        lines.append(sep.join([label(name), *_values(x)]))
    path.write_text("\n".join(lines) + "\n")


def write_ts(path: Path, raw: RawSplit, equal_length: bool = True):
    classes = " ".join(sorted(set(raw.labels.tolist())))
    header = [
        "@problemName test",
        "@timeStamps false",
        "@missing false",
        f"@univariate {str(raw.X.shape[1] == 1).lower()}",
        f"@dimensions {raw.X.shape[1]}",
        f"@equalLength {str(equal_length).lower()}",
        f"@classLabel true {classes}",
        "@data",
    ]
    rows = []
    for x, label in zip(raw.X, raw.labels, strict=True):
        keep = ~np.isnan(x).all(axis=0)
        channels = [",".join(repr(float(v)) for v in channel[keep]) for channel in x]
        rows.append(":".join([*channels, label]))
    path.write_text("\n".join(header + rows) + "\n")


def write_arff(path: Path, raw: RawSplit):
    classes = ",".join(sorted(set(raw.labels.tolist())))
    header = ["@relation test"]
    header += [f"@attribute t{i} numeric" for i in range(raw.X.shape[2])]
    header += [f"@attribute target {{{classes}}}", "@data"]
    rows = [",".join([*_values(x), label]) for x, label in zip(raw.X[:, 0], raw.labels, strict=True)]
    path.write_text("\n".join(header + rows) + "\n")


def assert_same(ds, reference, rtol=0.0):
    assert ds.classes == reference.classes
    np.testing.assert_array_equal(ds.y_train, reference.y_train)
    np.testing.assert_array_equal(ds.y_test, reference.y_test)
    np.testing.assert_allclose(ds.X_train, reference.X_train, rtol=rtol)
    np.testing.assert_allclose(ds.X_test, reference.X_test, rtol=rtol)
    np.testing.assert_array_equal(ds.lengths_train, reference.lengths_train)
    np.testing.assert_array_equal(ds.lengths_test, reference.lengths_test)


def test_tsv_pair_is_found_from_either_file_or_the_folder(tmp_path, gunpoint_raw, gunpoint_none):
    train, test = gunpoint_raw
    write_table(tmp_path / "GunPoint_TRAIN.tsv", train, "\t")
    write_table(tmp_path / "GunPoint_TEST.tsv", test, "\t")
    for target in (tmp_path, tmp_path / "GunPoint_TRAIN.tsv", tmp_path / "GunPoint_TEST.tsv"):
        ds = load_dataset(target, **RAW)
        assert ds.name == "GunPoint"
        assert ds.preprocessing["split"] is None
        assert_same(ds, gunpoint_none)


def test_old_ucr_text_with_scientific_labels(tmp_path, gunpoint_raw, gunpoint_none):
    # The 2015 archive wrote labels as 1.0000000e+00 and separated fields with spaces.
    train, test = gunpoint_raw

    def scientific(label: str) -> str:
        return f"  {float(label):.7e}"

    write_table(tmp_path / "GunPoint_TRAIN", train, "  ", scientific)
    write_table(tmp_path / "GunPoint_TEST", test, "  ", scientific)
    assert_same(load_dataset(str(tmp_path / "GunPoint_TRAIN"), **RAW), gunpoint_none)
    write_table(tmp_path / "Gun_TRAIN.txt", train, ",")
    write_table(tmp_path / "Gun_TEST.txt", test, ",")
    assert_same(load_dataset(tmp_path / "Gun_TEST.txt", **RAW), gunpoint_none)


def test_csv_with_and_without_header(tmp_path, gunpoint_raw, gunpoint_none):
    train, test = gunpoint_raw
    header = ",".join(["label", *(f"t{i}" for i in range(train.X.shape[2]))])
    write_table(tmp_path / "gp_TRAIN.csv", train, ",", header=header)
    write_table(tmp_path / "gp_TEST.csv", test, ",")
    assert_same(load_dataset(tmp_path / "gp_TRAIN.csv", **RAW), gunpoint_none)


def test_npz_with_both_splits(tmp_path, gunpoint_raw, gunpoint_none):
    train, test = gunpoint_raw
    path = tmp_path / "gp.npz"
    np.savez(path, X_train=train.X, y_train=train.labels.astype(int), X_test=test.X[:, 0], y_test=test.labels)
    assert_same(load_dataset(path, **RAW), gunpoint_none)
    assert_same(load_dataset_from_bytes("gp.npz", path.read_bytes(), **RAW), gunpoint_none)


def test_ts_round_trip_multivariate_unequal(tmp_path):
    entry = find_entry("JapaneseVowels")
    train, test = read_path(dataset_files(entry)[0])
    write_ts(tmp_path / "JV_TRAIN.ts", train, equal_length=False)
    write_ts(tmp_path / "JV_TEST.ts", test, equal_length=False)
    assert_same(load_dataset(tmp_path / "JV_TRAIN.ts", **RAW), load_dataset("JapaneseVowels", **RAW))


def test_ts_round_trip_of_a_tsv_dataset_keeps_mixed_case_labels(tmp_path):
    # aeon lower-cases .ts data lines; the reader restores the spelling from @classLabel.
    train, test = read_path(dataset_files(find_entry("CBF"))[0])
    names = {"1": "Cylinder", "2": "Bell", "3": "Funnel"}
    rename = lambda raw: RawSplit(raw.X, np.array([names[k] for k in raw.labels]), raw.source)  # noqa: E731
    write_ts(tmp_path / "CBF_TRAIN.ts", rename(train))
    write_ts(tmp_path / "CBF_TEST.ts", rename(test))
    ds = load_dataset(tmp_path, **RAW)
    assert ds.classes == ["Bell", "Cylinder", "Funnel"]
    reference = load_dataset("CBF", **RAW)
    np.testing.assert_array_equal(ds.X_train, reference.X_train)
    assert [ds.classes[k] for k in ds.y_test] == [names[reference.classes[k]] for k in reference.y_test]


def test_arff_round_trip(tmp_path, gunpoint_raw, gunpoint_none):
    train, test = gunpoint_raw
    write_arff(tmp_path / "GunPoint_TRAIN.arff", train)
    write_arff(tmp_path / "GunPoint_TEST.arff", test)
    assert_same(load_dataset(tmp_path / "GunPoint_TRAIN.arff", **RAW), gunpoint_none)


def test_multivariate_arff_shipped_by_aeon_matches_its_ts():
    folder = dataset_files(find_entry("BasicMotions"))[0].parent
    from_arff, _ = read_path(folder / "BasicMotions_TRAIN.arff")
    from_ts, _ = read_path(folder / "BasicMotions_TRAIN.ts")
    np.testing.assert_array_equal(from_arff.X, from_ts.X)
    assert from_arff.labels.tolist() == from_ts.labels.tolist()


@pytest.mark.slow
def test_unequal_length_tsv_round_trip(tmp_path):
    train, test = read_path(dataset_files(find_entry("AllGestureWiimoteX"))[0])
    write_table(tmp_path / "AGW_TRAIN.tsv", train, "\t")
    write_table(tmp_path / "AGW_TEST.tsv", test, "\t")
    ds = load_dataset(tmp_path, **RAW)
    assert_same(ds, load_dataset("AllGestureWiimoteX", **RAW))
    assert not ds.equal_length


def test_folder_prefers_a_complete_pair(tmp_path, gunpoint_raw):
    # aeon's GunPoint folder holds TRAIN.ts, TEST.ts, TRAIN.arff and TRAIN.tsv: only .ts pairs.
    folder = dataset_files(find_entry("GunPoint"))[0].parent
    train_file, test_file = find_pair(folder)
    assert (train_file.name, test_file.name) == ("GunPoint_TRAIN.ts", "GunPoint_TEST.ts")


def test_single_file_is_split_and_upload_name_is_not_a_path(tmp_path, gunpoint_raw):
    train, test = gunpoint_raw
    write_table(tmp_path / "GunPoint_TRAIN.tsv", train, "\t")
    data = (tmp_path / "GunPoint_TRAIN.tsv").read_bytes()
    ds = load_dataset_from_bytes("../../secret/GunPoint_TRAIN.tsv", data, test_size=0.3, seed=0)
    assert ds.source == "GunPoint_TRAIN.tsv"
    assert ds.name == "GunPoint"
    assert len(ds.y_train) + len(ds.y_test) == 50
    assert len(ds.y_test) == 15
    assert ds.preprocessing["split"] == {"method": "stratified", "test_size": 0.3, "seed": 0}


def test_lower_case_pair_and_text_labels_with_hash(tmp_path):
    # '#' starts a comment for numpy's reader by default; here it is part of a label.
    (tmp_path / "toy_train.csv").write_text("#a,1,2,3\nb,3,2,1\n#a,1,2,2\nb,3,2,2\n")
    (tmp_path / "toy_test.csv").write_text("b,3,1,1\n#a,1,1,3\n")
    ds = load_dataset(tmp_path / "toy_test.csv", normalize="none")
    assert ds.classes == ["#a", "b"]
    assert ds.y_train.tolist() == [0, 1, 0, 1] and ds.y_test.tolist() == [1, 0]
    np.testing.assert_array_equal(ds.X_test[:, 0], [[3, 1, 1], [1, 1, 3]])
