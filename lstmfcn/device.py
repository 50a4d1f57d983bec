"""Choosing where computation runs."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) → CUDA when present, else CPU; ``"cuda"`` without a GPU is an error.

    Raises:
        ValueError: the device string is unknown, or CUDA was asked for on a machine without it.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but this machine has no CUDA GPU; use 'cpu' or 'auto'")
    return dev


def describe_device(device: torch.device) -> str:
    """A human-readable name: the GPU's model, or ``"CPU (N threads)"``."""
    if device.type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"
