"""Readers for the dataset files a user brings, each returning raw series and string labels.

Every reader takes the file's bytes and a display name (used in messages, never as a path) and
returns a :class:`RawSplit`: a NaN-padded float64 array ``(N, V, T)`` and ``N`` labels as
strings. Nothing is normalised here; :mod:`lstmfcn.data.preprocess` does that.

Supported files:

* UCR 2018 ``.tsv`` (``NAME_TRAIN.tsv`` / ``NAME_TEST.tsv``): label first, tab separated,
  unequal lengths padded with ``NaN``.
* older UCR text (``NAME_TRAIN`` / ``NAME_TEST`` without extension, or ``.txt``): label first,
  whitespace or comma separated.
* ``.csv``: label first, comma separated, optional header line.
* ``.ts`` and ``.arff``: read by aeon's loaders.
* ``.npz``: arrays ``X``, ``y`` or ``X_train``, ``y_train``, ``X_test``, ``y_test``; loaded with
  ``allow_pickle=False`` so object arrays are refused instead of unpickled.

Every malformed input raises :class:`~lstmfcn.errors.DataError` naming the file, the line or
field where known, and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lstmfcn.data.aeon_formats import read_arff, read_ts
from lstmfcn.data.npz_format import read_npz
from lstmfcn.data.raw import RawSplit, make_split
from lstmfcn.data.text_formats import read_csv, read_ucr_text, read_ucr_tsv
from lstmfcn.errors import DataError

__all__ = [
    "EXTENSIONS",
    "RawSplit",
    "choose_pair",
    "dataset_name",
    "find_pair",
    "format_of",
    "make_split",
    "parse_file",
    "read_path",
]

#: Extensions with a reader, in the order preferred when a folder holds several complete pairs.
EXTENSIONS = (".ts", ".tsv", ".arff", ".csv", ".npz", ".txt", "")

_SPLIT_NAME = re.compile(r"^(?P<stem>.+)_(?P<split>train|test)$", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# Entry points


def format_of(name: str) -> str:
    """The reader extension for a file name: one of :data:`EXTENSIONS`.

    A name without a known extension is old UCR text only when it has no extension at all, or
    when its "extension" is really the split suffix (``Gun.Point_TRAIN``).
    """
    suffix = Path(name).suffix.lower()
    if suffix in EXTENSIONS:
        return suffix
    if suffix == "" or _SPLIT_NAME.match(suffix[1:]):
        return ""
    expected = ", ".join(e for e in EXTENSIONS if e)
    raise DataError(
        f"{name}: unsupported file type {suffix!r}; expected {expected}, "
        "or an old UCR file without extension (NAME_TRAIN, NAME_TEST)"
    )


def parse_file(data: bytes, name: str, *, transpose: bool = False) -> tuple[RawSplit, RawSplit | None]:
    """Read one file given as bytes.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        Display name; only its extension chooses the reader.
    transpose : bool
        Read an npz's 3-d ``X`` as ``(N, T, V)`` (see :func:`lstmfcn.data.npz_format.read_npz`);
        the other formats have one layout.

    Returns
    -------
    (RawSplit, RawSplit | None)
        ``(train, test)`` when the file holds both splits (an npz with ``X_train`` …), otherwise
        ``(all_samples, None)``.
    """
    fmt = format_of(name)
    if fmt == ".npz":
        return read_npz(data, name, transpose=transpose)
    return _READERS[fmt](data, name), None


def read_path(path: Path) -> tuple[RawSplit, RawSplit | None]:
    """Read a file or folder, pairing ``NAME_TRAIN*`` with ``NAME_TEST*`` when both exist.

    Parameters
    ----------
    path : Path
        A file (either half of a pair finds the other) or a folder holding one pair.

    Returns
    -------
    (RawSplit, RawSplit | None)
        ``(train, test)``, or ``(all_samples, None)`` for a single file without a split.
    """
    train_path, test_path = find_pair(path)
    if test_path is None:
        return parse_file(_read_bytes(train_path), train_path.name)
    return _read_one(train_path), _read_one(test_path)


def find_pair(path: Path) -> tuple[Path, Path | None]:
    """``(train_file, test_file)`` for a file or folder; ``test_file`` is None for a lone file."""
    if path.is_dir():
        return _pair_in_folder(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file or folder")
    match, _ = _split_parts(path.name)
    if match is None:
        return path, None
    other = {"train": "test", "test": "train"}[match["split"].lower()]
    # Keep the user's capitalisation: GunPoint_TRAIN pairs with GunPoint_TEST, x_train with x_test.
    other = other.upper() if match["split"].isupper() else other
    sibling = path.with_name(f"{match['stem']}_{other}{path.name[match.end() :]}")
    if not sibling.is_file():
        return path, None
    return (path, sibling) if other.lower() == "test" else (sibling, path)


def _split_parts(filename: str) -> tuple[re.Match | None, str]:
    """``(match of NAME_TRAIN / NAME_TEST, reader extension)`` for a file name."""
    fmt = format_of(filename)
    stem = filename[: len(filename) - len(fmt)] if fmt else filename
    return _SPLIT_NAME.match(stem), fmt


def dataset_name(filename: str) -> str:
    """Dataset name from a file name: ``GunPoint_TRAIN.tsv`` → ``GunPoint``."""
    name = Path(filename).name
    try:
        match, fmt = _split_parts(name)
    except DataError:
        return name
    if match is not None:
        return match["stem"]
    return name[: len(name) - len(fmt)] if fmt else name


def _read_one(path: Path) -> RawSplit:
    train, test = parse_file(_read_bytes(path), path.name)
    if test is not None:
        raise DataError(f"{path.name}: holds its own train/test split; expected a single split")
    return train


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror or err})") from None


def _pair_in_folder(folder: Path) -> tuple[Path, Path | None]:
    """The one ``NAME_TRAIN``/``NAME_TEST`` pair in ``folder``, preferring formats in order."""
    files = [file for file in sorted(folder.iterdir()) if file.is_file()]
    train, test = choose_pair([file.name for file in files], str(folder))
    by_name = {file.name: file for file in files}
    return by_name[train], by_name[test]


def choose_pair(names: list[str], where: str) -> tuple[str, str]:
    """The ``(train, test)`` names of the one dataset among file names, e.g. a folder's or a zip's.

    Files of another kind (notes, images) are passed over. When both halves exist in several
    formats, the first of :data:`EXTENSIONS` is taken. When several datasets are there, the one
    whose name begins every other's is taken: the UEA archive ships ``BasicMotions_TRAIN.arff``
    beside ``BasicMotionsDimension1_TRAIN.arff`` … (one file per variable).

    Raises:
        DataError: no complete pair, or several unrelated datasets (``where`` names the place).
    """
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for name in names:
        try:
            match, fmt = _split_parts(name)
        except DataError:  # a file of another kind is not part of a pair
            continue
        if match is not None:
            pairs.setdefault((match["stem"], fmt), {})[match["split"].lower()] = name
    complete = {key: files for key, files in pairs.items() if len(files) == 2}
    stems = sorted({stem for stem, _ in complete})
    if not stems:
        raise DataError(
            f"{where}: no NAME_TRAIN / NAME_TEST pair found; expected e.g. "
            "GunPoint_TRAIN.tsv and GunPoint_TEST.tsv (or .ts, .arff, .csv, .npz, .txt)"
        )
    whole = [stem for stem in stems if all(other.startswith(stem) for other in stems)]
    if len(stems) > 1 and not whole:
        raise DataError(f"{where}: holds several datasets ({', '.join(stems)}); name one file")
    stem = whole[0] if whole else stems[0]
    best = min((key for key in complete if key[0] == stem), key=lambda key: EXTENSIONS.index(key[1]))
    return complete[best]["train"], complete[best]["test"]


_READERS: dict[str, Callable[[bytes, str], RawSplit]] = {
    ".tsv": read_ucr_tsv,
    ".txt": read_ucr_text,
    "": read_ucr_text,
    ".csv": read_csv,
    ".ts": read_ts,
    ".arff": read_arff,
}
