"""Class and variable names: the shipped table matches the data, fallbacks, renames, checkpoints."""

from __future__ import annotations

import json

import pytest

from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.data import catalog, load_dataset
from lstmfcn.data.names import (
    MAX_NAME_LENGTH,
    NAMES_JSON,
    apply_renames,
    catalog_entry,
    class_names,
    default_variable_names,
    display_class,
    named_datasets,
    names_for_dataset,
    names_from_metadata,
    variable_names,
)
from lstmfcn.errors import DataError
from lstmfcn.training import TrainConfig
from lstmfcn.workflow import train_on_dataset

DOCUMENT = json.loads(NAMES_JSON.read_text(encoding="utf-8"))
ENTRIES = DOCUMENT["datasets"]
WITH_CLASSES = sorted(name for name, e in ENTRIES.items() if "classes" in e)
WITH_VARIABLES = sorted(name for name, e in ENTRIES.items() if "variables" in e)


# ---------------------------------------------------------------------------------- the table


def test_table_is_well_formed():
    assert set(DOCUMENT) == {"about", "datasets"}
    for name, entry in ENTRIES.items():
        assert set(entry) <= {"classes", "variables", "sources", "notes"}, name
        assert isinstance(entry.get("notes", ""), str), name
        assert isinstance(entry.get("sources", []), list), name
        for source in entry.get("sources", []):
            assert set(source) == {"where", "quote"} and all(source.values()), name
        names = list(entry.get("classes", {}).values()) + entry.get("variables", [])
        for label in entry.get("classes", {}):
            assert isinstance(label, str) and label.strip() == label, (name, label)
        for value in names:
            assert isinstance(value, str) and value.strip() == value and value.isprintable(), (name, value)
            assert 0 < len(value) <= MAX_NAME_LENGTH, (name, value)
        assert len({v.casefold() for v in names}) == len(names), f"{name}: duplicate names"
        if "classes" in entry or "variables" in entry:
            assert entry["sources"], f"{name}: names without a source"
        else:
            assert entry["notes"], f"{name}: an entry that names nothing must say why"


def test_every_entry_is_a_catalog_dataset_spelled_as_the_catalog_does():
    for name in ENTRIES:
        found = catalog.find_entry(name)
        assert found is not None and found.name == name, name
    assert named_datasets() == list(ENTRIES)


@pytest.mark.slow
@pytest.mark.parametrize("name", WITH_CLASSES)
def test_named_labels_are_exactly_the_datasets_labels(name):
    ds = load_dataset(name, normalize="none")  # labels need no z-normalisation
    assert sorted(ENTRIES[name]["classes"]) == sorted(ds.classes)


@pytest.mark.parametrize("name", WITH_VARIABLES)
def test_variable_names_count_the_datasets_variables(name):
    assert len(ENTRIES[name]["variables"]) == catalog.find_entry(name).n_vars


# ------------------------------------------------------------------------- lookup and fallback


def test_class_names_follow_the_labels_order_and_ignore_case():
    assert class_names("Chinatown", ["2", "1"]) == ["Weekday", "Weekend"]
    assert class_names("  chinaTOWN ", ["1", "2"]) == ["Weekend", "Weekday"]
    assert class_names("DodgerLoopDay", [str(i) for i in range(1, 8)])[0] == "Sunday"


def test_class_names_fall_back_to_the_label():
    assert class_names("GunPoint", ["1", "2"]) == ["1", "2"]  # mapping not stated: numbers stay
    assert class_names("NoSuchDataset", ["a", "b"]) == ["a", "b"]
    assert class_names(None, ["-1", "1"]) == ["-1", "1"]
    assert class_names("Chinatown", ["1", "3"]) == ["Weekend", "3"]  # a label the table lacks


def test_variable_names_and_their_fallback():
    assert variable_names("JapaneseVowels", 12)[0] == "LPC cepstrum coefficient 1"
    assert variable_names("allgesturewiimotex", 1) == ["x-axis acceleration"]
    assert variable_names("BasicMotions", 6) == [f"variable {v}" for v in range(1, 7)]  # order not stated
    assert variable_names("JapaneseVowels", 3) == default_variable_names(3)  # count mismatch
    assert variable_names(None, 2) == ["variable 1", "variable 2"]


def test_catalog_entry_is_a_copy():
    entry = catalog_entry("Chinatown")
    entry["classes"]["1"] = "changed"
    assert class_names("Chinatown", ["1"]) == ["Weekend"]
    assert catalog_entry("NoSuchDataset") == {}


def test_display_class_keeps_the_label_visible():
    assert display_class("1", "Gun") == "Gun (1)"
    assert display_class("-1", None) == "-1"
    assert display_class("Walking", "Walking") == "Walking"
    assert display_class("2", "  ") == "2"


# ---------------------------------------------------------------------------------- renames


def test_renames_by_label_and_by_index():
    assert apply_renames(["1", "2"], {"2": "  Point "}, keys=["1", "2"], kind="class") == ["1", "Point"]
    assert apply_renames(["variable 1", "variable 2"], {1: "gyro x"}) == ["variable 1", "gyro x"]
    assert apply_renames(["variable 1", "variable 2"], {"0": "acc x"}) == ["acc x", "variable 2"]
    assert apply_renames(["a", "b"], None) == ["a", "b"]


def test_an_empty_rename_restores_the_default():
    assert apply_renames(["Weekend", "Weekday"], {"1": "   ", "2": None}, keys=["1", "2"], kind="class") == [
        "Weekend",
        "Weekday",
    ]


@pytest.mark.parametrize(
    "renames, message",
    [
        ({"3": "x"}, "there is no class '3'"),
        ({"1": 5}, "must be text"),
        ({"1": "x" * (MAX_NAME_LENGTH + 1)}, f"at most {MAX_NAME_LENGTH}"),
        ({"1": "two\nlines"}, "control character"),
        ({"1": "same", "2": "SAME"}, "would both be called"),
        ({"1": "Weekday"}, "would both be called"),
        ({"1": "2"}, "that is the label of class '2'"),
    ],
)
def test_bad_class_renames_are_sentences(renames, message):
    with pytest.raises(DataError, match=message):
        apply_renames(["Weekend", "Weekday"], renames, keys=["1", "2"], kind="class")


def test_bad_variable_renames_are_sentences():
    with pytest.raises(DataError, match="there is no variable 2"):
        apply_renames(["variable 1", "variable 2"], {2: "x"})
    with pytest.raises(DataError, match="must map a variable"):
        apply_renames(["variable 1"], ["x"])


def test_names_for_dataset_uses_the_catalog_only_for_embedded_data():
    ds = load_dataset("UnitTest")
    assert names_for_dataset(ds) == (["Weekend", "Weekday"], ["pedestrian count"])
    renamed = names_for_dataset(ds, {"classes": {"2": "Mon-Fri"}, "variables": {0: "people"}})
    assert renamed == (["Weekend", "Mon-Fri"], ["people"])
    ds.source = "/home/user/UnitTest_TRAIN.ts"  # a user's file of the same name: no catalog names
    assert names_for_dataset(ds) == (["1", "2"], ["variable 1"])
    with pytest.raises(DataError, match="renames must be"):
        names_for_dataset(ds, {"labels": {}})


# -------------------------------------------------------------------------------- checkpoints


@pytest.fixture(scope="module")
def unit_test_model():
    ds = load_dataset("UnitTest")
    return ds, *train_on_dataset(ds, config=TrainConfig(epochs=2, device="cpu"))


def test_a_trained_checkpoint_carries_the_names(unit_test_model):
    _, model, meta = unit_test_model
    assert meta["class_names"] == ["Weekend", "Weekday"]
    assert meta["variable_names"] == ["pedestrian count"]
    _, loaded = load_checkpoint_bytes(checkpoint_bytes(model, meta))
    assert names_from_metadata(loaded) == (["Weekend", "Weekday"], ["pedestrian count"])


def test_renames_given_to_training_are_stored_and_checked_first(unit_test_model):
    ds = unit_test_model[0]
    _, meta = train_on_dataset(ds, config=TrainConfig(epochs=2, device="cpu"), names={"classes": {"1": "Sat-Sun"}})
    assert meta["class_names"] == ["Sat-Sun", "Weekday"]
    with pytest.raises(DataError, match="there is no class '9'"):
        train_on_dataset(ds, config=TrainConfig(epochs=2, device="cpu"), names={"classes": {"9": "x"}})


def test_old_checkpoints_fall_back_to_the_catalog(unit_test_model):
    _, model, meta = unit_test_model
    old = {k: v for k, v in meta.items() if k not in ("class_names", "variable_names")}
    _, loaded = load_checkpoint_bytes(checkpoint_bytes(model, old))
    assert names_from_metadata(loaded) == (["Weekend", "Weekday"], ["pedestrian count"])
    mismatched = {**old, "class_names": ["only one"], "dataset": {**old["dataset"], "source": "/tmp/x.ts"}}
    assert names_from_metadata(mismatched) == (["1", "2"], ["variable 1"])
