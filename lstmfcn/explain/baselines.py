"""The reference series that perturbation and path methods (occlusion, IG, What if) compare with."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import UserInputError
from .inputs import ArrayLike, valid_mask

BASELINES = ("zeros", "mean", "blur")
"""Names of the built-in baselines; an array broadcastable to ``(N, V, T)`` works too."""


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
            raise UserInputError(
                f"unknown baseline {baseline!r}; choose one of {', '.join(BASELINES)} or pass an array"
            )
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
        raise UserInputError(
            f"a baseline array must broadcast to {tuple(x.shape)}, got shape {tuple(b.shape)}"
        ) from exc
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
