"""The corpus of malformed dataset files: every kind of damage, for every format that has it.

``CASES`` maps a case's name to ``(file name, content, a fragment the loader's message must contain
besides the file name)``. ``tests/data/test_malformed_inputs.py`` checks the loader on it;
``tests/robustness/`` sends the same files through the CLI and the dashboard.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

GOOD_ROWS = "1\t0.1\t0.2\t0.3\n2\t0.3\t0.2\t0.1\n1\t0.0\t0.5\t1.0\n2\t1.0\t0.5\t0.0\n"
TS_HEADER = "@problemName x\n@univariate true\n@equalLength true\n@classLabel true 1 2\n@data\n"
ARFF_HEADER = "@relation x\n@attribute a numeric\n@attribute b numeric\n@attribute target {1,2}\n@data\n"
GARBAGE = bytes(range(256)) * 8


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_bytes(**members: bytes) -> bytes:
    """A zip archive holding the given members as they are (not .npy arrays)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def npy_header_only(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """An .npy header claiming ``shape`` with no data after it: what a decompression bomb's
    member announces (a real one: zeros that compress a thousandfold)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


CASES = {
    # name: (file name, content, a fragment the message must contain besides the file name)
    "empty tsv": ("GunPoint_TRAIN.tsv", b"", "is empty"),
    "blank lines only": ("GunPoint_TRAIN.tsv", b"\n  \n\t\n", "is empty"),
    "empty csv": ("data.csv", b"", "is empty"),
    "empty ucr text": ("Beef_TRAIN", b"", "is empty"),
    "csv header only": ("data.csv", b"label,t0,t1,t2\n", "header line but no data"),
    "ragged tsv": ("GunPoint_TRAIN.tsv", b"1\t0.1\t0.2\n2\t0.1\n1\t0.1\t0.2\n", "line 2: expected 3 fields"),
    "ragged text": ("Beef_TRAIN", b"1 0.1 0.2\n2 0.1 0.2 0.3\n", "line 2: expected 3 fields"),
    "non-numeric": (
        "GunPoint_TRAIN.tsv",
        GOOD_ROWS.encode() * 2 + b"\n" + b"1\t0.1\tabc\t0.3\n",
        "line 10: expected numbers, found 'abc' (field 3)",
    ),
    "non-numeric csv": ("data.csv", b"1,0.1,0.2\n2,x1,0.3\n", "line 2: expected numbers, found 'x1'"),
    "empty label": ("data.csv", b"1,0.1,0.2\n,0.4,0.3\n", "line 2: the label (first field) is empty"),
    "label only": ("GunPoint_TRAIN.tsv", b"1\n2\n", "expected a label followed by values"),
    "single class": ("GunPoint_TRAIN.tsv", b"1\t0.1\t0.2\n1\t0.3\t0.1\n1\t0.2\t0.2\n", "only one class ('1')"),
    "0-length series": (
        "GunPoint_TRAIN.tsv",
        b"1\t0.1\t0.2\n2\tNaN\tNaN\n1\t1\t2\n2\t3\t4\n",
        "line 2: the series has no values",
    ),
    "inf": ("GunPoint_TRAIN.tsv", b"1\t0.1\t0.2\n2\tinf\t1\n1\t1\t2\n2\t3\t4\n", "line 2: contains an infinite value"),
    "binary tsv": ("GunPoint_TRAIN.tsv", GARBAGE, "binary file"),
    "latin-1 csv": ("data.csv", "1,0.1\ncaf\xe9,0.2\n".encode("latin-1"), "not UTF-8 text"),
    "binary ts": ("x.ts", GARBAGE, "binary file"),
    "binary arff": ("x.arff", GARBAGE, "binary file"),
    "binary npz": ("x.npz", GARBAGE, "not a valid .npz"),
    "truncated npz": ("x.npz", npz_bytes(X=np.zeros((4, 3)), y=np.arange(4))[:100], "not a valid .npz"),
    "npy not npz": ("x.npz", npy_bytes(np.zeros((4, 3))), "single .npy"),
    "npz wrong keys": ("x.npz", npz_bytes(data=np.zeros((4, 3)), labels=np.arange(4)), "expected arrays X and y"),
    "npz string X": (
        "x.npz",
        npz_bytes(X=np.array([["a", "b"], ["c", "d"]]), y=np.arange(2)),
        "array 'X': expected numbers",
    ),
    "npz 1-d X": ("x.npz", npz_bytes(X=np.zeros(4), y=np.arange(4)), "expected shape (N, T) or (N, V, T)"),
    "npz y mismatch": ("x.npz", npz_bytes(X=np.zeros((4, 3)), y=np.arange(3)), "array 'y': expected shape (4,)"),
    "npz 0-length": ("x.npz", npz_bytes(X=np.zeros((4, 0)), y=np.arange(4)), "expected at least one series"),
    "npz variables differ": (
        "x.npz",
        npz_bytes(X_train=np.zeros((4, 2, 3)), y_train=np.arange(4) % 2, X_test=np.zeros((2, 3)), y_test=np.arange(2)),
        "series have 1 variable(s) but x.npz[X_train] has 2",
    ),
    "npz unseen test label": (
        "x.npz",
        npz_bytes(
            X_train=np.ones((4, 3)), y_train=np.array([1, 2, 1, 2]), X_test=np.ones((2, 3)), y_test=np.array([3, 7])
        ),
        "labels '3', '7' do not occur",
    ),
    "ts bad number": ("x.ts", (TS_HEADER + "1,2,3:1\n1,zz,3:2\n").encode(), "line 7: cannot be read"),
    "ts regression": ("x.ts", b"@problemName x\n@targetLabel true\n@data\n1,2,3:1.5\n", "regression problem"),
    "ts no labels": ("x.ts", b"@problemName x\n@classLabel false\n@data\n1,2,3\n", "no '@classLabel true'"),
    "ts no data": ("x.ts", b"@problemName x\n@classLabel true 1 2\n", "no @data line"),
    "ts header only": ("x.ts", TS_HEADER.encode(), "holds no labelled series"),
    "ts ragged channels": (
        "x.ts",
        b"@problemName x\n@univariate false\n@equalLength false\n@classLabel true 1 2\n@data\n1,2:3,4:1\n1,2:3:2\n",
        "cannot be read",
    ),
    "empty ts": ("x.ts", b"", "is empty"),
    "arff bad number": ("x.arff", (ARFF_HEADER + "1,2,1\nabc,2,2\n").encode(), "cannot be read"),
    "arff numeric class": (
        "x.arff",
        b"@relation x\n@attribute a numeric\n@attribute y numeric\n@data\n1,2\n",
        "last attribute is not nominal",
    ),
    "arff header only": ("x.arff", ARFF_HEADER.encode(), "holds no labelled series"),
    "unsupported type": ("x.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
}

# Added with the robustness suite: one more of each kind of damage, for every format that has it.
CASES.update(
    {
        "empty npz": ("x.npz", b"", "not a valid .npz"),
        "tsv header only": ("GunPoint_TRAIN.tsv", b"label\tt0\tt1\n", "expected numbers, found 't0'"),
        "ragged csv": ("data.csv", b"1,0.1,0.2\n2,0.1\n", "line 2: expected 3 fields"),
        "non-numeric ucr text": ("Beef_TRAIN", b"1 0.1 0.2\n2 x 0.3\n", "line 2: expected numbers, found 'x'"),
        "ragged txt": ("Beef_TRAIN.txt", b"1 0.1 0.2\n2 0.1\n", "line 2: expected 3 fields"),
        "NaN everywhere csv": ("data.csv", b"1,nan,nan\n2,NaN,NaN\n" * 3, "line 1: the series has no values"),
        "NaN everywhere npz": ("x.npz", npz_bytes(X=np.full((6, 4), np.nan), y=np.arange(6) % 2), "has no values"),
        "NaN everywhere ts": ("x.ts", (TS_HEADER + "NaN,NaN:1\nNaN,NaN:2\n" * 3).encode(), "has no values"),
        "inf everywhere csv": ("data.csv", b"1,inf,-inf\n2,inf,inf\n" * 3, "contains an infinite value"),
        "inf npz": ("x.npz", npz_bytes(X=np.full((6, 4), -np.inf), y=np.arange(6) % 2), "contains an infinite value"),
        "overflowing number": ("data.csv", b"1,1e400,0\n2,0,1\n1,1,1\n2,2,2\n", "line 1: contains an infinite value"),
        "single sample": ("data.csv", b"1,0.1,0.2\n", "only one class ('1')"),
        "one sample per class": ("data.csv", b"1,0.1,0.2\n2,0.3,0.1\n", "too few to hold out"),
        "single class npz": (
            "x.npz",
            npz_bytes(
                X_train=np.ones((3, 4)), y_train=np.array([7, 7, 7]), X_test=np.ones((1, 4)), y_test=np.array([7])
            ),
            "only one class ('7')",
        ),
        "single class ts": ("x.ts", (TS_HEADER + "1,2,3:1\n3,2,1:1\n2,2,2:1\n").encode(), "only one class ('1')"),
        "missing label csv": ("data.csv", b"nan,1,2\n1,1,2\n2,2,3\n1,3,3\n", "line 1: the label is missing"),
        "missing label npz": (
            "x.npz",
            npz_bytes(X=np.ones((4, 3)), y=np.array([1.0, np.nan, 1.0, 2.0])),
            "sample 1: the label is missing",
        ),
        "empty label npz": ("x.npz", npz_bytes(X=np.ones((4, 3)), y=np.array(["a", "", "a", "b"])), "label is missing"),
        "0-length series csv": ("data.csv", b"1,0.1,0.2\n2,,\n1,1,2\n2,3,4\n", "line 2: the series has no values"),
        "semicolons in csv": ("data.csv", b"1;0.1;0.2\n2;0.3;0.4\n", "seems to be separated by semicolons"),
        "commas in tsv": ("GunPoint_TRAIN.tsv", b"1,0.1,0.2\n2,0.3,0.4\n", "seems to be separated by commas"),
        "tabs in csv": ("data.csv", b"1\t0.1\t0.2\n2\t0.3\t0.4\n", "seems to be separated by tabs"),
        "binary csv": ("data.csv", GARBAGE, "binary file"),
        "binary ucr text": ("Beef_TRAIN", GARBAGE, "binary file"),
        "ts undeclared label": ("x.ts", (TS_HEADER + "1,2,3:1\n1,2,3:3\n").encode(), "'3' are not declared"),
        "ts classLabel without classes": (
            "x.ts",
            (TS_HEADER.replace("@classLabel true 1 2", "@classLabel true") + "1,2,3:1\n").encode(),
            "cannot be read",
        ),
        "ts two channels declared univariate": (
            "x.ts",
            (TS_HEADER + "1,2:3,4:1\n1,2:3,4:2\n").encode(),
            "cannot be read",
        ),
        "ts unequal lengths declared equal": ("x.ts", (TS_HEADER + "1,2,3:1\n1,2:2\n").encode(), "cannot be read"),
        "ts header keyword without value": (
            "x.ts",
            b"@problemName\n@classLabel true 1 2\n@data\n1,2:1\n",
            "cannot be read",
        ),
        "npz of plain files": ("x.npz", zip_bytes(X=b"1,2,3", y=b"1"), "array 'X': is not a NumPy array"),
        "npz decompression bomb": (
            "x.npz",
            zip_bytes(**{"X.npy": npy_header_only((100_000, 1, 10_000)), "y.npy": npy_bytes(np.arange(100_000))}),
            "1,000,000,000 values, more than",
        ),
        "npz object y": (
            "x.npz",
            npz_bytes(X=np.ones((2, 3)), y=np.array([1, "a"], dtype=object)),
            "holds Python objects",
        ),
        "npz complex X": ("x.npz", npz_bytes(X=np.ones((4, 3), complex), y=np.arange(4)), "found dtype complex128"),
        "npz 4-d X": (
            "x.npz",
            npz_bytes(X=np.ones((4, 1, 3, 2)), y=np.arange(4)),
            "expected shape (N, T) or (N, V, T)",
        ),
        "arff string attribute": (
            "x.arff",
            b"@relation x\n@attribute a string\n@attribute t {1,2}\n@data\nfoo,1\nbar,2\n",
            "cannot be read",
        ),
        "arff sparse data": ("x.arff", (ARFF_HEADER + "{0 1, 2 1}\n{1 3, 2 2}\n").encode(), "cannot be read"),
    }
)
