"""Fair selection without Ray: the validation part is cut from the training split only, stratified and
seeded; the choice goes to the best validation accuracy, a tie to fewer cells; unit keys are stable."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.data import load_dataset
from lstmfcn.errors import DataError
from lstmfcn.sweep.plan import Unit, parse_list
from lstmfcn.sweep.selection import choose_cells, validation_dataset


def test_the_validation_part_is_a_stratified_cut_of_the_training_split():
    ds = load_dataset("ItalyPowerDemand")  # 67 training series, 2 classes
    part, info = validation_dataset(ds, 0.2, seed=0)
    assert info["method"] == "stratified" and info["seed"] == 0
    assert len(part.y_train) + len(part.y_test) == len(ds.y_train)
    # Every series of both parts is a training series; none comes from the test split.
    train_rows = {ds.raw_train.X[i].tobytes() for i in range(len(ds.y_train))}
    for raw in (part.raw_train, part.raw_test):
        assert all(raw.X[i].tobytes() in train_rows for i in range(len(raw)))
    share = np.bincount(part.y_test) / np.bincount(ds.y_train)
    np.testing.assert_allclose(share, 0.2, atol=0.05)  # each class held out in proportion
    assert part.preprocessing["normalize"] == ds.preprocessing["normalize"]
    again, _ = validation_dataset(ds, 0.2, seed=0)
    np.testing.assert_array_equal(again.X_test, part.X_test)  # seeded: a rerun holds out the same series


@pytest.mark.parametrize(
    "val, chosen",
    [
        ({8: 0.8, 64: 0.9, 128: 0.85}, 64),
        ({8: 0.9, 64: 0.9, 128: 0.9}, 8),
        ({128: 1.0, 8: 1.0}, 8),
        ({8: None, 64: 0.5}, 64),
    ],
)
def test_the_best_validation_accuracy_wins_and_a_tie_goes_to_fewer_cells(val, chosen):
    assert choose_cells(val) == chosen


def test_unit_keys_name_folders_and_lists_are_checked():
    u = Unit("Gun Point/x", "somewhere", "lstmfcn", 64, 1, "refit")
    assert u.key == "Gun_Point_x__lstmfcn__c64__s1__refit"
    assert parse_list("8, 64,8,128", "cells", int) == [8, 64, 128]
    with pytest.raises(DataError, match="'x' is not a valid value"):
        parse_list("8,x", "cells", int)
