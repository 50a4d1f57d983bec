"""The dashboard shows what the model computes: for every shipped checkpoint, the accuracy on the
Home page equals ``evaluate --json`` and the checkpoint's recorded test accuracy, to the digit.

This is the test that was missing when the dashboard showed 34.9 % for the JapaneseVowels models
(99.2 %): the page and the CLI then prepared the model's input on two different paths.
"""

from __future__ import annotations

import json

import pytest

from lstmfcn import zoo
from lstmfcn.cli import main

ENTRIES = zoo.list_pretrained()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_home_page_accuracy_is_the_cli_and_the_recorded_one(app, entry, capsys):
    at = app(dataset=entry.dataset, model=entry.name)
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    assert at.session_state["model"] == entry.name
    assert main(["evaluate", "--checkpoint", str(entry.path), "--dataset", entry.dataset, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["accuracy"] == entry.test_accuracy
    accuracy = at.metric[0]
    assert accuracy.label == "Test accuracy" and accuracy.value == f"{cli['accuracy']:.1%}"
    n_correct = cli["n"] - len(cli["misclassified"])
    assert f"{n_correct} of {cli['n']} correct" in [c.value for c in at.caption]
