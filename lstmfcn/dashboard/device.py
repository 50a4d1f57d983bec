"""Where the dashboard computes: the GPU when there is one, else the CPU, and with how many threads."""

from __future__ import annotations

import os

import torch

from lstmfcn.device import describe_device, resolve_device
from lstmfcn.models import LSTMFCN

THREADS_ENV = "LSTMFCN_DASHBOARD_THREADS"


def dashboard_threads(cpu_count: int | None = None, env: str | None = None) -> int:
    """Intra-op CPU threads for the dashboard process: ``$LSTMFCN_DASHBOARD_THREADS`` or half the cores.

    The dashboard runs many small computations (one sample, a chunk of a split, the attention
    LSTM's step-by-step loop) next to the Streamlit server, the browser and possibly a training
    run. Every core busy in every small op then makes OpenMP threads wait on each other: on a
    loaded 2-core machine, split-level attention took 14 s with 2 threads and 0.4 s with 1.
    Leaving half the cores free keeps the pages responsive.
    """
    raw = os.environ.get(THREADS_ENV) if env is None else env
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            pass
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, cores // 2)


def configure_threads() -> int:
    """Apply :func:`dashboard_threads` to torch (process-wide); returns the number set."""
    n = dashboard_threads()
    torch.set_num_threads(n)
    return n


def best_device_label() -> str:
    """``"GPU <name>"`` or ``"CPU (N threads)"``, for the sidebar."""
    device = resolve_device("auto")
    if device.type == "cuda":
        return describe_device(device)
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n != 1 else ''})"


def to_best_device(model: LSTMFCN) -> LSTMFCN:
    """The model moved to the GPU when one is present (in eval mode either way)."""
    return model.to(resolve_device("auto")).eval()
