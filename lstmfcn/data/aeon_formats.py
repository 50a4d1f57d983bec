"""``.ts`` and ``.arff`` files, read by aeon's loaders (imported only when needed: ~1 s).

aeon's loaders accept much that is not a classification dataset (no labels, regression targets,
an empty file), so the header is checked first and the result after.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lstmfcn.data.raw import RawSplit, decode_text, make_split
from lstmfcn.errors import DataError


def read_ts(data: bytes, name: str) -> RawSplit:
    """``.ts`` (sktime/aeon format) through :func:`aeon.datasets.load_from_ts_file`.

    Returns
    -------
    RawSplit
        ``X`` of shape ``(N, V, T)``, unequal lengths NaN-padded to the longest.
    """
    text = _nonempty_text(data, name)
    at_data = text.lower().find("@data")
    if at_data < 0:
        raise DataError(f"{name}: no @data line; expected a .ts file with a header and @data")
    header_text = text[:at_data]
    header = header_text.lower()
    if re.search(r"@targetlabel\s+true", header):
        raise DataError(f"{name}: is a regression problem (@targetLabel); expected classification")
    if not re.search(r"@classlabel\s+true", header):
        raise DataError(f"{name}: has no '@classLabel true' header line; expected class labels")
    simple = _read_plain_ts(text)
    if simple is not None:  # the embedded default's case: no aeon import (seconds of a cold start)
        return make_split(*simple, name)
    from aeon.datasets import load_from_ts_file  # slow import (~1 s), only when needed

    X, y = _via_aeon(load_from_ts_file, data, ".ts", name, text)
    return make_split(_pad_ragged(X, name), _restore_ts_labels(y, header_text, name), name)


def _read_plain_ts(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(X (N, V, T) float64, labels)`` of a plain ``.ts`` file, exactly as aeon reads it, else None.

    Plain: no timestamps, no missing values, equal lengths, every label spelt as the @classLabel
    line declares it. Importing aeon costs seconds (scikit-learn, numba), more than reading a
    file of the archive; anything else (or any doubt) is left to aeon, with its checks and messages.
    """
    at_data = re.search(r"^[ \t]*@data[ \t]*$", text, re.IGNORECASE | re.MULTILINE)  # a comment may say "@data"
    header = None if at_data is None else _plain_header(text[: at_data.start()])
    if header is None:
        return None
    data_lines = text[at_data.start() :].splitlines()
    if header.get("timestamps") or header.get("missing") or not header.get("equallength", True):
        return None
    classes = set(header["classlabel"])
    if len({c.lower() for c in classes}) != len(classes):  # aeon's lower-casing would merge them
        return None
    rows, labels = [], []
    for line in data_lines[1:]:
        line = line.strip()
        if not line or "?" in line or "nan" in line.lower():
            return None
        *channels, label = line.split(":")
        if not channels or label not in classes:
            return None
        try:
            rows.append([[float(v) for v in channel.split(",")] for channel in channels])
        except ValueError:
            return None
        labels.append(label)
    if not rows:
        return None
    shapes = {(len(r), len(r[0])) for r in rows} | {(len(r), len(c)) for r in rows for c in r}
    if len(shapes) != 1 or (header.get("univariate", True) and len(rows[0]) != 1):  # aeon's default: univariate
        return None
    return np.array(rows, dtype=np.float64), np.array(labels)


_BOOLEAN_KEYS = ("timestamps", "missing", "univariate", "equallength", "targetlabel")


def _plain_header(header: str) -> dict | None:
    """The header lines of a plain ``.ts`` file (``{key: bool}``, ``classlabel``: the declared
    labels), or None where aeon's header reader could object or read it otherwise: a line that is
    not a comment nor ``@key value`` of a key it knows, a boolean that is not ``true``/``false``,
    no ``@classLabel true`` with its labels, a ``@targetLabel true``."""
    out: dict = {}
    for line in header.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tokens = line.split()
        key = tokens[0].lower()
        if key.startswith("%") and key != "%data":  # aeon passes over a line whose key it does not know
            continue
        if len(tokens) < 2 or not key.startswith("@"):
            return None
        key, values = key[1:], [t.lower() for t in tokens[1:]]
        if key in _BOOLEAN_KEYS:
            if len(values) != 1 or values[0] not in ("true", "false"):
                return None
            out[key] = values[0] == "true"
        elif key == "classlabel":
            if values[0] != "true" or len(tokens) < 3:
                return None
            out[key] = tokens[2:]
        elif key not in ("problemname", "serieslength", "dimension", "dimensions"):
            return None
    return out if "classlabel" in out and not out.get("targetlabel") else None


def _restore_ts_labels(labels: np.ndarray, header: str, name: str) -> np.ndarray:
    """Undo aeon's lower-casing of ``.ts`` labels using the spelling on ``@classLabel``.

    aeon lower-cases each data line and rewrites ``nan`` as ``NaN`` in it, so ``Standing``
    arrives as ``standing``; the header keeps the original spelling of every class. A label the
    header does not declare is a broken file (aeon accepts it): DataError.
    """
    line = re.search(r"^\s*@classlabel\s+true\s+(.*)$", header, re.IGNORECASE | re.MULTILINE)
    declared = line[1].split() if line else []
    spelling: dict[str, str | None] = {}
    for label in declared:
        key = label.lower().replace("nan", "NaN").replace("?", "NaN")
        spelling[key] = label if spelling.get(key, label) == label else None  # None: ambiguous
    undeclared = sorted(set(labels.tolist()) - set(spelling))
    if declared and undeclared:
        shown = ", ".join(repr(label) for label in undeclared[:10])
        raise DataError(
            f"{name}: label(s) {shown} are not declared on the @classLabel line ({' '.join(declared[:20])}); "
            "expected every class listed in the header"
        )
    return np.array([spelling.get(label) or label for label in labels.tolist()])


def read_arff(data: bytes, name: str) -> RawSplit:
    """``.arff`` (Weka; relational attributes for multivariate) through aeon's loader.

    Returns
    -------
    RawSplit
        ``X`` of shape ``(N, V, T)``.
    """
    text = _nonempty_text(data, name)
    attributes = [line for line in text.splitlines() if line.strip().lower().startswith("@attribute")]
    if "@data" not in text.lower() or not attributes:
        raise DataError(f"{name}: no @attribute/@data lines; expected an ARFF file")
    if "{" not in attributes[-1]:
        raise DataError(
            f"{name}: the last attribute is not nominal ({attributes[-1].strip()[:60]!r}); "
            "expected the class as the last attribute, e.g. @attribute target {1,2}"
        )
    from aeon.datasets import load_from_arff_file  # slow import (~1 s), only when needed

    X, y = _via_aeon(load_from_arff_file, data, ".arff", name, text)
    return make_split(_pad_ragged(X, name), y, name)


def _nonempty_text(data: bytes, name: str) -> str:
    text = decode_text(data, name)
    if not text.strip():
        raise DataError(f"{name}: is empty; expected a header and @data")
    return text


def _via_aeon(loader: Callable, data: bytes, suffix: str, name: str, text: str) -> tuple[np.ndarray | list, np.ndarray]:
    """Run an aeon loader on ``data`` in a temporary folder; any failure becomes DataError."""
    with tempfile.TemporaryDirectory(prefix="lstmfcn-") as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(data)
        try:
            X, y = loader(str(path))
        except Exception as err:  # aeon raises OSError, ValueError, IndexError … on bad input
            message = re.sub(r"<_io\.\w+ name=[^>]*>", name, str(err).replace(str(path), name))
            raise DataError(f"{name}{_line_hint(text, message)}: cannot be read ({message})") from None
    if len(y) == 0 or len(X) == 0:
        raise DataError(f"{name}: holds no labelled series; expected lines after @data")
    if len(y) != len(X):
        raise DataError(f"{name}: {len(X)} series but {len(y)} labels")
    return X, np.asarray(y).astype(str)


def _line_hint(text: str, message: str) -> str:
    """`` line N`` for the first data line holding the token an aeon error quotes, else ``""``."""
    quoted = re.search(r"'([^']+)'", message)
    if quoted is None:
        return ""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().lower() == "@data"), 0)
    for i in range(start + 1, len(lines)):
        if quoted[1] in lines[i]:
            return f" line {i + 1}"
    return ""


def _pad_ragged(X: np.ndarray | Sequence[np.ndarray], name: str) -> np.ndarray:
    """aeon returns ``(N, V, T)`` for equal lengths, a list of ``(V, T_i)`` otherwise: pad it."""
    if isinstance(X, np.ndarray) and X.ndim == 3:
        return X.astype(np.float64)
    series = [np.asarray(x, dtype=np.float64) for x in X]
    if any(s.ndim != 2 for s in series) or len({s.shape[0] for s in series}) != 1:
        raise DataError(f"{name}: every series must have the same number of variables")
    out = np.full((len(series), series[0].shape[0], max(s.shape[1] for s in series)), np.nan)
    for i, s in enumerate(series):
        out[i, :, : s.shape[1]] = s
    return out
