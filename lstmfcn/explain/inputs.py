"""The checks and conversions every explanation applies to its inputs: series, lengths, targets.

Arrays are ``(N, V, T)`` (samples, variables, time steps); a bad shape or range is a ``ValueError``
that says what was expected.
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.preprocess import valid_mask as steps_mask
from ..errors import UserInputError

ArrayLike = np.ndarray | torch.Tensor


def as_input(x: ArrayLike, device: torch.device) -> torch.Tensor:
    """``x`` ``(N, V, T)`` as a float32 tensor on ``device`` (detached, never a view the caller holds)."""
    t = torch.as_tensor(x).detach()
    if t.ndim != 3:
        raise UserInputError(f"x must have shape (N, V, T) (samples, variables, time), got shape {tuple(t.shape)}")
    return t.to(device=device, dtype=torch.float32)


def as_lengths(lengths: ArrayLike | None, n: int, total: int, device: torch.device) -> torch.Tensor | None:
    """``(N,)`` int64 valid steps on ``device``, or None when every series has the full length."""
    if lengths is None:
        return None
    lt = torch.as_tensor(np.asarray(lengths) if not isinstance(lengths, torch.Tensor) else lengths).long()
    if lt.shape != (n,):
        raise UserInputError(f"lengths must have shape ({n},), one per sample, got {tuple(lt.shape)}")
    if (lt < 1).any() or (lt > total).any():
        raise UserInputError(f"lengths must lie between 1 and the series length {total}")
    if (lt == total).all():
        return None
    return lt.to(device)


def as_target(target: int | ArrayLike, n: int, n_classes: int) -> torch.Tensor:
    """``(N,)`` int64 class indices (on the CPU) from an int or an array; checks the range."""
    t = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target)
    if t.ndim == 0:
        t = t.expand(n)
    if t.shape != (n,):
        raise UserInputError(f"target must be a class index or an array of shape ({n},), got shape {tuple(t.shape)}")
    if t.is_floating_point() and not torch.equal(t, t.round()):
        raise UserInputError("target must hold integer class indices")
    t = t.long().cpu()
    if len(t) and (t.min() < 0 or t.max() >= n_classes):
        raise UserInputError(f"target class indices must lie in 0..{n_classes - 1}, got {int(t.min())}..{int(t.max())}")
    return t.contiguous()


def valid_mask(lengths: torch.Tensor | None, n: int, total: int) -> np.ndarray | None:
    """``(N, 1, T)`` bool, True on valid steps; None for equal-length input."""
    if lengths is None:
        return None
    return steps_mask(lengths.cpu().numpy(), total)[:, None, :]


def batch_slices(n: int, size: int) -> list[slice]:
    """Consecutive slices of at most ``size`` covering ``range(n)``."""
    size = max(1, int(size))
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]
