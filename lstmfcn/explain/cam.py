"""Class activation maps (Zhou et al. 2016) of the LSTM-FCN family's conv branch.

The conv branch ends in global average pooling (GAP) followed by the final Linear layer, so a
class's logit splits exactly into a per-time-step map and a constant::

    logit[n, k] = Σ_c W[k, c] · mean_t A[n, c, t]  +  (W_lstm[k] · h[n] + b[k])
                = mean_t cam[n, k, t]               +  offset[n, k]

with ``cam[n, k, t] = Σ_c W[k, c] · A[n, c, t]``, ``A`` the last conv block's output (after BN
and ReLU), ``W`` the rows of the final Linear that act on the pooled conv features and
``offset`` the LSTM branch's contribution plus the bias. For padded input the mean runs over the
valid steps only, exactly as the model pools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..models.lstm_fcn import ForwardDetails
from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    as_target,
    batch_size_for,
    batch_slices,
    inference_model,
    model_device,
    report,
)


@dataclass
class CamResult:
    """Class activation maps of every class for every sample.

    Attributes:
        cam: ``(N, K, T)`` float32; ``cam[n, k, t]`` is how much time step ``t`` adds to class
            ``k``'s logit per step (in logit units); 0 on padded steps.
        offset: ``(N, K)`` the part of the logit the map does not show: LSTM branch + bias.
        logits: ``(N, K)``; ``cam.mean over valid t + offset == logits`` up to float error.
        lengths: ``(N,)`` valid steps, or None for equal-length input.
    """

    cam: np.ndarray
    offset: np.ndarray
    logits: np.ndarray
    lengths: np.ndarray | None = None

    def reconstructed_logits(self) -> np.ndarray:
        """``(N, K)`` mean of each map over its valid steps plus the offset (equals ``logits``)."""
        if self.lengths is None:
            return self.cam.mean(axis=-1) + self.offset
        return self.cam.sum(axis=-1) / self.lengths[:, None] + self.offset


@torch.no_grad()
def class_activation_maps(
    model: nn.Module,
    x: ArrayLike,
    lengths: ArrayLike | None = None,
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
    also: Callable[[slice, ForwardDetails], None] | None = None,
) -> CamResult:
    """CAM of all ``K`` classes for all ``N`` samples in batched forward passes.

    One forward pass gives the last conv block's maps ``A (N, C, T)``; one einsum with the
    ``(K, C)`` conv rows of the final Linear gives every class's map. The rows used are
    :attr:`~lstmfcn.models.LSTMFCN.head_conv_weight`, the ones that multiply the *pooled conv
    features*. The head's input is ``concat[lstm, pooled conv]``, so those are the rows after
    the first ``cells``. The papers' Keras reference (``visualize_cam`` in titu1994/LSTM-FCN)
    takes the rows from index 128 (the conv channel count) instead of ``cells``: the right rows
    only when the LSTM has 128 cells. With 8 cells it pairs conv channels 0..7 with the weights
    of channels 120..127 and ignores the other 120 channels.

    Args:
        model: an LSTM-FCN-family model (eval mode; it is not changed).
        x: ``(N, V, T)`` float series.
        lengths: ``(N,)`` valid steps per series for padded input, or None.
        batch_size: samples per forward pass; default sized to the device's memory.
        progress: called with the fraction done after each batch.
        also: called with each pass's sample slice and forward details, for another result
            made of the same pass (:class:`~.attention.AttentionCollector`).

    Returns:
        A :class:`CamResult` with ``cam (N, K, T)``, ``offset (N, K)`` and ``logits (N, K)``.

    Example:
        >>> res = class_activation_maps(model, model_input(model, ds).X)
        >>> np.allclose(res.cam.mean(-1) + res.offset, res.logits, atol=1e-4)
        True
    """
    net = inference_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, _, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    w_conv = net.head_conv_weight  # (K, C)
    w_lstm = net.head_lstm_weight  # (K, H)
    bias = net.head.bias  # (K,)
    k = w_conv.shape[0]
    cam = np.zeros((n, k, total), np.float32)
    offset = np.zeros((n, k), np.float32)
    logits = np.zeros((n, k), np.float32)
    slices = batch_slices(n, batch_size or batch_size_for(net, total, gradients=False))
    for i, sl in enumerate(slices):
        d = net.forward_details(xt[sl], None if lt is None else lt[sl])
        cam[sl] = torch.einsum("kc,nct->nkt", w_conv, d.conv_maps).float().cpu().numpy()  # (B, K, T)
        offset[sl] = (d.lstm_features @ w_lstm.T + bias).float().cpu().numpy()  # (B, K)
        logits[sl] = d.logits.float().cpu().numpy()
        if also is not None:
            also(sl, d)
        report(progress, (i + 1) / len(slices))
    return CamResult(cam, offset, logits, None if lt is None else lt.cpu().numpy())


def cam_for_target(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """The target class's CAM in the unified ``(N, V, T)`` shape.

    CAM has one value per *time step*, not per variable: the conv branch mixes all variables in
    its first layer. The map is therefore repeated over the ``V`` variables; for multivariate
    data read it as "when", not "which variable".

    Args:
        model: an LSTM-FCN-family model.
        x: ``(N, V, T)`` series.
        target: a class index or ``(N,)`` class indices.
        lengths: ``(N,)`` valid steps or None.
        batch_size: samples per forward pass.
        progress: fraction-done callback.

    Returns:
        ``(N, V, T)`` float32, 0 on padded steps.
    """
    res = class_activation_maps(model, x, lengths, batch_size=batch_size, progress=progress)
    return select_target(res.cam, as_target(target, res.cam.shape[0], res.cam.shape[1]).numpy(), np.shape(x)[1])


def select_target(cam_all: np.ndarray, target: np.ndarray, n_vars: int) -> np.ndarray:
    """Pick ``cam_all[n, target[n]]`` ``(N, T)`` and repeat it over ``V`` → ``(N, V, T)``."""
    picked = cam_all[np.arange(len(target)), target]  # (N, T)
    return np.repeat(picked[:, None, :], n_vars, axis=1)
