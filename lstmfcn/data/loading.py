"""Load a dataset by catalog name, from a path, or from uploaded bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from lstmfcn.data import archives, catalog, formats
from lstmfcn.data.dataset import Dataset
from lstmfcn.data.formats import RawSplit
from lstmfcn.data.preprocess import check_options, prepare
from lstmfcn.data.splitting import DEFAULT_TEST_SIZE, split_train_test
from lstmfcn.errors import DataError


def load_dataset(
    name_or_path: str | os.PathLike,
    *,
    normalize: str = "per_sample",
    length_policy: str = "pad",
    nan_policy: str = "interpolate",
    test_size: float = DEFAULT_TEST_SIZE,
    seed: int = 0,
) -> Dataset:
    """Load an embedded dataset by name, or a dataset file, zip or folder.

    Parameters
    ----------
    name_or_path : str or PathLike
        A catalog name (any capitalisation, e.g. ``"gunpoint"``), or a path: a
        ``NAME_TRAIN``/``NAME_TEST`` file (either one finds the other), a folder or ``.zip``
        holding such a pair, or a single file, which is then split into train and test.
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
    if path.is_file() and archives.is_zip_name(path.name):
        name, train, test = archives.read_files(archives.zip_members(path.read_bytes(), path.name), path.name)
        return _build(name, train, test, str(path), options, test_size, seed)
    train, test = formats.read_path(path)
    name = formats.dataset_name(formats.find_pair(path)[0].name)  # a folder is named by its pair
    return _build(name, train, test, str(path), options, test_size, seed)


def load_dataset_from_bytes(filename: str, data: bytes, **options) -> Dataset:
    """Load an uploaded file held in memory.

    Parameters
    ----------
    filename : str
        The name the browser sent; only its extension and base name are used (for choosing the
        reader and for messages), never as a path on this machine.
    data : bytes
        The file's content. A ``.zip`` holding a ``NAME_TRAIN`` / ``NAME_TEST`` pair gives those
        splits (:mod:`lstmfcn.data.archives`). A file without its own split (every format but a
        four-array npz) is split into train and test with ``test_size`` and ``seed``.
    **options
        ``normalize``, ``length_policy``, ``nan_policy``, ``test_size``, ``seed``, ``max_bytes``
        and ``transpose``, as in :func:`load_dataset_from_files`.

    Returns
    -------
    Dataset
        As :func:`load_dataset`; ``source`` is the base file name.

    Raises
    ------
    DataError
        A file name without a base name, a file over ``max_bytes``, or a malformed file.
    """
    return load_dataset_from_files([(filename, data)], **options)


def load_dataset_from_files(
    files: list[tuple[str, bytes]],
    *,
    normalize: str = "per_sample",
    length_policy: str = "pad",
    nan_policy: str = "interpolate",
    test_size: float = DEFAULT_TEST_SIZE,
    seed: int = 0,
    max_bytes: int | None = None,
    transpose: bool = False,
) -> Dataset:
    """Load a dataset from uploaded files held in memory: one file (or zip), or a ``NAME_TRAIN`` /
    ``NAME_TEST`` pair, whose splits are then kept as they are.

    Parameters
    ----------
    files : list of (str, bytes)
        ``(name the browser sent, content)``; names are used as in :func:`load_dataset_from_bytes`.
    normalize, length_policy, nan_policy, test_size, seed
        As in :func:`load_dataset`.
    max_bytes : int or None
        Refuse a file larger than this (the dashboard's upload limit) before reading it; also the
        largest member of a zip, uncompressed.
    transpose : bool
        Read an npz's 3-d ``X`` as ``(N, T, V)`` (one that looks so is refused otherwise, with a
        :class:`~lstmfcn.data.layout.LayoutError`).

    Returns
    -------
    Dataset
        As :func:`load_dataset`; ``source`` names the file or files read.

    Raises
    ------
    DataError
        No file, a bad name, a file over ``max_bytes``, several files that are not one pair, or
        a malformed file.
    """
    options = dict(normalize=normalize, length_policy=length_policy, nan_policy=nan_policy)
    check_options(**options)
    name, source, train, test = read_uploaded_files(files, max_bytes=max_bytes, transpose=transpose)
    return _build(name, train, test, source, options, test_size, seed)


def read_uploaded_files(
    files: list[tuple[str, bytes]], *, max_bytes: int | None = None, transpose: bool = False
) -> tuple[str, str, RawSplit, RawSplit | None]:
    """The raw splits of uploaded files, before any split or preparation.

    Parameters
    ----------
    files, max_bytes, transpose
        As in :func:`load_dataset_from_files`.

    Returns
    -------
    (str, str, RawSplit, RawSplit | None)
        The dataset's name, a description of the files read (``"a_TRAIN.tsv + a_TEST.tsv"``),
        and ``(train, test)`` with ``X`` ``(N, V, T)``; ``test`` is None for a file to be split.
    """
    if not files:
        raise DataError("no file given; expected a dataset file, a NAME_TRAIN / NAME_TEST pair, or a zip of one")
    named = [(upload_base_name(filename), data) for filename, data in files]
    for display, data in named:
        if max_bytes is not None and len(data) > max_bytes:
            raise DataError(
                f"{display}: the file is {_megabytes(len(data))}, over the upload limit of {_megabytes(max_bytes)}"
            )
    zipped = len(named) == 1 and archives.is_zip_name(named[0][0])
    where = named[0][0] if len(named) == 1 else "the uploaded files"
    if zipped:
        named = archives.zip_members(named[0][1], where, max_member_bytes=max_bytes)
    name, train, test = archives.read_files(named, where, transpose=transpose)
    read = f"{train.source} + {test.source}" if len(named) > 1 and test is not None else named[0][0]
    return name, f"{where} ({read})" if zipped else read, train, test


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
