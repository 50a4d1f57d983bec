"""Home's guided path: per class the clearest right answer, the most confident mistake and the
closest call, each in a sentence whose numbers are the model's, and a button that opens it."""

from __future__ import annotations

import numpy as np

from lstmfcn.dashboard.analysis import guided_examples
from lstmfcn.evaluation import softmax


def test_examples_are_the_extremes_of_each_class():
    logits = np.log(np.array([[0.9, 0.1], [0.58, 0.42], [0.2, 0.8], [0.45, 0.55], [0.99, 0.01]]))
    y = np.array([0, 0, 0, 1, 1])
    ex = guided_examples(y, logits, ["Gun", "Point"])
    by = {(e.true, e.kind): e for e in ex}
    assert by[(0, "clear")].sample == 0 and "clear Gun: the model gives it 90.0%" in by[(0, "clear")].sentence
    assert by[(0, "mistake")].sample == 2 and "model says Point with 80.0%" in by[(0, "mistake")].sentence
    assert by[(0, "close call")].sample == 1 and "Gun at 58.0% against Point at 42.0%" in by[(0, "close call")].sentence
    # Point's only right answer is 55 % against 45 %: its most confident, and said not to be clear
    assert (1, "clear") not in by and by[(1, "most confident")].sample == 3
    assert "not a clear one: Point at 55.0% against Gun at 45.0%" in by[(1, "most confident")].sentence
    assert by[(1, "mistake")].sample == 4
    assert (1, "close call") not in by  # the closest call of Point is already shown as its right answer


def test_the_adiac_untruths_are_not_said():
    """Issue #26: "a clear 23 at 44.4 %" and "a close call: 90.6 % against 4.2 %" (37 classes)."""
    p = np.full((2, 37), 0.0)
    p[0, 22], p[0, 11] = 0.444, 0.201  # right, but not clear
    p[1, 4], p[1, 8] = 0.906, 0.042  # right and clear: not a close call
    for row in p:
        row[row == 0] = (1 - row.sum()) / (row == 0).sum()
    ex = guided_examples(np.array([22, 4]), np.log(p), [str(k + 1) for k in range(37)])
    kinds = {e.sample: e.kind for e in ex}
    assert kinds == {0: "most confident", 1: "clear"}
    said = {e.sample: e.sentence for e in ex}
    assert "44.4%" in said[0] and "clear 23" not in said[0]


def test_a_class_with_no_close_call_gets_none():
    logits = np.log(np.array([[0.95, 0.04, 0.01], [0.9, 0.06, 0.04], [0.01, 0.97, 0.02]]))
    ex = guided_examples(np.array([0, 0, 1]), logits, ["a", "b", "c"])
    assert not [e for e in ex if e.kind == "close call"]


def test_sentences_never_round_a_probability_to_certainty():
    from lstmfcn.dashboard.analysis import percent

    assert percent(0.99998) == "over 99.9%" and percent(0.00001) == "under 0.1%" and percent(0.873) == "87.3%"
    ex = guided_examples(np.array([0, 1]), np.array([[12.0, 0.0], [0.0, 12.0]]), ["a", "b"])
    assert "the model gives it over 99.9%." in ex[0].sentence


def test_many_classes_show_the_worst_recognised_only():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(37), 3)
    logits = rng.normal(size=(111, 37))
    logits[np.arange(111), y] += 3  # mostly right
    ex = guided_examples(y, logits, [str(k) for k in range(37)], most_classes=6)
    assert len({e.true for e in ex}) == 6
    pred = softmax(logits).argmax(1)
    recall = np.array([(pred[y == k] == k).mean() for k in range(37)])
    assert max(recall[e.true] for e in ex) <= np.sort(recall)[5]


def test_home_walks_to_the_explanation_of_a_mistake(app):
    at = app(dataset="ECG200", model="ECG200__lstmfcn")
    assert not at.exception
    guided = [m.value for m in at.markdown if "** — Sample " in m.value]  # one line per example, in order
    n = next(i for i, text in enumerate(guided) if text.startswith(":material/cancel: **Mistake**"))
    sample = int(guided[n].split("— Sample ")[1].split(" ")[0])
    at.button(key=f"home_guided_{n}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["sample"] == sample and at.query_params["sample"] == str(sample)
    assert [t.value for t in at.title] == ["Class activation maps"]
