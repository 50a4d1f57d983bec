"""Helpers every explanation module shares: inputs, targets, baselines, batching, private models.

Arrays are ``(N, V, T)`` everywhere. Nothing here changes the caller's model: gradient methods
work on a private copy (see :func:`gradient_model`), forward-only methods use the model as it is
when it is in eval mode.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ..data.preprocess import valid_mask as steps_mask
from ..device import batch_size_for, conv_width, model_device  # noqa: F401  (shared with evaluation)

if TYPE_CHECKING:
    from ..pass_size import BranchPlan

ArrayLike = np.ndarray | torch.Tensor
Progress = Callable[[float], None]

BASELINES = ("zeros", "mean", "blur")
"""Names of the built-in baselines; an array broadcastable to ``(N, V, T)`` works too."""

_PRIVATE_FLAG = "_lstmfcn_private_explanation_copy"


def as_input(x: ArrayLike, device: torch.device) -> torch.Tensor:
    """``x`` ``(N, V, T)`` as a float32 tensor on ``device`` (detached, never a view the caller holds)."""
    t = torch.as_tensor(x).detach()
    if t.ndim != 3:
        raise ValueError(f"x must have shape (N, V, T) (samples, variables, time), got shape {tuple(t.shape)}")
    return t.to(device=device, dtype=torch.float32)


def as_lengths(lengths: ArrayLike | None, n: int, total: int, device: torch.device) -> torch.Tensor | None:
    """``(N,)`` int64 valid steps on ``device``, or None when every series has the full length."""
    if lengths is None:
        return None
    lt = torch.as_tensor(np.asarray(lengths) if not isinstance(lengths, torch.Tensor) else lengths).long()
    if lt.shape != (n,):
        raise ValueError(f"lengths must have shape ({n},), one per sample, got {tuple(lt.shape)}")
    if (lt < 1).any() or (lt > total).any():
        raise ValueError(f"lengths must lie between 1 and the series length {total}")
    if (lt == total).all():
        return None
    return lt.to(device)


def as_target(target: int | ArrayLike, n: int, n_classes: int) -> torch.Tensor:
    """``(N,)`` int64 class indices (on the CPU) from an int or an array; checks the range."""
    t = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target)
    if t.ndim == 0:
        t = t.expand(n)
    if t.shape != (n,):
        raise ValueError(f"target must be a class index or an array of shape ({n},), got shape {tuple(t.shape)}")
    if t.is_floating_point() and not torch.equal(t, t.round()):
        raise ValueError("target must hold integer class indices")
    t = t.long().cpu()
    if len(t) and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"target class indices must lie in 0..{n_classes - 1}, got {int(t.min())}..{int(t.max())}")
    return t.contiguous()


def valid_mask(lengths: torch.Tensor | None, n: int, total: int) -> np.ndarray | None:
    """``(N, 1, T)`` bool, True on valid steps; None for equal-length input."""
    if lengths is None:
        return None
    return steps_mask(lengths.cpu().numpy(), total)[:, None, :]


def zero_padding(attr: np.ndarray, lengths: torch.Tensor | None) -> np.ndarray:
    """Set attributions on padded steps to 0: padding is not part of the series."""
    mask = valid_mask(lengths, attr.shape[0], attr.shape[-1])
    return attr if mask is None else np.where(mask, attr, 0.0).astype(attr.dtype, copy=False)


def batch_slices(n: int, size: int) -> list[slice]:
    """Consecutive slices of at most ``size`` covering ``range(n)``."""
    size = max(1, int(size))
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]


def report(progress: Progress | None, fraction: float) -> None:
    """Tell ``progress`` (if any) the fraction done, clipped to [0, 1]."""
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))))


def sub_progress(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """A callback mapping a sub-task's [0, 1] onto [start, stop] of ``progress``."""
    if progress is None:
        return None
    return lambda f: progress(start + (stop - start) * f)


def _is_private(model: nn.Module) -> bool:
    return bool(getattr(model, _PRIVATE_FLAG, False))


#: Private copies by model and thread, each with the state it was copied from (see gradient_model).
_twins: weakref.WeakKeyDictionary[nn.Module, dict[int, tuple[tuple, nn.Module]]] = weakref.WeakKeyDictionary()
_twins_lock = threading.Lock()
_TWINS_PER_MODEL = 8


def _copied_state(model: nn.Module) -> tuple:
    """What a copy copies: every parameter's and buffer's storage and version (in-place edits,
    ``load_state_dict``, ``.to(device)`` all change one), and every module's mode."""
    tensors = (*model.parameters(), *model.buffers())
    return tuple((t.data_ptr(), t._version, t.device, t.dtype) for t in tensors), tuple(
        m.training for m in model.modules()
    )


def _hooked(model: nn.Module) -> bool:
    return any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in model.modules())


def gradient_model(model: nn.Module) -> nn.Module:
    """A private copy of ``model`` that can take gradients with respect to its input on any device.

    cuDNN refuses the backward pass of an LSTM in eval mode ("cudnn RNN backward can only be
    called in training mode"). Flipping the shared model to train mode would change BatchNorm and
    dropout, and would race with other threads using the same model (the dashboard shares one
    cached model between sessions). So the copy is in eval mode everywhere except its ``nn.LSTM``
    modules, which are in train mode on a GPU: a single-layer LSTM computes exactly the same in train mode
    (its dropout only acts between stacked layers; it is set to 0 here for stacked ones too).
    cuDNN stays enabled for everything, convolutions included. The copy's parameters do not
    require gradients, so backward passes compute input gradients only.

    Each thread gets its own copy, so hooks that Captum puts on modules (DeepLift, Grad-CAM) never
    meet another thread's forward pass. A thread's copy is kept for its next call while the model
    is unchanged (the same parameter and buffer storage, versions and modes) and the copy carries
    no hooks: copying costs ~2 ms a call (~270k parameters), a tenth of a one-pass DeepLift. A
    model that already is such a copy is returned as is.
    """
    if _is_private(model):
        return model
    state, thread = _copied_state(model), threading.get_ident()
    with _twins_lock:
        kept = _twins.get(model, {}).get(thread)
    if kept is not None and kept[0] == state and not _hooked(kept[1]):
        return kept[1]
    twin = _private_copy(model)
    with _twins_lock:
        kept_here = _twins.setdefault(model, {})
        kept_here[thread] = (state, twin)
        while len(kept_here) > _TWINS_PER_MODEL:  # threads come and go (a dashboard rerun is a new one)
            kept_here.pop(next(iter(kept_here)))
    return twin


def _private_copy(model: nn.Module) -> nn.Module:
    twin = copy.deepcopy(model)
    twin.eval()
    for m in twin.modules():
        # Only cuDNN needs it: the CPU's LSTM runs backward in eval mode (and oneDNN's training
        # forward would keep a workspace for nothing).
        if isinstance(m, nn.RNNBase) and any(p.is_cuda for p in m.parameters()):
            m.dropout = 0.0  # eval semantics in train mode; a no-op for one layer
            m.train()
            m.flatten_parameters()  # a deep copy loses cuDNN's contiguous weight buffer
    for p in twin.parameters():
        p.requires_grad_(False)
    setattr(twin, _PRIVATE_FLAG, True)
    return twin


def inference_model(model: nn.Module) -> nn.Module:
    """``model`` itself when it is in eval mode everywhere, else a private eval-mode copy.

    Forward-only explanations (CAM, attention, perturbation curves) must see the model as it
    predicts; a model left in training mode is explained as if it were in eval mode, without
    touching the caller's object.
    """
    if _is_private(model) or not any(m.training for m in model.modules()):
        return model
    twin = copy.deepcopy(model).eval()
    for p in twin.parameters():
        p.requires_grad_(False)
    return twin


def make_baseline(
    x: torch.Tensor, baseline: str | ArrayLike, lengths: torch.Tensor | None = None, *, blur_sigma: float | None = None
) -> torch.Tensor:
    """The reference series ``(N, V, T)`` that perturbation and path methods compare ``x`` with.

    Args:
        x: ``(N, V, T)`` input on the model's device.
        baseline: ``"zeros"``; ``"mean"``: each series' own per-variable mean over its valid steps
            (removes the shape, keeps the level); ``"blur"``: a Gaussian-blurred copy (removes
            detail, keeps the trend; sigma ``blur_sigma``, default ``T / 20`` steps, edges
            extended); or an array broadcastable to ``(N, V, T)``.
        lengths: ``(N,)`` valid steps or None. Padded steps stay 0 in every baseline, so the
            padding is never "perturbed".
        blur_sigma: Gaussian standard deviation in time steps for ``"blur"``.
    """
    n, v, total = x.shape
    if isinstance(baseline, str):
        if baseline not in BASELINES:
            raise ValueError(f"unknown baseline {baseline!r}; choose one of {', '.join(BASELINES)} or pass an array")
        if baseline == "zeros":
            return torch.zeros_like(x)
        if baseline == "mean":
            if lengths is None:
                return x.mean(dim=-1, keepdim=True).expand_as(x).clone()
            keep = torch.arange(total, device=x.device)[None, None, :] < lengths[:, None, None]  # (N, 1, T)
            mean = (x * keep).sum(-1, keepdim=True) / lengths[:, None, None].to(x.dtype)
            return torch.where(keep, mean.expand_as(x), torch.zeros_like(x))
        return _blur(x, lengths, blur_sigma if blur_sigma is not None else max(1.0, total / 20.0))
    b = torch.as_tensor(np.asarray(baseline) if not isinstance(baseline, torch.Tensor) else baseline)
    try:
        b = b.to(device=x.device, dtype=x.dtype).expand_as(x).clone()
    except RuntimeError as exc:
        raise ValueError(f"a baseline array must broadcast to {tuple(x.shape)}, got shape {tuple(b.shape)}") from exc
    mask = valid_mask(lengths, n, total)
    if mask is not None:
        b = b * torch.as_tensor(mask, device=x.device)
    return b


def _blur(x: torch.Tensor, lengths: torch.Tensor | None, sigma: float) -> torch.Tensor:
    from scipy.ndimage import gaussian_filter1d

    xs = x.cpu().numpy()
    out = np.zeros_like(xs)
    if lengths is None:
        out = gaussian_filter1d(xs, sigma, axis=-1, mode="nearest")
    else:
        lens = lengths.cpu().numpy()
        # Blur each series' valid part only: padding must not bleed zeros into its end.
        for L in np.unique(lens):
            idx = np.flatnonzero(lens == L)
            out[idx, :, :L] = gaussian_filter1d(xs[idx, :, :L], sigma, axis=-1, mode="nearest")
    return torch.as_tensor(out, device=x.device)


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
