"""Every malformed input is a DataError whose message names the file and what was expected."""

from __future__ import annotations

import os
import pickle
import tempfile

import numpy as np
import pytest

from lstmfcn.data import load_dataset, load_dataset_from_bytes
from lstmfcn.errors import DataError
from tests.helpers.malformed_files import CASES, GOOD_ROWS, TS_HEADER, npz_bytes


@pytest.mark.parametrize("case", list(CASES))
def test_upload_error_names_the_file(case):
    filename, content, fragment = CASES[case]
    with pytest.raises(DataError) as caught:
        load_dataset_from_bytes(filename, content)
    message = str(caught.value)
    assert filename in message
    assert fragment in message
    assert "Traceback" not in message and "/tmp" not in message


def test_path_errors_name_the_file(tmp_path):
    (tmp_path / "GunPoint_TRAIN.tsv").write_text(GOOD_ROWS)
    (tmp_path / "GunPoint_TEST.tsv").write_text("1\t0.1\t0.2\t0.3\n3\t0.3\t0.2\t0.1\n")
    with pytest.raises(DataError, match=r"GunPoint_TEST.tsv: labels '3' do not occur in GunPoint_TRAIN.tsv"):
        load_dataset(tmp_path)
    (tmp_path / "GunPoint_TEST.tsv").write_text("1\t0.1\tabc\n")
    with pytest.raises(DataError, match=r"GunPoint_TEST.tsv line 1: expected numbers, found 'abc'"):
        load_dataset(tmp_path / "GunPoint_TRAIN.tsv")


def test_folder_without_a_pair(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(DataError, match="no NAME_TRAIN / NAME_TEST pair"):
        load_dataset(tmp_path)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(DataError, match=r"'GunPiont' is neither .* Did you mean 'GunPoint'\?"):
        load_dataset("GunPiont")
    with pytest.raises(DataError) as caught:
        load_dataset("qwertyuiop")
    assert "Did you mean" not in str(caught.value)


def test_empty_name_is_not_the_current_folder():
    with pytest.raises(DataError, match="no dataset given"):
        load_dataset("  ")


def test_unknown_option_is_refused_before_reading():
    with pytest.raises(DataError, match="length_policy='stretch'"):
        load_dataset("GunPoint", length_policy="stretch")


def test_npz_object_arrays_are_refused_without_unpickling(tmp_path, monkeypatch):
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):  # unpickling this would create the marker file
            return (open, (str(marker), "w"))

    X = np.empty(2, dtype=object)
    X[:] = [Payload(), Payload()]
    content = npz_bytes(X=X, y=np.array([0, 1]))
    calls = []
    monkeypatch.setattr(pickle, "load", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    with pytest.raises(DataError, match=r"evil.npz array 'X': holds Python objects.*refused"):
        load_dataset_from_bytes("evil.npz", content)
    assert not calls and not marker.exists()


def test_uploads_leave_no_temporary_files():
    before = set(os.listdir(tempfile.gettempdir()))
    ts = (TS_HEADER + "1,2,3:1\n2,3,1:2\n3,1,2:1\n1,3,2:2\n").encode()
    load_dataset_from_bytes("x.ts", ts, test_size=0.5)
    with pytest.raises(DataError):
        load_dataset_from_bytes("x.ts", (TS_HEADER + "1,zz,3:1\n").encode())
    after = set(os.listdir(tempfile.gettempdir()))
    assert not {name for name in after - before if name.startswith("lstmfcn-")}
