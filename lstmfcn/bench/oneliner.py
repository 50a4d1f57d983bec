"""Ours against the one-line batched Captum call, on every zoo architecture.

The baseline is what a Captum user writes for a whole split on the shipped model itself:
``IntegratedGradients(model).attribute(X, target=pred, n_steps=32, internal_batch_size=len(X))``,
and the one-line calls of the other gradient methods we offer (saliency, input × gradient,
DeepLift, GradientSHAP). Every case checks the numbers (ours against the one-liner, and ours with
measured pass sizes against ours with the fixed rule), times both ways interleaved (A B, B A, …),
and reports min and median, the peak resident memory of each way, the FLOP rate reached against
the machine's float32 peak (the better of a matmul and a oneDNN convolution) measured in the
same run, and the load average.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from .flops import gradient_flops
from .machine import describe_machine, load, peak_gflops
from .memory import peak_of

#: (architecture, shipped checkpoint): every member of the zoo, the multivariate ones on both sets.
ZOO_CASES = (
    ("LSTM-FCN", "GunPoint__lstmfcn"),
    ("ALSTM-FCN", "GunPoint__alstmfcn"),
    ("ALSTM-FCN, attention over time", "GunPoint__alstmfcn__noshuffle"),
    ("MLSTM-FCN", "BasicMotions__mlstmfcn"),
    ("MLSTM-FCN", "JapaneseVowels__mlstmfcn"),
    ("MALSTM-FCN", "BasicMotions__malstmfcn"),
    ("MALSTM-FCN", "JapaneseVowels__malstmfcn"),
)

METHODS = ("ig", "saliency", "input_x_gradient", "deeplift", "gradient_shap")
#: The methods whose gradient is taken per branch (:mod:`lstmfcn.explain.branch_gradients`).
BRANCH_METHODS = ("ig", "saliency", "input_x_gradient", "gradient_shap")
IG_STEPS = 32
SHAP_SAMPLES = 16

#: What "the same numbers" means: float32 sums in another order (Captum's one pass against our
#: several) differ in the last bits, relative to the largest attribution.
RTOL = 1e-4


@dataclass
class OneLinerRow:
    """One method on one checkpoint's test split, both ways. Times in seconds."""

    arch: str
    checkpoint: str
    method: str
    n: int
    n_vars: int
    length: int
    ours_min: float
    ours_median: float
    oneliner_min: float
    oneliner_median: float
    ours_cpu_min: float  # CPU seconds of the process: with one thread, robust to other processes' load
    oneliner_cpu_min: float
    oneliner: str  # the call
    max_abs_diff: float | None  # ours against the one-liner (None: random draws differ by design)
    max_abs_attr: float
    same_numbers: bool | None
    rule_vs_measured_diff: float  # ours with the fixed pass-size rule against measured passes
    pass_size: int | None  # conv-branch series a pass ours settled on (DeepLift: samples); None: not recorded
    ours_peak_mb: float | None  # peak resident MB during the call, above the resident set before it
    oneliner_peak_mb: float | None
    gflop: float  # useful work of the call (the same for both ways)
    load: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))  # 1/5/15-min load before the case

    @property
    def speedup(self) -> float:
        """Median one-liner time over median ours (> 1: ours is faster)."""
        return self.oneliner_median / self.ours_median

    @property
    def cpu_speedup(self) -> float:
        """The same from the least CPU time of each way."""
        return self.oneliner_cpu_min / self.ours_cpu_min

    def to_dict(self) -> dict:
        return {**asdict(self), "speedup": self.speedup, "cpu_speedup": self.cpu_speedup}


def _one_liner(
    method: str, model: nn.Module, x: torch.Tensor, pred: torch.Tensor, points: int
) -> tuple[torch.Tensor, str]:
    """The one-line call for ``method``; IG's ``internal_batch_size`` is ``points`` (the split's ``len(X)``)."""
    from captum.attr import DeepLift, GradientShap, InputXGradient, IntegratedGradients, Saliency

    if method == "ig":
        call = f"IntegratedGradients(model).attribute(X, target=pred, n_steps={IG_STEPS}, internal_batch_size={points})"
        return IntegratedGradients(model).attribute(x, target=pred, n_steps=IG_STEPS, internal_batch_size=points), call
    if method == "saliency":
        return Saliency(model).attribute(x, target=pred), "Saliency(model).attribute(X, target=pred)"
    if method == "input_x_gradient":
        return InputXGradient(model).attribute(x, target=pred), "InputXGradient(model).attribute(X, target=pred)"
    if method == "deeplift":
        return DeepLift(model).attribute(x, target=pred), "DeepLift(model).attribute(X, target=pred)"
    if method == "gradient_shap":
        call = (
            f"GradientShap(model).attribute(X, baselines=zeros, target=pred, n_samples={SHAP_SAMPLES}, stdevs=0.1*std)"
        )
        base = torch.zeros_like(x[:1])
        a = GradientShap(model).attribute(
            x, baselines=base, target=pred, n_samples=SHAP_SAMPLES, stdevs=0.1 * float(x.std())
        )
        return a, call
    raise ValueError(f"no one-liner for {method!r}; methods: {', '.join(METHODS)}")


def _ours(method: str, model: nn.Module, x: np.ndarray, pred: np.ndarray) -> np.ndarray:
    from ..explain import run_method

    return run_method(method, model, x, pred, n_steps=IG_STEPS, n_samples=SHAP_SAMPLES)


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _useful_gflop(method: str, n: int, fwd: float, fwd_bwd: float) -> float:
    """Forward + input-gradient passes the method needs (DeepLift runs inputs and baselines together)."""
    passes = {"ig": IG_STEPS, "saliency": 1, "input_x_gradient": 1, "deeplift": 2, "gradient_shap": SHAP_SAMPLES}
    return n * passes[method] * fwd_bwd / 1e9


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` of ``fn()``."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def compare_case(
    arch: str,
    checkpoint: str,
    *,
    methods: tuple[str, ...] = METHODS,
    repeats: int = 3,
    limit: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[OneLinerRow]:
    """Every method of ``methods`` on ``checkpoint``'s test split (first ``limit`` series), both ways."""
    from ..checkpoint import load_model
    from ..data import load_dataset
    from ..explain.model_copies import gradient_model
    from ..inputs import model_input
    from ..pass_size import ENV, cached, forget, gradient_record_key, record_key
    from ..zoo import pretrained_path

    say = progress or (lambda _: None)
    model = load_model(pretrained_path(checkpoint)).cpu().eval()
    split = model_input(model, load_dataset(checkpoint.split("__")[0]), "test").X
    x_np = split[:limit]
    # The user's line for the whole split: len(X) points a pass whatever part of it is timed.
    points = len(split)
    n, v, total = x_np.shape
    x = torch.as_tensor(x_np)
    with torch.no_grad():
        pred = model(x).argmax(1)
    pred_np = pred.numpy()
    fwd, fwd_bwd = gradient_flops(gradient_model(model), v, total)
    rows = []
    for method in methods:
        say(f"{checkpoint}: {method}")
        # Methods that take the gradient per branch calibrate the conv branch's passes (in series),
        # whatever the method; DeepLift's hooks need the whole model, in samples a pass.
        net = gradient_model(model)
        key = gradient_record_key(net, v, total) if method in BRANCH_METHODS else record_key(net, v, total, method)
        forget(key)  # the first run below measures pass sizes afresh, as on a new machine
        before = load()
        mine, _, ours_peak = peak_of(lambda m=method: _ours(m, model, x_np, pred_np))  # calibrates if unrecorded
        (ref, call), _, base_peak = peak_of(lambda m=method: _one_liner(m, model, x, pred, points))
        ref = ref.detach().numpy()
        with _env(ENV, "rule"):
            by_rule = _ours(method, model, x_np, pred_np)
        scale = float(np.abs(ref).max())
        diff = None if method == "gradient_shap" else float(np.abs(mine - ref).max())
        times: dict[str, list[tuple[float, float]]] = {"ours": [], "base": []}
        pair = [
            ("ours", lambda m=method: _ours(m, model, x_np, pred_np)),
            ("base", lambda m=method: _one_liner(m, model, x, pred, points)),
        ]
        for r in range(repeats):  # interleaved, the order alternating
            for who, fn in pair if r % 2 == 0 else pair[::-1]:
                times[who].append(_timed(fn))
        ours_t, base_t = [w for w, _ in times["ours"]], [w for w, _ in times["base"]]
        rows.append(
            OneLinerRow(
                arch=arch,
                checkpoint=checkpoint,
                method=method,
                n=n,
                n_vars=v,
                length=total,
                ours_min=min(ours_t),
                ours_median=statistics.median(ours_t),
                ours_cpu_min=min(c for _, c in times["ours"]),
                oneliner_cpu_min=min(c for _, c in times["base"]),
                oneliner_min=min(base_t),
                oneliner_median=statistics.median(base_t),
                oneliner=call,
                max_abs_diff=diff,
                max_abs_attr=scale,
                same_numbers=None if diff is None else bool(diff <= RTOL * max(scale, 1e-12)),
                rule_vs_measured_diff=float(np.abs(mine - by_rule).max()),
                pass_size=cached(key),
                ours_peak_mb=ours_peak,
                oneliner_peak_mb=base_peak,
                gflop=_useful_gflop(method, n, fwd, fwd_bwd),
                load=before,
            )
        )
    return rows


def ig_rule_times(checkpoint: str, *, tolerance: float = 0.01, limit: int = 16, start_steps: int = 4) -> list[dict]:
    """Seconds for adaptive IG to bring every sample's completeness gap under ``tolerance``, per rule."""
    from ..checkpoint import load_model
    from ..data import load_dataset
    from ..explain import IG_RULES, adaptive_integrated_gradients
    from ..inputs import model_input
    from ..zoo import pretrained_path

    model = load_model(pretrained_path(checkpoint)).cpu().eval()
    x = model_input(model, load_dataset(checkpoint.split("__")[0]), "test").X[:limit]
    with torch.no_grad():
        pred = model(torch.as_tensor(x)).argmax(1).numpy()
    out = []
    for rule in IG_RULES:
        start = time.perf_counter()
        res = adaptive_integrated_gradients(
            model, x, pred, tolerance=tolerance, start_steps=start_steps, integration=rule
        )
        out.append(
            {
                "checkpoint": checkpoint,
                "rule": rule,
                "n": len(x),
                "seconds": time.perf_counter() - start,
                "median_steps": float(np.median(res.steps)),
                "max_steps": int(res.steps.max()),
                "max_gap": float(res.gap.max()),
                "converged": bool(res.converged.all()),
            }
        )
    return out


def run_oneliner_bench(
    *,
    cases: tuple[tuple[str, str], ...] = ZOO_CASES,
    methods: tuple[str, ...] = METHODS,
    repeats: int = 3,
    limit: int | None = None,
    rules: bool = True,
    rule_limit: int = 16,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The whole comparison: machine, peak, rows, IG rule times; JSON-ready."""
    peak = peak_gflops()
    rows: list[OneLinerRow] = []
    for arch, ckpt in cases:
        rows += compare_case(arch, ckpt, methods=methods, repeats=repeats, limit=limit, progress=progress)
    rule_rows = []
    if rules:
        for _, ckpt in cases:
            if progress:
                progress(f"{ckpt}: IG rules to a 1 % gap")
            rule_rows += ig_rule_times(ckpt, limit=rule_limit)
    return {
        "machine": describe_machine(),
        "peak_gflops": peak,
        "peak_gflops_after": peak_gflops(),
        "load_end": load(),
        "rows": [r.to_dict() for r in rows],
        "ig_rules": rule_rows,
    }


def format_oneliner(result: dict) -> str:
    """Plain-text tables of :func:`run_oneliner_bench`'s result."""
    m = result["machine"]
    isa = m["isa"]
    lines = [
        f"CPU: {m['cpu']}, {m['cores']} cores, torch {m['torch']}, {m['threads']} thread(s); flags: {' '.join(m['flags'])}",
        f"kernels: ATen {isa['aten']}, oneDNN max ISA {isa['onednn_max_isa']}"
        + (" (an emulation of a smaller instruction set on this CPU)" if isa["emulated"] else ""),
        f"float32 peak (best of matmul and conv): {result['peak_gflops']:.0f} GFLOP/s (again at the end: {result['peak_gflops_after']:.0f});"
        f" load at the end {result['load_end'][0]:.2f}",
        "",
        f"{'checkpoint':<28} {'method':<16} {'N':>4} {'ours min/med':>15} {'one-liner min/med':>18} {'speedup':>7} {'cpu':>5}"
        f" {'max|diff|':>9} {'rule~meas':>9} {'pass':>4} {'+MB ours/1-l':>13} {'GFLOP/s':>7} {'%peak':>5} {'load':>5}",
    ]
    for r in result["rows"]:
        diff = "n/a" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}"
        peak_mb = "n/a" if r["ours_peak_mb"] is None else f"{r['ours_peak_mb']:.0f}/{r['oneliner_peak_mb']:.0f}"
        rate = r["gflop"] / r["ours_median"]
        lines.append(
            f"{r['checkpoint']:<28} {r['method']:<16} {r['n']:>4} "
            f"{_s(r['ours_min']):>7}/{_s(r['ours_median']):<7} {_s(r['oneliner_min']):>9}/{_s(r['oneliner_median']):<8} "
            f"{r['speedup']:>6.2f}x {r['cpu_speedup']:>4.2f}x {diff:>9} {r['rule_vs_measured_diff']:>9.1e} {r['pass_size'] or '-':>4} "
            f"{peak_mb:>13} {rate:>7.1f} {100 * rate / result['peak_gflops']:>4.0f}% {r['load'][0]:>5.2f}"
        )
    if result["ig_rules"]:
        lines += ["", "adaptive IG to a 1 % completeness gap (start 4 points, doubling per sample):"]
        lines.append(f"{'checkpoint':<28} {'rule':<18} {'N':>3} {'time':>8} {'median/max points':>18} {'max gap':>8}")
        for r in result["ig_rules"]:
            lines.append(
                f"{r['checkpoint']:<28} {r['rule']:<18} {r['n']:>3} {_s(r['seconds']):>8} "
                f"{r['median_steps']:>9.0f}/{r['max_steps']:<8} {100 * r['max_gap']:>7.2f}%"
                + ("" if r["converged"] else " (not converged)")
            )
    return "\n".join(lines)


def _s(seconds: float) -> str:
    return f"{seconds * 1e3:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"
