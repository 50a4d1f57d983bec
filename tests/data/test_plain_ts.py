"""Plain ``.ts`` files are read without aeon (its import costs seconds of a cold start) and give
exactly what aeon's loader gives; anything else is still aeon's to read."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.data import aeon_formats, catalog
from lstmfcn.data.raw import make_split

AEON_FILES = [f for e in catalog.list_datasets() if e.source == "aeon" for f in catalog.dataset_files(e) if f.is_file()]


def _by_aeon(data: bytes, name: str):
    from aeon.datasets import load_from_ts_file

    text = data.decode("utf-8")
    at = text.lower().find("@data")
    X, y = aeon_formats._via_aeon(load_from_ts_file, data, ".ts", name, text)
    return aeon_formats._pad_ragged(X, name), aeon_formats._restore_ts_labels(y, text[:at], name)


@pytest.mark.slow
@pytest.mark.parametrize("path", AEON_FILES, ids=lambda p: p.name)
def test_every_embedded_plain_file_reads_as_aeon_reads_it(path):
    data = path.read_bytes()
    text = data.decode("utf-8")
    plain = aeon_formats._read_plain_ts(text)
    X, y = _by_aeon(data, path.name)
    if path.stem.split("_")[0] in ("JapaneseVowels", "PickupGestureWiimoteZ"):  # unequal lengths: aeon's
        assert plain is None and np.isnan(X).any()
        return
    assert plain[0].dtype == X.dtype == np.float64 and plain[0].shape == X.shape
    assert np.array_equal(plain[0], X)  # bit for bit: float() both ways
    assert plain[1].tolist() == y.tolist()
    split = aeon_formats.read_ts(data, path.name)  # the reader every caller uses takes the plain path
    want = make_split(X, y, path.name)
    assert np.array_equal(split.X, want.X) and split.labels.tolist() == want.labels.tolist()


def test_the_default_dataset_is_plain():
    assert any(f.name == "GunPoint_TEST.ts" for f in AEON_FILES)  # the parametrised test covers it


HEADER = "@problemName x\n@univariate {uni}\n@equalLength true\n@classLabel true {classes}\n@data\n"


@pytest.mark.parametrize(
    ("classes", "uni", "body", "why"),
    [
        ("1 2", "true", "1,2,?:1\n2,3,1:2\n", "a missing value"),
        ("1 2", "true", "1,2,nan:1\n2,3,1:2\n", "a NaN"),
        ("1 2", "true", "1,2,3:1\n2,3:2\n", "unequal lengths"),
        ("1 2", "true", "1,2,3:1\n2,3,1:3\n", "an undeclared label"),
        ("A a", "true", "1,2,3:A\n2,3,1:a\n", "labels aeon's lower-casing merges"),
        ("1 2", "true", "1,2,3:1\n2,3,1:1:2\n", "more variables on one line"),
        ("1 2", "true", "1,2,3:1:1\n2,3,1:4,5,6:2\n", "two variables in a univariate file"),
        ("1 2", "true", "1,2,x:1\n2,3,1:2\n", "a value that is not a number"),
        ("1 2", "true", "1,2,3:1\n\n2,3,1:2\n", "a blank line"),
        ("1 2", "true", "", "no series"),
    ],
    ids=lambda v: v if " " in str(v) and len(str(v)) > 8 else None,
)
def test_anything_else_is_left_to_aeon(classes, uni, body, why):
    text = HEADER.format(uni=uni, classes=classes) + body
    assert aeon_formats._read_plain_ts(text) is None, why


@pytest.mark.parametrize(
    "header",
    [
        "@problemName\n@classLabel true 1 2\n@data\n",  # a keyword without its value
        "@problemName x\n@univariate yes\n@classLabel true 1 2\n@data\n",  # a boolean aeon ignores
        "@problemName x\n@classLabel true\n@data\n",  # no labels declared
        "@problemName x\n@targetLabel true\n@classLabel true 1 2\n@data\n",  # regression
        "@problemName x\n@timeStamps true\n@classLabel true 1 2\n@data\n",
        "@problemName x\n@somethingNew 3\n@classLabel true 1 2\n@data\n",  # a key aeon does not know
        "problemName x\n@classLabel true 1 2\n@data\n",  # no @
    ],
)
def test_a_header_aeon_could_read_otherwise_is_left_to_aeon(header):
    text = header + "1,2:1\n2,1:2\n"
    assert aeon_formats._read_plain_ts(text) is None


def test_a_plain_multivariate_file():
    text = HEADER.format(uni="false", classes="a b") + "1,2,3:4,5,6:a\n7,8,9:1,2,3:b\n"
    X, y = aeon_formats._read_plain_ts(text)
    assert X.shape == (2, 2, 3) and X[1, 0].tolist() == [7, 8, 9] and y.tolist() == ["a", "b"]
    aeon_X, aeon_y = _by_aeon(text.encode(), "x.ts")
    assert np.array_equal(X, aeon_X) and y.tolist() == aeon_y.tolist()
