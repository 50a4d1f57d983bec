"""Presenter mode's talk (lstmfcn.presentation) on the shipped models: univariate (GunPoint), many
samples and five classes (ECG5000), multivariate (BasicMotions); every step has its sentences, the
classes of the guided examples are covered, and every sentence is the library's own."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import presentation as P
from lstmfcn import whatif as W
from lstmfcn.because import because, class_words
from lstmfcn.counterfactual import native_guide, summary
from lstmfcn.dashboard import state as vs
from lstmfcn.dashboard.analysis import guided_examples
from lstmfcn.data.names import display_class, names_for_dataset
from lstmfcn.figures.stretches import shading_note
from lstmfcn.figures.talk import talk_figure

MODELS = {"GunPoint": "GunPoint__lstmfcn", "ECG5000": "ECG5000__lstmfcn", "BasicMotions": "BasicMotions__mlstmfcn"}


@pytest.fixture(scope="module", params=list(MODELS))
def shipped(request):
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.evaluation import predict_logits
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path(MODELS[request.param]))
    ds = load_dataset(request.param)
    a = model_input(model, ds)
    names, var_names = names_for_dataset(ds)
    classes = [display_class(str(label), name) for label, name in zip(ds.classes, names, strict=True)]
    return model, a, predict_logits(model, a.X, a.lengths), classes, var_names, model_input(model, ds, "train")


@pytest.mark.slow
def test_every_step_has_its_sentences_and_the_classes_are_covered(shipped):
    model, a, logits, classes, var_names, train = shipped
    steps = P.talk(a.y, logits, classes)
    examples = guided_examples(a.y, logits, classes, most_classes=P.MOST_CLASSES)
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    assert [s.screen for s in steps] == list(P.SCREENS) * len(examples)  # four screens per example, in order
    assert [s.example for s in steps[:: len(P.SCREENS)]] == examples and P.samples_in(steps) == len(examples)
    assert P.position(steps[5], steps) == f"sample 2 of {len(examples)} · why (2 of 4) · screen 6 of {len(steps)}"
    present = sorted(set(a.y.tolist()))
    covered = {s.example.true for s in steps}
    assert covered == set(present[: P.MOST_CLASSES]) or len(covered) == min(P.MOST_CLASSES, len(present))
    for step in steps:
        ex, i, L = step.example, step.example.sample, int(a.lengths[step.example.sample])
        if step.screen == "series":
            screen = P.series_screen(ex, logits[i], classes)
            assert screen.sentences[0] == ex.sentence
            assert ("right." if ex.true == ex.predicted else "wrong.") in screen.sentences[1]
        elif step.screen in ("because", "other"):
            cam = W.predict_and_cam(model, a.X[i], L).cam  # (K, T)
            screen = P.evidence_screen(
                ex, cam, logits[i], classes, other=step.screen == "other", variable_names=var_names, length=L
            )
            k = ex.predicted if step.screen == "because" else P.runner_up(logits[i], ex.predicted)
            said = because(cam[k][None, :L], classes[k], variable_names=var_names, predicted=classes[ex.predicted])
            assert screen.cls == k and screen.sentences == said.sentences and screen.because == said
            if step.screen == "other":  # never "the model says" a class it does not say
                assert not screen.sentences[0].startswith(f"The model says {class_words(classes[k])} ")
        else:
            continue  # the what-if screen: one counterfactual per dataset, below
        assert screen.title and screen.sentences and all(s.strip().endswith((".", "?")) for s in screen.sentences)


def test_the_what_if_screen_says_what_the_counterfactual_found(shipped):
    model, a, logits, classes, var_names, train = shipped
    ex = P.talk(a.y, logits, classes)[0].example
    i, to = ex.sample, P.runner_up(logits[ex.sample], ex.predicted)
    cf = native_guide(model, a.X[i], train.X, train.y, target=to, length=int(a.lengths[i]), lengths_train=train.lengths)
    screen = P.whatif_screen(ex, logits[i], classes, cf.found, summary(cf))
    assert screen.title == f"What would make it say {class_words(classes[to])}?" and screen.cls == to
    assert screen.sentences[1] == summary(cf)
    assert screen.sentences[0].startswith("Yes: " if cf.found else "No small change was found")


def test_runner_up_and_unnamed():
    assert P.runner_up(np.array([0.1, 0.7, 0.2]), 1) == 2
    assert P.runner_up(np.array([3.0, -1.0, 2.0]), 0) == 2  # logits work the same
    assert P.unnamed(["1", "2", "3"], ["Gun (1)", "2", "3"]) == [1, 2]
    assert P.unnamed(["Walking", "-1", "b"], ["Walking", "-1", "b"]) == [1, 2]  # a word is a name already
    assert P.unnamed(["0", "1"], ["variable 1", "x"]) == [0]


def test_the_classes_worth_naming_are_those_the_talk_names(shipped):
    model, a, logits, classes, var_names, train = shipped
    steps = P.talk(a.y, logits, classes)
    named = P.classes_in_talk(steps, logits)
    for step in steps:
        ex = step.example
        assert {ex.true, ex.predicted, P.runner_up(logits[ex.sample], ex.predicted)} <= set(named)
    assert named == sorted(named) and len(named) <= len(classes)


def test_every_screen_says_how_to_read_its_chart():
    lines = {P.how_to_read(s) for s in P.SCREENS} | {P.how_to_read("whatif", found=False)}
    assert len(lines) == 3 and all(line.endswith(".") for line in lines)
    said = because(np.r_[np.zeros(40), np.ones(10), np.zeros(50)], "Gun")
    assert P.how_to_read("because", said=said) == shading_note(said).strip() and shading_note(said)
    assert P.how_to_read("whatif", found=False) == P.how_to_read("series")  # nothing found: the series alone


def test_a_one_class_talk_has_no_other_class_screens():
    steps = P.talk(np.zeros(3, dtype=int), np.zeros((3, 1)), ["only"])
    assert [s.screen for s in steps] == ["series", "because"]


def test_the_switch_lives_in_the_link():
    assert vs.view_from_query({"present": "3"}).present == "3"
    assert vs.view_to_query(vs.View(present="3"))["present"] == "3"
    assert "present" not in vs.view_to_query(vs.View())
    for bad in ("0", "-1", "x", "1e3", "999999"):
        assert vs.view_from_query({"present": bad}).present == ""


def test_the_talk_figure_draws_every_variable_and_leaves_out_the_padding():
    fig = talk_figure(np.arange(12.0).reshape(3, 4), length=3, var_names=["a", "b", "c"])
    assert [len(t.x) for t in fig.data] == [3, 3, 3]
    assert [a.text for a in fig.layout.annotations] == ["a", "b", "c"]
    assert not talk_figure(np.arange(4.0)).layout.annotations  # one series: no row names
