"""One chunk of a whole-split computation, named by one frozen key instead of nine strings.

The pages compute a whole split's explanations in consecutive chunks of samples
(:func:`~lstmfcn.data.subsets.chunks`), each cached in memory and on disk: a :class:`ChunkKey`
says which samples and what is computed on them (:class:`SplitWork`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lstmfcn.explain.options import MethodOptions


class SplitWork(StrEnum):
    """What a whole-split computation computes on each sample; the values are the names pages pass."""

    LOGITS = "logits"
    CAM = "cam"  # every class's CAM, its offset and the logits
    ATTENTION = "attention"  # the attention LSTM's last step and context vectors
    ATTR_TRUE = "attr_true"  # a method's map of each sample for its true class
    ATTR_PRED = "attr_pred"  # a method's map of each sample for its predicted class


@dataclass(frozen=True)
class ChunkKey:
    """Samples ``start:stop`` of the rows of ``subset`` (0: the whole split, else that many, stratified)
    of dataset ``dataset_id``'s ``split`` prepared for model ``model_id``, and what is computed on them.

    ``method`` and its typed ``options`` (:func:`lstmfcn.dashboard.explanations.options_of`) for the
    attribution kinds, ``""`` for the others. A ``kind`` not in :class:`SplitWork` raises ValueError.
    """

    kind: SplitWork
    model_id: str
    dataset_id: str
    split: str
    subset: int
    start: int
    stop: int
    method: str = ""
    options: MethodOptions | str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SplitWork(self.kind))

    def disk_fields(self) -> dict:
        """What names the chunk's disk entry besides the model and the dataset (the options by their key)."""
        options = self.options if isinstance(self.options, str) else self.options.key()
        return {
            "kind": str(self.kind),
            "split": self.split,
            "subset": self.subset,
            "start": self.start,
            "stop": self.stop,
            "method": self.method,
            "params": options,
        }
