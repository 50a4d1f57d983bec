"""Property tests: every sentence of the guided path is true of the probabilities it names, at any
number of classes (2 to 60): "clear" only when the rule says so, a close call only when the top two
are close, and every percentage in a sentence is one of the sample's probabilities as the page writes it."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmfcn.dashboard.analysis import (
    CLEAR_AT_LEAST,
    CLEAR_TIMES_NEXT,
    CLOSE_SHARE,
    guided_examples,
    is_clear,
    is_close_call,
)
from lstmfcn.evaluation import softmax
from lstmfcn.words import percent


@st.composite
def predictions(draw):
    """A split of 2-60 classes: labels and logits, from near-uniform to near-certain."""
    k = draw(st.integers(2, 60))
    n = draw(st.integers(k, 3 * k))
    seed = draw(st.integers(0, 2**32 - 1))
    sharp = draw(st.sampled_from([0.3, 1.0, 3.0, 8.0]))
    rng = np.random.default_rng(seed)
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]
    logits = rng.normal(size=(n, k)) * sharp
    logits[np.arange(n), y] += rng.uniform(0, 2 * sharp, n)  # mostly right, some mistakes
    return y, logits


@settings(max_examples=60, deadline=None)
@given(predictions())
def test_every_sentence_holds_to_its_numbers(pred):
    y, logits = pred
    probs = softmax(logits.astype(np.float64))
    names = [f"c{k}" for k in range(logits.shape[1])]
    for e in guided_examples(y, logits, names):
        p = probs[e.sample]
        assert y[e.sample] == e.true and int(p.argmax()) == e.predicted
        said = re.findall(r"(?:over |under )?\d+\.\d%", e.sentence)
        assert said and all(s in {percent(v) for v in p} for s in said), e.sentence
        if e.kind == "clear":
            assert e.predicted == e.true and p.max() >= CLEAR_AT_LEAST
            assert p.max() >= CLEAR_TIMES_NEXT * np.sort(p)[-2]
        elif e.kind == "most confident":
            assert e.predicted == e.true and not is_clear(p) and "not a clear one" in e.sentence
        elif e.kind == "close call":
            assert np.sort(p)[-2] >= CLOSE_SHARE * p.max()
        else:
            assert e.kind == "mistake" and e.predicted != e.true
        assert "clear" not in e.sentence.replace("not a clear one", "") or e.kind == "clear"


@settings(max_examples=60, deadline=None)
@given(predictions())
def test_each_class_gets_its_most_confident_right_answer(pred):
    y, logits = pred
    probs = softmax(logits.astype(np.float64))
    ex = guided_examples(y, logits, [str(k) for k in range(logits.shape[1])], most_classes=60)
    right = {e.true: e for e in ex if e.kind in ("clear", "most confident")}
    for k, e in right.items():
        members = np.flatnonzero((y == k) & (probs.argmax(1) == k))
        assert probs[e.sample, k] == probs[members, k].max()
        assert (e.kind == "clear") == is_clear(probs[e.sample])


def test_the_rules_at_their_edges():
    assert is_clear(np.array([0.75, 0.25])) and not is_clear(np.array([0.74, 0.26]))
    assert not is_clear(np.r_[0.444, 0.02 * np.ones(27)])  # 44 % is never clear, however small the rest
    assert is_clear(np.r_[0.61, 0.2, 0.19]) and not is_clear(np.r_[0.6, 0.21, 0.19])
    assert is_close_call(np.array([0.6, 0.4])) and not is_close_call(np.array([0.906, 0.042, 0.052]))
    assert is_close_call(np.r_[0.3, 0.25, 0.45 * np.ones(9) / 9])
