"""Helpers the explanation modules share among themselves: padding, Captum's extra arguments, batching.

The shared pieces other modules use too are public where they belong (:mod:`.inputs`,
:mod:`.baselines`, :mod:`.model_copies`, :mod:`lstmfcn.progress`); this module imports them for
its siblings, which take them from here.

Arrays are ``(N, V, T)`` everywhere. Nothing here changes the caller's model: gradient methods
work on a private copy (see :func:`gradient_model`), forward-only methods use the model as it is
when it is in eval mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ..device import batch_size_for, conv_width, model_device  # noqa: F401  (shared with evaluation)
from ..progress import Progress, report, sub_progress  # noqa: F401  (the explanation modules take them from here)
from .baselines import BASELINES, make_baseline  # noqa: F401
from .inputs import ArrayLike, as_input, as_lengths, as_target, batch_slices, valid_mask  # noqa: F401
from .model_copies import gradient_model, inference_model  # noqa: F401

if TYPE_CHECKING:
    from ..pass_size import BranchPlan


def zero_padding(attr: np.ndarray, lengths: torch.Tensor | None) -> np.ndarray:
    """Set attributions on padded steps to 0: padding is not part of the series."""
    mask = valid_mask(lengths, attr.shape[0], attr.shape[-1])
    return attr if mask is None else np.where(mask, attr, 0.0).astype(attr.dtype, copy=False)


def forward_args(lengths: torch.Tensor | None) -> tuple | None:
    """Captum's ``additional_forward_args`` for the model's ``forward(x, lengths)``."""
    return None if lengths is None else (lengths,)


# (net, x, target, lengths, baseline, sample slice) -> attributions, optional per-sample extra
BatchFn = Callable[
    [nn.Module, torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None, slice],
    tuple[torch.Tensor, torch.Tensor | None],
]


def attribute_in_batches(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    lengths: ArrayLike | None,
    per_batch: BatchFn,
    *,
    baseline: str | ArrayLike | None = None,
    blur_sigma: float | None = None,
    batch_size: int | None = None,
    expansion: int = 1,
    gradients: bool = True,
    progress: Progress | None = None,
    method: str | None = None,
    hooks: bool = True,
    plan: BranchPlan | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Run ``per_batch`` over sample batches; returns ``(attr (N, V, T), extra (N,) or None)``.

    Gradient methods run on the private copy of :func:`gradient_model`. Forward-only ones
    (occlusion, ablation) use the model itself when it is in eval mode: Captum puts no hooks
    on it for those, nor for gradient methods that put none (``hooks=False``: IG, saliency, …)
    on the CPU, where an eval-mode model runs backward as it is and threads can share it; the
    copy costs 2-3 ms a call. Without ``batch_size`` the pass size is measured on the CPU
    (:func:`lstmfcn.pass_size.pass_slices`; ``method`` names the computation for its record,
    default ``per_batch``'s name and ``expansion``). A method that takes each branch's gradient on
    its own passes its :class:`~lstmfcn.pass_size.BranchPlan` as ``plan``, whose shared passes are used.
    """
    from ..pass_size import pass_slices

    shared_ok = not gradients or (not hooks and model_device(model).type == "cpu")
    net = inference_model(model) if shared_ok else gradient_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, v, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    tt = as_target(target, n, net.config.n_classes).to(device)
    base = None if baseline is None else make_baseline(xt, baseline, lt, blur_sigma=blur_sigma)
    attr = np.zeros((n, v, total), np.float32)
    extra: np.ndarray | None = None
    if plan is not None:
        slices = plan.samples(n)
    else:
        key = method or f"{per_batch.__qualname__}|x{expansion}"
        slices = pass_slices(
            net, n, v, total, method=key, gradients=gradients, expansion=expansion, batch_size=batch_size
        )
    for sl in slices:
        # Captum warns when it has to set requires_grad itself; our own gradients take the slice as it is.
        xb = xt[sl] if plan is not None else xt[sl].clone().requires_grad_(gradients)
        a, e = per_batch(net, xb, tt[sl], None if lt is None else lt[sl], None if base is None else base[sl], sl)
        attr[sl] = a.detach().float().cpu().numpy()
        if e is not None:
            if extra is None:
                extra = np.zeros(n, np.float32)
            extra[sl] = e.detach().float().cpu().numpy().reshape(-1)
        report(progress, sl.stop / n)
    return zero_padding(attr, lt), extra
