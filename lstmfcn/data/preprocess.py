"""From raw splits to a model-ready :class:`~lstmfcn.data.dataset.Dataset`.

The steps, in order, and why:

1. ``inf`` anywhere is an error: no policy can guess what it meant.
2. Trailing ``NaN`` is padding and defines each series' length; a series with no value at all
   is an error.
3. Labels become ``0..K-1``; the original names are kept, sorted numerically when every label
   is a number (``"2"`` before ``"10"``), otherwise lexicographically.
4. Interior ``NaN`` is interpolated linearly (``nan_policy="interpolate"``), set to zero after
   normalisation (``"zero"``), or refused (``"error"``).
5. Lengths are made equal: ``"pad"`` to the longest series, ``"truncate"`` to the shortest.
6. z-normalisation over the valid steps only: ``"per_sample"`` (each sample and variable, as in
   the LSTM-FCN papers), ``"per_dataset"`` (per variable, statistics from the train split), or
   ``"none"``. Padded steps are zero afterwards.

What was done is recorded in ``Dataset.preprocessing`` (JSON-able) so that
:func:`apply_preprocessing` can replay it on other data, e.g. when a checkpoint meets a dataset.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from lstmfcn.data.dataset import Dataset
from lstmfcn.data.formats import RawSplit
from lstmfcn.errors import DataError

NORMALIZE = ("per_sample", "per_dataset", "none")
LENGTH_POLICIES = ("pad", "truncate")
NAN_POLICIES = ("interpolate", "zero", "error")

# A standard deviation this small relative to the mean is rounding noise of a constant series;
# dividing by it would blow noise up to unit variance, so such series become zeros instead.
_CONSTANT_RTOL = 1e-8


def check_options(normalize: str, length_policy: str, nan_policy: str) -> None:
    """Raise DataError naming the option when one of the three policies is unknown."""
    for option, value, allowed in (
        ("normalize", normalize, NORMALIZE),
        ("length_policy", length_policy, LENGTH_POLICIES),
        ("nan_policy", nan_policy, NAN_POLICIES),
    ):
        if value not in allowed:
            raise DataError(f"{option}={value!r} is not supported; expected one of {', '.join(allowed)}")


# ----------------------------------------------------------------------------------------------
# The whole pipeline


def prepare(
    name: str,
    train: RawSplit,
    test: RawSplit,
    *,
    normalize: str = "per_sample",
    length_policy: str = "pad",
    nan_policy: str = "interpolate",
    source: str = "",
    split: dict | None = None,
) -> Dataset:
    """Turn raw train and test splits into a :class:`Dataset`.

    Parameters
    ----------
    name : str
        Dataset name.
    train, test : RawSplit
        ``X`` float64 ``(N, V, T_file)`` with NaN padding, labels as strings.
    normalize, length_policy, nan_policy : str
        See the module docstring.
    source : str
        Recorded in ``Dataset.source``.
    split : dict or None
        How a single file was split (from :func:`lstmfcn.data.splitting.split_train_test`), recorded as is.

    Returns
    -------
    Dataset
        float32 ``X`` of shape ``(N, V, T)``, int64 labels and lengths.
    """
    check_options(normalize, length_policy, nan_policy)
    if train.X.shape[1] != test.X.shape[1]:
        raise DataError(
            f"{test.source}: series have {test.X.shape[1]} variable(s) but {train.source} has {train.X.shape[1]}; "
            "expected the same number of variables in train and test"
        )
    for raw in (train, test):
        check_finite(raw)
    y_train, y_test, classes = encode_labels(train, test)
    options = {"normalize": normalize, "length_policy": length_policy, "nan_policy": nan_policy}
    arrays, record = prepare_arrays(train, test, options)
    preprocessing = {
        **record,
        "label_order": "numeric" if _all_numbers(classes) else "lexicographic",
        "split": split,
    }
    (X_train, lengths_train), (X_test, lengths_test) = arrays["train"], arrays["test"]
    return Dataset(
        name=name,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        classes=classes,
        lengths_train=lengths_train,
        lengths_test=lengths_test,
        source=source,
        preprocessing=preprocessing,
        raw_train=train,
        raw_test=test,
    )


def prepare_arrays(
    train: RawSplit, test: RawSplit, record: dict
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict]:
    """Both splits' series prepared as ``record`` says: the one place raw series become model input.

    :func:`prepare` calls it with the dataset's own options (statistics fitted on ``train``);
    :func:`lstmfcn.inputs.model_input` calls it with a checkpoint's record, so a model always
    sees its data the way it saw its training data, bit for bit.

    Parameters
    ----------
    train, test : RawSplit
        As read: float64 ``(N, V, T_file)``, NaN padding and missing values, already checked finite.
    record : dict
        ``normalize``, ``length_policy``, ``nan_policy`` (defaults: the papers' ``per_sample``,
        ``pad``, ``interpolate``) and, for ``per_dataset``, the ``mean`` and ``std`` to apply; when
        those are absent they are fitted on ``train``.

    Returns
    -------
    (dict, dict)
        ``{"train": (X, lengths), "test": (X, lengths)}`` with float32 ``X`` ``(N, V, T)`` and int64
        ``lengths`` ``(N,)``, and the record of what was done (the options, ``length`` T, the length
        range, missing-value counts, and the statistics used).
    """
    normalize = record.get("normalize", "per_sample")
    length_policy = record.get("length_policy", "pad")
    nan_policy = record.get("nan_policy", "interpolate")
    check_options(normalize, length_policy, nan_policy)
    lengths = {"train": series_lengths(train), "test": series_lengths(test)}
    missing = {
        "train": fill_missing(train.X, lengths["train"], nan_policy, train.where),
        "test": fill_missing(test.X, lengths["test"], nan_policy, test.where),
    }
    all_lengths = np.concatenate([lengths["train"], lengths["test"]])
    T = int(all_lengths.min() if length_policy == "truncate" else all_lengths.max())
    fitted = {k: fit_length(missing[k][0], lengths[k], T) for k in ("train", "test")}
    stats = {k: record[k] for k in ("mean", "std") if k in record}
    out = {
        "normalize": normalize,
        "length_policy": length_policy,
        "nan_policy": nan_policy,
        "length": T,
        "max_length": int(all_lengths.max()),
        "min_length": int(all_lengths.min()),
        "missing_values": {"train": missing["train"][1], "test": missing["test"][1]},
    }
    if normalize == "per_dataset":
        out.update(stats if len(stats) == 2 else fit_normalization(*fitted["train"], normalize))
    arrays = {k: (apply_preprocessing(X, L, out), L) for k, (X, L) in fitted.items()}
    return arrays, out


# ----------------------------------------------------------------------------------------------
# Checks and lengths


def check_finite(raw: RawSplit) -> None:
    """DataError naming the first sample that holds ``+inf`` or ``-inf``."""
    bad = np.flatnonzero(np.isinf(raw.X).any(axis=(1, 2)))
    if bad.size:
        raise DataError(f"{raw.where(int(bad[0]))}: contains an infinite value; expected finite numbers")


def series_lengths(raw: RawSplit) -> np.ndarray:
    """Valid steps per sample: up to the last step where any variable is not NaN.

    Returns
    -------
    ndarray
        int64 ``(N,)``.

    Raises
    ------
    DataError
        When a sample has no value at all (a 0-length series).
    """
    present = ~np.isnan(raw.X).all(axis=1)  # (N, T)
    T = present.shape[1]
    lengths = np.where(present.any(axis=1), T - np.argmax(present[:, ::-1], axis=1), 0)
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise DataError(f"{raw.where(int(empty[0]))}: the series has no values (length 0)")
    return lengths.astype(np.int64)


def fit_length(X: np.ndarray, lengths: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad with zeros at the end, or truncate, to exactly ``T`` steps.

    Truncation does not re-normalise: a per-sample normalised series cut short keeps the
    statistics of its full length, which is what a model trained on the full length expects.

    Parameters
    ----------
    X : ndarray ``(N, V, T_in)``
    lengths : ndarray ``(N,)``
    T : int
        Target length, at least 1.

    Returns
    -------
    (ndarray ``(N, V, T)``, ndarray ``(N,)``)
        The array (same dtype) and the lengths clipped to ``T``.
    """
    if T < 1:
        raise DataError(f"cannot fit series to length {T}; expected at least 1 step")
    N, V, T_in = X.shape
    if T_in >= T:
        out = X[:, :, :T].copy()
    else:
        out = np.zeros((N, V, T), dtype=X.dtype)
        out[:, :, :T_in] = X
    return out, np.minimum(np.asarray(lengths, dtype=np.int64), T)


def valid_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """Boolean ``(N, T)``: True on the steps before each sample's length (its valid, unpadded steps)."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def _valid_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """:func:`valid_mask` as ``(N, 1, T)``, to broadcast over variables."""
    return valid_mask(lengths, T)[:, None, :]


# ----------------------------------------------------------------------------------------------
# Labels


def encode_labels(train: RawSplit, test: RawSplit) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Class indices ``0..K-1`` for both splits, with the class names of the train split.

    Returns
    -------
    (ndarray ``(N_train,)``, ndarray ``(N_test,)``, list of str)
        int64 indices and ``classes`` with ``classes[k]`` the name of index ``k``.
    """
    classes = class_order(np.unique(train.labels))
    if len(classes) < 2:
        raise DataError(f"{train.source}: only one class ({classes[0]!r}); expected at least two to classify")
    unseen = sorted(set(np.unique(test.labels).tolist()) - set(classes))
    if unseen:
        shown = ", ".join(repr(label) for label in unseen[:10])
        raise DataError(
            f"{test.source}: labels {shown} do not occur in {train.source}; "
            "expected every test label among the train labels"
        )
    index = {label: k for k, label in enumerate(classes)}
    encode = np.vectorize(index.__getitem__, otypes=[np.int64])
    return encode(train.labels), encode(test.labels), classes


def class_order(labels: np.ndarray | list[str]) -> list[str]:
    """Unique labels sorted numerically when all are numbers, otherwise lexicographically."""
    unique = sorted({str(label) for label in labels})
    if _all_numbers(unique):
        return sorted(unique, key=float)
    return unique


def _all_numbers(labels: list[str]) -> bool:
    try:
        for label in labels:
            float(label)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------------------------
# Missing values


def fill_missing(
    X: np.ndarray, lengths: np.ndarray, policy: str, where: Callable[[int], str] = lambda i: f"sample {i}"
) -> tuple[np.ndarray, int]:
    """Handle NaN inside each series' valid steps (padding is left alone).

    Parameters
    ----------
    X : ndarray ``(N, V, T)``
    lengths : ndarray ``(N,)``
    policy : {"interpolate", "zero", "error"}
        ``"zero"`` leaves NaN in place: it becomes 0 after normalisation, which ignores it.
    where : callable
        Describes sample ``i`` for messages (file and line).

    Returns
    -------
    (ndarray ``(N, V, T)``, int)
        A float64 copy with interior NaN interpolated (for ``"interpolate"``) and the number of
        missing values found.
    """
    X = np.array(X, dtype=np.float64)
    interior = np.isnan(X) & _valid_mask(lengths, X.shape[2])
    count = int(interior.sum())
    if count == 0 or policy == "zero":
        return X, count
    samples, variables = np.nonzero(interior.any(axis=2))
    if policy == "error":
        step = int(np.argmax(interior[samples[0], variables[0]]))
        raise DataError(
            f"{where(int(samples[0]))}: missing value (NaN) at variable {int(variables[0])}, "
            f"step {step}; use nan_policy='interpolate' or 'zero' to accept missing values"
        )
    for i, v in zip(samples, variables, strict=True):
        series = X[i, v, : lengths[i]]  # a view: filling it fills X
        known = ~np.isnan(series)
        if not known.any():
            raise DataError(
                f"{where(int(i))}: variable {int(v)} has no values to interpolate from; "
                "use nan_policy='zero' to accept it"
            )
        steps = np.arange(series.size)
        series[~known] = np.interp(steps[~known], steps[known], series[known])
    return X, count


# ----------------------------------------------------------------------------------------------
# Normalisation


def fit_normalization(X: np.ndarray, lengths: np.ndarray, normalize: str) -> dict:
    """Statistics a normalisation needs from the train split, as JSON-able lists.

    Parameters
    ----------
    X : ndarray ``(N, V, T)``
        Train split; NaN and steps past ``lengths`` are ignored.

    Returns
    -------
    dict
        ``{"mean": [V floats], "std": [V floats]}`` for ``"per_dataset"``, else ``{}``.
    """
    if normalize != "per_dataset":
        return {}
    valid = np.where(_valid_mask(lengths, X.shape[2]), X, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a variable with no values → NaN, handled
        mean = np.nanmean(valid, axis=(0, 2))
        std = np.nanstd(valid, axis=(0, 2))
    return {"mean": np.nan_to_num(mean).tolist(), "std": np.nan_to_num(std).tolist()}


def apply_preprocessing(X: np.ndarray, lengths: np.ndarray, preprocessing: dict) -> np.ndarray:
    """Replay a recorded normalisation on raw series.

    Parameters
    ----------
    X : ndarray ``(N, V, T)``
        Raw values; steps at or past ``lengths`` are ignored; interior NaN are handled by the
        recorded ``nan_policy``.
    lengths : ndarray ``(N,)``
        Valid steps per sample.
    preprocessing : dict
        ``Dataset.preprocessing`` of the data the statistics come from (keys ``normalize``,
        ``nan_policy`` and, for ``"per_dataset"``, ``mean`` and ``std``).

    Returns
    -------
    ndarray
        float32 ``(N, V, T)``: normalised, zero on padded steps and on missing values.
    """
    normalize = preprocessing.get("normalize", "per_sample")
    nan_policy = preprocessing.get("nan_policy", "interpolate")
    check_options(normalize, "pad", nan_policy)
    X, _ = fill_missing(X, lengths, nan_policy)
    valid = _valid_mask(lengths, X.shape[2]) & ~np.isnan(X)
    if normalize == "per_sample":
        X = _standardize(X, valid, axis=2)
    elif normalize == "per_dataset":
        mean, std = _recorded_stats(preprocessing, X.shape[1])
        X = (X - mean) / np.where(_is_constant(mean, std), 1.0, std)
    return np.where(valid, X, 0.0).astype(np.float32)


def _standardize(X: np.ndarray, valid: np.ndarray, axis: int) -> np.ndarray:
    """z-normalise along ``axis`` over ``valid`` entries; constant series become zeros."""
    count = valid.sum(axis=axis, keepdims=True)
    values = np.where(valid, X, 0.0)
    mean = values.sum(axis=axis, keepdims=True) / np.maximum(count, 1)
    centred = np.where(valid, X - mean, 0.0)
    std = np.sqrt((centred**2).sum(axis=axis, keepdims=True) / np.maximum(count, 1))
    constant = _is_constant(mean, std)
    return np.where(constant, 0.0, centred / np.where(constant, 1.0, std))


def _is_constant(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return std <= _CONSTANT_RTOL * np.maximum(1.0, np.abs(mean))


def _recorded_stats(preprocessing: dict, V: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` shaped ``(1, V, 1)`` from a per-dataset record; DataError if unusable."""
    try:
        mean = np.asarray(preprocessing["mean"], dtype=np.float64)
        std = np.asarray(preprocessing["std"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        raise DataError("per_dataset normalisation needs 'mean' and 'std' lists in the record") from None
    if mean.shape != (V,) or std.shape != (V,):
        raise DataError(f"per_dataset statistics are for {mean.size} variables; the data has {V}")
    return mean[None, :, None], std[None, :, None]
