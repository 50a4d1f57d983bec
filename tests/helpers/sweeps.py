"""A tiny archive of real (cut) UCR datasets, and a sweep folder trained from it without Ray."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstmfcn import load_dataset

#: (dataset, training series kept, test series kept): small, but every class kept in both splits.
TINY = (("Chinatown", 20, 60), ("ItalyPowerDemand", 24, 60), ("Coffee", 28, 28))
TINY_EPOCHS = 3


def write_tiny_archive(root: Path) -> Path:
    """``root/NAME/NAME_TRAIN.tsv`` and ``NAME_TEST.tsv`` (UCR 2018 text: label, then the values,
    tab separated) holding the first series of each of :data:`TINY`."""
    for name, n_train, n_test in TINY:
        ds = load_dataset(name)
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for split, n in (("TRAIN", n_train), ("TEST", n_test)):
            raw = ds.raw(split.lower())
            order = _every_class_first(raw.labels, n)
            lines = ["\t".join([str(raw.labels[i]), *(f"{v:.6g}" for v in raw.X[i, 0])]) for i in order]
            (folder / f"{name}_{split}.tsv").write_text("\n".join(lines) + "\n")
    return root


def _every_class_first(labels: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices in file order, holding at least one series of every class."""
    first = [int(np.flatnonzero(labels == c)[0]) for c in np.unique(labels)]
    rest = [i for i in range(len(labels)) if i not in first]
    return np.sort(np.array(first + rest[: max(0, n - len(first))]))


def tiny_sweep_folder(out: Path, dataset: str = "ItalyPowerDemand", cells=(8, 16)) -> Path:
    """A sweep folder of one embedded dataset × LSTM-FCN × ``cells`` × seed 0, trained unit by unit
    with the sweep's own unit function (no Ray: what the dashboard reads is the same), then its
    results, comparison and summary written."""
    from lstmfcn.sweep import store
    from lstmfcn.sweep.outputs import write_outputs
    from lstmfcn.sweep.plan import DatasetRef, candidate_units, refit_unit
    from lstmfcn.sweep.selection import choose_cells
    from lstmfcn.sweep.unit import UnitSettings, run_unit

    settings = UnitSettings(epochs=TINY_EPOCHS)
    store.check_settings(out, settings.record())
    units = candidate_units([DatasetRef(dataset, dataset)], ["lstmfcn"], list(cells), [0])
    val = {u.cells: run_unit(u, out, settings)["val_accuracy"] for u in units}
    chosen = choose_cells(val)
    run_unit(refit_unit(units[0], chosen), out, settings, val[chosen])
    write_outputs(out)
    return out


def sweep_page(app, monkeypatch, roots, label=None):
    """The Sweep page (an AppTest) of a server whose operator configured ``roots`` as
    ``LSTMFCN_SWEEP_DIR``, with the folder ``label`` picked (default: the list's first)."""
    import os

    from lstmfcn.dashboard import sweeps

    monkeypatch.setenv(sweeps.ENV, os.pathsep.join(map(str, roots)))
    at = app()
    at.switch_page("pages/sweep.py").run()
    if label is not None:
        at.selectbox(key="sweep_folder").set_value(label).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
