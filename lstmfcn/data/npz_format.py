"""NumPy ``.npz`` archives, always loaded with ``allow_pickle=False``: object arrays are refused.

Each array's ``.npy`` header is read before the array itself, so a member that is not an array,
holds Python objects, or would decompress to more than :data:`MAX_VALUES` values is refused
before anything is unpacked (a few hundred kB of compressed zeros can claim gigabytes).
"""

from __future__ import annotations

import io
import math

import numpy as np

from lstmfcn.data.layout import check_layout
from lstmfcn.data.packing import pack_files
from lstmfcn.data.raw import RawSplit, make_split
from lstmfcn.errors import DataError

#: Most values one array of an archive may hold (400 MB as float64; the largest UCR/UEA
#: classification problems that fit in memory hold fewer).
MAX_VALUES = 50_000_000


def read_npz(data: bytes, name: str, *, transpose: bool = False) -> tuple[RawSplit, RawSplit | None]:
    """``.npz`` with ``X``, ``y`` or ``X_train``, ``y_train``, ``X_test``, ``y_test``.

    ``X`` is ``(N, T)`` (univariate) or ``(N, V, T)``; ``NaN`` pads unequal lengths. ``y`` holds
    numbers or strings. Loaded with ``allow_pickle=False``: object arrays are refused.

    A 3-d ``X`` that looks stored as ``(N, T, V)`` (:func:`lstmfcn.data.layout.check_layout`) is
    refused with :class:`~lstmfcn.data.layout.LayoutError`; ``transpose=True`` reads every 3-d
    ``X`` as ``(N, T, V)``.

    Returns
    -------
    (RawSplit, RawSplit | None)
        ``(train, test)`` for the four-array form, ``(all_samples, None)`` for ``X``, ``y``.
    """
    if not data.startswith((b"PK\x03\x04", b"\x93NUMPY")):
        # np.load would try pickle next and suggest allow_pickle=True: never tell a user that.
        raise DataError(f"{name}: is not a valid .npz archive; expected a zip of .npy arrays (np.savez)")
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as err:  # BadZipFile, truncated header …
        raise DataError(f"{name}: is not a valid .npz archive ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{name}: is a single .npy array; expected an .npz archive of X and y")
    with archive:
        keys = set(archive.files)
        if {"X_train", "y_train", "X_test", "y_test"} <= keys:
            train = _npz_split(archive, "X_train", "y_train", name, transpose)
            return train, _npz_split(archive, "X_test", "y_test", name, transpose)
        if {"X", "y"} <= keys:
            return _npz_split(archive, "X", "y", name, transpose), None
    raise DataError(
        f"{name}: expected arrays X and y, or X_train, y_train, X_test and y_test; "
        f"found {', '.join(sorted(keys)) or 'no arrays'}"
    )


def _npz_split(archive: np.lib.npyio.NpzFile, x_key: str, y_key: str, name: str, transpose: bool) -> RawSplit:
    X, y = _npz_array(archive, x_key, name), _npz_array(archive, y_key, name)
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name} array {x_key!r}: expected numbers, found dtype {X.dtype}")
    if X.ndim == 3 and transpose:
        X = X.transpose(0, 2, 1)
    elif X.ndim == 3:
        check_layout(X.shape, f"{name}[{x_key}]")
    elif X.ndim == 2:  # univariate: (N, T) whatever ``transpose`` says
        X = X[:, None, :]
    else:
        raise DataError(f"{name} array {x_key!r}: expected shape (N, T) or (N, V, T), found {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise DataError(f"{name} array {y_key!r}: expected shape ({X.shape[0]},), found {y.shape}")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{name} array {y_key!r}: expected numbers or strings, found dtype {y.dtype}")
    labels = np.char.decode(y, "utf-8", "replace") if y.dtype.kind == "S" else y.astype(str)
    return make_split(X.astype(np.float64), labels, f"{name}[{x_key}]")


def _npz_array(archive: np.lib.npyio.NpzFile, key: str, name: str) -> np.ndarray:
    _check_header(archive, key, name)
    try:
        return archive[key]
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(
                f"{name} array {key!r}: holds Python objects, which would need unpickling; "
                "refused. Save numeric X and numeric or string y (not dtype=object)"
            ) from None
        raise DataError(f"{name} array {key!r}: cannot be read ({err})") from None
    except Exception as err:  # corrupt member inside a valid zip
        raise DataError(f"{name} array {key!r}: cannot be read ({err})") from None


def _check_header(archive: np.lib.npyio.NpzFile, key: str, name: str) -> None:
    """Refuse a member that is not an ``.npy`` array, holds objects, or is too large, unread."""
    member = f"{key}.npy" if f"{key}.npy" in archive.zip.namelist() else key
    fmt = np.lib.format
    try:
        with archive.zip.open(member) as f:
            version = fmt.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy format version {version}")
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read_header(f)
    except Exception as err:  # no .npy magic (a plain file in the zip), corrupt header, bad zip entry
        raise DataError(
            f"{name} array {key!r}: is not a NumPy array ({err}); expected arrays saved with np.savez"
        ) from None
    if dtype.hasobject:
        raise DataError(
            f"{name} array {key!r}: holds Python objects, which would need unpickling; "
            "refused. Save numeric X and numeric or string y (not dtype=object)"
        )
    n_values = math.prod(shape)
    if n_values > MAX_VALUES:
        raise DataError(
            f"{name} array {key!r}: shape {shape} holds {n_values:,} values, more than the "
            f"{MAX_VALUES:,} a dataset may have; expected a smaller array"
        )


def npz_of_splits(train: RawSplit, test: RawSplit | None) -> bytes:
    """The splits as an ``.npz`` this module reads back as they are: ``X`` (or ``X_train`` and
    ``X_test``) float64 ``(N, V, T)`` with NaN padding, labels as strings.

    Always the same bytes for the same splits (no time stamps), so a dataset stored in this form
    keeps one id.
    """
    if test is None:
        arrays = {"X": train.X, "y": train.labels}
    else:
        arrays = {"X_train": train.X, "y_train": train.labels, "X_test": test.X, "y_test": test.labels}
    members = []
    for key, array in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
        members.append((f"{key}.npy", buffer.getvalue()))
    return pack_files(members)
