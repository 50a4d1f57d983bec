"""The targets table of ``bench --targets`` (issue #32): a row says met or by how much it misses."""

from lstmfcn.bench.verdict_targets import TargetRow, format_targets, shipped_datasets
from lstmfcn.zoo import list_pretrained


def test_seconds_are_met_at_or_under_the_bound_and_a_miss_says_its_multiple():
    assert TargetRow("a", 10.0, "s", 10.0, 0.5).met
    miss = TargetRow("b", 14.0, "s", 10.0, 0.5)
    assert not miss.met and miss.words() == "missed: 1.40x the bound"


def test_a_speed_up_is_met_at_or_over_the_bound():
    assert TargetRow("ig", 2.0, "x", 2.0, 0.5).met
    slow = TargetRow("ig", 1.6, "x", 2.0, 0.5)
    assert not slow.met and slow.words() == "missed: 1.25x the bound"


def test_the_table_gives_each_row_its_bound_verdict_and_load():
    text = format_targets([TargetRow("faithfulness, GunPoint__lstmfcn", 3.2, "s", 10.0, 1.25)])
    assert "3.20 s" in text and "<= 10 s" in text and "met" in text and "load 1.2" in text


def test_every_shipped_dataset_is_timed():
    assert shipped_datasets() == sorted({e.dataset for e in list_pretrained()})
    assert {"GunPoint", "ECG5000", "BasicMotions", "Adiac", "JapaneseVowels"} <= set(shipped_datasets())
