"""One page run's selection resolved to things: the model, the dataset and the split prepared for it.

A page reads ids (dataset, model, split) from the session; the Streamlit layer resolves them once
into a :class:`Selection` (kept per ids and shared by every session: nothing in it belongs to one)
and the page and its helpers pass that object on instead of looking the ids up again. Cached
functions keep taking the ids, :attr:`Selection.key`, which are cheap to hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmfcn.data import Dataset
from lstmfcn.data.subsets import subset_indices
from lstmfcn.inputs import ModelInput
from lstmfcn.models import LSTMFCN


@dataclass(frozen=True, eq=False)
class Selection:
    """A model on one split of a dataset, as one page run uses it.

    Attributes:
        model_id, dataset_id: the ids the session keeps (see :mod:`lstmfcn.dashboard.sources`).
        split: ``"test"`` or ``"train"``.
        model: the model, in eval mode (``model.metadata``: its checkpoint's); shared, never changed.
        ds: the dataset.
        X: float32 ``(N, V, T)``: the split's series as the model sees them
            (:func:`lstmfcn.inputs.model_input`, with both opt-ins on: whether a session may use
            them is checked where the model is chosen).
        y: int64 ``(N,)``: true classes as indices into the model's class list.
        lengths: int64 ``(N,)``: valid steps of each series.
        warnings: sentences for the user (resampling, a class subset, another dataset).
        preprocessing: the preprocessing record that was applied.
    """

    model_id: str
    dataset_id: str
    split: str
    model: LSTMFCN
    ds: Dataset
    X: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    warnings: tuple[str, ...] = ()
    preprocessing: dict = field(default_factory=dict)
    _subsets: dict = field(default_factory=dict, repr=False)  # subset size -> rows, filled on first use

    @classmethod
    def of(cls, model_id: str, dataset_id: str, split: str, model: LSTMFCN, ds: Dataset, data: ModelInput) -> Selection:
        """The selection of ``model`` on ``data``, the ``split`` of ``ds`` prepared for it."""
        return cls(
            model_id, dataset_id, split, model, ds, data.X, data.y, data.lengths, data.warnings, data.preprocessing
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """``(model_id, dataset_id, split)``: what cached functions are keyed by."""
        return self.model_id, self.dataset_id, self.split

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Selection) and other.key == self.key

    def rows(self, subset: int = 0) -> np.ndarray:
        """Indices ``(n,)`` of the samples a split-level computation covers: all (``subset=0``), or
        that many, stratified by class; worked out once per size."""
        if subset not in self._subsets:
            self._subsets[subset] = subset_indices(self.y, subset) if subset else np.arange(len(self.y))
        return self._subsets[subset]
