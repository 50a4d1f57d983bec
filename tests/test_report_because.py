"""The report's guided examples say why in words: the sentences are the library's "because" of the
very CAM each example's chart draws, and the chart shades the stretches they name."""

from __future__ import annotations

import html
import re

import pytest

from lstmfcn.because import because
from lstmfcn.checkpoint import load_model
from lstmfcn.dashboard.analysis import guided_examples
from lstmfcn.data.names import display_class, names_from_metadata
from lstmfcn.evaluation import evaluate
from lstmfcn.explain import class_activation_maps
from lstmfcn.figures.stretches import AGAINST_HIGHLIGHT, FOR_HIGHLIGHT
from lstmfcn.inputs import model_input
from lstmfcn.report import build_report
from tests.helpers.shipped import LSTMFCN_MODEL


def paragraphs(page: str, cls: str) -> list[str]:
    """The text of each ``<p class=cls>``, tags (a glossary's hover marks) taken out."""
    found = re.findall(rf'<p class="{cls}">(.*?)</p>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in found]


@pytest.fixture(scope="module")
def report_and_model(shipped_models, gunpoint):
    model = load_model(shipped_models / f"{LSTMFCN_MODEL}.safetensors")
    return model, build_report(model, gunpoint, samples=8, methods=("saliency",), importance=False)


def test_each_guided_example_says_the_librarys_because(report_and_model, gunpoint):
    model, page = report_and_model
    a = model_input(model, gunpoint, "test")
    ev = evaluate(model, a.X, a.y, a.lengths)
    names, var_names = names_from_metadata(model.metadata)
    classes = [display_class(label, name) for label, name in zip(model.metadata["classes"], names, strict=True)]
    examples = guided_examples(a.y, ev.logits, classes)
    idx = [ex.sample for ex in examples]
    cam = class_activation_maps(model, a.X[idx], a.lengths[idx]).cam
    said = []
    for j, ex in enumerate(examples):
        L, name = int(a.lengths[ex.sample]), classes[ex.predicted]
        said.append(because(cam[j, ex.predicted, :L][None], name, variable_names=var_names, predicted=name))
    assert examples and paragraphs(page, "because") == [b.text for b in said]
    assert any(b.supporting for b in said)
    # One band per stretch named (GunPoint has one row per chart), in the shading's own colours.
    assert page.count(FOR_HIGHLIGHT) == sum(len(b.supporting) for b in said)
    assert page.count(AGAINST_HIGHLIGHT) == sum(len(b.opposing) for b in said)
