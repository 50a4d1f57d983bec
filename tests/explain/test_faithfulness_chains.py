"""Deletion/insertion curves and occlusion as chains of copies (only the conv outputs within reach
of the changed steps recomputed) give the probabilities whole forward passes give, the same
verdicts, and Captum's occlusion maps.

The reference here is the plain way, written out: every copy built and run through the model.
Tolerances: probabilities within 2e-5 (a matrix product adds the products in another order than
the convolution; the differences seen are ~4e-6), AOPCs within 1e-5, verdicts identical.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.explain import faithfulness as F
from lstmfcn.explain import occlusion, run_method, step_chains
from lstmfcn.explain._common import make_baseline
from lstmfcn.inputs import model_input
from lstmfcn.zoo import pretrained_path
from tests.helpers.models import T_TINY, tiny_model

PROBABILITY_TOL = 2e-5


def _plain_curves(model, x, target, ranks, lengths, n_steps, baseline="zeros"):
    """The deletion and insertion curves of one ordering, every copy run whole (the old path)."""
    xt = torch.as_tensor(x)
    lt = None if lengths is None else torch.as_tensor(lengths)
    base = make_baseline(xt, baseline, lt)
    lens = np.full(len(x), x.shape[-1]) if lengths is None else np.asarray(lengths)
    counts = np.rint(np.linspace(0, 1, n_steps + 1)[None, :] * lens[:, None]).astype(np.int64)
    out = {"deletion": np.zeros((len(x), n_steps + 1)), "insertion": np.zeros((len(x), n_steps + 1))}
    with torch.no_grad():
        for j in range(n_steps + 1):
            hit = torch.as_tensor(ranks < counts[:, j : j + 1])[:, None, :]
            for kind, copy in (("deletion", torch.where(hit, base, xt)), ("insertion", torch.where(hit, xt, base))):
                p = torch.softmax(model(copy, lt), dim=1)
                out[kind][:, j] = p[torch.arange(len(x)), torch.as_tensor(target)].numpy()
    return out


@pytest.mark.parametrize(
    ("arch", "shuffle"),
    [("lstmfcn", True), ("alstmfcn", False)],  # the LSTM branch reading V steps, and attention over T steps
)
def test_chains_give_the_probabilities_of_whole_forward_passes(rng, arch, shuffle):
    model = tiny_model(arch, shuffle=shuffle)
    assert step_chains.applies(model, torch.device("cpu"))
    lengths = np.array([T_TINY, 13, T_TINY, 7, 20])
    x = rng.normal(size=(5, 1, T_TINY)).astype(np.float32)
    x = np.where(np.arange(T_TINY) < lengths[:, None, None], x, 0.0).astype(np.float32)  # zero-padded, as loaded
    target = np.array([0, 1, 2, 0, 1])
    attr = rng.normal(size=x.shape).astype(np.float32)
    for segment in (1, 3):
        c = F.perturbation_curves(
            model, x, target, attr, lengths=lengths, baseline="mean", n_steps=6, segment_length=segment
        )
        ranks = F._ranks(F.step_scores(attr), lengths, segment)
        ref = _plain_curves(model, x, target, ranks, lengths, 6, baseline="mean")
        np.testing.assert_allclose(c.deletion, ref["deletion"], atol=PROBABILITY_TOL)
        np.testing.assert_allclose(c.insertion, ref["insertion"], atol=PROBABILITY_TOL)


def test_squeeze_and_excite_models_run_whole_copies():
    # An SE block rescales every channel by a mean over all steps: one changed step changes every output.
    assert not step_chains.applies(tiny_model("mlstmfcn", n_vars=2), torch.device("cpu"))
    model = tiny_model("lstmfcn")
    model.train()
    assert not step_chains.applies(model, torch.device("cpu"))  # batch statistics: not the folded conv


@pytest.mark.slow
def test_a_shipped_model_gets_the_same_curves_and_verdicts_chunk_by_chunk():
    """GunPoint's shipped LSTM-FCN, 24 test series checked as the page checks them (two chunks with
    ``rows``), CAM and saliency for each series' predicted class: the curves equal the plain path's,
    the old code's (whole copies, ordering by ordering) as well, and so do the scores and verdicts."""
    model = load_model(pretrained_path("GunPoint__lstmfcn")).eval()
    a = model_input(model, load_dataset("GunPoint"), "test")
    x = a.X[:24]
    with torch.no_grad():
        target = model(torch.as_tensor(x)).argmax(1).numpy()
    maps = {m: run_method(m, model, x, target) for m in ("cam", "saliency")}
    parts, old_parts = [], []
    for s, e in ((0, 12), (12, 24)):
        chunk = {m: v[s:e] for m, v in maps.items()}
        kw = {"baseline": "zeros", "n_steps": 10, "rows": (s, 24)}
        parts.append(F.faithfulness_curves(model, x[s:e], target[s:e], chunk, **kw))
        original = step_chains.applies
        step_chains.applies = lambda *_: False  # the code before chains: whole copies, ordering by ordering
        try:
            old_parts.append(F.faithfulness_curves(model, x[s:e], target[s:e], chunk, **kw))
        finally:
            step_chains.applies = original
    seg = parts[0][2]
    for name in maps:
        joined = F.join_curves([p[0][name] for p in parts])
        ranks = F._ranks(F.step_scores(maps[name]), np.full(24, x.shape[-1]), seg)
        ref = _plain_curves(model, x, target, ranks, None, 10)
        np.testing.assert_allclose(joined.deletion, ref["deletion"], atol=PROBABILITY_TOL)
        np.testing.assert_allclose(joined.insertion, ref["insertion"], atol=PROBABILITY_TOL)

    def report(ps):
        curves = {n: F.join_curves([p[0][n] for p in ps]) for n in maps}
        return F.report_from_curves(curves, F.join_curves([p[1] for p in ps]), "signed", "zeros", 10, seg, [0, 1, 2])

    new, old = report(parts), report(old_parts)
    np.testing.assert_allclose(new.random.deletion, old.random.deletion, atol=PROBABILITY_TOL)
    np.testing.assert_allclose(new.random.insertion, old.random.insertion, atol=PROBABILITY_TOL)
    assert abs(new.random_aopc_deletion - old.random_aopc_deletion) < 1e-5
    for name in maps:
        n, o = new.methods[name], old.methods[name]
        assert abs(n.aopc_deletion - o.aopc_deletion) < 1e-5 and abs(n.aopc_insertion - o.aopc_insertion) < 1e-5
        assert n.better_than_random == o.better_than_random
        assert n.verdict(name, new.random_aopc_deletion, new.random_aopc_insertion) == o.verdict(
            name, old.random_aopc_deletion, old.random_aopc_insertion
        )


def test_progress_rises_and_a_cancel_stops_the_chains(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(4, 1, T_TINY)).astype(np.float32)
    attr = {"a": rng.normal(size=x.shape).astype(np.float32)}
    seen: list[float] = []
    F.faithfulness_curves(model, x, 0, attr, n_steps=5, random_seeds=2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3

    class Stop(Exception):
        pass

    def cancel(f: float) -> None:
        if f > 0.3:
            raise Stop

    with pytest.raises(Stop):
        F.faithfulness_curves(model, x, 0, attr, n_steps=5, random_seeds=2, progress=cancel)


def _captum_occlusion(monkeypatch, *args, **kwargs):
    """Occlusion as it ran before chains: Captum's ``Occlusion``, every copy run whole."""
    with monkeypatch.context() as m:
        m.setattr(step_chains, "applies", lambda *_: False)
        return occlusion(*args, **kwargs)


@pytest.mark.parametrize("options", [{"baseline": "mean"}, {"window": 7, "stride": 5}, {"window": 40}])
def test_occlusion_by_chains_equals_captums(rng, monkeypatch, options):
    model = tiny_model("lstmfcn", n_vars=2)
    lengths = np.array([T_TINY, 13, 20])
    x = rng.normal(size=(3, 2, T_TINY)).astype(np.float32)
    x = np.where(np.arange(T_TINY) < lengths[:, None, None], x, 0.0).astype(np.float32)
    target = np.array([0, 1, 2])
    ours = occlusion(model, x, target, lengths=lengths, per_variable=False, **options)
    theirs = _captum_occlusion(monkeypatch, model, x, target, lengths=lengths, per_variable=False, **options)
    np.testing.assert_allclose(ours, theirs, atol=1e-5 * np.abs(theirs).max())


def test_occlusion_of_a_shipped_model_equals_captums(monkeypatch):
    model = load_model(pretrained_path("GunPoint__lstmfcn")).eval()
    x = model_input(model, load_dataset("GunPoint"), "test").X[:8]
    ours = occlusion(model, x, 1, baseline="blur")
    theirs = _captum_occlusion(monkeypatch, model, x, 1, baseline="blur")
    assert np.abs(theirs).max() > 0.1  # the windows do move the logit
    np.testing.assert_allclose(ours, theirs, atol=1e-5 * np.abs(theirs).max())
