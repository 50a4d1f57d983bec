"""Importance of a checkpoint on a dataset's split: the model's own input, a class-balanced sample, names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.dataset import Dataset
from ..data.names import display_class, names_from_metadata
from ..data.subsets import subset_indices
from ..errors import UserInputError
from ..inputs import ModelInput, model_classes, model_input
from ..models import LSTMFCN
from . import permutation_importance
from .result import ImportanceResult

#: Series used by default: a class-balanced sample this size (all of a smaller split). Each series
#: costs (V + V × W) × repeats forward passes; 300 keeps ECG5000 (4500 series) within a minute.
DEFAULT_SAMPLES = 300


@dataclass(frozen=True)
class SplitSample:
    """The series of a split that importance runs on.

    Attributes:
        inputs: the whole split as the model sees it (:func:`lstmfcn.model_input`).
        rows: ``(n,)`` the sampled series' indices in the split, sorted.
        classes: class names as shown (``"Gun (1)"``), in the model's order.
        variables: variable names, ``V``.
    """

    inputs: ModelInput
    rows: np.ndarray
    classes: list[str]
    variables: list[str]


def balanced_rows(y: np.ndarray, n: int | None, seed: int = 0) -> np.ndarray:
    """``n`` indices of ``y``'s series (all when ``n`` is None or ≥ N), class-balanced, sorted, deterministic."""
    return np.arange(len(y)) if n is None else subset_indices(np.asarray(y), int(n), seed)


def split_sample(
    model: LSTMFCN,
    ds: Dataset,
    split: str = "test",
    samples: int | None = DEFAULT_SAMPLES,
    *,
    resample: bool = False,
    class_subset: bool = False,
    class_names: list[str] | None = None,
    variable_names: list[str] | None = None,
) -> SplitSample:
    """``split`` of ``ds`` prepared for ``model``, a class-balanced sample of it, and the names to show.

    ``samples``: how many series (None: all). ``class_names`` / ``variable_names``: names to show
    instead of the checkpoint's (the dashboard's renames).
    """
    if samples is not None and samples < 1:
        raise UserInputError(f"samples must be at least 1, got {samples}")
    inputs = model_input(model, ds, split, resample=resample, class_subset=class_subset)
    if len(inputs.y) == 0:
        raise UserInputError(f"the {split} split of '{ds.name}' is empty")
    stored_classes, stored_variables = names_from_metadata(model.metadata)
    labels = model_classes(model)
    classes = class_names or [display_class(label, name) for label, name in zip(labels, stored_classes, strict=True)]
    variables = variable_names or stored_variables
    if len(variables) != inputs.X.shape[1]:
        variables = [f"variable {v + 1}" for v in range(inputs.X.shape[1])]
    return SplitSample(inputs, balanced_rows(inputs.y, samples), list(classes), list(variables))


def importance_on(sample: SplitSample, model: LSTMFCN, **options) -> ImportanceResult:
    """:func:`~lstmfcn.importance.permutation_importance` on ``sample``'s series, with its names."""
    x, rows = sample.inputs, sample.rows
    return permutation_importance(
        model,
        x.X[rows],
        x.y[rows],
        x.lengths[rows],
        variables=sample.variables,
        classes=sample.classes,
        sample_indices=rows,
        **options,
    )
