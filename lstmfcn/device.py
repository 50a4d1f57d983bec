"""Choosing where computation runs."""

from __future__ import annotations

import functools

import torch
from torch import nn

from .errors import UserInputError


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) → CUDA when present, else CPU; ``"cuda"`` without a GPU is an error.

    Raises:
        ValueError: the device string is unknown, or CUDA was asked for on a machine without it.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserInputError("device 'cuda' was requested but this machine has no CUDA GPU; use 'cpu' or 'auto'")
    return dev


@functools.cache
def cpu_model() -> str:
    """The CPU's model name (``"AMD EPYC 9B14"``), or ``""`` where the system does not say.

    Recorded with every training: two CPUs with the same instruction set (AVX-512, say) but of
    another vendor or generation take other kernel paths, so bit-for-bit reproduction of weights
    holds only on the same model of CPU.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor()


def describe_device(device: torch.device) -> str:
    """A human-readable name: the GPU's model, or ``"CPU (N threads)"``."""
    if device.type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'' if n == 1 else 's'})"


# Floats one batch may hold in activations, counted as 16 per channel of the widest conv and
# time step for a gradient pass and 4 for a forward-only pass. These counts are about twice
# what the conv blocks really keep, so a 2**29 budget means ~1-2 GB per pass on a GPU, where
# small passes are what makes explanations slow.
_GRAD_FLOATS_PER_CHANNEL_STEP = 16
_FORWARD_FLOATS_PER_CHANNEL_STEP = 4


def model_device(model: nn.Module) -> torch.device:
    """The device the model's parameters live on."""
    return next(model.parameters()).device


def conv_width(model: nn.Module) -> int:
    """The widest conv block's channel count (what dominates activation memory)."""
    return int(max(model.config.filters))


def batch_size_for(
    model: nn.Module, total: int, *, gradients: bool, expansion: int = 1, budget: int | None = None
) -> int:
    """Samples per pass so one pass's activations stay within the device's budget (or ``budget`` floats).

    Gradient methods on the CPU choose their pass size by measurement instead
    (:mod:`lstmfcn.pass_size`); this rule is their fallback, and their bound is a bigger budget.

    Args:
        model: the model (its conv width sets the cost per time step).
        total: series length ``T``.
        gradients: whether the pass keeps a graph for backward.
        expansion: copies of each sample in the pass (IG steps, occlusion windows, …).
        budget: floats, counted as below; default 2**29 on a GPU, 2**22 on the CPU.
    """
    # On the CPU a pass whose activations fit the caches (2 MiB L2 per core, 32 MiB L3 here) beats a
    # big one: a forward at T = 1024 costs 1.6 ms per sample at 4 samples a pass, 2.9 ms at 16 and
    # 4.5 ms at 64; IG-32 at T = 1024 194 ms per sample at 1 a pass, 270 ms at 2 or 4 (2 idle
    # EPYC cores). A GPU wants big passes.
    if budget is None:
        budget = 2**29 if model_device(model).type == "cuda" else 2**22
    per = _GRAD_FLOATS_PER_CHANNEL_STEP if gradients else _FORWARD_FLOATS_PER_CHANNEL_STEP
    return max(1, budget // (per * conv_width(model) * max(total, 1) * max(expansion, 1)))
