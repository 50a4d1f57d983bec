"""The papers' training recipe, with a progress callback and resumable state.

Adam (lr 1e-3); ReduceLROnPlateau on the *training* loss (factor 1/∛2, patience 100, min lr
1e-4); class-balanced cross-entropy on logits; batch 128; 2000 epochs; the weights with the
lowest training loss are kept. The test set is never looked at.

After training, BatchNorm's running statistics are re-estimated with one pass over the training
set (cumulative average) for the kept weights: with Keras' momentum (PyTorch 0.01) the running
statistics need thousands of steps to catch up with the weights, and a short training would
otherwise score near chance in eval mode.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from .device import describe_device, resolve_device
from .errors import TrainingError
from .models import LSTMFCN, ModelConfig, build_model
from .training_state import load_training_state, save_training_state


@dataclass
class TrainConfig:
    """Training hyperparameters; the defaults are the papers' recipe.

    Attributes:
        epochs: passes over the training set (2000 in the papers).
        batch_size: samples per step (128).
        lr: initial Adam learning rate (1e-3).
        min_lr: floor of the plateau schedule (1e-4).
        lr_factor: plateau decay factor (1/∛2).
        patience: epochs without a lower training loss before the rate decays (100).
        class_weight: ``"balanced"`` (n / (K · n_k), the papers') or ``"none"``.
        seed: seeds weight initialisation, shuffling and dropout.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        amp: bfloat16 autocast (mixed precision); off by default.
        recalibrate_bn: re-estimate BatchNorm statistics for the kept weights (see module doc).
        save_every: epochs between resumable-state saves when a state path is given.
    """

    epochs: int = 2000
    batch_size: int = 128
    lr: float = 1e-3
    min_lr: float = 1e-4
    lr_factor: float = 1.0 / 2.0 ** (1.0 / 3.0)
    patience: int = 100
    class_weight: str = "balanced"
    seed: int = 0
    device: str = "auto"
    amp: bool = False
    recalibrate_bn: bool = True
    save_every: int = 200


@dataclass
class EpochReport:
    """What the progress callback receives after every epoch."""

    epoch: int  # 1-based
    epochs: int
    loss: float  # mean training loss of the epoch (class-weighted, as optimised)
    accuracy: float  # training accuracy of the epoch, in train mode
    lr: float
    best_loss: float
    elapsed_s: float


@dataclass
class TrainResult:
    """Summary of a training run, stored in the checkpoint's metadata."""

    epochs_run: int
    best_epoch: int
    best_loss: float
    wall_time_s: float
    device: str
    stopped: bool
    history: dict[str, list[float]] = field(default_factory=dict)
    config: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


ProgressFn = Callable[[EpochReport], None]
StopFn = Callable[[], bool]


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """``n / (K · n_k)`` per class (scikit-learn's "balanced"); 0 for a class with no samples."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    with np.errstate(divide="ignore"):
        w = np.where(counts > 0, len(y) / (n_classes * counts), 0.0)
    return w.astype(np.float32)


def check_trainable(X: np.ndarray, y: np.ndarray) -> None:
    """Raise :class:`TrainingError` when the data cannot train a classifier."""
    if len(y) == 0:
        raise TrainingError("the training set is empty")
    if len(np.unique(y)) < 2:
        raise TrainingError(f"the training set has a single class ({int(y[0])}); a classifier needs at least two")
    if not np.isfinite(X).all():
        raise TrainingError("the training set contains NaN or infinite values")
    if np.ptp(X.reshape(len(X), -1), axis=1).max() == 0:
        raise TrainingError("every training series is constant; there is nothing to learn from")


def train(
    model: LSTMFCN,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray | None = None,
    config: TrainConfig | None = None,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    state_path: str | os.PathLike | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train ``model`` in place on ``X`` ``(N, V, T)``, ``y`` ``(N,)``; keep the lowest-loss weights.

    Args:
        model: a freshly built (or resumed) model; left in eval mode with the kept weights.
        X: float32 ``(N, V, T)`` training series.
        y: int ``(N,)`` class indices.
        lengths: ``(N,)`` valid steps per series for padded input, or None.
        config: hyperparameters; defaults to the papers' recipe.
        progress: called after every epoch with an :class:`EpochReport`.
        should_stop: polled after every epoch; True ends training early (weights are still kept).
        state_path: where to save the resumable state every ``config.save_every`` epochs.
        resume: continue from ``state_path`` when it exists.

    Returns:
        A :class:`TrainResult` with the loss, accuracy and lr history.
    """
    cfg = config or TrainConfig()
    check_trainable(X, y)
    device = resolve_device(cfg.device)
    model.to(device)
    n_classes = model.config.n_classes
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.long, device=device)
    Lt = None if lengths is None or (lengths == X.shape[-1]).all() else torch.as_tensor(lengths, device=device)
    weights = balanced_class_weights(y, n_classes) if cfg.class_weight == "balanced" else np.ones(n_classes, np.float32)
    loss_fn = nn.CrossEntropyLoss(weight=torch.as_tensor(weights, device=device))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=cfg.lr_factor, patience=cfg.patience, min_lr=cfg.min_lr
    )
    shuffle_rng = torch.Generator().manual_seed(cfg.seed)
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "lr": []}
    best_state = _clone_state(model)
    best_loss, best_epoch, start_epoch, elapsed_before = math.inf, 0, 0, 0.0

    if resume and state_path is not None and os.path.exists(state_path):
        best_state, info = load_training_state(
            state_path, model=model, optimizer=optimizer, scheduler=scheduler, shuffle_rng=shuffle_rng
        )
        history, best_loss, best_epoch = info["history"], info["best_loss"], info["best_epoch"]
        start_epoch, elapsed_before = info["epoch"], info["elapsed_s"]

    started = time.perf_counter()
    n = len(yt)
    epoch = start_epoch
    stopped = False
    for epoch in range(start_epoch + 1, cfg.epochs + 1):
        loss, acc = _train_epoch(model, Xt, yt, Lt, loss_fn, optimizer, cfg, shuffle_rng, n)
        scheduler.step(loss)
        lr = optimizer.param_groups[0]["lr"]
        history["loss"].append(loss)
        history["accuracy"].append(acc)
        history["lr"].append(lr)
        if loss < best_loss:
            best_loss, best_epoch = loss, epoch
            best_state = _clone_state(model)
        elapsed = elapsed_before + time.perf_counter() - started
        if progress is not None:
            progress(EpochReport(epoch, cfg.epochs, loss, acc, lr, best_loss, elapsed))
        stop_now = should_stop is not None and should_stop()
        if state_path is not None and (epoch % cfg.save_every == 0 or epoch == cfg.epochs or stop_now):
            info = {
                "epoch": epoch,
                "history": history,
                "best_loss": best_loss,
                "best_epoch": best_epoch,
                "elapsed_s": elapsed,
            }
            save_training_state(
                state_path,
                model=model,
                best_state=best_state,
                optimizer=optimizer,
                scheduler=scheduler,
                shuffle_rng=shuffle_rng,
                info=info,
            )
        if stop_now:
            stopped = epoch < cfg.epochs
            break

    model.load_state_dict(best_state)
    if cfg.recalibrate_bn:
        recalibrate_batchnorm(model, Xt, Lt, cfg.batch_size)
    model.eval()
    return TrainResult(
        epochs_run=epoch,
        best_epoch=best_epoch,
        best_loss=best_loss,
        wall_time_s=elapsed_before + time.perf_counter() - started,
        device=describe_device(device),
        stopped=stopped,
        history=history,
        config=asdict(cfg),
    )


def _train_epoch(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lengths: torch.Tensor | None,
    loss_fn: nn.Module,
    optimizer: torch.optim.Optimizer,
    cfg: TrainConfig,
    rng: torch.Generator,
    n: int,
) -> tuple[float, float]:
    model.train()
    order = torch.randperm(n, generator=rng).to(X.device)
    # Sums stay on the device so a GPU epoch syncs with the host once, not once per step.
    loss_sum = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for start in range(0, n, cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        xb, yb = X[idx], y[idx]
        lb = None if lengths is None else lengths[idx]
        with torch.autocast(X.device.type, dtype=torch.bfloat16, enabled=cfg.amp):
            logits = model(xb, lb)
            loss = loss_fn(logits.float(), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(idx)
        correct += (logits.argmax(1) == yb).sum()
    return float(loss_sum) / n, float(correct) / n


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, X: torch.Tensor, lengths: torch.Tensor | None, batch_size: int) -> None:
    """Re-estimate every BatchNorm's running mean and variance from ``X`` (cumulative average).

    Only the BatchNorm layers run in train mode; dropout stays off and no weight changes.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    model.eval()
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average over the batches below
        bn.train()
    try:
        for start in range(0, len(X), batch_size):
            lb = None if lengths is None else lengths[start : start + batch_size]
            model(X[start : start + batch_size], lb)
    finally:
        for bn, m in zip(bns, momenta, strict=True):
            bn.momentum = m
        model.eval()


def fit(
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray | None,
    model_config: ModelConfig,
    config: TrainConfig | None = None,
    **train_kwargs,
) -> tuple[LSTMFCN, TrainResult]:
    """Seed, build a model for ``model_config`` and :func:`train` it; returns ``(model, result)``."""
    cfg = config or TrainConfig()
    torch.manual_seed(cfg.seed)
    model = build_model(model_config)
    result = train(model, X, y, lengths, cfg, **train_kwargs)
    return model, result


def _clone_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


__all__ = [
    "EpochReport",
    "TrainConfig",
    "TrainResult",
    "balanced_class_weights",
    "fit",
    "recalibrate_batchnorm",
    "train",
]
