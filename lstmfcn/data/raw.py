"""The raw form every reader returns, and the checks and label clean-up they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmfcn.errors import DataError


@dataclass(frozen=True)
class RawSplit:
    """One split as read from a file, before any preprocessing.

    Attributes:
        X: float64 ``(N, V, T)``; ``NaN`` marks padding (trailing) or missing values (interior).
        labels: ``(N,)`` array of label strings, canonical (``"1.0"`` and ``"1"`` read as ``"1"``).
        source: the file's display name, used in every message about this split.
        lines: ``(N,)`` 1-based line number of each sample in the file, or ``None`` when the
            format has no meaningful line (npz, or aeon's loaders).
    """

    X: np.ndarray
    labels: np.ndarray
    source: str
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def where(self, i: int) -> str:
        """Human description of sample ``i`` for messages, e.g. ``"GunPoint_TRAIN.tsv line 7"``."""
        if self.lines is not None:
            return f"{self.source} line {int(self.lines[i])}"
        return f"{self.source} sample {i}"

    def subset(self, index: np.ndarray) -> RawSplit:
        """The samples at ``index`` (an integer array), keeping their line numbers."""
        lines = None if self.lines is None else self.lines[index]
        return RawSplit(self.X[index], self.labels[index], self.source, lines)


def make_split(X: np.ndarray, labels: np.ndarray, source: str, lines: np.ndarray | None = None) -> RawSplit:
    """Validate shapes and canonicalise labels into a :class:`RawSplit`.

    Parameters
    ----------
    X : ndarray ``(N, V, T)``
    labels : ndarray ``(N,)`` of str
    """
    if X.ndim != 3 or 0 in X.shape:
        raise DataError(f"{source}: expected at least one series with one value, found shape {X.shape}")
    labels = np.asarray(labels).astype(str)
    if labels.shape != (X.shape[0],):
        raise DataError(f"{source}: {X.shape[0]} series but {labels.size} labels")
    missing = np.flatnonzero(np.isin(np.char.lower(np.char.strip(labels)), list(_MISSING_LABELS)))
    if missing.size:
        where = RawSplit(X, labels, source, lines).where(int(missing[0]))
        raise DataError(f"{where}: the label is missing ({str(labels[missing[0]])!r}); expected a class label")
    return RawSplit(X, canonical_labels(labels), source, lines)


# A label read as one of these is a missing value, not a class (NaN in a float y array, an empty cell).
_MISSING_LABELS = ("", "nan")


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Same label, same string: ``"1.0000000e+00"``, ``"1.0"``, ``" 1"`` all become ``"1"``.

    Old UCR text writes labels in scientific notation and aeon keeps them as written, so without
    this the same dataset read from two formats would have different class names.
    """
    unique, inverse = np.unique(labels, return_inverse=True)
    return np.array([_canonical_label(u) for u in unique], dtype=object)[inverse].astype(str)


def _canonical_label(label: str) -> str:
    text = label.strip()
    try:
        return str(int(text))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return text


def text_rows(data: bytes, name: str) -> list[tuple[int, str]]:
    """Non-blank lines as ``(line_number, text)``; DataError for binary, non-UTF-8 or empty."""
    rows = [(i, line) for i, line in enumerate(decode_text(data, name).splitlines(), start=1) if line.strip()]
    if not rows:
        raise DataError(f"{name}: is empty; expected one series per line, label first")
    return rows


def decode_text(data: bytes, name: str) -> str:
    """The file as text; DataError for binary or non-UTF-8 content."""
    if b"\x00" in data[:8192]:
        raise DataError(f"{name}: is a binary file; expected text with one series per line")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{name}: is not UTF-8 text (undecodable byte at offset {err.start}); "
            "expected text with one series per line"
        ) from None
