"""Load a dataset by catalog name, from a path, or from uploaded bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from lstmfcn.data import catalog, formats
from lstmfcn.data.dataset import Dataset
from lstmfcn.data.formats import RawSplit
from lstmfcn.data.preprocess import check_options, prepare
from lstmfcn.data.splitting import split_train_test
from lstmfcn.errors import DataError


def load_dataset(
    name_or_path: str | os.PathLike,
    *,
    normalize: str = "per_sample",
    length_policy: str = "pad",
    nan_policy: str = "interpolate",
    test_size: float = 0.3,
    seed: int = 0,
) -> Dataset:
    """Load an embedded dataset by name, or a dataset file or folder.

    Parameters
    ----------
    name_or_path : str or PathLike
        A catalog name (any capitalisation, e.g. ``"gunpoint"``), or a path: a
        ``NAME_TRAIN``/``NAME_TEST`` file (either one finds the other), a folder holding such a
        pair, or a single file, which is then split into train and test.
    normalize : {"per_sample", "per_dataset", "none"}
        z-normalisation; see :mod:`lstmfcn.data.preprocess`.
    length_policy : {"pad", "truncate"}
        How unequal lengths become one ``T``.
    nan_policy : {"interpolate", "zero", "error"}
        What to do with missing values inside a series.
    test_size : float
        Fraction held out for testing when a single file is split.
    seed : int
        Seed of that split.

    Returns
    -------
    Dataset
        ``X_train`` float32 ``(N_train, V, T)``, ``X_test`` ``(N_test, V, T)``, int64 labels.

    Raises
    ------
    DataError
        Unknown name (with suggestions), missing or malformed file.
    """
    options = dict(normalize=normalize, length_policy=length_policy, nan_policy=nan_policy)
    check_options(**options)
    if not str(name_or_path).strip():
        raise DataError("no dataset given; expected a dataset name or a path")
    entry = None if isinstance(name_or_path, os.PathLike) else _catalog_name(name_or_path)
    if entry is not None:
        train, test = _read_embedded(entry)
        return _build(entry.name, train, test, entry.source, options, test_size, seed)
    path = Path(name_or_path).expanduser()
    if not path.exists():
        raise DataError(_unknown_message(str(name_or_path)))
    train, test = formats.read_path(path)
    name = formats.dataset_name(formats.find_pair(path)[0].name)  # a folder is named by its pair
    return _build(name, train, test, str(path), options, test_size, seed)


def load_dataset_from_bytes(
    filename: str,
    data: bytes,
    *,
    normalize: str = "per_sample",
    length_policy: str = "pad",
    nan_policy: str = "interpolate",
    test_size: float = 0.3,
    seed: int = 0,
    max_bytes: int | None = None,
) -> Dataset:
    """Load an uploaded file held in memory.

    Parameters
    ----------
    filename : str
        The name the browser sent; only its extension and base name are used (for choosing the
        reader and for messages), never as a path on this machine.
    data : bytes
        The file's content. A file without its own split (every format but a four-array npz)
        is split into train and test with ``test_size`` and ``seed``.
    normalize, length_policy, nan_policy, test_size, seed
        As in :func:`load_dataset`.
    max_bytes : int or None
        Refuse a file larger than this (the dashboard's upload limit) before reading it.

    Returns
    -------
    Dataset
        As :func:`load_dataset`; ``source`` is the base file name.

    Raises
    ------
    DataError
        A file name without a base name, a file over ``max_bytes``, or a malformed file.
    """
    options = dict(normalize=normalize, length_policy=length_policy, nan_policy=nan_policy)
    check_options(**options)
    display = upload_base_name(filename)
    if max_bytes is not None and len(data) > max_bytes:
        raise DataError(
            f"{display}: the file is {_megabytes(len(data))}, over the upload limit of {_megabytes(max_bytes)}"
        )
    train, test = formats.parse_file(bytes(data), display)
    return _build(formats.dataset_name(display), train, test, display, options, test_size, seed)


def _build(
    name: str, train: RawSplit, test: RawSplit | None, source: str, options: dict, test_size: float, seed: int
) -> Dataset:
    split = None
    if test is None:
        train, test, split = split_train_test(train, test_size, seed)
    return prepare(name, train, test, source=source, split=split, **options)


def _catalog_name(name: str) -> catalog.CatalogEntry | None:
    """The catalog entry for a bare name; a string with a path separator is never a name."""
    if any(sep in name for sep in ("/", "\\")):
        return None
    return catalog.find_entry(name)


def _read_embedded(entry: catalog.CatalogEntry) -> tuple[RawSplit, RawSplit]:
    train_file, test_file = catalog.dataset_files(entry)
    if not (train_file.is_file() and test_file.is_file()):
        raise DataError(
            f"{entry.name}: the embedded files are missing from the installed {entry.source} "
            f"package (looked for {train_file}); reinstall it, or rebuild the catalog"
        )
    train, test = formats.read_path(train_file)
    assert test is not None  # both files exist, so read_path paired them
    return train, test


def _unknown_message(name: str) -> str:
    suggestions = catalog.suggest(name)
    hint = f" Did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    return (
        f"{name!r} is neither an embedded dataset nor an existing file or folder.{hint} "
        "Run 'python -m lstmfcn datasets' for the list."
    )


def upload_base_name(filename: str) -> str:
    """The last component of a browser-sent name, whichever separator it used.

    ``"../../etc/passwd.tsv"`` → ``"passwd.tsv"``, ``"C:\\x.csv"`` → ``"x.csv"``: a name a user
    sends is only ever shown or used for its extension, never joined to a path. Characters other
    than letters, digits, spaces and ``._-,+()`` become ``_`` (the name is shown to whoever opens
    a link to the upload, in text that renders Markdown), and a very long name is shortened.
    """
    name = PureWindowsPath(PurePosixPath(str(filename)).name).name.strip()
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    if len(name) > _MAX_NAME:
        name = name[: _MAX_NAME - 40] + "_" + name[-39:]  # keep the extension
    if not name or name in {".", ".."}:
        raise DataError(f"upload {filename[:200]!r}: expected a file name with an extension")
    return name


_UNSAFE_NAME_CHARS = re.compile(r"[^\w .,+()-]")
_MAX_NAME = 150


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.1f} MB"
