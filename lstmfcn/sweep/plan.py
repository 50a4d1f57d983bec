"""What a sweep trains: its units, their stable keys, and the datasets of an archive folder.

A *candidate* unit trains one (dataset, model, cells, seed) on the fit part of the training split
and is scored on the validation part; a *refit* unit trains the cell count chosen on validation on
the whole training split and is scored once on the test split. A unit's key names its folder, so a
rerun finds what is finished without loading any data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from lstmfcn.data import formats
from lstmfcn.data.catalog import find_entry
from lstmfcn.errors import DataError
from lstmfcn.models import ARCHITECTURES

CANDIDATE, REFIT = "candidate", "refit"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class DatasetRef:
    """A dataset to sweep: its name, and where to load it from (a catalog name or a folder path)."""

    name: str
    location: str  # a catalog name, or the folder of NAME_TRAIN/NAME_TEST files


@dataclass(frozen=True)
class Unit:
    """One training run of a sweep.

    Attributes:
        dataset: the dataset's name; ``location`` where it is loaded from.
        model: architecture key (``"lstmfcn"``, ``"alstmfcn"``, …).
        cells: LSTM cells.
        seed: training seed (also the seed of the validation split).
        stage: :data:`CANDIDATE` (fit part → validation) or :data:`REFIT` (whole train → test).
    """

    dataset: str
    location: str
    model: str
    cells: int
    seed: int
    stage: str = CANDIDATE

    @property
    def key(self) -> str:
        """Folder name of the unit, unique within a sweep: ``ArrowHead__lstmfcn__c64__s0__candidate``."""
        name = _SAFE.sub("_", self.dataset)
        return f"{name}__{self.model}__c{self.cells}__s{self.seed}__{self.stage}"

    @property
    def group(self) -> tuple[str, str, int]:
        """The candidates compared with each other: same dataset, model and seed."""
        return (self.dataset, self.model, self.seed)

    def to_dict(self) -> dict:
        return asdict(self)


def parse_list(text: str, what: str, cast=str) -> list:
    """``"8,64,128"`` → ``[8, 64, 128]``, in order, without repeats; a clear error for a bad item."""
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise DataError(f"--{what} is empty; expected a comma-separated list")
    out = []
    for item in items:
        try:
            value = cast(item)
        except ValueError:
            raise DataError(f"--{what}: {item!r} is not a valid value") from None
        if value not in out:
            out.append(value)
    return out


def check_models(models: list[str]) -> list[str]:
    unknown = [m for m in models if m not in ARCHITECTURES]
    if unknown:
        raise DataError(f"--models: unknown model {unknown[0]!r}; expected one of {', '.join(ARCHITECTURES)}")
    return models


def embedded_datasets(names: list[str]) -> list[DatasetRef]:
    """Catalog datasets by name (any capitalisation); an unknown name is an error before anything runs."""
    refs = []
    for name in names:
        entry = find_entry(name)
        if entry is None:
            raise DataError(f"--datasets: '{name}' is not an embedded dataset (see `python -m lstmfcn data list`)")
        refs.append(DatasetRef(entry.name, entry.name))
    return refs


def archive_datasets(folder: str | Path, names: list[str] | None = None) -> list[DatasetRef]:
    """The datasets of an archive folder: each ``NAME/`` holding a ``NAME_TRAIN``/``NAME_TEST`` pair
    (``.tsv``, ``.ts`` or any other readable format), in name order; ``names`` keeps only those."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"--archive: {root} is not a folder")
    refs = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            train, test = formats.find_pair(sub)
        except DataError:
            continue  # not a dataset folder (README, extras …)
        if test is not None:
            refs.append(DatasetRef(sub.name, str(sub)))
    if names is not None:
        by_name = {r.name.lower(): r for r in refs}
        missing = [n for n in names if n.lower() not in by_name]
        if missing:
            raise DataError(f"--datasets: '{missing[0]}' is not a dataset folder of {root}")
        refs = [by_name[n.lower()] for n in names]
    if not refs:
        raise DataError(f"--archive: {root} holds no NAME/NAME_TRAIN + NAME_TEST dataset folders")
    return refs


def candidate_units(datasets: list[DatasetRef], models: list[str], cells: list[int], seeds: list[int]) -> list[Unit]:
    """Every candidate unit, dataset-major (a dataset's units finish close together)."""
    return [
        Unit(d.name, d.location, m, c, s, CANDIDATE) for d in datasets for m in models for s in seeds for c in cells
    ]


def refit_unit(candidate: Unit, cells: int) -> Unit:
    """The refit of a candidate group at the chosen cell count."""
    return Unit(candidate.dataset, candidate.location, candidate.model, cells, candidate.seed, REFIT)
