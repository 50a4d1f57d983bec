"""Issue #32's IG target: the time to attributions whose completeness gap is at most 1 % of
``|f(x) - f(baseline)|``, ours (adaptive, :data:`~lstmfcn.explain.attributions.ADAPTIVE_IG`)
against Captum's default call ``IntegratedGradients(model).attribute(X, target=t)`` (50-point
Gauss-Legendre, every point of every series in one pass), over a whole test split.

Both ways are timed alternated (Captum, ours, ours, Captum, …) on the same model, series and
targets (the predicted classes), and both results are checked: each sample's completeness gap, and
how far the two estimates of the same integral are apart, relative to the attributions' scale.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from .machine import load

#: What the target asks: every sample's completeness gap within this share of |f(x) - f(b)|.
GAP = 0.01
#: The checkpoints and test splits the target is stated on: every shipped architecture of both.
CASES = (
    ("GunPoint__lstmfcn", "GunPoint"),
    ("GunPoint__alstmfcn", "GunPoint"),
    ("GunPoint__alstmfcn__noshuffle", "GunPoint"),
    ("BasicMotions__mlstmfcn", "BasicMotions"),
    ("BasicMotions__malstmfcn", "BasicMotions"),
)


@dataclass
class IGTargetRow:
    """One checkpoint's test split both ways. Times in seconds (wall and this process's CPU)."""

    checkpoint: str
    dataset: str
    n: int
    captum_wall: list[float]
    ours_wall: list[float]
    captum_cpu: list[float]
    ours_cpu: list[float]
    captum_max_gap: float  # largest relative completeness gap of Captum's default call
    captum_over_gap: int  # samples whose gap exceeds GAP with Captum's default call
    ours_max_gap: float
    ours_over_gap: int
    ours_points: dict  # points per sample: min, median, mean, max
    max_diff: float  # max |ours - Captum| / max |Captum|
    fixed32_wall: list[float] = field(default_factory=list)  # the dashboard's former default, IG-32 Gauss-Legendre
    fixed32_max_gap: float | None = None
    fixed32_over_gap: int | None = None
    load: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))

    @property
    def ratio(self) -> float:
        """Captum's median wall time over ours: above 2 meets the target."""
        return statistics.median(self.captum_wall) / statistics.median(self.ours_wall)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.captum_cpu) / statistics.median(self.ours_cpu)

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "cpu_ratio": self.cpu_ratio}


def captum_default(model: torch.nn.Module, x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``IntegratedGradients(model).attribute(x, target=t)`` as a Captum user writes it: ``(N, V, T)``."""
    from captum.attr import IntegratedGradients

    xt = torch.as_tensor(x).requires_grad_(True)
    return IntegratedGradients(model).attribute(xt, target=torch.as_tensor(target)).detach().numpy()


def ours_adaptive(model: torch.nn.Module, x: np.ndarray, target: np.ndarray):
    """Ours at the dashboard's default: :class:`~lstmfcn.explain.attributions.AdaptiveIG`."""
    from lstmfcn.explain.attributions import ADAPTIVE_IG, adaptive_integrated_gradients

    o = ADAPTIVE_IG
    return adaptive_integrated_gradients(
        model, x, target, tolerance=o["tolerance"], start_steps=o["n_steps"], integration=o["integration"]
    )


def ours_fixed(model: torch.nn.Module, x: np.ndarray, target: np.ndarray, n_steps: int = 32) -> np.ndarray:
    """Ours with a fixed ``n_steps``-point Gauss-Legendre rule (the dashboard's default before #32)."""
    from lstmfcn.explain.attributions import integrated_gradients

    return integrated_gradients(model, x, target, n_steps=n_steps)


def completeness_gaps(model: torch.nn.Module, x: np.ndarray, target: np.ndarray, attr: np.ndarray) -> np.ndarray:
    """``|Σ attr - (f(x) - f(0))| / |f(x) - f(0)|`` per sample ``(N,)`` (zeros baseline)."""
    rows = np.arange(len(x))
    with torch.no_grad():
        fx = model(torch.as_tensor(x)).double().numpy()[rows, target]
        fb = model(torch.zeros_like(torch.as_tensor(x))).double().numpy()[rows, target]
    change = fx - fb
    return np.abs(attr.sum(axis=(1, 2), dtype=np.float64) - change) / np.abs(change)


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def ig_vs_captum_default(
    checkpoint: str, dataset: str, *, rounds: int = 3, n: int | None = None, fixed32: bool = False
) -> IGTargetRow:
    """Captum's default IG call against ours adaptive on ``dataset``'s test split (first ``n`` series).

    ``rounds`` alternated pairs (Captum first in even rounds, ours first in odd ones). Returns
    both ways' times, the ratio (Captum / ours, median wall; above 2 meets the target), each
    way's largest completeness gap and how many samples miss :data:`GAP`, and the largest
    difference between the two, relative to the largest Captum attribution. ``fixed32``: also
    time ours with the fixed 32-point rule the dashboard used before (a third way in each round).
    One untimed call of each way on two series first (Captum's import, oneDNN's first primitives).
    """
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.evaluation import predict_logits
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path(checkpoint)).eval()
    x = model_input(model, load_dataset(dataset), "test").X[:n]
    target = predict_logits(model, x).argmax(1)
    before = load()
    times: dict[str, tuple[list, list]] = {"captum": ([], []), "ours": ([], [])}
    out: dict = {}
    for r in range(rounds):
        for way in ("captum", "ours") if r % 2 == 0 else ("ours", "captum"):
            fn = (
                (lambda: captum_default(model, x, target))
                if way == "captum"
                else lambda: ours_adaptive(model, x, target)
            )
            out[way], wall, cpu = _timed(fn)
            times[way][0].append(wall)
            times[way][1].append(cpu)
    cap, ours = out["captum"], out["ours"]
    cap_gap = completeness_gaps(model, x, target, cap)
    our_gap = completeness_gaps(model, x, target, ours.attr)
    fixed_gap = completeness_gaps(model, x, target, out["fixed32"]) if fixed32 else None
    return IGTargetRow(
        checkpoint=checkpoint,
        dataset=dataset,
        n=len(x),
        captum_wall=times["captum"][0],
        ours_wall=times["ours"][0],
        captum_cpu=times["captum"][1],
        ours_cpu=times["ours"][1],
        captum_max_gap=float(cap_gap.max()),
        captum_over_gap=int((cap_gap > GAP).sum()),
        ours_max_gap=float(our_gap.max()),
        ours_over_gap=int((our_gap > GAP).sum()),
        ours_points={
            "min": int(ours.steps.min()),
            "median": float(np.median(ours.steps)),
            "mean": float(ours.steps.mean()),
            "max": int(ours.steps.max()),
        },
        max_diff=float(np.abs(ours.attr - cap).max() / np.abs(cap).max()),
        fixed32_wall=times.get("fixed32", ([], []))[0],
        fixed32_max_gap=None if fixed_gap is None else float(fixed_gap.max()),
        fixed32_over_gap=None if fixed_gap is None else int((fixed_gap > GAP).sum()),
        load=before,
    )


def ig_target_table(rounds: int = 3, n: int | None = None, fixed32: bool = False) -> list[IGTargetRow]:
    """:func:`ig_vs_captum_default` on every case of :data:`CASES`."""
    return [ig_vs_captum_default(c, d, rounds=rounds, n=n, fixed32=fixed32) for c, d in CASES]
