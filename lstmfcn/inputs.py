"""From a dataset to one model's input: the only way any part of the package feeds a model.

A checkpoint's preprocessing belongs to the model: the normalisation mode *and its statistics*,
the length and NaN policies, the class list and the dataset it was trained on. Feeding a model
series prepared any other way gives plausible-looking, wrong predictions and explanations, so the
CLI, the Python API, the zoo, the benchmark and every dashboard page take model input from
:func:`model_input`, which replays the checkpoint's record on the dataset's raw series.

Whether a model may be used on a dataset at all is :func:`check_fit`'s decision:

* the number of variables must match;
* the classes must be the model's: a dataset with a class the model does not know is refused; a
  dataset holding only some of the model's classes is refused unless the user asks to evaluate on
  a subset (``class_subset``), and never when it is another embedded dataset whose labels merely
  coincide with the model's (GunPoint's "1", "2" are not Adiac's "1", "2");
* a model built for another series length is refused unless the user asks for resampling
  (``resample``), which only ever fixes the length and is only offered when nothing else is wrong.

What was bent to make a pair fit (resampling, a class subset, another dataset's name) comes back
as sentences in ``warnings``, for every page and command to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import catalog
from .data.dataset import Dataset
from .data.preprocess import prepare_arrays
from .errors import DataError, MismatchError, UserInputError
from .models import LSTMFCN

#: Preprocessing assumed for a model whose metadata records none (built in code, or an old file).
DEFAULT_RECORD = {"normalize": "per_sample", "length_policy": "pad", "nan_policy": "interpolate"}


@dataclass(frozen=True)
class Fit:
    """How a dataset fits a model (see :func:`check_fit`).

    Attributes:
        resample: the series must be resampled to the model's length.
        missing_classes: the model's classes absent from the dataset (empty for the same set).
        warnings: sentences for the user about what is not as the model was trained.
    """

    resample: bool = False
    missing_classes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelInput:
    """One split of a dataset, prepared for one model.

    Attributes:
        X: float32 ``(N, V, T)``: the series as the model sees them (``T`` is the model's length
            when its dimension shuffle fixes one).
        y: int64 ``(N,)``: true classes as indices into the *model's* class list.
        lengths: int64 ``(N,)``: valid (unpadded) steps of each series.
        warnings: sentences for the user (resampling, class subset, another dataset).
        preprocessing: the record that was applied (normalisation mode and statistics, policies).
    """

    X: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    warnings: tuple[str, ...] = ()
    preprocessing: dict = field(default_factory=dict)


def model_classes(model: LSTMFCN) -> list[str]:
    """Class names in the model's output order (from its metadata, else ``"0"…"K-1"``)."""
    return [str(c) for c in model.metadata.get("classes") or range(model.config.n_classes)]


def input_record(model: LSTMFCN) -> dict:
    """The preprocessing a model was trained with (its checkpoint's record, defaults filled in)."""
    return {**DEFAULT_RECORD, **(model.metadata.get("preprocessing") or {})}


def trained_on(model: LSTMFCN) -> str:
    """Name of the dataset the model was trained on, or ``""`` when its metadata does not say."""
    return str((model.metadata.get("dataset") or {}).get("name") or "")


def check_fit(model: LSTMFCN, ds: Dataset, *, resample: bool = False, class_subset: bool = False) -> Fit:
    """Whether ``model`` may be used on ``ds``, without touching the series (cheap).

    Args:
        model: a loaded or trained model (its ``metadata`` gives classes and preprocessing).
        ds: the dataset.
        resample: the user asks for series of another length to be resampled to the model's.
        class_subset: the user asks to evaluate on a dataset holding only some of the model's
            classes.

    Returns:
        A :class:`Fit` saying what must be done and what to warn about.

    Raises:
        MismatchError: the pair cannot be used; ``err.way_out`` names the one opt-in that would make
            it usable and meaningful (``"resample"`` or ``"class_subset"``), or is None.
    """
    config = model.config
    if ds.n_vars != config.n_vars:
        raise MismatchError(
            f"the model expects {config.n_vars} variable(s) per time step but dataset '{ds.name}' has {ds.n_vars}"
        )
    classes = model_classes(model)
    origin = trained_on(model)
    other_dataset = bool(origin) and origin.lower() != ds.name.lower()
    unknown = [c for c in map(str, ds.classes) if c not in set(classes)]
    if unknown:
        raise MismatchError(
            f"dataset '{ds.name}' has class(es) {_listed(unknown, 5)} that the model does not know (the model's"
            f" classes are {_listed(classes, 10)}{f', from {origin}' if origin else ''})"
        )
    present = set(map(str, ds.classes))
    missing = tuple(c for c in classes if c not in present)
    warnings: list[str] = []
    if missing:
        if other_dataset and _is_embedded(ds):
            raise MismatchError(
                f"the model was trained on {origin} ({len(classes)} classes) and {ds.name} is another dataset:"
                f" its labels {_listed(sorted(present, key=classes.index), 5)} are among the model's, but classes"
                " are not the same because their labels are"
            )
        subset_note = (
            f"dataset '{ds.name}' holds {len(present)} of the model's {len(classes)} classes"
            f" (missing: {_listed(missing, 8)})"
        )
        if not class_subset:
            raise MismatchError(
                f"{subset_note}; its accuracy would not be comparable with the model's", way_out="class_subset"
            )
        warnings.append(
            f"evaluated on a subset of the model's classes: {subset_note}; the model may still answer a missing"
            " class, and accuracy counts such answers as wrong"
        )
    if other_dataset:
        warnings.append(
            f"the model was trained on {origin}, not on {ds.name}: matching class names do not make them the same"
            " classes"
        )
    length = _length_for(model, ds)
    needs_resampling = config.shuffle and length != config.length
    if needs_resampling and not resample:
        raise MismatchError(
            f"the model was built for series of length {config.length} but dataset '{ds.name}' has length {length};"
            f" resampling the series to {config.length} steps would let it run, with explanations of the resampled"
            " series",
            way_out="resample",
        )
    if needs_resampling:
        warnings.append(
            f"series were resampled from length {length} to the model's length {config.length}; explanations"
            " refer to the resampled series"
        )
    return Fit(needs_resampling, missing, tuple(warnings))


def model_input(
    model: LSTMFCN,
    ds: Dataset,
    split: str = "test",
    *,
    resample: bool = False,
    class_subset: bool = False,
    fit: Fit | None = None,
) -> ModelInput:
    """``ds``'s ``split`` prepared exactly as ``model`` was trained to see it.

    The checkpoint's preprocessing record (normalisation mode and statistics, length and NaN
    policies) is replayed on the raw series, so a model trained with ``per_dataset`` statistics gets
    *its* statistics on any dataset, and labels are mapped to the model's class order.

    Args:
        model: the model (eval mode); ``model.metadata`` holds its checkpoint metadata.
        ds: the dataset, with its raw splits (as :func:`~lstmfcn.data.load_dataset` gives it).
        split: ``"train"`` or ``"test"``.
        resample, class_subset: the user's opt-ins (see :func:`check_fit`).
        fit: :func:`check_fit`'s answer for this pair and these opt-ins when the caller has it
            already (the dashboard checks a pair once); None: checked here.

    Returns:
        The :class:`ModelInput`: ``X`` float32 ``(N, V, T)``, ``y`` and ``lengths`` ``(N,)``.

    Raises:
        MismatchError: the model cannot be used on the dataset (the message is for the user).
        DataError: the dataset holds no raw series, or they cannot be prepared the model's way.
    """
    return model_inputs(model, ds, resample=resample, class_subset=class_subset, fit=fit)[_check_split(split)]


def model_inputs(
    model: LSTMFCN, ds: Dataset, *, resample: bool = False, class_subset: bool = False, fit: Fit | None = None
) -> dict[str, ModelInput]:
    """Both splits of ``ds`` prepared for ``model`` (``{"train": …, "test": …}``), from one replay of the
    checkpoint's record: what :func:`model_input` gives per split, for callers that need both
    (``fit``: as in :func:`model_input`)."""
    if fit is None:
        fit = check_fit(model, ds, resample=resample, class_subset=class_subset)
    if ds.raw_train is None or ds.raw_test is None:
        raise DataError(f"dataset '{ds.name}' holds no raw series to prepare for a model; load it with load_dataset")
    record = input_record(model)
    arrays, applied = prepare_arrays(ds.raw_train, ds.raw_test, record)
    warnings = list(fit.warnings)
    if applied["normalize"] == "per_dataset" and "mean" not in record:
        warnings.append(
            "the checkpoint does not record its normalisation statistics; they were estimated from this dataset's"
            " training split"
        )
    index = {c: k for k, c in enumerate(model_classes(model))}
    out = {}
    for split, (X, lengths) in arrays.items():
        if fit.resample:
            X, lengths = resample_series(X, lengths, model.config.length)
        y = np.array([index[str(label)] for label in ds.raw(split).labels], dtype=np.int64)
        out[split] = ModelInput(X, y, lengths, tuple(warnings), applied)
    return out


def resample_series(X: np.ndarray, lengths: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample each series' valid part to ``target`` steps (linear interpolation).

    Resampling keeps the whole shape of every series visible to the model, which padding or
    cutting would not.

    Args:
        X: ``(N, V, T)`` prepared series.
        lengths: ``(N,)`` valid steps.
        target: the new length.

    Returns:
        ``X`` float32 ``(N, V, target)`` and lengths (all ``target``).
    """
    N, V, _ = X.shape
    out = np.zeros((N, V, target), dtype=np.float32)
    grid = np.linspace(0.0, 1.0, target)
    for n in range(N):
        L = max(int(lengths[n]), 1)
        src = np.linspace(0.0, 1.0, L) if L > 1 else np.zeros(1)
        for v in range(V):
            out[n, v] = np.interp(grid, src, X[n, v, :L]) if L > 1 else X[n, v, 0]
    return out, np.full(N, target, dtype=np.int64)


def _length_for(model: LSTMFCN, ds: Dataset) -> int:
    """The length ``T`` that ``ds``'s series get under the model's length policy."""
    pp = ds.preprocessing
    policy = input_record(model)["length_policy"]
    key = "min_length" if policy == "truncate" else "max_length"
    if key in pp:
        return int(pp[key])
    lengths = np.concatenate([ds.lengths_train, ds.lengths_test])
    return int(lengths.min() if policy == "truncate" else ds.length)


def _is_embedded(ds: Dataset) -> bool:
    """A dataset of the embedded catalog (its name says what its classes are)."""
    entry = catalog.find_entry(ds.name)
    return entry is not None and entry.name == ds.name and ds.source == entry.source


def _check_split(split: str) -> str:
    if split not in ("train", "test"):
        raise UserInputError(f"split must be 'train' or 'test', not {split!r}")
    return split


def _listed(names, most: int) -> str:
    names = [str(n) for n in names]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more
