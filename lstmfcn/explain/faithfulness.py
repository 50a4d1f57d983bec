"""Does an attribution point at what the model uses? Deletion and insertion curves with AOPC.

Time steps are ranked by attribution, most important first. Two curves follow from the ranking
(Petsiuk et al. 2018; Samek et al. 2017):

* **deletion**: replace the top ``j/S`` of the steps with the baseline, ``j = 0..S``. If the map is
  faithful, the target class's probability falls fast.
* **insertion**: start from the baseline and put back the top ``j/S`` of the steps. The
  probability should rise fast.

A whole time step is perturbed at once (every variable). Padded steps are never perturbed, and
fractions refer to each series' valid length. The curves track the target class's softmax
probability.

Steps are ranked in short contiguous segments (``segment_length``, default ``T / 30`` steps:
5 on GunPoint). A segment's importance is its steps' mean score; within a segment, steps go in
time order. ``segment_length=1`` ranks single steps. Segments make the random control fair. A
random order of *single* steps scatters isolated replaced values over the whole series, a
jagged pattern no attribution order produces, and models react to that roughness itself. On
GunPoint's ALSTM-FCN, scattered single-step deletion (even to the blurred copy) lowers the
probability twice as much as deleting by any map, although insertion ranks the maps far above
random. With 5-step segments, deletion and insertion agree.

Each curve is scored by its AOPC (area over the perturbation curve) against the same curves under
random orderings; :mod:`.faithfulness_scores` holds the curves, the scores and the verdict.

Ranking (``order=``): ``"signed"`` (default) sums the attribution over variables and puts the
strongest evidence *for* the target first, the usual "most relevant first" order for signed maps.
``"abs"`` sums absolute values, so strong evidence against the class counts as important too.
For unsigned maps (saliency, attention, Grad-CAM) the two orders agree.

Which baseline: use the one the attributions were computed with (Integrated Gradients explains
``f(x) - f(baseline)``), and prefer ``"blur"``. On z-normalised series, ``"zeros"`` and
``"mean"`` turn deleted stretches into flat gaps at 0, far from the signal the model saw in
training, and the random control suffers most. With single-step ranking on GunPoint, random
deletion to zeros lowered the probability more than deleting by any map, IG's included. A
blurred copy keeps the trend, so deleted steps stay in range. There IG (with the blur baseline)
beats random by a wide margin: AOPC_del ≈ 0.56 against 0.16 with single steps, and 0.47
against 0.13 with 5-step segments.

How the curves are computed: on the CPU, for models without squeeze-and-excite (LSTM-FCN,
ALSTM-FCN), each curve is a chain of copies that differ from the one before in a few steps, and
only the conv outputs within reach of those steps are recomputed (:mod:`.step_chains`; the same
probabilities up to float rounding). Otherwise every perturbed copy is built up front, per chunk
of samples, and run through the model whole in large batches.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import step_chains
from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    as_target,
    batch_size_for,
    batch_slices,
    inference_model,
    make_baseline,
    model_device,
    report,
    sub_progress,
)
from .faithfulness_scores import FaithfulnessReport, PerturbationCurves, report_from_curves

ORDERS = ("signed", "abs")


def step_scores(attribution: np.ndarray, order: str = "signed") -> np.ndarray:
    """``(N, T)`` importance of each time step from an ``(N, V, T)`` attribution."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    a = np.asarray(attribution, dtype=np.float64)
    if a.ndim != 3:
        raise ValueError(f"an attribution must have shape (N, V, T), got {a.shape}")
    return (np.abs(a) if order == "abs" else a).sum(axis=1)


def default_segment_length(total: int) -> int:
    """The default ranking granularity: ``T / 30`` steps (5 for ``T = 150``), at least 1."""
    return max(1, round(total / 30))


def _ranks(
    scores: np.ndarray,
    lengths: np.ndarray,
    segment_length: int = 1,
    tie_seed: int = 0,
    rows: tuple[int, int] | None = None,
) -> np.ndarray:
    """``(N, T)`` position of each step in the importance order; padded steps rank last.

    Steps are grouped in contiguous segments of ``segment_length`` valid steps, ranked by their
    mean score, most important first; within a segment, steps keep their time order. Ties (window-
    or segment-constant maps) are broken at random rather than by position, so a flat stretch is
    not deleted left to right. ``rows=(start, n_all)``: these are rows ``start…`` of a set of
    ``n_all``, and break their ties as a call on the whole set does.
    """
    n, total = scores.shape
    size = max(1, int(segment_length))
    n_seg = -(-total // size)
    t = np.arange(total)
    valid = t[None, :] < lengths[:, None]  # (N, T)
    pad = ((0, 0), (0, n_seg * size - total))
    seg_sum = np.pad(np.where(valid, scores, 0.0), pad).reshape(n, n_seg, size).sum(axis=2)
    seg_cnt = np.pad(valid.astype(np.float64), pad).reshape(n, n_seg, size).sum(axis=2)
    seg_score = np.where(seg_cnt > 0, seg_sum / np.maximum(seg_cnt, 1.0), -np.inf)  # (N, n_seg)
    step_score = np.where(valid, seg_score[:, t // size], -np.inf)  # (N, T)
    start, n_all = rows or (0, n)
    tie = np.random.default_rng(tie_seed).random((n_all, n_seg))[start : start + n][:, t // size]
    order = np.lexsort((np.broadcast_to(t, (n, total)), tie, -step_score), axis=-1)  # most important first
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(t, (n, total)), axis=1)
    return ranks


@torch.no_grad()
def _whole_copies(net, xt, base, target, lt, counts, ranks, batch_size, progress) -> tuple[np.ndarray, np.ndarray]:
    """``(deletion, insertion)`` ``(N, S+1)`` of one ordering, every copy run through the model whole,
    as many per pass as :func:`batch_size_for` allows (``counts``: ``(N, S+1)`` steps perturbed)."""
    n, v, total = xt.shape
    device = xt.device
    steps = counts.shape[1]
    per_pass = batch_size or batch_size_for(net, total, gradients=False)
    deletion = np.zeros((n, steps), np.float32)
    insertion = np.zeros((n, steps), np.float32)
    slices = batch_slices(n, max(1, per_pass // (2 * steps)))  # samples whose 2(S+1) copies fit one pass
    for i, sl in enumerate(slices):
        r = torch.as_tensor(ranks[sl], device=device)  # (B, T)
        k = torch.as_tensor(counts[sl], device=device)  # (B, S+1)
        hit = (r[:, None, :] < k[:, :, None])[:, :, None, :]  # (B, S+1, 1, T) perturbed steps
        xb, bb = xt[sl][:, None], base[sl][:, None]  # (B, 1, V, T)
        copies = torch.cat([torch.where(hit, bb, xb), torch.where(hit, xb, bb)], dim=1)  # (B, 2(S+1), V, T)
        b = copies.shape[0]
        flat = copies.reshape(-1, v, total)
        lrep = None if lt is None else lt[sl].repeat_interleave(2 * steps)
        probs = []
        for s2 in batch_slices(len(flat), per_pass):
            logits = net(flat[s2], None if lrep is None else lrep[s2])
            probs.append(torch.softmax(logits.float(), dim=1))
        p = torch.cat(probs).reshape(b, 2 * steps, -1)  # (B, 2(S+1), K)
        pt = p.gather(2, target[sl].to(device)[:, None, None].expand(-1, p.shape[1], 1)).squeeze(2).cpu().numpy()
        deletion[sl], insertion[sl] = pt[:, :steps], pt[:, steps:]
        report(progress, (i + 1) / len(slices))
    return deletion, insertion


def _curves_for_orderings(
    net: nn.Module,
    xt: torch.Tensor,
    base: torch.Tensor,
    target: torch.Tensor,
    lt: torch.Tensor | None,
    lengths: np.ndarray,
    orderings: list[np.ndarray],
    n_steps: int,
    batch_size: int | None,
    progress: Progress | None,
) -> list[PerturbationCurves]:
    """The curves of several orderings (``(N, T)`` ranks each) of the same samples.

    Where :func:`.step_chains.applies` (no squeeze-and-excite, on the CPU), each curve is a chain
    of copies that differ from the one before in the next ``1/S`` of the steps, and only the conv
    outputs within reach of those steps are recomputed: the same probabilities up to float
    rounding, for about a fifth of the convolutions on GunPoint. Otherwise every copy runs whole,
    ordering by ordering (:func:`_whole_copies`).
    """
    n, _, total = xt.shape
    n_orders = len(orderings)
    fractions = np.linspace(0.0, 1.0, n_steps + 1)
    counts = torch.as_tensor(np.rint(fractions[None, :] * lengths[:, None]).astype(np.int64))  # (N, S+1)
    ranks = torch.as_tensor(np.stack(orderings))  # (O, N, T)
    out = np.zeros((n_orders, 2, n, n_steps + 1), np.float32)
    if not step_chains.applies(net, xt.device):
        for j, r in enumerate(orderings):
            part = sub_progress(progress, j / n_orders, (j + 1) / n_orders)
            out[j] = _whole_copies(net, xt, base, target, lt, counts.numpy(), r, batch_size, part)
        return [PerturbationCurves(fractions, out[i, 0], out[i, 1]) for i in range(n_orders)]
    slices = batch_slices(n, max(1, step_chains.chains_per_group(net, total) // (2 * n_orders)))
    for g, sl in enumerate(slices):
        hit = ranks[:, sl, None, :] < counts[sl][None, :, :, None]  # (O, B, S+1, T) perturbed steps
        b = hit.shape[1]
        # Chains (curve, ordering, sample); deletion takes the baseline on the perturbed steps,
        # insertion everywhere else.
        selectors = torch.cat([hit, ~hit]).reshape(2 * n_orders * b, n_steps + 1, total)

        def chains(t: torch.Tensor, sl=sl) -> torch.Tensor:
            return t[sl].repeat(2 * n_orders, *[1] * (t.dim() - 1))

        p = step_chains.chain_probabilities(
            net,
            chains(xt),
            chains(base),
            selectors,
            chains(target),
            None if lt is None else chains(lt),
            sub_progress(progress, g / len(slices), (g + 1) / len(slices)),
        )
        out[:, :, sl] = p.reshape(2, n_orders, b, n_steps + 1).transpose(0, 1).numpy()
    return [PerturbationCurves(fractions, out[i, 0], out[i, 1]) for i in range(n_orders)]


def _prepare(model, x, target, lengths, baseline, blur_sigma):
    net = inference_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, _, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    tt = as_target(target, n, net.config.n_classes)
    base = make_baseline(xt, baseline, lt, blur_sigma=blur_sigma)
    lens = np.full(n, total) if lt is None else lt.cpu().numpy()
    return net, xt, lt, tt, base, lens


def perturbation_curves(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    attribution: np.ndarray,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_steps: int = 20,
    order: str = "signed",
    segment_length: int | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> PerturbationCurves:
    """Deletion and insertion curves of one attribution ``(N, V, T)`` (see the module docstring).

    Args:
        model: the classifier (not changed).
        x: ``(N, V, T)`` series; ``target``: class index or ``(N,)`` indices whose probability is tracked.
        attribution: ``(N, V, T)`` map that ranks the steps.
        lengths: ``(N,)`` valid steps or None.
        baseline: what deleted steps become (``"zeros"``, ``"mean"``, ``"blur"`` or an array).
        blur_sigma: sigma for ``"blur"``.
        n_steps: ``S``, the number of fractions after 0 (20 → every 5 %).
        order: ``"signed"`` or ``"abs"``.
        segment_length: ranking granularity in steps (default ``T / 30``; 1 ranks single steps).
        batch_size: series per forward pass.
        progress: fraction-done callback, called after every batch of forward passes; an exception
            it raises (a cancel) stops the computation there.
    """
    net, xt, lt, tt, base, lens = _prepare(model, x, target, lengths, baseline, blur_sigma)
    ranks = _ranks(step_scores(attribution, order), lens, segment_length or default_segment_length(xt.shape[-1]))
    return _curves_for_orderings(net, xt, base, tt, lt, lens, [ranks], n_steps, batch_size, progress)[0]


def faithfulness_report(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    attributions: dict[str, np.ndarray],
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_steps: int = 20,
    order: str = "signed",
    segment_length: int | None = None,
    random_seeds: int | list[int] = 3,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> FaithfulnessReport:
    """Deletion/insertion curves and AOPC of several attributions, against random orderings.

    Args:
        model: the classifier (not changed).
        x: ``(N, V, T)`` series.
        target: class index or ``(N,)`` indices: the class each attribution explains.
        attributions: method name → ``(N, V, T)`` map (e.g. from :func:`lstmfcn.explain.explain`).
        lengths, baseline, blur_sigma, n_steps, order, segment_length, batch_size, progress: as in
            :func:`perturbation_curves`; the random orderings use the same segments.
        random_seeds: how many random orderings to average (or the seeds themselves).

    Returns:
        A :class:`FaithfulnessReport`.
    """
    seeds = _seeds(random_seeds)
    curves, random, seg = faithfulness_curves(
        model,
        x,
        target,
        attributions,
        lengths=lengths,
        baseline=baseline,
        blur_sigma=blur_sigma,
        n_steps=n_steps,
        order=order,
        segment_length=segment_length,
        random_seeds=seeds,
        batch_size=batch_size,
        progress=progress,
    )
    return report_from_curves(
        curves, random, order, baseline if isinstance(baseline, str) else "array", n_steps, seg, seeds
    )


def _seeds(random_seeds: int | list[int]) -> list[int]:
    seeds = list(range(random_seeds)) if isinstance(random_seeds, int) else [int(s) for s in random_seeds]
    if not seeds:
        raise ValueError("faithfulness needs at least one random ordering as the control")
    return seeds


def faithfulness_curves(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    attributions: dict[str, np.ndarray],
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_steps: int = 20,
    order: str = "signed",
    segment_length: int | None = None,
    random_seeds: int | list[int] = 3,
    batch_size: int | None = None,
    rows: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, PerturbationCurves], PerturbationCurves, int]:
    """The curves :func:`faithfulness_report` scores: ``(method → curves, random control, segment length)``.

    ``rows=(start, n_all)``: ``x`` (and the maps, targets, lengths) are rows ``start…`` of a set of
    ``n_all`` series, and the random orderings and tie-breaks are the ones a call on the whole set
    draws for those rows. So a set checked chunk by chunk (to measure the time left from the first
    chunk, or to stop between chunks), its curves joined with :func:`join_curves`, gives the
    whole set's report. The other arguments are :func:`faithfulness_report`'s.
    """
    net, xt, lt, tt, base, lens = _prepare(model, x, target, lengths, baseline, blur_sigma)
    n, _, total = xt.shape
    start, n_all = rows or (0, n)
    if start < 0 or start + n > n_all:
        raise ValueError(f"rows {start}…{start + n} do not lie in a set of {n_all}")
    seg = segment_length or default_segment_length(total)
    seeds = _seeds(random_seeds)
    for name, attr in attributions.items():
        if np.shape(attr) != tuple(xt.shape):
            raise ValueError(f"attribution '{name}' has shape {np.shape(attr)}, expected {tuple(xt.shape)}")
    orderings = [
        _ranks(
            np.random.default_rng(10_000 + seed).random((n_all, total))[start : start + n],
            lens,
            seg,
            rows=(start, n_all),
        )
        for seed in seeds
    ]
    orderings += [_ranks(step_scores(attr, order), lens, seg, rows=(start, n_all)) for attr in attributions.values()]
    measured = _curves_for_orderings(net, xt, base, tt, lt, lens, orderings, n_steps, batch_size, progress)
    rand_curves = measured[: len(seeds)]
    random = PerturbationCurves(
        rand_curves[0].fractions,
        np.mean([c.deletion for c in rand_curves], axis=0),
        np.mean([c.insertion for c in rand_curves], axis=0),
    )
    curves = dict(zip(attributions, measured[len(seeds) :], strict=True))
    report(progress, 1.0)
    return curves, random, seg


def join_curves(parts: list[PerturbationCurves]) -> PerturbationCurves:
    """Curves of consecutive chunks of samples as one set's (see :func:`faithfulness_curves`)."""
    return PerturbationCurves(
        parts[0].fractions,
        np.concatenate([p.deletion for p in parts]),
        np.concatenate([p.insertion for p in parts]),
    )
