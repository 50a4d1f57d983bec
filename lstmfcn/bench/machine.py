"""What a figure was measured on: the CPU, the kernels torch used, the load, and the machine's peak."""

from __future__ import annotations

import os
import time

import torch

from ..device import cpu_model

#: CPU flags that decide which kernels run (the rest of /proc/cpuinfo's list is noise for this).
KEY_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile")


def cpu_flags() -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where the system does not say)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def isa() -> dict:
    """The instruction set torch's kernels use, and whether it is an emulation of a smaller one.

    ``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2`` make an AVX-512 machine run the AVX2
    kernels (ATen's and oneDNN's): an emulation of an AVX2-only CPU (same caches and clock).
    """
    used = torch.backends.cpu.get_cpu_capability()
    flags = cpu_flags()
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    emulated = "avx512f" in flags and (used != "AVX512" or onednn.upper().startswith("AVX2"))
    return {"aten": used, "onednn_max_isa": onednn or "default", "emulated": emulated}


def load() -> tuple[float, float, float]:
    """1-, 5- and 15-minute load averages (other work on the machine slows every figure)."""
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def describe_machine() -> dict:
    """CPU model, its key flags, cores, torch's threads and version, the kernels in use."""
    flags = cpu_flags()
    return {
        "cpu": cpu_model(),
        "flags": [f for f in KEY_FLAGS if f in flags],
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "isa": isa(),
    }


def peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of the machine's fastest dense kernel: what "compute-bound" is measured against.

    The better of an ``n × n`` matmul and a convolution of the conv branch's middle layer
    (``(64, 128, 150)`` by 256 filters of 5) through oneDNN. Either can be the faster: on an
    AMD EPYC with AVX-512 (family 26) torch's matmul reached 100 GFLOP/s on one thread and
    oneDNN's convolution 205, so a matmul-only peak put the conv models at "165 % of peak".
    """
    a, b = torch.randn(n, n), torch.randn(n, n)
    x, w = torch.randn(64, 128, 150), torch.randn(256, 128, 5)
    kernels = (
        (lambda: torch.mm(a, b), 2 * n**3),
        (lambda: torch.nn.functional.conv1d(x, w, padding=2), 2 * 64 * 128 * 256 * 5 * 150),
    )
    best_rate = 0.0
    for run, flop in kernels:
        run()  # warm-up: oneDNN/BLAS pick their kernel
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        best_rate = max(best_rate, flop / best / 1e9)
    return best_rate
