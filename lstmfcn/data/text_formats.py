"""Delimited text files: UCR 2018 ``.tsv``, older UCR text (``NAME_TRAIN``, ``.txt``), ``.csv``.

One series per line, label first. Unequal lengths are NaN-padded in the file, so every line has
the same number of fields; a line with a different count is an error, not a shorter series.
"""

from __future__ import annotations

import numpy as np

from lstmfcn.data.raw import RawSplit, make_split, text_rows
from lstmfcn.errors import DataError

# Cells an old UCR or CSV file may use for a missing value.
_MISSING = {"", "nan", "na", "?"}
# How each reader splits a line (None: whitespace, as str.split), in words, for messages.
_SEPARATORS = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "vertical bars", None: "whitespace"}


def read_ucr_tsv(data: bytes, name: str) -> RawSplit:
    """UCR 2018 ``.tsv``: one series per line, label then values, tab separated.

    Returns
    -------
    RawSplit
        ``X`` of shape ``(N, 1, T)``; unequal lengths stay NaN-padded as in the file.
    """
    rows = text_rows(data, name)
    return _table_split(rows, "\t", name)


def read_ucr_text(data: bytes, name: str) -> RawSplit:
    """Older UCR text (``NAME_TRAIN``, ``.txt``): label then values, whitespace or commas.

    Returns
    -------
    RawSplit
        ``X`` of shape ``(N, 1, T)``.
    """
    rows = text_rows(data, name)
    sep = "," if "," in rows[0][1] else None
    return _table_split(rows, sep, name)


def read_csv(data: bytes, name: str) -> RawSplit:
    """CSV: label column first, then values; a first line that is not numeric is a header.

    Returns
    -------
    RawSplit
        ``X`` of shape ``(N, 1, T)``.
    """
    rows = text_rows(data, name)
    if _is_header(rows):
        rows = rows[1:]
        if not rows:
            raise DataError(f"{name}: has a header line but no data rows")
    return _table_split(rows, ",", name)


def _is_header(rows: list[tuple[int, str]]) -> bool:
    """A first CSV line is a header when a value cell is text, or when only its label is text
    while every other label is a number (``class,0,1,2`` above numeric rows)."""
    first = rows[0][1].split(",")
    if any(_as_float(cell) is None for cell in first[1:]):
        return True
    labels_are_numbers = [_as_float(line.split(",", 1)[0]) is not None for _, line in rows]
    return not labels_are_numbers[0] and len(rows) > 1 and all(labels_are_numbers[1:])


def _table_split(rows: list[tuple[int, str]], sep: str | None, name: str) -> RawSplit:
    """Parse label-first rows into a RawSplit ``(N, 1, T)``; ``sep=None`` means whitespace."""
    if sep is None:
        n_fields = [len(line.split()) for _, line in rows]
    else:
        n_fields = [line.count(sep) + 1 for _, line in rows]
    expected = n_fields[0]
    for (lineno, _), count in zip(rows, n_fields, strict=True):
        if count != expected:
            raise DataError(
                f"{name} line {lineno}: expected {expected} fields (as on line {rows[0][0]}), "
                f"found {count}; every line must have the same number of fields "
                "(pad shorter series with NaN)"
            )
    if expected < 2:
        raise DataError(
            f"{name} line {rows[0][0]}: expected a label followed by values separated by {_SEPARATORS[sep]}, "
            f"found one field{_separator_hint(rows[0][1], sep)}"
        )
    labels = [line.split(sep, 1)[0].strip().strip('"') for _, line in rows]
    for (lineno, _), label in zip(rows, labels, strict=True):
        if not label:
            raise DataError(f"{name} line {lineno}: the label (first field) is empty")
    values = _parse_values([line for _, line in rows], sep, expected, rows, name)
    lines = np.array([lineno for lineno, _ in rows], dtype=np.int64)
    return make_split(values[:, None, :], np.array(labels), name, lines)


def _separator_hint(line: str, sep: str | None) -> str:
    """``"; the line seems to be separated by semicolons"`` when another separator splits ``line``."""
    for other, words in _SEPARATORS.items():
        if other != sep and len(line.strip().split(other)) > 1:
            return f"; the line seems to be separated by {words}"
    return ""


def _parse_values(
    lines: list[str], sep: str | None, n_fields: int, rows: list[tuple[int, str]], name: str
) -> np.ndarray:
    """Fields 2.. of each line as float64 ``(N, n_fields - 1)``."""
    try:
        # numpy's C reader is fast; it refuses empty cells and stray text, which the slow
        # path below either accepts (missing values) or reports with a line and field.
        values = np.loadtxt(lines, delimiter=sep, usecols=range(1, n_fields), dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        return _parse_values_slowly(rows, sep, name)
    return values


def _parse_values_slowly(rows: list[tuple[int, str]], sep: str | None, name: str) -> np.ndarray:
    """Cell-by-cell parse: missing cells become NaN; the first bad cell raises DataError."""
    out = []
    for lineno, line in rows:
        cells = line.split(sep)[1:]
        parsed = []
        for field, cell in enumerate(cells, start=2):
            value = _as_float(cell)
            if value is None:
                shown = cell.strip()[:40]
                raise DataError(f"{name} line {lineno}: expected numbers, found {shown!r} (field {field})")
            parsed.append(value)
        out.append(parsed)
    return np.array(out, dtype=np.float64)


def _as_float(cell: str) -> float | None:
    """A cell as a float (missing → NaN), or None when it is not a number."""
    text = cell.strip().strip('"').strip()
    if text.lower() in _MISSING:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return None
