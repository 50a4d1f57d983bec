"""Fair model selection: the cell count is chosen on a validation part of the *training* split.

The test split is never looked at while choosing: candidates train on the fit part and are scored
on the validation part (stratified, seeded: :func:`lstmfcn.data.splitting.split_train_test`), the
chosen configuration is then refit on the whole training split, and the test split is used once.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmfcn.data.dataset import Dataset
from lstmfcn.data.preprocess import prepare
from lstmfcn.data.splitting import split_train_test


def validation_dataset(ds: Dataset, fraction: float, seed: int) -> tuple[Dataset, dict]:
    """``ds``'s training split cut into fit (as ``train``) and validation (as ``test``).

    Both parts are prepared with ``ds``'s own options, so a model trained on the fit part reads
    its input exactly as one trained on the whole split. Returns the dataset and the split's
    record (``{"method", "test_size", "seed"}``, as for a single file's train/test split).
    """
    fit, val, info = split_train_test(ds.raw("train"), fraction, seed)
    pp = ds.preprocessing
    options = {k: pp[k] for k in ("normalize", "length_policy", "nan_policy") if k in pp}
    part = prepare(ds.name, fit, val, source=ds.source, split=info, **options)
    return part, info


def choose_cells(val_accuracy: Mapping[int, float | None]) -> int:
    """The cell count with the highest validation accuracy; a tie goes to the fewest cells
    (the smaller model, and the papers' first setting)."""
    scored = {c: a for c, a in val_accuracy.items() if a is not None}
    if not scored:
        return min(val_accuracy)
    best = max(scored.values())
    return min(c for c, a in scored.items() if a == best)
