"""Property-based: whatever bytes arrive, a reader returns a sound dataset or raises DataError.

"Sound" is what every later step relies on: float32 ``(N, V, T)`` without NaN or inf, int64
labels in ``0..K-1`` with at least two classes, lengths in ``1..T``, the file's own label
names. Any other exception (IndexError, ValueError from numpy, a crash in aeon) is a bug.
"""

from __future__ import annotations

import io
import os
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lstmfcn.data import Dataset, load_dataset_from_bytes
from lstmfcn.errors import DataError

# LSTMFCN_HYPOTHESIS_EXAMPLES=1000 hunts longer (the suite keeps it short for 2 busy cores).
SETTINGS = settings(
    max_examples=int(os.environ.get("LSTMFCN_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TEXT_FORMATS = ["x.csv", "x_TRAIN.tsv", "x.txt", "x_TRAIN"]
ALL_FORMATS = TEXT_FORMATS + ["x.ts", "x.arff", "x.npz"]


def load_or_refuse(name: str, data: bytes) -> Dataset | None:
    """The dataset, or None when the loader refused with a DataError that names the file."""
    try:
        ds = load_dataset_from_bytes(name, data)
    except DataError as err:
        assert name in str(err) or "test_size" in str(err), str(err)
        assert "Traceback" not in str(err)
        return None
    assert_sound(ds)
    return ds


def assert_sound(ds: Dataset) -> None:
    for X, y, lengths in (ds.split("train"), ds.split("test")):
        assert X.dtype == np.float32 and X.ndim == 3 and np.isfinite(X).all()
        assert X.shape[1:] == (ds.n_vars, ds.length)
        assert y.dtype == np.int64 and y.shape == (len(X),) and ((0 <= y) & (y < ds.n_classes)).all()
        assert ((1 <= lengths) & (lengths <= ds.length)).all()
    assert ds.n_classes >= 2 and len(set(ds.classes)) == ds.n_classes
    assert len(ds.y_train) >= 1 and len(ds.y_test) >= 1


@SETTINGS
@given(name=st.sampled_from(ALL_FORMATS), data=st.binary(max_size=2048))
def test_random_bytes_are_loaded_or_refused(name, data):
    load_or_refuse(name, data)


# Generators of nearly valid files: mostly well formed (so the deep code runs: splitting,
# label encoding, interpolation, normalisation), each with a chance of one kind of damage.
NUMBERS = st.one_of(st.floats(-1e3, 1e3, width=32).map(repr), st.integers(-1000, 1000).map(str))
ODD_CELLS = st.sampled_from(["", "nan", "NaN", "?", "inf", "-inf", "1e400", "abc", " 3 ", '"4"', "∞", "é"])
LABELS = st.one_of(
    st.sampled_from(["1", "2", "3", "1.0", "-1", "a b", "Über", "猫", "x y z", "nan", "", " "]),
    st.text(string.ascii_letters + " äö猫", min_size=1, max_size=6),
)
SEPARATORS = {"x.csv": ",", "x_TRAIN.tsv": "\t", "x.txt": " ", "x_TRAIN": " "}


def damaged(draw, p: int = 6) -> bool:
    """True about once in ``p`` draws (a middle value: Hypothesis favours the ends of a range)."""
    return draw(st.integers(0, p - 1)) == p // 2


def how_many(draw) -> int:
    """Rows of a file: enough for a train/test split, or (damaged) too few."""
    return draw(st.integers(0, 3)) if damaged(draw) else draw(st.integers(4, 14))


@st.composite
def tables(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(TEXT_FORMATS))
    sep = draw(st.sampled_from([",", "\t", " ", ";"])) if damaged(draw) else SEPARATORS[name]
    width = draw(st.integers(1, 6))
    classes = draw(st.lists(LABELS, min_size=1 if damaged(draw) else 2, max_size=3, unique=True))
    rows = []
    for i in range(how_many(draw)):
        n = draw(st.integers(0, 8)) if damaged(draw, 40) else width
        cells = [draw(ODD_CELLS) if damaged(draw, 150) else draw(NUMBERS) for _ in range(n)]
        rows.append(sep.join([draw(LABELS) if damaged(draw, 40) else classes[i % len(classes)]] + cells))
    if name == "x.csv" and draw(st.booleans()) or damaged(draw, 10):
        rows.insert(0, sep.join(["label"] + [f"t{i}" for i in range(width)]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return name, newline.join(rows).encode()


@pytest.mark.slow
@SETTINGS
@given(table=tables())
def test_hand_made_tables_are_loaded_or_refused(table):
    load_or_refuse(*table)


@st.composite
def npz_files(draw) -> bytes:
    n = how_many(draw)
    V, T = draw(st.integers(1, 3)), draw(st.integers(1, 6))
    shape = (
        draw(st.sampled_from([(n,), (n, 0), (n, 1, T, 1), ()]))
        if damaged(draw)
        else draw(st.sampled_from([(n, T), (n, V, T)]))
    )
    dtype = (
        draw(st.sampled_from(["i4", "u1", "?", "c8", "U3"])) if damaged(draw) else draw(st.sampled_from(["f8", "f4"]))
    )
    X = np.zeros(shape, dtype)
    if X.dtype.kind == "f" and X.size:
        values = st.floats(allow_nan=True, allow_infinity=True, width=32) if damaged(draw) else st.floats(-1e3, 1e3)
        X.flat[:] = draw(st.lists(values, min_size=X.size, max_size=X.size))
    m = draw(st.sampled_from([max(n - 1, 0), n + 1])) if damaged(draw, 10) else n
    classes = draw(st.lists(LABELS, min_size=1 if damaged(draw) else 2, max_size=3, unique=True))
    y = np.array([classes[i % len(classes)] for i in range(m)]) if draw(st.booleans()) else np.arange(m) % 3
    keys = draw(st.sampled_from([("X_train", "y_train"), ("data", "labels")])) if damaged(draw) else ("X", "y")
    arrays = {keys[0]: X, keys[1]: y}
    if keys[0] == "X_train" and X.ndim and draw(st.booleans()):
        arrays.update(X_test=X[:2], y_test=y[:2])
    buffer = io.BytesIO()
    (np.savez_compressed if draw(st.booleans()) else np.savez)(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.slow
@SETTINGS
@given(data=npz_files())
def test_random_npz_archives_are_loaded_or_refused(data):
    load_or_refuse("x.npz", data)


@st.composite
def ts_files(draw) -> bytes:
    multivariate = draw(st.booleans())
    equal = draw(st.booleans())
    lines = [
        "@problemName x",
        f"@univariate {'false' if multivariate else 'true'}",
        f"@equalLength {'true' if equal else 'false'}",
        "@classLabel " + (draw(st.sampled_from(["true", "false", "true a b"])) if damaged(draw) else "true 1 2 Ab"),
        "@data",
    ]
    T = draw(st.integers(1, 5))
    for i in range(how_many(draw)):
        length = T if equal and not damaged(draw, 40) else draw(st.integers(1, 5))
        cell = st.sampled_from(["?", "NaN", "x", ""]) if damaged(draw, 40) else NUMBERS
        channels = [",".join(draw(cell) for _ in range(length)) for _ in range(2 if multivariate else 1)]
        label = draw(st.sampled_from(["3", "a", "", "ab"])) if damaged(draw, 40) else ["1", "2", "Ab"][i % 3]
        lines.append(":".join(channels + [label]))
    if damaged(draw, 8):
        del lines[draw(st.integers(0, 4))]
    return "\n".join(lines).encode()


@pytest.mark.slow
@SETTINGS
@given(data=ts_files())
def test_mangled_ts_files_are_loaded_or_refused(data):
    load_or_refuse("x.ts", data)


# Well-formed files round-trip: labels with spaces and unicode, unequal lengths, any format.
@st.composite
def datasets(draw) -> tuple[np.ndarray, list[str]]:
    classes = draw(
        st.lists(
            st.text(string.ascii_letters + "äöüÉ猫ß-", min_size=1, max_size=5).map(lambda s: f"{s} {s[::-1]}"),
            min_size=2,
            max_size=4,
            unique=True,
        )
    )
    per_class = draw(st.integers(2, 4))
    T = draw(st.integers(2, 12))
    labels = [c for c in classes for _ in range(per_class)]
    X = np.full((len(labels), T), np.nan)
    for i in range(len(labels)):
        L = draw(st.integers(1, T))
        X[i, :L] = draw(st.lists(st.floats(-1e6, 1e6, width=32), min_size=L, max_size=L))
    return X, labels


@pytest.mark.slow
@SETTINGS
@given(data=datasets(), fmt=st.sampled_from(["csv", "tsv", "npz"]))
def test_labels_with_spaces_and_unicode_survive_every_format(data, fmt):
    X, labels = data
    assume(not {label.strip().lower() for label in labels} & {"", "nan"})
    if fmt == "npz":
        buffer = io.BytesIO()
        np.savez(buffer, X=X, y=np.array(labels))
        content = buffer.getvalue()
    else:
        sep = "," if fmt == "csv" else "\t"
        content = "\n".join(
            sep.join([label] + ["NaN" if np.isnan(v) else repr(float(v)) for v in row])
            for label, row in zip(labels, X, strict=True)
        ).encode()
    ds = load_or_refuse(f"mine.{fmt}", content)
    assert ds is not None
    assert sorted(ds.classes) == sorted(set(labels))
    assert len(ds.y_train) + len(ds.y_test) == len(labels)
    lengths = np.concatenate([ds.lengths_train, ds.lengths_test])
    assert sorted(lengths.tolist()) == sorted((~np.isnan(X)).sum(axis=1).tolist())  # no trailing NaN inside
