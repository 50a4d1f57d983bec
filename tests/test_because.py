"""The "because" sentences: the stretches they name, the shares they state, and honesty when nothing stands out."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmfcn import load_dataset, load_model
from lstmfcn.because import MIN_SHARE, STAND_OUT, because, merge_gap, percent_words
from lstmfcn.explain.cam import class_activation_maps
from lstmfcn.inputs import model_input
from lstmfcn.zoo import pretrained_path
from tests.helpers.shipped import require_shipped, zoo_dir

PERCENT = re.compile(r"(over )?(\d+)%")


def bump(T: int, centre: float, sigma: float, height: float = 1.0) -> np.ndarray:
    t = np.arange(T)
    return height * np.exp(-0.5 * ((t - centre) / sigma) ** 2)


def stated_percents(b) -> list[str]:
    return [m.group(0) for s in b.sentences for m in PERCENT.finditer(s)]


def test_a_planted_bump_is_the_stretch_named(rng):
    ev = 0.05 * rng.normal(size=(1, 150)) + 0.05 + bump(150, 60, 5, 2.0)
    b = because(ev, "Gun", predicted="Gun")
    top = b.supporting[0]
    assert top.variable is None and top.sign == 1
    assert 45 <= top.start <= 56 and 64 <= top.stop <= 76, top
    pos = np.maximum(ev, 0)
    assert top.share == pytest.approx(pos[0, top.start : top.stop].sum() / pos.sum())
    assert not b.spread_thin
    assert b.sentences[0].startswith(
        f"The model says Gun mostly because of steps {top.start}–{top.stop - 1} of the series"
    )
    assert f"{percent_words(top.share)} of its evidence for Gun (by CAM)" in b.sentences[0]


def test_a_planted_dip_is_named_against(rng):
    ev = 0.05 + 0.02 * rng.normal(size=(1, 120)) + bump(120, 30, 4, 1.5) - bump(120, 90, 4, 2.0)
    b = because(ev, "Point", method_label="integrated gradients")
    (against,) = b.opposing
    assert against.sign == -1 and 80 <= against.start <= 88 and 92 <= against.stop <= 100
    neg = np.maximum(-ev, 0)
    assert against.share == pytest.approx(neg[0, against.start : against.stop].sum() / neg.sum())
    assert b.sentences[0].startswith("The evidence for Point comes mostly from steps")
    assert b.sentences[1].startswith(f"The strongest evidence against Point is in steps {against.start}–")


def test_neighbours_a_few_steps_apart_are_one_stretch():
    ev = np.zeros((1, 200))
    ev[0, 50:60] = 1.0
    ev[0, 60 + merge_gap(200)] = 0.0  # the gap's last step
    ev[0, 60 + merge_gap(200) : 75] = 1.0
    ev[0, 150:160] = 1.0  # far away: its own stretch
    b = because(ev, "A")
    spans = sorted((s.start, s.stop) for s in b.supporting)
    assert spans == [(50, 75), (150, 160)]
    assert b.supporting_share == pytest.approx(1.0)
    assert "together 100% of its evidence for A" in b.sentences[0]


def test_even_evidence_is_spread_thin(rng):
    ev = 1.0 + 0.1 * rng.normal(size=(1, 150))
    b = because(ev, "Gun", predicted="Gun")
    assert b.spread_thin and b.supporting == ()
    assert b.sentences == (
        "No single stretch stands out: the evidence for Gun (by CAM) is spread over the whole series.",
    )


def test_no_evidence_for_the_class_says_so():
    b = because(-bump(100, 50, 5) - 0.1, "Gun")
    assert b.supporting == () and not b.spread_thin and b.positive_mass == 0
    assert b.sentences[0] == "By CAM, nothing in this sample speaks for Gun: every step's evidence is against it or 0."
    zero = because(np.zeros((1, 50)), "Gun")
    assert zero.supporting == zero.opposing == ()
    assert zero.sentences == ("By CAM, nothing in this sample speaks for or against Gun: the map is 0 at every step.",)


def test_a_class_named_by_a_number_is_called_class_n():
    b = because(bump(100, 50, 5)[None], "2", predicted="2")
    assert b.sentences[0].startswith("The model says class 2 mostly because of steps")
    assert b.sentences[0].endswith("of its evidence for class 2 (by CAM).")
    other = because(bump(100, 50, 5)[None], "1", predicted="2")
    assert other.sentences[0].startswith("The model says class 2, not class 1; its evidence for class 1 comes")


def test_a_map_without_sign_never_says_for_or_against():
    sal = 0.05 + bump(100, 50, 5)  # saliency: |gradient|, never negative
    b = because(sal[None], "Gun", method_label="Saliency", predicted="Gun", signed=False)
    s = b.supporting[0]
    assert not b.signed and b.opposing == () and len(b.sentences) == 1
    assert b.sentences[0] == (
        f"By Saliency, what matters most for Gun is steps {s.start}–{s.stop - 1} of the series, which carry "
        f"{percent_words(s.share)} of the map's total; this map does not say whether a step speaks for or against Gun."
    )
    assert "evidence" not in b.text


def test_a_class_the_model_does_not_say_is_not_said():
    b = because(bump(100, 50, 5), "Gun", predicted="Point")
    assert b.sentences[0].startswith("The model says Point, not Gun; its evidence for Gun comes mostly from steps")


def test_multivariate_names_the_variable():
    T = 64
    ev = np.full((3, T), 0.02)
    ev[1] += bump(T, 20, 2, 3.0)
    b = because(ev, "walking", variable_names=["accel_x", "accel_y", "accel_z"], predicted="walking")
    top = b.supporting[0]
    assert top.variable == 1 and 14 <= top.start <= 20 <= top.stop <= 27
    assert f"because of steps {top.start}–{top.stop - 1} of variable accel_y" in b.sentences[0]
    assert "of the series" not in b.sentences[0]
    unnamed = because(ev, "walking")
    assert f"{top.stop - 1} of variable 2," in unnamed.sentences[0]  # counted from 1, as the charts' rows


def test_a_multivariate_cam_marks_time_only():
    b = because(bump(100, 30, 4)[None], "standing", variable_names=["x", "y", "z"], predicted="standing")
    assert b.supporting[0].variable is None
    assert "(all variables together)" in b.sentences[0] and "variable x" not in b.sentences[0]


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 4)), np.zeros((1, 0)), np.array([[1.0, np.nan]])])
def test_bad_evidence_is_refused_in_words(bad):
    with pytest.raises(ValueError, match="evidence"):
        because(bad, "Gun")


def test_percent_words_never_rounds_up_to_certainty():
    assert percent_words(0.62) == "62%" and percent_words(0.625) == "63%" and percent_words(0.996) == "over 99%"
    assert percent_words(1.0) == "100%"


evidence_maps = arrays(
    np.float64,
    st.tuples(st.integers(1, 3), st.integers(1, 120)),
    elements=st.floats(-5, 5, allow_nan=False, width=32),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(ev=evidence_maps, smooth=st.integers(1, 9), at_most=st.integers(1, 4), signed=st.booleans())
def test_shares_add_up_and_every_percent_is_a_share(ev, smooth, at_most, signed):
    ev = np.array([np.convolve(r, np.ones(smooth) / smooth, mode="same") for r in ev])  # stretches, not only spikes
    b = because(
        ev,
        "C",
        variable_names=[f"v{i}" for i in range(ev.shape[0])],
        max_stretches=at_most,
        predicted="C",
        signed=signed,
    )
    pos, neg = np.maximum(ev, 0), np.maximum(-ev, 0)
    assert len(b.supporting) <= at_most and len(b.opposing) <= (1 if signed else 0)
    assert b.positive_mass == pytest.approx(pos.sum()) and b.negative_mass == pytest.approx(neg.sum())
    cells: set[tuple[int, int]] = set()
    for s, part in [(s, pos) for s in b.supporting] + [(s, neg) for s in b.opposing]:
        row = 0 if s.variable is None else s.variable
        assert 0 <= s.start < s.stop <= ev.shape[1]
        assert s.share == pytest.approx(part[row, s.start : s.stop].sum() / part.sum())
        assert s.share >= MIN_SHARE and s.density >= STAND_OUT
        if s.sign == 1:  # supporting stretches never overlap, so their shares add up
            here = {(row, t) for t in range(s.start, s.stop)}
            assert not cells & here
            cells |= here
    assert b.supporting_share <= 1 + 1e-9
    assert [s.share for s in b.supporting] == sorted((s.share for s in b.supporting), reverse=True)
    assert b.spread_thin == (b.positive_mass > 0 and not b.supporting)
    allowed = {percent_words(s.share) for s in b.supporting + b.opposing} | {percent_words(b.supporting_share)}
    assert set(stated_percents(b)) <= allowed
    assert len(b.sentences) >= 1 and all(s.endswith(".") for s in b.sentences)


@pytest.fixture(scope="module")
def gunpoint_cams():
    require_shipped(zoo_dir(), "GunPoint__lstmfcn")
    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    X = model_input(model, load_dataset("GunPoint"), "test").X[:20]
    return class_activation_maps(model, X)


def test_shares_are_shares_of_the_cam_evidence_of_a_shipped_model(gunpoint_cams):
    res = gunpoint_cams
    T = res.cam.shape[-1]
    named = 0
    for i in range(res.cam.shape[0]):
        for k in range(res.cam.shape[1]):
            cam = res.cam[i, k].astype(np.float64)
            b = because(cam[None], str(k))
            # The CAM identity: the evidence for minus the evidence against is the conv half's part of the logit.
            assert (b.positive_mass - b.negative_mass) / T == pytest.approx(
                float(res.logits[i, k] - res.offset[i, k]), abs=1e-3
            )
            pos = np.maximum(cam, 0)
            inside = sum(pos[s.start : s.stop].sum() for s in b.supporting)
            outside = pos.sum() - inside
            assert inside / T + outside / T == pytest.approx(b.positive_mass / T)
            assert b.supporting_share == pytest.approx(inside / pos.sum())
            named += len(b.supporting)
    assert named > 0  # GunPoint's maps do single stretches out


def test_the_readmes_because_example_says_what_it_shows():
    from lstmfcn import explain, model_input

    ds = load_dataset("GunPoint")
    model = load_model("lstmfcn/pretrained/GunPoint__lstmfcn.safetensors")
    res = explain(model, model_input(model, ds).X[7:8], methods=["cam"], target="predicted")
    said = ds.classes[res["target"][0]]
    why = because(res["cam"][0], said, predicted=said)
    # Accuracy-level facts, not last bits: the stretches and rounded shares the README quotes.
    assert why.sentences[0].startswith("The model says class 2 mostly because of steps 19–31 (40%)")
    assert (why.supporting[0].start, why.supporting[0].stop) == (19, 32)


@pytest.mark.parametrize("predicted", [True, 1])
def test_a_predicted_class_given_as_anything_but_its_name_is_refused(predicted):
    with pytest.raises(ValueError, match="predicted class's name"):
        because(np.ones((1, 10)), "2", predicted=predicted)
