"""Native Guide counterfactuals: they flip the model's decision, at the pattern that decides it, honestly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.cli import main
from lstmfcn.counterfactual import centred_segment, native_guide, segment_sizes
from lstmfcn.evaluation import predict_logits
from lstmfcn.models import ModelConfig
from lstmfcn.training import TrainConfig, fit
from tests.helpers.planted import BUMP_HALF_WIDTH, BUMP_LENGTH, planted_bump_anywhere
from tests.helpers.shipped import LSTMFCN_MODEL


@pytest.fixture(scope="module")
def bump_model():
    """``(model, X, y, centres, X_test, y_test, centres_test)``: class 1 has a bump somewhere (~2 s to train)."""
    X, y, c = planted_bump_anywhere(120, 0)
    cfg = ModelConfig("lstmfcn", n_vars=1, length=BUMP_LENGTH, n_classes=2, filters=(16, 32, 16))
    model, _ = fit(X, y, None, cfg, TrainConfig(epochs=30, batch_size=32, device="cpu", seed=0))
    return (model, X, y, c, *planted_bump_anywhere(40, 1))


def _bump_steps(centre: int) -> set[int]:
    return set(range(centre - BUMP_HALF_WIDTH, centre + BUMP_HALF_WIDTH + 1))


def test_counterfactuals_flip_the_class_at_the_bump_with_a_short_segment(bump_model):
    model, X, y, c, Xt, yt, ct = bump_model
    predicted = predict_logits(model, Xt).argmax(1)
    assert (predicted == yt).mean() >= 0.9  # the model learnt the bump, or the test means nothing
    for i in np.flatnonzero(predicted == yt):
        res = native_guide(model, Xt[i], X, y)
        assert res.found and res.from_class == yt[i] and res.to_class == 1 - yt[i]
        assert predict_logits(model, res.counterfactual[None]).argmax(1)[0] == res.to_class
        start, stop = res.segment
        assert stop - start < BUMP_LENGTH // 2
        # Removing a bump must cover the sample's; adding one must bring the guide's.
        bump = _bump_steps(ct[i]) if yt[i] == 1 else _bump_steps(c[res.guide_index])
        assert bump & set(range(start, stop)), (i, res.segment)
        assert y[res.guide_index] == res.to_class
        np.testing.assert_array_equal(res.counterfactual[:, start:stop], X[res.guide_index][:, start:stop])
        np.testing.assert_array_equal(
            np.delete(res.counterfactual, np.s_[start:stop], 1), np.delete(Xt[i], np.s_[start:stop], 1)
        )
        assert res.distance == pytest.approx(float(np.linalg.norm(res.counterfactual - Xt[i])))


def test_a_tiny_budget_reports_not_found_honestly(bump_model):
    model, X, y, _, Xt, _, _ = bump_model
    outcomes = [native_guide(model, x, X, y, max_fraction=1 / BUMP_LENGTH, max_calls=1) for x in Xt[:10]]
    assert not all(r.found for r in outcomes)
    for r in outcomes:
        assert r.segment[1] - r.segment[0] == 1
        assert r.found == (predict_logits(model, r.counterfactual[None]).argmax(1)[0] == r.to_class)


def test_bad_targets_and_budgets_are_refused(bump_model):
    model, X, y, _, Xt, yt, _ = bump_model
    with pytest.raises(ValueError, match="already predicts"):
        native_guide(model, Xt[1], X, y, target=int(predict_logits(model, Xt[1:2]).argmax()))
    with pytest.raises(ValueError, match="index in 0..1"):
        native_guide(model, Xt[1], X, y, target=5)
    with pytest.raises(ValueError, match="max_fraction"):
        native_guide(model, Xt[1], X, y, max_fraction=0)


def test_segments_grow_from_the_centre_and_stay_inside_the_series():
    assert centred_segment(10, 4, 64) == (8, 12)
    assert centred_segment(1, 6, 64) == (0, 6) and centred_segment(62, 6, 64) == (58, 64)
    np.testing.assert_array_equal(segment_sizes(5, 10), [1, 2, 3, 4, 5])
    sizes = segment_sizes(150, 10)
    assert sizes[0] == 1 and sizes[-1] == 150 and len(sizes) == 10


def _cli_json(capsys, folder, *extra: str) -> tuple[int, dict, str]:
    ckpt = str(folder / f"{LSTMFCN_MODEL}.safetensors")
    rc = main(["counterfactual", "--checkpoint", ckpt, "--dataset", "GunPoint", "--json", *extra])
    captured = capsys.readouterr()
    return rc, json.loads(captured.out) if rc == 0 else {}, captured.err


def test_cli_reports_class_names_segment_and_probabilities(capsys, tmp_path, shipped_models):
    out = tmp_path / "cf.npz"
    rc, res, _ = _cli_json(capsys, shipped_models, "--sample", "5", "--out", str(out))
    assert rc == 0 and res["found"] is True
    assert {res["from_class"], res["to_class"]} == {"1", "2"}
    assert set(res["probabilities"]) == {"1", "2"} and res["probabilities"][res["to_class"]] > 0.5
    start, stop = res["segment"]
    assert 0 <= start < stop <= 150 and res["variables"] == [0] and res["distance"] > 0
    with np.load(out) as f:
        assert f["x"].shape == f["counterfactual"].shape == (1, 150)
        np.testing.assert_array_equal(
            np.delete(f["x"], np.s_[start:stop], 1), np.delete(f["counterfactual"], np.s_[start:stop], 1)
        )


def test_cli_not_found_exits_0_with_a_sentence_and_bad_input_exits_2(capsys, shipped_models):
    rc, res, err = _cli_json(capsys, shipped_models, "--sample", "0", "--max-fraction", "0.005", "--max-calls", "1")
    assert rc == 0 and res["found"] is False and "no counterfactual found" in err
    rc, _, err = _cli_json(capsys, shipped_models, "--sample", "0", "--to", "7")
    assert rc == 2 and err.count("\n") == 1 and "--to" in err
    rc, _, err = _cli_json(capsys, shipped_models, "--sample", "999")
    assert rc == 2 and "--sample" in err


@pytest.fixture(scope="module")
def variable_model():
    """``(model, X, y, X_test, y_test)``: an MLSTM-FCN on three variables of which only variable 1 decides the class."""
    from lstmfcn.models import ModelConfig
    from tests.helpers.planted import PLANTED_LENGTH, PLANTED_VARS, planted_variable_data

    X, y, _ = planted_variable_data(120, 0)
    cfg = ModelConfig("mlstmfcn", n_vars=PLANTED_VARS, length=PLANTED_LENGTH, n_classes=2, filters=(16, 32, 16))
    model, _ = fit(X, y, None, cfg, TrainConfig(epochs=30, batch_size=32, device="cpu", seed=0))  # ~2 s
    Xt, yt, _ = planted_variable_data(40, 1)
    return model, X, y, Xt, yt


def _changed_variables(cf) -> tuple[int, ...]:
    return tuple(int(v) for v in np.flatnonzero((cf.counterfactual != cf.x).any(axis=1)))


def test_the_search_copies_only_the_variable_that_carries_the_class(variable_model):
    from tests.helpers.planted import PLANTED_VARIABLE

    model, X, y, Xt, yt = variable_model
    results = [native_guide(model, x, X, y) for x in Xt]
    found = [r for r in results if r.found]
    assert len(found) >= 36  # of 40
    only_the_planted = [r for r in found if r.variables == (PLANTED_VARIABLE,)]
    assert len(only_the_planted) >= 0.9 * len(found)
    for r in found:
        assert set(_changed_variables(r)) <= set(r.variables)  # nothing else was touched
        assert predict_logits(model, r.counterfactual[None]).argmax() == r.to_class
    every = native_guide(model, Xt[0], X, y, per_variable=False)
    assert every.variables == (0, 1, 2)


def test_basicmotions_counterfactuals_change_fewer_variables_than_all(shipped_models):
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.inputs import model_inputs
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path("BasicMotions__mlstmfcn"))
    inputs = model_inputs(model, load_dataset("BasicMotions"))
    te, tr = inputs["test"], inputs["train"]
    results = [
        native_guide(model, te.X[i], tr.X, tr.y, length=int(te.lengths[i]), lengths_train=tr.lengths) for i in range(6)
    ]
    assert all(r.found for r in results)
    for r in results:
        assert set(_changed_variables(r)) <= set(r.variables)
        assert predict_logits(model, r.counterfactual[None]).argmax() == r.to_class
    assert any(len(r.variables) < 6 for r in results)  # on 40 test series: 1 to 5 of the 6 variables, median 3
