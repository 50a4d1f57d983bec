"""Does a model fit a dataset? Align a dataset split to a checkpoint, or say why not."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data.dataset import Dataset
from .errors import MismatchError
from .models import ModelConfig


@dataclass
class AlignedSplit:
    """A dataset split ready for one model.

    Attributes:
        X: float32 ``(N, V, T_model)`` (``T`` unchanged when the model accepts any length).
        y: int64 ``(N,)`` labels in the *model's* class order.
        lengths: ``(N,)`` valid steps.
        warnings: sentences for the user about what was changed (resampling, padding).
    """

    X: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    warnings: list[str] = field(default_factory=list)


def align_split(
    config: ModelConfig, model_classes: list[str], ds: Dataset, split: str = "test", *, fix_length: bool = False
) -> AlignedSplit:
    """Check that ``ds`` fits the model and map its labels to the model's class order.

    Args:
        config: the model's configuration.
        model_classes: class names in the model's output order.
        ds: the dataset.
        split: ``"train"`` or ``"test"``.
        fix_length: when the model needs a fixed length (dimension shuffle on) and the series
            have another, resample longer series and zero-pad shorter ones instead of refusing.

    Raises:
        MismatchError: variables, classes or (without ``fix_length``) length do not fit.
    """
    needs_length = check_fit(config, model_classes, ds, fix_length=fix_length)
    X, y, lengths = ds.split(split)
    y = _map_labels(model_classes, ds, y)
    warnings: list[str] = []
    if needs_length:
        X, lengths, note = fit_series_length(X, lengths, config.length)
        warnings.append(note)
    return AlignedSplit(X, y, lengths, warnings)


def check_fit(config: ModelConfig, model_classes: list[str], ds: Dataset, *, fix_length: bool = False) -> bool:
    """Whether ``ds`` fits the model, without touching the series (cheap).

    Returns:
        True when the series must be resampled to the model's length (only with ``fix_length``).

    Raises:
        MismatchError: variables or classes differ, or the length differs and ``fix_length`` is
            off (then ``err.resamplable`` is True).
    """
    if ds.n_vars != config.n_vars:
        raise MismatchError(
            f"the model expects {config.n_vars} variable(s) per time step but dataset '{ds.name}' has {ds.n_vars}"
        )
    unknown = [c for c in ds.classes if str(c) not in {str(m) for m in model_classes}]
    needs_length = config.shuffle and ds.length != config.length
    if needs_length and not fix_length:
        way_out = (
            ""  # resampling would not help: the classes differ too (said next, once the length is fixed)
            if unknown
            else f"; resampling the series to {config.length} steps would let it run, with explanations of the"
            " resampled series"
        )
        raise MismatchError(
            f"the model was built for series of length {config.length} but dataset '{ds.name}' has length"
            f" {ds.length}{way_out}",
            resamplable=not unknown,
        )
    if unknown:
        raise MismatchError(_unknown_classes(model_classes, ds, unknown))
    return needs_length


def _unknown_classes(model_classes: list[str], ds: Dataset, unknown: list[str]) -> str:
    return (
        f"dataset '{ds.name}' has class(es) {', '.join(map(str, unknown[:5]))} that the model does not know"
        f" (the model's classes are {', '.join(map(str, model_classes[:10]))})"
    )


def _map_labels(model_classes: list[str], ds: Dataset, y: np.ndarray) -> np.ndarray:
    model_index = {str(c): i for i, c in enumerate(model_classes)}
    unknown = [c for c in ds.classes if str(c) not in model_index]
    if unknown:
        raise MismatchError(_unknown_classes(model_classes, ds, unknown))
    remap = np.array([model_index[str(c)] for c in ds.classes], dtype=np.int64)
    return remap[y]


def fit_series_length(X: np.ndarray, lengths: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Resample each series' valid part to ``target`` steps (linear interpolation).

    Returns ``(X (N, V, target), lengths (all target), warning sentence)``. Resampling keeps the
    whole shape of every series visible to the model, which padding or cutting would not.
    """
    N, V, _ = X.shape
    out = np.zeros((N, V, target), dtype=np.float32)
    grid = np.linspace(0.0, 1.0, target)
    for n in range(N):
        L = max(int(lengths[n]), 1)
        src = np.linspace(0.0, 1.0, L) if L > 1 else np.zeros(1)
        for v in range(V):
            out[n, v] = np.interp(grid, src, X[n, v, :L]) if L > 1 else X[n, v, 0]
    note = f"series were resampled from length {X.shape[-1]} to the model's length {target}; explanations refer to the resampled series"
    return out, np.full(N, target, dtype=np.int64), note
