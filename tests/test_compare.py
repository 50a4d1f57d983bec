"""Two models side by side (lstmfcn.compare): the numbers are those of the parts called directly,
a model compared with itself agrees completely, and answers are matched by class name."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import compare as C
from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.evaluation import predict_logits, softmax
from lstmfcn.explain import class_activation_maps, integrated_gradients, perturbation_curves, spearman_per_sample
from lstmfcn.inputs import model_classes, model_input
from lstmfcn.words import fixed
from lstmfcn.zoo import pretrained_path


@pytest.fixture(scope="module")
def gunpoint_pair(gunpoint):
    return load_model(pretrained_path("GunPoint__lstmfcn")), load_model(pretrained_path("GunPoint__alstmfcn"))


def test_lstmfcn_against_alstmfcn_on_one_sample_equals_the_parts(gunpoint, gunpoint_pair):
    a, b = gunpoint_pair
    i = 7
    res = C.compare_sample(a, b, gunpoint, "test", i)
    assert res.target == model_classes(a)[int(predict_logits(a, model_input(a, gunpoint).X[i : i + 1]).argmax())]
    for m, view in ((a, res.a), (b, res.b)):
        mi = model_input(m, gunpoint, "test")
        x, lengths = mi.X[i : i + 1], mi.lengths[i : i + 1]
        k = model_classes(m).index(res.target)
        assert view.target == k
        np.testing.assert_allclose(view.probabilities, softmax(predict_logits(m, x, lengths))[0], atol=1e-6)
        np.testing.assert_allclose(view.cam, class_activation_maps(m, x, lengths).cam[0, k], atol=1e-5)
        ig = integrated_gradients(m, x, k, lengths=lengths, baseline="blur", n_steps=32)
        np.testing.assert_allclose(view.attribution, ig[0], atol=1e-5)
        curves = perturbation_curves(m, x, k, ig, lengths=lengths, baseline="blur")
        assert view.aopc_deletion == pytest.approx(float(curves.aopc_deletion[0]), abs=1e-5)
    assert res.attribution_agreement == pytest.approx(
        spearman_per_sample(res.a.attribution[None], res.b.attribution[None])[0], abs=1e-9
    )
    assert res.cam_agreement == pytest.approx(spearman_per_sample(res.a.cam[None, None], res.b.cam[None, None])[0])
    assert -1 <= res.cam_agreement <= 1 and res.cam_agreement > 0.5  # two accurate GunPoint models look alike
    assert res.more_faithful == expected_verdict(res.a.aopc_deletion, res.b.aopc_deletion)
    assert (
        f"{fixed(res.a.aopc_deletion)} for A" in res.verdict()
        and f"{fixed(res.b.aopc_deletion)} for B" in res.verdict()
    )


def expected_verdict(aopc_a: float, aopc_b: float) -> str:
    if max(abs(aopc_a), abs(aopc_b)) < C.AOPC_TIE:
        return "undecided"
    diff = aopc_a - aopc_b
    return "tie" if abs(diff) < C.AOPC_TIE else "a" if diff > 0 else "b"


def test_a_model_against_itself_agrees_completely(gunpoint, gunpoint_pair):
    a, _ = gunpoint_pair
    res = C.compare_sample(a, a, gunpoint, "test", 3)
    assert res.cam_agreement == pytest.approx(1.0) and res.attribution_agreement == pytest.approx(1.0)
    assert res.more_faithful == expected_verdict(res.a.aopc_deletion, res.a.aopc_deletion) != "a"
    assert ("about as faithful" if res.more_faithful == "tie" else "cannot tell the maps apart") in res.verdict()
    table = C.split_answers(a, a, gunpoint, "test")
    assert table.agreement == 1.0 and len(table.disagreeing) == 0
    assert np.array_equal(np.diag(table.counts), np.bincount(table.answers_a, minlength=2))


def test_gunpoint_models_agree_on_every_test_sample(gunpoint, gunpoint_pair):
    a, b = gunpoint_pair
    table = C.split_answers(a, b, gunpoint, "test")
    assert table.classes == model_classes(a) and table.counts.sum() == 150
    assert table.agreement == 1.0 and table.counts.tolist() == [[76, 0], [0, 74]]


def test_where_two_ecg200_models_disagree():
    ds = load_dataset("ECG200")
    a, b = load_model(pretrained_path("ECG200__lstmfcn")), load_model(pretrained_path("ECG200__alstmfcn"))
    table = C.split_answers(a, b, ds, "test")
    pa = predict_logits(a, model_input(a, ds).X).argmax(1)
    pb = predict_logits(b, model_input(b, ds).X).argmax(1)
    assert np.array_equal(table.disagreeing, np.flatnonzero(pa != pb)) and len(table.disagreeing) > 0
    assert table.counts.sum() == 100 and table.counts.sum() - np.trace(table.counts) == len(table.disagreeing)
    assert table.agreement == pytest.approx(np.mean(pa == pb))


def test_answers_are_matched_by_class_name_not_index():
    # B orders the classes the other way round and knows one more: index 0 of B is A's "y".
    table = C.answer_table(np.array([0, 1, 1, 0]), np.array([1, 0, 2, 0]), ["x", "y"], ["y", "x", "z"])
    assert table.classes == ["x", "y", "z"]
    assert table.answers_b.tolist() == [0, 1, 2, 1]
    assert table.disagreeing.tolist() == [2, 3] and table.agreement == 0.5
    assert table.counts.tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 0]]


def test_maps_of_series_of_different_lengths_are_compared_on_one_grid():
    T = 40
    cam = np.sin(np.linspace(0, 3, T))
    a = C.ModelView(np.array([0.9, 0.1]), "x", 0, cam, cam[None], 0.2, T)
    b = C.ModelView(
        np.array([0.8, 0.2]), "x", 0, np.sin(np.linspace(0, 3, 80)), np.sin(np.linspace(0, 3, 80))[None], 0.1, 80
    )
    res = C.compare_views(a, b, "x", "ig")
    assert res.cam_agreement == pytest.approx(1.0) and res.attribution_agreement == pytest.approx(1.0)
    assert res.more_faithful == "a"


def test_a_metric_that_moves_neither_model_says_so_instead_of_a_tie():
    """Issue #26: both models > 99.9 % sure, AOPC "-0.000 / 0.000", then "equally faithful"."""
    cam = np.sin(np.linspace(0, 3, 40))
    sure = np.array([0.99995, 0.00005])
    a = C.ModelView(sure, "x", 0, cam, cam[None], -0.00004, 40)
    b = C.ModelView(sure, "x", 0, cam, cam[None], 0.0, 40)
    res = C.compare_views(a, b, "x", "ig")
    assert res.more_faithful == "undecided"
    said = res.verdict("A", "B", "Gun")
    assert "cannot tell the maps apart" in said and "Gun" in said
    assert "-0.000" not in said and "0.000 for A, 0.000 for B" in said and "faithful" not in said


def test_numbers_never_show_a_sign_they_do_not_have():
    assert fixed(-0.00004) == "0.000" and fixed(-0.0123) == "-0.012" and fixed(0.5) == "0.500"


def test_a_class_one_model_lacks_is_refused(gunpoint, gunpoint_pair):
    a, _ = gunpoint_pair
    with pytest.raises(ValueError, match="not one of this model's classes"):
        C.model_view(a, model_input(a, gunpoint).X[0], 150, "no such class")


@pytest.mark.slow
def test_each_model_reads_its_own_preprocessing_of_the_same_raw_sample():
    from lstmfcn.training import TrainConfig
    from lstmfcn.workflow import train_on_dataset

    ds = load_dataset("BasicMotions")  # raw accelerometer and gyroscope readings, not normalised
    shipped = load_model(pretrained_path("BasicMotions__mlstmfcn"))  # per-sample normalisation
    per_dataset, _ = train_on_dataset(
        load_dataset("BasicMotions", normalize="per_dataset"),
        "mlstmfcn",
        config=TrainConfig(epochs=20, device="cpu", seed=0),
    )
    xa, xb = model_input(shipped, ds).X, model_input(per_dataset, ds).X
    assert not np.allclose(xa[4], xb[4], atol=1e-2)  # the same raw series, prepared two ways
    res = C.compare_sample(shipped, per_dataset, ds, "test", 4)
    for m, x, view in ((shipped, xa, res.a), (per_dataset, xb, res.b)):
        np.testing.assert_allclose(view.probabilities, softmax(predict_logits(m, x[4:5]))[0], atol=1e-6)
        np.testing.assert_allclose(view.cam, class_activation_maps(m, x[4:5]).cam[0, view.target], atol=1e-5)
    table = C.split_answers(shipped, per_dataset, ds)
    pb = predict_logits(per_dataset, xb).argmax(1)
    assert np.array_equal(table.disagreeing, np.flatnonzero(predict_logits(shipped, xa).argmax(1) != pb))
